"""A department's own report notebook (deptnotebook.py): created, used, an input, shown, checked."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import nbformat
import pytest

from conftest import run_cli
from nianbao import formats as F
from nianbao.build.hashing import HashCache
from nianbao.build.plan import REASONS, plan
from nianbao.deptnotebook import department_notebook, missing_parts
from nianbao.engine import check_project
from nianbao.site import OWN_NOTEBOOK_BADGE, draft_index

REPO = Path(__file__).resolve().parents[1]
DEFAULT = REPO / "notebooks" / "annual_report.ipynb"


@pytest.fixture
def project(builder):
    builder.add("demo", 2021, size=12)
    (builder.root / "notebooks").mkdir(exist_ok=True)
    shutil.copy(DEFAULT, builder.root / "notebooks" / "annual_report.ipynb")
    return builder


def _drop_cell(path: Path, call: str) -> None:
    nb = nbformat.read(path, as_version=4)
    nb.cells = [cell for cell in nb.cells if call not in cell.source]
    nbformat.write(nb, path)


def test_nianbao_notebook_creates_a_copy_and_never_overwrites_it(project, capsys):
    code, out, _ = run_cli(capsys, "notebook", "--project", project.root, "--dept", "demo")
    own = department_notebook(project.root, "demo")
    assert code == 0 and "notebooks/departments/demo.ipynb" in out
    assert own.read_bytes() == DEFAULT.read_bytes()
    own.write_text("{}", encoding="utf-8")
    code, _, err = run_cli(capsys, "notebook", "--project", project.root, "--dept", "demo")
    assert code == 2 and "--force" in err and own.read_text(encoding="utf-8") == "{}"
    code, _, err = run_cli(capsys, "notebook", "--project", project.root, "--dept", "nobody")
    assert code == 2 and "部门「nobody」" in err and "Traceback" not in err


def test_missing_parts_are_named(tmp_path):
    path = tmp_path / "nb.ipynb"
    shutil.copy(DEFAULT, path)
    assert missing_parts(path) == []
    _drop_cell(path, "report.section_review()")
    assert missing_parts(path) == [F.SECTION_HEADINGS[3]]
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("for part in report.parts():\n    display(part)"))
    nbformat.write(nb, path)
    assert missing_parts(path) == []


def _plan(project, mode="draft", own=True, **kw):
    root = project.root
    return plan(project.project(), None, None, mode, notebook=root / "notebooks" / "annual_report.ipynb",
                cache=HashCache(root / "cache.json"), own_notebooks=own, **kw)


def test_the_build_uses_the_departments_own_notebook_as_an_input(project):
    (before,) = _plan(project)
    own = department_notebook(project.root, "demo")
    own.parent.mkdir(parents=True)
    shutil.copy(DEFAULT, own)
    nb = nbformat.read(own, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell('report.note("本部门的补充说明")'))
    nbformat.write(nb, own)
    (after,) = _plan(project)
    assert after.job.notebook == str(own)
    assert after.job.inputs["notebook"] == hashlib.sha256(own.read_bytes()).hexdigest()
    assert after.job.inputs["notebook"] != before.job.inputs["notebook"]  # so it reruns as 笔记本已变更
    assert REASONS["notebook"] == "笔记本已变更"
    (named,) = _plan(project, own=False)  # --notebook: what the user named
    assert named.job.notebook.endswith("annual_report.ipynb")


def test_publish_refuses_a_notebook_without_a_required_part(project, capsys):
    own = department_notebook(project.root, "demo")
    own.parent.mkdir(parents=True)
    shutil.copy(DEFAULT, own)
    _drop_cell(own, "report.section_applications()")
    (planned,) = _plan(project, mode="publish")
    assert planned.action == "invalid" and F.SECTION_HEADINGS[2] in planned.message
    assert _plan(project, mode="draft")[0].action == "run"  # a draft may leave parts out
    code, _, err = run_cli(capsys, "render", "--project", project.root, "--dept", "demo", "--year", "2021",
                           "--mode", "publish", "--date", "2022-01-20")
    assert code == 1 and F.SECTION_HEADINGS[2] in err and "departments/demo.ipynb" in err
    assert not (project.root / "outputs" / "publish").exists()


def test_the_draft_index_marks_reports_made_with_a_departments_notebook(project):
    p = project.project()
    assert OWN_NOTEBOOK_BADGE not in draft_index(p, check_project(p), [])
    own = department_notebook(project.root, "demo")
    own.parent.mkdir(parents=True)
    shutil.copy(DEFAULT, own)
    page = draft_index(p, check_project(p), [])
    row = page[page.index('data-dept="demo"'):]
    assert OWN_NOTEBOOK_BADGE in row[: row.index("</tr>")]


@pytest.mark.kernel
def test_build_makes_the_report_with_the_departments_notebook_and_reruns_when_it_changes(project):
    from test_build import build, out_dir

    own = department_notebook(project.root, "demo")
    own.parent.mkdir(parents=True)
    shutil.copy(DEFAULT, own)

    def add_note(text: str) -> None:
        nb = nbformat.read(own, as_version=4)
        nb.cells.append(nbformat.v4.new_code_cell(f'report.note("{text}")'))
        nbformat.write(nb, own)

    add_note("本部门的补充说明")
    first = build(project.root, "--to", "html")
    assert first.code == 0, first.out + first.err
    html = (out_dir(project.root, "draft", 2021, "demo") / "report.html").read_text(encoding="utf-8")
    assert "本部门的补充说明" in html
    assert OWN_NOTEBOOK_BADGE in (project.root / "outputs" / "draft" / "index.html").read_text(encoding="utf-8")
    add_note("第二段")
    second = build(project.root, "--to", "html")
    assert second.code == 0 and REASONS["notebook"] in second.out
