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
CLAUSE_MARKS = "。；;！？!?\n"  # each ends a clause
CLAUSE_END = re.compile(f"[{re.escape(CLAUSE_MARKS)}]")


def clause_start(text: str, at: int) -> int:
    """Where the clause holding ``text[at]`` begins: after the last clause end
    before ``at`` (one backward search per mark, not every clause end from the start)."""
    return max(text.rfind(mark, 0, at) for mark in CLAUSE_MARKS) + 1


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
    _claim("结转下年", r"结转(?:下年|至下|到下|下一)", F.APPLICATIONS, F.CARRIED_OUT, F.TOTAL,
           lambda s: (_app_total(F.CARRIED_OUT)(s),), 8),
    *(
        _claim(F.OUTCOME_GROUP_NAMES[group], re.escape(F.OUTCOME_GROUP_NAMES[group]), F.APPLICATIONS, group, F.TOTAL,
               # 予以公开 and 部分公开 are rows; the other groups are the sum of their reasons.
               lambda s, g=group, row=group in (F.GRANTED, F.PARTIAL): ((_app_total if row else _group_total)(g)(s),), 2)
        for group in (F.GRANTED, F.PARTIAL, F.WITHHELD, F.UNABLE, F.NOT_HANDLED)
    ),
    _claim(F.REVIEW_HEADER, re.escape(F.REVIEW_HEADER), F.REVIEW, F.ADMINISTRATIVE_REVIEW, F.TOTAL,
           lambda s: (_review_total(F.ADMINISTRATIVE_REVIEW)(s),), 6),
    _claim(F.LITIGATION_HEADER, re.escape(F.LITIGATION_HEADER), F.REVIEW, F.LAWSUIT_ROWS[0], F.TOTAL,
           lambda s: (_review_total(*F.LAWSUIT_ROWS)(s),), 6),
    _claim("发出收费通知", r"收费通知", F.FEES, F.FEE_NOTICES, F.FEE_VALUE,
           lambda s: (s.value(F.FEES, F.FEE_NOTICES, F.FEE_VALUE),), 4),
    *(_claim(name, re.escape(name), F.DISCLOSURE, name, None, _disclosure_any(name), 8)
      for name in (F.LICENSING, F.PENALTIES, F.COMPULSION)),
)


_YEAR = re.compile(r"(20\d\d)年")


def _about_other_period(text: str, start: int, year: int) -> bool:
    begins = clause_start(text, start)
    if OTHER_PERIOD.search(text, begins, start + 1):
        return True
    # "2020年收到申请…" in a 2021 report is about 2020.
    return any(int(m.group(1)) != year for m in _YEAR.finditer(text, begins, start + 1))


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
