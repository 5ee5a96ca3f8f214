"""The batch on a Dask distributed cluster (``nianbao build --scheduler tcp://…``).

Workers need not share the project's filesystem: each task carries its runs'
inputs as bytes (notebook, data files, params) and returns their outputs as
bytes, which the client writes into outputs/ exactly as a local build does.
Tasks hold several department-years, so scheduling costs stay small even for
tens of thousands of runs.  A worker lost mid-task has its task rerun elsewhere
by Dask (runs are pure functions of their inputs); a run that fails in its
notebook returns a failure value and is not retried.

Starting a cluster (every machine needs only the kit installed, e.g.
``pip install nianbao``):

    dask scheduler                                   # prints tcp://HOST:8786
    DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False dask worker tcp://HOST:8786 --nworkers 2 --nthreads 1 \
        --preload nianbao.build.cluster

The worker's statistical profiler (on by default) samples the running task's
stack every 10 ms from the worker's event loop; WeasyPrint's stacks are deep,
and with it off the workers used 10-18 % less CPU for the sample (bench/README.md).
The preload (:func:`dask_setup`) imports a run's modules when a worker starts, as
the local pool's forkserver does, instead of in each worker's first task.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

from ..errors import EXIT_USAGE, NianbaoError
from .install import install_output, record_worker_death
from .plan import Job
from .runner import RUN_MODULES, RunResult, run_job

# Tasks per worker: a worker that finishes early idles while the others finish
# their last task, so tasks are kept short (a task costs the scheduler a few
# milliseconds; a run is about a second).  With 4 per worker the sample's 60
# runs went 8 to a task, and a worker could idle for most of one (~5 s) at the end.
TASKS_PER_WORKER = 16
MAX_RUNS_PER_TASK = 25  # tens of thousands of runs: still few enough tasks for one scheduler


# Dask's nanny starts each worker with MALLOC_TRIM_THRESHOLD_=65536 (its
# ``distributed.nanny.pre-spawn-environ``), so that array workloads hand freed memory
# back to the system at once.  Setting it also fixes glibc's mmap threshold at 128 KiB:
# for a run, every large block is mapped afresh and the heap trimmed on nearly every
# free.  Runs inside such workers took 4x the page faults and twice the system time
# (bench/README.md), and their kernels inherit the variable.  A run's memory goes when it ends, so a worker puts glibc's
# thresholds where its own dynamic tuning would take them and starts its kernels
# without the variable.
MALLOC_TRIM_THRESHOLD = 64 << 20
MALLOC_MMAP_THRESHOLD = 32 << 20  # glibc's largest dynamic mmap threshold on 64-bit
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # <malloc.h>


def undo_nanny_malloc_trim() -> None:
    """In a Dask worker: glibc's heap thresholds back from the nanny's memory trimming
    (see above).  Only when the variable holds the nanny's value: a value the worker's
    owner set differently is theirs."""
    import ctypes
    import os

    import dask
    import distributed  # noqa: F401  (loads Dask's defaults for the nanny)

    nanny = dask.config.get("distributed.nanny.pre-spawn-environ", {}).get("MALLOC_TRIM_THRESHOLD_")
    if nanny is None or os.environ.get("MALLOC_TRIM_THRESHOLD_") != str(nanny):
        return
    del os.environ["MALLOC_TRIM_THRESHOLD_"]  # kernels started from here on inherit os.environ
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc: the variable meant nothing to its allocator
        return
    libc.mallopt(_M_MMAP_THRESHOLD, MALLOC_MMAP_THRESHOLD)
    libc.mallopt(_M_TRIM_THRESHOLD, MALLOC_TRIM_THRESHOLD)


def dask_setup(worker) -> None:
    """Dask's preload hook (``dask worker … --preload nianbao.build.cluster``): a worker
    imports what a run uses when it starts, not in its first task, as the local pool's
    forkserver does before it forks its workers."""
    import importlib

    undo_nanny_malloc_trim()
    for name in RUN_MODULES:
        importlib.import_module(name)


def job_files(job: Job) -> dict[str, bytes]:
    """Everything one run reads, by project-relative path (the notebook under its own key)."""
    root = Path(job.root)
    files = {rel: (root / rel).read_bytes() for rel in job.reads or job.inputs["files"]}
    files["\0notebook"] = Path(job.notebook).read_bytes()
    return files


def run_shipped(jobs_and_files: list[tuple[Job, dict[str, bytes]]]) -> list[RunResult]:
    """On a worker: lay out each run's files in a scratch project and run it there."""
    from .. import scratch

    undo_nanny_malloc_trim()  # also where the worker was started without the kit's preload
    results = []
    for job, files in jobs_and_files:
        root = scratch.make("shipped")  # swept by a later run if this worker is killed
        try:
            for rel, data in files.items():
                target = root / ("notebooks/annual_report.ipynb" if rel == "\0notebook" else rel)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            local = replace(job, root=str(root), notebook=str(root / "notebooks" / "annual_report.ipynb"))
            results.append(run_job(local))
        finally:
            scratch.remove(root)
    return results


def chunk(jobs: list[Job], workers: int) -> list[list[Job]]:
    size = max(1, min(MAX_RUNS_PER_TASK, math.ceil(len(jobs) / max(1, workers * TASKS_PER_WORKER))))
    return [jobs[i : i + size] for i in range(0, len(jobs), size)]


class ClusterError(NianbaoError):
    """The cluster cannot be used; the message (Chinese) says why."""

    exit_code = EXIT_USAGE


class DaskExecutor:
    """Submits batches of runs to a Dask cluster and installs what comes back."""

    def __init__(self, address: str, timeout: str = "15s"):
        from distributed import Client

        try:
            self.client = Client(address, set_as_default=False, timeout=timeout)
        except (OSError, ValueError, TimeoutError) as exc:
            raise ClusterError(
                f"无法连接 Dask 调度器 {address}（{type(exc).__name__}）：请确认已运行 dask scheduler，地址和端口正确，"
                "且本机能访问它。"
            ) from None

    def workers(self) -> int:
        return max(1, len(self.client.scheduler_info().get("workers", {})))

    def results(self, jobs: list[Job]):
        """(job, result) as tasks finish; the client writes each run's outputs."""
        from distributed import as_completed

        futures = {}
        for batch in chunk(jobs, self.workers()):
            payload = [(job, job_files(job)) for job in batch]
            # pure=False: two builds of the same inputs are two runs, not a cached result.
            futures[self.client.submit(run_shipped, payload, pure=False, retries=0)] = batch
        for future in as_completed(list(futures), loop=self.client.loop):
            batch = futures.pop(future)
            try:
                outputs = future.result()
            except Exception as exc:  # the task itself failed (not a notebook failure)
                for job in batch:
                    yield job, record_worker_death(job, exc)
                continue
            for job, result in zip(batch, outputs, strict=False):
                yield job, install_output(Path(job.root), job, result)

    def stop(self):
        self.client.close()

    def close(self):
        self.client.close()
