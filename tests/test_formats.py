"""The official formats as data (reference: docs/规则.md)."""

from __future__ import annotations

import pytest

from nianbao import formats as F

# The application rows as the notices print them, verbatim.
COMMON_HEAD = [
    "一、本年新收政府信息公开申请数量",
    "二、上年结转政府信息公开申请数量",
    "（一）予以公开",
    "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "1.属于国家秘密",
    "2.其他法律行政法规禁止公开",
    "3.危及“三安全一稳定”",
    "4.保护第三方合法权益",
    "5.属于三类内部事务信息",
    "6.属于四类过程性信息",
    "7.属于行政执法案卷",
    "8.属于行政查询事项",
    "1.本机关不掌握相关政府信息",
    "2.没有现成信息需要另行制作",
    "3.补正后申请内容仍不明确",
    "1.信访举报投诉类申请",
    "2.重复申请",
    "3.要求提供公开出版物",
    "4.无正当理由大量反复申请",
    "5.要求行政机关确认或重新出具已获取信息",
]
TAIL = ["（七）总计", "四、结转下年度继续办理"]
V2021_OTHER = [
    "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "3.其他",
]


@pytest.mark.parametrize(
    ("year", "version"), [(2019, "V2019"), (2020, "V2019"), (2021, "V2021"), (2024, "V2021"), (2030, "V2021")]
)
def test_year_to_version(year, version):
    assert F.format_for_year(year).version == version


@pytest.mark.parametrize("year", [2018, 2000])
def test_year_before_2019_is_a_chinese_error(year):
    with pytest.raises(F.FormatError) as info:
        F.format_for_year(year)
    message = str(info.value)
    assert f"{year}年没有适用的年报格式" in message
    assert "2019" in message and "国办公开办函〔2021〕30号" in message


def test_application_rows_verbatim_v2019():
    labels = list(F.V2019.application_labels)
    assert labels == COMMON_HEAD + ["（六）其他处理"] + TAIL
    assert len(labels) == 23


def test_application_rows_verbatim_v2021():
    labels = list(F.V2021.application_labels)
    assert labels == COMMON_HEAD + V2021_OTHER + TAIL
    assert len(labels) == 25
    assert len(set(labels)) == 25  # the label alone identifies a row within a version


def test_curly_quotes_and_full_width_punctuation_kept():
    label = "3.危及\u201c三安全一稳定\u201d"
    assert label in F.V2021.application_labels and label in F.V2019.application_labels
    assert '"' not in "".join(F.V2021.application_labels)
    assert F.BALANCE_NOTE == "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"


def test_groups_have_no_row_of_their_own():
    for fmt in F.FORMATS:
        for group in (F.WITHHELD, F.UNABLE, F.NOT_HANDLED):
            assert group not in fmt.application_labels
    # （六）其他处理 is a data row in V2019 and only a group in V2021.
    assert F.OTHER in F.V2019.application_labels
    assert F.OTHER not in F.V2021.application_labels
    assert {r.group for r in F.V2021.application_rows if r.label in V2021_OTHER} == {F.OTHER}
    assert F.V2021.application_row("1.属于国家秘密").path == (F.RESULTS, F.WITHHELD, "1.属于国家秘密")


def test_outcome_rows_are_those_between_one_and_seven():
    for fmt in F.FORMATS:
        labels = [r.label for r in fmt.outcome_rows]
        all_labels = list(fmt.application_labels)
        assert labels == all_labels[2:-2]


def test_application_columns():
    assert F.APPLICATION_COLUMNS == ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计")


def test_review_has_fifteen_cells_in_both_versions():
    for fmt in F.FORMATS:
        cells = [key for key in fmt.cells() if key[0] == F.REVIEW]
        assert len(cells) == 15
    assert F.REVIEW_ROWS == ("行政复议", "未经复议直接起诉", "复议后起诉")
    assert F.REVIEW_COLUMNS == ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")


def _disclosure(fmt):
    return [(item.article, item.rows, tuple(c.label for c in item.columns)) for item in fmt.disclosure]


def test_disclosure_v2021():
    assert _disclosure(F.V2021) == [
        ("第二十条第（一）项", ("规章", "行政规范性文件"), ("本年制发件数", "本年废止件数", "现行有效件数")),
        ("第二十条第（五）项", ("行政许可",), ("本年处理决定数量",)),
        ("第二十条第（六）项", ("行政处罚", "行政强制"), ("本年处理决定数量",)),
        ("第二十条第（八）项", ("行政事业性收费",), ("本年收费金额（单位：万元）",)),
    ]


def test_disclosure_v2019():
    assert _disclosure(F.V2019) == [
        ("第二十条第（一）项", ("规章", "规范性文件"), ("本年新制作数量", "本年新公开数量", "对外公开总数量")),
        ("第二十条第（五）项", ("行政许可", "其他对外管理服务事项"), ("上一年项目数量", "本年增/减", "处理决定数量")),
        ("第二十条第（六）项", ("行政处罚", "行政强制"), ("上一年项目数量", "本年增/减", "处理决定数量")),
        ("第二十条第（八）项", ("行政事业性收费",), ("上一年项目数量", "本年增/减")),
        ("第二十条第（九）项", ("政府集中采购",), ("采购项目数量", "采购总金额（单位：万元）")),
    ]


def test_domains():
    d19, d21 = F.V2019, F.V2021
    for row in ("行政许可", "其他对外管理服务事项", "行政处罚", "行政强制", "行政事业性收费"):
        assert d19.domain(F.DISCLOSURE, row, "本年增/减") == F.SIGNED
        assert d19.domain(F.DISCLOSURE, row, "上一年项目数量") == F.COUNT
    assert d19.domain(F.DISCLOSURE, "政府集中采购", "采购总金额（单位：万元）") == F.AMOUNT
    assert d19.domain(F.DISCLOSURE, "政府集中采购", "采购项目数量") == F.COUNT
    assert d21.domain(F.DISCLOSURE, "行政事业性收费", "本年收费金额（单位：万元）") == F.AMOUNT
    assert d21.domain(F.FEES, "发出收费通知件数", "数值") == F.COUNT
    assert d21.domain(F.FEES, "收费通知总金额（万元）", "数值") == F.AMOUNT
    assert d21.domain(F.FEES, "实际收取金额（万元）", "数值") == F.AMOUNT
    # Nothing signed in V2021; every application/review cell a count.
    assert F.SIGNED not in d21.cells().values()
    for fmt in F.FORMATS:
        assert {dom for (t, _, _), dom in fmt.cells().items() if t in (F.APPLICATIONS, F.REVIEW)} == {F.COUNT}
    assert (F.AMOUNT_PLACES, F.DISPLAY_PLACES) == (6, 4)  # to the fen; printed to the yuan at least


def test_cell_counts():
    for fmt, rows in ((F.V2019, 23), (F.V2021, 25)):
        assert sum(1 for key in fmt.cells() if key[0] == F.APPLICATIONS) == rows * 7
    assert not F.V2021.has_cell(F.DISCLOSURE, "规范性文件", "本年新制作数量")
    assert F.V2019.has_cell(F.DISCLOSURE, "规范性文件", "本年新制作数量")


def test_section_headings():
    assert F.SECTION_HEADINGS == (
        "一、总体情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
    )
