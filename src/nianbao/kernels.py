"""One warm Jupyter kernel per worker process, reset between reports.

Starting a kernel and importing pandas, matplotlib and the kit costs more than
most reports' own work.  A worker therefore keeps one kernel, started once and
warmed up, and papermill runs each report in it (through a papermill engine
that borrows this kernel instead of starting its own).  Between reports the
kernel is reset: its namespace cleared, figures closed, matplotlib's settings
restored.  After any failure, timeout, or every ``RESTART_EVERY`` reports it is
replaced by a fresh one.  The kit keeps no per-report state at module level;
tests render a whole district in two orders and compare every page byte for
byte with fresh-kernel renders (tests/test_smoke.py).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from .run import Execution, failed_run, kernel_environment, kernel_manager_class

if TYPE_CHECKING:
    from jupyter_client.asynchronous import AsyncKernelClient
    from jupyter_client.manager import AsyncKernelManager

ENGINE = "nianbao-reuse"
RESTART_EVERY = 100

WARM_UP = """\
import matplotlib
matplotlib.use("Agg")
import pandas, matplotlib.pyplot
import nianbao.report, nianbao.charts, nianbao.analyst
nianbao.charts.setup()
import gc
gc.collect()
gc.freeze()
"""

RESET = """\
%reset -f
import gc as _gc, matplotlib.pyplot as _plt, nianbao.charts as _charts, nianbao.analyst as _analyst
_plt.close("all")
_charts.reset()
_analyst.uninstall()
del _plt, _charts, _analyst
_gc.collect()
del _gc
"""


def _register_engine() -> None:
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.utils import merge_kwargs, remove_args

    class BorrowedKernelEngine(NBClientEngine):
        """papermill's nbclient engine, running in a kernel it is lent (``km``)
        through a client it is lent (``kc``, whose channels stay open)."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                     stderr_file=None, start_timeout=60, execution_timeout=None, kc=None, **kwargs):
            kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
            final = merge_kwargs(kwargs, timeout=execution_timeout, startup_timeout=start_timeout,
                                 kernel_name=kernel_name, log_output=log_output,
                                 stdout_file=stdout_file, stderr_file=stderr_file)
            client = PapermillNotebookClient(nb_man, **final)
            client.kc = kc  # nbclient then skips starting a client and waiting for the kernel to be ready
            return client.execute()

    papermill_engines.register(ENGINE, BorrowedKernelEngine)


class KernelSession:
    """A kernel kept by one worker process."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.km: AsyncKernelManager | None = None
        self.kc: AsyncKernelClient | None = None
        self._kc_owner: tuple[int, int] | None = None
        self.runs = 0
        self.log = folder / "kernel.log"
        _register_engine()

    # -- life cycle -----------------------------------------------------------
    def start(self) -> None:
        from jupyter_core.utils import run_sync

        os.environ.update(kernel_environment(self.folder))  # the kernel inherits its launcher's
        self.km = km = kernel_manager_class()(kernel_name="python3")
        run_sync(km.start_kernel)(cwd=str(self.folder))
        self._run_code(WARM_UP)
        self.runs = 0

    def stop(self) -> None:
        self._drop_client()
        if self.km is None:
            return
        from jupyter_core.utils import run_sync

        try:
            run_sync(self.km.shutdown_kernel)(now=True)
        except Exception:  # already dead: nothing to stop
            pass
        self.km = None

    def kill(self) -> None:
        """SIGKILL the kernel at once (any thread; used when the build has died)."""
        process = getattr(getattr(self.km, "provisioner", None), "process", None)
        if process is not None:
            try:
                process.kill()
            except OSError:
                pass

    def restart(self) -> None:
        self.stop()
        self.start()

    def _client(self, timeout: float = 120) -> AsyncKernelClient:
        """The kernel's one client, kept open between reports (opening one and waiting for
        the kernel to answer costs a fifth of a second).  Its channels belong to the event
        loop they were opened on, so another thread or loop (Dask runs tasks on a pool of
        threads, each in a context of its own) gets a client of its own."""
        from jupyter_core.utils import ensure_event_loop, run_sync

        assert self.km is not None, "the kernel is started first"
        # The loop run_sync will use here (it calls the same function when no loop runs).
        owner = (threading.get_ident(), id(ensure_event_loop()))
        if self.kc is None or self._kc_owner != owner:
            self._drop_client()
            kc = self.km.client()
            kc.start_channels()
            run_sync(kc.wait_for_ready)(timeout=timeout)
            kc.allow_stdin = False
            self.kc, self._kc_owner = kc, owner
        return self.kc

    def _drop_client(self) -> None:
        if self.kc is not None:
            try:
                self.kc.stop_channels()
            except Exception:  # a client of a dead kernel or of another thread's loop: nothing to keep
                pass
        self.kc, self._kc_owner = None, None

    def _run_code(self, code: str, timeout: float = 120) -> None:
        from jupyter_core.utils import run_sync

        kc = self._client(timeout)
        reply = run_sync(kc.execute_interactive)(code, timeout=timeout, output_hook=lambda msg: None)
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"内核准备失败：{reply['content'].get('evalue')}")

    # -- one report -----------------------------------------------------------
    def execute(self, notebook_path: Path, params: dict, output_path: Path, timeout: int) -> tuple[Execution, bytes]:
        """Run one report; returns the result and what the kernel printed meanwhile."""
        import nbformat
        import papermill

        if self.km is None or not self._alive():
            self.restart()
        log_start = self.log.stat().st_size if self.log.exists() else 0
        failure = None
        try:
            # No save after every cell (papermill's default writes the whole notebook twice per
            # cell): one write at the end, and on a cell's error before it raises.
            papermill.execute_notebook(
                str(notebook_path), str(output_path), parameters=params, engine_name=ENGINE, km=self.km,
                kc=self._client(), kernel_name="python3", progress_bar=False, log_output=False,
                execution_timeout=timeout, request_save_on_cell_execute=False,
            )
        except Exception as exc:  # a cell error, timeout, dead kernel: still a value
            failure = failed_run(exc, output_path)
        log = self._log_since(log_start)
        self.runs += 1
        if failure is not None:
            self.restart()  # whatever state the failure left must not reach the next report
            return failure, log
        if self.runs >= RESTART_EVERY:
            self.restart()
        else:
            self._run_code(RESET)
        return Execution(nbformat.read(output_path, as_version=4), None), log

    def _alive(self) -> bool:
        from jupyter_core.utils import run_sync

        if self.km is None:
            return False
        try:
            return bool(run_sync(self.km.is_alive)())
        except Exception:
            return False

    def _log_since(self, start: int) -> bytes:
        try:
            with open(self.log, "rb") as handle:
                handle.seek(start)
                return handle.read()
        except OSError:
            return b""


_SESSION: KernelSession | None = None


def current_session() -> KernelSession | None:
    """This process's kernel session, if it has started one."""
    return _SESSION


def session(folder: Path) -> KernelSession:
    """This process's kernel session (created on first use)."""
    global _SESSION
    if _SESSION is None:
        _SESSION = KernelSession(folder)
        import atexit

        atexit.register(_SESSION.stop)
    return _SESSION
