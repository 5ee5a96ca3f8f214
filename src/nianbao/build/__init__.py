"""Producing reports: the batch as a package, one module per job.

- :mod:`.plan` — which department-years run and why (input hashes, rerun
  reasons), and their findings, computed once;
- :mod:`.runner` — one run into bytes (:class:`RunResult`; every stage's failure a value);
- :mod:`.install` — atomic installation into outputs/;
- :mod:`.executors` / :mod:`.cluster` — where runs happen (local pool, this
  process, a Dask cluster: the CLI chooses);
- :mod:`.lock` — one build at a time; :mod:`.hashing`, :mod:`.records` — hashes,
  manifests and SHA256SUMS;
- :mod:`.batch` — the build itself, and when the sites need writing.
"""

from .batch import BuildResult, build, project_notebook, site_fingerprint, site_marker
from .executors import executor_for
from .hashing import CACHE_FILE, KIT_FINGERPRINT_ENV, HashCache, kit_fingerprint
from .lock import BuildLock, BuildLocked
from .plan import REASONS, Job, Planned, plan
from .runner import STAGES, RunResult, run_job

__all__ = [
    "CACHE_FILE", "KIT_FINGERPRINT_ENV", "REASONS", "STAGES",
    "BuildLock", "BuildLocked", "BuildResult", "HashCache", "Job", "Planned", "RunResult",
    "build", "executor_for", "kit_fingerprint", "plan", "project_notebook", "run_job", "site_fingerprint", "site_marker",
]
