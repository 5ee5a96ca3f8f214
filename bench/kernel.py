"""The kernel step: seconds a warm kernel spends per report, its reset included, today's and now's.

    python bench/kernel.py [--reports 12] [--rounds 3]

In a copy of the sample district, a child process per way (today = bench/baseline.py's
commit, now = the working tree) starts one warm kernel as a build worker does
(``nianbao.kernels.session``), runs one report to warm it, then times
``KernelSession.execute`` — papermill in the borrowed kernel, the run notebook
written, and the reset for the next report — for each of the first N draft reports
of the sample.  The two ways alternate for --rounds rounds; the figure is the median
over all timed reports of each way.  It measures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from baseline import BASELINE, ways  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def child(root: Path, count: int) -> None:
    """In the way's own process: time each report's execute in one warm kernel; prints JSON."""
    from nianbao.kernels import session
    from nianbao.project import load_project

    reports = sorted(load_project(root).submitted(), reverse=True)[: count + 1]
    work = Path(tempfile.mkdtemp(prefix="nianbao-kbench-"))
    kernel = session(work / "kernel")
    kernel.start()
    notebook = root / "notebooks" / "annual_report.ipynb"
    seconds = []
    for i, (year, dept) in enumerate(reports):
        params = {"department": dept, "year": year, "project_root": str(root), "mode": "draft", "publication_date": None}
        start = time.perf_counter()
        execution, _ = kernel.execute(notebook, params, work / f"{i}.ipynb", 600)
        if execution.failure is not None:
            raise SystemExit(f"{year} {dept}: {execution.failure}")
        if i:  # the first warms the kernel (as the first report of a worker does)
            seconds.append(time.perf_counter() - start)
    kernel.stop()
    shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(seconds))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", metavar="ROOT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child), args.reports)
        return
    envs = ways()
    with tempfile.TemporaryDirectory(prefix="nianbao-kbench-") as tmp:
        root = Path(tmp)
        for name in ("params", "data", "notebooks"):
            shutil.copytree(REPO / name, root / name)
        found: dict[str, list[float]] = {way: [] for way in envs}
        for _ in range(args.rounds):
            for way, env in envs.items():
                done = subprocess.run([sys.executable, __file__, "--child", str(root), "--reports", str(args.reports)],
                                      env=env, capture_output=True, text=True, check=True)
                found[way] += json.loads(done.stdout.strip().splitlines()[-1])
    print(f"kernel step, sample district, {args.reports} reports × {args.rounds} rounds · today = {BASELINE} · "
          f"{os.cpu_count()} CPUs · load {os.getloadavg()[0]:.2f}")
    medians = {way: statistics.median(values) for way, values in found.items()}
    for way, value in medians.items():
        print(f"{way:6} {value:.3f} s per report (median of {len(found[way])})")
    print(f"now ÷ today: {medians['now'] / medians['today']:.2f}")


if __name__ == "__main__":
    main()
