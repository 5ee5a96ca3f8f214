"""The two official report formats, declared once, as data.

Everything the kit knows about the State Council's prescribed layout lives here:
section headings, every table's row and column labels (verbatim, full-width
punctuation and curly quotes as printed), the merged-cell structure a renderer
needs, and the value domain of every cell.  Loaders, rules, templates and
renderers read these declarations; none of them spells a label of its own.

Every other module refers to a label by its name here (``F.CARRIED_OUT``,
``F.IN_FORCE``) or through a lookup (:func:`plain`, :data:`OUTCOME_GROUP_NAMES`);
``tests/test_single_source.py`` fails when a label is typed elsewhere.
:func:`nianbao.grids.grid` computes from these declarations the merged-cell
structure of each official table, once, for every renderer (HTML, workbook, and
the coming Word output).

Reference: ``docs/规则.md`` (generated from this module and :mod:`nianbao.rules`
by ``nianbao rules --markdown``).  V2019 = 国办公开办函〔2019〕60号, report years
2019–2020; V2021 = 国办公开办函〔2021〕30号, report years 2021 on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from .errors import NianbaoError

# ---------------------------------------------------------------------------
# Cell domains
# ---------------------------------------------------------------------------

COUNT = "count"  # whole number >= 0
SIGNED = "signed"  # whole number, may be negative (V2019 本年增/减)
AMOUNT = "amount"  # exact decimal >= 0 in 万元, at most AMOUNT_PLACES places

# Real published reports state 万元 amounts to the fen: 24252.311082 万元 has six
# places (0.000001 万元 = 0.01 元).  Amounts print with at least DISPLAY_PLACES
# places (yuan, what the sample and most reports show) and with every further
# place as entered: never rounded, never padded past what was typed.
AMOUNT_PLACES = 6
DISPLAY_PLACES = 4

# Bounds of every number cell: nothing larger reaches int() or Decimal arithmetic.
# 100,000,000 is far above any real figure (件 or 万元) and keeps sums exact.
NUMBER_LIMIT = 100_000_000
NUMBER_TEXT_LIMIT = 40  # characters: longer text is refused before it is parsed

# Table ids: stable English names used in JSON, file names and code.
APPLICATIONS = "applications"
REVIEW = "review"
DISCLOSURE = "disclosure"
FEES = "fees"
NARRATIVE = "narrative"
DEPARTMENTS = "departments"

TABLE_TITLES = {
    APPLICATIONS: "申请表",
    REVIEW: "复议诉讼表",
    DISCLOSURE: "主动公开表",
    FEES: "信息处理费",
    NARRATIVE: "报告文字",
    DEPARTMENTS: "部门名单",
}

TABLE_FILES = {
    APPLICATIONS: "applications.csv",
    REVIEW: "review.csv",
    DISCLOSURE: "disclosure.csv",
    FEES: "fees.csv",
    NARRATIVE: "narrative.md",
}

# ---------------------------------------------------------------------------
# Document skeleton (both versions use the short headings)
# ---------------------------------------------------------------------------

SECTION_HEADINGS = (
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
)
# Sections whose text the department writes; the others are generated from tables
# and may carry optional authored remarks.
AUTHORED_SECTIONS = (SECTION_HEADINGS[0], SECTION_HEADINGS[4], SECTION_HEADINGS[5])
REMARK_SECTIONS = (SECTION_HEADINGS[2], SECTION_HEADINGS[3])

TITLE_PATTERN = "{name}{year}年政府信息公开工作年度报告"

# What a blank template asks for under each authored heading.  A section still
# holding its prompt counts as not written (rule N1).
NARRATIVE_PROMPTS = {
    SECTION_HEADINGS[0]: "（请概述本年度主动公开、依申请公开、政府信息管理、平台建设、监督保障等方面的工作，写明具体数字。）",
    SECTION_HEADINGS[4]: "（请写明本年度存在的主要问题、具体改进措施，以及上年度报告所列问题的整改情况。）",
    SECTION_HEADINGS[5]: "（请写明其他需要报告的事项；信息处理费的情况由表格自动生成，无需重复。）",
}

# ---------------------------------------------------------------------------
# Section 三: the application table
# ---------------------------------------------------------------------------

BALANCE_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
APPLICANT_HEADER = "申请人情况"
ORGANISATION_HEADER = "法人或其他组织"
NATURAL_PERSON = "自然人"
ORGANISATIONS = ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")
TOTAL = "总计"
APPLICATION_COLUMNS = (NATURAL_PERSON, *ORGANISATIONS, TOTAL)

NEW = "一、本年新收政府信息公开申请数量"
CARRIED_IN = "二、上年结转政府信息公开申请数量"
RESULTS = "三、本年度办理结果"
OUTCOME_TOTAL = "（七）总计"
CARRIED_OUT = "四、结转下年度继续办理"

GRANTED = "（一）予以公开"
PARTIAL = "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"
WITHHELD = "（三）不予公开"
UNABLE = "（四）无法提供"
NOT_HANDLED = "（五）不予处理"
OTHER = "（六）其他处理"

_WITHHELD_REASONS = (
    "1.属于国家秘密",
    "2.其他法律行政法规禁止公开",
    "3.危及“三安全一稳定”",
    "4.保护第三方合法权益",
    "5.属于三类内部事务信息",
    "6.属于四类过程性信息",
    "7.属于行政执法案卷",
    "8.属于行政查询事项",
)
_UNABLE_REASONS = (
    "1.本机关不掌握相关政府信息",
    "2.没有现成信息需要另行制作",
    "3.补正后申请内容仍不明确",
)
_NOT_HANDLED_REASONS = (
    "1.信访举报投诉类申请",
    "2.重复申请",
    "3.要求提供公开出版物",
    "4.无正当理由大量反复申请",
    "5.要求行政机关确认或重新出具已获取信息",
)
OTHER_OVERDUE_CORRECTION = "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"
OTHER_UNPAID_FEE = "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"
_OTHER_REASONS_2021 = (OTHER_OVERDUE_CORRECTION, OTHER_UNPAID_FEE, "3.其他")


@dataclass(frozen=True)
class ApplicationRow:
    """One numeric row of the section-三 table.

    ``path`` runs from the level-1 label to the row's own label; ``label`` (the
    last element) is unique within a version and is what data files and findings
    use.  ``outcome`` marks the rows that add up to （七）总计 (rule R3).
    """

    path: tuple[str, ...]
    outcome: bool = False

    @property
    def label(self) -> str:
        return self.path[-1]

    @property
    def group(self) -> str | None:
        """The level-2 group label of a level-3 row (e.g. （三）不予公开), else None."""
        return self.path[1] if len(self.path) == 3 else None


def _outcome_rows(other_reasons: tuple[str, ...]) -> tuple[ApplicationRow, ...]:
    rows = [ApplicationRow((RESULTS, GRANTED), True), ApplicationRow((RESULTS, PARTIAL), True)]
    for group, reasons in (
        (WITHHELD, _WITHHELD_REASONS),
        (UNABLE, _UNABLE_REASONS),
        (NOT_HANDLED, _NOT_HANDLED_REASONS),
        (OTHER, other_reasons),
    ):
        rows += [ApplicationRow((RESULTS, group, reason), True) for reason in reasons]
    if not other_reasons:  # V2019: （六）其他处理 is one data row of its own
        rows.append(ApplicationRow((RESULTS, OTHER), True))
    return tuple(rows)


def _application_rows(other_reasons: tuple[str, ...]) -> tuple[ApplicationRow, ...]:
    return (
        ApplicationRow((NEW,)),
        ApplicationRow((CARRIED_IN,)),
        *_outcome_rows(other_reasons),
        ApplicationRow((RESULTS, OUTCOME_TOTAL)),
        ApplicationRow((CARRIED_OUT,)),
    )


_NUMBERING = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+\.)")
_TRAILING_NOTE = re.compile(r"（[^（）]*）$")


def plain(label: str) -> str:
    """A label as prose names it: without its numbering and its bracketed note.

    四、结转下年度继续办理 → 结转下年度继续办理; （二）部分公开（区分处理的，…） → 部分公开."""
    return _TRAILING_NOTE.sub("", _NUMBERING.sub("", label))


# The outcome groups （一）…（六） of 三、本年度办理结果, with the short names prose and
# charts use.  A group is one data row (（一）, （二）, V2019's （六）) or sums its sub-rows.
OUTCOME_GROUPS = (GRANTED, PARTIAL, WITHHELD, UNABLE, NOT_HANDLED, OTHER)
OUTCOME_GROUP_NAMES = {group: plain(group) for group in OUTCOME_GROUPS}


# ---------------------------------------------------------------------------
# Section 四: review and litigation (identical in both versions)
# ---------------------------------------------------------------------------

REVIEW_HEADER = "行政复议"
LITIGATION_HEADER = "行政诉讼"
ADMINISTRATIVE_REVIEW = REVIEW_HEADER  # the row of the review cases
DIRECT_LAWSUIT = "未经复议直接起诉"
LAWSUIT_AFTER_REVIEW = "复议后起诉"
LAWSUIT_ROWS = (DIRECT_LAWSUIT, LAWSUIT_AFTER_REVIEW)  # together: the lawsuits
REVIEW_ROWS = (ADMINISTRATIVE_REVIEW, *LAWSUIT_ROWS)
UPHELD = "结果维持"
CORRECTED = "结果纠正"
OTHER_RESULT = "其他结果"
PENDING = "尚未审结"
REVIEW_COLUMNS = (UPHELD, CORRECTED, OTHER_RESULT, PENDING, TOTAL)

# ---------------------------------------------------------------------------
# Section 二: proactive disclosure, one small table per item of 条例第二十条
# ---------------------------------------------------------------------------

DISCLOSURE_ROW_HEADER = "信息内容"

# Rows (the kinds of information) ...
REGULATIONS = "规章"
NORMATIVE_DOCUMENTS = "规范性文件"  # V2019
ADMINISTRATIVE_NORMATIVE_DOCUMENTS = "行政规范性文件"  # V2021
LICENSING = "行政许可"
OTHER_SERVICES = "其他对外管理服务事项"  # V2019
PENALTIES = "行政处罚"
COMPULSION = "行政强制"
CHARGES = "行政事业性收费"
PROCUREMENT = "政府集中采购"  # V2019
# ... and the indicators (columns) of V2019 ...
NEWLY_MADE = "本年新制作数量"
NEWLY_PUBLISHED = "本年新公开数量"
PUBLISHED_TOTAL = "对外公开总数量"
ITEMS_LAST_YEAR = "上一年项目数量"
ITEMS_CHANGE = "本年增/减"
DECISIONS = "处理决定数量"
PURCHASES = "采购项目数量"
PURCHASE_AMOUNT = "采购总金额（单位：万元）"
PURCHASE_AMOUNT_BARE = "采购总金额"
# ... and of V2021.
ISSUED = "本年制发件数"
REPEALED = "本年废止件数"
IN_FORCE = "现行有效件数"
DECISIONS_THIS_YEAR = "本年处理决定数量"
CHARGES_AMOUNT = "本年收费金额（单位：万元）"


@dataclass(frozen=True)
class Column:
    label: str
    domain: str = COUNT
    aliases: tuple[str, ...] = ()  # other spellings accepted on input, never printed


@dataclass(frozen=True)
class DisclosureItem:
    article: str  # heading row, e.g. 第二十条第（一）项
    rows: tuple[str, ...]
    columns: tuple[Column, ...]


@dataclass(frozen=True)
class FeeRow:
    label: str
    domain: str


INDICATOR_HEADER = "指标"  # the indicator column of disclosure.csv and fees.csv
VALUE_HEADER = "数值"  # their value column
FEE_VALUE = VALUE_HEADER  # the one column of a fees row
FEE_NOTICES = "发出收费通知件数"
FEE_NOTICE_AMOUNT = "收费通知总金额（万元）"
FEE_COLLECTED = "实际收取金额（万元）"
FEE_ROWS = (
    FeeRow(FEE_NOTICES, COUNT),
    FeeRow(FEE_NOTICE_AMOUNT, AMOUNT),
    FeeRow(FEE_COLLECTED, AMOUNT),
)

# ---------------------------------------------------------------------------
# The two versions
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Format:
    version: str
    notice: str  # the notice that prescribes it
    first_year: int
    last_year: int | None
    application_rows: tuple[ApplicationRow, ...]
    disclosure: tuple[DisclosureItem, ...]
    fees_required: bool  # fees.csv must exist (optional in 2019-2020)
    _index: dict = field(default_factory=dict, compare=False, repr=False)

    # -- lookups ------------------------------------------------------------
    @property
    def application_labels(self) -> tuple[str, ...]:
        return tuple(row.label for row in self.application_rows)

    @property
    def outcome_rows(self) -> tuple[ApplicationRow, ...]:
        return tuple(row for row in self.application_rows if row.outcome)

    def application_row(self, label: str) -> ApplicationRow:
        return {row.label: row for row in self.application_rows}[label]

    def disclosure_cells(self) -> tuple[tuple[str, Column], ...]:
        """Every (row label, column) of section 二, in printed order."""
        return tuple((row, col) for item in self.disclosure for row in item.rows for col in item.columns)

    def disclosure_item(self, row: str) -> DisclosureItem:
        return next(item for item in self.disclosure if row in item.rows)

    def has_cell(self, table: str, row: str, column: str) -> bool:
        return (table, row, column) in self.cells()

    def domain(self, table: str, row: str, column: str) -> str:
        return self.cells()[(table, row, column)]

    def cells(self) -> dict[tuple[str, str, str], str]:
        """Every numeric cell of the version → its domain, in printed order."""
        if "cells" not in self._index:
            cells: dict[tuple[str, str, str], str] = {}
            for row, col in self.disclosure_cells():
                cells[(DISCLOSURE, row, col.label)] = col.domain
            for label in self.application_labels:
                for column in APPLICATION_COLUMNS:
                    cells[(APPLICATIONS, label, column)] = COUNT
            for row in REVIEW_ROWS:
                for column in REVIEW_COLUMNS:
                    cells[(REVIEW, row, column)] = COUNT
            for fee in FEE_ROWS:
                cells[(FEES, fee.label, FEE_VALUE)] = fee.domain
            self._index["cells"] = cells
        return self._index["cells"]

    def applies_to(self, year: int) -> bool:
        return year >= self.first_year and (self.last_year is None or year <= self.last_year)

    @property
    def years_text(self) -> str:
        if self.last_year is None:
            return f"{self.first_year}年及以后"
        return f"{self.first_year}—{self.last_year}年"


V2019 = Format(
    version="V2019",
    notice="国办公开办函〔2019〕60号",
    first_year=2019,
    last_year=2020,
    application_rows=_application_rows(()),
    disclosure=(
        DisclosureItem(
            "第二十条第（一）项",
            (REGULATIONS, NORMATIVE_DOCUMENTS),
            (Column(NEWLY_MADE), Column(NEWLY_PUBLISHED), Column(PUBLISHED_TOTAL)),
        ),
        DisclosureItem(
            "第二十条第（五）项",
            (LICENSING, OTHER_SERVICES),
            (Column(ITEMS_LAST_YEAR), Column(ITEMS_CHANGE, SIGNED), Column(DECISIONS)),
        ),
        DisclosureItem(
            "第二十条第（六）项",
            (PENALTIES, COMPULSION),
            (Column(ITEMS_LAST_YEAR), Column(ITEMS_CHANGE, SIGNED), Column(DECISIONS)),
        ),
        DisclosureItem(
            "第二十条第（八）项",
            (CHARGES,),
            (Column(ITEMS_LAST_YEAR), Column(ITEMS_CHANGE, SIGNED)),
        ),
        DisclosureItem(
            "第二十条第（九）项",
            (PROCUREMENT,),
            (
                Column(PURCHASES),
                # Published copies differ; the kit prints the unit, accepts the bare label.
                Column(PURCHASE_AMOUNT, AMOUNT, aliases=(PURCHASE_AMOUNT_BARE,)),
            ),
        ),
    ),
    fees_required=False,
)

V2021 = Format(
    version="V2021",
    notice="国办公开办函〔2021〕30号",
    first_year=2021,
    last_year=None,
    application_rows=_application_rows(_OTHER_REASONS_2021),
    disclosure=(
        DisclosureItem(
            "第二十条第（一）项",
            (REGULATIONS, ADMINISTRATIVE_NORMATIVE_DOCUMENTS),
            (Column(ISSUED), Column(REPEALED), Column(IN_FORCE)),
        ),
        DisclosureItem("第二十条第（五）项", (LICENSING,), (Column(DECISIONS_THIS_YEAR),)),
        DisclosureItem("第二十条第（六）项", (PENALTIES, COMPULSION), (Column(DECISIONS_THIS_YEAR),)),
        DisclosureItem(
            "第二十条第（八）项",
            (CHARGES,),
            (Column(CHARGES_AMOUNT, AMOUNT),),
        ),
    ),
    fees_required=True,
)

FORMATS = (V2019, V2021)


class FormatError(NianbaoError, ValueError):
    """A report year the kit has no official format for."""


@cache
def format_for_year(year: int) -> Format:
    for fmt in FORMATS:
        if fmt.applies_to(year):
            return fmt
    raise FormatError(
        f"{year}年没有适用的年报格式：本工具支持2019年及以后的报告年度"
        f"（2019—2020年用{V2019.notice}格式，2021年起用{V2021.notice}格式）。"
    )


def other_format(fmt: Format) -> Format:
    return V2021 if fmt is V2019 else V2019


# ---------------------------------------------------------------------------
# Every label, for the single-source test and the reference
# ---------------------------------------------------------------------------


def labels() -> frozenset[str]:
    """Every label, heading and short name this module declares (both versions)."""
    found = {
        *SECTION_HEADINGS, BALANCE_NOTE, APPLICANT_HEADER, ORGANISATION_HEADER, *APPLICATION_COLUMNS,
        REVIEW_HEADER, LITIGATION_HEADER, *REVIEW_ROWS, *REVIEW_COLUMNS, DISCLOSURE_ROW_HEADER,
        INDICATOR_HEADER, FEE_VALUE, *(fee.label for fee in FEE_ROWS), *OUTCOME_GROUP_NAMES.values(),
    }
    for fmt in FORMATS:
        for row in fmt.application_rows:
            found.update(row.path)
            found.update(plain(label) for label in row.path)
        for item in fmt.disclosure:
            found.add(item.article)
            found.update(item.rows)
            for col in item.columns:
                found.update((col.label, *col.aliases))
    return frozenset(found)
