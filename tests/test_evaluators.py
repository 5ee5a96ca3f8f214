"""The evaluators' checks (issue 18): N4, N5, N6, S6, S7, X4, each holding and
failing on crafted data, waivable, and the rates of the draft index."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from conftest import APP, only, readd, rules_of
from nianbao import formats as F
from nianbao.findings import ERROR, WAIVED, WARNING
from nianbao.rates import SMALL_SAMPLE, lawsuit_correction, rates, review_correction, substantive_disclosure
from nianbao.rules import RULES
from nianbao.testing import narrative_for

FIVE = F.SECTION_HEADINGS[4]
NEW_RULES = ("N4", "N5", "N6", "S6", "S7", "X4")


def test_catalogue_has_the_new_rules_with_their_severity_and_all_are_waivable():
    assert {r: RULES[r].severity for r in NEW_RULES} == {
        "N4": WARNING, "N5": WARNING, "N6": WARNING, "S6": ERROR, "S7": WARNING, "X4": WARNING}
    assert all(RULES[r].waivable for r in NEW_RULES)


def test_the_builders_balanced_years_trip_none_of_them(builder):
    for year in (2020, 2021, 2022):
        builder.add("demo", year, size=40, fee_notices=2)
    assert not rules_of(builder.check()) & set(NEW_RULES)


def _with_section_five(builder, year, five: str):
    values = builder.values[("demo", year)]
    text = narrative_for("示例区测试局", year, values)
    head, _, rest = text.partition(f"## {FIVE}\n\n")
    _, _, tail = rest.partition("\n\n## ")
    builder.add("demo", year, values=values, narrative=f"{head}## {FIVE}\n\n{five}\n\n## {tail}")


# ---------------------------------------------------------------------------
# N4 / N5: section 五
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("five", ["无。", "暂无。", "本年度无明显问题。", "工作有不足，将继续改进，上年度问题已整改。"])
def test_n4_empty_or_boilerplate_section_five(project_2020_2021, five):
    _with_section_five(project_2020_2021, 2021, five)
    n4 = only(project_2020_2021.check(), "N4")
    assert len(n4) == 1
    assert (n4[0].year, n4[0].table, n4[0].row, n4[0].severity) == (2021, F.NARRATIVE, FIVE, WARNING)
    assert n4[0].file.endswith("narrative.md")


def test_n4_holds_at_fifty_characters(project_2020_2021):
    body = "存在的问题是主动公开的及时性不够上年度问题已经整改" * 2  # 50 characters
    _with_section_five(project_2020_2021, 2021, body + "。")
    assert only(project_2020_2021.check(), "N4") == []
    _with_section_five(project_2020_2021, 2021, body[:-1] + "。")
    assert len(only(project_2020_2021.check(), "N4")) == 1


def test_n5_section_five_silent_on_last_year(project_2020_2021):
    five = ("本年度主动公开内容的及时性仍需提高，部分栏目更新较慢，政策解读形式不够丰富；"
            "下一步将建立信息发布提醒机制，明确发布时限，综合运用图解和短视频开展解读。")
    _with_section_five(project_2020_2021, 2021, five)
    n5 = only(project_2020_2021.check(), "N5")
    assert [(f.year, f.row) for f in n5] == [(2021, FIVE)]
    assert "2020年度报告" in n5[0].message
    # The first year in the data (no last year's report) is not asked about it.
    _with_section_five(project_2020_2021, 2020, five)
    assert [f.year for f in only(project_2020_2021.check(), "N5")] == [2021]


def test_n5_waived_by_the_narrative_table(project_2020_2021):
    _with_section_five(project_2020_2021, 2021, "本年度主动公开内容的及时性仍需提高，部分栏目更新较慢，政策解读形式不够丰富；"
                       "下一步将建立信息发布提醒机制，明确发布时限，综合运用图解和短视频开展解读。")
    (project_2020_2021.folder("demo", 2021) / "waivers.csv").write_text(
        f"规则,表,行,列,说明\nN5,报告文字,{FIVE},,本局2021年新设立，上年度报告未列问题，无整改事项。\n", encoding="utf-8")
    n5 = only(project_2020_2021.check(), "N5")
    assert [f.severity for f in n5] == [WAIVED]


# ---------------------------------------------------------------------------
# N6: the year of the prose
# ---------------------------------------------------------------------------


def _with_section_one(builder, year, one: str):
    values = builder.values[("demo", year)]
    text = narrative_for("示例区测试局", year, values)
    _, _, rest = text.partition(f"## {FIVE}")
    builder.add("demo", year, values=values, narrative=f"## {F.SECTION_HEADINGS[0]}\n\n{one}\n\n## {FIVE}{rest}")


@pytest.mark.parametrize("one", [
    "2020年，本局以政务公开专区建设为重点推进政府信息公开工作。",
    "本报告中所列数据的统计期限自2020年1月1日起至2020年12月31日止。",
    "本报告统计期限为2021年1月1日至2021年12月31日。2020年，本局完善了公开目录。",
])
def test_n6_another_year_for_the_report_year(project_2020_2021, one):
    _with_section_one(project_2020_2021, 2021, one)
    n6 = only(project_2020_2021.check(), "N6")
    assert [(f.year, f.row, f.severity) for f in n6] == [(2021, F.SECTION_HEADINGS[0], WARNING)]
    assert "2020年" in n6[0].message


@pytest.mark.parametrize("one", [
    "2021年，本局以政务公开专区建设为重点推进政府信息公开工作。",
    "本报告中所列数据的统计期限自2021年1月1日起至2021年12月31日止。",
    "2020年度报告所列问题已全部整改。与2020年相比，本年新收申请增加。",
    "2020年上年同期新收申请较少；自2019年以来，本局持续推进公开平台建设。",
    "2022年，本局将继续推进基层政务公开标准化。",
])
def test_n6_holds_for_the_report_year_last_year_clauses_and_plans(project_2020_2021, one):
    _with_section_one(project_2020_2021, 2021, one)
    assert only(project_2020_2021.check(), "N6") == []


# ---------------------------------------------------------------------------
# S6 / S7: fees consistent in themselves
# ---------------------------------------------------------------------------


def _fees(builder, notices, amount, collected, year=2021):
    def edit(values):
        values[(F.FEES, F.FEE_NOTICES, F.FEE_VALUE)] = notices
        values[(F.FEES, F.FEE_NOTICE_AMOUNT, F.FEE_VALUE)] = Decimal(amount)
        values[(F.FEES, F.FEE_COLLECTED, F.FEE_VALUE)] = Decimal(collected)
    readd(builder, "demo", year, edit)
    return builder.check()


def test_s6_collected_more_than_the_notices_amount(project_2020_2021):
    run = _fees(project_2020_2021, 2, "0.0300", "0.0400")
    s6 = only(run, "S6")
    assert [(f.table, f.row, f.severity, f.actual, f.expected) for f in s6] == [
        (F.FEES, F.FEE_COLLECTED, ERROR, Decimal("0.0400"), Decimal("0.0300"))]
    assert only(_fees(project_2020_2021, 2, "0.0300", "0.0300"), "S6") == []


@pytest.mark.parametrize("notices,amount,row", [(3, "0", F.FEE_NOTICE_AMOUNT), (0, "0.0200", F.FEE_NOTICES)])
def test_s7_notices_without_amount_or_amount_without_notices(project_2020_2021, notices, amount, row):
    s7 = only(_fees(project_2020_2021, notices, amount, "0"), "S7")
    assert [(f.table, f.row, f.severity) for f in s7] == [(F.FEES, row, WARNING)]


def test_s7_holds_when_notices_and_amount_agree(project_2020_2021):
    assert only(_fees(project_2020_2021, 0, "0", "0"), "S7") == []
    assert only(_fees(project_2020_2021, 1, "0.0100", "0"), "S7") == []


# ---------------------------------------------------------------------------
# X4: jumps in 本年新收
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("before,after,fires", [
    (10, 60, True),    # more than 5x, 60 >= 30
    (200, 30, True),   # less than a fifth
    (6, 30, False),    # exactly 5x
    (5, 29, False),    # larger year below 30 cases
    (40, 60, False),
])
def test_x4_jumps_in_new_applications(builder, before, after, fires):
    builder.add("demo", 2020, size=before, seed=1)
    builder.add("demo", 2021, size=after, seed=2)
    new = [builder.values[("demo", y)][(APP, F.NEW, F.TOTAL)] for y in (2020, 2021)]
    big, small = max(new), min(new)
    expected = max(new) >= 30 and (big > 5 * small)
    assert expected == fires, f"fixture sizes gave {new}"
    x4 = only(builder.check(), "X4")
    assert [(f.year, f.row, f.column) for f in x4] == ([(2021, F.NEW, F.TOTAL)] if fires else [])
    if fires:
        assert (x4[0].expected, x4[0].actual) == tuple(new)


# ---------------------------------------------------------------------------
# Rates (one definition, shared with the district notebook) and the draft index
# ---------------------------------------------------------------------------

REV = F.REVIEW


def _review(group, corrected, pending, total):
    return {(REV, group, "结果纠正"): corrected, (REV, group, "尚未审结"): pending, (REV, group, F.TOTAL): total}


def test_rates_definitions():
    values = {(APP, F.GRANTED, F.TOTAL): 30, (APP, F.PARTIAL, F.TOTAL): 10, (APP, F.OUTCOME_TOTAL, F.TOTAL): 50,
              **_review("行政复议", 3, 5, 35), **_review("未经复议直接起诉", 2, 4, 24), **_review("复议后起诉", 1, 0, 16)}
    disclosure, review, lawsuit = rates(values)
    assert disclosure.value == Fraction(40, 50) and disclosure.text() == "80.0%"
    assert (review.numerator, review.denominator) == (3, 30) and review.text() == "10.0%"  # 审结 = 35 − 5
    assert (lawsuit.numerator, lawsuit.denominator) == (3, 36) and lawsuit.text() == "8.3%"  # both lawsuit rows


def test_rates_below_thirty_cases_are_small_samples_and_none_is_a_dash():
    values = {(APP, F.GRANTED, F.TOTAL): 29, (APP, F.OUTCOME_TOTAL, F.TOTAL): 29, **_review("行政复议", 1, 10, 39)}
    assert substantive_disclosure(values).text() == SMALL_SAMPLE
    assert review_correction(values).text() == SMALL_SAMPLE  # 29 decided
    assert lawsuit_correction(values).text() == "—"


def test_draft_index_shows_the_rates_per_department_year(builder):
    from nianbao.site import draft_index

    builder.add("demo", 2020, size=10)
    builder.add("demo", 2021, size=40)
    run = builder.check()
    page = draft_index(builder.project(), run, [])
    assert page.count("实质公开率") >= 2  # header and the note
    expected = rates(builder.values[("demo", 2021)])[0]
    assert not expected.small_sample
    row_2021 = page.split('id="r-2021-demo"')[1].split("</tr>")[0]
    row_2020 = page.split('id="r-2020-demo"')[1].split("</tr>")[0]
    assert expected.text() in row_2021 and expected.text().endswith("%")
    assert SMALL_SAMPLE in row_2020


def test_a_clause_starts_after_the_last_clause_end_before_it():
    """clause_start (S4, N-rules' wrong year) searches backwards per mark: the
    same place as the end of the last CLAUSE_END match before the position."""
    import random

    from nianbao.prose_checks import CLAUSE_END, CLAUSE_MARKS, clause_start

    rng = random.Random(19)
    for _ in range(2000):
        text = "".join(rng.choice(CLAUSE_MARKS + "年件，, a") for _ in range(rng.randint(0, 25)))
        at = rng.randint(0, len(text))
        assert clause_start(text, at) == max((m.end() for m in CLAUSE_END.finditer(text, 0, at)), default=0), (text, at)
    assert all(CLAUSE_END.fullmatch(mark) for mark in CLAUSE_MARKS) and not CLAUSE_END.search("，,、：年")
