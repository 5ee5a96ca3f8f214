"""One run, into bytes: execute the notebook, export the page and fragment, make
the PDF, write the record — each a stage whose failure is a value.  Nothing is
written under outputs/ here (see :mod:`.install`): a run is a pure function of
its job, so it can happen in a local worker or on a cluster.
"""

from __future__ import annotations

import functools
import platform
import time
import traceback
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

from .. import paths
from ..run import RunFailure
from .plan import Job
from .records import to_json

Status = Literal["ok", "failed"]

# What a failed stage is called for people (the failure's message and the index's badge).
STAGES = {"execute": "运行笔记本", "export": "导出网页", "pdf": "生成PDF", "docx": "生成Word文件", "record": "记录校验结果",
          "worker": "工作进程"}

# What a run imports beyond this module, loaded once before a worker's first run: by the
# local pool's forkserver (its workers are forked from it) and by a Dask worker's preload.
RUN_MODULES = ("nianbao.run", "nianbao.kernels", "nianbao.pdf", "papermill", "nbconvert", "nbformat")


@dataclass
class RunResult:
    """The one result of a run: its status and failure, timings, and — until it is
    installed — the files it made, as bytes."""

    year: int
    department: str
    status: Status
    started: str
    seconds: dict  # "total" and one entry per finished stage
    versions: dict
    failure: RunFailure | None = None
    site_files: dict[str, bytes] = field(default_factory=dict)
    record_files: dict[str, bytes] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def total(self) -> float:
        return self.seconds.get("total", 0.0)

    @property
    def stages(self) -> dict:
        return {k: v for k, v in self.seconds.items() if k != "total"}

    def installed(self) -> RunResult:
        """The same result without its bytes (they are in outputs/ now)."""
        return replace(self, site_files={}, record_files={})


_RUNNING = False  # whether this process is inside run_job (the worker's watchdog waits for it)


def running() -> bool:
    return _RUNNING


def versions() -> dict:
    return dict(_versions())


@functools.cache
def _versions() -> tuple[tuple[str, str], ...]:
    """Read once per worker process: importlib.metadata scans site-packages for each name
    (a tenth of a second per report), and a process's packages do not change under it."""
    from importlib.metadata import version

    names = ("nianbao", "papermill", "nbconvert", "nbclient", "ipykernel", "pandas", "matplotlib", "weasyprint", "pydyf",
             "pylopdf-fonts-zh-cn")
    found = {"python": platform.python_version()}
    for name in names:
        try:
            found[name] = version(name)
        except Exception:  # a missing distribution is simply not listed
            pass
    return tuple(found.items())


def inputs_manifest(job: Job, versions: dict) -> dict:
    """The deterministic part of a run's record: what went in.  Embedded in the PDF."""
    from ..run import parameters

    params = parameters(job.department, job.year, "", job.mode, job.publication_date)
    return {
        "department": job.department,
        "year": job.year,
        "mode": job.mode,
        "inputs": job.inputs,
        "parameters": {k: v for k, v in params.items() if k != "project_root"},
        "versions": versions,
    }


def failure_log(failure: RunFailure) -> bytes:
    detail = f"{failure.exception}\n" if failure.exception and not failure.traceback else ""
    return f"\n=== 运行失败 ===\n{failure.describe()}\n{detail}{failure.traceback or ''}\n".encode()


def failed(job: Job, failure: RunFailure, *, started: str | None = None, seconds: dict | None = None,
           versions_: dict | None = None, log: bytes = b"") -> RunResult:
    return RunResult(job.year, job.department, "failed",
                     started or datetime.now(UTC).isoformat(timespec="seconds"),
                     seconds or {"total": 0.0}, versions_ if versions_ is not None else versions(), failure,
                     record_files={paths.LOG: log + failure_log(failure)})


def worker_died(job: Job, exc: BaseException) -> RunResult:
    """A run whose worker died (killed, out of memory): a failure like any other."""
    failure = RunFailure("工作进程异常退出（可能内存不足或被终止），报告未更新（原有的输出保持不变）。请重新运行 nianbao build。",
                         exception=f"{type(exc).__name__}: {exc}"[:2000], stage="worker")
    return failed(job, failure)


# ---------------------------------------------------------------------------
# Stages
# ---------------------------------------------------------------------------


class _StageFailed(Exception):
    """A stage of a run failed; carries the failure value."""

    def __init__(self, failure: RunFailure):
        super().__init__(failure.message)
        self.failure = failure


def _stage(name: str, work, *args):
    """``work(*args)``; an exception becomes the stage's failure value."""
    try:
        return work(*args)
    except Exception as exc:
        detail = f"{type(exc).__name__}: {exc}"
        # The kit's own exceptions say what is wrong in Chinese; others are for the log only.
        own = type(exc).__module__.startswith("nianbao.")
        message = (f"{STAGES[name]}时出错：{str(exc).rstrip('。')}。报告未更新。" if own
                   else f"{STAGES[name]}时出错，报告未更新。详细原因见该报告的 build.log。")
        raise _StageFailed(RunFailure(
            message, exception=detail[:2000], traceback=traceback.format_exc()[-4000:], stage=name,
        )) from None


_EXPORTERS: dict = {}


def _exporter(kind: str):
    """One exporter of each kind per worker: templates are compiled once."""
    if kind not in _EXPORTERS:
        from ..export import ReportFragmentExporter, ReportHTMLExporter

        _EXPORTERS[kind] = {"html": ReportHTMLExporter, "fragment": ReportFragmentExporter}[kind]()
    return _EXPORTERS[kind]


def _export(notebook) -> dict[str, bytes]:
    return {
        "report.html": _exporter("html").from_notebook_node(notebook)[0].encode("utf-8"),
        "report.fragment.html": _exporter("fragment").from_notebook_node(notebook)[0].encode("utf-8"),
    }


_SESSION_DIR: Path | None = None


def _session_dir() -> Path:
    global _SESSION_DIR
    if _SESSION_DIR is None:
        import atexit

        from .. import scratch

        _SESSION_DIR = scratch.make("kernel")
        atexit.register(scratch.remove, _SESSION_DIR)  # atexit is LIFO: the kernel (registered later) stops first
    return _SESSION_DIR


def _execute(job: Job, params: dict, folder: Path):
    """(execution, kernel log) in the worker's warm kernel or a fresh one."""
    from ..run import execute

    if job.kernel == "reuse":
        from ..kernels import session

        return session(_session_dir()).execute(Path(job.notebook), params, folder / "report.ipynb", job.timeout)
    result = execute(Path(job.notebook), params, folder, timeout=job.timeout)
    log = folder / "kernel.log"
    return result, log.read_bytes() if log.exists() else b""


def _document_info(job: Job) -> tuple[str, str, date]:
    """(title, author = the department, publication date) of the PDF's and the Word file's properties."""
    from .. import formats as F
    from ..config import report_settings
    from ..project import load_project

    root = Path(job.root)
    department = load_project(root).departments[job.department]
    settings = report_settings(root, job.department, job.year, job.publication_date)
    return F.TITLE_PATTERN.format(name=department.name, year=job.year), department.name, settings.publication_date


def _pdf(job: Job, html: str, versions_: dict) -> bytes:
    from ..pdf import html_to_pdf, source_attachments

    title, author, published = _document_info(job)
    attachments = source_attachments(Path(job.root), job.department, job.year)
    attachments["manifest.json"] = to_json(inputs_manifest(job, versions_))
    return html_to_pdf(
        html,
        title=title,
        author=author,
        subject="政府信息公开工作年度报告",
        publication_date=published,
        attachments=attachments,
    )


def _docx(job: Job, html: str) -> bytes:
    from ..word import html_to_docx

    title, author, published = _document_info(job)
    return html_to_docx(html, title=title, author=author, year=job.year, publication_date=published)


def _record(job: Job, notebook, log: bytes) -> dict[str, bytes]:
    import nbformat

    from ..export import without_notes_outputs

    return {
        paths.NOTEBOOK_OUT: nbformat.writes(without_notes_outputs(notebook)).encode("utf-8"),
        paths.CHECKS: to_json({"department": job.department, "year": job.year, "findings": list(job.findings)}),
        paths.LOG: log,
    }


# ---------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------


def run_job(job: Job) -> RunResult:
    """Run one department-year: notebook, HTML, fragment, PDF, record.  Writes
    nothing under outputs/; every stage's failure is a value."""
    from .. import scratch
    from ..run import parameters

    global _RUNNING
    _RUNNING = True
    started = time.perf_counter()
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    versions_ = versions()
    stages: dict = {}
    log = b""

    def seconds() -> dict:
        return {"total": round(time.perf_counter() - started, 3), **stages}

    def timed(name: str, work, *args):
        t = time.perf_counter()
        value = _stage(name, work, *args)
        stages[name] = round(time.perf_counter() - t, 3)
        return value

    folder = scratch.make(f"{job.year}-{job.department}")
    try:
        params = parameters(job.department, job.year, Path(job.root), job.mode, job.publication_date)
        execution, log = timed("execute", _execute, job, params, folder)  # e.g. a kernel that cannot start
        if not execution.ok:
            failure = execution.failure
            raise _StageFailed(failure if failure.stage else replace(failure, stage="execute"))
        site_files = timed("export", _export, execution.notebook)
        if "pdf" in job.kinds:  # all or nothing: no new HTML without its PDF
            site_files["report.pdf"] = timed("pdf", _pdf, job, site_files["report.html"].decode("utf-8"), versions_)
        record_files = _stage("record", _record, job, execution.notebook, log)
        if "docx" in job.kinds:  # a record file: beside a draft, never in the publish (upload) folder
            record_files[paths.DOCX] = timed("docx", _docx, job, site_files["report.html"].decode("utf-8"))
        return RunResult(job.year, job.department, "ok", started_at, seconds(), versions_, None, site_files, record_files)
    except _StageFailed as stopped:
        return failed(job, stopped.failure, started=started_at, seconds=seconds(), versions_=versions_, log=log)
    finally:
        scratch.remove(folder)
        _RUNNING = False
