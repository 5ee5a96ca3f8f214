"""The PDF step: ``nianbao.pdf.html_to_pdf`` today (the baseline commit) versus now.

    python bench/pdf.py [--rounds 3] [--repeat 5] [--reports 2020/ziranziyuan,2022/shichangjianguan,...]
    python bench/pdf.py --html-from outputs/draft     # take report.html from an existing build
    python bench/pdf.py --pages /tmp/nianbao-pdf-pages   # also compare page images, today vs now

The sample project (``data/``, ``params/``, ``notebooks/`` of this repository) is
copied to a temp folder per way and its report pages are built there
(``nianbao build --to html``) by that way's code: each way lays out the pages it
makes itself.  (They differ in the provenance line's digest and, since the
charts are written as RGB, not RGBA with an all-opaque alpha, in the charts'
bytes: the same pixels in fewer bytes.  ``--html-from`` gives both ways the same
pages instead.)
Then, for each round, two fresh processes -- one with the baseline's sources
first on the import path (``bench/baseline.py``), one with the working tree's,
in alternating order -- each make every report's PDF with the same arguments
the build passes (title, author, publication date, the department-year's
files and a manifest attached): the first call per report is the cold one
(reported, not counted), then ``--repeat`` warm calls whose median is that
round's figure.  Seconds are the process's CPU time (``time.process_time``:
the PDF step is single-threaded, and on a shared machine CPU time is what
stays comparable); the warm wall-clock medians are printed too.  The script prints, per report, the median over rounds of
today's and now's warm seconds and their ratio, the cold first calls, and
whether each way gave byte-identical PDFs on every call.

``--pages DIR`` keeps each way's PDFs in DIR, renders every page at 100 dpi
with ``pdftoppm`` (poppler-utils) and prints, per report, the page counts and,
per page, the share of pixels that differ between today and now (any
difference, and differences above 40 grey levels).  DIR is outside the
repository: the images are evidence for a run, not files of the kit.

Timings are wall-clock medians on a shared machine: read the ratios.  This
script measures; it never asserts a time and is not part of the tests.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# One report of the 2019 format (V2019, year 2020) and 2021+ reports; shichangjianguan
# 2022 has the longest narrative of the sample, quzhengfu the extra narrative tables.
DEFAULT_REPORTS = "2020/ziranziyuan,2022/shichangjianguan,2024/ziranziyuan,2023/quzhengfu"


def sample_project(root: Path) -> Path:
    for name in ("data", "params", "notebooks"):
        shutil.copytree(REPO / name, root / name)
    return root


def build_pages(root: Path, reports: list[tuple[int, str]], env: dict[str, str]) -> Path:
    """The sample project copied to ``root`` and its report pages built (HTML only) by ``env``'s code."""
    sample_project(root)
    years = ",".join(sorted({str(year) for year, _ in reports}))
    depts = ",".join(sorted({dept for _, dept in reports}))
    subprocess.run([BIN / "nianbao", "build", "--project", root, "--to", "html", "--year", years, "--dept", depts],
                   cwd=root, env=env, check=True, capture_output=True)
    return root / "outputs" / "draft"


def jobs(project: Path, pages: Path, reports: list[tuple[int, str]]) -> list[tuple[str, str, dict]]:
    """(label, page, html_to_pdf keyword arguments) per report, as the build makes them."""
    from nianbao import formats as F
    from nianbao.build.records import to_json
    from nianbao.config import report_settings
    from nianbao.pdf import source_attachments
    from nianbao.project import load_project

    departments = load_project(project).departments
    made = []
    for year, dept in reports:
        name = departments[dept].name
        attachments = source_attachments(project, dept, year)
        attachments["manifest.json"] = to_json({"department": dept, "year": year})
        made.append((f"{year}/{dept}", (pages / str(year) / dept / "report.html").read_text(encoding="utf-8"), {
            "title": F.TITLE_PATTERN.format(name=name, year=year), "author": name,
            "subject": "政府信息公开工作年度报告",
            "publication_date": report_settings(project, dept, year, None).publication_date,
            "attachments": attachments,
        }))
    return made


def worker(spec: Path, repeat: int, save: Path | None = None) -> None:
    """In a fresh process: cold call, then ``repeat`` warm calls per report; JSON on stdout."""
    from nianbao.pdf import html_to_pdf

    result = {}
    pdf = b""
    for label, html, kwargs in pickle.loads(spec.read_bytes()):
        times, cpu, digests = [], [], set()
        for _ in range(repeat + 1):
            start, start_cpu = time.perf_counter(), time.process_time()
            pdf = html_to_pdf(html, **kwargs)
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
            digests.add(hashlib.sha256(pdf).hexdigest())
        if save is not None:
            save.mkdir(parents=True, exist_ok=True)
            (save / f"{label.replace('/', '-')}.pdf").write_bytes(pdf)
        result[label] = {"cold": cpu[0], "warm": statistics.median(cpu[1:]), "wall": statistics.median(times[1:]),
                         "identical": len(digests) == 1, "digest": digests.pop()[:12]}
    print(json.dumps(result))


def run_way(env: dict[str, str], spec: Path, repeat: int, save: Path | None = None) -> dict:
    command = [sys.executable, __file__, "--worker", str(spec), "--repeat", str(repeat)]
    done = subprocess.run([*command, *(["--save", str(save)] if save else [])],
                          env=env, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def page_images(pdf: Path, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "100", "-png", str(pdf), str(folder / pdf.stem)], check=True)
    return sorted(folder.glob(f"{pdf.stem}-*.png"))


def compare_pages(folder: Path, labels: list[str]) -> None:
    """Page counts and the share of differing pixels per page, today's PDF against now's."""
    from PIL import Image, ImageChops

    print(f"page images (pdftoppm, 100 dpi) in {folder}: share of pixels that differ, any / above 40 grey levels")
    for label in labels:
        stem = label.replace("/", "-")
        today, now = (page_images(folder / way / f"{stem}.pdf", folder / f"png-{way}") for way in ("today", "now"))
        shares = []
        for a, b in zip(today, now, strict=False):
            diff = ImageChops.difference(Image.open(a).convert("L"), Image.open(b).convert("L"))
            histogram, pixels = diff.histogram(), diff.width * diff.height
            shares.append(f"{100 * (pixels - histogram[0]) / pixels:.2f}/{100 * sum(histogram[41:]) / pixels:.2f}%")
        print(f"  {label}: pages today {len(today)}, now {len(now)}; " + " ".join(shares))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reports", default=DEFAULT_REPORTS)
    parser.add_argument("--html-from", type=Path, help="an outputs/draft folder of the sample project")
    parser.add_argument("--pages", type=Path, help="keep the PDFs here and compare their page images")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--save", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.repeat, args.save)
        return

    sys.path.insert(0, str(REPO / "src"))
    sys.path.insert(0, str(REPO / "bench"))
    from baseline import BASELINE, ways

    reports = [(int(year), dept) for year, dept in (item.split("/") for item in args.reports.split(","))]
    load = os.getloadavg()[0]
    envs = ways()
    with tempfile.TemporaryDirectory(prefix="nianbao-pdf-bench-") as tmp:
        specs = {}
        for way, env in envs.items():
            project = Path(tmp) / way
            if args.html_from:
                pages = args.html_from
                sample_project(project)
            else:
                pages = build_pages(project, reports, env)
            specs[way] = Path(tmp) / f"jobs-{way}.pickle"
            specs[way].write_bytes(pickle.dumps(jobs(project, pages, reports)))
        runs: dict[str, list[dict]] = {"today": [], "now": []}
        for round_ in range(args.rounds):
            order = ("today", "now") if round_ % 2 == 0 else ("now", "today")
            for way in order:
                save = args.pages / way if args.pages and round_ == 0 else None
                runs[way].append(run_way(envs[way], specs[way], args.repeat, save))
    load_end = os.getloadavg()[0]

    print(f"html_to_pdf per report, warm (median of {args.repeat} calls after a cold one), "
          f"median of {args.rounds} rounds; today = {BASELINE}")
    print(f"machine: nproc {os.cpu_count()}, load average {load:.2f} at start, {load_end:.2f} at end")
    print("seconds: CPU time of the worker process per call; wall = wall-clock of the warm calls")
    print(f"{'report':<24}{'today s':>9}{'now s':>9}{'now/today':>11}{'cold today':>12}{'cold now':>10}"
          f"{'wall today':>12}{'wall now':>10}  same bytes")
    totals = {"today": 0.0, "now": 0.0}
    for label in (f"{year}/{dept}" for year, dept in reports):
        warm = {way: statistics.median(run[label]["warm"] for run in runs[way]) for way in runs}
        cold = {way: statistics.median(run[label]["cold"] for run in runs[way]) for way in runs}
        wall = {way: statistics.median(run[label]["wall"] for run in runs[way]) for way in runs}
        same = {way: all(run[label]["identical"] for run in runs[way])
                and len({run[label]["digest"] for run in runs[way]}) == 1 for way in runs}
        totals = {way: totals[way] + warm[way] for way in totals}
        print(f"{label:<24}{warm['today']:>9.3f}{warm['now']:>9.3f}{warm['now'] / warm['today']:>11.2f}"
              f"{cold['today']:>12.3f}{cold['now']:>10.3f}{wall['today']:>12.3f}{wall['now']:>10.3f}"
              f"  today {same['today']}, now {same['now']}")
    n = len(reports)
    print(f"{'mean s/report':<24}{totals['today'] / n:>9.3f}{totals['now'] / n:>9.3f}"
          f"{totals['now'] / totals['today']:>11.2f}")
    if args.pages:
        compare_pages(args.pages, [f"{year}/{dept}" for year, dept in reports])


if __name__ == "__main__":
    main()
