"""The engine: turns department-years into one tidy list of findings.

It evaluates the constraints declared in :mod:`nianbao.rules` without knowing
which rule each one is, and adds the checks that read text (S4 in
:mod:`nianbao.prose_checks`, S5 in :mod:`nianbao.copying`) or the project as a
whole (M1).  Pure except for reading the submissions it is given a
project for; no pandas, no kernel, so ``nianbao check`` stays fast.
"""

from __future__ import annotations

import gc
import multiprocessing
import operator
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, partial
from itertools import repeat

from . import formats as F
from .contract import WAIVERS_FILE, Submission, read_submission
from .copying import SectionTexts, copy_findings
from .evaluators import evaluator_findings
from .findings import Finding
from .governments import is_government, read_government, reconcile_cross_year
from .project import Project
from .prose_checks import prose_findings
from .rules import LAST_YEAR, RULES, Constraint, constraints, finding

_HOLDS = {"==": operator.eq, "<=": operator.le, ">=": operator.ge}


# ---------------------------------------------------------------------------
# Arithmetic constraints
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Compiled:
    """A constraint with its cells as plain dict keys, for evaluation in a loop:
    each side as (this year's added, subtracted, last year's added, subtracted),
    and lhs − rhs as one such side (one sum decides whether the rule holds; the
    two sides are summed only for a finding's message)."""

    constraint: Constraint
    lhs: tuple[tuple, tuple, tuple, tuple]
    rhs: tuple[tuple, tuple, tuple, tuple]
    difference: tuple[tuple, tuple, tuple, tuple]
    tables: frozenset  # this year's tables it reads (a file that could not be read skips it)
    last_year: tuple  # last year's cells it reads


@cache
def _compiled(fmt: F.Format) -> tuple[_Compiled, ...]:
    def terms(side):
        return tuple(tuple((cell.table, cell.row, cell.column) for sign, cell in side if (sign, cell.year) == kind)
                     for kind in ((1, 0), (-1, 0), (1, LAST_YEAR), (-1, LAST_YEAR)))

    out = []
    for c in constraints(fmt):
        cells = [cell for _, cell in (*c.lhs, *c.rhs)]
        lhs, rhs = terms(c.lhs), terms(c.rhs)
        out.append(
            _Compiled(
                c,
                lhs,
                rhs,
                (lhs[0] + rhs[1], lhs[1] + rhs[0], lhs[2] + rhs[3], lhs[3] + rhs[2]),
                frozenset(cell.table for cell in cells if cell.year == 0),
                tuple((cell.table, cell.row, cell.column) for cell in cells if cell.year == LAST_YEAR),
            )
        )
    return tuple(out)


def _available(compiled: _Compiled, tables: frozenset, last_format: F.Format | None, last_tables: frozenset) -> bool:
    """Whether every cell the rule reads exists: this year's come from the same
    format, so only unreadable files matter; last year's may be of the other format."""
    if not compiled.tables <= tables:
        return False
    if compiled.last_year:
        if last_format is None:
            return False
        return all(key[0] in last_tables and last_format.has_cell(*key) for key in compiled.last_year)
    return True


@cache
def _applicable(fmt: F.Format, tables: frozenset, last_format: F.Format | None, last_tables: frozenset) -> tuple[_Compiled, ...]:
    """The rules whose cells all exist, for a submission of ``fmt`` whose files of
    ``tables`` could be read (and last year's likewise): nearly every
    department-year of a run asks the same question."""
    return tuple(compiled for compiled in _compiled(fmt) if _available(compiled, tables, last_format, last_tables))


_ZERO = repeat(0)  # the default of every dict.get below (map stops at the keys' end)


def _total(side, values, last_values) -> int:
    added, subtracted, last_added, last_subtracted = side
    total = sum(map(values.get, added, _ZERO)) - sum(map(values.get, subtracted, _ZERO))
    if last_added or last_subtracted:
        total += sum(map(last_values.get, last_added, _ZERO)) - sum(map(last_values.get, last_subtracted, _ZERO))
    return total


def _message(c: Constraint, actual, expected, sub: Submission) -> str:
    rhs = c.rhs_text
    if any(cell.year == LAST_YEAR for _, cell in c.rhs):
        rhs = f"{rhs}（{sub.year - 1}年）"
    if c.op == "==":
        return f"{rhs} {expected} ≠ {c.lhs_text} {actual}"
    relation = "大于" if c.op == "<=" else "小于"
    return f"{c.lhs_text} {actual} {relation} {rhs} {expected}"


def evaluate_constraints(sub: Submission, previous: Submission | None) -> list[Finding]:
    found = []
    values = sub.values
    last_values = previous.values if previous is not None else {}
    last_format, last_tables = (None, frozenset()) if previous is None else (previous.format, frozenset(previous.tables))
    for compiled in _applicable(sub.format, frozenset(sub.tables), last_format, last_tables):
        c = compiled.constraint
        # the values are ints and Decimals (exact): lhs <op> rhs ⇔ lhs − rhs <op> 0
        if _HOLDS[c.op](_total(compiled.difference, values, last_values), 0):
            continue
        actual = _total(compiled.lhs, values, last_values)
        expected = _total(compiled.rhs, values, last_values)
        table, row, column = c.at
        found.append(finding(c.rule, message=_message(c, actual, expected, sub), year=sub.year,
                             department=sub.department.id, table=table, row=row, column=column,
                             expected=expected, actual=actual))
    return found


# ---------------------------------------------------------------------------
# Waivers, M1 and the project run
# ---------------------------------------------------------------------------


def apply_waivers(sub: Submission, findings: list[Finding]) -> list[Finding]:
    """Findings with waived ones marked, plus a W1 warning for each waiver that
    matches no finding (stale after the data was fixed, or mistyped)."""
    if not sub.waivers:
        return findings
    result = []
    used: set[int] = set()
    for found in findings:
        if not RULES[found.rule].waivable:
            result.append(found)
            continue
        matching = [w for w in sub.waivers if w.matches(found)]
        used.update(w.line for w in matching)
        result.append(found.waive(matching[0].explanation) if matching else found)
    rel = f"{sub.folder}/{WAIVERS_FILE}"
    for waiver in sub.waivers:
        if waiver.line not in used:
            result.append(finding(
                "W1", message=f"{rel} 第{waiver.line}行：说明未对应任何问题（没有 {waiver.rule} 问题与它的表、行、列相符）。"
                "数据已改正的，请删除这条说明；否则请核对表、行、列。", year=sub.year, department=sub.department.id,
                table=waiver.table, row=waiver.row, column=waiver.column, file=rel, line=waiver.line))
    return result


def check_submission(sub: Submission, previous: Submission | None = None, peers: Sequence[Submission] = (),
                     texts: SectionTexts | None = None, reconcile=None) -> list[Finding]:
    """Every finding of one department-year (given last year's and same-region peers').

    ``texts`` lets a project run share the S5 text cache across department-years;
    ``reconcile`` revises the arithmetic findings (a government's rules across
    years, from its members': see governments.py)."""
    arithmetic = evaluate_constraints(sub, previous)
    if reconcile is not None:
        arithmetic = reconcile(arithmetic)
    findings = [*sub.findings, *arithmetic, *prose_findings(sub),
                *evaluator_findings(sub, previous), *copy_findings(sub, previous, list(peers), texts)]
    return apply_waivers(sub, findings)


def missing_submissions(project: Project, years, departments) -> list[Finding]:
    """M1: a listed department without data in a year its region has data for."""
    return [
        finding("M1", message=f"{project.departments[dept_id].name}（{dept_id}）没有{year}年的数据（未提交）：缺少 data/{year}/{dept_id}/。"
                "如该部门当年尚未设立或已撤并，请在 params/departments.csv 中填写 first_year / last_year。",
                year=year, department=dept_id, table=F.DEPARTMENTS, file=f"data/{year}/{dept_id}")
        for year, dept_id in project.missing(years, departments)
    ]


@dataclass
class CheckRun:
    """The result of checking a selection of a project."""

    checked: list[tuple[int, str]]
    findings: list[Finding]
    submissions: dict[tuple[int, str], Submission] = field(default_factory=dict)

    def for_report(self, year: int, dept: str) -> list[Finding]:
        return [f for f in self.findings if f.year == year and f.department == dept]


class _Cache:
    def __init__(self, project: Project, submitted=None):
        self.project = project
        self.loaded: dict[tuple[int, str], Submission | None] = {}
        self.available = set(project.submitted() if submitted is None else submitted)
        self.own: dict[tuple[int, str], list[Finding]] = {}

    def get(self, year: int, dept: str) -> Submission | None:
        key = (year, dept)
        if key not in self.loaded:
            if key not in self.available or year < F.V2019.first_year:
                self.loaded[key] = None
            elif is_government(self.project, dept):
                self.loaded[key] = read_government(self.project, dept, year, self.get)
            else:
                self.loaded[key] = read_submission(self.project, dept, year)
        return self.loaded[key]

    def own_findings(self, sub: Submission) -> list[Finding]:
        """A body's findings before peers are compared (what a government's X1 reads)."""
        key = (sub.year, sub.department.id)
        if key not in self.own:
            self.own[key] = check_submission(sub, self.get(sub.year - 1, sub.department.id))
        return self.own[key]


def read_years(project: Project, dept: str, years) -> list[Submission]:
    """A department's (or government's: summed) submissions of the given years that exist."""
    cache = _Cache(project)
    return [sub for year in years if (sub := cache.get(year, dept)) is not None]


# A project smaller than this is checked in one process: forking and merging
# cost more than a second core saves (about 0.1 s against some 300 department-years
# per second and core).
PARALLEL_MIN = 400


def check_project(project: Project, years=None, departments=None, *, jobs: int | None = None,
                  keep_submissions: bool = True) -> CheckRun:
    """Check the selected department-years (all by default) of a project.

    ``jobs``: processes to spread the regions over (default: the usable cores,
    for a project of at least :data:`PARALLEL_MIN` department-years; 1 = this
    process only).  The findings are the same either way, in the same order.
    ``keep_submissions=False``: the run's ``submissions`` stay empty, for a caller
    that only reads the findings (a worker then need not send back what it read:
    pickling a province's submissions costs about a tenth of the check's CPU)."""
    # Everything allocated here lives until the run ends: cyclic garbage
    # collection would only walk it again and again (about a tenth of the time).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _check_project(project, years, departments, jobs, keep_submissions)
    finally:
        if enabled:
            gc.enable()


def _usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _check_project(project: Project, years, departments, jobs: int | None, keep: bool) -> CheckRun:
    years = set(years) if years else set(project.years())
    departments = set(departments) if departments else set(project.departments)
    submitted = project.submitted()
    selected = [(y, d) for y, d in submitted if y in years and d in departments]
    if jobs is None:
        jobs = _usable_cores() if len(selected) >= PARALLEL_MIN else 1
    shares = _region_shares(project, selected, jobs) if jobs > 1 and _can_fork() else []
    if len(shares) > 1:
        by_key, loaded = _check_in_processes(project, submitted, shares, keep)
    else:
        by_key, loaded = _check_selected(project, submitted, selected, keep)
    findings = [f for f in project.findings if f.year is None or (f.year in years)]
    for key in selected:
        findings += by_key[key]
    findings += missing_submissions(project, sorted(years), departments)
    order = {d.id: i for i, d in enumerate(project.ordered_departments())}
    findings.sort(key=lambda f: (f.year or 0, order.get(f.department or "", -1)))
    return CheckRun(selected, findings, loaded)


def _check_selected(project: Project, submitted: list[tuple[int, str]], selected: list[tuple[int, str]], keep: bool = True):
    """The findings of each of ``selected`` (a whole region's department-years, or
    several regions': S5 compares a department with its region's peers), and the
    submissions read on the way (none unless ``keep``)."""
    cache = _Cache(project, submitted)
    texts = SectionTexts()
    region_members: dict[tuple[int, str], list[str]] = {}
    for y, d in submitted:
        region_members.setdefault((y, project.departments[d].region), []).append(d)
    by_key: dict[tuple[int, str], list[Finding]] = {}
    for year, dept in selected:
        sub = cache.get(year, dept)
        assert sub is not None, "a selected department-year was submitted"
        previous = cache.get(year - 1, dept)
        peers = [
            cache.get(year, other)
            for other in region_members[(year, project.departments[dept].region)]
            if other != dept
        ]
        reconcile = None
        if is_government(project, dept):
            reconcile = partial(reconcile_cross_year, project, sub, cache.get, cache.own_findings)
        by_key[(year, dept)] = check_submission(sub, previous, [p for p in peers if p is not None], texts, reconcile)
    return by_key, {k: v for k, v in cache.loaded.items() if v is not None} if keep else {}


# ---------------------------------------------------------------------------
# The same run over several processes
# ---------------------------------------------------------------------------


def _can_fork() -> bool:
    # Workers inherit the loaded project by fork; elsewhere (Windows, macOS'
    # default) one process checks everything, and so does a pool's worker (a
    # daemon process may not have children) or a process running other threads
    # (a kernel client's, a cluster client's: a lock one of them holds at the
    # fork would stay locked in the child).
    return ("fork" in multiprocessing.get_all_start_methods() and not multiprocessing.current_process().daemon
            and threading.active_count() == 1)


def _region_shares(project: Project, selected, jobs: int) -> list[list[tuple[int, str]]]:
    """``selected`` in at most ``jobs`` shares of whole regions, of about equal
    size (largest region first onto the smallest share: deterministic)."""
    regions: dict[str, list[tuple[int, str]]] = {}
    for key in selected:
        regions.setdefault(project.departments[key[1]].region, []).append(key)
    shares: list[list[tuple[int, str]]] = [[] for _ in range(min(jobs, len(regions)))]
    for name in sorted(regions, key=lambda r: (-len(regions[r]), r)):
        min(shares, key=len).extend(regions[name])
    return shares


# the project, its submitted department-years and whether to keep the
# submissions: what a forked worker checks
_FORKED: tuple[Project, list[tuple[int, str]], bool] | None = None


def _check_share(share: list[tuple[int, str]]):
    assert _FORKED is not None
    gc.disable()
    project, submitted, keep = _FORKED
    return _check_selected(project, submitted, share, keep)


def _check_in_processes(project: Project, submitted, shares, keep: bool = True):
    """The first share checked here, each other by a forked worker meanwhile; the
    findings merged by key (so in the serial run's order whatever the share) and
    the submissions, including those read twice (a government's bodies), taken
    from the first share that read them."""
    global _FORKED
    _FORKED = (project, submitted, keep)
    try:
        with multiprocessing.get_context("fork").Pool(len(shares) - 1) as pool:
            others = pool.map_async(_check_share, shares[1:], chunksize=1)
            results = [_check_selected(project, submitted, shares[0], keep), *others.get()]
    finally:
        _FORKED = None
    by_key: dict[tuple[int, str], list[Finding]] = {}
    loaded: dict[tuple[int, str], Submission] = {}
    for found, subs in results:
        by_key.update(found)
        for key, sub in subs.items():
            loaded.setdefault(key, sub)
    return by_key, loaded
