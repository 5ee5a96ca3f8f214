"""A government's own annual report (《条例》第四十九条): the sums of its members.

The contract (fixed, issue 18): an optional ``params/governments.csv`` with
columns ``id,name,region,members``.  ``members`` empty means every body of the
region in ``departments.csv``; otherwise ids separated by spaces - bodies, or
other governments (a city government totalling its districts).  Unknown ids and
cycles are refused.  :mod:`nianbao.project` reads it with departments.csv: a
government becomes a :class:`~nianbao.project.Department` with ``members`` set,
so that everything that lists, renders, builds and publishes department-years
treats it like one.

Its folder ``data/<year>/<gov-id>/`` holds its narrative (and optionally
settings, waivers, fees and hand-entered tables).  Its tables are the sums of
its *bodies'* tables (each body once, however deeply nested); hand-entered tables
are printed and checked cell by cell against those sums (rule L1).  Its X1 holds
when each body's X1 holds, is waived or does not apply (and so do the other
rules across years: X2, X3, S2).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache

from . import formats as F
from .contract import Submission, read_submission
from .findings import WAIVED, Finding
from .rules import LAST_YEAR, constraints, finding

# What section 一 of a government's report must cover (rule N7).
SECTION_ONE_TOPICS = ("考核", "社会评议", "责任追究")
SUBMITTED, NOT_SUBMITTED = "已提交", "未提交"


# ---------------------------------------------------------------------------
# Membership
# ---------------------------------------------------------------------------


def is_government(project, dept_id: str) -> bool:
    dept = project.departments.get(dept_id)
    return dept is not None and dept.members is not None


def bodies_of(project, gov_id: str) -> list[str]:
    """The bodies a government totals, each once however it is reached (a city
    government whose districts share a body counts it once)."""
    seen: dict[str, None] = {}

    def walk(dept_id):
        for member in project.departments[dept_id].members:
            if is_government(project, member):
                walk(member)
            else:
                seen.setdefault(member)

    walk(gov_id)
    return list(seen)


def level(project, dept_id: str) -> int:
    """0 for a body; a government is one above the highest of its members (the
    build runs each level after the one below)."""
    members = project.departments[dept_id].members
    if members is None:
        return 0
    return 1 + max((level(project, m) for m in members), default=0)


@dataclass(frozen=True)
class Member:
    id: str
    name: str
    government: bool
    submitted: bool

    @property
    def status(self) -> str:
        return SUBMITTED if self.submitted else NOT_SUBMITTED


def members_status(project, gov_id: str, year: int) -> list[Member]:
    """Each direct member with its status: a member government is 未提交 only
    when none of its bodies submitted."""
    submitted = {d for y, d in project.submitted() if y == year}
    result = []
    for member in project.departments[gov_id].members:
        dept = project.departments[member]
        if dept.members is not None:
            done = any(body in submitted for body in bodies_of(project, member))
        else:
            done = member in submitted
        result.append(Member(member, dept.name, dept.members is not None, done))
    return result


def member_new_applications(project, submissions: dict, member: str, year: int) -> int:
    """本年新收 of a member (a government's: its bodies', each once) from loaded submissions."""
    ids = bodies_of(project, member) if is_government(project, member) else [member]
    return sum(sub.value(F.APPLICATIONS, F.NEW, F.TOTAL) for body in ids if (sub := submissions.get((year, body))))


def scope_sentence(name: str, year: int, members: list[Member]) -> str:
    """The report's scope, in one sentence."""
    missing = [m.name for m in members if not m.submitted]
    counted = len(members) - len(missing)
    sentence = (f"本报告的数据为{name}所属{len(members)}个成员单位{year}年度政府信息公开工作年度报告数据的合计"
                f"（已提交{counted}个）")
    if missing:
        sentence += f"，{'、'.join(missing)}未提交，未计入"
    return sentence + "。"


# ---------------------------------------------------------------------------
# Reading a government-year
# ---------------------------------------------------------------------------


def member_sums(fmt: F.Format, members: list[Submission]) -> tuple[dict, set[str]]:
    """Cell → the sum over ``members`` of the tables each could read; the tables summed."""
    tables = set().union(*(m.tables for m in members)) - {F.NARRATIVE} if members else set()
    sums = {}
    for key in fmt.cells():
        sums[key] = sum((m.value(*key) for m in members if key[0] in m.tables), start=0)
    return sums, tables


def read_government(project, gov_id: str, year: int, get) -> Submission:
    """A government-year: its folder (narrative, settings, waivers, hand-entered
    tables) read like a department's, its tables the sums of its bodies'
    (``get(year, id)`` gives a body's Submission or None)."""
    sub = read_submission(project, gov_id, year, tables_optional=True)
    bodies = [s for s in (get(year, b) for b in bodies_of(project, gov_id)) if s is not None]
    sums, summed = member_sums(sub.format, bodies)
    entered = {t for t in sub.tables if t != F.NARRATIVE}
    for key, value in sums.items():
        if key[0] not in entered:
            sub.values[key] = value
    sub.tables |= summed
    sub.findings += cross_level_findings(sub, sums, entered, bodies)
    sub.findings += section_one_findings(sub)
    return sub


def _explaining_member(key, difference, bodies: list[Submission]) -> Submission | None:
    """The one body whose figure alone makes up the difference (left out, or counted twice)."""
    matching = [b for b in bodies if b.value(*key) and b.value(*key) == abs(difference)]
    return matching[0] if len(matching) == 1 else None


def cross_level_findings(sub: Submission, sums: dict, entered: set[str], bodies: list[Submission]) -> list[Finding]:
    """L1: every hand-entered cell against the bodies' sum."""
    found = []
    for key, total in sums.items():
        if key[0] not in entered or sub.value(*key) == total:
            continue
        table, row, column = key
        value = sub.value(*key)
        culprit = _explaining_member(key, value - total, bodies)
        why = ""
        if culprit is not None:
            how = "漏计" if value < total else "多计"
            why = f"差额 {abs(value - total)} 正是{culprit.department.name}（{culprit.department.id}）的数字，疑为{how}该部门。"
        found.append(finding(
            "L1", message=f"{F.TABLE_TITLES[table]}「{row}」×「{column}」填写 {value}，各成员合计 {total}。{why}",
            year=sub.year, department=sub.department.id, table=table, row=row, column=column,
            expected=total, actual=value, file=f"{sub.folder}/{F.TABLE_FILES[table]}"))
    return found


def section_one_findings(sub: Submission) -> list[Finding]:
    """N7: section 一 of a government's report covers 考核、社会评议和责任追究."""
    heading = F.SECTION_HEADINGS[0]
    text = (sub.narrative or {}).get(heading, "")
    if not text:
        return []  # N1 already
    absent = [topic for topic in SECTION_ONE_TOPICS if topic not in text]
    if not absent:
        return []
    return [finding("N7", message=f"「{heading}」没有写到{'、'.join(absent)}：政府年报的总体情况应包括政务公开工作的"
                    "考核、社会评议和责任追究情况。", year=sub.year, department=sub.department.id, table=F.NARRATIVE,
                    row=heading, file=f"{sub.folder}/{F.TABLE_FILES[F.NARRATIVE]}")]


# ---------------------------------------------------------------------------
# Rules across years (X1, X2, X3, S2) for a government
# ---------------------------------------------------------------------------


@cache
def cross_year_rules() -> frozenset[str]:
    """The arithmetic rules that read last year's figures."""
    return frozenset(c.rule for fmt in F.FORMATS for c in constraints(fmt)
                     if any(cell.year == LAST_YEAR for _, cell in (*c.lhs, *c.rhs)))


def _body_reason(found: Finding, body: Submission | None, before: Submission | None, body_findings) -> str | None:
    """Why a body's figures may break the government's rule at this cell: None when
    its own rule holds (or it has data in neither year), '' when nothing explains it."""
    if body is None and before is None:
        return None
    if body is None:
        return f"本年{NOT_SUBMITTED}"
    if before is None:
        return "无上年数据（本年设立）"
    for own in body_findings(body):
        if (own.rule, own.table, own.row, own.column) == (found.rule, found.table, found.row, found.column):
            return own.explanation if own.severity == WAIVED else ""
    return None


def reconcile_cross_year(project, sub: Submission, get, body_findings, findings: list[Finding]) -> list[Finding]:
    """A government's rules across years hold where each body's holds, is waived
    or does not apply (a body set up this year, or not submitted): such a finding
    is kept as explained, with the bodies' reasons; otherwise it names the bodies."""
    result = []
    for found in findings:
        if found.rule not in cross_year_rules():
            result.append(found)
            continue
        reasons, unexplained = [], []
        for body_id in bodies_of(project, sub.department.id):
            reason = _body_reason(found, get(sub.year, body_id), get(sub.year + LAST_YEAR, body_id), body_findings)
            if reason is None:
                continue
            name = project.departments[body_id].name
            if reason:
                reasons.append(f"{name}：{reason}")
            else:
                unexplained.append(name)
        if unexplained:
            result.append(replace(found, message=f"{found.message}（各成员合计；未说明的成员：{'、'.join(unexplained)}）"))
        elif reasons:
            result.append(found.waive("；".join(reason.rstrip("。") for reason in reasons) + "。"))
        else:
            result.append(replace(found, message=f"{found.message}（各成员合计）"))
    return result
