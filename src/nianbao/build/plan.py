"""Planning: every department-year of the selection, whether it needs a run and
why (from content hashes recorded in its last manifest), and the findings of the
ones that run — computed here, once, for everything downstream.

Planning reads no data beyond hashing, so a no-change build is cheap.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from .. import paths
from ..config import ConfigError, report_settings
from ..project import Project
from .hashing import HashCache, kit_fingerprint
from .records import read_manifest, read_sums

# Why a department-year runs again (shown in the summary).
REASONS = {
    "new": "首次生成",
    "force": "强制重建",
    "failed": "上次生成失败",
    "outputs": "输出文件缺失或被改动",
    "data": "数据已变更",
    "params": "项目参数已变更",
    "notebook": "笔记本已变更",
    "parameters": "运行参数已变更",
    "kit": "工具已更新",
}


@dataclass(frozen=True)
class Job:
    """Everything a worker needs for one run (picklable: plain values only)."""

    root: str
    department: str
    year: int
    mode: str
    publication_date: str
    notebook: str
    kinds: tuple[str, ...]  # the output kinds to make: html, and pdf
    inputs: dict = field(hash=False)
    timeout: int = 600
    kernel: str = "reuse"  # "reuse": the worker's warm kernel, reset between reports; "fresh": one per report
    # The rule engine's findings for this report as JSON records (checks.json),
    # computed once by the build (:func:`attach_findings`), never in the worker.
    findings: tuple = field(default=(), hash=False, compare=False)


# What the build does with a department-year: run it, skip it (unchanged), or not
# run it: withheld (errors, publish mode), invalid (settings), history (imported).
Action = Literal["run", "skip", "withheld", "invalid", "history"]


@dataclass
class Planned:
    year: int
    department: str
    action: Action
    reasons: list[str] = field(default_factory=list)
    job: Job | None = None
    message: str = ""


def _outputs_intact(root: Path, sums: dict[str, str], cache: HashCache) -> bool:
    base = paths.outputs(root)
    return bool(sums) and all(cache.sha(base / rel) == sha for rel, sha in sums.items())


def fingerprint(index, dept: str, year: int, mode: str, publication_date: str, kinds, notebook: Path,
                kit: str, cache: HashCache) -> dict:
    root = index.root
    files = {rel: cache.sha(os.path.join(root, rel)) for rel in index.report(dept, year, mode)}
    return {
        "files": files,
        "notebook": cache.sha(notebook),
        # "formats" in the manifest's JSON: the key predates the word "kinds" (a
        # renamed key would make every report rerun as 运行参数已变更).
        "parameters": {"mode": mode, "publication_date": publication_date, "formats": list(kinds)},
        "kit": kit,
    }


def _reasons(previous: dict | None, inputs: dict, intact: bool) -> list[str]:
    if previous is None:
        return [REASONS["new"]]
    reasons = []
    if previous.get("status") != "ok":
        reasons.append(REASONS["failed"])
    before = previous.get("inputs", {})
    old_files, new_files = before.get("files", {}), inputs["files"]
    changed = {f for f in set(old_files) | set(new_files) if old_files.get(f) != new_files.get(f)}
    if any(f.startswith("data/") for f in changed):
        reasons.append(REASONS["data"])
    if any(not f.startswith("data/") for f in changed):
        reasons.append(REASONS["params"])
    for key in ("notebook", "parameters", "kit"):
        if before.get(key) != inputs[key]:
            reasons.append(REASONS[key])
    if not reasons and not intact:
        reasons.append(REASONS["outputs"])
    return reasons


def plan(project: Project, years, departments, mode: str, *, force: bool = False, notebook: Path,
         publication_date=None, kinds=("html",), timeout: int = 600, cache: HashCache,
         kernel: str = "reuse", own_notebooks: bool = False) -> list[Planned]:
    """``own_notebooks``: a department with its own notebook (deptnotebook.py) uses
    it instead of ``notebook`` (not when the user named one with --notebook)."""
    from ..deptnotebook import own_notebook, refusal
    from ..inputs import InputIndex

    kit = kit_fingerprint(cache)
    index = InputIndex(project)
    planned = []
    for year, dept in project.submitted():
        if (years and year not in years) or (departments and dept not in departments):
            continue
        try:
            settings = report_settings(project.root, dept, year, publication_date,
                                       government=project.departments[dept].members is not None)
        except ConfigError as exc:
            planned.append(Planned(year, dept, "invalid", message=str(exc)))
            continue
        date_text = settings.publication_date.isoformat()
        chosen = (own_notebook(project.root, dept) if own_notebooks else None) or notebook
        if mode == "publish" and (refused := refusal(project.root, chosen)):
            planned.append(Planned(year, dept, "invalid", message=refused))
            continue
        inputs = fingerprint(index, dept, year, mode, date_text, kinds, chosen, kit, cache)
        previous = read_manifest(project.root, mode, year, dept)
        intact = previous is not None and _outputs_intact(project.root, read_sums(project.root, mode, year, dept), cache)
        reasons = [REASONS["force"]] if force else _reasons(previous, inputs, intact)
        job = Job(str(project.root), dept, year, mode, date_text, str(chosen), tuple(kinds), inputs, timeout, kernel)
        planned.append(Planned(year, dept, "run" if reasons else "skip", reasons, job))
    return planned


HISTORY_MESSAGE = "已导入的历史报告（按原样发布过），不重新发布；确需重新发布时加 --include-imported"


def hold_history(project: Project, planned: list[Planned]) -> None:
    """Publish mode: a department-year imported from its published report is
    history - published already, in its own form - and is not republished."""
    from ..folders import is_imported

    for p in planned:
        if p.action in ("run", "skip") and is_imported(project.root, p.department, p.year):
            p.action, p.message, p.job = "history", HISTORY_MESSAGE, None


def attach_findings(project: Project, planned: list[Planned]) -> None:
    """The rule engine, once for every report that will run: its findings travel
    with the job into checks.json, publish withholding and the console."""
    from ..engine import check_project
    from ..findings import to_record
    from ..report import report_findings

    to_run = [p for p in planned if p.action == "run" and p.job is not None]
    if not to_run:
        return
    run = check_project(project, {p.year for p in to_run}, {p.department for p in to_run})
    for p in to_run:
        assert p.job is not None  # to_run holds only planned jobs
        settings = report_settings(project.root, p.department, p.year, p.job.publication_date,
                                   government=project.departments[p.department].members is not None)
        records = tuple(to_record(f) for f in report_findings(run, p.year, p.department, settings))
        p.job = replace(p.job, findings=records)


def withhold_errors(planned: list[Planned]) -> None:
    """Publish mode: a department-year with an unwaived error is not published."""
    for p in planned:
        if p.action != "run" or p.job is None:
            continue
        errors = [f for f in p.job.findings if f["severity"] == "error"]
        if errors:
            p.action = "withheld"
            p.message = f"数据有 {len(errors)} 项错误，未发布（运行 nianbao check --year {p.year} --dept {p.department} 查看）"
