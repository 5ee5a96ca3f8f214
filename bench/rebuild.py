"""Rebuilds, side by side with "today" (bench/baseline.py): how long a build with
nothing changed takes on a province, and how many reports a one-sentence edit
of one department's narrative reruns in the sample district.

    python bench/rebuild.py [--province 2000] [--repeat 5] [--skip-sample | --skip-province]

(1) No-change rebuild: a synthetic province (bench/batch.py's ``synthetic_project``)
    whose outputs are seeded from one real run (``batch.seed_unchanged``), once per
    way and by that way's own planner, so that each way's records are the ones its
    own cold build would leave; one build writes the index pages, then the median
    of ``--repeat`` no-change builds (a new ``nianbao build`` process each, as a
    user runs it) is reported.
(2) Small change: the sample district (this repository's data/, params/,
    notebooks/) copied to a temp folder, built cold (HTML only) by each way; then
    one sentence is added to section 一 of one department's narrative and each
    way builds again: the count of reports it reran (from the build's summary).

Both ways run in the same venv; only PYTHONPATH differs.  Measures, never asserts.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from baseline import BASELINE, ways  # noqa: E402
from batch import BIN, synthetic_project  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
EDITED = ("2023", "jiaoyu")  # the sample department-year whose narrative gets one sentence
SENTENCE = "本年度还进一步完善了政府信息公开指南。"


def nianbao(env: dict, *args, timeout=None) -> subprocess.CompletedProcess:
    return subprocess.run([BIN / "nianbao", *map(str, args)], env=env, capture_output=True, text=True, timeout=timeout)


def seed(env: dict, root: Path, template_root: Path) -> None:
    """Seed ``root``'s outputs by this way's planner (batch.seed_unchanged, run under ``env``)."""
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from pathlib import Path; import batch; "
            "batch.seed_unchanged(Path(sys.argv[2]), Path(sys.argv[3]), ('dept0000', 2023))")
    subprocess.run([sys.executable, "-c", code, str(REPO / "bench"), str(root), str(template_root)],
                   env=env, check=True)


def timed_build(env: dict, root: Path) -> float:
    start = time.perf_counter()
    done = nianbao(env, "build", "--project", root, "--jobs", 2, timeout=120)
    seconds = time.perf_counter() - start
    if "所有报告都是最新的" not in done.stdout:
        raise SystemExit(f"not a no-change build:\n{done.stdout}{done.stderr}")
    return seconds


def no_change(tmp: Path, n: int, repeat: int) -> dict[str, float]:
    template = tmp / "template"
    synthetic_project(template, 1)
    done = nianbao(ways()["now"], "build", "--project", template, "--jobs", 1, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    provinces = {}
    for way, env in ways().items():
        root = tmp / f"province-{way}"
        made = synthetic_project(root, n)
        seed(env, root, template)
        first = nianbao(env, "build", "--project", root, "--jobs", 2, timeout=600)  # the index pages, once
        assert first.returncode == 0 and "生成 0" in first.stdout, first.stdout[-2000:] + first.stderr
        provinces[way] = (root, len(made))
    times: dict[str, list[float]] = {way: [] for way in provinces}
    for _ in range(repeat):  # interleaved, so both ways see the same load
        for way, env in ways().items():
            times[way].append(timed_build(env, provinces[way][0]))
    return {way: statistics.median(values) for way, values in times.items()}


def reran(out: str) -> int:
    found = re.search(r"生成 (\d+)，失败", out)
    return int(found.group(1)) if found else -1


def small_change(tmp: Path) -> dict[str, tuple[int, int]]:
    """{way: (reports in the sample, reports rerun after the edit)}."""
    counts = {}
    for way, env in ways().items():
        root = tmp / f"sample-{way}"
        for part in ("data", "params", "notebooks"):
            shutil.copytree(REPO / part, root / part)
        cold = nianbao(env, "build", "--project", root, "--jobs", 2, "--to", "html", timeout=1800)
        narrative = root / "data" / EDITED[0] / EDITED[1] / "narrative.md"
        text = narrative.read_text(encoding="utf-8")
        first_break = text.index("\n\n", text.index("## ") + 3)
        heading_end = text.index("\n\n", first_break + 2)  # after the first paragraph of section 一
        narrative.write_text(text[:heading_end] + SENTENCE + text[heading_end:], encoding="utf-8")
        again = nianbao(env, "build", "--project", root, "--jobs", 2, "--to", "html", timeout=1800)
        counts[way] = (reran(cold.stdout), reran(again.stdout))
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--province", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-sample", action="store_true", help="only the no-change rebuild")
    parser.add_argument("--skip-province", action="store_true", help="only the small change")
    args = parser.parse_args()
    print(f"today = {BASELINE} · {os.cpu_count()} CPUs · {platform.machine()} · python {platform.python_version()} · "
          f"load {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="nianbao-rebuild-") as name:
        tmp = Path(name)
        if not args.skip_province:
            seconds = no_change(tmp, args.province, args.repeat)
            print(f"no-change build of {args.province} department-years (median of {args.repeat}): "
                  f"today {seconds['today']:.2f} s, now {seconds['now']:.2f} s "
                  f"({seconds['now'] / seconds['today']:.2f}x)")
        if not args.skip_sample:
            counts = small_change(tmp)
            for way, (cold, rerun) in counts.items():
                print(f"sample district, {way}: cold build {cold} reports; one sentence added to "
                      f"data/{EDITED[0]}/{EDITED[1]}/narrative.md reruns {rerun}")


if __name__ == "__main__":
    main()
