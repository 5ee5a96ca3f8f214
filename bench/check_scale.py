#!/usr/bin/env python3
"""How fast is ``nianbao check`` on a province, today (bench/baseline.py) and now?

    python bench/check_scale.py                      # 2000 department-years over 36 regions, temp dir
    python bench/check_scale.py --linear --repeat 5  # and 4000, for the growth
    python bench/check_scale.py --profile            # also cProfile the in-process engine (now, one process)
    python bench/check_scale.py --copying 300        # S5: 300 alike vs 300 unlike sections in one region
    python bench/check_scale.py --cpu --against REF  # CPU only, the working tree against commit REF

Generates N balanced department-years (report years 2019–2024, both formats,
departments spread over ``--regions`` regions, each with a realistic narrative)
and times, interleaved (pandas, today, now, pandas, today, now …), the median of
``--repeat`` runs of:

  (a) the baseline: a fresh ``python`` process that imports pandas and
      ``pandas.read_csv``-s every CSV file of the project once (the way a user
      would script reading the data);
  (b) ``python -m nianbao check --project DIR`` as a user runs it, once with
      today's sources first on PYTHONPATH, once with the working tree's.

Then it compares ``nianbao check --json`` and the console output of both ways,
byte for byte, for the repository's sample project and the generated province,
and prints "findings identical: yes/no".

The issue's aim (19): now ≤ 0.5 × (a); 2×N ≤ 2.2 × N; a region of 300 alike
narratives ≤ 1.5 × 300 unlike ones.  This is a measurement, never a test: it
asserts nothing.  Timings on a shared machine vary; compare medians, and run it
when the machine is quiet.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import importlib.util
import io
import os
import pstats
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nianbao import formats as F
from nianbao.datafiles import submission_files
from nianbao.engine import check_project
from nianbao.project import DEPARTMENTS_FILE, load_project
from nianbao.textio import UTF8_BOM, csv_text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from baseline import BASELINE  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
YEARS = tuple(range(2019, 2025))
REGIONS = ("东城区", "西城区", "南湖区", "北山区", "临江区", "高新区", "经开区", "新城区")


def region_names(count: int) -> tuple[str, ...]:
    """``count`` region names: the eight above, then 第9区, 第10区 …"""
    return (*REGIONS[:count], *(f"第{k}区" for k in range(len(REGIONS) + 1, count + 1)))


def _sample_module():
    """tools/make_sample.py, for its department profiles and narrative writer."""
    spec = importlib.util.spec_from_file_location("make_sample", REPO / "tools" / "make_sample.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def generate(root: Path, n: int, regions: int = len(REGIONS)) -> int:
    """Write about ``n`` department-years of ``regions`` regions under ``root``; returns how many."""
    sample = _sample_module()
    names = region_names(regions)
    profiles = [d for d in sample.DEPARTMENTS if not d.zero]
    per_dept = len(YEARS)
    departments = -(-n // per_dept)
    rows, written = [], 0
    for i in range(departments):
        region = names[i % len(names)]
        base = profiles[(i // len(names)) % len(profiles)]
        number = i // len(names) + 1
        name = f"{region}第{number}{base.name.removeprefix(sample.REGION)}"
        dept = dataclasses.replace(base, id=f"d{i:05d}", name=name, short="本单位", first_year=YEARS[0])
        rows.append([dept.id, dept.name, region, dept.short, str(i + 1)])
        previous, last_problem, last_items = None, None, []
        for year in YEARS:
            if written >= n:
                break
            fmt = F.format_for_year(year)
            values = sample.department_values(dept, year, previous)
            text, last_problem, last_items = sample.narrative(dept, year, values, last_problem, last_items)
            folder = root / "data" / str(year) / dept.id
            folder.mkdir(parents=True, exist_ok=True)
            for file_name, content in submission_files(fmt, values, text).items():
                bom = UTF8_BOM if file_name.endswith(".csv") else ""
                (folder / file_name).write_bytes((bom + content).encode("utf-8"))
            previous = values
            written += 1
    (root / DEPARTMENTS_FILE).parent.mkdir(parents=True, exist_ok=True)
    (root / DEPARTMENTS_FILE).write_bytes((UTF8_BOM + csv_text(("id", "name", "region", "short_name", "order"), rows)).encode())
    return written


BOILERPLATE = (
    "本机关坚持以公开为常态、不公开为例外，围绕重点领域信息公开持续发力，完善主动公开目录，"
    "规范依申请公开办理流程，加强政府信息管理和平台建设，强化监督保障，切实提升政务公开质量。"
)


def copying_project(root: Path, n: int, kind: str) -> None:
    """``n`` departments of one region, one year; section 一 is ``kind``: each its
    own ("unlike"), one shared boilerplate ("alike"), or the boilerplate after the
    department's name ("near": alike, but no two texts equal)."""
    from nianbao.testing import ProjectBuilder, narrative_for

    departments = tuple((f"d{i:04d}", f"测试区第{i + 1}局", "测试区") for i in range(n))
    builder = ProjectBuilder(root, departments)
    for dept, name, _ in departments:
        builder.add(dept, 2021, size=5)
        values = builder.values[(dept, 2021)]
        own = narrative_for(name, 2021, values)
        if kind != "unlike":
            first = (name if kind == "near" else "") + BOILERPLATE
            head, _, rest = own.partition(f"## {F.SECTION_HEADINGS[4]}")
            own = f"## {F.SECTION_HEADINGS[0]}\n\n{first}\n\n## {F.SECTION_HEADINGS[4]}{rest}"
        builder.add(dept, 2021, values=values, narrative=own)


def copying_case(n: int, repeat: int, ways: dict[str, dict[str, str]]) -> None:
    """S5 cost when a whole region shares one section, against a region that does not,
    today and now (each way in its own process, interleaved); wall and CPU seconds."""
    labels = {"unlike": "各不相同", "alike": "第一部分完全相同", "near": "第一部分仅部门名称不同"}
    times: dict[tuple[str, str], list[tuple[float, float]]] = {}
    counts: dict[tuple[str, str], int] = {}
    with tempfile.TemporaryDirectory(prefix="nianbao-bench-s5-") as folder:
        for kind in labels:
            copying_project(Path(folder) / kind, n, kind)
        for _ in range(repeat):
            for kind in labels:
                for way, env in ways.items():
                    out = subprocess.run([sys.executable, __file__, "--time-engine", str(Path(folder) / kind)], env=env,
                                         check=True, capture_output=True, text=True).stdout.split()
                    times.setdefault((kind, way), []).append((float(out[0]), float(out[1])))
                    counts[(kind, way)] = int(out[2])
    print(f"S5：一个地区 {n} 个部门、一个年度，check_project（新进程中预热一次后计时，不含启动），取 {repeat} 次的中位数")
    print(f"  {'':24} " + "  ".join(f"{way + ' 秒':>9} {'÷各不相同':>6} {'CPU 秒':>7} {'÷各不相同':>6} {'S5':>4}" for way in ways))
    for kind, label in labels.items():
        cells = []
        for way in ways:
            wall, cpu = (statistics.median(t[i] for t in times[(kind, way)]) for i in (0, 1))
            base_wall, base_cpu = (statistics.median(t[i] for t in times[("unlike", way)]) for i in (0, 1))
            cells.append(f"{wall:9.3f} {wall / base_wall:9.2f} {cpu:7.3f} {cpu / base_cpu:9.2f} {counts[(kind, way)]:4}")
        print(f"  {label:24} " + "  ".join(cells))
    print("这是测量，不是测试：不做任何断言。")


def time_engine(root: Path) -> None:
    """(In a subprocess of either way.) One warm-up, then one timed in-process check:
    wall seconds, CPU seconds and the S5 count."""
    project = load_project(root)
    check_project(project)
    start, start_cpu = time.perf_counter(), time.process_time()
    run = check_project(load_project(root))
    seconds, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    print(f"{seconds:.4f} {cpu:.4f} {sum(1 for f in run.findings if f.rule == 'S5')}")


def engine_cpu(root: Path) -> None:
    """(In a subprocess of either way.) CPU seconds of one cold in-process check in
    one process (``jobs=1``): the check's own work, without start-up and import."""
    start = time.process_time()
    check_project(load_project(root), jobs=1)
    print(f"{time.process_time() - start:.4f}")


def cpu_case(root: Path, n: int, regions: int, ways, repeat: int) -> None:
    """CPU seconds of each way, interleaved: an in-process check (one process) and
    ``nianbao check`` as a user runs it (the process and its forked worker)."""
    count = generate(root, n, regions)
    engine: dict[str, list[float]] = {way: [] for way in ways}
    for _ in range(repeat):
        for way, env in ways.items():
            out = subprocess.run([sys.executable, __file__, "--engine-cpu", str(root)], env=env, check=True,
                                 capture_output=True, text=True).stdout
            engine[way].append(float(out))
    _, cli = time_ways(ways, lambda way: [*nianbao_command(), "check", "--project", str(root)], repeat)
    first, last = list(ways)
    print(f"\n{count} 份年度数据，{regions} 个地区；CPU 秒，取 {repeat} 次的中位数（交替运行）")
    for label, medians in (("check_project，单进程（jobs=1）", {w: statistics.median(v) for w, v in engine.items()}),
                           ("nianbao check，新进程（含子进程）", cli)):
        print(f"  {label:34} " + "  ".join(f"{way} {medians[way]:.3f}" for way in ways)
              + f"  {last}÷{first} {medians[last] / medians[first]:.3f}")


def csv_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.csv"))


BASELINE_SCRIPT = """
import sys, pandas as pd
for line in open(sys.argv[1], encoding="utf-8"):
    pd.read_csv(line.rstrip("\\n"), encoding="utf-8-sig", dtype=str, keep_default_na=False)
"""


def nianbao_command() -> list[str]:
    # the interpreter's module, so that PYTHONPATH (today's or the working tree's sources) decides the code
    return [sys.executable, "-m", "nianbao"]


def identical_findings(ways: dict[str, dict[str, str]], projects: list[Path]) -> bool:
    """``nianbao check --json`` and the console output of every way byte-identical, per project."""
    same = True
    for root in projects:
        for extra in (["--json"], []):
            outputs = {way: subprocess.run([*nianbao_command(), "check", "--project", str(root), *extra], env=env,
                                           capture_output=True).stdout for way, env in ways.items()}
            equal = len(set(outputs.values())) == 1
            same &= equal
            print(f"  {root.name or root} {' '.join(extra) or '（控制台）'}：{'相同' if equal else '不同'}"
                  f"（{len(next(iter(outputs.values())))} 字节）")
    return same


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_ways(ways, command_for, repeat: int) -> tuple[dict[str, float], dict[str, float]]:
    """Median wall and CPU seconds (the process and its workers) of each way's
    command, run interleaved (today, now, today, now …)."""
    times: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    for _ in range(repeat):
        for way, env in ways.items():
            start, start_cpu = time.perf_counter(), _children_cpu()
            subprocess.run(command_for(way), env=env, stdout=subprocess.DEVNULL, check=False)
            times.setdefault(way, []).append(time.perf_counter() - start)
            cpu.setdefault(way, []).append(_children_cpu() - start_cpu)
    return ({way: statistics.median(values) for way, values in times.items()},
            {way: statistics.median(values) for way, values in cpu.items()})


def province(root: Path, n: int, regions: int, ways, repeat: int) -> dict[str, float]:
    """Generate a province and time pandas-only reading against each way's ``nianbao check``."""
    start = time.perf_counter()
    count = generate(root, n, regions)
    files = csv_files(root)
    size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    print(f"\n项目 {root}：{count} 份年度数据，{regions} 个地区，{len(files)} 个 CSV 文件，共 {size / 1e6:.1f} MB"
          f"（生成用时 {time.perf_counter() - start:.1f} s）")
    list_file = root / "csv-list.txt"
    list_file.write_text("\n".join(map(str, files)) + "\n", encoding="utf-8")
    pandas_way = {"pandas": {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}}
    all_ways = {**pandas_way, **ways}

    def command_for(way):
        if way == "pandas":
            return [sys.executable, "-c", BASELINE_SCRIPT, str(list_file)]
        return [*nianbao_command(), "check", "--project", str(root)]

    medians, cpu = time_ways(all_ways, command_for, repeat)
    list_file.unlink()
    baseline = medians["pandas"]
    labels = {"pandas": "(a) pandas.read_csv 读取全部 CSV，新进程（含导入 pandas）",
              **{way: f"(b) nianbao check，新进程，{way}" for way in ways}}
    width = max(len(label) for label in labels.values())
    print(f"{'':{width}}  {'秒':>8}  {'份/秒':>8}  {'÷(a)':>6}  {'CPU 秒':>8}  {'÷(a)':>6}")
    for way, label in labels.items():
        print(f"{label:{width}}  {medians[way]:8.3f}  {count / medians[way]:8.0f}  {medians[way] / baseline:6.2f}"
              f"  {cpu[way]:8.3f}  {cpu[way] / cpu['pandas']:6.2f}")
    return medians


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Time `nianbao check`, today's and now, against a pandas.read_csv baseline.")
    parser.add_argument("--n", type=int, default=2000, help="department-years to generate (default 2000)")
    parser.add_argument("--regions", type=int, default=36, help="regions the departments are spread over (default 36)")
    parser.add_argument("--linear", action="store_true", help="also a province of 2×N department-years, for the growth")
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement; the median is shown (default 5)")
    parser.add_argument("--out", type=Path, help="folder for the generated projects (default: a temporary folder, removed)")
    parser.add_argument("--profile", action="store_true", help="cProfile one in-process check (now) and print the top functions")
    parser.add_argument("--copying", type=int, metavar="N", help="only the S5 case: N alike vs N unlike sections in one region")
    parser.add_argument("--cpu", action="store_true", help="only CPU seconds: an in-process check and `nianbao check`")
    parser.add_argument("--against", default=BASELINE, metavar="REF",
                        help=f"the commit run as 'today' (default {BASELINE}, the issue's baseline)")
    parser.add_argument("--time-engine", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--engine-cpu", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.time_engine:
        time_engine(args.time_engine)
        return 0
    if args.engine_cpu:
        engine_cpu(args.engine_cpu)
        return 0
    from baseline import ways as both_ways

    ways = both_ways(args.against)
    print(f"机器：{os.cpu_count()} 核，负载 {' '.join(f'{x:.2f}' for x in os.getloadavg())}；"
          f"today = {args.against}，now = 工作区；每项取 {args.repeat} 次的中位数（交替运行）")
    if args.copying:
        copying_case(args.copying, args.repeat, ways)
        return 0
    if args.cpu:
        with tempfile.TemporaryDirectory(prefix="nianbao-bench-cpu-") as folder:
            cpu_case(Path(folder) / f"province-{args.n}", args.n, args.regions, ways, args.repeat)
            same = identical_findings(ways, [REPO, Path(folder) / f"province-{args.n}"])
        print(f"findings identical: {'yes' if same else 'no'}")
        return 0

    temp = tempfile.TemporaryDirectory(prefix="nianbao-bench-") if args.out is None else None
    folder = Path(temp.name) if temp else args.out.resolve()
    try:
        sizes = [args.n, 2 * args.n] if args.linear else [args.n]
        results = {}
        for n in sizes:
            root = folder / f"province-{n}"
            if root.exists():
                shutil.rmtree(root)
            results[n] = province(root, n, args.regions, ways, args.repeat)
        if args.linear:
            print(f"\n{2 * args.n} ÷ {args.n} 份年度数据的用时：" + "，".join(
                f"{way} {results[2 * args.n][way] / results[args.n][way]:.2f}" for way in ways))
        print("\n发现问题是否与 today 逐字节相同（--json 与控制台输出）：")
        same = identical_findings(ways, [REPO, folder / f"province-{args.n}"])
        print(f"findings identical: {'yes' if same else 'no'}")
        if args.profile:
            profile(folder / f"province-{args.n}")
        print(f"机器负载（结束时）：{' '.join(f'{x:.2f}' for x in os.getloadavg())}。这是测量，不是测试：不做任何断言。")
    finally:
        if temp is not None:
            temp.cleanup()
    return 0


def profile(root: Path) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    check_project(load_project(root), jobs=1)
    profiler.disable()
    for order, count in (("cumulative", 30), ("tottime", 20)):
        stream = io.StringIO()
        pstats.Stats(profiler, stream=stream).sort_stats(order).print_stats(count)
        print(stream.getvalue())


if __name__ == "__main__":
    sys.exit(main())
