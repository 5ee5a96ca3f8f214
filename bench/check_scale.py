#!/usr/bin/env python3
"""How fast is ``nianbao check`` on many department-years?

    python bench/check_scale.py                 # 2000 department-years in a temp dir
    python bench/check_scale.py --n 5000 --repeat 5 --out /tmp/nb-bench
    python bench/check_scale.py --profile       # also cProfile the in-process engine
    python bench/check_scale.py --copying 300   # S5: 300 alike vs 300 unlike sections in one region

Generates N balanced department-years (report years 2019–2024, both formats,
many departments in several regions, each with a realistic narrative) and times,
side by side, the median of ``--repeat`` runs of:

  (a) the baseline: ``pandas.read_csv`` of every CSV file of the project, each
      file once, in this process (pandas already imported);
  (a') the same baseline as a fresh ``python`` process (interpreter + pandas
      import + reading), for a fair comparison with (b);
  (b) ``nianbao check --project DIR`` as a user runs it (a subprocess, stdout to
      /dev/null);
  (c) the engine in this process (``nianbao.engine.check_project``), without
      process start-up.

The issue's aim is ≥ 1,000 department-years per second on the project's 2-core
machine.  This is a measurement, never a test: it asserts nothing.  Timings on a
shared machine vary; compare medians, and run it when the machine is quiet.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import importlib.util
import io
import os
import pstats
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


def copying_case(n: int, repeat: int) -> None:
    """S5 cost when a whole region shares one section, against a region that does not."""
    times, counts = {}, {}
    for kind in ("unlike", "alike", "near"):
        with tempfile.TemporaryDirectory(prefix="nianbao-bench-s5-") as folder:
            copying_project(Path(folder), n, kind)
            project = load_project(Path(folder))
            times[kind] = median_time(lambda project=project: check_project(project), repeat)
            counts[kind] = sum(1 for f in check_project(project).findings if f.rule == "S5")
    print(f"S5：一个地区 {n} 个部门、一个年度，check_project 本进程，取 {repeat} 次的中位数")
    labels = {"unlike": "各不相同", "alike": "第一部分完全相同", "near": "第一部分仅部门名称不同"}
    for kind, seconds in times.items():
        print(f"  {seconds:8.3f} s  S5 {counts[kind]:>5} 项  ÷各不相同 {seconds / times['unlike']:5.2f}  {labels[kind]}")
    print("这是测量，不是测试：不做任何断言。")


def csv_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.csv"))


def read_all_pandas(files) -> int:
    import pandas as pd

    cells = 0
    for path in files:
        frame = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
        cells += frame.size
    return cells


BASELINE_SCRIPT = """
import sys, pandas as pd
for line in open(sys.argv[1], encoding="utf-8"):
    pd.read_csv(line.rstrip("\\n"), encoding="utf-8-sig", dtype=str, keep_default_na=False)
"""


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def nianbao_command() -> list[str]:
    exe = shutil.which("nianbao")
    return [exe] if exe else [sys.executable, "-m", "nianbao"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Time `nianbao check` against a pandas.read_csv baseline.")
    parser.add_argument("--n", type=int, default=2000, help="department-years to generate (default 2000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the median is shown (default 3)")
    parser.add_argument("--out", type=Path, help="project folder to (re)generate; default: a temporary folder, removed afterwards")
    parser.add_argument("--keep", action="store_true", help="keep the generated data if --out is given and already filled")
    parser.add_argument("--profile", action="store_true", help="cProfile one in-process check and print the top functions")
    parser.add_argument("--copying", type=int, metavar="N", help="only the S5 case: N alike vs N unlike sections in one region")
    args = parser.parse_args(argv)
    if args.copying:
        copying_case(args.copying, args.repeat)
        return 0

    temp = None
    if args.out:
        root = args.out.resolve()
        if root.exists() and not args.keep:
            shutil.rmtree(root)
        root.mkdir(parents=True, exist_ok=True)
    else:
        temp = tempfile.TemporaryDirectory(prefix="nianbao-bench-")
        root = Path(temp.name)
    try:
        start = time.perf_counter()
        if args.keep and (root / DEPARTMENTS_FILE).exists():
            count = len(load_project(root).submitted())
        else:
            count = generate(root, args.n)
        gen_time = time.perf_counter() - start
        files = csv_files(root)
        size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
        print(f"项目 {root}：{count} 份年度数据，{len(files)} 个 CSV 文件，共 {size / 1e6:.1f} MB（生成用时 {gen_time:.1f} s）")
        print(f"机器：{os.cpu_count()} 核，负载 {' '.join(f'{x:.2f}' for x in os.getloadavg())}；每项取 {args.repeat} 次的中位数\n")

        import pandas  # noqa: F401  (import cost is not part of the in-process baseline)

        list_file = root.parent / f".{root.name}-csv-list.txt" if args.out else Path(temp.name + "-list.txt")
        list_file.write_text("\n".join(map(str, files)) + "\n", encoding="utf-8")

        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        command = [*nianbao_command(), "check", "--project", str(root)]
        exit_codes = []

        def run_cli():
            exit_codes.append(subprocess.run(command, stdout=subprocess.DEVNULL, env=env).returncode)

        findings = []

        def run_engine():
            run = check_project(load_project(root))
            findings.append(len(run.findings))

        results = [
            ("(a) pandas.read_csv，本进程", median_time(lambda: read_all_pandas(files), args.repeat)),
            ("(a') pandas.read_csv，新进程（含导入 pandas）",
             median_time(lambda: subprocess.run([sys.executable, "-c", BASELINE_SCRIPT, str(list_file)], check=True, env=env),
                         args.repeat)),
            ("(b) nianbao check，新进程", median_time(run_cli, args.repeat)),
            ("(c) check_project，本进程", median_time(run_engine, args.repeat)),
        ]
        list_file.unlink(missing_ok=True)
        baseline = results[0][1]
        width = max(len(label) for label, _ in results)
        print(f"{'':{width}}  {'秒':>8}  {'份/秒':>8}  {'÷(a)':>6}")
        for label, seconds in results:
            print(f"{label:{width}}  {seconds:8.3f}  {count / seconds:8.0f}  {seconds / baseline:6.2f}")
        print(f"\nnianbao check 退出码：{sorted(set(exit_codes))}；发现问题 {findings[-1]} 项（合成数据，S5 等提示属正常）")
        print("目标：≥ 1000 份/秒（issue 2）。这是测量，不是测试：不做任何断言。")

        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            check_project(load_project(root))
            profiler.disable()
            stream = io.StringIO()
            pstats.Stats(profiler, stream=stream).sort_stats("cumulative").print_stats(30)
            print(stream.getvalue())
            stream = io.StringIO()
            pstats.Stats(profiler, stream=stream).sort_stats("tottime").print_stats(20)
            print(stream.getvalue())
    finally:
        if temp is not None:
            temp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
