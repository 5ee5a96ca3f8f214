"""Batch throughput: the naive loop a user would write versus `nianbao build`.

    python bench/batch.py [--n 40] [--jobs 2] [--unchanged 1000] [--skip-naive]

Measures, on N synthetic department-years (a fresh project in a temp folder):
  (a) the naive loop: for each department-year the `papermill` CLI, then
      `jupyter nbconvert --to html --no-input`, one after the other;
  (b) `nianbao build` cold (empty outputs/);
  (c) `nianbao build` again with nothing changed;
and prints reports per minute and the ratios (a)/(b), (a)/(c).

`--unchanged M` also times a no-change build of M department-years.  Running M
kernels first would take M × ~1 s, so the outputs are seeded instead: every
department-year gets a copy of one real run's outputs and a manifest whose input
hashes are computed by the build's own planner - exactly the state a real cold
build leaves, as far as the no-change path (hashing, manifests, output checks)
can tell.  Timings are wall-clock medians; the machine is shared, so read the
ratios, not the absolute seconds.  This script never asserts a time.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "annual_report.ipynb"
BIN = Path(sys.executable).parent


def make_project(root: Path, n: int) -> list[tuple[str, int]]:
    from nianbao.testing import ProjectBuilder

    years = (2023, 2024)
    departments = [(f"dept{i:04d}", f"示例区第{i}局", f"区域{i // 40}") for i in range((n + 1) // 2)]
    builder = ProjectBuilder(root, departments)
    made = []
    for dept, _, _ in departments:
        for year in years:
            if len(made) < n:
                builder.add(dept, year, size=5 + (len(made) * 7) % 60)
                made.append((dept, year))
    (root / "notebooks").mkdir(exist_ok=True)
    shutil.copy(NOTEBOOK, root / "notebooks")
    return made


def timed(command, cwd) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def naive_loop(root: Path, made) -> float:
    out = root / "naive"
    out.mkdir()
    start = time.perf_counter()
    for dept, year in made:
        executed = out / f"{year}-{dept}.ipynb"
        subprocess.run(
            [BIN / "papermill", NOTEBOOK, executed, "-p", "department", dept, "-p", "year", str(year),
             "-p", "project_root", str(root), "--cwd", str(root / "notebooks"), "--no-progress-bar"],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        subprocess.run(
            [BIN / "jupyter", "nbconvert", "--to", "html", "--no-input", executed],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
    return time.perf_counter() - start


def build(root: Path, jobs: int, *extra) -> float:
    return timed([BIN / "nianbao", "build", "--project", root, "--jobs", str(jobs), *extra], root)


def seed_unchanged(root: Path, template_root: Path, template: tuple[str, int]) -> None:
    """Give every planned department-year a real run's outputs and a truthful manifest."""
    from nianbao import layout as L
    from nianbao.batch import CACHE_FILE, HashCache, plan, project_notebook
    from nianbao.project import load_project

    project = load_project(root)
    cache = HashCache(root / CACHE_FILE)
    source = L.site_dir(template_root, "draft", template[1], template[0])
    for planned in plan(project, None, None, "draft", notebook=project_notebook(project), cache=cache):
        target = L.site_dir(root, "draft", planned.year, planned.department)
        shutil.copytree(source, target, dirs_exist_ok=True)
        manifest = json.loads((target / L.MANIFEST).read_text(encoding="utf-8"))
        outputs = {}
        for name in ("report.html", "report.fragment.html", L.NOTEBOOK_OUT, L.CHECKS, L.LOG):
            rel = (target / name).relative_to(L.outputs(root)).as_posix()
            outputs[rel] = cache.sha(target / name)
        manifest.update(department=planned.department, year=planned.year, inputs=planned.job.inputs, outputs=outputs)
        (target / L.MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    cache.save()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3, help="runs of the no-change build (median)")
    parser.add_argument("--unchanged", type=int, default=1000, help="department-years for the seeded no-change run (0: skip)")
    parser.add_argument("--skip-naive", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="nianbao-bench-") as tmp:
        root = Path(tmp) / "project"
        made = make_project(root, args.n)
        rows = []
        naive = None
        if not args.skip_naive:
            naive = naive_loop(root, made)
            rows.append(("(a) papermill CLI + nbconvert CLI, one by one", naive))
        cold = build(root, args.jobs)
        rows.append((f"(b) nianbao build, cold, --jobs {args.jobs}", cold))
        unchanged = statistics.median(build(root, args.jobs) for _ in range(args.repeat))
        rows.append(("(c) nianbao build, nothing changed", unchanged))

        print(f"{args.n} department-years, {args.jobs} jobs, python {sys.version.split()[0]}")
        print(f"{'way of running':52} {'seconds':>9} {'reports/min':>12}")
        for name, seconds in rows:
            print(f"{name:52} {seconds:9.2f} {args.n / seconds * 60:12.1f}")
        if naive:
            print(f"throughput (b)/(a): {naive / cold:.2f}x   (c)/(a): {naive / unchanged:.1f}x")

        if args.unchanged:
            big = Path(tmp) / "unchanged"
            big_made = make_project(big, args.unchanged)
            seed_unchanged(big, root, made[0])
            build(big, args.jobs)  # writes the index pages once, as the real cold build would have
            seconds = statistics.median(build(big, args.jobs) for _ in range(args.repeat))
            print(f"no-change build of {len(big_made)} department-years (seeded outputs): {seconds:.2f} s")


if __name__ == "__main__":
    main()
