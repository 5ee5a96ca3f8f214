"""The rates evaluators compute from a report's tables, defined once.

The draft index shows them per department-year; the district notebook shares
these definitions (import :func:`rates`), so a rate means the same everywhere:

- 实质公开率: (予以公开 + 部分公开) ÷ 办结 (（七）总计), 总计 column;
- 复议纠错率: 结果纠正 ÷ 审结 of 行政复议, where 审结 = 总计 − 尚未审结;
- 诉讼纠错率: the same over both lawsuit rows (未经复议直接起诉, 复议后起诉).

Below MIN_CASES cases in the denominator a rate says little: it shows as 「样本少」.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from . import formats as F

MIN_CASES = 30
SMALL_SAMPLE = "样本少"
NO_CASES = "—"

REVIEW_GROUP = F.REVIEW_ROWS[0]
LAWSUIT_GROUPS = F.REVIEW_ROWS[1:]
_CORRECTED, _PENDING = F.REVIEW_COLUMNS[1], F.REVIEW_COLUMNS[3]

# How the draft index explains its rate columns.
RATES_NOTE = (
    f"实质公开率 =（{F.OUTCOME_GROUP_NAMES[F.GRANTED]} + {F.OUTCOME_GROUP_NAMES[F.PARTIAL]}）÷ 办结；"
    f"纠错率 = {_CORRECTED} ÷ 审结（{F.TOTAL} − {_PENDING}），诉讼含两类起诉。"
    f"不足 {MIN_CASES} 件的显示为「{SMALL_SAMPLE}」，鼠标悬停可见件数。"
)


@dataclass(frozen=True)
class Rate:
    name: str
    numerator: int
    denominator: int

    @property
    def value(self) -> Fraction | None:
        """The exact rate, or None without a single case."""
        return Fraction(self.numerator, self.denominator) if self.denominator else None

    @property
    def small_sample(self) -> bool:
        return self.denominator < MIN_CASES

    def text(self) -> str:
        """As the index prints it: 「87.5%」, 「样本少」 below MIN_CASES, 「—」 without cases."""
        if not self.denominator:
            return NO_CASES
        if self.small_sample:
            return SMALL_SAMPLE
        return f"{float(Fraction(self.numerator, self.denominator)) * 100:.1f}%"

    def note(self) -> str:
        """The counts behind the rate (for a title or a footnote)."""
        return f"{self.name}：{self.numerator}/{self.denominator}"


def _get(values: Mapping, table: str, row: str, column: str) -> int:
    return int(values.get((table, row, column), 0))


def substantive_disclosure(values: Mapping) -> Rate:
    granted = _get(values, F.APPLICATIONS, F.GRANTED, F.TOTAL) + _get(values, F.APPLICATIONS, F.PARTIAL, F.TOTAL)
    return Rate("实质公开率", granted, _get(values, F.APPLICATIONS, F.OUTCOME_TOTAL, F.TOTAL))


def _correction(name: str, values: Mapping, groups) -> Rate:
    corrected = sum(_get(values, F.REVIEW, group, _CORRECTED) for group in groups)
    decided = sum(_get(values, F.REVIEW, group, F.TOTAL) - _get(values, F.REVIEW, group, _PENDING) for group in groups)
    return Rate(name, corrected, decided)


def review_correction(values: Mapping) -> Rate:
    return _correction("复议纠错率", values, (REVIEW_GROUP,))


def lawsuit_correction(values: Mapping) -> Rate:
    return _correction("诉讼纠错率", values, LAWSUIT_GROUPS)


def rates(values: Mapping) -> tuple[Rate, Rate, Rate]:
    """The three rates of one department-year, from its ``(table, row, column) → value``
    cells (a :class:`~nianbao.contract.Submission`'s ``values``)."""
    return substantive_disclosure(values), review_correction(values), lawsuit_correction(values)


RATE_NAMES = tuple(rate.name for rate in rates({}))
