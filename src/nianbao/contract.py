"""The data contract: one department-year read from ``data/<year>/<id>/``.

Every message about bad input lives here.  Reading never raises for bad data:
each problem becomes a finding (INPUT for structure, R5 for a cell, N1 for the
narrative) that names the file, line, row and column, and the cell is read as 0
so that the rules can still report everything else in the same run.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from . import formats as F
from . import personal
from .findings import Finding
from .config import REPORT_FILE
from .project import Department, Project, is_inside
from .rules import RULES, UNWAIVABLE, constraints, finding
from .textio import (InputFileError, linked_file_message, normalise_label, other_separator, parse_csv, read_text_noting,
                     separator_message, shorten, strip_invisible)

Number = int | Decimal

APPLICATION_ROW_HEADER = "项目"
REVIEW_ROW_HEADER = "项目"
DISCLOSURE_HEADER = (F.DISCLOSURE_ROW_HEADER, "指标", "数值")
FEES_HEADER = ("指标", F.FEE_VALUE)
WAIVERS_FILE = "waivers.csv"
WAIVERS_HEADER = ("规则", "表", "行", "列", "说明")
# Everything a department-year folder may hold: these are read, hashed and
# attached to the PDF; any other file there is reported (F1) and never read.
CONTRACT_FILES = (*F.TABLE_FILES.values(), WAIVERS_FILE, REPORT_FILE)

# Limits: a department-year's files are a few KB; anything far larger is a
# mistake (or an attack) and is refused before it is parsed.
CSV_MAX_BYTES = 2 * 1024 * 1024
CSV_MAX_ROWS = 2000
NARRATIVE_MAX_BYTES = 200 * 1024

PLACEHOLDERS = {"", "-", "—", "–", "--", "——", "无", "/", "\\", "－", "空"}
_COUNT = re.compile(r"\+?\d+")
_SIGNED = re.compile(r"[+-]?\d+")
_AMOUNT = re.compile(r"\+?\d+(\.\d+)?")
_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")
_PROMPT_KEYS = tuple(normalise_label(p).strip("()") for p in F.NARRATIVE_PROMPTS.values())
_HEADING = re.compile(r"^##[ \t]+(.+?)[ \t#]*$")


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


# ---------------------------------------------------------------------------
# Cells
# ---------------------------------------------------------------------------

_LIMIT = str(F.NUMBER_LIMIT)
_DOMAIN_HINT = {
    F.COUNT: f"须为0至{_LIMIT}之间的整数",
    F.SIGNED: f"须为-{_LIMIT}至{_LIMIT}之间的整数（可为负数）",
    F.AMOUNT: f"须为0至{_LIMIT}之间的金额（万元），最多{F.AMOUNT_PLACES}位小数",
}
_SCIENTIFIC = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)[eE][+-]?\d+")
_AMOUNT_LIMIT = Decimal(F.NUMBER_LIMIT)


def parse_number(raw: str, domain: str) -> tuple[Number, str | None]:
    """(value, problem); a problem means the value is unusable and read as 0.

    Bounded before it is converted: no text longer than NUMBER_TEXT_LIMIT and no
    value beyond ±NUMBER_LIMIT reaches int() or Decimal arithmetic."""
    if len(raw) > F.NUMBER_TEXT_LIMIT:
        return 0, f"过长（{len(raw)}个字符），不是有效数字，" + _DOMAIN_HINT[domain]
    if domain != F.AMOUNT and raw.isascii() and raw.isdigit() and len(raw) <= 9:  # fast path: the usual plain count
        value = int(raw)
        return (value, None) if value <= F.NUMBER_LIMIT else (0, "超出范围，" + _DOMAIN_HINT[domain])
    if any(unicodedata.category(c) == "No" for c in raw):  # ②, ½, ³: NFKC would make digits of them
        return 0, "不是有效数字（请用普通数字），" + _DOMAIN_HINT[domain]
    text = unicodedata.normalize("NFKC", strip_invisible(raw)).strip().replace(" ", "")
    if text in PLACEHOLDERS or text in ("—", "―"):
        return 0, "为空或占位符，请填写0"
    if _GROUPED.fullmatch(text):
        text = text.replace(",", "")
    pattern = {F.COUNT: _COUNT, F.SIGNED: _SIGNED, F.AMOUNT: _AMOUNT}[domain]
    if not pattern.fullmatch(text):
        if domain != F.SIGNED and text.startswith("-") and _AMOUNT.fullmatch(text[1:]):
            return 0, "不能为负数，" + _DOMAIN_HINT[domain]
        if _SCIENTIFIC.fullmatch(text):
            return 0, "是科学计数法，请写成普通数字（在 Excel 中把单元格格式设为“数值”），" + _DOMAIN_HINT[domain]
        return 0, "不是有效数字，" + _DOMAIN_HINT[domain]
    if domain != F.AMOUNT:
        digits = text.lstrip("+-").lstrip("0")
        if len(digits) > 9 or int(text) > F.NUMBER_LIMIT or int(text) < (-F.NUMBER_LIMIT if domain == F.SIGNED else 0):
            return 0, "超出范围，" + _DOMAIN_HINT[domain]
        return int(text), None
    amount = Decimal(text)  # the pattern guarantees a plain decimal of bounded length
    if amount > _AMOUNT_LIMIT:
        return 0, "超出范围，" + _DOMAIN_HINT[domain]
    if amount and -amount.normalize().as_tuple().exponent > F.AMOUNT_PLACES:  # 12.30000000 is fine, 0.0000001 is not
        return 0, f"小数位数过多，最多{F.AMOUNT_PLACES}位（单位：万元，精确到分），请删去多余的小数位"
    return amount, None


def rules_reading(fmt: F.Format, table: str) -> list[str]:
    """The rules that read a table of this format (S4 reads every table the prose
    may state figures of)."""
    ids = dict.fromkeys(c.rule for c in constraints(fmt) if any(cell.table == table for _, cell in (*c.lhs, *c.rhs)))
    return [*ids, "S4"]


# ---------------------------------------------------------------------------
# Label lookups, built once per format
# ---------------------------------------------------------------------------


def _path_keys(row: F.ApplicationRow):
    for start in range(len(row.path)):
        yield normalise_label("/".join(row.path[start:]))


_LOOKUPS: dict[str, dict] = {}


def _lookups(fmt: F.Format) -> dict:
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


class _Reader:
    def __init__(self, project: Project, department: Department, year: int, fmt: F.Format):
        folder = project.data_dir(year, department.id)
        self.project = project
        self.folder = folder
        self.sub = Submission(department, year, fmt, project.relative(folder))
        self.encoding_note: str | None = None  # of the file being read

    # -- findings -----------------------------------------------------------
    def finding(self, rule, message, *, table=None, row=None, column=None, expected=None, actual=None, file=None, line=None):
        self.sub.findings.append(
            finding(rule, message=message, year=self.sub.year, department=self.sub.department.id, table=table, row=row,
                    column=column, expected=expected, actual=actual, file=file, line=line)
        )

    def rel(self, name: str) -> str:
        return f"{self.sub.folder}/{name}"

    def readable(self, path, rel: str, table: str | None) -> bool:
        if self.project.is_inside(path):
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

    def report_links(self, text: str, rel: str):
        """N2: what the published page will not carry as written (see html.markdown)."""
        if "](" not in text and "]:" not in text and "<" not in text:
            return  # no Markdown link or image syntax at all: skip the parser
        from .html import link_problems

        for problem in link_problems(text):
            if problem.kind == "image":
                what = f"图片「{problem.label or problem.target}」：报告不含图片，只显示其替代文字"
                fix = "如需图表，请在笔记本中绘制；否则删除图片"
            else:
                what = f"链接「{problem.target}」不是完整的 http、https 或 mailto 网址，报告中只显示其文字"
                fix = "请改为完整网址（如 https://www.example.gov.cn/…）或删除链接"
            self.finding("N3", f"{rel} 第{problem.line}行：{what}。{fix}。", table=F.NARRATIVE, file=rel, line=problem.line)

    def report_stray_files(self):
        """Files the contract does not name are listed once, never read or published."""
        try:
            names = sorted(entry.name for entry in os.scandir(self.folder))
        except OSError:
            return
        stray = [name for name in names if name not in CONTRACT_FILES]
        if stray:
            shown = "、".join(stray[:10]) + (f" 等 {len(stray)} 个" if len(stray) > 10 else "")
            self.finding(
                "F1",
                f"{self.sub.folder}/ 中有数据约定之外的文件：{shown}。它们不会被读取，也不会附在 PDF 中发布；"
                "如无用请删除或移到别处。",
                file=self.sub.folder,
            )

    def open_csv(self, table: str, name: str, *, required: bool = True):
        rel = self.rel(name)
        path = self.folder / name
        if not path.exists() and not required:
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
        lookups = _lookups(self.sub.format)
        looks_like_data = any(
            _GROUPED.fullmatch(cell) or cell.strip().isdigit() for cell in header
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
        if any(cell.strip() for cell in row[width:]):
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
        lookups = _lookups(fmt)
        self.read_matrix(
            F.APPLICATIONS,
            lookups["rows"],
            fmt.application_labels,
            F.APPLICATION_COLUMNS,
            other_rows=_lookups(F.other_format(fmt))["rows"],
            groups=lookups["groups"],
        )

    def read_review(self):
        self.read_matrix(F.REVIEW, _lookups(self.sub.format)["review_rows"], F.REVIEW_ROWS, F.REVIEW_COLUMNS)

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
        lookups, other = _lookups(fmt), _lookups(F.other_format(fmt))
        row_col, value_col = DISCLOSURE_HEADER[0], DISCLOSURE_HEADER[2]
        seen: dict[tuple[str, str], int] = {}
        for line, row in rows:
            if self.extra_cells(table, rel, line, row, len(header)):
                continue
            raw_row, raw_col = row[index[row_col]].strip(), row[index["指标"]].strip()
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
        fee_rows = _lookups(self.sub.format)["fee_rows"]
        seen: dict[str, int] = {}
        for line, row in rows:
            if self.extra_cells(table, rel, line, row, len(header)):
                continue
            raw = row[index["指标"]].strip()
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

    # -- narrative -------------------------------------------------------------
    def read_narrative(self):
        name = F.TABLE_FILES[F.NARRATIVE]
        rel = self.rel(name)
        path = self.folder / name
        if not path.exists():
            self.finding(
                "N1",
                f"缺少 {rel}：报告的总体情况、存在的主要问题及改进情况、其他需要报告的事项将为空。",
                table=F.NARRATIVE,
                file=rel,
            )
            return
        if not self.readable(path, rel, F.NARRATIVE):
            return
        try:
            text, note = read_text_noting(path, rel, NARRATIVE_MAX_BYTES)
        except InputFileError as exc:
            self.finding("INPUT", str(exc), table=F.NARRATIVE, file=rel)
            return
        self.sub.files.append(rel)
        if note and not any(heading in text for heading in F.SECTION_HEADINGS):
            # Big5 and the like decode as GB18030 without error: one message, not a
            # finding per garbled heading.
            self.finding("INPUT", f"{rel}：找不到任何一个部分的标题：该文件{note}，文字成了乱码。"
                         "请用记事本或编辑器另存为 UTF-8 编码。", table=F.NARRATIVE, file=rel)
            return
        self.report_personal_data(text, rel, F.NARRATIVE)
        self.sub.narrative = self.split_sections(text, rel)
        self.report_links(text, rel)
        prompted = {f.row for f in self.sub.findings if f.rule == "N2" and f.row}
        for heading in F.AUTHORED_SECTIONS:
            if heading not in prompted and not self.sub.narrative.get(heading, "").strip():
                self.finding(
                    "N1",
                    f"{rel}：缺少「## {heading}」部分或该部分为空，请补写。",
                    table=F.NARRATIVE,
                    row=heading,
                    file=rel,
                )

    def split_sections(self, text: str, rel: str) -> dict[str, str]:
        """Official heading → its text.  A heading written twice is merged (nothing
        is lost) but is an N2 error; the template's prompts are N2 errors and are
        dropped, so that a prompt is never published."""
        by_number = {heading[:2]: heading for heading in F.SECTION_HEADINGS}
        sections: dict[str, list[str]] = {}
        first_line: dict[str, int] = {}
        current: list[str] | None = None
        for line_no, line in enumerate(text.splitlines(), start=1):
            match = _HEADING.match(line)
            if match:
                heading = by_number.get(normalise_label(match.group(1))[:2])
                if heading is None:
                    self.finding(
                        "N1",
                        f"{rel} 第{line_no}行：无法识别的标题「{shorten(match.group(1))}」，应为六个部分的标题之一"
                        f"（如「## {F.SECTION_HEADINGS[0]}」）；其下的文字不会出现在报告中。",
                        table=F.NARRATIVE,
                        file=rel,
                        line=line_no,
                    )
                    current = None
                    continue
                if heading in first_line:
                    self.finding(
                        "N2",
                        f"{rel} 第{line_no}行：标题「## {heading}」重复（第{first_line[heading]}行已有）。"
                        "两处的文字会被合并到同一部分，请删除重复的标题（及其中重复的文字）。",
                        table=F.NARRATIVE,
                        row=heading,
                        file=rel,
                        line=line_no,
                    )
                first_line.setdefault(heading, line_no)
                current = sections.setdefault(heading, [])
            elif current is not None:
                if self.is_prompt(line):
                    heading = next(h for h, lines in sections.items() if lines is current)
                    self.finding(
                        "N2",
                        f"{rel} 第{line_no}行：「## {heading}」中仍是模板的提示语「{shorten(line.strip(), 20)}」，"
                        "它不会印在报告中。请删除提示语，写上本部门的情况。",
                        table=F.NARRATIVE,
                        row=heading,
                        file=rel,
                        line=line_no,
                    )
                    continue
                current.append(line)
        texts = {heading: "\n".join(lines).strip() for heading, lines in sections.items()}
        return {heading: text for heading, text in texts.items() if text}

    @staticmethod
    def is_prompt(line: str) -> bool:
        """Whether a line still holds one of the template's prompts (with or
        without its brackets, in any width)."""
        key = normalise_label(line).strip("()")
        return bool(key) and any(prompt in key for prompt in _PROMPT_KEYS)

    # -- waivers ---------------------------------------------------------------
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

    def label(self, table: str, text: str, kind: str) -> str | None | bool:
        """A waiver's row or column as the official label of ``table`` it names;
        None when blank (any); False when the table has no such label."""
        if not text:
            return None
        key = normalise_label(text)
        return _waiver_labels(self.sub.format, table, kind).get(key, False)


WAIVABLE_TABLES = (F.APPLICATIONS, F.REVIEW, F.DISCLOSURE, F.FEES, F.NARRATIVE)
MIN_EXPLANATION = 10  # characters: the explanation is printed in the report


def _waiver_labels(fmt: F.Format, table: str, kind: str) -> dict[str, str]:
    """Comparison key → official label, for the rows or columns of a table that
    findings can name."""
    lookups = _lookups(fmt)
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


def read_submission(project: Project, dept_id: str, year: int) -> Submission:
    """Read one department-year; never raises for bad data (see module doc)."""
    fmt = F.format_for_year(year)
    reader = _Reader(project, project.departments[dept_id], year, fmt)
    reader.read_disclosure()
    reader.read_applications()
    reader.read_review()
    reader.read_fees()
    reader.read_narrative()
    reader.read_waivers()
    reader.report_stray_files()
    return reader.sub


def contract_files(root: Path, dept_id: str, year: int) -> list[Path]:
    """The department-year's contract files that exist as plain files inside the
    project (what the PDF attaches, in name order)."""
    folder = Path(root) / "data" / str(year) / dept_id
    return [folder / name for name in sorted(CONTRACT_FILES) if (folder / name).is_file() and is_inside(root, folder / name)]
