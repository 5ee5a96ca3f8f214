"""Shared fixtures: small department-years built in tmp_path with ProjectBuilder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nianbao import cli
from nianbao import formats as F
from nianbao.testing import ProjectBuilder

APP = F.APPLICATIONS
ORG_COLUMNS = F.APPLICATION_COLUMNS[:-1]  # the six applicant columns (no 总计)

TWO_DEPARTMENTS = (
    ("alpha", "示例区甲局", "示例区"),
    ("beta", "示例区乙局", "示例区"),
)


@pytest.fixture(autouse=True)
def _no_project_env(monkeypatch):
    # A developer's NIANBAO_PROJECT must not leak into the tests.
    monkeypatch.delenv("NIANBAO_PROJECT", raising=False)


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory) -> Path:
    """Where tests leave pictures for people to look at (screenshots, PDF pages):
    NIANBAO_TEST_ARTIFACTS when set (kept after the run), else a temporary
    folder of this session; never the source tree.  Run with -s to see the path."""
    chosen = os.environ.get("NIANBAO_TEST_ARTIFACTS")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def builder(tmp_path):
    """An empty project with the one department ``demo`` (region 示例区)."""
    return ProjectBuilder(tmp_path)


@pytest.fixture
def project_2020_2021(builder):
    """demo 2020 (V2019) and 2021 (V2021): every rule holds."""
    builder.add("demo", 2020, size=40)
    builder.add("demo", 2021, size=40)
    return builder


def only(run, rule, year=None):
    """The findings of one rule (optionally one year) of a CheckRun or list."""
    findings = run.findings if hasattr(run, "findings") else run
    return [f for f in findings if f.rule == rule and (year is None or f.year == year)]


def rules_of(run) -> set[str]:
    findings = run.findings if hasattr(run, "findings") else run
    return {f.rule for f in findings}


def readd(builder, dept, year, edit):
    """Rewrite a department-year from its values after ``edit(values)``; the
    narrative is regenerated from the edited values so S4 keeps holding."""
    values = dict(builder.values[(dept, year)])
    edit(values)
    builder.add(dept, year, values=values)
    return values


def move_outcome(values, column, source, target, n=1):
    """Move n applications of one column from one outcome row to another,
    keeping the 总计 column consistent (R1–R3 keep holding)."""
    assert values[(APP, source, column)] >= n, "fixture too small for this move"
    for col in (column, F.TOTAL):
        values[(APP, source, col)] -= n
        values[(APP, target, col)] += n


def run_cli(capsys, *argv):
    """Run ``nianbao`` in-process; returns (exit code, stdout, stderr)."""
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory) -> Path:
    """The sample district built once per session (publish mode, HTML, PDF and the
    Word files for sign-off): the published reports the history-import tests read
    back, and the Word files tests/test_word.py reads back."""
    repo = Path(__file__).resolve().parents[1]
    root = tmp_path_factory.mktemp("sample")
    for name in ("params", "data", "notebooks"):
        shutil.copytree(repo / name, root / name)
    done = subprocess.run([sys.executable, "-m", "nianbao", "build", "--mode", "publish", "--to", "html,pdf,docx"],
                          cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return root


def report_notebook(report):
    """A notebook holding the report's parts as display outputs (what the kernel
    makes), for exporting a report's page without a kernel."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    for part in report.parts():
        rendered = part._repr_html_()
        html, metadata = rendered if isinstance(rendered, tuple) else (rendered, {})
        output = nbformat.v4.new_output(
            "display_data", data={"text/html": html}, metadata={"text/html": metadata} if metadata else {}
        )
        nb.cells.append(nbformat.v4.new_code_cell("report.part()", outputs=[output]))
    return nb
