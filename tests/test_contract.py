"""The data contract: bad input gives its documented Chinese message (file, line,
row, column) and never a traceback; tolerant input reads as the same values."""

from __future__ import annotations

import pytest

from conftest import APP, only, rules_of
from nianbao import formats as F
from nianbao.contract import parse_number, read_submission
from nianbao.project import ProjectError, load_project
from nianbao.textio import normalise_label


def sub_of(b, year, dept="demo"):
    return read_submission(b.project(), dept, year)


def input_findings(b, year, dept="demo"):
    return [f for f in sub_of(b, year, dept).findings if f.rule == "INPUT"]


def rewrite(b, year, table, text, encoding="utf-8"):
    b.path("demo", year, table).write_bytes(text.encode(encoding))


def text_of(b, year, table):
    return b.path("demo", year, table).read_bytes().decode("utf-8-sig")


# ---------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("table", ["applications", "review", "disclosure"])
def test_missing_file(project_2020_2021, table):
    b = project_2020_2021
    b.path("demo", 2020, table).unlink()
    (f,) = input_findings(b, 2020)
    rel = f"data/2020/demo/{F.TABLE_FILES[table]}"
    assert (f.table, f.file, f.severity) == (table, rel, "error")
    assert f.message.startswith(f"缺少文件 {rel}。") and "已跳过" in f.message


def test_fees_required_from_2021_only(project_2020_2021):
    b = project_2020_2021
    b.path("demo", 2020, "fees").unlink()
    assert input_findings(b, 2020) == []
    b.path("demo", 2021, "fees").unlink()
    (f,) = input_findings(b, 2021)
    assert f.message == "缺少文件 data/2021/demo/fees.csv。读取该文件的规则（S3、S6、S7、S4）已跳过。"


def test_missing_file_does_not_hide_other_rules(project_2020_2021):
    b = project_2020_2021
    b.path("demo", 2021, "applications").unlink()
    b.set_cell("demo", 2021, "review", "行政复议", "总计", "77")
    run = b.check()
    assert rules_of(run) == {"INPUT", "R4"}  # no R1–R3/X1 on a table that could not be read


def test_unreadable_encoding(project_2020_2021):
    b = project_2020_2021
    rewrite(b, 2020, "review", text_of(b, 2020, "review"), "utf-16")  # Excel's "Unicode text"
    (f,) = input_findings(b, 2020)
    assert f.file == "data/2020/demo/review.csv"
    assert f.message.startswith("data/2020/demo/review.csv 的编码无法识别（不是 UTF-8，也不是 GBK）：请在 Excel 中另存为")
    assert f.message.endswith("读取该文件的规则（R4、S4）已跳过。")


def test_empty_file(project_2020_2021):
    b = project_2020_2021
    rewrite(b, 2021, "review", "\n\n")
    (f,) = input_findings(b, 2021)
    assert "data/2021/demo/review.csv 是空文件" in f.message


def test_missing_row(project_2020_2021):
    b = project_2020_2021
    label = "3.危及“三安全一稳定”"
    b.edit_rows("demo", 2021, "applications", lambda h, rows: (h, [r for r in rows if r[0] != label]))
    (f,) = input_findings(b, 2021)
    assert (f.table, f.row, f.file) == ("applications", label, "data/2021/demo/applications.csv")
    assert f.message == f"data/2021/demo/applications.csv：缺少行「{label}」，请补上该行并填写数字（没有则填0）。"


def test_duplicate_row(project_2020_2021):
    b = project_2020_2021
    b.edit_rows("demo", 2021, "review", lambda h, rows: (h, rows + [list(rows[1])]))
    (f,) = input_findings(b, 2021)
    assert (f.table, f.row, f.line) == ("review", "未经复议直接起诉", 5)
    assert f.message == "data/2021/demo/review.csv 第5行：行「未经复议直接起诉」重复（第3行已有），请删除重复的一行。"


def test_unknown_label_lists_expected(project_2020_2021):
    b = project_2020_2021

    def edit(h, rows):
        rows[0][0] = "一、本年收到申请"
        return h, rows

    b.edit_rows("demo", 2021, "applications", edit)
    found = input_findings(b, 2021)
    unknown = next(f for f in found if f.line == 2)
    assert unknown.row == "一、本年收到申请"
    assert unknown.message.startswith("data/2021/demo/applications.csv 第2行：无法识别的行「一、本年收到申请」。应为以下之一：")
    for label in F.V2021.application_labels:
        assert label in unknown.message
    # and the official row is then missing
    assert any(f.row == F.NEW and "缺少行" in f.message for f in found)


def test_unknown_review_row_lists_expected(project_2020_2021):
    b = project_2020_2021

    def edit(h, rows):
        rows[2][0] = "行政诉讼"
        return h, rows

    b.edit_rows("demo", 2020, "review", edit)
    unknown = next(f for f in input_findings(b, 2020) if f.line == 4)
    assert "无法识别的行「行政诉讼」" in unknown.message
    assert "行政复议、未经复议直接起诉、复议后起诉" in unknown.message


def test_extra_column(project_2020_2021):
    b = project_2020_2021

    def edit(h, rows):
        return h[:-1] + ["法人或其他组织", h[-1]], [r[:-1] + ["0", r[-1]] for r in rows]

    b.edit_rows("demo", 2021, "applications", edit)
    sub = sub_of(b, 2021)
    (f,) = [f for f in sub.findings if f.rule == "INPUT"]
    assert (f.table, f.column, f.line) == ("applications", "法人或其他组织", 1)
    assert f.message == (
        "data/2021/demo/applications.csv 第1行：多出列「法人或其他组织」。"
        "表头应为：项目,自然人,商业企业,科研机构,社会公益组织,法律服务机构,其他,总计。"
    )
    # the official columns are still read by name
    assert sub.value(APP, F.NEW, F.TOTAL) == b.values[("demo", 2021)][(APP, F.NEW, F.TOTAL)]


def test_missing_column(project_2020_2021):
    b = project_2020_2021
    b.edit_rows("demo", 2021, "review", lambda h, rows: ([c for c in h if c != "其他结果"], [r[:3] + r[4:] for r in rows]))
    (f,) = input_findings(b, 2021)
    assert (f.column, f.line) == ("其他结果", 1)
    assert "第1行：缺少列「其他结果」" in f.message


def test_extra_cell_beyond_the_header(project_2020_2021):
    b = project_2020_2021

    def edit(h, rows):
        rows[3] = rows[3] + ["5"]
        return h, rows

    b.edit_rows("demo", 2020, "applications", edit)
    found = input_findings(b, 2020)
    extra = next(f for f in found if f.line == 5)
    label = F.V2019.application_labels[3]
    assert extra.message == "data/2020/demo/applications.csv 第5行：单元格多于表头的8列，请删除多余的内容。"
    assert any(f.row == label and "缺少行" in f.message for f in found)  # the row is not half-read


def test_v2019_row_in_a_2021_file(project_2020_2021):
    b = project_2020_2021

    def edit(h, rows):
        rows = [r for r in rows if r[0] not in F.V2021.application_labels[20:23]]
        rows.insert(20, ["（六）其他处理", "0", "0", "0", "0", "0", "0", "0"])
        return h, rows

    b.edit_rows("demo", 2021, "applications", edit)
    found = input_findings(b, 2021)
    f = next(f for f in found if f.row == "（六）其他处理")
    assert f.line == 22
    assert f.message.startswith("data/2021/demo/applications.csv 第22行：「（六）其他处理」是分组标题")
    assert "V2019" in f.message and "2021年应使用V2021格式" in f.message
    assert {x.row for x in found if "缺少行" in x.message} == set(F.V2021.application_labels[20:23])


def test_v2021_row_in_a_2020_file(project_2020_2021):
    b = project_2020_2021

    def edit(h, rows):
        rows.insert(20, [F.OTHER_OVERDUE_CORRECTION, "0", "0", "0", "0", "0", "0", "0"])
        return h, rows

    b.edit_rows("demo", 2020, "applications", edit)
    (f,) = input_findings(b, 2020)
    assert (f.row, f.line) == (F.OTHER_OVERDUE_CORRECTION, 22)
    assert f.message == (
        f"data/2020/demo/applications.csv 第22行：「{F.OTHER_OVERDUE_CORRECTION}」是V2021格式（2021年及以后）的行，"
        "2020年应使用V2019格式（国办公开办函〔2019〕60号）。可用 nianbao template --year 2020 生成正确的模板。"
    )


def test_v2019_indicator_in_a_2021_disclosure(project_2020_2021):
    b = project_2020_2021
    b.edit_rows("demo", 2021, "disclosure", lambda h, rows: (h, rows + [["规章", "本年新制作数量", "1"]]))
    (f,) = input_findings(b, 2021)
    assert (f.table, f.row, f.column, f.line) == ("disclosure", "规章", "本年新制作数量", 12)
    assert f.message == (
        "data/2021/demo/disclosure.csv 第12行：「本年新制作数量」是V2019格式的指标，2021年应使用V2021格式。"
        "「规章」的指标应为：本年制发件数、本年废止件数、现行有效件数。"
    )


@pytest.mark.parametrize("row", ["规范性文件", "其他对外管理服务事项", "政府集中采购"])
def test_v2019_disclosure_row_in_2021(project_2020_2021, row):
    b = project_2020_2021
    b.edit_rows("demo", 2021, "disclosure", lambda h, rows: (h, rows + [[row, "处理决定数量", "1"]]))
    (f,) = input_findings(b, 2021)
    assert f.line == 12 and f.row == row
    assert f"「{row}」是V2019格式（2019—2020年）的行" in f.message


def test_unknown_disclosure_indicator(project_2020_2021):
    b = project_2020_2021
    b.edit_rows("demo", 2021, "disclosure", lambda h, rows: (h, rows + [["行政许可", "本年受理数量", "1"]]))
    (f,) = input_findings(b, 2021)
    assert "无法识别的指标「本年受理数量」" in f.message and "「行政许可」的指标应为：本年处理决定数量" in f.message


def test_missing_disclosure_indicator(project_2020_2021):
    b = project_2020_2021
    b.edit_rows("demo", 2021, "disclosure", lambda h, rows: (h, [r for r in rows if r[0] != "行政强制"]))
    (f,) = input_findings(b, 2021)
    assert (f.row, f.column) == ("行政强制", "本年处理决定数量")
    assert "请补上一行 行政强制,本年处理决定数量,0" in f.message


@pytest.mark.parametrize("group", ["（三）不予公开", "（四）无法提供", "(五)不予处理"])
@pytest.mark.parametrize("year", [2020, 2021])
def test_group_label_used_as_a_row(project_2020_2021, group, year):
    b = project_2020_2021
    b.edit_rows("demo", year, "applications", lambda h, rows: (h, rows[:4] + [[group] + ["0"] * 7] + rows[4:]))
    (f,) = input_findings(b, year)
    assert f.line == 6
    assert f.message == (
        f"data/{year}/demo/applications.csv 第6行：「{group}」是分组标题，官方表格中没有它的合计行，请删除该行，只填写其下各小项。"
    )


def test_invalid_slug_in_departments_is_rejected(tmp_path):
    (tmp_path / "params").mkdir()
    (tmp_path / "params" / "departments.csv").write_text(
        "id,name,region\nok-1,甲局,示例区\nBad Id,乙局,示例区\n../x,丙局,示例区\n", encoding="utf-8"
    )
    project = load_project(tmp_path)
    assert list(project.departments) == ["ok-1"]
    bad = project.findings
    assert [(f.rule, f.table, f.line, f.column) for f in bad] == [
        ("INPUT", "departments", 3, "id"),
        ("INPUT", "departments", 4, "id"),
    ]
    assert bad[0].message == (
        "params/departments.csv 第3行：部门编号「Bad Id」无效，只能用小写字母、数字、- 和 _（它会成为路径和网址）。"
    )


def test_departments_duplicate_and_missing_columns(tmp_path):
    (tmp_path / "params").mkdir()
    path = tmp_path / "params" / "departments.csv"
    path.write_text("id,name,region\na,甲局,示例区\na,甲局二,示例区\nb,,示例区\n", encoding="utf-8")
    found = load_project(tmp_path).findings
    assert ["重复" in found[0].message, found[1].column] == [True, "name"]
    path.write_text("id,name\na,甲局\n", encoding="utf-8")
    with pytest.raises(ProjectError, match="params/departments.csv 缺少列：region"):
        load_project(tmp_path)


def test_data_folder_for_unlisted_department(project_2020_2021):
    b = project_2020_2021
    (b.root / "data" / "2021" / "ghost").mkdir()
    (b.root / "data" / "2021" / "Not_OK").mkdir()
    run = b.check()
    found = [f for f in run.findings if f.rule == "INPUT"]
    assert [(f.year, f.department, f.table, f.file) for f in found] == [
        (2021, "Not_OK", "departments", "data/2021/Not_OK"),
        (2021, "ghost", "departments", "data/2021/ghost"),
    ]
    assert found[0].message == "data/2021/Not_OK/ 的目录名「Not_OK」不是有效的部门编号（只能用小写字母、数字、- 和 _），请改名。"
    assert found[1].message == "data/2021/ghost/ 的部门编号「ghost」不在 params/departments.csv 中，请先在名单中登记该部门。"
    assert (2021, "ghost") not in run.checked


# ---------------------------------------------------------------------------
# Tolerant input
# ---------------------------------------------------------------------------


def assert_same_values(b, year):
    sub = sub_of(b, year)
    assert sub.findings == []
    for key, value in b.values[("demo", year)].items():
        assert sub.value(*key) == value, key


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
@pytest.mark.parametrize("year", [2020, 2021])
def test_encodings(project_2020_2021, encoding, year):
    b = project_2020_2021
    for table in ("applications", "review", "disclosure", "fees"):
        rewrite(b, year, table, text_of(b, year, table), encoding)
    narrative = b.folder("demo", year) / "narrative.md"
    narrative.write_bytes(narrative.read_text(encoding="utf-8").encode(encoding))
    if encoding in ("gbk", "gb18030"):  # really not UTF-8
        with pytest.raises(UnicodeDecodeError):
            b.path("demo", year, "applications").read_bytes().decode("utf-8")
    assert_same_values(b, year)
    assert b.check().findings == []


def test_label_spellings(project_2020_2021):
    b = project_2020_2021
    spellings = {
        "（一）予以公开": "(一) 予以公开",
        "1.属于国家秘密": "（三）不予公开/1.属于国家秘密",
        "2.其他法律行政法规禁止公开": "三、本年度办理结果/（三）不予公开/2、其他法律行政法规禁止公开",
        "3.危及“三安全一稳定”": '3．危及"三安全一稳定"',
        "1.本机关不掌握相关政府信息": "（四）无法提供 / 1、本机关不掌握相关政府信息",
        "2.重复申请": "2、 重复申请",
        F.OTHER_UNPAID_FEE: "(六)其他处理/2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        "3.其他": "（六）其他处理/3.其他",
        "（七）总计": " （七） 总计 ",
    }

    def edit(h, rows):
        for r in rows:
            r[0] = spellings.get(r[0], r[0])
        return h, rows

    b.edit_rows("demo", 2021, "applications", edit)
    assert_same_values(b, 2021)


def test_normalise_label():
    key = normalise_label("1.属于国家秘密")
    for spelling in ("1、属于国家秘密", "1．属于国家秘密", " 1. 属于 国家秘密", "１.属于国家秘密"):
        assert normalise_label(spelling) == key
    assert normalise_label("（三）不予公开/1、属于国家秘密") == normalise_label("(三)不予公开/1.属于国家秘密")
    assert normalise_label("1.属于国家秘密") != normalise_label("2.属于国家秘密")


@pytest.mark.parametrize(
    ("raw", "value"), [("12", 12), (" 12 ", 12), ("１２", 12), ("1,234", 1234), ("+3", 3), ("0", 0), ("1,234,567", 1234567)]
)
def test_number_spellings(project_2020_2021, raw, value):
    b = project_2020_2021
    b.set_cell("demo", 2021, "review", "复议后起诉", "结果纠正", raw)
    sub = sub_of(b, 2021)
    assert [f for f in sub.findings if f.rule == "R5"] == []
    assert sub.value(F.REVIEW, "复议后起诉", "结果纠正") == value


@pytest.mark.parametrize(
    ("raw", "domain", "value", "ok"),
    [
        ("1,234.5", F.AMOUNT, "1234.5", True),
        ("0.0001", F.AMOUNT, "0.0001", True),
        ("0.00001", F.AMOUNT, "0.00001", True),
        ("24252.311082", F.AMOUNT, "24252.311082", True),
        ("12.30000000", F.AMOUNT, "12.3", True),
        ("0.0000001", F.AMOUNT, None, False),
        ("1,23", F.COUNT, None, False),
        ("-8", F.SIGNED, -8, True),
        ("－8", F.SIGNED, -8, True),
        ("1.0", F.COUNT, None, False),
        ("—", F.SIGNED, None, False),
    ],
)
def test_parse_number(raw, domain, value, ok):
    from decimal import Decimal

    parsed, problem = parse_number(raw, domain)
    assert (problem is None) == ok
    if ok:
        assert parsed == (Decimal(value) if domain == F.AMOUNT else value)
        assert type(parsed) is (Decimal if domain == F.AMOUNT else int)
    else:
        assert parsed == 0


def test_blank_lines_and_trailing_empty_columns(project_2020_2021):
    b = project_2020_2021
    lines = text_of(b, 2021, "applications").splitlines()
    # Excel: a few empty columns at the right of every line, blank lines between and after
    padded = [line + ",," for line in lines]
    text = "\r\n".join(padded[:5] + ["", ",,,,,,,,,"] + padded[5:] + ["", ""]) + "\r\n"
    rewrite(b, 2021, "applications", text)
    assert_same_values(b, 2021)
    # the line numbers in findings still count the blank lines
    last = padded[-1].split(",")
    assert last[0] == F.CARRIED_OUT
    last[6] = "x"  # 其他
    text = text.replace(padded[-1], ",".join(last))
    rewrite(b, 2021, "applications", text)
    (r5,) = only(b.check(), "R5")
    assert (r5.row, r5.column, r5.actual) == (F.CARRIED_OUT, "其他", "x")
    assert r5.line == len(F.V2021.application_labels) + 1 + 2


def test_header_spelled_with_spaces_and_full_width(project_2020_2021):
    b = project_2020_2021
    text = text_of(b, 2021, "review").replace("结果维持", " 结果维持 ", 1)
    rewrite(b, 2021, "review", text)
    assert_same_values(b, 2021)


def test_disclosure_bare_purchase_amount_label_accepted(project_2020_2021):
    b = project_2020_2021
    text = text_of(b, 2020, "disclosure").replace("采购总金额（单位：万元）", "采购总金额")
    rewrite(b, 2020, "disclosure", text)
    assert_same_values(b, 2020)
