"""`nianbao render` and the notebook, with real Jupyter kernels."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import nbformat
import pytest

from nianbao import formats as F
from nianbao.testing import ProjectBuilder

pytestmark = pytest.mark.kernel

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "annual_report.ipynb"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """alpha 2020 (V2019) + 2021 (V2021); beta 2021 with an R3 error."""
    root = tmp_path_factory.mktemp("render")
    builder = ProjectBuilder(root, (("alpha", "示例区甲局", "示例区"), ("beta", "示例区乙局", "示例区")))
    builder.add("alpha", 2020, size=80)
    builder.add("alpha", 2021, size=60, fee_notices=1)
    builder.add("beta", 2021, size=20)
    builder.set_cell("beta", 2021, F.APPLICATIONS, F.OUTCOME_TOTAL, "自然人", "999")
    (root / "notebooks").mkdir()
    shutil.copy(NOTEBOOK, root / "notebooks")
    return builder


def render(capsys, root, *args):
    from nianbao import cli

    code = cli.main(["render", "--project", str(root), *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def report_path(root, year, dept, mode="draft"):
    return Path(root) / "outputs" / mode / str(year) / dept / "report.html"


def test_committed_notebook_has_no_outputs_and_a_parameters_cell():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not cell.get("outputs") for cell in nb.cells if cell.cell_type == "code")
    tagged = [cell for cell in nb.cells if "parameters" in cell.metadata.get("tags", [])]
    assert len(tagged) == 1
    assert "department" in tagged[0].source and "year" in tagged[0].source


def test_notebook_runs_with_its_defaults_in_a_real_kernel(tmp_path):
    """What an analyst gets from Run All: no injection, run from notebooks/."""
    import papermill

    out = tmp_path / "defaults.ipynb"
    papermill.execute_notebook(str(NOTEBOOK), str(out), cwd=str(REPO / "notebooks"), progress_bar=False, kernel_name="python3")
    nb = nbformat.read(out, as_version=4)
    html = "".join(o.get("data", {}).get("text/html", "") for c in nb.cells for o in c.get("outputs", []))
    assert "示例区自然资源局2024年政府信息公开工作年度报告" in html
    assert all(o.output_type != "error" for c in nb.cells for o in c.get("outputs", []))


@pytest.mark.parametrize("year", [2020, 2021])
def test_render_writes_html_with_every_label_and_number(capsys, project, year):
    code, out, err = render(capsys, project.root, "--dept", "alpha", "--year", year)
    assert code == 0, err
    assert "已生成" in out
    html = report_path(project.root, year, "alpha").read_text(encoding="utf-8")
    fmt = F.format_for_year(year)
    assert f"<title>示例区甲局{year}年政府信息公开工作年度报告</title>" in html
    labels = [*fmt.application_labels, *F.APPLICATION_COLUMNS, *F.REVIEW_ROWS, *F.REVIEW_COLUMNS, *F.SECTION_HEADINGS,
              F.BALANCE_NOTE, *(item.article for item in fmt.disclosure), *(c.label for _, c in fmt.disclosure_cells())]
    for label in labels:
        assert label in html, label
    other = F.other_format(fmt)
    printed = {part for row in fmt.application_rows for part in row.path}
    assert not [label for label in other.application_labels if label not in printed and label in html]
    from htmlgrid import grid, table_with_class

    values = project.values[("alpha", year)]
    table = grid(table_with_class(html, "applications"))
    for row in table[3:]:
        label = row[2]["text"]
        assert [c["text"] for c in row[3:]] == [str(values[(F.APPLICATIONS, label, col)]) for col in F.APPLICATION_COLUMNS]
    assert (report_path(project.root, year, "alpha").parent / "report.ipynb").exists()


def test_published_html_is_lean_and_self_contained(capsys, project):
    code, _, err = render(capsys, project.root, "--dept", "alpha", "--year", 2021, "--mode", "publish")
    assert code == 0, err
    html = report_path(project.root, 2021, "alpha", "publish").read_text(encoding="utf-8")
    lowered = html.lower()
    assert '<html lang="zh-cn">' in lowered
    for absent in ("<script", "<link", "@font-face", "@import", "jp-inputprompt", "in&nbsp;[", "project_root",
                   str(project.root).lower(), "papermill", "草稿", "数据校验"):
        assert absent not in lowered, absent
    assert 'src="http' not in lowered and "url(http" not in lowered
    assert "<caption" in html and 'scope="col"' in html and 'scope="row"' in html
    assert html.count("<img ") == html.count('alt="') - html.count('alt=""') >= 3
    assert "示例区甲局</p>" in html and "2022年1月20日" in html


def test_rerender_is_byte_identical(capsys, project):
    path = report_path(project.root, 2021, "alpha")
    render(capsys, project.root, "--dept", "alpha", "--year", 2021)
    first = hashlib.sha256(path.read_bytes()).hexdigest()
    render(capsys, project.root, "--dept", "alpha", "--year", 2021)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == first


def test_draft_renders_errors_publish_refuses(capsys, project):
    code, _, err = render(capsys, project.root, "--dept", "beta", "--year", 2021)
    assert code == 0, err
    html = report_path(project.root, 2021, "beta").read_text(encoding="utf-8")
    assert "草稿" in html and "R3" in html and 'class="flag"' in html
    code, _, err = render(capsys, project.root, "--dept", "beta", "--year", 2021, "--mode", "publish")
    assert code == 1
    assert "不能以发布模式生成" in err and "Traceback" not in err
    assert not report_path(project.root, 2021, "beta", "publish").exists()


def test_failing_render_names_the_cell_and_keeps_previous_html(capsys, project, tmp_path):
    path = report_path(project.root, 2020, "alpha")
    if not path.exists():
        render(capsys, project.root, "--dept", "alpha", "--year", 2020)
    before = path.read_bytes()
    nb = nbformat.read(NOTEBOOK, as_version=4)
    index = next(i for i, c in enumerate(nb.cells) if c.source == "report.section_review()")
    nb.cells[index].source += '\nraise RuntimeError("图表数据异常")'
    broken = tmp_path / "broken.ipynb"
    nbformat.write(nb, broken)
    code, _, err = render(capsys, project.root, "--dept", "alpha", "--year", 2020, "--notebook", broken)
    assert code == 1
    assert f"第 {index + 1} 个" in err and "RuntimeError: 图表数据异常" in err
    assert "Traceback" not in err
    assert path.read_bytes() == before
    assert not list(path.parent.glob(".*.tmp"))


def test_unknown_department_and_missing_year_fail_before_any_kernel(capsys, project):
    code, _, err = render(capsys, project.root, "--dept", "gamma", "--year", 2021)
    assert code == 2 and "部门「gamma」不在" in err
    code, _, err = render(capsys, project.root, "--dept", "beta", "--year", 2020)
    assert code == 1 and "没有2020年的数据" in err


def test_word_file_beside_the_draft_and_with_the_publish_records(capsys, project):
    root = project.root
    code, out, err = render(capsys, root, "--dept", "alpha", "--year", 2020, "--to", "html,docx")
    assert code == 0, err
    draft = root / "outputs" / "draft" / "2020" / "alpha" / "report.docx"
    assert draft.is_file() and "outputs/draft/2020/alpha/report.docx" in out
    first = draft.read_bytes()
    render(capsys, root, "--dept", "alpha", "--year", 2020, "--to", "html,docx")
    assert draft.read_bytes() == first  # a rerun gives the same bytes
    code, out, err = render(capsys, root, "--dept", "alpha", "--year", 2020, "--mode", "publish", "--to", "html,docx")
    assert code == 0, err
    assert (root / "outputs" / "runs" / "publish" / "2020" / "alpha" / "report.docx").is_file()
    assert not list((root / "outputs" / "publish").rglob("*.docx"))  # never in the upload folder
    sums = (root / "outputs" / "runs" / "publish" / "2020" / "alpha" / "SHA256SUMS").read_text(encoding="utf-8")
    assert "runs/publish/2020/alpha/report.docx" in sums
