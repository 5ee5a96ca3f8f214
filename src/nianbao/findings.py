"""Findings: the one tidy table every check produces.

A finding is a value, not an exception.  The same list of findings feeds the
console (:func:`describe`), ``--json`` (:func:`to_record`), ``checks.csv`` and the
report's validation panel.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from decimal import Decimal
from enum import StrEnum

from .formats import TABLE_TITLES
from .personal import mask
from .textio import csv_text


class Severity(StrEnum):
    """A finding's severity; a ``str`` so JSON, ``checks.csv`` and the draft
    panel's CSS classes (``sev-error``) print the plain word."""

    ERROR = "error"
    WARNING = "warning"
    WAIVED = "waived"


ERROR, WARNING, WAIVED = Severity.ERROR, Severity.WARNING, Severity.WAIVED
SEVERITY_TITLES = {ERROR: "错误", WARNING: "提示", WAIVED: "已说明"}

# Column order of the tidy table (JSON keys, checks.csv header).
FIELDS = (
    "year",
    "department",
    "rule",
    "severity",
    "table",
    "row",
    "column",
    "expected",
    "actual",
    "message",
    "explanation",
    "file",
    "line",
)


@dataclass(frozen=True, kw_only=True)
class Finding:
    """One problem found.  Build it with :func:`nianbao.rules.finding`, which takes
    the severity from the rule catalogue; the field order is the tidy table's."""

    year: int | None = None
    department: str | None = None
    rule: str
    severity: Severity
    table: str | None = None
    row: str | None = None
    column: str | None = None
    expected: int | Decimal | str | None = None
    actual: int | Decimal | str | None = None
    message: str
    explanation: str | None = None  # a waiver's text
    file: str | None = None  # project-relative path of the input the finding is about
    line: int | None = None  # 1-based line in that file

    def __post_init__(self):
        # Findings repeat input text back (labels, clauses, waivers): never an
        # identity or mobile number in the clear (rule P1 reports them masked).
        for name in ("message", "explanation", "actual", "expected", "row"):
            value = getattr(self, name)
            if isinstance(value, str) and len(value) >= 11:
                object.__setattr__(self, name, mask(value))

    @property
    def blocking(self) -> bool:
        return self.severity == ERROR

    def waive(self, explanation: str) -> Finding:
        return replace(self, severity=WAIVED, explanation=explanation)


def _plain(value):
    if isinstance(value, Decimal):
        # JSON has no decimal type; an exact string would break consumers that
        # expect numbers, and amounts are at most 100,000,000 with 6 places (15
        # significant digits), which a float's shortest repr prints exactly.
        return float(value)
    return value


def to_record(finding: Finding) -> dict:
    return {key: _plain(value) for key, value in asdict(finding).items()}


def location(finding: Finding) -> str:
    parts = [TABLE_TITLES.get(finding.table or "", finding.table or "")]
    if finding.row and finding.column:
        parts.append(f"{finding.row} × {finding.column}")
    elif finding.row or finding.column:
        parts.append(finding.row or finding.column or "")
    return " ".join(p for p in parts if p)


def describe(finding: Finding) -> str:
    """One console line, e.g. ``R3 申请表 （七）总计 × 自然人：… 26 ≠ … 20``."""
    where = location(finding)
    text = f"{finding.rule} {where}：{finding.message}" if where else f"{finding.rule} {finding.message}"
    if finding.severity == WAIVED:
        text += f"（已说明：{finding.explanation}）"
    return text


def counts(findings) -> dict[Severity, int]:
    """How many findings of each severity (every severity present, in order)."""
    tally = dict.fromkeys(Severity, 0)
    for finding in findings:
        tally[finding.severity] += 1
    return tally


def tally_text(tally) -> str:
    """``错误 1 项，提示 0 项，已说明 2 项``: the tallies in words."""
    return "，".join(f"{SEVERITY_TITLES[severity]} {tally[severity]} 项" for severity in Severity)


NUMERIC_FIELDS = ("year", "expected", "actual", "line")


def to_csv(findings) -> str:
    """The tidy table as CSV text (callers write it with a BOM for Excel)."""
    rows = ([to_record(finding)[key] for key in FIELDS] for finding in findings)
    return csv_text(FIELDS, rows, numeric=NUMERIC_FIELDS)
