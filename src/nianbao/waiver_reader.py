"""Reading ``waivers.csv``: explanations printed in the report for findings that
are right but expected (e.g. after a reorganisation).  A waiver that cannot
apply is an INPUT finding (unknown or unwaivable rule, no table, too short) or a
W1 warning (a label the table does not have).

A mixin of the contract's reader (:mod:`nianbao.contract`): it uses the reader's
``finding``, ``open_csv``, ``check_header`` and ``label``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from . import formats as F
from .findings import Finding
from .rules import RULES, UNWAIVABLE
from .textio import normalise_label, shorten

WAIVERS_FILE = "waivers.csv"
WAIVERS_HEADER = ("规则", "表", "行", "列", "说明")


@dataclass(frozen=True)
class Waiver:
    rule: str
    table: str | None
    row: str | None
    column: str | None
    explanation: str
    line: int

    def matches(self, finding: Finding) -> bool:
        return (
            finding.rule == self.rule
            and self.table in (None, finding.table)
            and self.row in (None, finding.row)
            and self.column in (None, finding.column)
        )


WAIVABLE_TABLES = (F.APPLICATIONS, F.REVIEW, F.DISCLOSURE, F.FEES, F.NARRATIVE)
MIN_EXPLANATION = 10  # characters: the explanation is printed in the report


def waiver_labels(lookups: dict, table: str, kind: str) -> dict[str, str]:
    """Comparison key → official label, for the rows or columns of a table that
    findings can name (``lookups``: the format's label lookups)."""
    if table == F.NARRATIVE:
        if kind == "columns":
            return {}
        return {key: heading for heading in F.SECTION_HEADINGS
                for key in (normalise_label(heading), normalise_label(heading)[:2])}
    if kind == "rows":
        found = {F.APPLICATIONS: lookups["rows"], F.REVIEW: lookups["review_rows"],
                 F.DISCLOSURE: lookups["disclosure_rows"], F.FEES: lookups["fee_rows"]}[table]
        return {key: value if isinstance(value, str) else value.label for key, value in found.items()}
    if table == F.DISCLOSURE:
        return {key: label for columns in lookups["disclosure_cols"].values() for key, label in columns.items()}
    names = {F.APPLICATIONS: F.APPLICATION_COLUMNS, F.REVIEW: F.REVIEW_COLUMNS, F.FEES: (F.FEE_VALUE,)}[table]
    return {normalise_label(name): name for name in names}


class WaiverReading:
    """The waivers part of the contract's reader (``sub.waivers``)."""

    if TYPE_CHECKING:  # provided by the contract's reader, declared for the type checker
        sub: Any  # contract.Submission, not imported: the contract imports this module

        def finding(self, rule, message, *, table=None, row=None, column=None, expected=None, actual=None, file=None,
                    line=None) -> None: ...
        def open_csv(self, table: str | None, name: str, *, required: bool = True) -> tuple[str, list, list] | None: ...
        def check_header(self, table, rel, header, expected) -> dict[str, int] | None: ...
        def label(self, table: str, text: str, kind: str) -> str | None | Literal[False]: ...

    def read_waivers(self):
        opened = self.open_csv(None, WAIVERS_FILE, required=False)
        if opened is None:
            return
        rel, header, rows = opened
        index = self.check_header(None, rel, header, WAIVERS_HEADER)
        if index is None:
            return
        tables = {**{t: t for t in WAIVABLE_TABLES}, **{F.TABLE_TITLES[t]: t for t in WAIVABLE_TABLES}}
        for line, row in rows:
            rule, table, row_label, column, explanation = (row[index[name]].strip() for name in WAIVERS_HEADER)
            rule = rule.upper()
            problem = None
            if rule not in RULES:
                problem = f"未知的规则「{shorten(rule)}」，应为 {'、'.join(r for r in RULES if r not in UNWAIVABLE)} 之一"
            elif rule in UNWAIVABLE:
                problem = f"规则 {rule} 的问题须改正数据，不能用说明代替"
            elif not table:
                problem = (f"「表」为空：请写明说明针对哪张表（{'、'.join(F.TABLE_TITLES[t] for t in WAIVABLE_TABLES)}），"
                           "一条说明不能覆盖所有表")
            elif table not in tables:
                problem = f"未知的表「{shorten(table)}」，应为 {'、'.join(F.TABLE_TITLES[t] for t in WAIVABLE_TABLES)} 之一"
            elif len(explanation) < MIN_EXPLANATION:
                problem = (f"「说明」只有{len(explanation)}个字：说明会印在报告中，请用至少{MIN_EXPLANATION}个字写明"
                           "偏差的原因（如机构改革、统计口径变化）")
            if problem:
                self.finding("INPUT", f"{rel} 第{line}行：{problem}。该说明未生效。", file=rel, line=line)
                continue
            table = tables[table]
            official_row = self.label(table, row_label, "rows")
            official_column = self.label(table, column, "columns")
            if official_row is False or official_column is False:
                what, text = ("行", row_label) if official_row is False else ("列", column)
                self.finding(
                    "W1",
                    f"{rel} 第{line}行：说明未对应任何问题：{F.TABLE_TITLES[table]}中没有{what}「{shorten(text)}」。"
                    "请改为表中的标签（可从数据文件中复制），或删除这条说明。",
                    table=table,
                    file=rel,
                    line=line,
                )
                continue
            self.sub.waivers.append(Waiver(rule, table, official_row, official_column, explanation, line))
