"""Batch throughput: the naive loop a user would write versus `nianbao build`, today's and now's.

    python bench/batch.py                      # the sample district (params/, data/, notebooks/ of the repo)
    python bench/batch.py --synthetic 40       # N synthetic department-years instead
    python bench/batch.py --skip-naive --skip-dask --repeat 1

On a copy of the project in a temp folder, side by side, each way run with
"today's" kit (``bench/baseline.py``: the commit before the performance work,
through PYTHONPATH) and with the working tree's ("now"), interleaved:

  (a) the naive loop: for each department-year the `papermill` CLI, then
      `jupyter nbconvert --to html --no-input`, one after the other (HTML only; now's kit);
  (b) `nianbao build --force`, cold (empty outputs/), HTML and PDF, --jobs 2;
  (w) the same with the Word file too (--to html,pdf,docx);
  (d) the same as (b) on a Dask LocalCluster of 2 worker processes (now only; a fresh
      cluster per round, started untimed as the README starts workers: the kit's
      preload, the profiler off), in every round right after (b);
  (f) the floor: the same report content (every part of the report, the HTML
      page and the PDF) by plain Python calls into the kit, one process, no kernel;
and prints reports per minute, the ratios to (a), CPU seconds per report, the
overhead above the floor, and each stage's seconds per report (from the runs'
manifests).  CPU is the machine's (from /proc/stat), since workers and kernels
are not this script's waited-for children: other load on a shared machine
inflates it, so read ratios from one run.

The no-change rebuild of a seeded province is bench/rebuild.py's (it uses
``synthetic_project`` and ``seed_unchanged`` from here); `nianbao check` at scale is
bench/check_scale.py's.

This script measures; it asserts nothing and is not part of the tests.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from baseline import BASELINE, ways  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "annual_report.ipynb"
BIN = Path(sys.executable).parent


def sample_project(root: Path) -> None:
    for name in ("params", "data", "notebooks"):
        shutil.copytree(REPO / name, root / name)


def synthetic_project(root: Path, n: int, per_region: int = 40) -> list[tuple[str, int]]:
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
    """CPU seconds the whole machine has spent (user + system, all cores), from /proc/stat."""
    with open("/proc/stat", encoding="ascii") as handle:
        fields = handle.readline().split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, _steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def run(command, cwd, env=None, timeout=None) -> tuple[float, float]:
    """(wall seconds, machine CPU seconds) of a command."""
    cpu = machine_cpu()
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
    wall = time.perf_counter() - start
    if done.returncode not in (0, 1):  # 1: some reports have findings; still a complete build
        raise SystemExit(f"{command} failed ({done.returncode}):\n{done.stdout.decode(errors='replace')[-3000:]}")
    return wall, machine_cpu() - cpu


def built_reports(root: Path) -> list[tuple[str, int]]:
    return sorted((p.parent.name, int(p.parent.parent.name)) for p in (root / "outputs" / "draft").glob("*/*/manifest.json"))


def naive_loop(root: Path, made, env) -> tuple[float, float]:
    out = root / "naive"
    out.mkdir(exist_ok=True)
    wall = cpu = 0.0
    for dept, year in made:
        executed = out / f"{year}-{dept}.ipynb"
        for command in (
            [BIN / "papermill", root / "notebooks" / "annual_report.ipynb", executed, "-p", "department", dept,
             "-p", "year", str(year), "-p", "project_root", str(root), "--cwd", str(root / "notebooks"),
             "--no-progress-bar"],
            [BIN / "jupyter", "nbconvert", "--to", "html", "--no-input", executed],
        ):
            w, c = run(command, root, env)
            wall, cpu = wall + w, cpu + c
    return wall, cpu


def build(root: Path, env, *extra, timeout=None) -> tuple[float, float]:
    return run([BIN / "nianbao", "build", "--project", root, "--jobs", "2", *extra], root, env, timeout)


def stages(root: Path) -> dict[str, float]:
    """Median seconds per report of each stage, from the runs' manifests."""
    found: dict[str, list[float]] = {}
    for path in (root / "outputs" / "draft").glob("*/*/manifest.json"):
        for stage, seconds in json.loads(path.read_text(encoding="utf-8"))["seconds"].items():
            found.setdefault(stage, []).append(seconds)
    return {stage: statistics.median(values) for stage, values in sorted(found.items())}


def floor(root: Path, made) -> None:
    """The report's own work, no kernel: every part, the page and the PDF, in this
    process.  Run as `python bench/batch.py --floor ROOT` under each way's PYTHONPATH."""
    from nianbao.build.records import to_json as _json
    from nianbao.pdf import html_to_pdf, source_attachments
    from nianbao.report import open_report

    open_report(made[0][0], made[0][1], root)  # warm imports, as a worker is warm
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


def floor_run(root: Path, made, env) -> tuple[float, float]:
    listing = root / "floor.json"
    listing.write_text(json.dumps(made), encoding="utf-8")
    return run([sys.executable, __file__, "--floor", str(root)], root, env)


class LocalCluster:
    """A Dask LocalCluster of 2 single-threaded worker processes in a child process
    (so its workers get the way's environment); its scheduler address."""

    # Workers as the README starts them: the statistical profiler off, the kit's preload.
    CODE = ("import sys, time, dask\nfrom distributed import LocalCluster\n"
            "dask.config.set({'distributed.worker.profile.enabled': False})\n"
            "c = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,\n"
            "                 preload=['nianbao.build.cluster'])\n"
            "print(c.scheduler_address, flush=True)\nsys.stdin.read()\nc.close()\n")

    def __init__(self, env):
        self.process = subprocess.Popen([sys.executable, "-c", self.CODE], env=env, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.address = self.process.stdout.readline().strip()

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=60)


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
    return f"{name:52} {wall:8.1f} {per_minute:10.1f} {cpu_text}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic", type=int, metavar="N", help="N synthetic department-years instead of the sample")
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument("--skip-word", action="store_true")
    parser.add_argument("--skip-dask", action="store_true")
    parser.add_argument("--repeat", type=int, default=1, help="cold builds per way (median; default 1)")
    parser.add_argument("--floor", metavar="ROOT", help=argparse.SUPPRESS)  # the floor, in a child process
    args = parser.parse_args()
    if args.floor:
        root = Path(args.floor)
        floor(root, [tuple(x) for x in json.loads((root / "floor.json").read_text(encoding="utf-8"))])
        return

    envs = ways()
    with tempfile.TemporaryDirectory(prefix="nianbao-bench-") as tmp:
        root = Path(tmp) / "project"
        if args.synthetic:
            synthetic_project(root, args.synthetic)
        else:
            sample_project(root)
        print(f"{'synthetic' if args.synthetic else 'sample district'} · today = {BASELINE} · {os.cpu_count()} CPUs · "
              f"{platform.machine()} · python {platform.python_version()} · load {os.getloadavg()[0]:.2f}")
        cold: dict[str, list[tuple[float, float]]] = {way: [] for way in envs}
        stage: dict[str, dict[str, float]] = {}
        dask_runs: list[tuple[float, float]] = []
        for _ in range(args.repeat):
            for way, env in envs.items():  # interleaved: the same machine state for both
                shutil.rmtree(root / "outputs", ignore_errors=True)
                cold[way].append(build(root, env, "--force"))
                stage[way] = stages(root)
            if not args.skip_dask:  # beside now's local build of the same round; a fresh cluster each time
                cluster = LocalCluster(envs["now"])
                try:
                    shutil.rmtree(root / "outputs", ignore_errors=True)
                    dask_runs.append(build(root, envs["now"], "--force", "--scheduler", cluster.address))
                finally:
                    cluster.close()
        rows = {f"b {way}": (statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs))
                for way, runs in cold.items()}
        made = built_reports(root)
        n = len(made)
        print(f"{n} department-years, --jobs 2")
        print(f"{'way of running':52} {'wall s':>8} {'reports/min':>10} {'CPU s/report':>9}")
        for way in envs:
            print(line(f"(b) nianbao build --force, HTML+PDF, {way}", n, *rows[f"b {way}"]))
        if not args.skip_word:
            for way, env in envs.items():
                shutil.rmtree(root / "outputs", ignore_errors=True)
                rows[f"w {way}"] = build(root, env, "--force", "--to", "html,pdf,docx")
                print(line(f"(w) the same with Word, {way}", n, *rows[f"w {way}"]))
        if dask_runs:
            rows["d now"] = (statistics.median(w for w, _ in dask_runs), statistics.median(c for _, c in dask_runs))
            print(line("(d) the same as (b) on a Dask LocalCluster (2 workers), now", n, *rows["d now"]))
        for way, env in envs.items():
            rows[f"f {way}"] = floor_run(root, made, env)
            print(line(f"(f) floor: kit calls in one process, no kernel, {way}", n, *rows[f"f {way}"]))
        if not args.skip_naive:
            rows["a"] = naive_loop(root, made, envs["now"])
            print(line("(a) papermill CLI + nbconvert CLI, HTML only", n, *rows["a"]))

        print()
        for way in envs:
            print(f"{way}: seconds per report by stage (median, inside a worker): "
                  + ", ".join(f"{k} {v:.2f}" for k, v in stage[way].items()))
        ratio = {k: stage["now"].get(k, float("nan")) / v for k, v in stage["today"].items() if v}
        print("stage now ÷ today: " + ", ".join(f"{k} {v:.2f}" for k, v in ratio.items()))
        for way in envs:
            b, f = rows[f"b {way}"], rows[f"f {way}"]
            over = (b[1] - f[1]) / n
            rows[f"over {way}"] = (over, 0.0)
            text = f"{way}: CPU per report over the floor {over:.2f} s"
            if "a" in rows:
                text += f"; throughput (b)/(a) {rows['a'][0] / b[0]:.2f}x"
                if f"w {way}" in rows:
                    text += f", with Word (w)/(a) {rows['a'][0] / rows[f'w {way}'][0]:.2f}x"
            print(text)
        print(f"overhead over the floor, now ÷ today: {rows['over now'][0] / rows['over today'][0]:.2f}")
        if "d now" in rows:
            from nianbao.build.cluster import chunk

            pairs = [d / b for (d, _), (b, _) in zip(dask_runs, cold["now"], strict=True)]
            tasks = len(chunk(made, 2))
            extra = rows["d now"][0] - rows["b now"][0]
            print(f"Dask ÷ local pool (wall, medians), now: {rows['d now'][0] / rows['b now'][0]:.2f}; "
                  f"per task {extra / tasks * 2:+.2f} s ({tasks} tasks on 2 workers); "
                  f"round by round: {', '.join(f'{r:.2f}' for r in pairs)}")


if __name__ == "__main__":
    main()
