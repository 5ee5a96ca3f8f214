"""Installing a run's bytes into outputs/: reports first, then the record, the
manifest last, each file renamed over the old one — a failure or an interrupt
never leaves half a file, and never destroys the last good output.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import asdict
from pathlib import Path

from .. import paths
from ..textio import stage
from .plan import Job, findings_digest
from .records import read_sums, sums_text, to_json
from .runner import RunResult, inputs_manifest


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def install(files: dict[str, bytes], target: Path) -> None:
    """Move finished files into ``target``: each is written beside it and renamed
    over the old one only when all are staged, so a failure before this point
    leaves the previous outputs untouched."""
    staged: list[tuple[Path, Path]] = []
    try:
        for name, data in files.items():
            staged.append((stage(target / name, data), target / name))
        for tmp, final in staged:
            os.replace(tmp, final)
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise


# Held while a run's files are moved into place: a worker whose build has died waits
# for it before it exits (executors._watch_build), so no staged file is left behind.
INSTALLING = threading.Lock()


class _uninterrupted:
    """Defer SIGTERM/SIGINT while outputs are moved into place (main thread only)."""

    def __enter__(self):
        import signal
        import threading

        self.saved = {}
        self.pending: list[int] = []
        if threading.current_thread() is threading.main_thread():
            self.saved = {s: signal.signal(s, lambda n, f: self.pending.append(n)) for s in (signal.SIGTERM, signal.SIGINT)}

    def __exit__(self, *exc):
        import signal

        for s, handler in self.saved.items():
            signal.signal(s, handler)
        if self.pending and exc[0] is None:
            raise KeyboardInterrupt


def install_output(root: Path, job: Job, result: RunResult) -> RunResult:
    """Write a run's files into outputs/; the result without its bytes.  A failed
    run changes only its record (log, status): the last good reports stay, still
    described by SHA256SUMS."""
    site = paths.site_dir(root, job.mode, job.year, job.department)
    record = paths.record_dir(root, job.mode, job.year, job.department)
    base = paths.outputs(root)
    manifest = {
        **inputs_manifest(job, result.versions),
        "status": result.status,
        "failure": asdict(result.failure) if result.failure else None,
        "started": result.started,
        "seconds": result.seconds,
        "log": paths.LOG,
        # The digest of the findings the run was given: with "inputs", the report's key (plan.py).
        "findings": findings_digest(job.findings),
    }
    if result.ok:
        sums = {(site / name).relative_to(base).as_posix(): _sha(data) for name, data in result.site_files.items()}
        sums.update({(record / name).relative_to(base).as_posix(): _sha(data) for name, data in result.record_files.items()})
    else:
        # Only the log is this run's: its hash is updated, the rest still describe the last good run.
        sums = read_sums(root, job.mode, job.year, job.department)
        log_rel = (record / paths.LOG).relative_to(base).as_posix()
        if log_rel in sums:
            sums[log_rel] = _sha(result.record_files[paths.LOG])
    record_files = dict(result.record_files)
    if sums:
        record_files[paths.SUMS] = sums_text(sums)
    with INSTALLING, _uninterrupted():  # a stop now would leave new reports beside an old SHA256SUMS
        if result.site_files:
            install(result.site_files, site)
        install({**record_files, paths.MANIFEST: to_json(manifest)}, record)
    return result.installed()


def produce(job: Job) -> RunResult:
    """Run one department-year and install its outputs (in the process that runs it)."""
    from .runner import run_job

    return install_output(Path(job.root), job, run_job(job))


def record_worker_death(job: Job, exc: BaseException) -> RunResult:
    """A dead worker's run, recorded in its manifest like any failure, so the index
    and the next build know; the summary says it even when that cannot be written."""
    from .runner import worker_died

    result = worker_died(job, exc)
    try:
        return install_output(Path(job.root), job, result)
    except OSError:
        return result.installed()
