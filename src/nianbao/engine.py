"""The engine: turns department-years into one tidy list of findings.

It evaluates the constraints declared in :mod:`nianbao.rules` without knowing
which rule each one is, and adds the checks that read text (S4, S5) or the
project as a whole (M1).  Pure except for reading the submissions it is given a
project for; no pandas, no kernel, so ``nianbao check`` stays fast.
"""

from __future__ import annotations

import gc
import math
import re
from collections import Counter
from itertools import chain
from operator import itemgetter
from dataclasses import dataclass, field
from functools import cache

from . import formats as F
from .contract import UNWAIVABLE, WAIVERS_FILE, Submission, read_submission
from .findings import Finding
from .project import Project
from .rules import LAST_YEAR, RULES, Constraint, constraints

_HOLDS = {
    "==": lambda a, b: a == b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
}


def _finding(sub: Submission, rule: str, table, row, column, expected, actual, message, file=None) -> Finding:
    return Finding(
        sub.year, sub.department.id, rule, RULES[rule].severity, table, row, column, expected, actual, message, None, file
    )


# ---------------------------------------------------------------------------
# Arithmetic constraints
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Compiled:
    """A constraint with its cells as plain dict keys, for evaluation in a loop."""

    constraint: Constraint
    lhs: tuple  # (sign, year offset, (table, row, column))
    rhs: tuple
    tables: frozenset  # this year's tables it reads (a file that could not be read skips it)
    last_year: tuple  # last year's cells it reads


@cache
def _compiled(fmt: F.Format) -> tuple[_Compiled, ...]:
    def terms(side):
        return tuple((sign, cell.year, (cell.table, cell.row, cell.column)) for sign, cell in side)

    out = []
    for c in constraints(fmt):
        cells = [cell for _, cell in (*c.lhs, *c.rhs)]
        out.append(
            _Compiled(
                c,
                terms(c.lhs),
                terms(c.rhs),
                frozenset(cell.table for cell in cells if cell.year == 0),
                tuple((cell.table, cell.row, cell.column) for cell in cells if cell.year == LAST_YEAR),
            )
        )
    return tuple(out)


def _available(compiled: _Compiled, sub: Submission, previous: Submission | None) -> bool:
    """Whether every cell the rule reads exists: this year's come from the same
    format, so only unreadable files matter; last year's may be of the other format."""
    if not compiled.tables <= sub.tables:
        return False
    if compiled.last_year:
        if previous is None:
            return False
        return all(key[0] in previous.tables and previous.format.has_cell(*key) for key in compiled.last_year)
    return True


def _total(terms, values, last_values) -> int:
    return sum(sign * (values if year == 0 else last_values).get(key, 0) for sign, year, key in terms)


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
    for compiled in _compiled(sub.format):
        if not _available(compiled, sub, previous):
            continue
        c = compiled.constraint
        actual = _total(compiled.lhs, values, last_values)
        expected = _total(compiled.rhs, values, last_values)
        if _HOLDS[c.op](actual, expected):
            continue
        table, row, column = c.at
        found.append(_finding(sub, c.rule, table, row, column, expected, actual, _message(c, actual, expected, sub)))
    return found


# ---------------------------------------------------------------------------
# S4: numbers the authored prose states about the tables
# ---------------------------------------------------------------------------

_GAP = r"[^，。；;,、：:！？\d\n]{0,%d}?"
_NUM = r"(\d{1,3}(?:,\d{3})+|\d+)\s*"
_UNIT = r"(?:件|宗|起|项|个)"
# Clauses about another period are not about this year's tables.
_OTHER_PERIOD = re.compile(r"上年(?!结转)|去年|上一年|同比|较上|累计|历年|以来")
_CLAUSE_END = re.compile(r"[。；;！？!?\n]")


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
    clause_start = max((m.end() for m in _CLAUSE_END.finditer(text, 0, start)), default=0)
    if _OTHER_PERIOD.search(text, clause_start, start + 1):
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
                found.append(
                    _finding(
                        sub,
                        "S4",
                        claim.table,
                        claim.row,
                        claim.column,
                        table_value,
                        stated,
                        f"「{heading}」中写“{match.group(0)}”，但表格中{claim.name}为 {table_value}",
                        rel,
                    )
                )
    return found


# ---------------------------------------------------------------------------
# S5: authored text copied from last year or from another department
# ---------------------------------------------------------------------------

_MIN_COPY_CHARS = 40  # short standard sentences ("本年度无其他需要报告的事项。") are not copying
# One measure for both kinds of copying: the Jaccard similarity of 6-character
# shingles (after dropping punctuation and spaces), at least 0.8.
_OTHER_DEPARTMENT_JACCARD = 0.8
_SHINGLE = 6
_PUNCT_SPACE = re.compile(r"[\s，。；：、,.;:！？!?“”\"'（）()#*>\-]+")


def _comparable(text: str) -> str:
    return _PUNCT_SPACE.sub("", text)


def _shingles(text: str) -> frozenset[str]:
    return frozenset(text[i : i + _SHINGLE] for i in range(max(1, len(text) - _SHINGLE + 1)))


class SectionTexts:
    """Each submission's comparable section text and shingles, computed once, and
    each pair of peers compared once (the relation is symmetric).  A project run
    shares one instance: without it every department of a region re-derived the
    shingles of every peer, O(n²) set constructions per region and year.
    Keys are ``id(submission)``: the submissions must outlive the instance."""

    def __init__(self):
        self._text: dict[tuple[int, str], str] = {}
        self._shingles: dict[tuple[int, str], frozenset[str]] = {}
        self._pairs: dict[tuple[str, int, int], bool] = {}
        self._groups: dict[tuple, set[tuple[int, int]]] = {}
        self._similar: dict[tuple, dict[int, list[Submission]]] = {}

    def text(self, sub: Submission, heading: str) -> str:
        key = (id(sub), heading)
        if key not in self._text:
            self._text[key] = _comparable((sub.narrative or {}).get(heading, ""))
        return self._text[key]

    def shingles(self, sub: Submission, heading: str) -> frozenset[str]:
        key = (id(sub), heading)
        if key not in self._shingles:
            self._shingles[key] = _shingles(self.text(sub, heading))
        return self._shingles[key]

    def alike(self, a: Submission, b: Submission, heading: str) -> bool:
        """6-character-shingle Jaccard of the two sections ≥ the threshold."""
        key = (heading, *sorted((id(a), id(b))))
        if key not in self._pairs:
            mine, theirs = self.shingles(a, heading), self.shingles(b, heading)
            small, large = sorted((len(mine), len(theirs)))
            # Jaccard ≤ |small| / |large|: most pairs are decided without intersecting.
            if small < _OTHER_DEPARTMENT_JACCARD * large:
                self._pairs[key] = False
            else:
                common = len(mine & theirs)
                self._pairs[key] = common / (len(mine) + len(theirs) - common) >= _OTHER_DEPARTMENT_JACCARD
        return self._pairs[key]

    def similar(self, heading: str, group: list[Submission]) -> dict[int, list[Submission]]:
        """id of a member of ``group`` → the other members whose section is alike,
        in department order.  Computed once per group and heading."""
        key = (heading, frozenset(map(id, group)))
        if key not in self._similar:
            members = {id(s): s for s in group}
            result: dict[int, list[Submission]] = {}
            for a, b in self.candidates(heading, group):
                if self.alike(members[a], members[b], heading):
                    result.setdefault(a, []).append(members[b])
                    result.setdefault(b, []).append(members[a])
            for peers in result.values():
                peers.sort(key=lambda peer: peer.department.id)
            self._similar[key] = result
        return self._similar[key]

    def candidates(self, heading: str, group: list[Submission]) -> set[tuple[int, int]]:
        """The pairs of ``group`` (as sorted id pairs) that *may* be alike: an exact
        filter (prefix filtering, as in all-pairs similarity joins).  Order each
        section's shingles rarest-first within the group; two sets with Jaccard ≥ t
        share a shingle within their first ``n − ⌈t·n⌉ + 1``.  Computed once per
        group (a region's departments in one year)."""
        key = (heading, frozenset(map(id, group)))
        if key not in self._groups:
            sets = [(id(s), self.shingles(s, heading)) for s in group if len(self.text(s, heading)) >= _MIN_COPY_CHARS]
            frequency = Counter(chain.from_iterable(shingles for _, shingles in sets))
            rank = {token: i for i, (token, _) in enumerate(sorted(frequency.items(), key=itemgetter(1, 0)))}
            index: dict[str, list[int]] = {}
            pairs: set[tuple[int, int]] = set()
            for ident, shingles in sets:
                ordered = sorted(shingles, key=rank.__getitem__)
                size = len(ordered)
                # 1e-9: never a shorter prefix through float rounding (longer is always safe)
                prefix = size - math.ceil(_OTHER_DEPARTMENT_JACCARD * size - 1e-9) + 1
                for token in ordered[:prefix]:
                    bucket = index.setdefault(token, [])
                    pairs.update((min(ident, other), max(ident, other)) for other in bucket)
                    bucket.append(ident)
            self._groups[key] = pairs
        return self._groups[key]


def copy_findings(sub: Submission, previous: Submission | None, peers: list[Submission],
                  texts: SectionTexts | None = None) -> list[Finding]:
    if not sub.narrative:
        return []
    texts = texts or SectionTexts()
    rel = f"{sub.folder}/{F.TABLE_FILES[F.NARRATIVE]}"
    found = []
    for heading in F.AUTHORED_SECTIONS:
        text = texts.text(sub, heading)
        if len(text) < _MIN_COPY_CHARS:
            continue
        if previous and previous.narrative:
            last = texts.text(previous, heading)
            if len(last) >= _MIN_COPY_CHARS and texts.alike(sub, previous, heading):
                found.append(
                    _finding(sub, "S5", F.NARRATIVE, heading, None, None, None,
                             f"「{heading}」与本部门{previous.year}年报告的同一部分基本相同（内容雷同），请按本年度情况重写", rel)
                )
        for peer in texts.similar(heading, [sub, *peers]).get(id(sub), []) if peers else ():
            found.append(
                _finding(sub, "S5", F.NARRATIVE, heading, None, None, None,
                         f"「{heading}」与{peer.department.name}（{peer.department.id}）同年报告的同一部分基本相同（内容雷同），请写本部门的情况", rel)
            )
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
    for finding in findings:
        if finding.rule in UNWAIVABLE:
            result.append(finding)
            continue
        matching = [w for w in sub.waivers if w.matches(finding)]
        used.update(w.line for w in matching)
        result.append(finding.waive(matching[0].explanation) if matching else finding)
    rel = f"{sub.folder}/{WAIVERS_FILE}"
    for waiver in sub.waivers:
        if waiver.line not in used:
            result.append(Finding(
                sub.year, sub.department.id, "W1", RULES["W1"].severity, waiver.table, waiver.row, waiver.column,
                None, None, f"{rel} 第{waiver.line}行：说明未对应任何问题（没有 {waiver.rule} 问题与它的表、行、列相符）。"
                "数据已改正的，请删除这条说明；否则请核对表、行、列。", None, rel, waiver.line))
    return result


def check_submission(sub: Submission, previous: Submission | None = None, peers: list[Submission] = (),
                     texts: SectionTexts | None = None) -> list[Finding]:
    """Every finding of one department-year (given last year's and same-region peers').

    ``texts`` lets a project run share the S5 text cache across department-years."""
    findings = [*sub.findings, *evaluate_constraints(sub, previous), *prose_findings(sub),
                *copy_findings(sub, previous, list(peers), texts)]
    return apply_waivers(sub, findings)


def missing_submissions(project: Project, years, departments) -> list[Finding]:
    """M1: a listed department without data in a year its region has data for."""
    return [
        Finding(year, dept_id, "M1", RULES["M1"].severity, F.DEPARTMENTS, None, None, None, None,
                f"{project.departments[dept_id].name}（{dept_id}）没有{year}年的数据（未提交）：缺少 data/{year}/{dept_id}/。"
                "如该部门当年尚未设立或已撤并，请在 params/departments.csv 中填写 first_year / last_year。",
                None, f"data/{year}/{dept_id}")
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
    def __init__(self, project: Project):
        self.project = project
        self.loaded: dict[tuple[int, str], Submission | None] = {}
        self.available = set(project.submitted())

    def get(self, year: int, dept: str) -> Submission | None:
        key = (year, dept)
        if key not in self.loaded:
            if key not in self.available or year < F.V2019.first_year:
                self.loaded[key] = None
            else:
                self.loaded[key] = read_submission(self.project, dept, year)
        return self.loaded[key]


def check_project(project: Project, years=None, departments=None) -> CheckRun:
    """Check the selected department-years (all by default) of a project."""
    # Everything allocated here lives until the run ends: cyclic garbage
    # collection would only walk it again and again (about a tenth of the time).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _check_project(project, years, departments)
    finally:
        if enabled:
            gc.enable()


def _check_project(project: Project, years, departments) -> CheckRun:
    years = set(years) if years else set(project.years())
    departments = set(departments) if departments else set(project.departments)
    cache = _Cache(project)
    texts = SectionTexts()
    selected = [(y, d) for y, d in project.submitted() if y in years and d in departments]
    findings = [f for f in project.findings if f.year is None or (f.year in years)]
    region_members: dict[tuple[int, str], list[str]] = {}
    for y, d in project.submitted():
        region_members.setdefault((y, project.departments[d].region), []).append(d)
    for year, dept in selected:
        sub = cache.get(year, dept)
        previous = cache.get(year - 1, dept)
        peers = [
            cache.get(year, other)
            for other in region_members[(year, project.departments[dept].region)]
            if other != dept
        ]
        findings += check_submission(sub, previous, [p for p in peers if p is not None], texts)
    findings += missing_submissions(project, sorted(years), departments)
    order = {d.id: i for i, d in enumerate(project.ordered_departments())}
    findings.sort(key=lambda f: (f.year or 0, order.get(f.department, -1)))
    return CheckRun(selected, findings, {k: v for k, v in cache.loaded.items() if v is not None})
