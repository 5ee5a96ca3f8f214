"""S4: the numbers the authored prose states about the tables must match them.

Each :class:`ProseClaim` is a phrase the prose uses for a table figure
(「行政许可即办件450项」) and the values it may mean; a clause about another
period (上年, 同比 …) is not about this year's tables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import formats as F
from .contract import Submission
from .findings import Finding
from .rules import finding

_GAP = r"[^，。；;,、：:！？\d\n]{0,%d}?"
_NUM = r"(\d{1,3}(?:,\d{3})+|\d+)\s*"
_UNIT = r"(?:件|宗|起|项|个)"
# Clauses about another period are not about this year's tables.
OTHER_PERIOD = re.compile(r"上年(?!结转)|去年|上一年|同比|较上|累计|历年|以来")
CLAUSE_END = re.compile(r"[。；;！？!?\n]")


@dataclass(frozen=True)
class ProseClaim:
    """A phrase the prose uses for a table figure, and the values it may mean."""

    name: str
    pattern: re.Pattern
    table: str
    row: str
    column: str
    values: object  # (Submission) -> tuple of acceptable numbers, or None when n/a


def _app_total(*labels):
    return lambda s: sum(s.value(F.APPLICATIONS, label, F.TOTAL) for label in labels)


def _group_total(group):
    return lambda s: sum(
        s.value(F.APPLICATIONS, row.label, F.TOTAL)
        for row in s.format.application_rows
        if row.group == group or row.label == group
    )


def _review_total(*groups):
    return lambda s: sum(s.value(F.REVIEW, g, F.TOTAL) for g in groups)


def _disclosure_any(row):
    """A figure said about 行政许可/处罚/强制 may be the decisions or (V2019) the items."""

    def values(s: Submission):
        if not any(r == row for item in s.format.disclosure for r in item.rows):
            return None
        return tuple(s.value(F.DISCLOSURE, row, col.label) for col in s.format.disclosure_item(row).columns)

    return values


def _claim(name, keyword, table, row, column, values, gap=12):
    pattern = re.compile(keyword + (_GAP % gap) + _NUM + _UNIT)
    return ProseClaim(name, pattern, table, row, column, values)


_APPLICATIONS_NEW = _app_total(F.NEW)
PROSE_CLAIMS = (
    _claim(
        "收到申请",
        r"(?:新收|收到|接收|受理)" + (_GAP % 10) + r"申请",
        F.APPLICATIONS,
        F.NEW,
        F.TOTAL,
        # "共收到申请N件" may include last year's carry-over: accept either reading.
        lambda s: (_APPLICATIONS_NEW(s), _APPLICATIONS_NEW(s) + _app_total(F.CARRIED_IN)(s)),
        gap=4,
    ),
    _claim("办结", r"办结", F.APPLICATIONS, F.OUTCOME_TOTAL, F.TOTAL, lambda s: (_app_total(F.OUTCOME_TOTAL)(s),), 8),
    _claim("结转下年", r"结转(?:下年|至下|到下|下一)", F.APPLICATIONS, F.CARRIED_OUT, F.TOTAL, lambda s: (_app_total(F.CARRIED_OUT)(s),), 8),
    _claim("予以公开", r"予以公开", F.APPLICATIONS, F.GRANTED, F.TOTAL, lambda s: (_app_total(F.GRANTED)(s),), 2),
    _claim("部分公开", r"部分公开", F.APPLICATIONS, F.PARTIAL, F.TOTAL, lambda s: (_app_total(F.PARTIAL)(s),), 2),
    _claim("不予公开", r"不予公开", F.APPLICATIONS, F.WITHHELD, F.TOTAL, lambda s: (_group_total(F.WITHHELD)(s),), 2),
    _claim("无法提供", r"无法提供", F.APPLICATIONS, F.UNABLE, F.TOTAL, lambda s: (_group_total(F.UNABLE)(s),), 2),
    _claim("不予处理", r"不予处理", F.APPLICATIONS, F.NOT_HANDLED, F.TOTAL, lambda s: (_group_total(F.NOT_HANDLED)(s),), 2),
    _claim("行政复议", r"行政复议", F.REVIEW, "行政复议", F.TOTAL, lambda s: (_review_total("行政复议")(s),), 6),
    _claim(
        "行政诉讼",
        r"行政诉讼",
        F.REVIEW,
        "未经复议直接起诉",
        F.TOTAL,
        lambda s: (_review_total("未经复议直接起诉", "复议后起诉")(s),),
        6,
    ),
    _claim("发出收费通知", r"收费通知", F.FEES, F.FEE_NOTICES, F.FEE_VALUE,
           lambda s: (s.value(F.FEES, F.FEE_NOTICES, F.FEE_VALUE),), 4),
    _claim("行政许可", r"行政许可", F.DISCLOSURE, "行政许可", None, _disclosure_any("行政许可"), 8),
    _claim("行政处罚", r"行政处罚", F.DISCLOSURE, "行政处罚", None, _disclosure_any("行政处罚"), 8),
    _claim("行政强制", r"行政强制", F.DISCLOSURE, "行政强制", None, _disclosure_any("行政强制"), 8),
)


_YEAR = re.compile(r"(20\d\d)年")


def _about_other_period(text: str, start: int, year: int) -> bool:
    clause_start = max((m.end() for m in CLAUSE_END.finditer(text, 0, start)), default=0)
    if OTHER_PERIOD.search(text, clause_start, start + 1):
        return True
    # "2020年收到申请…" in a 2021 report is about 2020.
    return any(int(m.group(1)) != year for m in _YEAR.finditer(text, clause_start, start + 1))


def prose_findings(sub: Submission) -> list[Finding]:
    if not sub.narrative:
        return []
    found = []
    rel = f"{sub.folder}/{F.TABLE_FILES[F.NARRATIVE]}"
    for heading, text in sub.narrative.items():
        for claim in PROSE_CLAIMS:
            if claim.table not in sub.tables:
                continue
            for match in claim.pattern.finditer(text):
                if _about_other_period(text, match.start(), sub.year):
                    continue
                accepted = claim.values(sub)
                if accepted is None:
                    continue
                stated = int(match.group(1).replace(",", ""))
                if stated in accepted:
                    continue
                table_value = accepted[0]
                found.append(finding(
                    "S4", message=f"「{heading}」中写“{match.group(0)}”，但表格中{claim.name}为 {table_value}",
                    year=sub.year, department=sub.department.id, table=claim.table, row=claim.row,
                    column=claim.column, expected=table_value, actual=stated, file=rel,
                ))
    return found
