"""The batch: plan every department-year, skip the unchanged, run the rest in
parallel, record each run, never lose a good output.

- :func:`plan` decides, from content hashes recorded in each run's manifest, what
  needs a run and why; it reads no data beyond hashing (cheap no-change builds).
- :func:`produce` is one run (in a worker process): papermill, nbconvert, then
  the outputs moved into place only when all of them exist.
- :func:`build` ties them together under a lock, with progress and a summary.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import time
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

from .errors import EXIT_USAGE, NianbaoError
from . import __version__
from . import layout as L
from .config import ConfigError, report_settings
from .project import Project

CACHE_FILE = Path(L.OUTPUTS) / ".cache" / "file-hashes.json"

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


# ---------------------------------------------------------------------------
# Hashing, with a stat cache so that a no-change build reads almost nothing
# ---------------------------------------------------------------------------


class HashCache:
    """sha256 of files, remembered by (size, mtime_ns)."""

    def __init__(self, path: Path):
        self.path = path
        try:
            self.entries: dict[str, list] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.entries = {}
        self.dirty = False

    def sha(self, file) -> str | None:
        key = str(file)
        try:
            stat = os.stat(key)
        except OSError:
            return None
        entry = self.entries.get(key)
        if entry and entry[0] == stat.st_size and entry[1] == stat.st_mtime_ns:
            return entry[2]
        with open(key, "rb") as handle:
            digest = hashlib.sha256(handle.read()).hexdigest()
        self.entries[key] = [stat.st_size, stat.st_mtime_ns, digest]
        self.dirty = True
        return digest

    def remember(self, file: Path, digest: str) -> None:
        """Record a hash we already know (a run's outputs, from its manifest)."""
        try:
            stat = file.stat()
        except OSError:
            return
        self.entries[str(file)] = [stat.st_size, stat.st_mtime_ns, digest]
        self.dirty = True

    def save(self) -> None:
        if self.dirty:
            from .textio import write_atomic

            write_atomic(self.path, json.dumps(self.entries, ensure_ascii=False, sort_keys=True))
            self.dirty = False


KIT_FINGERPRINT_ENV = "NIANBAO_KIT_FINGERPRINT"


def kit_fingerprint(cache: HashCache) -> str:
    """Everything of the kit that shapes a report: its code, templates, styles and fonts.

    ``$NIANBAO_KIT_FINGERPRINT`` replaces it, for one purpose only: comparing the
    outputs of two versions of the kit byte for byte (tools/compare_outputs.py),
    which differ in nothing else that reaches a report.
    """
    fixed = os.environ.get(KIT_FINGERPRINT_ENV)
    if fixed:
        return fixed
    package = Path(__file__).parent
    digest = hashlib.sha256(__version__.encode())
    for file in sorted(package.rglob("*")):
        if file.suffix in (".py", ".j2", ".json", ".css") and "__pycache__" not in file.parts:
            digest.update(file.relative_to(package).as_posix().encode() + (cache.sha(file) or "").encode())
    from .fonts import font_files

    for font in sorted(font_files().values()):
        digest.update(f"{font.name}:{font.stat().st_size}".encode())
    return digest.hexdigest()


# ---------------------------------------------------------------------------
# Jobs and plans
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """Everything a worker needs for one run (picklable: plain values only)."""

    root: str
    department: str
    year: int
    mode: str
    publication_date: str
    notebook: str
    formats: tuple[str, ...]
    inputs: dict = field(hash=False)
    timeout: int = 600
    kernel: str = "reuse"  # "reuse": the worker's warm kernel, reset between reports; "fresh": one per report


@dataclass
class Planned:
    year: int
    department: str
    action: str  # "run", "skip", "withheld", "invalid"
    reasons: list[str] = field(default_factory=list)
    job: Job | None = None
    message: str = ""


def _manifest(root: Path, mode: str, year: int, dept: str) -> dict | None:
    path = L.record_dir(root, mode, year, dept) / L.MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def read_sums(root: Path, mode: str, year: int, dept: str) -> dict[str, str]:
    """The run's SHA256SUMS: outputs-relative path → sha256 (empty when absent)."""
    path = L.record_dir(root, mode, year, dept) / L.SUMS
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return {}
    sums = {}
    for line in lines:
        digest, _, rel = line.partition("  ")
        if rel:
            sums[rel] = digest
    return sums


def _outputs_intact(root: Path, sums: dict[str, str], cache: HashCache) -> bool:
    base = L.outputs(root)
    return bool(sums) and all(cache.sha(base / rel) == sha for rel, sha in sums.items())


def fingerprint(index, dept: str, year: int, mode: str, publication_date: str, formats, notebook: Path,
                kit: str, cache: HashCache) -> dict:
    root = index.root
    files = {rel: cache.sha(os.path.join(root, rel)) for rel in index.report(dept, year, mode)}
    return {
        "files": files,
        "notebook": cache.sha(notebook),
        "parameters": {"mode": mode, "publication_date": publication_date, "formats": list(formats)},
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
         publication_date=None, formats=("html",), timeout: int = 600, cache: HashCache,
         kernel: str = "reuse") -> list[Planned]:
    from .inputs import InputIndex

    kit = kit_fingerprint(cache)
    index = InputIndex(project)
    planned = []
    for year, dept in project.submitted():
        if (years and year not in years) or (departments and dept not in departments):
            continue
        try:
            settings = report_settings(project.root, dept, year, publication_date)
        except ConfigError as exc:
            planned.append(Planned(year, dept, "invalid", message=str(exc)))
            continue
        date_text = settings.publication_date.isoformat()
        inputs = fingerprint(index, dept, year, mode, date_text, formats, notebook, kit, cache)
        previous = _manifest(project.root, mode, year, dept)
        intact = previous is not None and _outputs_intact(project.root, read_sums(project.root, mode, year, dept), cache)
        reasons = [REASONS["force"]] if force else _reasons(previous, inputs, intact)
        job = Job(str(project.root), dept, year, mode, date_text, str(notebook), tuple(formats), inputs, timeout, kernel)
        planned.append(Planned(year, dept, "run" if reasons else "skip", reasons, job))
    return planned


def withhold_errors(project: Project, planned: list[Planned]) -> None:
    """Publish mode: a department-year with an unwaived error is not published."""
    from .engine import check_project

    to_run = [p for p in planned if p.action == "run"]
    if not to_run:
        return
    run = check_project(project, {p.year for p in to_run}, {p.department for p in to_run})
    for p in to_run:
        errors = [f for f in run.for_report(p.year, p.department) if f.severity == "error"]
        if errors:
            p.action = "withheld"
            p.message = f"数据有 {len(errors)} 项错误，未发布（运行 nianbao check --year {p.year} --dept {p.department} 查看）"


# ---------------------------------------------------------------------------
# One run (executed in a worker process)
# ---------------------------------------------------------------------------


@dataclass
class Outcome:
    year: int
    department: str
    status: str  # "ok" or "failed"
    seconds: float
    failure: dict | None = None
    stages: dict = field(default_factory=dict)


_EXPORTERS: dict = {}


def _exporter(kind: str):
    """One exporter of each kind per worker: templates are compiled once."""
    if kind not in _EXPORTERS:
        from .export import ReportFragmentExporter, ReportHTMLExporter

        _EXPORTERS[kind] = {"html": ReportHTMLExporter, "fragment": ReportFragmentExporter}[kind]()
    return _EXPORTERS[kind]


def _versions() -> dict:
    from importlib.metadata import version

    names = ("nianbao", "papermill", "nbconvert", "nbclient", "ipykernel", "pandas", "matplotlib", "weasyprint", "pydyf",
             "pylopdf-fonts-zh-cn")
    found = {"python": platform.python_version()}
    for name in names:
        try:
            found[name] = version(name)
        except Exception:  # a missing distribution is simply not listed
            pass
    return found


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class RunOutput:
    """What one run made, as bytes: written into outputs/ by :func:`install_output`
    (in the worker, or on the client when the run happened on a cluster)."""

    year: int
    department: str
    status: str
    started: str
    seconds: dict
    versions: dict
    failure: dict | None = None
    site_files: dict = field(default_factory=dict)
    record_files: dict = field(default_factory=dict)


def inputs_manifest(job: Job, versions: dict) -> dict:
    """The deterministic part of a run's record: what went in.  Embedded in the PDF."""
    from .run import parameters

    params = parameters(job.department, job.year, "", job.mode, job.publication_date)
    return {
        "department": job.department,
        "year": job.year,
        "mode": job.mode,
        "inputs": job.inputs,
        "parameters": {k: v for k, v in params.items() if k != "project_root"},
        "versions": versions,
    }


def _execute(job: Job, params: dict, scratch: Path):
    """(RunResult, kernel log) in the worker's warm kernel or a fresh one."""
    from .run import execute

    if job.kernel == "reuse":
        from .kernels import session

        return session(_session_dir()).execute(Path(job.notebook), params, scratch / "report.ipynb", job.timeout)
    result = execute(Path(job.notebook), params, scratch, timeout=job.timeout)
    log = scratch / "kernel.log"
    return result, log.read_bytes() if log.exists() else b""


_SESSION_DIR: Path | None = None


def _session_dir() -> Path:
    global _SESSION_DIR
    if _SESSION_DIR is None:
        from . import scratch

        _SESSION_DIR = scratch.make("kernel")
        import atexit

        atexit.register(scratch.remove, _SESSION_DIR)  # atexit is LIFO: the kernel (registered later) stops first
    return _SESSION_DIR


class _StageFailed(Exception):
    """A stage of a run failed; carries the failure value."""

    def __init__(self, failure):
        super().__init__(failure.message)
        self.failure = failure


# What a failed stage is called for people (the failure's message and the index's badge).
STAGES = {"execute": "运行笔记本", "export": "导出网页", "pdf": "生成PDF", "record": "记录校验结果", "worker": "工作进程"}


def _stage(name: str, work, *args):
    """``work(*args)``; an exception becomes the stage's failure value."""
    try:
        return work(*args)
    except Exception as exc:
        import traceback

        from .run import RunFailure

        detail = f"{type(exc).__name__}: {exc}"
        # The kit's own exceptions say what is wrong in Chinese; others are for the log only.
        own = type(exc).__module__.startswith("nianbao.")
        message = (f"{STAGES[name]}时出错：{str(exc).rstrip('。')}。报告未更新。" if own
                   else f"{STAGES[name]}时出错，报告未更新。详细原因见该报告的 build.log。")
        raise _StageFailed(RunFailure(
            message,
            exception=detail[:2000], traceback=traceback.format_exc()[-4000:], stage=name,
        )) from None


def _export(notebook) -> dict[str, bytes]:
    return {
        "report.html": _exporter("html").from_notebook_node(notebook)[0].encode("utf-8"),
        "report.fragment.html": _exporter("fragment").from_notebook_node(notebook)[0].encode("utf-8"),
    }


def run_job(job: Job) -> RunOutput:
    """Run one department-year: notebook, HTML, fragment, PDF, findings.  Writes
    nothing under outputs/; every stage's failure is a value."""
    from . import scratch

    global _RUNNING
    _RUNNING = True
    started = time.perf_counter()
    started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    versions = _versions()
    stages: dict = {}
    log = b""

    def seconds() -> dict:
        return {"total": round(time.perf_counter() - started, 3), **stages}

    folder = scratch.make(f"{job.year}-{job.department}")
    try:
        params = _run_parameters(job)
        result, log = _stage("execute", _execute, job, params, folder)  # e.g. a kernel that cannot start
        stages["execute"] = round(time.perf_counter() - started, 3)
        if not result.ok:
            failure = result.failure
            raise _StageFailed(failure if failure.stage else replace(failure, stage="execute"))
        site_files, record_files = _finish(job, result.notebook, versions, stages, log)
        return RunOutput(job.year, job.department, "ok", started_at, seconds(), versions, None, site_files, record_files)
    except _StageFailed as failed:
        return RunOutput(job.year, job.department, "failed", started_at, seconds(), versions,
                         asdict(failed.failure), record_files={L.LOG: log + _failure_log(failed.failure)})
    finally:
        scratch.remove(folder)
        _RUNNING = False


def _run_parameters(job: Job) -> dict:
    from .run import parameters

    return parameters(job.department, job.year, Path(job.root), job.mode, job.publication_date)


def _finish(job: Job, notebook, versions: dict, stages: dict, log: bytes) -> tuple[dict, dict]:
    """Export, PDF and the run's record, each a stage; (site files, record files)."""
    import nbformat

    from .config import report_settings
    from .engine import check_project
    from .findings import to_record
    from .project import load_project
    from .report import report_findings

    root = Path(job.root)
    t = time.perf_counter()
    site_files = _stage("export", _export, notebook)
    stages["export"] = round(time.perf_counter() - t, 3)

    def context():
        return load_project(root), report_settings(root, job.department, job.year, job.publication_date)

    project, settings = _stage("record", context)
    if "pdf" in job.formats:  # all or nothing: no new HTML without its PDF
        t = time.perf_counter()
        html = site_files["report.html"].decode("utf-8")
        site_files["report.pdf"] = _stage("pdf", _pdf, job, project, html, settings, versions)
        stages["pdf"] = round(time.perf_counter() - t, 3)

    def record() -> dict:
        findings = report_findings(check_project(project, [job.year], [job.department]), job.year, job.department, settings)
        return {
            L.NOTEBOOK_OUT: nbformat.writes(notebook).encode("utf-8"),
            L.CHECKS: _json({"department": job.department, "year": job.year, "findings": [to_record(f) for f in findings]}),
            L.LOG: log,
        }

    return site_files, _stage("record", record)


def _pdf(job: Job, project: Project, html: str, settings, versions: dict) -> bytes:
    from . import formats as F
    from .pdf import html_to_pdf, source_attachments

    department = project.departments[job.department]
    attachments = source_attachments(project.root, job.department, job.year)
    attachments["manifest.json"] = _json(inputs_manifest(job, versions))
    return html_to_pdf(
        html,
        title=F.TITLE_PATTERN.format(name=department.name, year=job.year),
        author=department.name,
        subject="政府信息公开工作年度报告",
        publication_date=settings.publication_date,
        attachments=attachments,
    )


def install_output(root: Path, job: Job, output: RunOutput) -> Outcome:
    """Move a run's files into outputs/: reports first, then the record, the
    manifest last.  A failed run changes only its record (log, status): the last
    good reports stay, still described by SHA256SUMS."""
    from .run import install

    site = L.site_dir(root, job.mode, job.year, job.department)
    record = L.record_dir(root, job.mode, job.year, job.department)
    base = L.outputs(root)
    manifest = {
        **inputs_manifest(job, output.versions),
        "status": output.status,
        "failure": output.failure,
        "started": output.started,
        "seconds": output.seconds,
        "log": L.LOG,
    }
    if output.status == "ok":
        sums = {(site / name).relative_to(base).as_posix(): _sha(data) for name, data in output.site_files.items()}
        sums.update({(record / name).relative_to(base).as_posix(): _sha(data) for name, data in output.record_files.items()})
    else:
        # Only the log is this run's: its hash is updated, the rest still describe the last good run.
        sums = read_sums(root, job.mode, job.year, job.department)
        log_rel = (record / L.LOG).relative_to(base).as_posix()
        if log_rel in sums:
            sums[log_rel] = _sha(output.record_files[L.LOG])
    record_files = dict(output.record_files)
    if sums:
        record_files[L.SUMS] = "".join(f"{sha}  {rel}\n" for rel, sha in sorted(sums.items())).encode("utf-8")
    with _uninterrupted():  # a stop now would leave new reports beside an old SHA256SUMS
        if output.site_files:
            install(output.site_files, site)
        install({**record_files, L.MANIFEST: _json(manifest)}, record)
    return Outcome(job.year, job.department, output.status, output.seconds.get("total", 0.0), output.failure,
                   {k: v for k, v in output.seconds.items() if k != "total"})


def produce(job: Job) -> Outcome:
    """Run one department-year and install its outputs (in a local worker)."""
    return install_output(Path(job.root), job, run_job(job))


def _json(value) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def _failure_log(failure) -> bytes:
    detail = f"{failure.exception}\n" if failure.exception and not failure.traceback else ""
    return f"\n=== 运行失败 ===\n{failure.describe()}\n{detail}{failure.traceback or ''}\n".encode("utf-8")


# ---------------------------------------------------------------------------
# The lock: one build at a time per project
# ---------------------------------------------------------------------------


class BuildLocked(NianbaoError):
    exit_code = EXIT_USAGE


class BuildLock:
    """An flock on outputs/.build.lock: the kernel drops it when the holder dies,
    so a killed build never blocks the next one."""

    def __init__(self, root: Path):
        self.path = L.outputs(root) / ".build.lock"
        self.handle = None

    def __enter__(self):
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the build's lifetime
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "未知"
            handle.close()
            raise BuildLocked(holder) from None
        handle.seek(0)
        handle.truncate()
        started = datetime.now().astimezone().isoformat(timespec="seconds")
        handle.write(f"进程 {os.getpid()}，开始于 {started}")
        handle.flush()
        self.handle = handle
        return self

    def __exit__(self, *exc):
        import fcntl

        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


# ---------------------------------------------------------------------------
# Local execution: a pool of worker processes that die with the build
# ---------------------------------------------------------------------------


_RUNNING = False  # whether this worker is inside produce()


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


class _uninterrupted:
    """Defer SIGTERM/SIGINT while outputs are moved into place (worker main thread)."""

    def __enter__(self):
        import signal

        self.pending = []
        self.saved = {s: signal.signal(s, lambda n, f: self.pending.append(n)) for s in (signal.SIGTERM, signal.SIGINT)}

    def __exit__(self, *exc):
        import signal

        for s, handler in self.saved.items():
            signal.signal(s, handler)
        if self.pending and exc[0] is None:
            raise KeyboardInterrupt


def _watch_build(pid: int) -> None:
    """A worker's parent is the forkserver, which lives on as long as any worker
    does, so PR_SET_PDEATHSIG alone never fires when the build is killed: wait for
    the build itself, then interrupt the run (papermill shuts its kernel down) and exit."""
    import select
    import signal

    try:
        select.select([os.pidfd_open(pid)], [], [])
    except (AttributeError, OSError):  # no pidfd: poll
        while True:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            except OSError:
                pass
            time.sleep(0.5)
    os.kill(os.getpid(), signal.SIGTERM)
    deadline = time.monotonic() + 20
    while _RUNNING and time.monotonic() < deadline:
        time.sleep(0.1)
    from . import kernels

    if kernels._SESSION is not None:  # a warm kernel is not papermill's to shut down
        kernels._SESSION.kill()
    os._exit(1)


def _init_worker(build_pid: int | None = None):
    """Runs in each worker: if the build process dies (even by SIGKILL) the worker
    gets SIGTERM, which interrupts papermill so it shuts its kernel down."""
    import ctypes
    import signal
    import threading

    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:  # not Linux: kernels still exit when their parent goes (ipykernel's poller)
        pass
    signal.signal(signal.SIGTERM, _raise_interrupt)
    if build_pid:
        threading.Thread(target=_watch_build, args=(build_pid,), daemon=True).start()


class LocalExecutor:
    """A process pool (forkserver: workers share no open file with the build,
    so the build lock dies with the build)."""

    def __init__(self, jobs: int):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["nianbao.batch", "nianbao.run", "nianbao.kernels", "nianbao.pdf", "papermill",
                                        "nbconvert", "nbformat"])
        self.pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_init_worker,
                                        initargs=(os.getpid(),))

    def results(self, jobs: list[Job]):
        """(job, outcome) as runs finish; each worker installs its own outputs."""
        from concurrent.futures import as_completed

        futures = {self.pool.submit(produce, job): job for job in jobs}
        for future in as_completed(futures):
            job = futures[future]
            try:
                outcome = future.result()
            except Exception as exc:  # the worker itself died: still a value
                outcome = worker_died(job, exc)
            yield job, outcome

    def stop(self):
        """Cancel what has not started; interrupt what has; wait for the kernels to go."""
        processes = list(getattr(self.pool, "_processes", {}).values())
        self.pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(timeout=30)

    def close(self):
        self.pool.shutdown(wait=True)


def worker_died(job: Job, exc: BaseException) -> Outcome:
    """A run whose worker died (killed, out of memory): recorded in its manifest
    like any failure, so the index and the next build know."""
    from .run import RunFailure

    failure = RunFailure("工作进程异常退出（可能内存不足或被终止），报告未更新（原有的输出保持不变）。请重新运行 nianbao build。",
                         exception=f"{type(exc).__name__}: {exc}"[:2000], stage="worker")
    output = RunOutput(job.year, job.department, "failed", datetime.now(timezone.utc).isoformat(timespec="seconds"),
                       {"total": 0.0}, _versions(), asdict(failure), record_files={L.LOG: _failure_log(failure)})
    try:
        return install_output(Path(job.root), job, output)
    except OSError:  # the record cannot be written either: the summary still says it
        return Outcome(job.year, job.department, "failed", 0.0, asdict(failure))


# ---------------------------------------------------------------------------
# The build
# ---------------------------------------------------------------------------


@dataclass
class BuildResult:
    planned: list[Planned]
    outcomes: list[Outcome]
    missing: list[tuple[int, str]]
    interrupted: bool = False

    def count(self, action: str) -> int:
        return sum(1 for p in self.planned if p.action == action)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status != "ok"]

    @property
    def ok(self) -> bool:
        return not self.interrupted and not self.failed and not self.count("withheld") and not self.count("invalid")


def build(project: Project, *, years=None, departments=None, mode="draft", jobs=None, force=False,
          publication_date=None, notebook: Path | None = None, formats=("html", "pdf"), timeout=600,
          kernel="reuse", scheduler: str | None = None, progress=None, executor=None, order=None) -> BuildResult:
    """Plan, validate, run and record; the caller holds the lock and writes the site.

    ``order`` (tests) reorders the runs: a callable taking and returning the list of jobs."""
    cache = HashCache(project.root / CACHE_FILE)
    notebook = notebook or project_notebook(project)
    planned = plan(project, years, departments, mode, force=force, notebook=notebook,
                   publication_date=publication_date, formats=formats, timeout=timeout, cache=cache, kernel=kernel)
    if mode == "publish":
        withhold_errors(project, planned)
    result = BuildResult(planned, [], project.missing(years, departments))
    to_run = [p.job for p in planned if p.action == "run"]
    if order:
        to_run = order(to_run)
    if progress:
        progress.start(total=len(planned), skipped=len(planned) - len(to_run))
    if to_run:
        owned = executor is None
        if executor is None:
            if scheduler:
                from .distributed import DaskExecutor

                executor = DaskExecutor(scheduler)
            else:
                executor = LocalExecutor(min(jobs or os.cpu_count() or 1, len(to_run)))
        try:
            for job, outcome in executor.results(to_run):
                result.outcomes.append(outcome)
                if outcome.status == "ok":
                    _remember_outputs(project.root, job, cache)
                if progress:
                    progress.advance(outcome)
        except KeyboardInterrupt:
            result.interrupted = True
            executor.stop()
        else:
            if owned:
                executor.close()
    if progress:
        progress.finish()
    cache.save()
    return result


def _remember_outputs(root: Path, job: Job, cache: HashCache) -> None:
    for rel, digest in read_sums(root, job.mode, job.year, job.department).items():
        cache.remember(L.outputs(root) / rel, digest)


def site_marker(root: Path, mode: str) -> Path:
    """Where the state the sites were last written for is kept (removed when writing them failed)."""
    return L.outputs(root) / ".cache" / f"site-{mode}.sha256"


def site_fingerprint(project: Project, result: BuildResult, mode: str) -> bool:
    """Whether the sites need writing again; records the new state when they do.

    They depend on what each department-year's inputs and run status are, and on
    who is missing: a build that ran nothing over unchanged inputs leaves them be.
    """
    status = {(o.year, o.department): o.status for o in result.outcomes}

    def final(p: Planned) -> str:  # a skipped report is one whose last run succeeded
        if p.action not in ("run", "skip"):
            return p.action
        return status.get((p.year, p.department), "ok" if p.action == "skip" else "interrupted")

    state = {
        "mode": mode,
        "reports": sorted([p.year, p.department, final(p), p.job.inputs if p.job else None] for p in result.planned),
        "missing": sorted(result.missing),
    }
    digest = hashlib.sha256(json.dumps(state, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    marker = site_marker(project.root, mode)
    index = L.outputs(project.root) / mode / "index.html"
    try:
        unchanged = marker.read_text(encoding="ascii") == digest and index.exists()
    except OSError:
        unchanged = False
    if unchanged and not result.outcomes:
        return False
    from .textio import write_atomic

    write_atomic(marker, digest)
    return True


def project_notebook(project: Project) -> Path:
    from .run import NOTEBOOK

    return project.root / NOTEBOOK
