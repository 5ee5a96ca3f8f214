"""The checks outside evaluators make of a report (issue 18), beyond the balance rules.

Transparency indexes and third-party assessments read section 五 for substance
(N4) and for last year's rectification (N5), catch a report that calls its year
by another (N6, usually last year's text reused), check the fee figures against
each other (S7; S6, an inequality, is a constraint in :mod:`nianbao.rules`) and
query implausible jumps in new applications (X4).  All are warnings a waiver may
explain.
"""

from __future__ import annotations

import re
from typing import Any

from . import formats as F
from .contract import Submission
from .findings import Finding
from .prose_checks import CLAUSE_END, OTHER_PERIOD, clause_start
from .rules import finding

SECTION_FIVE = F.SECTION_HEADINGS[4]

# N4: at least this many characters of text (punctuation, spaces and Markdown aside).
MIN_SECTION_FIVE_CHARS = 50
_NOT_TEXT = re.compile(r"[\s\W_]+")
# Whole-section texts that say nothing: 无 / 暂无 / 没有 / 无其他问题 … (after stripping).
_NOTHING = re.compile(r"^(?:本(?:年度|年|机关|单位)?)?(?:暂)?(?:无|没有)(?:其他|相关|明显|突出|主要)?(?:问题|情况|事项)?$")

# N5: words by which section 五 reports on last year's problems.
_RECTIFICATION = re.compile(r"上年度|上一年度|上年|去年|整改")

# N6: a year stated in the prose, and the phrases of a statistics period.
_YEAR = re.compile(r"((?:19|20)\d\d)\s*年")
_STATISTICS_PERIOD = re.compile(r"统计(?:期限|期间|时限|时段|区间|周期|范围|口径)|数据(?:起止|期限|区间)")
# Beyond prose_checks' other-period words: clauses about earlier reports and plans.
_ANOTHER_PERIOD = re.compile(r"整改|年度报告|年报|相比|相较|对比|同期|以前|之前|至今|截至|截止|以后|此前|下一步|计划")

# X4: a jump in 本年新收 worth querying.
JUMP_FACTOR = 5
JUMP_MIN_CASES = 30


def _narrative_rel(sub: Submission) -> str:
    return f"{sub.folder}/{F.TABLE_FILES[F.NARRATIVE]}"


def _plain(text: str) -> str:
    return _NOT_TEXT.sub("", text)


def section_five_findings(sub: Submission, previous: Submission | None) -> list[Finding]:
    """N4 (empty or boilerplate) and N5 (silent on last year's problems).  A missing
    or empty section 五 is already N1."""
    text = (sub.narrative or {}).get(SECTION_FIVE, "").strip()
    if not text:
        return []
    where: dict[str, Any] = dict(year=sub.year, department=sub.department.id, table=F.NARRATIVE, row=SECTION_FIVE,
                                 file=_narrative_rel(sub))
    found = []
    plain = _plain(text)
    if _NOTHING.match(plain) or len(plain) < MIN_SECTION_FIVE_CHARS:
        found.append(finding(
            "N4", message=f"「{SECTION_FIVE}」只写了{len(plain)}个字（“{text[:20]}”）：评估时视为未写。请具体写明本年度"
            f"存在的主要问题和改进措施（至少{MIN_SECTION_FIVE_CHARS}个字）。", actual=len(plain),
            expected=MIN_SECTION_FIVE_CHARS, **where))
    # A body without last year's data (set up this year) has no last year's problems to report on.
    if previous is not None and not _RECTIFICATION.search(text):
        found.append(finding(
            "N5", message=f"「{SECTION_FIVE}」没有提到上年度报告所列问题的整改情况（未出现“上年度”“整改”等字样）。"
            f"请补写{sub.year - 1}年度报告所列问题的整改情况。", **where))
    return found


def _clause(text: str, at: int) -> tuple[int, int]:
    end = CLAUSE_END.search(text, at)
    return clause_start(text, at), end.start() if end else len(text)


def _wrong_year(text: str, year: int) -> str | None:
    """The first clause of ``text`` that calls the report year by another year, or
    states a statistics period of another year."""
    for match in _YEAR.finditer(text):
        stated = int(match.group(1))
        if stated == year:
            continue
        start, end = _clause(text, match.start())
        clause = text[start:end]
        if _STATISTICS_PERIOD.search(clause):
            return clause
        # A later year is a plan (2025年将…); an earlier one inside a clause about
        # another period (上年, 同比, 整改, 以来 …) is about that period.
        if stated > year or OTHER_PERIOD.search(clause) or _ANOTHER_PERIOD.search(clause):
            continue
        return clause
    return None


def wrong_year_findings(sub: Submission) -> list[Finding]:
    """N6: at most one per section, quoting the first clause at fault."""
    found = []
    for heading, text in (sub.narrative or {}).items():
        clause = _wrong_year(text, sub.year)
        if clause is None:
            continue
        found.append(finding(
            "N6", message=f"「{heading}」中“{clause.strip()[:60]}”的年份不是报告年度{sub.year}年。"
            f"如沿用了往年的文字，请改为{sub.year}年的情况；统计期限应为{sub.year}年1月1日至12月31日。",
            year=sub.year, department=sub.department.id, table=F.NARRATIVE, row=heading, file=_narrative_rel(sub)))
    return found


def fee_findings(sub: Submission) -> list[Finding]:
    """S7: notices without an amount, or an amount without notices."""
    if F.FEES not in sub.tables:
        return []
    notices = sub.value(F.FEES, F.FEE_NOTICES, F.FEE_VALUE)
    amount = sub.value(F.FEES, F.FEE_NOTICE_AMOUNT, F.FEE_VALUE)
    if notices > 0 and amount == 0:
        row, message = F.FEE_NOTICE_AMOUNT, f"发出收费通知{notices}件，但{F.FEE_NOTICE_AMOUNT}为 0"
    elif amount > 0 and notices == 0:
        row, message = F.FEE_NOTICES, f"{F.FEE_NOTICE_AMOUNT}为 {amount}，但{F.FEE_NOTICES}为 0"
    else:
        return []
    return [finding("S7", message=f"{message}：请核对 {F.TABLE_FILES[F.FEES]}。", year=sub.year,
                    department=sub.department.id, table=F.FEES, row=row, column=F.FEE_VALUE,
                    expected=None, actual=notices if row == F.FEE_NOTICE_AMOUNT else amount,
                    file=f"{sub.folder}/{F.TABLE_FILES[F.FEES]}")]


def jump_findings(sub: Submission, previous: Submission | None) -> list[Finding]:
    """X4: 本年新收 more than five times, or less than a fifth of, last year's."""
    if previous is None or F.APPLICATIONS not in sub.tables or F.APPLICATIONS not in previous.tables:
        return []
    now = sub.value(F.APPLICATIONS, F.NEW, F.TOTAL)
    before = previous.value(F.APPLICATIONS, F.NEW, F.TOTAL)
    if max(now, before) < JUMP_MIN_CASES:
        return []
    if now > JUMP_FACTOR * before:
        change = "超过上年的5倍"
    elif now * JUMP_FACTOR < before:
        change = "不足上年的五分之一"
    else:
        return []
    return [finding(
        "X4", message=f"本年新收申请 {now} 件，{change}（{sub.year - 1}年 {before} 件）。请核对数据；"
        "确有原因（如机构调整、集中申请）的，请在 waivers.csv 中说明。", year=sub.year,
        department=sub.department.id, table=F.APPLICATIONS, row=F.NEW, column=F.TOTAL, expected=before, actual=now)]


def evaluator_findings(sub: Submission, previous: Submission | None) -> list[Finding]:
    """Every finding of the evaluators' checks for one department-year."""
    return [*section_five_findings(sub, previous), *wrong_year_findings(sub), *fee_findings(sub),
            *jump_findings(sub, previous)]
