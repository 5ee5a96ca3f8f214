"""The batch: plan every department-year, compute the findings of those that
run, withhold what may not be published, run the rest on an executor, remember
what was made.  The caller holds the lock, chooses the executor and writes the
sites.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from .. import paths
from ..project import DEPARTMENTS_FILE, Project
from ..textio import write_atomic
from .hashing import CACHE_FILE, HashCache
from .plan import FINDINGS_MEMO, FindingsMemo, Job, Planned, attach_findings, hold_history, plan, with_reads, withhold_errors
from .records import read_sums
from .runner import RunResult


@dataclass
class BuildResult:
    planned: list[Planned]
    results: list[RunResult]
    missing: list[tuple[int, str]]
    interrupted: bool = False
    site_state: str | None = None  # the sites' state when replayed from a no-change record (nochange.py)

    def count(self, action: str) -> int:
        return sum(1 for p in self.planned if p.action == action)

    @property
    def failed(self) -> list[RunResult]:
        return [r for r in self.results if not r.ok]

    @property
    def ok(self) -> bool:
        return not self.interrupted and not self.failed and not self.count("withheld") and not self.count("invalid")


def project_notebook(project: Project) -> Path:
    from ..run import NOTEBOOK

    return project.root / NOTEBOOK


def build(project: Project, *, years=None, departments=None, mode="draft", jobs=None, force=False,
          publication_date=None, notebook: Path | None = None, kinds=("html", "pdf"), timeout=600,
          kernel="reuse", executor=None, progress=None, order=None, include_imported: bool = False) -> BuildResult:
    """Plan, check, run and record.

    ``executor`` makes the executor the runs happen on, given their number, and
    only when there is something to run (:func:`.executors.executor_for`; default:
    a local pool of ``jobs`` workers).  ``include_imported``: publish imported
    department-years too (see :func:`.plan.hold_history`).  ``order`` (tests) reorders the runs: a
    callable taking and returning the list of jobs."""
    from .nochange import forget, project_folders, question, recall
    from .nochange import stat as path_stat

    # No notebook named: each department's own (notebooks/departments/<id>.ipynb), else the project's.
    own_notebooks, notebook = notebook is None, notebook or project_notebook(project)
    asked = question(mode, years, departments, kinds, publication_date, None if own_notebooks else notebook,
                              include_imported)
    if not force and (recalled := recall(project.root, mode, asked)):
        planned = [Planned(year, dept, action, message=message) for year, dept, action, message in recalled[0]]
        missing, site_state = recalled[1], recalled[2]
        if progress:
            progress.start(total=len(planned), skipped=len(planned))
            progress.finish()
        return BuildResult(planned, [], missing, site_state=site_state)
    forget(project.root, mode)  # planning in full: the record is rewritten only if nothing runs
    folders = {path: path_stat(path) for path in project_folders(project.root)}
    cache = HashCache(project.root / CACHE_FILE)
    memo = FindingsMemo(project.root / FINDINGS_MEMO)
    planned = plan(project, years, departments, mode, force=force, notebook=notebook,
                   publication_date=publication_date, kinds=kinds, timeout=timeout, cache=cache, kernel=kernel,
                   own_notebooks=own_notebooks, memo=memo)
    if mode == "publish" and not include_imported:
        hold_history(project, planned)
    attach_findings(project, planned, memo)
    if mode == "publish":
        withhold_errors(planned)
    result = BuildResult(planned, [], project.missing(years, departments))
    to_run = [p.job for p in planned if p.action == "run" and p.job is not None]
    if to_run:
        to_run = with_reads(project, to_run)
    if order:
        to_run = order(to_run)
    if progress:
        progress.start(total=len(planned), skipped=len(planned) - len(to_run))
    if to_run:
        from .executors import executor_for

        runner = (executor or executor_for(jobs=jobs))(len(to_run))
        try:
            for wave in waves(project, to_run):
                for job, run in runner.results(wave):
                    result.results.append(run)
                    if run.ok:
                        _remember_outputs(project.root, job, cache)
                    if progress:
                        progress.advance(run)
        except KeyboardInterrupt:
            result.interrupted = True
            runner.stop()
        else:
            runner.close()
    if progress:
        progress.finish()
    cache.save()
    memo.save()
    if not to_run and not force:
        _remember_plan(project, result, mode, asked, {**folders, **cache.seen})
    return result


def _remember_plan(project: Project, result: BuildResult, mode: str, asked: dict, seen: dict) -> None:
    """A plan that ran nothing, for the next no-change build to replay (nochange.py)."""
    from ..fonts import font_files
    from .nochange import remember
    from .nochange import stat as path_stat

    extra = [*(str(font) for font in font_files().values()), str(project.root / paths.DISTRICT_NOTEBOOK),
             *(str(project.root / DEPARTMENTS_FILE.parent / name) for name in _listing(project.root / DEPARTMENTS_FILE.parent))]
    stats = {**{path: path_stat(path) for path in extra}, **seen}
    remember(project.root, mode, asked, stats, result.planned, result.missing,
                      site_digest(project, result, mode))


def _listing(folder: Path) -> list[str]:
    try:
        return sorted(os.listdir(folder))
    except OSError:
        return []


def waves(project: Project, jobs: list[Job]) -> list[list[Job]]:
    """The runs in waves: the departments first, then each level of governments
    (a government's report links its members' reports of the same build)."""
    from ..governments import level

    by_level: dict[int, list[Job]] = {}
    for job in jobs:
        by_level.setdefault(level(project, job.department), []).append(job)
    return [by_level[n] for n in sorted(by_level)]


def _remember_outputs(root: Path, job: Job, cache: HashCache) -> None:
    for rel, digest in read_sums(root, job.mode, job.year, job.department).items():
        cache.remember(paths.outputs(root) / rel, digest)


def file_digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def site_marker(root: Path, mode: str) -> Path:
    """Where the state the sites were last written for is kept (removed when writing them failed)."""
    return paths.outputs(root) / ".cache" / f"site-{mode}.sha256"


def site_digest(project: Project, result: BuildResult, mode: str) -> str:
    """The state the sites are written for.

    They depend on what each department-year's inputs and run status are, and on
    who is missing: a build that ran nothing over unchanged inputs leaves them be.
    """
    if result.site_state is not None:
        return result.site_state
    status = {(r.year, r.department): r.status for r in result.results}

    def final(p: Planned) -> str:  # a skipped report is one whose last run succeeded
        if p.action not in ("run", "skip"):
            return p.action
        return status.get((p.year, p.department), "ok" if p.action == "skip" else "interrupted")

    state = {
        "mode": mode,
        # With the findings key: what the checks pages and the district pages may read.
        "reports": sorted([p.year, p.department, final(p), p.job.inputs if p.job else None, p.findings_key]
                          for p in result.planned),
        "missing": sorted(result.missing),
        # The draft site carries the district pages: a changed district notebook renders them again.
        "district": file_digest(project.root / paths.DISTRICT_NOTEBOOK) if mode == "draft" else None,
    }
    return hashlib.sha256(json.dumps(state, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def site_fingerprint(project: Project, result: BuildResult, mode: str) -> bool:
    """Whether the sites need writing again; records the new state when they do."""
    digest = site_digest(project, result, mode)
    marker = site_marker(project.root, mode)
    index = paths.outputs(project.root) / mode / "index.html"
    try:
        unchanged = marker.read_text(encoding="ascii") == digest and index.exists()
    except OSError:
        unchanged = False
    if unchanged and not result.results:
        return False
    write_atomic(marker, digest)
    return True
