"""The whole sample district, built as a user builds it — and the proof that
reusing a warm kernel between reports leaks nothing from one report to another:
two orders of runs in reused kernels and a fresh kernel per report must give the
same bytes for every report.html, report.fragment.html and report.pdf.

The suite's only whole-district test (CI has two cores)."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nianbao.build import build
from nianbao.project import load_project

pytestmark = pytest.mark.kernel

REPO = Path(__file__).resolve().parents[1]
PUBLISHED = ("report.html", "report.fragment.html", "report.pdf")


def copy_sample(target: Path) -> Path:
    for name in ("params", "data", "notebooks"):
        shutil.copytree(REPO / name, target / name)
    return target


def digests(root: Path) -> dict[str, str]:
    draft = root / "outputs" / "draft"
    return {
        path.relative_to(draft).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(draft.glob("*/*/*"))
        if path.name in PUBLISHED
    }


def test_whole_sample_district_builds_and_reused_kernels_leak_nothing(tmp_path):
    root = copy_sample(tmp_path / "district")
    project = load_project(root)
    expected = len(project.submitted())

    # As a user runs it.
    done = subprocess.run([sys.executable, "-m", "nianbao", "build"], cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"共 {expected} 份（草稿）：生成 {expected}，失败 0" in done.stdout
    assert "Traceback" not in done.stderr
    natural = digests(root)
    assert len(natural) == expected * len(PUBLISHED)
    index = (root / "outputs" / "draft" / "index.html").read_text(encoding="utf-8")
    assert "新乡市牧野区" in index and "示例区" in index

    # Reused kernels again, runs in the reverse order: each kernel sees other predecessors.
    result = build(project, force=True, jobs=2, order=lambda jobs: list(reversed(jobs)))
    assert result.ok and len(result.results) == expected
    assert digests(root) == natural

    # A fresh kernel for every report.
    result = build(project, force=True, jobs=2, kernel="fresh")
    assert result.ok
    assert digests(root) == natural
