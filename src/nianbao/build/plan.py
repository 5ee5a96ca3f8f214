"""Planning: every department-year of the selection, whether it needs a run and
why (from content hashes recorded in its last manifest), and the findings of the
ones that run — computed here, once, for everything downstream.

A report is keyed on what can change its page: the files the page shows
(inputs.py: its own, and its earlier years' figures) and the digest of its own
findings.  The findings read more (peers' narratives for S5, earlier years'
narratives); so that a no-change build runs no rule engine, the digest is
remembered against a hash of everything the findings read (:class:`FindingsMemo`),
and the engine runs only for the reports whose such hash changed - a sentence
added to one department's narrative reruns its own report, and a peer's only if
the peer's findings change (a copying finding appearing or going).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from .. import paths
from ..config import ConfigError, report_settings
from ..project import Project
from .hashing import HashCache, JsonCache, kit_fingerprint
from .nochange import stat
from .records import read_manifest, read_sums

FINDINGS_MEMO = Path(paths.OUTPUTS) / ".cache" / "findings.json"

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
    "findings": "校验结果已变更",
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
    # Every file the run reads, the findings' too (what a cluster worker is sent;
    # :func:`with_reads`): ``inputs["files"]`` lists only those the page shows.
    reads: tuple = field(default=(), hash=False, compare=False)


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
    # The hash of everything its findings read, and the digest of its findings when
    # known (from the memo, or once the engine has run); None: still to be computed.
    findings_key: str = ""
    findings_digest: str | None = None


def findings_digest(records) -> str:
    """The digest of a report's findings (JSON records): the part of its key that
    peers' narratives and earlier years' files reach."""
    text = json.dumps(list(records), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class FindingsMemo(JsonCache):
    """Per department-year: the findings key last checked and its findings' digest
    (``outputs/.cache/findings.json``; a lost file only costs an engine run)."""

    def get(self, year: int, dept: str, key: str) -> str | None:
        entry = self.entries.get(f"{year}/{dept}")
        return entry[1] if isinstance(entry, list) and len(entry) == 2 and entry[0] == key else None

    def put(self, year: int, dept: str, key: str, digest: str) -> None:
        if self.entries.get(f"{year}/{dept}") != [key, digest]:
            self.entries[f"{year}/{dept}"] = [key, digest]
            self.dirty = True


def _outputs_intact(root: Path, sums: dict[str, str], cache: HashCache) -> bool:
    base = paths.outputs(root)
    return bool(sums) and all(cache.sha(base / rel) == sha for rel, sha in sums.items())


def fingerprint(index, dept: str, year: int, mode: str, publication_date: str, kinds, notebook: Path,
                kit: str, cache: HashCache) -> dict:
    root = index.root
    files = {rel: cache.sha(os.path.join(root, rel)) for rel in index.report(dept, year)}
    return {
        "files": files,
        "notebook": cache.sha(notebook),
        # "formats" in the manifest's JSON: the key predates the word "kinds" (a
        # renamed key would make every report rerun as 运行参数已变更).
        "parameters": {"mode": mode, "publication_date": publication_date, "formats": list(kinds)},
        "kit": kit,
    }


class FindingsKeys:
    """A hash of everything a report's findings can read: the page's files, the
    earlier years' texts, the narratives of its region that year (S5; hashed once
    per region and year, not once per report), the publication date (D1) and the
    kit (the rules)."""

    def __init__(self, index, cache: HashCache):
        self.index, self.cache = index, cache
        self._regions: dict[tuple[str, int], str] = {}

    def _sha(self, rel: str) -> str | None:
        return self.cache.sha(os.path.join(self.index.root, rel))

    def region(self, region: str, year: int) -> str:
        if (region, year) not in self._regions:
            narratives = {rel: self._sha(rel) for rel in self.index.peers(region, year)}
            self._regions[(region, year)] = _digest(narratives)
        return self._regions[(region, year)]

    def key(self, dept: str, year: int, inputs: dict) -> str:
        texts = {rel: self._sha(rel) for rel in self.index.earlier_texts(dept, year)}
        region = self.index.project.departments[dept].region
        return _digest([inputs["files"], texts, self.region(region, year),
                        inputs["parameters"]["publication_date"], inputs["kit"]])


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode("utf-8")).hexdigest()


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
         kernel: str = "reuse", own_notebooks: bool = False, memo: FindingsMemo | None = None) -> list[Planned]:
    """``own_notebooks``: a department with its own notebook (deptnotebook.py) uses
    it instead of ``notebook`` (not when the user named one with --notebook).

    A report whose own inputs are unchanged is planned "skip" with its findings'
    digest from ``memo`` when its findings key is unchanged too, else with none:
    :func:`attach_findings` then runs the engine and reruns it if they changed."""
    from ..deptnotebook import own_notebook, refusal
    from ..inputs import InputIndex

    kit = kit_fingerprint(cache)
    index = InputIndex(project)
    keys = FindingsKeys(index, cache)
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
        record = paths.record_dir(project.root, mode, year, dept)
        for name in (paths.MANIFEST, paths.SUMS):  # read below: a no-change build compares their stat
            cache.seen[str(record / name)] = stat(str(record / name))
        previous = read_manifest(project.root, mode, year, dept)
        intact = previous is not None and _outputs_intact(project.root, read_sums(project.root, mode, year, dept), cache)
        reasons = [REASONS["force"]] if force else _reasons(previous, inputs, intact)
        key = keys.key(dept, year, inputs)
        job = Job(str(project.root), dept, year, mode, date_text, str(chosen), tuple(kinds), inputs, timeout, kernel)
        p = Planned(year, dept, "run" if reasons else "skip", reasons, job, findings_key=key,
                    findings_digest=memo.get(year, dept, key) if memo else None)
        if not reasons and p.findings_digest is not None and p.findings_digest != (previous or {}).get("findings"):
            p.action, p.reasons = "run", [REASONS["findings"]]
        planned.append(p)
    cache.seen.update(index.folder_stats)
    return planned


HISTORY_MESSAGE = "已导入的历史报告（按原样发布过），不重新发布；确需重新发布时加 --include-imported"


def hold_history(project: Project, planned: list[Planned]) -> None:
    """Publish mode: a department-year imported from its published report is
    history - published already, in its own form - and is not republished."""
    from ..folders import is_imported

    for p in planned:
        if p.action in ("run", "skip") and is_imported(project.root, p.department, p.year):
            p.action, p.message, p.job = "history", HISTORY_MESSAGE, None


def attach_findings(project: Project, planned: list[Planned], memo: FindingsMemo | None = None) -> None:
    """The rule engine, once for every report that will run or whose findings may
    have changed: the findings travel with the job into checks.json, publish
    withholding and the console; a skipped report whose findings' digest differs
    from its last run's runs again (校验结果已变更)."""
    from ..engine import check_project
    from ..findings import to_record
    from ..report import report_findings

    unsure = [p for p in planned if p.action == "skip" and p.job is not None and p.findings_digest is None]
    to_check = [p for p in planned if p.action == "run" and p.job is not None] + unsure
    if not to_check:
        return
    # One engine run over the regions and years concerned (the selection only scopes it).
    run = check_project(project, {p.year for p in to_check}, {p.department for p in to_check})
    for p in to_check:
        assert p.job is not None  # to_check holds only planned jobs
        settings = report_settings(project.root, p.department, p.year, p.job.publication_date,
                                   government=project.departments[p.department].members is not None)
        records = tuple(to_record(f) for f in report_findings(run, p.year, p.department, settings))
        p.job = replace(p.job, findings=records)
        p.findings_digest = findings_digest(records)
        if memo is not None:
            memo.put(p.year, p.department, p.findings_key, p.findings_digest)
        if p.action == "skip":
            previous = read_manifest(project.root, p.job.mode, p.year, p.department) or {}
            if previous.get("findings") != p.findings_digest:
                p.action, p.reasons = "run", [REASONS["findings"]]


def with_reads(project: Project, jobs: list[Job]) -> list[Job]:
    """The jobs to run, each with every file its run reads (listed only for runs:
    a no-change build of a province has thousands of jobs and runs none)."""
    from ..inputs import InputIndex

    index = InputIndex(project)
    return [replace(job, reads=(*job.inputs["files"], *index.findings(job.department, job.year))) for job in jobs]


def withhold_errors(planned: list[Planned]) -> None:
    """Publish mode: a department-year with an unwaived error is not published."""
    for p in planned:
        if p.action != "run" or p.job is None:
            continue
        errors = [f for f in p.job.findings if f["severity"] == "error"]
        if errors:
            p.action = "withheld"
            p.message = f"数据有 {len(errors)} 项错误，未发布（运行 nianbao check --year {p.year} --dept {p.department} 查看）"
