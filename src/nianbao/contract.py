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
from decimal import Decimal, InvalidOperation
from pathlib import Path

from . import formats as F
from . import personal
from .findings import Finding
from .project import Department, Project, is_inside
from .rules import RULES
from .config import REPORT_FILE
from .textio import InputFileError, linked_file_message, normalise_label, parse_csv, read_text

Number = int | Decimal

APPLICATION_ROW_HEADER = "项目"
REVIEW_ROW_HEADER = "项目"
DISCLOSURE_HEADER = (F.DISCLOSURE_ROW_HEADER, "指标", "数值")
FEES_HEADER = ("指标", F.FEE_VALUE)
WAIVERS_FILE = "waivers.csv"
WAIVERS_HEADER = ("规则", "表", "行", "列", "说明")
UNWAIVABLE = ("INPUT", "R5")  # structure and blanks must be fixed, not explained
# Everything a department-year folder may hold: these are read, hashed and
# attached to the PDF; any other file there is reported (F1) and never read.
CONTRACT_FILES = (*F.TABLE_FILES.values(), WAIVERS_FILE, REPORT_FILE)
# Written by `nianbao import` from a published report (where every cell came
# from): known, so not stray (F1), but provenance, not data - never attached.
IMPORT_FILE = "import.json"
KNOWN_FILES = (*CONTRACT_FILES, IMPORT_FILE)

PLACEHOLDERS = {"", "-", "—", "–", "--", "——", "无", "/", "\\", "－", "空"}
_COUNT = re.compile(r"\+?\d+")
_SIGNED = re.compile(r"[+-]?\d+")
_AMOUNT = re.compile(r"\+?\d+(\.\d+)?")
_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")
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

_DOMAIN_HINT = {
    F.COUNT: "须为不小于0的整数",
    F.SIGNED: "须为整数（可为负数）",
    F.AMOUNT: f"须为不小于0的金额（万元），最多{F.AMOUNT_PLACES}位小数",
}


def parse_number(raw: str, domain: str) -> tuple[Number, str | None]:
    """(value, problem); a problem means the value is unusable and read as 0."""
    if domain != F.AMOUNT and raw.isascii() and raw.isdigit():  # fast path: the usual plain count
        return int(raw), None
    text = unicodedata.normalize("NFKC", raw).strip().replace(" ", "")
    if text in PLACEHOLDERS or text in ("—", "―"):
        return 0, "为空或占位符，请填写0"
    if _GROUPED.fullmatch(text):
        text = text.replace(",", "")
    pattern = {F.COUNT: _COUNT, F.SIGNED: _SIGNED, F.AMOUNT: _AMOUNT}[domain]
    if not pattern.fullmatch(text):
        if domain != F.SIGNED and text.startswith("-") and _AMOUNT.fullmatch(text[1:]):
            return 0, "不能为负数，" + _DOMAIN_HINT[domain]
        return 0, "不是有效数字，" + _DOMAIN_HINT[domain]
    if domain != F.AMOUNT:
        return int(text), None
    try:
        amount = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern already guarantees a decimal
        return 0, "不是有效数字，" + _DOMAIN_HINT[domain]
    if amount != amount.quantize(Decimal(1).scaleb(-F.AMOUNT_PLACES)):  # 12.30000 is fine, 0.00001 is not
        return 0, f"小数位数过多，最多{F.AMOUNT_PLACES}位（单位：万元）"
    return amount, None


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

    # -- findings -----------------------------------------------------------
    def finding(self, rule, message, *, table=None, row=None, column=None, expected=None, actual=None, file=None, line=None):
        self.sub.findings.append(
            Finding(
                self.sub.year,
                self.sub.department.id,
                rule,
                RULES[rule].severity,
                table,
                row,
                column,
                expected,
                actual,
                message,
                None,
                file,
                line,
            )
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
            self.finding("N2", f"{rel} 第{problem.line}行：{what}。{fix}。", table=F.NARRATIVE, file=rel, line=problem.line)

    def report_stray_files(self):
        """Files the contract does not name are listed once, never read or published."""
        try:
            names = sorted(entry.name for entry in os.scandir(self.folder))
        except OSError:
            return
        stray = [name for name in names if name not in KNOWN_FILES]
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
            text = read_text(path, rel)
            self.report_personal_data(text, rel, table)
            header, rows = parse_csv(text, rel)
        except InputFileError as exc:
            self.finding("INPUT", str(exc), table=table, file=rel)
            return None
        self.sub.files.append(rel)
        if table:
            self.sub.tables.add(table)
        return rel, header, rows

    def check_header(self, table, rel, header, expected) -> dict[str, int] | None:
        """Map each expected column to its index; every other column is a finding."""
        keys = {normalise_label(name): name for name in expected}
        index: dict[str, int] = {}
        for i, name in enumerate(header):
            official = keys.get(normalise_label(name))
            if official is None:
                self.finding(
                    "INPUT",
                    f"{rel} 第1行：多出列「{name}」。表头应为：{','.join(expected)}。",
                    table=table,
                    column=name,
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
                f"{rel} 第1行：缺少列「{'」「'.join(missing)}」。表头应为：{','.join(expected)}。",
                table=table,
                column=missing[0],
                file=rel,
                line=1,
            )
            if expected[0] in missing:
                return None
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
            shown = raw.strip()
            self.finding(
                "R5",
                f"{rel} 第{line}行「{column}」列：「{shown}」{problem}。" if shown else f"{rel} 第{line}行「{column}」列{problem}。",
                table=table,
                row=row_label,
                column=column,
                actual=raw,
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
            message = f"{rel} 第{line}行：无法识别的行「{label}」。应为以下之一：{'、'.join(expected)}。"
        self.finding("INPUT", message, table=table, row=label, file=rel, line=line)

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
        if index is None or len(index) < 3:
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
                    else f"无法识别的指标「{raw_col}」。"
                )
                self.finding(
                    "INPUT",
                    f"{rel} 第{line}行：{hint}「{label}」的指标应为：{'、'.join(names)}。",
                    table=table,
                    row=label,
                    column=raw_col,
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
        if index is None or len(index) < 2:
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
            text = read_text(path, rel)
        except InputFileError as exc:
            self.finding("INPUT", str(exc), table=F.NARRATIVE, file=rel)
            return
        self.sub.files.append(rel)
        self.report_personal_data(text, rel, F.NARRATIVE)
        self.sub.narrative = self.split_sections(text, rel)
        self.report_links(text, rel)
        for heading in F.AUTHORED_SECTIONS:
            if not self.sub.narrative.get(heading, "").strip():
                self.finding(
                    "N1",
                    f"{rel}：缺少「## {heading}」部分或该部分为空，请补写。",
                    table=F.NARRATIVE,
                    row=heading,
                    file=rel,
                )

    def split_sections(self, text: str, rel: str) -> dict[str, str]:
        by_number = {heading[:2]: heading for heading in F.SECTION_HEADINGS}
        sections: dict[str, list[str]] = {}
        current: list[str] | None = None
        for line_no, line in enumerate(text.splitlines(), start=1):
            match = _HEADING.match(line)
            if match:
                heading = by_number.get(normalise_label(match.group(1))[:2])
                if heading is None:
                    self.finding(
                        "N1",
                        f"{rel} 第{line_no}行：无法识别的标题「{match.group(1)}」，应为六个部分的标题之一"
                        f"（如「## {F.SECTION_HEADINGS[0]}」）；其下的文字不会出现在报告中。",
                        table=F.NARRATIVE,
                        file=rel,
                        line=line_no,
                    )
                    current = None
                    continue
                current = sections.setdefault(heading, [])
            elif current is not None:
                current.append(line)
        texts = {heading: "\n".join(lines).strip() for heading, lines in sections.items()}
        prompts = set(F.NARRATIVE_PROMPTS.values())
        return {heading: text for heading, text in texts.items() if text not in prompts}

    # -- waivers ---------------------------------------------------------------
    def read_waivers(self):
        opened = self.open_csv(None, WAIVERS_FILE, required=False)
        if opened is None:
            return
        rel, header, rows = opened
        index = self.check_header(None, rel, header, WAIVERS_HEADER)
        if index is None or len(index) < len(WAIVERS_HEADER):
            return
        tables = {**{t: t for t in F.TABLE_TITLES}, **{title: t for t, title in F.TABLE_TITLES.items()}}
        for line, row in rows:
            rule, table, row_label, column, explanation = (row[index[name]].strip() for name in WAIVERS_HEADER)
            rule = rule.upper()
            problem = None
            if rule not in RULES:
                problem = f"未知的规则「{rule}」，应为 {'、'.join(RULES)} 之一"
            elif rule in UNWAIVABLE:
                problem = f"规则 {rule} 的问题须改正数据，不能用说明代替"
            elif table and table not in tables:
                problem = f"未知的表「{table}」，应为 {'、'.join(F.TABLE_TITLES.values())} 之一"
            elif not explanation:
                problem = "「说明」为空：说明会印在报告中，请写明理由"
            if problem:
                self.finding("INPUT", f"{rel} 第{line}行：{problem}。", file=rel, line=line)
                continue
            self.sub.waivers.append(
                Waiver(rule, tables.get(table) if table else None, self.label(row_label), self.label(column), explanation, line)
            )

    def label(self, text: str) -> str | None:
        """A waiver's row/column as the official label it names (or None for any)."""
        if not text:
            return None
        key = normalise_label(text)
        lookups = _lookups(self.sub.format)
        for table in ("rows", "disclosure_rows", "review_rows"):
            if key in lookups[table]:
                found = lookups[table][key]
                return found if isinstance(found, str) else found.label
        for label in (*F.APPLICATION_COLUMNS, *F.REVIEW_COLUMNS, *(c.label for _, c in self.sub.format.disclosure_cells())):
            if normalise_label(label) == key:
                return label
        return text


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


def is_imported(root: Path, dept_id: str, year: int) -> bool:
    """Whether the department-year was imported from its published report
    (history: checked and used, never republished unless asked)."""
    return (Path(root) / "data" / str(year) / dept_id / IMPORT_FILE).is_file()


def contract_files(root: Path, dept_id: str, year: int) -> list[Path]:
    """The department-year's contract files that exist as plain files inside the
    project (what the PDF attaches, in name order)."""
    folder = Path(root) / "data" / str(year) / dept_id
    return [folder / name for name in sorted(CONTRACT_FILES) if (folder / name).is_file() and is_inside(root, folder / name)]
