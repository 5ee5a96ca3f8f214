"""Where runs happen.  An executor takes jobs and yields (job, result) as runs
finish, each run already installed into outputs/.

- :class:`LocalExecutor`: a pool of worker processes that die with the build;
- :class:`InProcessExecutor`: this process, one run after another (``render``);
- :class:`nianbao.build.dask.DaskExecutor`: a Dask cluster.
"""

from __future__ import annotations

import os
import time

from .install import produce, record_worker_death
from .plan import Job
from .runner import RUN_MODULES, running


def executor_for(*, scheduler: str | None = None, jobs: int | None = None, in_process: bool = False):
    """What a build runs on, as a factory called with the number of runs (so
    that nothing is started, and no cluster contacted, when nothing is to run)."""
    if in_process:
        return lambda runs: InProcessExecutor()
    if scheduler:
        def on_cluster(runs: int):
            from .cluster import DaskExecutor

            return DaskExecutor(scheduler)

        return on_cluster
    return lambda runs: LocalExecutor(min(jobs or os.cpu_count() or 1, runs))


class InProcessExecutor:
    """Runs in this process, in order: ``nianbao render`` is a build of one job."""

    def results(self, jobs: list[Job]):
        for job in jobs:
            yield job, produce(job)

    def stop(self):
        pass

    def close(self):
        pass


def _raise_interrupt(signum, frame):
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
    while running() and time.monotonic() < deadline:
        time.sleep(0.1)
    from .install import INSTALLING

    INSTALLING.acquire(timeout=max(1.0, deadline - time.monotonic()))  # a run's files half moved into place: let it finish
    from ..kernels import current_session

    session = current_session()
    if session is not None:  # a warm kernel is not papermill's to shut down
        session.kill()
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
        context.set_forkserver_preload(["nianbao.build.executors", "nianbao.build.runner", *RUN_MODULES])
        self.pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_init_worker,
                                        initargs=(os.getpid(),))

    def results(self, jobs: list[Job]):
        """(job, result) as runs finish; each worker installs its own outputs."""
        from concurrent.futures import as_completed

        futures = {self.pool.submit(produce, job): job for job in jobs}
        for future in as_completed(futures):
            job = futures[future]
            try:
                result = future.result()
            except Exception as exc:  # the worker itself died: still a value
                result = record_worker_death(job, exc)
            yield job, result

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
