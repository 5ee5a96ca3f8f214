"""The report's parts, without a kernel: tables in the official layout with the
right number under the right labels, generated prose, sanitised narrative,
waiver notes, draft vs publish, signature, deadline, provenance, charts."""

from __future__ import annotations

import ast
import inspect
import textwrap
import warnings
from decimal import Decimal
from pathlib import Path

import nbformat
import pytest

from htmlgrid import grid, table_with_class
from nianbao import charts
from nianbao import formats as F
from nianbao.datafiles import format_number
from nianbao.report import ReportError, open_report
from nianbao.testing import ProjectBuilder


def html_of(fragment) -> str:
    rendered = fragment._repr_html_()
    return rendered[0] if isinstance(rendered, tuple) else rendered


def whole(report) -> str:
    return "".join(html_of(part) for part in report.parts())


@pytest.fixture
def two_years(tmp_path):
    builder = ProjectBuilder(tmp_path)
    builder.add("demo", 2020, size=60)
    builder.add("demo", 2021, size=45, fee_notices=2)
    return builder


# ---------------------------------------------------------------------------
# Tables: every label, every number in its cell
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("year", [2020, 2021])
def test_application_table_puts_each_number_under_its_labels(two_years, year):
    report = open_report("demo", year, two_years.root)
    values = two_years.values[("demo", year)]
    table = table_with_class(html_of(report.section_applications()), "applications")
    cells = grid(table)
    head = [row for row, raw in zip(cells, table["rows"], strict=True) if raw["section"] == "thead"]
    body = [row for row, raw in zip(cells, table["rows"], strict=True) if raw["section"] == "tbody"]
    assert head[0][0]["text"] == F.BALANCE_NOTE
    columns = [head[2][c]["text"] for c in range(3, 10)]
    assert columns == list(F.APPLICATION_COLUMNS)
    assert [row[2]["text"] for row in body] == list(F.format_for_year(year).application_labels)
    for row in body:
        label = row[2]["text"]
        for c, column in enumerate(columns, start=3):
            assert row[c]["tag"] == "td"
            assert row[c]["text"] == str(values[(F.APPLICATIONS, label, column)]), (label, column)


@pytest.mark.parametrize("year, spanned", [(2020, 20), (2021, 22)])
def test_application_table_merges_cells_as_the_official_form(two_years, year, spanned):
    report = open_report("demo", year, two_years.root)
    table = table_with_class(html_of(report.section_applications()), "applications")
    headers = {c["text"]: c for row in table["rows"] for c in row["cells"] if c["tag"] == "th"}
    assert headers[F.RESULTS]["rowspan"] == spanned
    assert headers[F.WITHHELD]["rowspan"] == 8
    assert headers[F.UNABLE]["rowspan"] == 3
    assert headers[F.NOT_HANDLED]["rowspan"] == 5
    assert headers[F.NEW]["colspan"] == 3
    assert headers[F.GRANTED]["colspan"] == 2
    assert headers[F.ORGANISATION_HEADER]["colspan"] == 5
    if year == 2021:
        assert headers[F.OTHER]["rowspan"] == 3
    else:
        assert headers[F.OTHER]["colspan"] == 2  # one data row of its own
    # No invented subtotal rows for the groups (the official table has none; docs/规则.md).
    assert all(c["attrs"].get("data-row") not in (F.WITHHELD, F.UNABLE, F.NOT_HANDLED)
               for row in table["rows"] for c in row["cells"] if c["tag"] == "td")


@pytest.mark.parametrize("year", [2020, 2021])
def test_disclosure_table_has_every_item_label_and_value(two_years, year):
    fmt = F.format_for_year(year)
    values = two_years.values[("demo", year)]
    table = table_with_class(html_of(open_report("demo", year, two_years.root).section_disclosure()), "disclosure")
    rows = grid(table)
    articles = [row[0]["text"] for row in rows if row[0]["colspan"] == 4]
    assert articles == [item.article for item in fmt.disclosure]
    header = None
    seen = []
    for row in rows:
        if row[0]["colspan"] == 4:
            continue
        if row[0]["text"] == F.DISCLOSURE_ROW_HEADER:
            header = [cell["text"] for cell in _unique(row[1:])]
            continue
        label = row[0]["text"]
        for column, cell in zip(header, _unique(row[1:]), strict=True):
            domain = fmt.domain(F.DISCLOSURE, label, column)
            assert cell["text"] == format_number(values[(F.DISCLOSURE, label, column)], domain)
            seen.append((label, column))
    assert seen == [(row, col.label) for row, col in fmt.disclosure_cells()]


def _unique(cells):
    out = []
    for cell in cells:
        if not out or out[-1] is not cell:
            out.append(cell)
    return out


def test_amounts_print_four_decimals(tmp_path):
    builder = ProjectBuilder(tmp_path)
    builder.add("demo", 2021, size=5)
    builder.set_cell("demo", 2021, F.DISCLOSURE, "行政事业性收费", "本年收费金额（单位：万元）", "12.3")
    html = html_of(open_report("demo", 2021, tmp_path).section_disclosure())
    assert ">12.3000</td>" in html
    assert "行政事业性收费金额12.3000万元" in html


def test_review_table_has_fifteen_cells_under_two_level_header(two_years):
    values = two_years.values[("demo", 2021)]
    table = table_with_class(html_of(open_report("demo", 2021, two_years.root).section_review()), "review")
    rows = grid(table)
    assert [len(r) for r in rows] == [15, 15, 15, 15]
    data = rows[3]
    for c, cell in enumerate(data):
        group = F.REVIEW_ROWS[0] if c < 5 else rows[1][c]["text"]
        column = rows[2][c]["text"]
        assert rows[0][c]["text"] == (F.REVIEW_HEADER if c < 5 else F.LITIGATION_HEADER)
        assert cell["text"] == str(values[(F.REVIEW, group, column)])


# ---------------------------------------------------------------------------
# Generated prose: numbers equal the cells
# ---------------------------------------------------------------------------


def test_generated_paragraphs_state_the_table_numbers(two_years):
    report = open_report("demo", 2021, two_years.root)
    values = two_years.values[("demo", 2021)]
    last = two_years.values[("demo", 2020)]
    new = values[(F.APPLICATIONS, F.NEW, F.TOTAL)]
    before = last[(F.APPLICATIONS, F.NEW, F.TOTAL)]
    html = html_of(report.section_applications())
    assert f"2021年新收政府信息公开申请{new}件" in html
    diff = new - before
    verb, trend = ("增加", "增长") if diff > 0 else ("减少", "下降")
    assert f"较上年{verb}{abs(diff)}件，{trend}{abs(diff) / before * 100:.1f}%" in html
    done = values[(F.APPLICATIONS, F.OUTCOME_TOTAL, F.TOTAL)]
    assert f"本年度办结{done}件" in html
    granted = values[(F.APPLICATIONS, F.GRANTED, F.TOTAL)]
    assert f"予以公开{granted}件，占{granted / done * 100:.1f}%" in html
    assert f"结转下年度继续办理{values[(F.APPLICATIONS, F.CARRIED_OUT, F.TOTAL)]}件" in html
    review = values[(F.REVIEW, "行政复议", F.TOTAL)]
    assert f"被申请行政复议{review}件" in html_of(report.section_review())


def test_all_zero_department_gets_sentences_not_empty_charts(tmp_path):
    builder = ProjectBuilder(tmp_path)
    builder.add("demo", 2020, values={})
    builder.add("demo", 2021, values={})
    report = open_report("demo", 2021, tmp_path)
    html = whole(report)
    assert "2021年未收到政府信息公开申请，也无上年结转的申请。" in html
    assert "本年度无政府信息公开申请数据，不作申请构成和办理结果图。" in html
    assert "2021年未发生因政府信息公开工作被申请行政复议、提起行政诉讼的情况。" in html
    assert "<img" not in html
    table = table_with_class(html, "applications")
    assert {c["text"] for row in table["rows"] for c in row["cells"] if c["tag"] == "td"} == {"0"}


def test_fee_sentence_zero_and_non_zero(two_years):
    zero = ProjectBuilder(two_years.root / "zero")
    zero.add("demo", 2021, size=3)
    assert "本年度未发出收费通知，未收取信息处理费。" in html_of(open_report("demo", 2021, zero.root).section_other())
    values = two_years.values[("demo", 2021)]
    html = html_of(open_report("demo", 2021, two_years.root).section_other())
    amount = values[(F.FEES, F.FEE_NOTICE_AMOUNT, F.FEE_VALUE)]
    assert f"发出收费通知2件，收费通知总金额{Decimal(amount):.4f}万元" in html
    # It comes before the authored text of section 六.
    assert html.index("收费通知") < html.index("无。")


# ---------------------------------------------------------------------------
# Authored text is sanitised
# ---------------------------------------------------------------------------

HOSTILE = """## 一、总体情况

正文<script>alert('x')</script>结束。<img src=x onerror="alert(1)">

[点我](javascript:alert(1)) 和 <a href="javascript:alert(2)">链接</a>

![远程图片](http://example.invalid/x.png)

<iframe src="http://example.invalid"></iframe>

**加粗**与[官网](https://www.gov.cn/)

## 五、存在的主要问题及改进情况

无。

## 六、其他需要报告的事项

无。
"""


def _tags(html: str):
    from html.parser import HTMLParser

    found = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Collect().feed(html)
    return found


def test_narrative_markdown_comes_out_inert(tmp_path):
    builder = ProjectBuilder(tmp_path)
    builder.add("demo", 2021, size=5, narrative=HOSTILE)
    html = html_of(open_report("demo", 2021, tmp_path).section_overview())
    lowered = html.lower()
    # Raw HTML is shown as text (escaped), never as tags or attributes.
    tags = _tags(html)
    assert not {name for name, _ in tags} & {"script", "img", "iframe"}
    attributes = [(key, value or "") for _, attrs in tags for key, value in attrs]
    assert not [a for a in attributes if a[0].startswith("on") or "javascript:" in a[1].lower() or a[0] == "src"]
    assert "&lt;script&gt;" in lowered
    assert "<strong>加粗</strong>" in html
    assert 'href="https://www.gov.cn/"' in html
    assert "正文" in html and "结束。" in html


# ---------------------------------------------------------------------------
# Draft and publish, waivers, signature, deadline, provenance
# ---------------------------------------------------------------------------


def test_draft_shows_mark_panel_and_flagged_cell(tmp_path):
    builder = ProjectBuilder(tmp_path)
    builder.add("demo", 2021, size=30)
    builder.set_cell("demo", 2021, F.APPLICATIONS, F.OUTCOME_TOTAL, "自然人", "999")
    report = open_report("demo", 2021, tmp_path, mode="draft")
    html = whole(report)
    assert "草稿" in html_of(report.header())
    assert "数据校验" in html and "R3" in html
    assert 'class="flag" data-row="（七）总计" data-col="自然人"' in html
    with pytest.raises(ReportError, match="不能以发布模式生成"):
        open_report("demo", 2021, tmp_path, mode="publish")


def test_publish_has_no_draft_parts(two_years):
    report = open_report("demo", 2021, two_years.root, mode="publish")
    html = whole(report)
    assert "草稿" not in html
    assert "数据校验" not in html
    assert 'class="flag"' not in html


def test_waiver_explanation_is_printed_under_its_table_in_every_mode(tmp_path):
    builder = ProjectBuilder(tmp_path)
    builder.add("demo", 2020, size=40)
    builder.add("demo", 2021, size=40)
    # A legitimate X1 deviation: one more application carried in, kept balanced.
    def edit(header, rows):
        for row in rows:
            if row[0] in (F.CARRIED_IN, F.CARRIED_OUT):
                for col in ("自然人", "总计"):
                    i = header.index(col)
                    row[i] = str(int(row[i]) + 1)
        return header, rows

    builder.edit_rows("demo", 2021, F.APPLICATIONS, edit)
    (builder.folder("demo", 2021) / "waivers.csv").write_text(
        "规则,表,行,列,说明\nX1,申请表,,,机构改革后承接原某局1件未办结申请\n", encoding="utf-8-sig"
    )
    for mode in ("draft", "publish"):
        report = open_report("demo", 2021, tmp_path, mode=mode)
        assert {f.severity for f in report.findings if f.rule == "X1"} == {"waived"}
        html = html_of(report.section_applications())
        assert "注：" in html and "机构改革后承接原某局1件未办结申请" in html


def test_signature_and_deadline_warning(two_years):
    report = open_report("demo", 2021, two_years.root)
    signature = html_of(report.signature())
    assert "示例区测试局" in signature and "2022年1月20日" in signature
    assert not [f for f in report.findings if f.rule == "D1"]
    late = open_report("demo", 2021, two_years.root, publication_date="2022-02-03")
    assert "2022年2月3日" in html_of(late.signature())
    d1 = [f for f in late.findings if f.rule == "D1"]
    assert len(d1) == 1 and "晚于法定期限2022年1月31日" in d1[0].message
    assert "D1" in html_of(late.checks_panel())


def test_publication_date_layers(two_years):
    root = two_years.root
    (root / "params" / "project.toml").write_text('[report]\npublication_day = "01-25"\n', encoding="utf-8")
    assert "2022年1月25日" in html_of(open_report("demo", 2021, root).signature())
    (two_years.folder("demo", 2021) / "report.toml").write_text('publication_date = "2022-01-28"\n', encoding="utf-8")
    assert "2022年1月28日" in html_of(open_report("demo", 2021, root).signature())
    assert "2022年1月10日" in html_of(open_report("demo", 2021, root, publication_date="2022-01-10").signature())
    with pytest.raises(ReportError, match="日期「1月」无效"):
        open_report("demo", 2021, root, publication_date="1月")


def test_provenance_names_inputs_but_no_paths(two_years):
    report = open_report("demo", 2021, two_years.root, mode="publish")
    html = whole(report)
    provenance = html_of(report.provenance())
    assert "nianbao" in provenance and "demo" in provenance and "2021" in provenance and "publish" in provenance
    assert str(two_years.root) not in html
    before = report.inputs_hash()
    assert before[:16] in provenance
    kept = two_years.values[("demo", 2021)][(F.REVIEW, "行政复议", "结果维持")]
    two_years.set_cell("demo", 2021, F.REVIEW, "行政复议", "结果维持", str(kept + 1))
    assert open_report("demo", 2021, two_years.root, mode="draft").inputs_hash() != before


def test_bad_parameters_give_chinese_errors(two_years):
    with pytest.raises(ReportError, match="部门「nope」不在"):
        open_report("nope", 2021, two_years.root)
    with pytest.raises(ReportError, match="没有2023年的数据.*2020、2021"):
        open_report("demo", 2023, two_years.root)
    with pytest.raises(ReportError, match="模式「final」无效"):
        open_report("demo", 2021, two_years.root, mode="final")
    with pytest.raises(ReportError, match="2018年没有适用的年报格式"):
        open_report("demo", 2018, two_years.root)


# ---------------------------------------------------------------------------
# Charts
# ---------------------------------------------------------------------------


def test_charts_draw_chinese_without_missing_glyphs_and_deterministically(two_years):
    report = open_report("demo", 2021, two_years.root)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph … missing from font" would raise
        drawn = [charts.applicants(report.sub), charts.outcomes(report.sub), charts.trend(report.history()),
                 charts.review(report.sub)]
    assert all(drawn)
    new = two_years.values[("demo", 2021)][(F.APPLICATIONS, F.NEW, "自然人")]
    assert f"自然人{new}件" in drawn[0].alt
    assert drawn[2].alt.startswith("2020—2021年申请数量变化")
    again = charts.applicants(report.sub)
    assert again.png == drawn[0].png
    assert drawn[0].png[:8] == b"\x89PNG\r\n\x1a\n"


def test_trend_needs_two_years(tmp_path):
    builder = ProjectBuilder(tmp_path)
    builder.add("demo", 2021, size=10)
    assert charts.trend(open_report("demo", 2021, tmp_path).history()) is None


def test_broken_settings_file_is_a_chinese_error(two_years):
    (two_years.root / "params" / "project.toml").write_text('[report]\npublication_day = \n', encoding="utf-8")
    with pytest.raises(ReportError, match="params/project.toml 第2行第19列附近有 TOML 语法错误"):
        open_report("demo", 2021, two_years.root)


# ---------------------------------------------------------------------------
# The notebook shows the parts in the report's order
# ---------------------------------------------------------------------------

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "annual_report.ipynb"


def _calls_on(tree: ast.AST, receiver: str) -> list[str]:
    """Names of the methods called on ``receiver`` (``receiver.name(...)``), in source order."""
    calls = [
        node for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name) and node.func.value.id == receiver
    ]
    return [call.func.attr for call in sorted(calls, key=lambda c: (c.lineno, c.col_offset))]


def test_notebook_cells_call_the_report_parts_in_the_order_of_parts():
    from nianbao.report import Report

    parts = _calls_on(ast.parse(textwrap.dedent(inspect.getsource(Report.parts))), "self")
    cells = [cell for cell in nbformat.read(NOTEBOOK, as_version=4).cells if cell.cell_type == "code"]
    shown = [name for cell in cells for name in _calls_on(ast.parse(cell.source), "report")]
    assert len(parts) >= 10  # the parser found the parts, not an empty list
    assert shown == parts
    # One part per cell: a failing part names its own cell in the build's message.
    assert all(len(_calls_on(ast.parse(cell.source), "report")) <= 1 for cell in cells)
