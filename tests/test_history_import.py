"""Importing published report pages (issue 16): the round trip over the whole
sample, a messy corpus made from the sample's pages, the audit, which
department and year, history in the build and the index, and hostile input.

The kernel-marked tests share one publish build of the sample (``sample_site``
in conftest.py, also used by the PDF and Word tests), made once per session; the rest make small pages from a ProjectBuilder project
with the report's own Python parts, without kernels."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

import messy
from conftest import run_cli
from nianbao import formats as F
from nianbao.build.plan import Planned, hold_history
from nianbao.folders import IMPORT_FILE, contract_files
from nianbao.importing import html as html_reader
from nianbao.importing.page import markdown_text
from nianbao.importing.section_six import read_fees
from nianbao.project import load_project
from nianbao.testing import ProjectBuilder
from nianbao.textio import decode, parse_csv

REPO = Path(__file__).resolve().parents[1]
V2021_PAGE, V2019_PAGE = (2022, "shichangjianguan"), (2020, "ziranziyuan")


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def csv_cells(path: Path) -> list[list[str]]:
    header, rows = parse_csv(decode(path.read_bytes(), path.name), path.name)
    return [header, *(row for _, row in rows)]


def empty_project(root: Path, source: Path) -> Path:
    """A project with the source's department list and no data."""
    (root / "params").mkdir(parents=True)
    shutil.copyfile(source / "params" / "departments.csv", root / "params" / "departments.csv")
    return root


def tree_digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def kit_page(root: Path, dept: str, year: int) -> str:
    """A report page made by the kit's own parts (no kernel), as a saved page."""
    from nianbao.report import open_report

    report = open_report(dept, year, root, "publish")
    body = "".join(part.html for part in report.parts())
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{report.title}</title></head>'
            f"<body>{body}</body></html>")


# ---------------------------------------------------------------------------
# The sample, built once (kernels)
# ---------------------------------------------------------------------------


# sample_site (conftest.py): the sample district built once per session, HTML and PDF.


def published(root: Path, year: int, dept: str) -> str:
    return (root / "outputs" / "publish" / str(year) / dept / "report.html").read_text(encoding="utf-8")


@pytest.mark.kernel
def test_round_trip_every_sample_department_year(sample_site, tmp_path, capsys):
    sample = load_project(sample_site)
    # The departments' reports (示例区人民政府's tables are its members' sums: not imported here).
    pairs = [(year, dept) for year, dept in sample.submitted() if sample.departments[dept].members is None]
    assert len(pairs) == 54
    pages = tmp_path / "pages"
    pages.mkdir()
    for year, dept in pairs:
        page = messy.plain(published(sample_site, year, dept))
        assert "class=" not in page and "data-row" not in page
        (pages / f"{year}-{dept}.html").write_text(page, encoding="utf-8")
    target = empty_project(tmp_path / "history", sample_site)

    code, out, err = run_cli(capsys, "import", pages, "--project", target)

    assert code == 0, out + err
    assert f"共导入 {len(pairs)} 份报告。" in out
    for year, dept in pairs:
        original, imported = sample_site / "data" / str(year) / dept, target / "data" / str(year) / dept
        names = sorted(p.name for p in original.glob("*.csv"))
        assert names == sorted(p.name for p in imported.glob("*.csv")), (year, dept)
        for name in names:
            assert csv_cells(imported / name) == csv_cells(original / name), (year, dept, name)
        assert (imported / "narrative.md").read_text(encoding="utf-8").strip() == \
            (original / "narrative.md").read_text(encoding="utf-8").strip(), (year, dept)
        provenance = json.loads((imported / IMPORT_FILE).read_text(encoding="utf-8"))
        assert provenance["source"]["file"] == f"{year}-{dept}.html"
        assert provenance["source"]["sha256"] == hashlib.sha256((pages / f"{year}-{dept}.html").read_bytes()).hexdigest()
        table_cells = [c for c in provenance["cells"] if c["table"] != F.FEES]
        assert len(table_cells) == sum(1 for key in F.format_for_year(year).cells() if key[0] != F.FEES)
        assert all(c["at"] and c["printed_row"] for c in table_cells), (year, dept)


def _import_one(tmp_path, capsys, sample_site, content, name="报告.html", *extra):
    target = empty_project(tmp_path / "history", sample_site)
    page = tmp_path / name
    page.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    code, out, err = run_cli(capsys, "import", page, "--project", target, *extra)
    return target, code, out + err


def _assert_like_original(sample_site, target, year, dept, *, except_cells=None, names=None):
    for name in names or [p.name for p in (sample_site / "data" / str(year) / dept).glob("*.csv")]:
        expected = csv_cells(sample_site / "data" / str(year) / dept / name)
        for (row_label, column), text in (except_cells or {}).get(name, {}).items():
            row = next(r for r in expected if r[0] == row_label)
            row[expected[0].index(column)] = text
        assert csv_cells(target / "data" / str(year) / dept / name) == expected, name


MESSES = {
    "nested spans, &nbsp; and full-width spaces": (messy.nested_spans, ()),
    "label typos, wrapped labels, missing remark": (messy.label_typos, ("按相近的「结果纠正」识别", "部分公开")),
    "full-width digits": (messy.full_width_digits, ()),
    "table split over a page break": (messy.split_application_table, ("按前面的申请表表头续读",)),
    "split with a repeated header": (lambda h: messy.split_application_table(h, repeat_header=True), ()),
    "every span expanded": (messy.unmerged, ()),
    "Word markup": (messy.word_markup, ()),
    "one table holding all three": (messy.hybrid, ()),
    "GBK with meta charset": (messy.gbk, ()),
    "a metadata table first": (lambda h: messy.metadata_first(h, "示例区某单位", "示例区某单位2023年政府信息公开工作年度报告"), ()),
}


@pytest.mark.kernel
@pytest.mark.parametrize("mess", list(MESSES))
@pytest.mark.parametrize("year,dept", [V2021_PAGE, V2019_PAGE])
def test_messy_page_imports_every_cell_right(sample_site, tmp_path, capsys, mess, year, dept):
    make, reported = MESSES[mess]
    content = make(messy.plain(published(sample_site, year, dept)))
    target, code, out = _import_one(tmp_path, capsys, sample_site, content)
    assert "Traceback" not in out
    assert f"→ {year} " in out, out
    _assert_like_original(sample_site, target, year, dept)
    for text in reported:
        assert text in out, (text, out)
    notes = json.loads((target / "data" / str(year) / dept / IMPORT_FILE).read_text(encoding="utf-8"))["notes"]
    for text in reported:
        assert any(text in note for note in notes)


@pytest.mark.kernel
def test_all_messes_at_once(sample_site, tmp_path, capsys):
    year, dept = V2021_PAGE
    html = messy.plain(published(sample_site, year, dept))
    for make in (messy.label_typos, messy.split_application_table, messy.nested_spans, messy.word_markup,
                 lambda h: messy.metadata_first(h, "某单位", "某单位2022年政府信息公开工作年度报告")):
        html = make(html)
    target, code, out = _import_one(tmp_path, capsys, sample_site, messy.gbk(html))
    _assert_like_original(sample_site, target, year, dept)
    assert "相近" in out


@pytest.mark.kernel
def test_units_and_remarks_are_reported_and_dropped(sample_site, tmp_path, capsys):
    year, dept = V2021_PAGE
    content = messy.units(messy.plain(published(sample_site, year, dept)), "（一）予以公开", "4")
    target, code, out = _import_one(tmp_path, capsys, sample_site, content)
    _assert_like_original(sample_site, target, year, dept)
    assert "「4（其中修订16件）」按 4 导入，备注「(其中修订16件)」未导入" in out
    assert "个数字单元格带有单位「件」" in out


@pytest.mark.kernel
def test_blank_and_placeholder_cells_stay_blank(sample_site, tmp_path, capsys):
    year, dept = V2021_PAGE
    content = messy.blanks(messy.plain(published(sample_site, year, dept)), "（一）予以公开")
    target, code, out = _import_one(tmp_path, capsys, sample_site, content)
    blanks = {(F.GRANTED, column): "" for column in F.APPLICATION_COLUMNS[:6]}
    blanks[(F.GRANTED, F.TOTAL)] = "0"
    _assert_like_original(sample_site, target, year, dept, except_cells={"applications.csv": blanks})
    assert code == 1 and out.count("[错误] R5 申请表 （一）予以公开") == 6


@pytest.mark.kernel
def test_2021_page_printing_other_as_one_row_is_kept_and_reported(sample_site, tmp_path, capsys):
    year, dept = V2021_PAGE
    content = messy.other_as_one_row(messy.plain(published(sample_site, year, dept)))
    target, code, out = _import_one(tmp_path, capsys, sample_site, content)
    rows = csv_cells(target / "data" / str(year) / dept / "applications.csv")
    labels = [r[0] for r in rows[1:]]
    assert F.OTHER in labels and not any(label.startswith("1.申请人无正当理由") for label in labels)
    original = {r[0]: r for r in csv_cells(sample_site / "data" / str(year) / dept / "applications.csv")}
    for row in rows[1:]:
        if row[0] != F.OTHER:
            assert row == original[row[0]]
    assert code == 1 and "[错误] INPUT" in out and "（六）其他处理" in out and "V2019格式" in out
    _assert_like_original(sample_site, target, year, dept, names=["disclosure.csv", "review.csv", "fees.csv"])


@pytest.mark.kernel
def test_audit_of_ten_pages_writes_nothing_to_data(sample_site, tmp_path, capsys):
    project = tmp_path / "office"
    for name in ("params", "data"):
        shutil.copytree(sample_site / name, project / name)
    folder = tmp_path / "网站"
    makes = list(MESSES.values())
    pairs = load_project(sample_site).submitted()[-10:]
    for i, (year, dept) in enumerate(pairs):
        content = makes[i][0](messy.plain(published(sample_site, year, dept)))
        (folder / f"{i}.html").parent.mkdir(exist_ok=True)
        (folder / f"{i}.html").write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    (folder / "0_files").mkdir()
    (folder / "0_files" / "frame.html").write_text("<p>框架</p>", encoding="utf-8")
    before = tree_digest(project / "data")

    code, out, err = run_cli(capsys, "import", "--audit", folder, "--project", project)

    lines = [line for line in out.splitlines() if line[:1] in "✓!✗"]
    assert len(lines) == 10, out
    assert all("→" in line for line in lines) and "frame" not in out
    assert tree_digest(project / "data") == before
    report = project / "outputs" / "import-audit.csv"
    data = report.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = csv_cells(report)
    assert rows[0][:4] == ["文件", "SHA-256", "年度", "部门编号"]
    assert {r[0] for r in rows[1:]} == {f"{i}.html" for i in range(10)}
    assert code == 0, out + err


# ---------------------------------------------------------------------------
# Small pages without kernels
# ---------------------------------------------------------------------------


@pytest.fixture
def office(tmp_path):
    """demo 2020-2021 in a source project; an empty project with the same list to import into."""
    source = ProjectBuilder(tmp_path / "source")
    source.add("demo", 2020, size=30)
    source.add("demo", 2021, size=30, fee_notices=2)
    target = ProjectBuilder(tmp_path / "office")
    return source, target


def _write(tmp_path, name, content) -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def test_page_imports_department_year_from_its_title(office, tmp_path, capsys):
    source, target = office
    page = _write(tmp_path, "a.html", kit_page(source.root, "demo", 2021))
    code, out, err = run_cli(capsys, "import", page, "--project", target.root)
    assert code == 0, out + err
    folder = target.folder("demo", 2021)
    for name in ("applications.csv", "review.csv", "disclosure.csv", "fees.csv"):
        assert csv_cells(folder / name) == csv_cells(source.folder("demo", 2021) / name), name
    provenance = json.loads((folder / IMPORT_FILE).read_text(encoding="utf-8"))
    assert provenance["department"] == "demo" and provenance["year"] == 2021
    fee = next(c for c in provenance["cells"] if c["table"] == F.FEES and c["row"] == F.FEE_NOTICES)
    assert fee["value"] == "2" and "收费通知2件" in fee["printed_text"]
    # Known to the contract: not stray (F1), never attached to the PDF.
    run = target.check()
    assert not [f for f in run.findings if f.rule == "F1"]
    assert IMPORT_FILE not in [p.name for p in contract_files(target.root, "demo", 2021)]


def test_unknown_department_gets_the_line_to_add(office, tmp_path, capsys):
    source, target = office
    page = _write(tmp_path, "a.html", kit_page(source.root, "demo", 2021).replace("示例区测试局", "示例区文旅局"))
    code, out, err = run_cli(capsys, "import", page, "--project", target.root)
    assert code == 1
    assert "「示例区文旅局」不在 params/departments.csv 中" in out and "部门编号,示例区文旅局,示例区" in out
    assert not (target.root / "data").exists()


def test_dept_and_year_override_one_page_and_filter_several(office, tmp_path, capsys):
    source, target = office
    renamed = _write(tmp_path, "a.html", kit_page(source.root, "demo", 2021).replace("示例区测试局", "示例区文旅局"))
    code, out, err = run_cli(capsys, "import", renamed, "--dept", "demo", "--year", "2021", "--project", target.root)
    assert code == 0, out + err
    assert "按 --dept 导入为示例区测试局（demo）" in out and (target.folder("demo", 2021) / IMPORT_FILE).exists()

    folder = tmp_path / "pages"
    folder.mkdir()
    _write(folder, "2020.htm", kit_page(source.root, "demo", 2020))
    _write(folder, "2021.html", kit_page(source.root, "demo", 2021))
    other = ProjectBuilder(tmp_path / "other")
    code, out, err = run_cli(capsys, "import", folder, "--year", "2020", "--project", other.root)
    assert "是2021年度的报告，本次只导入2020年度（--year）" in out
    assert (other.folder("demo", 2020) / IMPORT_FILE).exists() and not other.folder("demo", 2021).exists()


def test_existing_different_data_needs_force(office, tmp_path, capsys):
    source, target = office
    target.add("demo", 2021, size=12)
    before = tree_digest(target.folder("demo", 2021))
    page = _write(tmp_path, "a.html", kit_page(source.root, "demo", 2021))
    code, out, err = run_cli(capsys, "import", page, "--project", target.root)
    assert code == 1 and "已有不同的数据，未覆盖" in out and "→ 网页" in out
    assert tree_digest(target.folder("demo", 2021)) == before
    code, out, err = run_cli(capsys, "import", page, "--project", target.root, "--force")
    assert csv_cells(target.folder("demo", 2021) / "applications.csv") == \
        csv_cells(source.folder("demo", 2021) / "applications.csv")


def test_fees_not_stated_are_blank_for_r5(office, tmp_path, capsys):
    source, target = office
    page = kit_page(source.root, "demo", 2021)
    start = page.index("本年度依据《政府信息公开信息处理费管理办法》")
    page = page[:start] + page[page.index("</p>", start):]
    code, out, err = run_cli(capsys, "import", _write(tmp_path, "a.html", page), "--project", target.root)
    rows = csv_cells(target.folder("demo", 2021) / "fees.csv")
    assert [r[1] for r in rows[1:]] == ["", "", ""]
    assert code == 1 and "[错误] R5 信息处理费" in out and "没有写明信息处理费" in out


@pytest.mark.parametrize("sentence,expected", [
    ("本年度未发出收费通知，未收取信息处理费。", {F.FEE_NOTICES: 0, F.FEE_NOTICE_AMOUNT: 0, F.FEE_COLLECTED: 0}),
    ("本机关共发出收费通知书3份，收费通知总金额为1500元，实际收取信息处理费0.1万元。",
     {F.FEE_NOTICES: 3, F.FEE_NOTICE_AMOUNT: 0.15, F.FEE_COLLECTED: 0.1}),
    ("本年度没有收取信息处理费。", {F.FEE_COLLECTED: 0}),
    ("其他事项：无。", {}),
])
def test_fee_sentences(sentence, expected):
    found = {label: float(value) for label, (value, _) in read_fees(sentence).items()}
    assert found == expected


def test_narrative_text_cannot_become_markdown():
    from nianbao.html import markdown

    hostile = "## 不是标题 *强调* [链接](javascript:alert(1)) <b>粗</b> 1. 列表"
    escaped = markdown_text(hostile)
    rendered = markdown(escaped)
    assert "<h2>" not in rendered and "<em>" not in rendered and "<a " not in rendered and "<b>" not in rendered
    assert "## 不是标题 *强调* [链接]" in rendered.replace("&lt;", "<").replace("&gt;", ">")


def test_formula_like_cell_is_neutralised_and_reported(office, tmp_path, capsys):
    source, target = office
    page = kit_page(source.root, "demo", 2021)
    marker = 'data-row="（一）予以公开" data-col="自然人">'
    start = page.index(marker) + len(marker)
    page = page[:start] + "=SUM(A1)" + page[page.index("<", start):]
    code, out, err = run_cli(capsys, "import", _write(tmp_path, "a.html", page), "--project", target.root)
    text = (target.folder("demo", 2021) / "applications.csv").read_text(encoding="utf-8-sig")
    assert "'=SUM(A1)" in text
    assert code == 1 and "R5 申请表 （一）予以公开 × 自然人" in out


# ---------------------------------------------------------------------------
# Hostile input: refused in Chinese, nothing written, no traceback
# ---------------------------------------------------------------------------


TITLE = "<h1>示例区测试局2021年政府信息公开工作年度报告</h1>"


@pytest.mark.parametrize("name,content,says", [
    ("garbage.html", "<<<>>><table><tr><td>x<td><<//>>>\x01", "没有找到年报的表格"),
    ("empty.html", b"", "是空文件"),
    ("binary.html", bytes(range(256)) * 40, "二进制"),
    ("pdf.html", b"%PDF-1.7\n...", "是 PDF 文件"),
    ("zip.htm", b"PK\x03\x04rest", "不是网页"),
    ("no-table.html", f"<html><body>{TITLE}<p>一、总体情况</p><p>文字。</p></body></html>", "没有找到年报的表格"),
    ("2018.html", "<h1>示例区测试局2018年政府信息公开工作年度报告</h1><table><tr><td>自然人</td></tr></table>", "2019年以前"),
    ("no-title.html", "<p>一些文字</p><table><tr><td></td><td>自然人</td><td>商业企业</td></tr>"
     "<tr><td>一、本年新收政府信息公开申请数量</td><td>1</td><td>0</td></tr></table>", "没有找到报告标题"),
    ("report.pdf", b"%PDF-1.4", "无法作为 PDF 打开"),
    ("report.docx", b"PK\x03\x04", "不是有效的 Word 文件"),
    ("report.doc", b"\xd0\xcf\x11\xe0", "另存为"),
])
def test_hostile_pages_are_refused(tmp_path, capsys, name, content, says):
    target = ProjectBuilder(tmp_path / "office")
    page = _write(tmp_path, name, content)
    code, out, err = run_cli(capsys, "import", page, "--project", target.root)
    assert code == 1, out + err
    assert says in out and "Traceback" not in out + err
    assert "拒绝导入" in out
    assert not (target.root / "data").exists()


def test_huge_page_is_refused_before_reading(tmp_path, capsys):
    target = ProjectBuilder(tmp_path / "office")
    page = tmp_path / "huge.html"
    with page.open("wb") as handle:
        handle.truncate(html_reader.MAX_BYTES + 1)  # sparse: large without filling the disk
    code, out, err = run_cli(capsys, "import", page, "--project", target.root)
    assert code == 1 and "超过网页的上限" in out


def test_url_is_refused_with_how_to_save_the_page(tmp_path, capsys):
    target = ProjectBuilder(tmp_path / "office")
    code, out, err = run_cli(capsys, "import", "https://www.example.gov.cn/2023/report.html", "--project", target.root)
    assert code == 2 and "另存为" in err and "仅 HTML" in err


def test_audit_of_an_unlisted_organ(office, tmp_path, capsys):
    source, target = office
    page = _write(tmp_path, "a.html", kit_page(source.root, "demo", 2021).replace("示例区测试局", "示例区文旅局"))
    out_csv = tmp_path / "审阅.csv"
    code, out, err = run_cli(capsys, "import", "--audit", page, "--out", out_csv, "--project", target.root)
    assert "a.html → 2021 示例区文旅局（不在名单中）" in out
    assert out_csv.read_bytes().startswith(b"\xef\xbb\xbf") and not (target.root / "data").exists()


# ---------------------------------------------------------------------------
# Imported years are history
# ---------------------------------------------------------------------------


def test_imported_years_are_not_republished_and_marked_in_the_index(office, tmp_path, capsys):
    from nianbao.build import BuildResult
    from nianbao.console import summary
    from nianbao.site import HISTORY_BADGE, draft_index

    source, target = office
    target.add("demo", 2020, size=30)
    run_cli(capsys, "import", _write(tmp_path, "a.html", kit_page(source.root, "demo", 2021)), "--project", target.root)
    project = target.project()
    planned = [Planned(2020, "demo", "run"), Planned(2021, "demo", "run")]
    hold_history(project, planned)
    assert [p.action for p in planned] == ["run", "history"]
    assert "已导入的历史报告未重新发布 1" in summary(BuildResult(planned, [], []), project, "publish")

    index = draft_index(project, target.check(), [])
    row_2021 = index[index.index('id="r-2021-demo"'):]
    row_2021 = row_2021[:row_2021.index("</tr>")]
    assert HISTORY_BADGE in row_2021
    row_2020 = index[index.index('id="r-2020-demo"'):]
    assert HISTORY_BADGE not in row_2020[:row_2020.index("</tr>")]

    notebook = REPO / "notebooks" / "annual_report.ipynb"
    code, out, err = run_cli(capsys, "render", "--dept", "demo", "--year", "2021", "--mode", "publish",
                             "--notebook", notebook, "--project", target.root)
    assert code == 2 and "不重新发布" in err and "--include-imported" in err


def test_publish_build_holds_imported_years_back(office, tmp_path, capsys):
    source, target = office
    run_cli(capsys, "import", _write(tmp_path, "a.html", kit_page(source.root, "demo", 2021)), "--project", target.root)
    notebook = REPO / "notebooks" / "annual_report.ipynb"
    code, out, err = run_cli(capsys, "build", "--mode", "publish", "--to", "html", "--notebook", notebook,
                             "--project", target.root)
    assert code == 0, out + err
    assert "已导入的历史报告未重新发布 1" in out
    assert not (target.root / "outputs" / "publish" / "2021").exists()


def test_audit_out_must_be_a_csv_file(office, tmp_path, capsys):
    source, target = office
    page = _write(tmp_path, "a.html", kit_page(source.root, "demo", 2021))
    code, out, err = run_cli(capsys, "import", "--audit", page, "--out", tmp_path, "--project", target.root)
    assert code == 2 and "应是一个 .csv 文件的路径" in err


def test_page_as_a_government_site_serves_it(office, tmp_path, capsys):
    source, target = office
    page = messy.government_site(messy.plain(kit_page(source.root, "demo", 2021)), "示例区测试局2020年政府信息公开工作年度报告")
    code, out, err = run_cli(capsys, "import", _write(tmp_path, "a.html", page), "--project", target.root)
    assert "→ 2021 示例区测试局（demo）" in out, out
    folder = target.folder("demo", 2021)
    for name in ("applications.csv", "review.csv", "disclosure.csv", "fees.csv"):
        assert csv_cells(folder / name) == csv_cells(source.folder("demo", 2021) / name), name
    narrative = (folder / "narrative.md").read_text(encoding="utf-8")
    assert narrative.strip() == (source.folder("demo", 2021) / "narrative.md").read_text(encoding="utf-8").strip()
    assert "版权所有" not in narrative and "打印本页" not in narrative


def test_other_format_disclosure_label_is_read_by_its_header(office, tmp_path, capsys):
    source, target = office
    # A 2021 report printing the old label 「规范性文件」 under the 2021 columns: the 2021 row, reported.
    page = kit_page(source.root, "demo", 2021).replace(">行政规范性文件<", ">规范性文件<")
    code, out, err = run_cli(capsys, "import", _write(tmp_path, "a.html", page), "--project", target.root)
    assert csv_cells(target.folder("demo", 2021) / "disclosure.csv") == csv_cells(source.folder("demo", 2021) / "disclosure.csv")
    assert "标签「规范性文件」按相近的「行政规范性文件」识别" in out

    # A 2020 report printing the 2021 item and columns: recorded as printed, the check reports it.
    page = kit_page(source.root, "demo", 2020).replace(">规范性文件<", ">行政规范性文件<")
    for old, new in zip(("本年新制作数量", "本年新公开数量", "对外公开总数量"), ("本年制发件数", "本年废止件数", "现行有效件数"),
                        strict=True):
        page = page.replace(f">{old}<", f">{new}<")
    code, out, err = run_cli(capsys, "import", _write(tmp_path, "b.html", page), "--project", target.root)
    rows = csv_cells(target.folder("demo", 2020) / "disclosure.csv")
    assert ["行政规范性文件", "本年制发件数", str(source.values[("demo", 2020)][(F.DISCLOSURE, "规范性文件", "本年新制作数量")])] in rows
    assert "是V2021格式（2021年及以后）的主动公开项目「行政规范性文件」" in out
    assert code == 1 and "[错误] INPUT 主动公开表" in out
