"""The data contract: one department-year read from ``data/<year>/<id>/``.

Every message about bad input lives here (with :mod:`nianbao.cells` for a
cell, :mod:`nianbao.narrative_reader` and :mod:`nianbao.waiver_reader` for
those two files).  Reading never raises for bad data:
each problem becomes a finding (INPUT for structure, R5 for a cell, N1 for the
narrative) that names the file, line, row and column, and the cell is read as 0
so that the rules can still report everything else in the same run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from . import formats as F
from . import personal

# The cells, the narrative and the waivers are read in their own modules; the
# names callers used to import from here are re-exported (PLACEHOLDERS,
# parse_number, NARRATIVE_MAX_BYTES, WAIVERS_HEADER, WAIVABLE_TABLES, …).
from .cells import GROUPED, PLACEHOLDERS, Number, parse_number, plain_count  # noqa: F401
from .findings import Finding
from .folders import KNOWN_FILES, FolderListing
from .narrative_reader import NARRATIVE_MAX_BYTES, NarrativeReading  # noqa: F401
from .project import Department, Project
from .rules import FIGURE_RULE_TABLES, constraints, finding
from .textio import (
    InputFileError,
    linked_file_message,
    normalise_label,
    other_separator,
    parse_csv,
    read_text_noting,
    separator_message,
    shorten,
)
from .waiver_reader import MIN_EXPLANATION, WAIVABLE_TABLES, WAIVERS_FILE, WAIVERS_HEADER, Waiver, WaiverReading, waiver_labels  # noqa: F401

APPLICATION_ROW_HEADER = "项目"
REVIEW_ROW_HEADER = "项目"
DISCLOSURE_HEADER = (F.DISCLOSURE_ROW_HEADER, F.INDICATOR_HEADER, F.VALUE_HEADER)
FEES_HEADER = (F.INDICATOR_HEADER, F.FEE_VALUE)

# Limits: a department-year's files are a few KB; anything far larger is a
# mistake (or an attack) and is refused before it is parsed.
CSV_MAX_BYTES = 2 * 1024 * 1024
CSV_MAX_ROWS = 2000


@dataclass
class Submission:
    """One department-year as read from disk: typed values and input findings."""

    department: Department
    year: int
    format: F.Format
    folder: str  # project-relative
    values: dict[tuple[str, str, str], Number] = field(default_factory=dict)
    narrative: dict[str, str] | None = None  # official heading → authored Markdown
    waivers: list[Waiver] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # project-relative paths read
    tables: set[str] = field(default_factory=set)  # tables whose file could be read

    def value(self, table: str, row: str, column: str) -> Number:
        return self.values.get((table, row, column), 0)

    def has(self, table: str, row: str, column: str) -> bool:
        return self.format.has_cell(table, row, column)


def rules_reading(fmt: F.Format, table: str) -> list[str]:
    """The rules that read a table of this format (S4 reads every table the prose
    may state figures of)."""
    ids = dict.fromkeys(c.rule for c in constraints(fmt) if any(cell.table == table for _, cell in (*c.lhs, *c.rhs)))
    ids.update(dict.fromkeys(rule for rule, tables in FIGURE_RULE_TABLES.items() if table in tables))
    return [*ids, "S4"]


# ---------------------------------------------------------------------------
# Label lookups, built once per format
# ---------------------------------------------------------------------------


def _path_keys(row: F.ApplicationRow):
    for start in range(len(row.path)):
        yield normalise_label("/".join(row.path[start:]))


_LOOKUPS: dict[str, dict] = {}


def label_lookups(fmt: F.Format) -> dict:
    """A format's official labels by their normalised spellings (rows, groups, disclosure rows
    and columns, review rows, fee rows), built once per format version."""
    if fmt.version not in _LOOKUPS:
        rows = {key: row.label for row in fmt.application_rows for key in _path_keys(row)}
        groups = {normalise_label(row.group) for row in fmt.application_rows if row.group}
        disclosure_rows = {normalise_label(r): r for item in fmt.disclosure for r in item.rows}
        disclosure_cols = {
            row: {normalise_label(name): col.label for col in item.columns for name in (col.label, *col.aliases)}
            for item in fmt.disclosure
            for row in item.rows
        }
        _LOOKUPS[fmt.version] = {
            "rows": rows,
            "groups": groups,
            "disclosure_rows": disclosure_rows,
            "disclosure_cols": disclosure_cols,
            "review_rows": {normalise_label(r): r for r in F.REVIEW_ROWS},
            "fee_rows": {normalise_label(f.label): f for f in F.FEE_ROWS},
        }
    return _LOOKUPS[fmt.version]


# ---------------------------------------------------------------------------
# The reader
# ---------------------------------------------------------------------------


class _Reader(NarrativeReading, WaiverReading):
    def __init__(self, project: Project, department: Department, year: int, fmt: F.Format):
        folder = project.data_dir(year, department.id)
        self.project = project
        self.folder = folder
        self.sub = Submission(department, year, fmt, project.relative(folder))
        self.encoding_note: str | None = None  # of the file being read
        self.listing = FolderListing(project.root, folder)

    # -- findings -----------------------------------------------------------
    def finding(self, rule, message, *, table=None, row=None, column=None, expected=None, actual=None, file=None, line=None):
        self.sub.findings.append(
            finding(rule, message=message, year=self.sub.year, department=self.sub.department.id, table=table, row=row,
                    column=column, expected=expected, actual=actual, file=file, line=line)
        )

    def rel(self, name: str) -> str:
        return f"{self.sub.folder}/{name}"

    def exists(self, name: str) -> bool:
        return self.listing.exists(name)

    def readable(self, path, rel: str, table: str | None) -> bool:
        if self.listing.inside(path):
            return True
        self.finding("INPUT", linked_file_message(rel), table=table, file=rel)
        return False

    def report_personal_data(self, text: str, rel: str, table: str | None):
        """P1: identity and mobile numbers in any text of the contract, by line."""
        if not personal.find(text):  # one pass over the file; lines only when needed
            return
        for number, line in enumerate(text.splitlines(), start=1):
            for hit in personal.find(line):
                self.finding(
                    "P1",
                    f"{rel} 第{number}行：疑似{personal.KINDS[hit.kind]} {hit.masked}（已遮盖）。公开的报告不得含有个人信息，"
                    "请删除或改写；确属可公开的（如单位的公开服务电话）请在 waivers.csv 中说明。",
                    table=table,
                    file=rel,
                    line=number,
                )

    def report_stray_files(self):
        """Files the contract does not name are listed once, never read or published."""
        if self.listing.names is None:
            return
        names = sorted(self.listing.names)
        stray = [name for name in names if name not in KNOWN_FILES]
        if stray:
            shown = "、".join(stray[:10]) + (f" 等 {len(stray)} 个" if len(stray) > 10 else "")
            self.finding(
                "F1",
                f"{self.sub.folder}/ 中有数据约定之外的文件：{shown}。它们不会被读取，也不会附在 PDF 中发布；"
                "如无用请删除或移到别处。",
                file=self.sub.folder,
            )

    def open_csv(self, table: str | None, name: str, *, required: bool = True) -> tuple[str, list, list] | None:
        rel = self.rel(name)
        path = self.folder / name
        if not required and not self.exists(name):
            return None
        if not self.readable(path, rel, table):
            return None
        try:
            text, self.encoding_note = read_text_noting(path, rel, CSV_MAX_BYTES)
            self.report_personal_data(text, rel, table)
            header, rows = parse_csv(text, rel, CSV_MAX_ROWS)
        except InputFileError as exc:
            self.finding("INPUT", str(exc) + self.skipped(table), table=table, file=rel)
            return None
        self.sub.files.append(rel)
        return rel, header, rows

    def skipped(self, table) -> str:
        """What a file that cannot be read as the contract costs: the rules that
        read it are skipped (not run on zeros that would invent findings)."""
        if table not in F.TABLE_FILES or table == F.NARRATIVE:
            return ""
        return f"读取该文件的规则（{'、'.join(rules_reading(self.sub.format, table))}）已跳过。"

    def structural_problem(self, rel, header, expected) -> str | None:
        """One message for a header that shows the whole file was misread:
        another separator, no header row, another encoding."""
        separator = other_separator(header)
        if separator:
            return separator_message(rel, separator)
        keys = {normalise_label(name) for name in expected}
        if any(normalise_label(cell) in keys for cell in header):
            return None
        if self.encoding_note:
            return (f"{rel}：表头「{shorten(','.join(header), 40)}」无法识别：该文件{self.encoding_note}，文字成了乱码。"
                    "请在 Excel 中用“另存为 → CSV UTF-8（逗号分隔）”保存，或用记事本另存为 UTF-8 编码。")
        lookups = label_lookups(self.sub.format)
        looks_like_data = any(
            GROUPED.fullmatch(cell) or cell.strip().isdigit() for cell in header
        ) or any(normalise_label(cell) in known for cell in header[:2]
                 for known in (lookups["rows"], lookups["disclosure_rows"], lookups["review_rows"], lookups["fee_rows"]))
        if looks_like_data:
            return (f"{rel}：缺少表头行（第1行「{shorten(','.join(header), 40)}」是数据）。"
                    f"请在第1行加上表头：{','.join(expected)}。")
        return None

    def check_header(self, table, rel, header, expected) -> dict[str, int] | None:
        """Map each expected column to its index; every other column is a finding.

        A header missing any expected column makes the file unreadable as the
        contract: None, and the table is not counted as read (its rules skip)."""
        problem = self.structural_problem(rel, header, expected)
        if problem:
            self.finding("INPUT", problem + self.skipped(table), table=table, file=rel, line=1)
            return None
        keys = {normalise_label(name): name for name in expected}
        index: dict[str, int] = {}
        for i, name in enumerate(header):
            official = keys.get(normalise_label(name))
            if official is None:
                self.finding(
                    "INPUT",
                    f"{rel} 第1行：多出列「{shorten(name)}」。表头应为：{','.join(expected)}。",
                    table=table,
                    column=shorten(name),
                    file=rel,
                    line=1,
                )
            elif official in index:
                self.finding("INPUT", f"{rel} 第1行：列「{official}」重复。", table=table, column=official, file=rel, line=1)
            else:
                index[official] = i
        missing = [name for name in expected if name not in index]
        if missing:
            self.finding(
                "INPUT",
                f"{rel} 第1行：缺少列「{'」「'.join(missing)}」。表头应为：{','.join(expected)}。" + self.skipped(table),
                table=table,
                column=missing[0],
                file=rel,
                line=1,
            )
            return None
        if table:
            self.sub.tables.add(table)
        return index

    def extra_cells(self, table, rel, line, row, width) -> bool:
        if len(row) > width and "".join(row[width:]).strip():  # a cell beyond the header is not blank
            self.finding(
                "INPUT",
                f"{rel} 第{line}行：单元格多于表头的{width}列，请删除多余的内容。",
                table=table,
                file=rel,
                line=line,
            )
            return True
        return False

    def store(self, table, rel, line, row_label, column, raw, domain):
        if domain != F.AMOUNT and (count := plain_count(raw)) is not None:
            self.sub.values[(table, row_label, column)] = count
            return
        value, problem = parse_number(raw, domain)
        key = (table, row_label, column)
        self.sub.values[key] = value
        if problem:
            shown = shorten(raw.strip())
            self.finding(
                "R5",
                f"{rel} 第{line}行「{column}」列：「{shown}」{problem}。" if shown else f"{rel} 第{line}行「{column}」列{problem}。",
                table=table,
                row=row_label,
                column=column,
                actual=shorten(raw),
                file=rel,
                line=line,
            )

    def unknown_row(self, table, rel, line, label, expected, *, other=None, group=False):
        other_fmt = F.other_format(self.sub.format)
        if group:
            message = f"{rel} 第{line}行：「{label}」是分组标题，官方表格中没有它的合计行，请删除该行，只填写其下各小项。"
            if other:  # e.g. （六）其他处理: one row in V2019, a group of three in V2021
                message += (
                    f"（它在{other_fmt.version}格式（{other_fmt.years_text}）中是单独一行；"
                    f"{self.sub.year}年应使用{self.sub.format.version}格式（{self.sub.format.notice}）。）"
                )
        elif other:
            message = (
                f"{rel} 第{line}行：「{label}」是{other_fmt.version}格式（{other_fmt.years_text}）的行，"
                f"{self.sub.year}年应使用{self.sub.format.version}格式（{self.sub.format.notice}）。"
                f"可用 nianbao template --year {self.sub.year} 生成正确的模板。"
            )
        else:
            message = f"{rel} 第{line}行：无法识别的行「{shorten(label, 60)}」。应为以下之一：{'、'.join(expected)}。"
        self.finding("INPUT", message, table=table, row=shorten(label, 60), file=rel, line=line)

    def missing_rows(self, table, rel, seen, expected):
        for label in expected:
            if label not in seen:
                self.finding(
                    "INPUT",
                    f"{rel}：缺少行「{label}」，请补上该行并填写数字（没有则填0）。",
                    table=table,
                    row=label,
                    file=rel,
                )

    def duplicate(self, table, rel, line, label, first_line):
        self.finding(
            "INPUT",
            f"{rel} 第{line}行：行「{label}」重复（第{first_line}行已有），请删除重复的一行。",
            table=table,
            row=label,
            file=rel,
            line=line,
        )

    # -- the matrix tables: applications and review -------------------------
    def read_matrix(self, table, rows_lookup, row_labels, columns, *, other_rows=None, groups=frozenset()):
        opened = self.open_csv(table, F.TABLE_FILES[table])
        if opened is None:
            return
        rel, header, rows = opened
        expected_header = (APPLICATION_ROW_HEADER, *columns)
        index = self.check_header(table, rel, header, expected_header)
        if index is None:
            return
        seen: dict[str, int] = {}
        for line, row in rows:
            if self.extra_cells(table, rel, line, row, len(header)):
                continue
            raw_label = row[index[APPLICATION_ROW_HEADER]].strip()
            key = normalise_label(raw_label)
            label = rows_lookup.get(key)
            if label is None:
                self.unknown_row(
                    table,
                    rel,
                    line,
                    raw_label,
                    row_labels,
                    other=(other_rows or {}).get(key),
                    group=key in groups,
                )
                continue
            if label in seen:
                self.duplicate(table, rel, line, label, seen[label])
                continue
            seen[label] = line
            for column in columns:
                if column in index:
                    self.store(table, rel, line, label, column, row[index[column]], F.COUNT)
        self.missing_rows(table, rel, seen, row_labels)

    def read_applications(self):
        fmt = self.sub.format
        lookups = label_lookups(fmt)
        self.read_matrix(
            F.APPLICATIONS,
            lookups["rows"],
            fmt.application_labels,
            F.APPLICATION_COLUMNS,
            other_rows=label_lookups(F.other_format(fmt))["rows"],
            groups=lookups["groups"],
        )

    def read_review(self):
        self.read_matrix(F.REVIEW, label_lookups(self.sub.format)["review_rows"], F.REVIEW_ROWS, F.REVIEW_COLUMNS)

    # -- section 二, long form -----------------------------------------------
    def read_disclosure(self):
        table = F.DISCLOSURE
        opened = self.open_csv(table, F.TABLE_FILES[table])
        if opened is None:
            return
        rel, header, rows = opened
        index = self.check_header(table, rel, header, DISCLOSURE_HEADER)
        if index is None:
            return
        fmt = self.sub.format
        lookups, other = label_lookups(fmt), label_lookups(F.other_format(fmt))
        row_col, value_col = DISCLOSURE_HEADER[0], DISCLOSURE_HEADER[2]
        seen: dict[tuple[str, str], int] = {}
        for line, row in rows:
            if self.extra_cells(table, rel, line, row, len(header)):
                continue
            raw_row, raw_col = row[index[row_col]].strip(), row[index[F.INDICATOR_HEADER]].strip()
            label = lookups["disclosure_rows"].get(normalise_label(raw_row))
            if label is None:
                other_label = other["disclosure_rows"].get(normalise_label(raw_row))
                expected = [r for item in fmt.disclosure for r in item.rows]
                self.unknown_row(table, rel, line, raw_row, expected, other=other_label)
                continue
            columns = lookups["disclosure_cols"][label]
            column = columns.get(normalise_label(raw_col))
            if column is None:
                item = fmt.disclosure_item(label)
                names = [c.label for c in item.columns]
                in_other = label in other["disclosure_cols"] and normalise_label(raw_col) in other["disclosure_cols"][label]
                hint = (
                    f"「{raw_col}」是{F.other_format(fmt).version}格式的指标，{self.sub.year}年应使用{fmt.version}格式。"
                    if in_other
                    else f"无法识别的指标「{shorten(raw_col, 60)}」。"
                )
                self.finding(
                    "INPUT",
                    f"{rel} 第{line}行：{hint}「{label}」的指标应为：{'、'.join(names)}。",
                    table=table,
                    row=label,
                    column=shorten(raw_col, 60),
                    file=rel,
                    line=line,
                )
                continue
            if (label, column) in seen:
                self.duplicate(table, rel, line, f"{label},{column}", seen[(label, column)])
                continue
            seen[(label, column)] = line
            self.store(table, rel, line, label, column, row[index[value_col]], fmt.domain(table, label, column))
        for label, col in fmt.disclosure_cells():
            if (label, col.label) not in seen:
                self.finding(
                    "INPUT",
                    f"{rel}：缺少「{label}」的指标「{col.label}」，请补上一行 {label},{col.label},0（没有则填0）。",
                    table=table,
                    row=label,
                    column=col.label,
                    file=rel,
                )

    # -- fees ------------------------------------------------------------------
    def read_fees(self):
        table = F.FEES
        opened = self.open_csv(table, F.TABLE_FILES[table], required=self.sub.format.fees_required)
        if opened is None:
            return
        rel, header, rows = opened
        index = self.check_header(table, rel, header, FEES_HEADER)
        if index is None:
            return
        fee_rows = label_lookups(self.sub.format)["fee_rows"]
        seen: dict[str, int] = {}
        for line, row in rows:
            if self.extra_cells(table, rel, line, row, len(header)):
                continue
            raw = row[index[F.INDICATOR_HEADER]].strip()
            fee = fee_rows.get(normalise_label(raw))
            if fee is None:
                self.unknown_row(table, rel, line, raw, [f.label for f in F.FEE_ROWS])
                continue
            if fee.label in seen:
                self.duplicate(table, rel, line, fee.label, seen[fee.label])
                continue
            seen[fee.label] = line
            self.store(table, rel, line, fee.label, F.FEE_VALUE, row[index[F.FEE_VALUE]], fee.domain)
        self.missing_rows(table, rel, seen, [f.label for f in F.FEE_ROWS])

    def label(self, table: str, text: str, kind: str) -> str | None | Literal[False]:
        """A waiver's row or column as the official label of ``table`` it names;
        None when blank (any); False when the table has no such label."""
        if not text:
            return None
        key = normalise_label(text)
        return waiver_labels(label_lookups(self.sub.format), table, kind).get(key, False)


def read_submission(project: Project, dept_id: str, year: int, *, tables_optional: bool = False) -> Submission:
    """Read one department-year; never raises for bad data (see module doc).
    ``tables_optional``: a government's folder, whose tables are hand-entered if present."""
    fmt = F.format_for_year(year)
    reader = _Reader(project, project.departments[dept_id], year, fmt)
    for table, read in ((F.DISCLOSURE, reader.read_disclosure), (F.APPLICATIONS, reader.read_applications),
                        (F.REVIEW, reader.read_review), (F.FEES, reader.read_fees)):
        if not tables_optional or reader.exists(F.TABLE_FILES[table]):
            read()
    reader.read_narrative()
    reader.read_waivers()
    reader.report_stray_files()
    return reader.sub
