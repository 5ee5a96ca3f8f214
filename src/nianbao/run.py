"""Run the report notebook for one department-year in a fresh kernel: one small, boring function.

A failure is a value (:class:`RunFailure`: cell index, source, exception,
traceback excerpt), recorded and reported by the caller.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

NOTEBOOK = Path("notebooks") / "annual_report.ipynb"
LOG_NAME = "kernel.log"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def kernel_environment(folder: Path) -> dict[str, str]:
    """The environment a run's kernel inherits: IPython and Matplotlib keep their
    files in the run's own folder (concurrent runs share none), and the kernel
    manager finds that folder for its sockets and log."""
    return {
        "IPYTHONDIR": str(folder / ".ipython"),
        "MPLCONFIGDIR": str(folder / ".matplotlib"),
        "NIANBAO_RUN_DIR": str(folder),
    }


# A Unix socket's path holds at most 107 bytes; jupyter_client appends "-<n>" to
# the IPC base path for each of the kernel's five sockets.
IPC_PATH_LIMIT = 100


def kernel_manager_class():
    """A kernel manager whose kernel talks over IPC sockets in the run's own
    folder (loopback TCP, jupyter's default, when that folder's path is too long
    for a socket) and writes its stdout/stderr to the run's log, not to our console."""
    from jupyter_client.manager import AsyncKernelManager

    class RunKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            ipc = str(Path(os.environ["NIANBAO_RUN_DIR"]) / "kernel-ipc")
            if len(os.fsencode(ipc)) <= IPC_PATH_LIMIT:
                self.transport = "ipc"
                self.ip = ipc

        async def _async_launch_kernel(self, kernel_cmd, **kw):
            log = open(Path(os.environ["NIANBAO_RUN_DIR"]) / LOG_NAME, "ab")  # noqa: SIM115 - closed by the process end
            kw.setdefault("stdout", log)
            kw.setdefault("stderr", log)
            return await super()._async_launch_kernel(kernel_cmd, **kw)

    return RunKernelManager


@dataclass(frozen=True)
class RunFailure:
    """Why a run failed; every field is for people (no exception object)."""

    message: str  # Chinese summary
    cell_index: int | None = None
    cell_source: str | None = None
    exception: str | None = None
    traceback: str | None = None
    stage: str | None = None  # "execute", "export", "pdf", "record" or "worker" (build.runner.STAGES)

    def describe(self) -> str:
        text = self.message
        if self.cell_index is not None:
            text += f"\n  出错的单元格：第 {self.cell_index + 1} 个（{(self.cell_source or '').strip()[:120]}）"
        return text


@dataclass(frozen=True)
class Execution:
    """What executing the notebook gave: the run's first stage (see nianbao.build.runner)."""

    notebook: object | None  # the executed nbformat node (also on failure, when there is one)
    failure: RunFailure | None

    @property
    def ok(self) -> bool:
        return self.failure is None


def parameters(department: str, year: int, project_root: Path | str, mode: str, publication_date) -> dict:
    return {
        "department": department,
        "year": int(year),
        "mode": mode,
        "publication_date": None if publication_date is None else str(publication_date),
        "project_root": str(project_root),
    }


def _failure_from_papermill(exc, nb) -> RunFailure:
    index = getattr(exc, "cell_index", None)
    source = getattr(exc, "source", None)
    evalue = _ANSI.sub("", str(getattr(exc, "evalue", exc)))
    ename = getattr(exc, "ename", type(exc).__name__)
    tb = _ANSI.sub("", "\n".join(getattr(exc, "traceback", []) or []))
    # Our own ReportError carries a message written for people: show it as is.
    message = f"无法生成报告：{evalue}" if ename == "ReportError" else f"笔记本运行出错：{ename}: {evalue}"
    if nb is not None and index is not None:
        index = _users_cell_index(nb, index)
    return RunFailure(message, index, source, f"{ename}: {evalue}", tb[-4000:], stage="execute")


def _users_cell_index(nb, index: int) -> int:
    """papermill's index of the failing cell counts its injected-parameters cell;
    the saved notebook also holds its error-marker cells (one on top, one before the
    failing cell).  The index in the notebook as the analyst wrote it: without both."""
    from papermill.execute import ERROR_MARKER_TAG

    def tags(cell):
        return cell.get("metadata", {}).get("tags", [])

    executed = [c for c in nb.cells if ERROR_MARKER_TAG not in tags(c)]  # the cells papermill's index counts
    injected = [i for i, c in enumerate(executed) if "injected-parameters" in tags(c)]
    return index - 1 if injected and index > injected[0] else index


def failed_run(exc: Exception, output_path: Path) -> Execution:
    """The failure value of a papermill run that raised ``exc``."""
    import nbformat
    from papermill.exceptions import PapermillExecutionError

    try:
        nb = nbformat.read(output_path, as_version=4) if output_path.exists() else None
    except Exception:  # a half-written notebook: the failure is still described
        nb = None
    if isinstance(exc, PapermillExecutionError):
        return Execution(nb, _failure_from_papermill(exc, nb))
    name = type(exc).__name__
    return Execution(nb, RunFailure(_why_not_run(exc), exception=f"{name}: {exc}"[:2000], stage="execute"))


def _why_not_run(exc: Exception) -> str:
    """A run that stopped outside any cell's own error, in words (the exception is kept for the log)."""
    name = type(exc).__name__
    if "Timeout" in name or "timeout" in str(exc).lower():
        why = "运行超时：有单元格在规定时间内没有完成（nianbao build 可用 --timeout 秒数 放宽）"
    elif "DeadKernel" in name:
        why = "内核意外退出（可能内存不足或被终止）"
    else:
        why = "笔记本无法运行"
    return f"{why}。详细原因见该报告的 build.log。"


def execute(notebook_path: Path, params: dict, workdir: Path, *, timeout: int = 600, kernel_name: str = "python3") -> Execution:
    """Execute the notebook in a fresh kernel whose working and IPython
    directories are ``workdir``'s own (concurrent runs share no file)."""
    import nbformat
    import papermill

    workdir.mkdir(parents=True, exist_ok=True)
    output_path = workdir / "report.ipynb"
    env = kernel_environment(workdir)
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)  # the kernel inherits the environment of its launcher
    try:
        papermill.execute_notebook(
            str(notebook_path),
            str(output_path),
            parameters=params,
            kernel_name=kernel_name,
            cwd=str(workdir),
            progress_bar=False,
            log_output=False,
            execution_timeout=timeout,
            report_mode=False,
            kernel_manager_class=kernel_manager_class(),
        )
    except Exception as exc:  # a cell error, a dead kernel, a timeout: still a value
        return failed_run(exc, output_path)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return Execution(nbformat.read(output_path, as_version=4), None)
