"""Every rule of docs/规则.md (and N1, S5, M1, waivers), holding and failing,
with the finding pointing at the cell the rule checks."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conftest import APP, ORG_COLUMNS, TWO_DEPARTMENTS, move_outcome, only, readd, rules_of
from nianbao import formats as F
from nianbao.datafiles import narrative_skeleton
from nianbao.findings import ERROR, WAIVED, WARNING
from nianbao.rules import RULES, constraints
from nianbao.testing import ProjectBuilder

BOTH = pytest.mark.parametrize("year", [2020, 2021], ids=["V2019", "V2021"])


def app_line(year, label):
    """1-based line of a row in a builder-written applications.csv."""
    return F.format_for_year(year).application_labels.index(label) + 2


@pytest.fixture
def years_2019_2022(builder):
    for year in (2019, 2020, 2021, 2022):
        builder.add("demo", year, size=60)
    return builder


def test_rule_catalogue():
    errors = {"INPUT", "R1", "R2", "R3", "R4", "R5", "X1"}
    warnings = {"S1", "S2", "S3", "S4", "S5", "X2", "X3", "N1", "M1"}
    assert errors | warnings <= set(RULES)
    assert all(RULES[r].severity == ERROR for r in errors)
    assert all(RULES[r].severity == WARNING for r in warnings)
    assert all(RULES[r].statement for r in RULES)


def test_constraints_per_version():
    def count(fmt, rule):
        return sum(1 for c in constraints(fmt) if c.rule == rule)

    for fmt, rows in ((F.V2019, 23), (F.V2021, 25)):
        assert count(fmt, "R1") == 7 and count(fmt, "R3") == 7 and count(fmt, "X1") == 7
        assert count(fmt, "R2") == rows
        assert count(fmt, "R4") == 3
    assert count(F.V2019, "S1") == 2 and count(F.V2021, "S1") == 0
    assert count(F.V2021, "S2") == 2 and count(F.V2019, "S2") == 0
    assert count(F.V2021, "S3") == 1 and count(F.V2019, "S3") == 0
    assert count(F.V2021, "X2") == 2 and count(F.V2019, "X2") == 0
    assert count(F.V2019, "X3") == 5 and count(F.V2021, "X3") == 0


def test_balanced_project_has_no_findings(years_2019_2022):
    run = years_2019_2022.check()
    assert sorted(run.checked) == [(y, "demo") for y in (2019, 2020, 2021, 2022)]
    assert run.findings == []


# ---------------------------------------------------------------------------
# R1–R4
# ---------------------------------------------------------------------------


@BOTH
def test_r1_points_at_column_with_both_sides(project_2020_2021, year):
    b = project_2020_2021

    def edit(v):
        for col in ("自然人", F.TOTAL):  # R2 keeps holding; only R1 breaks
            v[(APP, F.NEW, col)] += 2

    v = readd(b, "demo", year, edit)
    run = b.check()
    r1 = only(run, "R1", year)
    assert [(f.column, f.row, f.table, f.severity) for f in r1] == [
        ("自然人", None, "applications", "error"),
        ("总计", None, "applications", "error"),
    ]
    for f in r1:
        col = f.column
        assert f.actual == v[(APP, F.NEW, col)] + v[(APP, F.CARRIED_IN, col)]
        assert f.expected == v[(APP, F.OUTCOME_TOTAL, col)] + v[(APP, F.CARRIED_OUT, col)]
        assert f.actual == f.expected + 2
    assert rules_of(run) == {"R1"}


@BOTH
def test_r2_points_at_the_rows_total(project_2020_2021, year):
    b = project_2020_2021
    label = "1.属于国家秘密"
    v = b.values[("demo", year)]
    b.set_cell("demo", year, "applications", label, "总计", str(v[(APP, label, F.TOTAL)] + 5))
    r2 = only(b.check(), "R2", year)
    assert len(r2) == 1
    f = r2[0]
    assert (f.table, f.row, f.column) == ("applications", label, "总计")
    assert f.expected == sum(v[(APP, label, c)] for c in ORG_COLUMNS)
    assert f.actual == f.expected + 5
    assert f.message == f"各类申请人合计 {f.expected} ≠ 总计 {f.actual}"


@BOTH
def test_blank_total_gives_r5_and_r2_with_what_it_should_hold(project_2020_2021, year):
    b = project_2020_2021
    v = b.values[("demo", year)]
    should = sum(v[(APP, F.GRANTED, c)] for c in ORG_COLUMNS)
    assert should > 0
    b.set_cell("demo", year, "applications", F.GRANTED, "总计", "")
    run = b.check()
    (r5,) = only(run, "R5", year)
    assert (r5.row, r5.column, r5.actual) == (F.GRANTED, "总计", "")
    (r2,) = only(run, "R2", year)
    assert (r2.row, r2.column, r2.expected, r2.actual) == (F.GRANTED, "总计", should, 0)
    # read as 0, so R3 on the 总计 column also tells the truth about the gap
    (r3,) = only(run, "R3", year)
    assert (r3.row, r3.column) == (F.OUTCOME_TOTAL, "总计")
    assert r3.expected == v[(APP, F.OUTCOME_TOTAL, F.TOTAL)] - v[(APP, F.GRANTED, F.TOTAL)]


@BOTH
def test_r3_points_at_the_outcome_total_of_the_column(project_2020_2021, year):
    b = project_2020_2021
    v = b.values[("demo", year)]
    handled = v[(APP, F.OUTCOME_TOTAL, "商业企业")]
    b.set_cell("demo", year, "applications", F.OUTCOME_TOTAL, "商业企业", str(handled + 7))
    run = b.check()
    (r3,) = only(run, "R3", year)
    assert (r3.table, r3.row, r3.column, r3.severity) == ("applications", "（七）总计", "商业企业", "error")
    assert (r3.expected, r3.actual) == (handled, handled + 7)
    assert r3.message == f"（一）至（六）合计 {handled} ≠ （七）总计 {handled + 7}"
    # the same wrong cell also breaks R1 (column) and R2 (row): all reported
    assert {f.rule for f in run.findings if f.year == year} == {"R1", "R2", "R3"}


def test_r3_counts_the_three_other_rows_in_v2021(project_2020_2021):
    b = project_2020_2021
    # Moving applications into the （六） sub-rows keeps R3 true: they are outcome rows.
    def edit(v):
        move_outcome(v, "自然人", F.GRANTED, F.OTHER_OVERDUE_CORRECTION, 1)
        move_outcome(v, "自然人", F.GRANTED, "3.其他", 1)

    readd(b, "demo", 2021, edit)
    assert b.check().findings == []
    # One more in a （六） sub-row without touching （七）总计 breaks R3 by exactly one.
    v = b.values[("demo", 2021)]
    b.set_cell("demo", 2021, "applications", "3.其他", "自然人", str(v[(APP, "3.其他", "自然人")] + 1))
    b.set_cell("demo", 2021, "applications", "3.其他", "总计", str(v[(APP, "3.其他", F.TOTAL)] + 1))
    r3 = only(b.check(), "R3", 2021)
    assert [(f.column, f.expected, f.actual) for f in r3] == [
        ("自然人", v[(APP, F.OUTCOME_TOTAL, "自然人")] + 1, v[(APP, F.OUTCOME_TOTAL, "自然人")]),
        ("总计", v[(APP, F.OUTCOME_TOTAL, F.TOTAL)] + 1, v[(APP, F.OUTCOME_TOTAL, F.TOTAL)]),
    ]


def test_r3_counts_the_single_other_row_in_v2019(project_2020_2021):
    b = project_2020_2021
    readd(b, "demo", 2020, lambda v: move_outcome(v, "自然人", F.GRANTED, F.OTHER, 2))
    assert only(b.check(), "R3") == []
    v = b.values[("demo", 2020)]
    b.set_cell("demo", 2020, "applications", F.OTHER, "自然人", str(v[(APP, F.OTHER, "自然人")] + 1))
    r3 = only(b.check(), "R3", 2020)
    assert [(f.row, f.column, f.expected, f.actual) for f in r3] == [
        ("（七）总计", "自然人", v[(APP, F.OUTCOME_TOTAL, "自然人")] + 1, v[(APP, F.OUTCOME_TOTAL, "自然人")])
    ]


@BOTH
@pytest.mark.parametrize("group", F.REVIEW_ROWS)
def test_r4_points_at_the_groups_total(project_2020_2021, year, group):
    b = project_2020_2021

    def edit(v):
        for col, n in zip(F.REVIEW_COLUMNS[:-1], (2, 1, 0, 3), strict=True):
            v[(F.REVIEW, group, col)] = n
        v[(F.REVIEW, group, F.TOTAL)] = 6

    readd(b, "demo", year, edit)
    assert only(b.check(), "R4") == []
    b.set_cell("demo", year, "review", group, "总计", "4")
    run = b.check()
    (r4,) = only(run, "R4", year)
    assert (r4.table, r4.row, r4.column, r4.expected, r4.actual) == ("review", group, "总计", 6, 4)
    assert rules_of(run) == {"R4"}


# ---------------------------------------------------------------------------
# R5: cell domains
# ---------------------------------------------------------------------------


@BOTH
@pytest.mark.parametrize("raw", ["", "-", "—", "无", "/", "12件", "-3", "1.5", "0.0", "abc"])
def test_r5_bad_count(project_2020_2021, year, raw):
    b = project_2020_2021
    b.set_cell("demo", year, "applications", F.GRANTED, "商业企业", raw)
    run = b.check()
    (r5,) = only(run, "R5")
    assert (r5.year, r5.table, r5.row, r5.column, r5.severity) == (year, "applications", F.GRANTED, "商业企业", "error")
    assert r5.actual == raw
    assert r5.line == app_line(year, F.GRANTED)
    rel = f"data/{year}/demo/applications.csv"
    assert r5.file == rel
    assert r5.message.startswith(f"{rel} 第{r5.line}行「商业企业」列")
    if raw in ("", "-", "—", "无", "/"):
        assert "请填写0" in r5.message
    if raw == "-3":
        assert "不能为负数" in r5.message


def test_r5_signed_change_may_be_negative_only_in_its_column(builder):
    builder.add("demo", 2019, size=30)
    builder.add("demo", 2020, size=30)
    builder.set_cell("demo", 2020, "disclosure", "行政强制", "本年增/减", "-3")
    builder.set_cell("demo", 2020, "disclosure", "行政处罚", "本年增/减", "+2")
    run = builder.check()
    assert only(run, "R5") == []
    sub = run.submissions[(2020, "demo")]
    assert sub.value(F.DISCLOSURE, "行政强制", "本年增/减") == -3
    assert sub.value(F.DISCLOSURE, "行政处罚", "本年增/减") == 2
    builder.set_cell("demo", 2020, "disclosure", "行政强制", "处理决定数量", "-3")
    (r5,) = only(builder.check(), "R5")
    assert (r5.table, r5.row, r5.column, r5.actual) == ("disclosure", "行政强制", "处理决定数量", "-3")
    assert "不能为负数" in r5.message


@pytest.mark.parametrize(
    ("year", "row", "column"),
    [(2021, "行政事业性收费", "本年收费金额（单位：万元）"), (2020, "政府集中采购", "采购总金额（单位：万元）")],
)
def test_r5_amounts_are_exact_with_at_most_six_places(project_2020_2021, year, row, column):
    b = project_2020_2021
    b.set_cell("demo", year, "disclosure", row, column, "24252.311082")
    run = b.check()
    assert only(run, "R5") == []
    value = run.submissions[(year, "demo")].value(F.DISCLOSURE, row, column)
    assert value == Decimal("24252.311082") and isinstance(value, Decimal)
    b.set_cell("demo", year, "disclosure", row, column, "12.3456789")
    (r5,) = only(b.check(), "R5")
    assert (r5.table, r5.row, r5.column, r5.actual) == ("disclosure", row, column, "12.3456789")
    assert "小数位数过多" in r5.message
    b.set_cell("demo", year, "disclosure", row, column, "-1.5")
    (r5,) = only(b.check(), "R5")
    assert r5.actual == "-1.5" and "不能为负数" in r5.message


def test_r5_in_fees(project_2020_2021):
    b = project_2020_2021
    b.set_cell("demo", 2021, "fees", "发出收费通知件数", None, "1.5")
    (r5,) = only(b.check(), "R5")
    assert (r5.table, r5.row, r5.column, r5.actual, r5.line) == ("fees", "发出收费通知件数", "数值", "1.5", 2)


# ---------------------------------------------------------------------------
# S1–S4
# ---------------------------------------------------------------------------


def test_s1_v2019_published_total_not_below_new(project_2020_2021):
    b = project_2020_2021

    def edit(total):
        def apply(v):
            v[(F.DISCLOSURE, "规范性文件", "本年新公开数量")] = 5
            v[(F.DISCLOSURE, "规范性文件", "对外公开总数量")] = total

        return apply

    readd(b, "demo", 2020, edit(5))
    assert only(b.check(), "S1") == []
    readd(b, "demo", 2020, edit(3))
    run = b.check()
    (s1,) = only(run, "S1")
    assert (s1.year, s1.severity, s1.table, s1.row, s1.column) == (2020, "warning", "disclosure", "规范性文件", "对外公开总数量")
    assert (s1.expected, s1.actual) == (5, 3)
    assert s1.message == "对外公开总数量 3 小于 本年新公开数量 5"


def test_s2_v2021_repealed_not_above_last_in_force_plus_issued(builder):
    builder.add("demo", 2021, size=40)
    builder.add("demo", 2022, size=40)
    last = builder.values[("demo", 2021)][(F.DISCLOSURE, "规章", "现行有效件数")]

    def edit(repealed):
        def apply(v):
            v[(F.DISCLOSURE, "规章", "本年制发件数")] = 2
            v[(F.DISCLOSURE, "规章", "本年废止件数")] = repealed
            v[(F.DISCLOSURE, "规章", "现行有效件数")] = max(0, last + 2 - repealed)

        return apply

    readd(builder, "demo", 2022, edit(last + 2))  # repeal everything: allowed
    assert only(builder.check(), "S2") == []
    readd(builder, "demo", 2022, edit(last + 3))
    (s2,) = only(builder.check(), "S2")
    assert (s2.year, s2.severity, s2.row, s2.column) == (2022, "warning", "规章", "本年废止件数")
    assert (s2.expected, s2.actual) == (last + 2, last + 3)
    assert "2021年" in s2.message


def test_s2_and_x2_skipped_without_a_v2021_previous_year(project_2020_2021):
    b = project_2020_2021
    # 2021's previous year is V2019, which has no 现行有效件数: S2/X2 cannot be evaluated.
    b.set_cell("demo", 2021, "disclosure", "规章", "本年废止件数", "999")
    b.set_cell("demo", 2021, "disclosure", "规章", "现行有效件数", "1")
    assert rules_of(b.check()) == set()


def test_s3_unpaid_fee_rows_vs_fee_notices(project_2020_2021):
    b = project_2020_2021
    base = b.values[("demo", 2021)]

    def with_notices(notices):
        v = dict(base)
        move_outcome(v, "自然人", F.GRANTED, F.OTHER_UNPAID_FEE, 2)
        v[(F.FEES, F.FEE_NOTICES, F.FEE_VALUE)] = notices
        v[(F.FEES, F.FEE_NOTICE_AMOUNT, F.FEE_VALUE)] = Decimal("0.01") * notices  # S7 holds
        b.add("demo", 2021, values=v)
        return b.check()

    assert with_notices(2).findings == []
    run = with_notices(1)
    (s3,) = only(run, "S3")
    assert (s3.severity, s3.table, s3.row, s3.column) == ("warning", "applications", F.OTHER_UNPAID_FEE, "总计")
    assert (s3.expected, s3.actual) == (1, 2)
    assert rules_of(run) == {"S3"}


def test_s3_not_in_v2019(project_2020_2021):
    assert not any(c.rule == "S3" for c in constraints(F.V2019))


def narrative(one: str, five: str = "", six: str = "无。") -> str:
    five = five or "本年度公开工作仍存在栏目更新不够及时等问题，下一步将完善发布审核机制，加强培训。"
    return f"## 一、总体情况\n\n{one}\n\n## 五、存在的主要问题及改进情况\n\n{five}\n\n## 六、其他需要报告的事项\n\n{six}\n"


@BOTH
def test_s4_prose_numbers_vs_tables(project_2020_2021, year):
    b = project_2020_2021
    v = b.values[("demo", year)]
    new = v[(APP, F.NEW, F.TOTAL)]
    done = v[(APP, F.OUTCOME_TOTAL, F.TOTAL)]
    review = v[(F.REVIEW, "行政复议", F.TOTAL)]
    good = f"本年度共收到政府信息公开申请{new}件，办结{done}件；被申请行政复议{review}件。"
    b.add("demo", year, values=v, narrative=narrative(good))
    assert only(b.check(), "S4") == []

    bad = f"本年度共收到政府信息公开申请{new + 100}件，办结{done + 1}件；被申请行政复议{review + 3}件。"
    b.add("demo", year, values=v, narrative=narrative(bad))
    s4 = only(b.check(), "S4", year)
    got = {(f.table, f.row, f.column): (f.expected, f.actual) for f in s4}
    assert got == {
        ("applications", F.NEW, "总计"): (new, new + 100),
        ("applications", F.OUTCOME_TOTAL, "总计"): (done, done + 1),
        ("review", "行政复议", "总计"): (review, review + 3),
    }
    assert all(f.severity == "warning" and f.file == f"data/{year}/demo/narrative.md" for f in s4)
    assert any(f"收到政府信息公开申请{new + 100}件" in f.message and "一、总体情况" in f.message for f in s4)


def test_s4_accepts_new_plus_carried_in_and_ignores_last_year(project_2020_2021):
    b = project_2020_2021
    v = b.values[("demo", 2021)]
    new, carried = v[(APP, F.NEW, F.TOTAL)], v[(APP, F.CARRIED_IN, F.TOTAL)]
    text = (
        f"本年度共收到政府信息公开申请{new + carried}件（含上年结转）。"
        f"上年收到政府信息公开申请{new + 55}件，办结{new + 66}件。"
        f"同比增加，去年办结{new + 77}件。"
    )
    b.add("demo", 2021, values=v, narrative=narrative(text))
    assert only(b.check(), "S4") == []


def test_s4_group_totals(project_2020_2021):
    b = project_2020_2021
    v = b.values[("demo", 2021)]
    withheld = sum(v[(APP, r.label, F.TOTAL)] for r in F.V2021.application_rows if r.group == F.WITHHELD)
    b.add("demo", 2021, values=v, narrative=narrative(f"其中不予公开{withheld}件。"))
    assert only(b.check(), "S4") == []
    b.add("demo", 2021, values=v, narrative=narrative(f"其中不予公开{withheld + 4}件。"))
    (s4,) = only(b.check(), "S4")
    assert (s4.row, s4.column, s4.expected, s4.actual) == (F.WITHHELD, "总计", withheld, withheld + 4)


# ---------------------------------------------------------------------------
# S5: 内容雷同
# ---------------------------------------------------------------------------

LONG_ONE = (
    "本机关坚持以公开为常态、不公开为例外，围绕重点领域信息公开持续发力，"
    "完善主动公开目录，规范依申请公开办理流程，加强政府信息管理和平台建设，强化监督保障。"
)


def test_s5_copied_from_previous_year(project_2020_2021):
    b = project_2020_2021
    for year in (2020, 2021):
        b.add("demo", year, values=b.values[("demo", year)], narrative=narrative(LONG_ONE))
    run = b.check()
    s5 = only(run, "S5")
    assert [(f.year, f.table, f.row, f.severity) for f in s5] == [(2021, "narrative", "一、总体情况", "warning")]
    assert "2020年" in s5[0].message and "内容雷同" in s5[0].message
    # Rewritten for the year: no S5.
    other = "本年度重点推进基层政务公开标准化规范化建设，梳理公开事项清单，优化政务公开专区服务，" * 2
    b.add("demo", 2021, values=b.values[("demo", 2021)], narrative=narrative(other))
    assert only(b.check(), "S5") == []


def test_s5_short_standard_sentences_are_not_copying(project_2020_2021):
    b = project_2020_2021
    for year in (2020, 2021):
        b.add("demo", year, values=b.values[("demo", year)], narrative=narrative("本年度工作平稳推进。", "无。"))
    assert only(b.check(), "S5") == []


def test_s5_copied_from_another_department_same_region_and_year(tmp_path):
    b = ProjectBuilder(tmp_path, TWO_DEPARTMENTS + (("gamma", "另一区丙局", "另一区"),))
    for dept in ("alpha", "beta", "gamma"):
        b.add(dept, 2021, size=20)
        b.add(dept, 2021, values=b.values[(dept, 2021)], narrative=narrative(LONG_ONE))
    s5 = only(b.check(), "S5")
    assert sorted((f.department, f.row) for f in s5) == [("alpha", "一、总体情况"), ("beta", "一、总体情况")]
    by_dept = {f.department: f.message for f in s5}
    assert "示例区乙局（beta）" in by_dept["alpha"] and "示例区甲局（alpha）" in by_dept["beta"]
    assert "gamma" not in " ".join(by_dept.values())  # other region: not a peer


# ---------------------------------------------------------------------------
# X1–X3
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("year", [2020, 2021, 2022], ids=["V2019-V2019", "V2019-V2021", "V2021-V2021"])
def test_x1_carried_in_equals_last_years_carried_out(years_2019_2022, year):
    b = years_2019_2022
    last_out = b.values[("demo", year - 1)][(APP, F.CARRIED_OUT, "科研机构")]

    def edit(v):  # 二 and 四 both +3: R1/R2 hold, only X1 breaks
        for col in ("科研机构", F.TOTAL):
            v[(APP, F.CARRIED_IN, col)] += 3
            v[(APP, F.CARRIED_OUT, col)] += 3

    readd(b, "demo", year, edit)
    run = b.check()
    x1 = only(run, "X1", year)
    assert [(f.year, f.table, f.row, f.column, f.severity) for f in x1] == [
        (year, "applications", F.CARRIED_IN, "科研机构", "error"),
        (year, "applications", F.CARRIED_IN, "总计", "error"),
    ]
    assert (x1[0].expected, x1[0].actual) == (last_out, last_out + 3)
    assert f"（{year - 1}年）" in x1[0].message
    assert rules_of(run) == {"X1"}
    # the next year's 二 no longer matches this year's 四: X1 there too, the other way round
    following = only(run, "X1", year + 1)
    if year < 2022:
        out = b.values[("demo", year)]  # this year's new 四
        assert [(f.column, f.expected, f.actual) for f in following] == [
            ("科研机构", out[(APP, F.CARRIED_OUT, "科研机构")], out[(APP, F.CARRIED_OUT, "科研机构")] - 3),
            ("总计", out[(APP, F.CARRIED_OUT, F.TOTAL)], out[(APP, F.CARRIED_OUT, F.TOTAL)] - 3),
        ]
    else:
        assert following == []


def test_x1_needs_the_previous_year(builder):
    builder.add("demo", 2021, size=30)
    builder.set_cell("demo", 2021, "applications", F.CARRIED_IN, "自然人", "5")
    builder.set_cell("demo", 2021, "applications", F.CARRIED_OUT, "自然人", "5")
    builder.set_cell("demo", 2021, "applications", F.CARRIED_IN, "总计", "5")
    builder.set_cell("demo", 2021, "applications", F.CARRIED_OUT, "总计", "5")
    assert only(builder.check(), "X1") == []


def test_x2_in_force_continues_last_year(years_2019_2022):
    b = years_2019_2022
    v = b.values[("demo", 2022)]
    in_force = v[(F.DISCLOSURE, "行政规范性文件", "现行有效件数")]
    b.set_cell("demo", 2022, "disclosure", "行政规范性文件", "现行有效件数", str(in_force + 4))
    run = b.check()
    (x2,) = only(run, "X2")
    assert (x2.year, x2.severity, x2.table, x2.row, x2.column) == (2022, "warning", "disclosure", "行政规范性文件", "现行有效件数")
    assert (x2.expected, x2.actual) == (in_force, in_force + 4)
    assert rules_of(run) == {"X2"}


def test_x3_items_continue_last_year_v2019(years_2019_2022):
    b = years_2019_2022
    last = b.values[("demo", 2019)]
    expected = last[(F.DISCLOSURE, "行政事业性收费", "上一年项目数量")] + last[(F.DISCLOSURE, "行政事业性收费", "本年增/减")]
    b.set_cell("demo", 2020, "disclosure", "行政事业性收费", "上一年项目数量", str(expected + 2))
    run = b.check()
    (x3,) = only(run, "X3")
    assert (x3.year, x3.severity, x3.row, x3.column) == (2020, "warning", "行政事业性收费", "上一年项目数量")
    assert (x3.expected, x3.actual) == (expected, expected + 2)
    assert rules_of(run) == {"X3"}


# ---------------------------------------------------------------------------
# N1, M1
# ---------------------------------------------------------------------------


def test_n1_missing_narrative_file(project_2020_2021):
    b = project_2020_2021
    (b.folder("demo", 2021) / "narrative.md").unlink()
    (n1,) = only(b.check(), "N1")
    assert (n1.year, n1.severity, n1.table, n1.row) == (2021, "warning", "narrative", None)
    assert n1.message.startswith("缺少 data/2021/demo/narrative.md")


def test_n1_missing_and_empty_sections(project_2020_2021):
    b = project_2020_2021
    text = "## 一、总体情况\n\n本年度工作有序开展。\n\n## 五、存在的主要问题及改进情况\n\n\n"
    b.add("demo", 2021, values=b.values[("demo", 2021)], narrative=text)
    n1 = only(b.check(), "N1")
    assert [f.row for f in n1] == ["五、存在的主要问题及改进情况", "六、其他需要报告的事项"]
    assert all("data/2021/demo/narrative.md" in f.message and "## " in f.message for f in n1)


def test_n2_template_prompts_left_unchanged(project_2020_2021):
    b = project_2020_2021
    b.add("demo", 2021, values=b.values[("demo", 2021)], narrative=narrative_skeleton())
    run = b.check()
    assert only(run, "N1") == []  # one finding per section: the prompt, not also "empty"
    n2 = only(run, "N2")
    assert [f.row for f in n2] == list(F.AUTHORED_SECTIONS)
    assert {f.severity for f in n2} == {ERROR}
    assert run.submissions[(2021, "demo")].narrative == {}  # a prompt is never published


def test_n2_lines_without_a_prompts_first_character_are_rightly_skipped():
    """is_prompt looks closer only at lines holding a prompt's first character
    (请): right while NFKC makes that character of no other code point.  All of
    Unicode normalised at once keeps each such character exactly once."""
    import sys
    import unicodedata

    from nianbao.narrative_reader import _PROMPT_KEYS, _PROMPT_STARTS

    assert _PROMPT_STARTS == {key[0] for key in _PROMPT_KEYS}
    every = "".join(map(chr, range(sys.maxunicode + 1)))
    normalised = unicodedata.normalize("NFKC", every)
    assert {start: normalised.count(start) for start in _PROMPT_STARTS} == dict.fromkeys(_PROMPT_STARTS, 1)
    assert normalised.count("1") > 1  # the measure sees a character other code points become (１, ①, ¹)


def test_n1_unknown_heading_names_the_line(project_2020_2021):
    b = project_2020_2021
    text = narrative("本年度工作有序开展。") + "\n## 七、附录\n\n其他内容。\n"
    b.add("demo", 2021, values=b.values[("demo", 2021)], narrative=text)
    (n1,) = only(b.check(), "N1")
    assert n1.line == text.splitlines().index("## 七、附录") + 1
    assert f"第{n1.line}行" in n1.message and "七、附录" in n1.message


def test_headings_are_matched_tolerantly(project_2020_2021):
    b = project_2020_2021
    text = "## 一、 总体情况\n\n工作有序。\n\n## 五、存在问题\n\n问题若干。\n\n##   六、其他需要报告的事项 ##\n\n无。\n"
    b.add("demo", 2021, values=b.values[("demo", 2021)], narrative=text)
    run = b.check()
    assert only(run, "N1") == []
    assert run.submissions[(2021, "demo")].narrative["五、存在的主要问题及改进情况"] == "问题若干。"


def test_m1_listed_department_without_data(tmp_path):
    b = ProjectBuilder(tmp_path, TWO_DEPARTMENTS + (("gamma", "另一区丙局", "另一区"),))
    b.add("alpha", 2020, size=10)
    b.add("alpha", 2021, size=10)
    b.add("beta", 2020, size=10)
    run = b.check()
    (m1,) = only(run, "M1")
    assert (m1.year, m1.department, m1.severity, m1.table) == (2021, "beta", "warning", "departments")
    assert "示例区乙局（beta）" in m1.message and "data/2021/beta/" in m1.message
    # gamma's region has no data at all: not flagged; selecting only alpha: no M1
    assert only(b.check(departments=["alpha"]), "M1") == []


# ---------------------------------------------------------------------------
# Waivers and the whole run
# ---------------------------------------------------------------------------


def write_waivers(b, year, *lines):
    text = "规则,表,行,列,说明\n" + "".join(line + "\n" for line in lines)
    (b.folder("demo", year) / "waivers.csv").write_text(text, encoding="utf-8")


def break_x1(b):
    def edit(v):
        for col in ("自然人", F.TOTAL):
            v[(APP, F.CARRIED_IN, col)] += 1
            v[(APP, F.CARRIED_OUT, col)] += 1

    readd(b, "demo", 2021, edit)


@pytest.mark.parametrize("table", ["申请表", "applications"])
def test_waiver_turns_matching_finding_into_waived(project_2020_2021, table):
    b = project_2020_2021
    break_x1(b)
    write_waivers(b, 2021, f"X1,{table},二、上年结转政府信息公开申请数量,自然人,上年报告漏报1件，已在本年更正")
    run = b.check()
    x1 = {f.column: f for f in only(run, "X1")}
    assert x1["自然人"].severity == WAIVED
    assert x1["自然人"].explanation == "上年报告漏报1件，已在本年更正"
    assert not x1["自然人"].blocking
    assert x1["总计"].severity == ERROR  # the waiver names one column only


def test_waiver_without_row_and_column_covers_the_rule(project_2020_2021):
    b = project_2020_2021
    break_x1(b)
    write_waivers(b, 2021, "x1,申请表,,,机构改革后统计口径调整，结转数不一致")
    assert {f.severity for f in only(b.check(), "X1")} == {WAIVED}


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("R5,申请表,（一）予以公开,商业企业,原表为空", "规则 R5 的问题须改正数据"),
        ("INPUT,,,,文件稍后补交", "规则 INPUT 的问题须改正数据"),
        ("R9,申请表,,,随便写一条足够长的说明文字", "未知的规则「R9」"),
        ("X1,不存在的表,,,随便写一条足够长的说明文字", "未知的表「不存在的表」"),
        ("X1,申请表,,,", "「说明」只有0个字"),
        ("R2,,,,全部说明", "「表」为空"),
        ("R2,申请表,,,全部说明", "「说明」只有4个字"),
        ("N2,报告文字,,,模板提示语暂时保留待补写", "规则 N2 的问题须改正数据"),
    ],
)
def test_invalid_waivers_are_refused(project_2020_2021, line, says):
    b = project_2020_2021
    b.set_cell("demo", 2021, "applications", F.GRANTED, "商业企业", "")
    write_waivers(b, 2021, line)
    run = b.check()
    (r5,) = only(run, "R5")
    assert r5.severity == ERROR  # never waived
    (refused,) = only(run, "INPUT")
    assert refused.file == "data/2021/demo/waivers.csv" and refused.line == 2
    assert refused.message.startswith("data/2021/demo/waivers.csv 第2行：") and says in refused.message


def test_one_run_reports_every_finding(tmp_path):
    b = ProjectBuilder(tmp_path, TWO_DEPARTMENTS)
    for dept in ("alpha", "beta"):
        b.add(dept, 2020, size=40)
        b.add(dept, 2021, size=40)
    # alpha 2020: a blank cell and a wrong review total; alpha 2021: X1 and a bad disclosure row
    b.set_cell("alpha", 2020, "applications", "2.重复申请", "自然人", "—")
    b.set_cell("alpha", 2020, "review", "复议后起诉", "总计", "9")
    b.set_cell("alpha", 2021, "applications", F.CARRIED_IN, "其他", "50")
    b.edit_rows("alpha", 2021, "disclosure", lambda h, rows: (h, rows + [["规范性文件", "本年新制作数量", "1"]]))
    # beta 2021: missing file and a wrong outcome total
    (b.folder("beta", 2021) / "review.csv").unlink()
    b.set_cell("beta", 2021, "applications", F.OUTCOME_TOTAL, "自然人", "0")
    run = b.check()
    seen = {(f.year, f.department, f.rule) for f in run.findings}
    assert {
        (2020, "alpha", "R5"),
        (2020, "alpha", "R4"),
        (2021, "alpha", "X1"),
        (2021, "alpha", "INPUT"),
        (2021, "beta", "INPUT"),
        (2021, "beta", "R3"),
    } <= seen
    assert len(run.checked) == 4


def test_engine_never_waives_input_or_r5(project_2020_2021):
    # Defence in depth: even a waiver that slipped past the loader leaves R5/INPUT blocking.
    from dataclasses import replace

    from nianbao.contract import Waiver, read_submission
    from nianbao.engine import check_submission

    b = project_2020_2021
    b.set_cell("demo", 2021, "applications", F.GRANTED, "商业企业", "")
    (b.folder("demo", 2021) / "review.csv").unlink()
    sub = read_submission(b.project(), "demo", 2021)
    sub = replace(sub, waivers=[Waiver(rule, None, None, None, "说明", 2) for rule in ("R5", "INPUT", "R2")])
    found = check_submission(sub)
    severities = {f.rule: f.severity for f in found}
    assert severities["R5"] == ERROR and severities["INPUT"] == ERROR
    assert severities["R2"] == WAIVED


def test_readme_rules_table_lists_every_rule_with_its_severity():
    from pathlib import Path

    from nianbao.findings import SEVERITY_TITLES
    from nianbao.rules import RULES

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    rows = {cells[1].strip(): cells[2].strip() for line in readme.splitlines()
            if line.startswith("| ") and len(cells := line.split("|")) > 3}
    assert {rule.id: SEVERITY_TITLES[rule.severity] for rule in RULES.values()} == {
        rule_id: rows.get(rule_id) for rule_id in RULES}
