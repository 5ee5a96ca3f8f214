"""Batch throughput: the naive loop a user would write versus `nianbao build`.

    python bench/batch.py [--n 40] [--jobs 2] [--scheduler tcp://HOST:PORT] [--skip-naive]
    python bench/batch.py --scale [--province 2000]

Default mode, on N synthetic department-years (a fresh project in a temp folder):
  (a) the naive loop: for each department-year the `papermill` CLI, then
      `jupyter nbconvert --to html --no-input`, one after the other (HTML only);
  (b) `nianbao build` cold (empty outputs/), HTML and PDF;
  (b') the same with --fresh-kernels (a new kernel per report);
  (c) `nianbao build` again with nothing changed;
  (f) the floor: the same report content (every part of the report, the HTML
      page and the PDF) by plain Python calls into the kit, one process, no kernel;
and prints reports per minute, the ratios to (a), CPU seconds per report by
stage (from the runs' manifests) and the PDF stage's seconds per report.

--scale adds a synthetic province (default 2,000 department-years): the no-change
rebuild time and `nianbao check` time.  Running 2,000 kernels first would take
the better part of an hour here, so the province's outputs are seeded: every
department-year gets a copy of one real run's outputs and a record whose input
hashes come from the build's own planner - the state a real cold build leaves,
as far as the no-change path (hashing, records, output checks) can tell.

Timings are wall-clock medians on a shared machine: read the ratios.  This
script measures; it never asserts a time and is not part of the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
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


def make_project(root: Path, n: int, per_region: int = 40) -> list[tuple[str, int]]:
    from nianbao.testing import ProjectBuilder

    years = (2023, 2024)
    departments = [(f"dept{i:04d}", f"示例区第{i}局", f"区域{i // per_region}") for i in range((n + 1) // 2)]
    builder = ProjectBuilder(root, departments)
    made = []
    for dept, _, _ in departments:
        for year in years:
            if len(made) < n:
                builder.add(dept, year, size=5 + (len(made) * 7) % 60, fee_notices=len(made) % 3 == 0)
                made.append((dept, year))
    (root / "notebooks").mkdir(exist_ok=True)
    shutil.copy(NOTEBOOK, root / "notebooks")
    return made


def machine_cpu() -> float:
    """CPU seconds the whole machine has spent (user + system, all cores), from
    /proc/stat.  A build's workers and kernels are not our waited-for children,
    so rusage cannot see them; on an otherwise idle machine this delta is the
    build's CPU.  (Other load on a shared machine inflates it: read ratios.)"""
    with open("/proc/stat", encoding="ascii") as handle:
        fields = handle.readline().split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def run(command, cwd, timeout=None) -> tuple[float, float]:
    """(wall seconds, machine CPU seconds) of a command."""
    cpu = machine_cpu()
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=timeout)
    return time.perf_counter() - start, machine_cpu() - cpu


def naive_loop(root: Path, made) -> tuple[float, float]:
    out = root / "naive"
    out.mkdir(exist_ok=True)
    wall = cpu = 0.0
    for dept, year in made:
        executed = out / f"{year}-{dept}.ipynb"
        for command in (
            [BIN / "papermill", NOTEBOOK, executed, "-p", "department", dept, "-p", "year", str(year),
             "-p", "project_root", str(root), "--cwd", str(root / "notebooks"), "--no-progress-bar"],
            [BIN / "jupyter", "nbconvert", "--to", "html", "--no-input", executed],
        ):
            w, c = run(command, root)
            wall, cpu = wall + w, cpu + c
    return wall, cpu


def build(root: Path, jobs: int, *extra, timeout=None) -> tuple[float, float]:
    return run([BIN / "nianbao", "build", "--project", root, "--jobs", str(jobs), *extra], root, timeout)


def stages(root: Path) -> dict[str, float]:
    """Median seconds per report of each stage, from the runs' manifests."""
    found: dict[str, list[float]] = {}
    for path in (root / "outputs" / "draft").glob("*/*/manifest.json"):
        for stage, seconds in json.loads(path.read_text(encoding="utf-8"))["seconds"].items():
            found.setdefault(stage, []).append(seconds)
    return {stage: statistics.median(values) for stage, values in sorted(found.items())}


def floor(root: Path, made) -> tuple[float, float]:
    """The report's own work, no kernel: every part, the page and the PDF, in this process."""
    from nianbao.build.records import to_json as _json
    from nianbao.pdf import html_to_pdf, source_attachments
    from nianbao.report import open_report

    open_report(made[0][0], made[0][1], root)  # warm imports, as a worker is warm
    start, cpu = time.perf_counter(), machine_cpu()
    for dept, year in made:
        report = open_report(dept, year, root)
        parts = []
        for part in report.parts():
            rendered = part._repr_html_()
            parts.append(rendered[0] if isinstance(rendered, tuple) else rendered)
        html = (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{report.title}</title></head>'
                f'<body><main>{"".join(parts)}</main></body></html>')
        attachments = source_attachments(root, dept, year)
        attachments["manifest.json"] = _json({"department": dept, "year": year})
        html_to_pdf(html, title=report.title, author=report.department.name, subject="政府信息公开工作年度报告",
                    publication_date=report.settings.publication_date, attachments=attachments)
    return time.perf_counter() - start, machine_cpu() - cpu


def seed_unchanged(root: Path, template_root: Path, template: tuple[str, int]) -> None:
    """Give every planned department-year a real run's outputs and a truthful record."""
    from nianbao import paths
    from nianbao.build import CACHE_FILE, HashCache, plan, project_notebook
    from nianbao.project import load_project

    project = load_project(root)
    cache = HashCache(root / CACHE_FILE)
    source = paths.site_dir(template_root, "draft", template[1], template[0])
    memo = _findings_memo(root)
    everything = plan(project, None, None, "draft", notebook=project_notebook(project), cache=cache,
                      kinds=("html", "pdf"), **({"memo": memo} if memo else {}))
    if memo:  # a build keys each report on its findings' digest too: the record holds it
        from nianbao.build.plan import attach_findings

        attach_findings(project, everything, memo)
        memo.save()
    for planned in everything:
        target = paths.site_dir(root, "draft", planned.year, planned.department)
        # Hard links: the same bytes as a copy for every reader, without 1.5 GB of disk.
        target.mkdir(parents=True, exist_ok=True)
        for file in source.iterdir():
            if file.name not in (paths.MANIFEST, paths.SUMS):  # rewritten below: must not share an inode
                os.link(file, target / file.name)
        shutil.copy(source / paths.MANIFEST, target / paths.MANIFEST)
        manifest = json.loads((target / paths.MANIFEST).read_text(encoding="utf-8"))
        manifest.update(department=planned.department, year=planned.year, inputs=planned.job.inputs)
        if memo:
            manifest.update(findings=planned.findings_digest)
        (target / paths.MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
        sums = {
            (target / name).relative_to(paths.outputs(root)).as_posix(): cache.sha(target / name)
            for name in ("report.html", "report.fragment.html", "report.pdf", paths.NOTEBOOK_OUT, paths.CHECKS, paths.LOG)
        }
        (target / paths.SUMS).write_text("".join(f"{sha}  {rel}\n" for rel, sha in sorted(sums.items())), encoding="utf-8")
    cache.save()


def _findings_memo(root: Path):
    """The planner's findings memo, when the kit running this has one (bench/rebuild.py
    seeds with "today"'s code too, which keys reports on input hashes only)."""
    import importlib

    planning = importlib.import_module("nianbao.build.plan")  # the module: nianbao.build.plan is also a function
    if not hasattr(planning, "FindingsMemo"):
        return None
    return planning.FindingsMemo(root / planning.FINDINGS_MEMO)


def line(name: str, n: int, wall: float, cpu: float | None = None) -> str:
    per_minute = n / wall * 60
    cpu_text = f"{cpu / n:9.2f}" if cpu is not None else f"{'':9}"
    return f"{name:48} {wall:8.1f} {per_minute:10.1f} {cpu_text}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=40, help="department-years of the throughput runs (default 40)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3, help="runs of the no-change build (median)")
    parser.add_argument("--scheduler", help="also run (b) on this Dask scheduler")
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument("--skip-fresh", action="store_true")
    parser.add_argument("--scale", action="store_true", help="also the seeded province: no-change build and check")
    parser.add_argument("--province", type=int, default=2000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="nianbao-bench-") as tmp:
        root = Path(tmp) / "project"
        made = make_project(root, args.n)
        n = len(made)
        print(f"{n} department-years · {args.jobs} jobs · {os.cpu_count()} CPUs · {platform.machine()} · "
              f"python {platform.python_version()} · load {os.getloadavg()[0]:.2f}")
        print(f"{'way of running':48} {'wall s':>8} {'reports/min':>10} {'CPU s/report':>9}")
        rows = {}
        if not args.skip_naive:
            rows["a"] = naive_loop(root, made)
            print(line("(a) papermill CLI + nbconvert CLI, HTML only", n, *rows["a"]))
        if not args.skip_fresh:
            rows["b'"] = build(root, args.jobs, "--fresh-kernels")
            print(line("(b') nianbao build, fresh kernels, HTML+PDF", n, *rows["b'"]))
            shutil.rmtree(root / "outputs")
        rows["b"] = build(root, args.jobs)
        print(line("(b) nianbao build, cold, HTML+PDF", n, *rows["b"]))
        stage = stages(root)
        unchanged = statistics.median(build(root, args.jobs)[0] for _ in range(args.repeat))
        print(line("(c) nianbao build, nothing changed", n, unchanged))
        if args.scheduler:
            shutil.rmtree(root / "outputs")
            rows["d"] = build(root, args.jobs, "--scheduler", args.scheduler)
            print(line(f"(d) nianbao build on {args.scheduler}", n, *rows["d"]))
        rows["f"] = floor(root, made)
        print(line("(f) floor: kit calls in one process, no kernel", n, *rows["f"]))

        print("median seconds per report by stage (wall, inside a worker): "
              + ", ".join(f"{k} {v:.2f}" for k, v in stage.items()))
        print(f"PDF stage: {stage.get('pdf', float('nan')):.2f} s per report")
        if "a" in rows:
            print(f"throughput (b)/(a): {rows['a'][0] / rows['b'][0]:.2f}x   (c)/(a): {rows['a'][0] / unchanged:.1f}x")
        print(f"CPU per report (b)/(f): {rows['b'][1] / rows['f'][1]:.2f}x the floor")

        if args.scale:
            big = Path(tmp) / "province"
            made_big = make_project(big, args.province)
            seed_unchanged(big, root, made[0])
            # Writes the index pages once, as the real cold build would have.  The timeout
            # guards against a seeding mistake turning this into a 2,000-kernel build.
            build(big, args.jobs, timeout=300)
            seconds = statistics.median(build(big, args.jobs, timeout=60)[0] for _ in range(args.repeat))
            print(f"province of {len(made_big)} department-years: no-change build {seconds:.2f} s")
            check = statistics.median(_check(big) for _ in range(args.repeat))
            print(f"province of {len(made_big)} department-years: nianbao check {check:.2f} s")


def _check(root: Path) -> float:
    start = time.perf_counter()
    subprocess.run([BIN / "nianbao", "check", "--project", root], cwd=root, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)  # exit 1 is fine: synthetic data has findings
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
