"""The batch on a real Dask cluster (distributed.LocalCluster, worker processes):
same outputs as a local build, and every report exactly once when a worker dies."""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import signal
import threading
import time
from pathlib import Path

import nbformat
import pytest

from nianbao.build import build, executor_for
from nianbao.project import load_project
from nianbao.testing import ProjectBuilder

pytestmark = [pytest.mark.kernel, pytest.mark.dask]

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "annual_report.ipynb"
DEPARTMENTS = (("alpha", "示例区甲局", "示例区"), ("beta", "示例区乙局", "示例区"), ("gamma", "示例区丙局", "示例区"))


def make_project(root: Path, notebook: Path = NOTEBOOK) -> Path:
    builder = ProjectBuilder(root, DEPARTMENTS)
    for i, (dept, _, _) in enumerate(DEPARTMENTS):
        builder.add(dept, 2020, size=10 + 7 * i)
        builder.add(dept, 2021, size=8 + 5 * i, fee_notices=i % 2)
    (root / "notebooks").mkdir()
    shutil.copy(notebook, root / "notebooks" / "annual_report.ipynb")
    return root


def outputs(root: Path) -> dict[str, str]:
    base = root / "outputs"
    return {
        p.relative_to(base).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(base.rglob("*"))
        if p.is_file() and p.name in ("report.html", "report.fragment.html", "report.pdf", "checks.json")
    }


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    # Started as the README starts workers: with the kit's preload.
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=50, preload=["nianbao.build.cluster"]) as local:
        yield local


def test_the_preload_imports_what_a_run_uses_before_the_first_task(cluster):
    # First in this file: the workers have run no task yet, so only the preload can have imported these.
    from distributed import Client

    from nianbao.build.runner import RUN_MODULES

    def state(dask_worker):
        import sys

        return (dask_worker.state.executed_count, [name for name in RUN_MODULES if name not in sys.modules],
                os.environ.get("MALLOC_TRIM_THRESHOLD_"))

    with Client(cluster.scheduler_address, set_as_default=False) as client:
        found = client.run(state)
    assert len(found) == 2
    for executed, missing, trim in found.values():
        assert executed == 0, "a task ran before this test: it no longer shows what the preload did"
        assert missing == []
        assert trim is None  # the nanny sets it (Dask's default); the preload took it away, so kernels go without it


def test_cluster_build_equals_local_build(tmp_path, cluster):
    here = make_project(tmp_path / "local")
    there = make_project(tmp_path / "cluster")
    local = build(load_project(here), jobs=2)
    remote = build(load_project(there), executor=executor_for(scheduler=cluster.scheduler_address))
    assert local.ok and remote.ok
    assert sorted((o.year, o.department) for o in remote.results) == sorted((o.year, o.department) for o in local.results)
    assert outputs(there) == outputs(here)
    assert len(outputs(there)) == 6 * 4
    for manifest in (there / "outputs" / "draft").glob("*/*/manifest.json"):
        twin = here / "outputs" / "draft" / manifest.relative_to(there / "outputs" / "draft")
        import json

        a, b = json.loads(manifest.read_text()), json.loads(twin.read_text())
        for timing in ("seconds", "started"):
            a.pop(timing), b.pop(timing)
        assert a == b
    # The workers read nothing from the project folder: the paths in the record are the client's.
    assert str(there) not in (there / "outputs" / "draft" / "2021" / "alpha" / "report.html").read_text(encoding="utf-8")


def test_a_lost_worker_loses_no_report_and_duplicates_none(tmp_path, cluster):
    slow = tmp_path / "slow.ipynb"
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nb.cells[-1].source += "\nimport time; time.sleep(2)"
    nbformat.write(nb, slow)
    root = make_project(tmp_path / "p", slow)

    killed = []

    def kill_a_busy_worker():
        from distributed import Client

        with Client(cluster.scheduler_address, set_as_default=False) as client:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                busy = [w for w, tasks in client.processing().items() if tasks]
                if busy:
                    time.sleep(3)  # well inside a task: its kernel is running a report
                    pids = client.run(os.getpid, workers=busy[:1])
                    for pid in pids.values():
                        os.kill(pid, signal.SIGKILL)
                        killed.append(pid)
                    return
                time.sleep(0.2)

    killer = threading.Thread(target=kill_a_busy_worker)
    killer.start()
    result = build(load_project(root), executor=executor_for(scheduler=cluster.scheduler_address))
    killer.join()
    assert killed, "no worker was busy: the test did not test anything"
    assert result.ok, [o.failure for o in result.results if o.status != "ok"]
    arrived = sorted((o.year, o.department) for o in result.results)
    assert arrived == sorted({(y, d) for y in (2020, 2021) for d, _, _ in DEPARTMENTS})  # each exactly once
    for year in (2020, 2021):
        for dept, _, _ in DEPARTMENTS:
            assert (root / "outputs" / "draft" / str(year) / dept / "report.pdf").stat().st_size > 10_000


def test_an_unreachable_scheduler_is_a_clear_chinese_error():
    from nianbao.build.cluster import ClusterError, DaskExecutor

    with pytest.raises(ClusterError, match="无法连接 Dask 调度器 tcp://127.0.0.1:9"):
        DaskExecutor("tcp://127.0.0.1:9", timeout="2s")


@pytest.mark.parametrize(("runs", "workers", "largest"), [(60, 2, 2), (3, 8, 1), (10_000, 20, 25), (1, 1, 1)])
def test_tasks_hold_every_run_once_in_order_and_stay_short(runs, workers, largest):
    # A short last task keeps a worker from idling while another finishes a long one;
    # a cap keeps a province's tens of thousands of runs to few enough tasks.
    from nianbao.build.cluster import chunk

    tasks = chunk(list(range(runs)), workers)
    assert [run for task in tasks for run in task] == list(range(runs))
    assert max(len(task) for task in tasks) == largest


TRIM_PROBE = """
import os, resource, sys
from nianbao.build.cluster import undo_nanny_malloc_trim

def faults():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(200):
        block = bytearray(1 << 20)  # 1 MiB, every page written
        del block
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

before = faults()
undo_nanny_malloc_trim()
print(before, faults(), os.environ.get("MALLOC_TRIM_THRESHOLD_"))
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="the thresholds are glibc's")
def test_a_worker_undoes_the_nannys_malloc_trim_but_keeps_its_owners():
    # Dask's nanny starts workers with this value; with it each 1 MiB block is mapped
    # afresh (a page fault per page), without it the heap keeps and reuses the block.
    import subprocess
    import sys

    import dask
    import distributed  # noqa: F401  (its defaults hold the nanny's environment)

    nanny = str(dask.config.get("distributed.nanny.pre-spawn-environ")["MALLOC_TRIM_THRESHOLD_"])
    env = {**os.environ, "MALLOC_TRIM_THRESHOLD_": nanny}
    before, after, left = subprocess.run([sys.executable, "-c", TRIM_PROBE], env=env, capture_output=True,
                                         text=True, check=True).stdout.split()
    assert int(before) > 200 * 200  # the nanny's setting: ~256 faults per block
    assert int(after) < int(before) / 20
    assert left == "None"

    env["MALLOC_TRIM_THRESHOLD_"] = "1000000"  # the worker's owner chose this: left alone
    before, after, left = subprocess.run([sys.executable, "-c", TRIM_PROBE], env=env, capture_output=True,
                                         text=True, check=True).stdout.split()
    assert left == "1000000"
    assert int(after) > int(before) / 2
