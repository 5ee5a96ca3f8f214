"""Excel in, Excel out: the fill-in workbook departments use, and importing it.

``nianbao template --xlsx`` writes one workbook per department-year; ``nianbao
import`` reads filled workbooks back into ``data/<year>/<id>/`` CSVs (the kit's
canonical format).  Both sides share one layout, computed from
:mod:`nianbao.formats` (every official label, every merged-cell span), so that the
importer knows exactly which cell holds which figure and can refuse a workbook
whose label cells were moved or renamed.

Identification: a hidden, protected sheet ``_nianbao`` (key/value rows: kit id,
workbook layout version, format version, year, department id) — copied by Excel,
WPS and LibreOffice like any sheet — with the same keys as workbook custom
properties as a fall-back.  The file name plays no part.

Protection: every sheet is protected **without a password** (labels locked, number
cells unlocked; the workbook structure is locked so sheets cannot be renamed);
it prevents slips, not determined edits — the importer checks the labels anyway.
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path

from .errors import EXIT_USAGE, NianbaoError
from . import formats as F
from .contract import PLACEHOLDERS, _lookups, parse_number
from .contract import FEES_HEADER
from .project import Project
from .rules import RULES, constraints
from .template import carried_over, narrative_skeleton, submission_files, write_files
from .signing import SIGNATURE, project_key, sign, verify
from .textio import normalise_label, parse_csv, write_atomic, InputFileError

KIT_ID = "nianbao"
LAYOUT_VERSION = 1  # bump when the cell layout changes; older workbooks are then refused
META_SHEET = "_nianbao"
META_KEYS = ("kit", "layout", "format", "year", "department")
WORKBOOKS_DIR = "workbooks"

SHEET_GUIDE = "说明"
SHEET_DISCLOSURE = "二、主动公开"
SHEET_APPLICATIONS = "三、依申请公开"
SHEET_REVIEW = "四、复议诉讼"
SHEET_FEES = "六、信息处理费"
SHEET_TEXT = "文字"

DEADLINE = "次年1月31日"
CHECK_HEADER = "核对"
OK_MARK = "✓"
TOP = 4  # first row of a table: 1 title, 2 section heading, 3 how to fill

# At least DISPLAY_PLACES places, up to AMOUNT_PLACES as entered (24252.311082, 12.3000).
_AMOUNT_FORMAT = "0." + "0" * F.DISPLAY_PLACES + "#" * (F.AMOUNT_PLACES - F.DISPLAY_PLACES)


# ---------------------------------------------------------------------------
# The layout, shared by writer and reader
# ---------------------------------------------------------------------------


def _coord(row: int, col: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(col)}{row}"


def _range(row: int, col: int, rows: int = 1, cols: int = 1) -> str:
    return f"{_coord(row, col)}:{_coord(row + rows - 1, col + cols - 1)}"


@dataclass(frozen=True)
class ValueCell:
    key: tuple[str, str, str]  # (table, row, column) as in Submission.values
    domain: str
    cols: int = 1


@dataclass
class Sheet:
    name: str
    heading: str  # row 2: the official section heading
    hint: str  # row 3
    width: int  # columns the table uses
    labels: dict[str, tuple[str, str, bool]] = field(default_factory=dict)  # coord → (text, range, official)
    values: dict[str, ValueCell] = field(default_factory=dict)  # coord → cell
    checks: dict[str, str] = field(default_factory=dict)  # coord → formula
    texts: dict[str, str] = field(default_factory=dict)  # coord → narrative heading (文字 sheet)
    widths: dict[int, float] = field(default_factory=dict)
    heights: dict[int, float] = field(default_factory=dict)
    landscape: bool = False

    def label(self, row, col, text, rows=1, cols=1, official=True):
        self.labels[_coord(row, col)] = (text, _range(row, col, rows, cols), official)

    def value(self, row, col, key, domain=F.COUNT, cols=1):
        self.values[_coord(row, col)] = ValueCell(key, domain, cols)

    def rows_of_values(self) -> dict[int, list[str]]:
        found: dict[int, list[str]] = {}
        for coord in self.values:
            found.setdefault(int(re.sub(r"^[A-Z]+", "", coord)), []).append(coord)
        return found


_HINT = "浅黄色单元格填写数字（没有请填0，不要留空）；灰色单元格是官方表格的标签，已锁定。"


def _check(total: str, parts: str) -> str:
    """✓ when the typed total equals the sum it must equal, else the difference."""
    return f'=IF({total}={parts},"{OK_MARK}",{total}-({parts}))'


def _disclosure_sheet(fmt: F.Format) -> Sheet:
    sheet = Sheet(SHEET_DISCLOSURE, F.SECTION_HEADINGS[1], _HINT, 4, widths={1: 24, 2: 24, 3: 24, 4: 24})
    row = TOP
    for item in fmt.disclosure:
        sheet.label(row, 1, item.article, cols=4)
        row += 1
        spans = [1] * (len(item.columns) - 1) + [3 - (len(item.columns) - 1)]
        sheet.label(row, 1, F.DISCLOSURE_ROW_HEADER)
        col = 2
        for column, span in zip(item.columns, spans):
            sheet.label(row, col, column.label, cols=span)
            col += span
        row += 1
        for label in item.rows:
            sheet.label(row, 1, label)
            col = 2
            for column, span in zip(item.columns, spans):
                sheet.value(row, col, (F.DISCLOSURE, label, column.label), column.domain, span)
                col += span
            row += 1
    return sheet


def _applications_sheet(fmt: F.Format) -> Sheet:
    first_value, n = 4, len(F.APPLICATION_COLUMNS)
    total_col, check_col = first_value + n - 1, first_value + n
    sheet = Sheet(
        SHEET_APPLICATIONS,
        F.SECTION_HEADINGS[2],
        _HINT + f"总计由本单位填写；“{CHECK_HEADER}”显示{OK_MARK}表示与各项之和相符，显示数字则是总计与应有之和的差额。",
        check_col,
        widths={1: 8, 2: 16, 3: 40, **{c: 9 for c in range(first_value, check_col + 1)}},
        landscape=True,
    )
    sheet.label(TOP, 1, F.BALANCE_NOTE, rows=3, cols=3)
    sheet.label(TOP, first_value, F.APPLICANT_HEADER, cols=n)
    sheet.label(TOP + 1, first_value, F.NATURAL_PERSON, rows=2)
    sheet.label(TOP + 1, first_value + 1, F.ORGANISATION_HEADER, cols=len(F.ORGANISATIONS))
    for i, org in enumerate(F.ORGANISATIONS):
        sheet.label(TOP + 2, first_value + 1 + i, org)
    sheet.label(TOP + 1, total_col, F.TOTAL, rows=2)
    sheet.label(TOP, check_col, CHECK_HEADER, rows=3, official=False)
    sheet.heights.update({TOP: 20, TOP + 1: 20, TOP + 2: 36})

    rows = fmt.application_rows
    results = [r for r in rows if r.path[0] == F.RESULTS]
    group_spans: dict[str, int] = {}
    for r in rows:
        if r.group:
            group_spans[r.group] = group_spans.get(r.group, 0) + 1
    where: dict[str, int] = {}
    opened: set[str] = set()
    line = TOP + 3
    for r in rows:
        if len(r.path) == 1:
            sheet.label(line, 1, r.label, cols=3)
        else:
            if F.RESULTS not in opened:
                opened.add(F.RESULTS)
                sheet.label(line, 1, F.RESULTS, rows=len(results))
            if r.group is None:
                sheet.label(line, 2, r.label, cols=2)
            else:
                if r.group not in opened:
                    opened.add(r.group)
                    sheet.label(line, 2, r.group, rows=group_spans[r.group])
                sheet.label(line, 3, r.label)
        for i, column in enumerate(F.APPLICATION_COLUMNS):
            sheet.value(line, first_value + i, (F.APPLICATIONS, r.label, column))
        parts = f"SUM({_coord(line, first_value)}:{_coord(line, total_col - 1)})"
        sheet.checks[_coord(line, check_col)] = _check(_coord(line, total_col), parts)
        if len(r.label) > 22:
            sheet.heights[line] = 30
        where[r.label] = line
        line += 1
    # Below the table: the column checks of （七）总计 (R3) and of the 勾稽 note (R1).
    outcome_lines = [where[r.label] for r in fmt.outcome_rows]
    assert outcome_lines == list(range(outcome_lines[0], outcome_lines[-1] + 1))
    sheet.label(line, 1, f"{CHECK_HEADER}：{F.OUTCOME_TOTAL} − （一）至（六）之和", cols=3, official=False)
    sheet.label(line + 1, 1, f"{CHECK_HEADER}：第一项＋第二项 − 第三项（{F.OUTCOME_TOTAL}）− 第四项", cols=3, official=False)
    for i in range(n):
        col = first_value + i
        c = lambda label: _coord(where[label], col)  # noqa: E731
        parts = f"SUM({_coord(outcome_lines[0], col)}:{_coord(outcome_lines[-1], col)})"
        sheet.checks[_coord(line, col)] = _check(c(F.OUTCOME_TOTAL), parts)
        sheet.checks[_coord(line + 1, col)] = _check(f"{c(F.NEW)}+{c(F.CARRIED_IN)}", f"{c(F.OUTCOME_TOTAL)}+{c(F.CARRIED_OUT)}")
    return sheet


def _review_sheet() -> Sheet:
    outcomes = F.REVIEW_COLUMNS
    k = len(outcomes)
    sheet = Sheet(
        SHEET_REVIEW,
        F.SECTION_HEADINGS[3],
        _HINT + f"第{TOP + 4}行的“{CHECK_HEADER}”显示{OK_MARK}表示总计与各项结果之和相符。",
        3 * k,
        widths={c: 9 for c in range(1, 3 * k + 1)},
        landscape=True,
    )
    review, direct, after = F.REVIEW_ROWS
    sheet.label(TOP, 1, F.REVIEW_HEADER, cols=k)
    sheet.label(TOP, k + 1, F.LITIGATION_HEADER, cols=2 * k)
    for i, column in enumerate(outcomes):
        sheet.label(TOP + 1, 1 + i, column, rows=2)
    sheet.label(TOP + 1, k + 1, direct, cols=k)
    sheet.label(TOP + 1, 2 * k + 1, after, cols=k)
    for g in (1, 2):
        for i, column in enumerate(outcomes):
            sheet.label(TOP + 2, g * k + 1 + i, column)
    line = TOP + 3
    for g, group in enumerate(F.REVIEW_ROWS):
        for i, column in enumerate(outcomes):
            sheet.value(line, g * k + 1 + i, (F.REVIEW, group, column))
        base = g * k + 1
        sheet.label(line + 1, base, f"{CHECK_HEADER}：{F.TOTAL}−各项之和 →", cols=k - 1, official=False)
        parts = f"SUM({_coord(line, base)}:{_coord(line, base + k - 2)})"
        sheet.checks[_coord(line + 1, base + k - 1)] = _check(_coord(line, base + k - 1), parts)
    sheet.heights[TOP + 1] = 22
    return sheet


def _fees_sheet(fmt: F.Format) -> Sheet:
    note = "" if fmt.fees_required else f"（{fmt.years_text}的报告可不填，保留0即可）"
    sheet = Sheet(
        SHEET_FEES,
        F.SECTION_HEADINGS[5],
        _HINT + "报告第六部分据此说明信息处理费的收取情况，文字中无需重复。" + note,
        2,
        widths={1: 30, 2: 18},
    )
    sheet.label(TOP, 1, FEES_HEADER[0])
    sheet.label(TOP, 2, FEES_HEADER[1])
    for i, fee in enumerate(F.FEE_ROWS):
        sheet.label(TOP + 1 + i, 1, fee.label)
        sheet.value(TOP + 1 + i, 2, (F.FEES, fee.label, F.FEE_VALUE), fee.domain)
    return sheet


def _text_sheet() -> Sheet:
    sheet = Sheet(
        SHEET_TEXT,
        "报告文字（可选）",
        "可在浅黄色单元格中粘贴报告文字（段落之间按 Alt+Enter 换行）；也可按办公室要求另行提交。留空则不导入。",
        2,
        widths={1: 26, 2: 100},
    )
    line = TOP
    for heading in F.AUTHORED_SECTIONS:
        sheet.label(line, 1, heading)
        sheet.label(line, 2, F.NARRATIVE_PROMPTS[heading], official=False)
        sheet.texts[_coord(line + 1, 2)] = heading
        sheet.heights[line + 1] = 160
        line += 3
    return sheet


@cache
def layout(fmt: F.Format) -> tuple[Sheet, ...]:
    """The data sheets of a version's workbook, in order."""
    return (_disclosure_sheet(fmt), _applications_sheet(fmt), _review_sheet(), _fees_sheet(fmt), _text_sheet())


def value_cells(fmt: F.Format) -> dict[tuple[str, str, str], tuple[str, str]]:
    """(table, row, column) → (sheet name, cell), for every number cell."""
    return {cell.key: (sheet.name, coord) for sheet in layout(fmt) for coord, cell in sheet.values.items()}


def guide_lines(name: str, year: int, fmt: F.Format) -> list[tuple[str, str]]:
    """The 说明 sheet: (style, text) lines."""
    ids = ["R5", *dict.fromkeys(c.rule for c in constraints(fmt))]
    rules = [RULES[i] for i in RULES if i in ids]
    lines = [
        ("title", F.TITLE_PATTERN.format(name=name, year=year) + " · 数据填报工作簿"),
        ("text", f"本工作簿按{fmt.notice}规定的表格格式（{fmt.version}，适用于{fmt.years_text}的报告）制作，"
                 "用于填报报告第二、三、四部分的表格和第六部分的信息处理费情况。"),
        ("head", "一、如何填写"),
        ("text", "1. 只在浅黄色单元格中填写数字；灰色单元格是官方表格的标签，已锁定，请勿修改、移动、插入或删除行列，也不要改工作表名。"),
        ("text", "2. 每个数字单元格都要填：没有的填0，不要留空，不要写“件”“无”“-”等文字，不要用公式。"),
        ("text", f"3. 件数是0至{F.NUMBER_LIMIT}之间的整数；“本年增/减”可以是负数；金额以万元为单位，"
                 f"0至{F.NUMBER_LIMIT}之间，最多{F.AMOUNT_PLACES}位小数（精确到分）。"),
        ("text", f"4. “{F.CARRIED_IN}”已按上年报告的“{F.CARRIED_OUT}”预填，一般无需修改；确需修改的，请附说明。"),
        ("text", f"5. 各“{F.TOTAL}”由本单位填写（不会自动计算）。旁边的“{CHECK_HEADER}”单元格显示{OK_MARK}表示相符，"
                 "显示数字表示总计与应有之和的差额（正数：总计偏大；负数：总计偏小），请改正后再发送。"),
        ("head", "二、校验规则（办公室导入时逐条检查）"),
        *[("text", f"{rule.id}（{'必须改正' if rule.severity == 'error' else '请核实'}）：{rule.statement}。") for rule in rules],
        ("head", "三、报告文字"),
        ("text", f"报告的{'、'.join(F.AUTHORED_SECTIONS)}由本单位撰写：可粘贴在“{SHEET_TEXT}”工作表中，"
                 "也可按办公室要求另行提交；第二、三、四部分的表格和文字由本工具根据本工作簿的数字生成。"),
        ("head", "四、发送"),
        ("text", f"填好后保存（.xlsx 格式，不要另存为 .xls 或 .csv），通过邮件发回办公室。文件名可以修改：导入时按工作簿中的"
                 f"识别信息确定部门和年度。年报须于{DEADLINE}前公开（《条例》第四十九条），请在办公室规定的日期前发回。"),
        ("text", "各工作表的保护没有设置密码，只为防止误改标签；请不要撤销保护后修改标签。"),
    ]
    return lines


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


def build_workbook(name: str, dept_id: str, year: int, values=None, *, key: bytes) -> bytes:
    """The fill-in workbook for one department-year as .xlsx bytes.

    ``values`` prefill number cells (default 0; the template passes the carry-over);
    ``key`` is the project's signing key (:mod:`nianbao.signing`)."""
    from openpyxl import Workbook
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.packaging.custom import StringProperty
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
    from openpyxl.workbook.protection import WorkbookProtection
    from openpyxl.worksheet.datavalidation import DataValidation

    fmt = F.format_for_year(year)
    values = values or {}
    title = F.TITLE_PATTERN.format(name=name, year=year)
    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    label_fill = PatternFill("solid", fgColor="EDEDED")
    input_fill = PatternFill("solid", fgColor="FFF7D6")
    check_fill = PatternFill("solid", fgColor="F7F7F7")
    font = Font(name="宋体", size=10)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    left = Alignment(horizontal="left", vertical="center", wrap_text=True)

    wb = Workbook()
    guide = wb.active
    guide.title = SHEET_GUIDE
    guide.column_dimensions["A"].width = 96
    for i, (style, text) in enumerate(guide_lines(name, year, fmt), start=1):
        cell = guide.cell(i, 1, text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.font = Font(name="宋体", size=14 if style == "title" else 11, bold=style in ("title", "head"))
        guide.row_dimensions[i].height = 22 if style == "title" else 16 * (1 + (len(text) - 1) // 44)
    guide.protection.sheet = True
    guide.page_setup.paperSize = guide.PAPERSIZE_A4
    guide.page_setup.fitToWidth = 1
    guide.page_setup.fitToHeight = 0
    guide.sheet_properties.pageSetUpPr.fitToPage = True

    limit = str(F.NUMBER_LIMIT)
    domains = {
        F.COUNT: ("whole", "between", "0", limit, f"请填写0至{limit}之间的整数（件数）。"),
        F.SIGNED: ("whole", "between", f"-{limit}", limit, f"请填写-{limit}至{limit}之间的整数（本年增/减可以为负数）。"),
        F.AMOUNT: ("decimal", "between", "0", limit, f"请填写0至{limit}之间的金额（万元），最多{F.AMOUNT_PLACES}位小数。"),
    }
    for spec in layout(fmt):
        ws = wb.create_sheet(spec.name)
        for col, width in spec.widths.items():
            ws.column_dimensions[_coord(1, col)[:-1]].width = width
        span = max(spec.width, 2)
        ws.merge_cells(_range(1, 1, 1, span))
        ws.cell(1, 1, title).font = Font(name="宋体", size=14, bold=True)
        ws.cell(1, 1).alignment = center
        ws.row_dimensions[1].height = 26
        ws.merge_cells(_range(2, 1, 1, span))
        ws.cell(2, 1, spec.heading).font = Font(name="宋体", size=12, bold=True)
        ws.merge_cells(_range(3, 1, 1, span))
        ws.cell(3, 1, spec.hint).font = Font(name="宋体", size=9, color="555555")
        ws.cell(3, 1).alignment = left
        ws.row_dimensions[3].height = 28 if len(spec.hint) > 8 * span else 16
        for row, height in spec.heights.items():
            ws.row_dimensions[row].height = height
        for coord, (text, rng, official) in spec.labels.items():
            if ":" in rng and rng.split(":")[0] != rng.split(":")[1]:
                ws.merge_cells(rng)
            for row in ws[rng]:
                for cell in row:
                    cell.border = border
                    cell.fill = label_fill if official else check_fill
            cell = ws[coord]
            cell.value = text
            cell.font = font if official else Font(name="宋体", size=9, color="555555")
            cell.alignment = center if official and spec.name != SHEET_TEXT else left
        validations = {}
        for coord, vc in spec.values.items():
            row, col = ws[coord].row, ws[coord].column
            if vc.cols > 1:
                ws.merge_cells(_range(row, col, 1, vc.cols))
            for c in range(col, col + vc.cols):
                ws.cell(row, c).border = border
                ws.cell(row, c).fill = input_fill
            cell = ws[coord]
            default = Decimal(0) if vc.domain == F.AMOUNT else 0
            cell.value = values.get(vc.key, default)
            cell.number_format = _AMOUNT_FORMAT if vc.domain == F.AMOUNT else "General"
            cell.protection = Protection(locked=False)
            cell.alignment = Alignment(horizontal="right", vertical="center")
            cell.font = font
            if vc.domain not in validations:
                kind, op, f1, f2, message = domains[vc.domain]
                dv = DataValidation(type=kind, operator=op, formula1=f1, formula2=f2, allow_blank=False,
                                    showErrorMessage=True, errorTitle="数字无效", error=message,
                                    showInputMessage=vc.domain == F.AMOUNT, promptTitle="金额（万元）", prompt=message)
                ws.add_data_validation(dv)
                validations[vc.domain] = dv
            validations[vc.domain].add(coord)
        for coord, formula in spec.checks.items():
            cell = ws[coord]
            cell.value = formula
            cell.border = border
            cell.fill = check_fill
            cell.alignment = Alignment(horizontal="center", vertical="center")
            cell.number_format = "+0;-0;0"
            cell.font = Font(name="宋体", size=10, bold=True, color="2E7D32")
            ws.conditional_formatting.add(
                coord,
                FormulaRule(formula=[f'{coord}<>"{OK_MARK}"'], font=Font(color="C00000", bold=True),
                            fill=PatternFill("solid", bgColor="FFC7CE")),
            )
        for coord in spec.texts:
            cell = ws[coord]
            cell.border = border
            cell.fill = input_fill
            cell.protection = Protection(locked=False)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.font = font
            ws.cell(cell.row, 1, "（在右侧单元格中填写）").font = Font(name="宋体", size=9, color="555555")
        ws.protection.sheet = True
        ws.protection.formatColumns = False  # people may widen columns and rows
        ws.protection.formatRows = False
        ws.page_setup.orientation = "landscape" if spec.landscape else "portrait"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True

    meta = wb.create_sheet(META_SHEET)
    identity = {"kit": KIT_ID, "layout": str(LAYOUT_VERSION), "format": fmt.version, "year": str(year),
                "department": dept_id, "name": name}
    identity[SIGNATURE] = sign(key, identity)
    for i, (field_name, value) in enumerate(identity.items(), start=1):
        meta.cell(i, 1, field_name)
        meta.cell(i, 2, value)
        wb.custom_doc_props.append(StringProperty(name=f"{KIT_ID}.{field_name}", value=value))
    meta.sheet_state = "hidden"
    meta.protection.sheet = True
    wb.security = WorkbookProtection(lockStructure=True)
    wb.calculation.fullCalcOnLoad = True
    wb.properties.title = title
    wb.properties.creator = KIT_ID
    wb.active = 0
    kit_formulas = {(spec.name, coord) for spec in layout(fmt) for coord in spec.checks}
    _no_formulas_from_text(wb, kit_formulas)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _no_formulas_from_text(wb, kit_formulas: set[tuple[str, str]]) -> None:
    """The one xlsx escaping rule: text the kit writes (a department's name in a
    title, the guide, the identification) is a string cell, never a formula —
    only the kit's own check formulas are formulas."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f" and (ws.title, cell.coordinate) not in kit_formulas:
                    cell.data_type = "s"


def workbook_name(dept_id: str, year: int) -> str:
    return f"{dept_id}-{year}.xlsx"


def write_workbooks(project: Project, year: int, depts, out: str | None, force: bool, echo=print) -> int:
    """``nianbao template --xlsx``: one workbook per department (never overwriting without force)."""
    from .contract import read_submission

    fmt = F.format_for_year(year)
    folder = Path(out).resolve() if out else project.root / WORKBOOKS_DIR / str(year)
    submitted = set(project.submitted())
    key = project_key(project.root, create=True)
    for dept in depts:
        path = folder / workbook_name(dept, year)
        shown = project.relative(path)
        if path.exists() and not force:
            echo(f"未覆盖已有的 {shown}（如需覆盖请加 --force）")
            continue
        values = {}
        if (year - 1, dept) in submitted:
            values = carried_over(read_submission(project, dept, year - 1).values)
        write_atomic(path, build_workbook(project.departments[dept].name, dept, year, values, key=key))
        echo(f"已写入 {shown}（{fmt.version} 格式）")
    return 0


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------

REFUSE, NOTE = "refuse", "note"


@dataclass(frozen=True)
class Problem:
    kind: str  # REFUSE: nothing is imported; NOTE: imported, but look at it
    message: str


@dataclass
class Imported:
    path: Path
    dept: str | None = None
    year: int | None = None
    format: F.Format | None = None
    values: dict = field(default_factory=dict)  # key → int | Decimal | raw str (left for the checker)
    narrative: str | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return any(p.kind == REFUSE for p in self.problems)

    def refuse(self, message: str) -> Imported:
        self.problems.append(Problem(REFUSE, message))
        return self

    def note(self, message: str) -> None:
        self.problems.append(Problem(NOTE, message))


_NUMERIC_TEXT = re.compile(r"[+\-]?[\d,]*\.?\d*")
_UNIT = re.compile(r"([+\-]?[\d,]+(?:\.\d+)?)\s*(件|项|个|万元|元|次|条)")
_NOT_KIT = "不是本工具生成的填报工作簿"


def _identity(wb) -> dict[str, str] | None:
    if META_SHEET in wb.sheetnames:
        ws = wb[META_SHEET]
        found = {}
        for row in ws.iter_rows(min_row=1, max_row=20, max_col=2, values_only=True):
            if row[0] is not None:
                found[str(row[0]).strip()] = "" if row[1] is None else str(row[1]).strip()
        if found.get("kit") == KIT_ID:
            return found
    props = {}
    try:
        for prop in wb.custom_doc_props.props:
            if prop.name.startswith(KIT_ID + "."):
                props[prop.name[len(KIT_ID) + 1:]] = str(prop.value).strip()
    except AttributeError:  # pragma: no cover - older openpyxl
        pass
    return props if props.get("kit") == KIT_ID else None


def _float_text(raw: float, domain: str) -> str:
    """A double as the number typed: 12.0 → 12, 24252.311082 as is, 1e+30 as 1E+30.

    An amount a formula computed (0.1 + 0.2 = 0.30000000000000004) is taken at
    AMOUNT_PLACES when it is that within float noise, as Excel displays it."""
    if raw.is_integer() and abs(raw) < 1e15:
        return str(int(raw))
    if domain == F.AMOUNT and math.isfinite(raw) and abs(raw) < 1e15:
        rounded = f"{raw:.{F.AMOUNT_PLACES}f}"
        if abs(float(rounded) - raw) < 1e-9:
            return rounded.rstrip("0").rstrip(".")
    return repr(raw).upper() if "e" in repr(raw) else repr(raw)


def _cell_number(result: Imported, where: str, raw, domain: str):
    """A cell's content as the value to write, or None after a refusal."""
    if raw is None:
        return ""  # blank: the checker reports it (R5 「请填写0」)
    if isinstance(raw, bool):
        result.refuse(f"{where}：「{raw}」不是数字，请填写数字。")
        return None
    if isinstance(raw, (int, float)):
        # Excel stores numbers as doubles; the shortest repr is what was typed
        # (24252.311082, 1e+30).  The contract's parser bounds and checks it; text
        # it refuses is written as typed, for the checker's R5 to name.
        if isinstance(raw, int):  # str() of an int of thousands of digits raises: bound it first
            text = str(raw) if raw.bit_length() < 128 else f"（{raw.bit_length() * 3 // 10}位以上的数字）"
        else:
            text = _float_text(raw, domain)
        value, problem = parse_number(text, domain)
        return text if problem else value
    if not isinstance(raw, str):  # a date, a time: Excel turned the typing into something else
        result.refuse(f"{where}：内容「{raw}」被识别为日期或时间，不是数字，请把单元格格式改为“常规”后重新填写。")
        return None
    text = raw.strip()
    normal = unicodedata.normalize("NFKC", text).replace(" ", "")
    value, problem = parse_number(text, domain)
    if problem is None:
        return value
    if normal in PLACEHOLDERS or text in PLACEHOLDERS or _NUMERIC_TEXT.fullmatch(normal):
        return text  # a placeholder or an out-of-domain number: the checker's R5 names it
    if normal.startswith("#"):
        result.refuse(f"{where}：单元格显示错误值「{text}」（公式出错），请直接填写数字。")
        return None
    unit = _UNIT.fullmatch(normal)
    hint = f"请只填写数字 {unit.group(1)}，单位已在表头中" if unit else "请只填写数字（没有请填0）"
    result.refuse(f"{where}：「{text}」不是数字，{hint}。")
    return None


MAX_WORKBOOK_BYTES = 10 * 1024 * 1024  # a filled workbook is about 30 KB
MAX_UNPACKED_BYTES = 100 * 1024 * 1024  # what the zip inflates to, checked before openpyxl loads it
MAX_SHEET_ROWS = 5000  # the longest official table has fewer than 50 rows


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def _os_reason(exc: OSError) -> str:
    import errno

    reasons = {errno.EACCES: "没有读取权限", errno.EPERM: "没有读取权限", errno.ENOENT: "文件不存在", errno.EISDIR: "这是一个文件夹"}
    return reasons.get(exc.errno, "读取时出错")


def _over_limits(name: str, data: bytes, size: int) -> str | None:
    """Why a workbook is refused before it is opened: too large on disk or once unpacked."""
    again = "请确认选对了文件；如确是填报工作簿，请用 nianbao template --xlsx 重新生成，把数字抄入后再导入。"
    if size > MAX_WORKBOOK_BYTES:
        return f"{name} 有 {_mb(size)}，超过填报工作簿 {_mb(MAX_WORKBOOK_BYTES)} 的上限（正常的工作簿不到 100 KB）。{again}"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            # zipfile never inflates an entry past its declared size, so the declared sizes bound the work.
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None  # not a zip at all: the loader says so
    if unpacked > MAX_UNPACKED_BYTES:
        return (f"{name} 解压后有 {_mb(unpacked)}，超过 {_mb(MAX_UNPACKED_BYTES)} 的上限（文件只有 {_mb(len(data))}，"
                f"其中有大量空白或重复的内容）。{again}")
    return None


def _sheet_over_limit(name: str, wb) -> str | None:
    for ws in wb.worksheets:
        if ws.max_row > MAX_SHEET_ROWS:
            return (f"{name} 的工作表「{ws.title}」有 {ws.max_row} 行，超过 {MAX_SHEET_ROWS} 行的上限"
                    "（填报表格不到 100 行）。请删除表格下方多余的行（或在新生成的工作簿中重新填写）后再导入。")
    return None


def read_workbook(path: Path, project: Project, years=None, depts=None, *, key: bytes | None = None,
                  trust_unsigned: bool = False) -> Imported:
    """Read one filled workbook; problems are values, never exceptions.

    ``key`` is the project's signing key: a workbook whose identification does
    not carry its signature is refused (``trust_unsigned`` accepts workbooks
    issued before signatures existed, and says so)."""

    from openpyxl import load_workbook
    from openpyxl.cell.cell import MergedCell

    result = Imported(path)
    name = path.name
    if path.suffix.lower() in (".xls", ".et", ".ods", ".csv"):
        return result.refuse(f"{name} 不是 .xlsx 文件：请在 Excel 或 WPS 中用“另存为”保存为 Excel 工作簿（.xlsx）后再导入。")
    try:
        size = path.stat().st_size
        data = path.read_bytes() if size <= MAX_WORKBOOK_BYTES else b""
    except OSError as exc:
        return result.refuse(f"无法读取 {name}：{_os_reason(exc)}。请确认文件没有被其他程序占用，且有读取权限。")
    too_big = _over_limits(name, data, size)
    if too_big:
        return result.refuse(too_big)
    try:
        with warnings.catch_warnings():  # openpyxl warns in English about extensions it drops
            warnings.simplefilter("ignore")
            wb = load_workbook(io.BytesIO(data), data_only=True)
            too_long = _sheet_over_limit(name, wb)
            if too_long:
                return result.refuse(too_long)
            formulas = load_workbook(io.BytesIO(data), data_only=False)
    except Exception:  # openpyxl raises many kinds (and English texts) for damaged files
        return result.refuse(
            f"{name} 不是有效的 .xlsx 工作簿，无法打开（文件可能已损坏，或不是 Excel 工作簿）。"
            "请在 Excel 或 WPS 中打开它并另存为 .xlsx 后再导入，或请填报部门重新发送。"
        )

    meta = _identity(wb)
    if meta is None:
        return result.refuse(f"{_NOT_KIT}（缺少识别信息）。请用 nianbao template --xlsx 生成的工作簿填报。")
    try:
        layout_version = int(meta.get("layout", ""))
        year = int(meta.get("year", ""))
    except ValueError:
        return result.refuse(f"{_NOT_KIT}：识别信息已损坏（版本或年度无效）。")
    dept = meta.get("department", "")
    if layout_version != LAYOUT_VERSION:
        return result.refuse(
            f"工作簿的版本（{layout_version}）与本工具（{LAYOUT_VERSION}）不一致，无法可靠地读取。"
            f"请用 nianbao template --year {year} --dept {dept} --xlsx 重新生成工作簿，把数字抄入后再导入。"
        )
    refusal = _signature_refusal(result, meta, key, trust_unsigned)
    if refusal:
        return result.refuse(refusal)
    try:
        fmt = F.format_for_year(year)
    except F.FormatError as exc:
        return result.refuse(str(exc))
    if meta.get("format") != fmt.version:
        return result.refuse(
            f"工作簿的表格格式是「{meta.get('format')}」，而{year}年度应使用{fmt.version}格式（{fmt.notice}）。"
            f"请用 nianbao template --year {year} --dept {dept} --xlsx 重新生成工作簿。"
        )
    if years and year not in years:
        return result.refuse(f"工作簿是{year}年度的，本次只导入{'、'.join(map(str, years))}年度（--year）。")
    if dept not in project.departments:
        known = "、".join(project.departments) or "（名单为空）"
        return result.refuse(f"工作簿的部门编号「{dept}」不在 params/departments.csv 中。已登记的部门：{known}。")
    if depts and dept not in depts:
        return result.refuse(f"工作簿属于部门「{dept}」，本次只导入 {'、'.join(depts)}（--dept）。")
    result.dept, result.year, result.format = dept, year, fmt

    for spec in layout(fmt):
        if spec.name not in wb.sheetnames:
            if spec.name == SHEET_TEXT:
                continue  # optional
            result.refuse(f"缺少工作表「{spec.name}」（工作表不能改名或删除）。")
            continue
        _read_sheet(result, spec, wb[spec.name], formulas[spec.name], MergedCell)
    return result


def _signature_refusal(result: Imported, meta: dict[str, str], key: bytes | None, trust_unsigned: bool) -> str | None:
    claimed = f"部门「{meta.get('department', '')}」{meta.get('year', '')}年度"
    signature = meta.get(SIGNATURE, "")
    if not signature:
        if trust_unsigned:
            result.note(f"未签名的工作簿（旧版本生成）：按其自称的识别信息导入为{claimed}（--trust-unsigned）。请核对部门和年度无误。")
            return None
        return (
            f"工作簿没有签名（由旧版本的 nianbao 生成），无法确认它是为{claimed}签发的。"
            "请重新生成工作簿（nianbao template --xlsx）后填报；如确认来源可靠，可加 --trust-unsigned 按其识别信息导入。"
        )
    if key is None:
        return f"工作簿自称是为{claimed}签发的，但本项目没有签发密钥（.nianbao/workbook.key），无法核对：它不是本项目签发的，或密钥已丢失。"
    if not verify(key, meta, signature):
        return (
            f"工作簿自称是为{claimed}签发的，但识别信息与签名不符：识别信息被修改过，或工作簿由另一个项目签发。"
            "未写入任何文件。请使用本项目为该部门该年度生成的工作簿（nianbao template --xlsx）。"
        )
    return None


def _read_sheet(result: Imported, spec: Sheet, ws, fws, MergedCell) -> None:
    # Labels: every official label where the layout puts it.
    wrong = []
    for coord, (text, _rng, official) in spec.labels.items():
        if not official:
            continue
        actual = ws[coord].value
        if isinstance(actual, str) and normalise_label(actual) == normalise_label(text):
            continue
        moved = _find(ws, text)
        if moved:
            wrong.append(f"{spec.name}!{coord} 应为「{text}」，该标签被移到了 {moved}")
        elif actual in (None, ""):
            wrong.append(f"{spec.name}!{coord} 应为「{text}」，现为空")
        else:
            wrong.append(f"{spec.name}!{coord} 应为「{text}」，现为「{actual}」")
    if wrong:
        shown = wrong[:8] + ([f"……等共{len(wrong)}处"] if len(wrong) > 8 else [])
        result.refuse(
            "标签单元格被移动或修改（可能插入或删除了行列），无法确定数字对应的项目：" + "；".join(shown)
            + "。请在原工作簿中改回，或重新生成工作簿。"
        )
        return
    # Hidden rows and columns: imported as usual, but the person may not have seen them.
    value_rows = spec.rows_of_values()
    for row, coords in sorted(value_rows.items()):
        if ws.row_dimensions[row].hidden:
            label = spec.values[coords[0]].key[1]
            result.note(f"{spec.name} 第{row}行（{label}）被隐藏；其中的数字已照常导入，请确认填报人看到并填写了这一行。")
    hidden_cols = {k for k, dim in ws.column_dimensions.items() if dim.hidden}
    for letter in sorted({re.sub(r"\d+$", "", c) for c in spec.values} & hidden_cols):
        result.note(f"{spec.name} 第{letter}列被隐藏；其中的数字已照常导入，请确认。")
    # Numbers.
    for coord, vc in spec.values.items():
        where = f"{spec.name}!{coord}（{_cell_name(vc.key)}）"
        cell = ws[coord]
        if isinstance(cell, MergedCell):
            result.refuse(f"{where}：该单元格被合并到其他单元格中，数字丢失。请取消合并，分别填写。")
            continue
        if vc.cols == 1 and _merged_span(ws, coord):
            result.refuse(f"{where}：该单元格与旁边的单元格被合并（{_merged_span(ws, coord)}），请取消合并，分别填写。")
            continue
        raw = cell.value
        formula = fws[coord].value
        if isinstance(formula, str) and formula.startswith("=") or type(formula).__name__ == "ArrayFormula":
            text = formula if isinstance(formula, str) else getattr(formula, "text", "")
            if raw is None:
                result.refuse(f"{where}：单元格是公式「{text}」，但工作簿中没有保存计算结果。请直接填写数字"
                              "（或在 Excel/WPS 中打开并保存后再导入）。")
                continue
            result.note(f"{where}：单元格是公式「{text}」，已按计算结果 {raw} 导入；请改为直接填写数字。")
        value = _cell_number(result, where, raw, vc.domain)
        if value is not None:
            result.values[vc.key] = value
    # Prose.
    if spec.texts:
        sections = {}
        for coord, heading in spec.texts.items():
            raw = ws[coord].value
            text = "" if raw is None else str(raw).strip()
            if text and normalise_label(text) != normalise_label(F.NARRATIVE_PROMPTS[heading]):
                paragraphs = [p.strip() for p in text.replace("\r\n", "\n").split("\n") if p.strip()]
                sections[heading] = "\n\n".join(paragraphs)
        if sections:
            result.narrative = "\n".join(
                f"## {heading}\n\n{sections.get(heading, F.NARRATIVE_PROMPTS[heading])}\n" for heading in F.AUTHORED_SECTIONS
            )


def _cell_name(key) -> str:
    table, row, column = key
    return row if table == F.FEES else f"{row} × {column}"


def _merged_span(ws, coord: str) -> str | None:
    for rng in ws.merged_cells.ranges:
        if coord in rng and (rng.max_row > rng.min_row or rng.max_col > rng.min_col):
            return rng.coord
    return None


def _find(ws, text: str) -> str | None:
    key = normalise_label(text)
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and normalise_label(cell.value) == key:
                return cell.coordinate
    return None


# ---------------------------------------------------------------------------
# Files, diff, import
# ---------------------------------------------------------------------------


def files_for(imported: Imported) -> dict[str, str]:
    """The data-contract files the workbook gives (narrative.md only if the 文字 sheet was filled)."""
    files = submission_files(imported.format, imported.values, imported.narrative)
    if imported.narrative is None:
        del files[F.TABLE_FILES[F.NARRATIVE]]
    return files


def _canonical(raw: str, domain: str):
    value, problem = parse_number(raw, domain)
    return raw.strip() if problem else value


def _csv_cells(fmt: F.Format, name: str, text: str, rel: str | None = None) -> dict[tuple[str, str], object]:
    """(row label, column) → canonical value, for comparing two versions of a file.

    With ``rel`` (an existing file in data/), a file that cannot be read as the
    contract raises InputFileError: it cannot be compared, so nothing is written."""
    try:
        header, rows = parse_csv(text, rel or name)
    except InputFileError:
        if rel:
            raise
        return {}
    if rel:
        _check_header(fmt, name, header, rel)
    lookups = _lookups(fmt)
    cells = {}
    for _, row in rows:
        row = row + [""] * (3 - len(row))  # a short row compares as blanks, never an IndexError
        label = row[0].strip()
        if name == F.TABLE_FILES[F.DISCLOSURE]:
            row_label = lookups["disclosure_rows"].get(normalise_label(label), label)
            col = lookups["disclosure_cols"].get(row_label, {}).get(normalise_label(row[1].strip()), row[1].strip())
            domain = fmt.cells().get((F.DISCLOSURE, row_label, col), F.COUNT)
            cells[(row_label, col)] = _canonical(row[2], domain)
        elif name == F.TABLE_FILES[F.FEES]:
            fee = lookups["fee_rows"].get(normalise_label(label))
            cells[(fee.label if fee else label, F.FEE_VALUE)] = _canonical(row[1], fee.domain if fee else F.COUNT)
        else:
            table_rows = lookups["rows"] if name == F.TABLE_FILES[F.APPLICATIONS] else lookups["review_rows"]
            row_label = table_rows.get(normalise_label(label), label)
            for i, column in enumerate(header[1:], start=1):
                cells[(row_label, column)] = _canonical(row[i] if i < len(row) else "", F.COUNT)
    return cells


def _check_header(fmt: F.Format, name: str, header: list[str], rel: str) -> None:
    """An existing file whose header is not the contract's (another separator, no
    header row, columns renamed) cannot be compared cell by cell."""
    expected = parse_csv(submission_files(fmt, {})[name], name)[0]
    if [normalise_label(h) for h in header] != [normalise_label(h) for h in expected]:
        shown = "，".join(header)[:80]
        raise InputFileError(f"{rel} 的表头是「{shown}」，应为「{'，'.join(expected)}」（用英文逗号分隔）")


def _shown(value) -> str:
    if value is None:
        return "（无）"
    if value == "":
        return "（空）"
    return str(value)


def diff_files(fmt: F.Format, folder: Path, files: dict[str, str], project_rel=str
               ) -> tuple[dict[str, list[str]], list[str], dict[str, str]]:
    """({file: [changed cell lines]}, [files identical to what exists],
    {existing file that cannot be read as the contract: why})."""
    from .textio import read_text

    changed, same, unreadable = {}, [], {}
    for name, text in files.items():
        path = folder / name
        if not path.exists():
            changed[name] = []
            continue
        rel = project_rel(path)
        try:
            old = read_text(path, rel)
            if name == F.TABLE_FILES[F.NARRATIVE]:
                if old.strip() == text.strip():
                    same.append(name)
                else:
                    changed[name] = ["报告文字与已有的 narrative.md 不同"]
                continue
            before = _csv_cells(fmt, name, old, rel)
        except InputFileError as exc:
            unreadable[name] = str(exc).rstrip("。")
            continue
        after = _csv_cells(fmt, name, text)
        lines = []
        for key in [*after, *(k for k in before if k not in after)]:
            if before.get(key) != after.get(key):
                row, column = key
                where = row if name == F.TABLE_FILES[F.FEES] else f"{row} × {column}"
                lines.append(f"{where}：已有 {_shown(before.get(key))} → 工作簿 {_shown(after.get(key))}")
        if lines:
            changed[name] = lines
        else:
            same.append(name)
    return changed, same, unreadable


class ImportUsageError(NianbaoError):
    """No workbook to import: exit code 2."""

    exit_code = EXIT_USAGE


def collect(paths) -> list[Path]:
    """The .xlsx files named, or found in the folders named (Excel's ~$ lock files skipped)."""
    found: list[Path] = []
    for text in paths:
        path = Path(text)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in (".xlsx", ".xls", ".et")
                            and not p.name.startswith(("~$", ".~lock")))
        elif path.is_file():
            found.append(path)
        else:
            raise ImportUsageError(f"找不到文件或文件夹 {text}。")
    if not found:
        raise ImportUsageError("没有找到要导入的工作簿（.xlsx）。")
    return found


@dataclass
class ImportRun:
    imported: list[tuple[int, str]] = field(default_factory=list)  # (year, dept) written or unchanged
    refused: int = 0


def import_workbooks(project: Project, paths, years=None, depts=None, force=False, echo=print,
                     trust_unsigned: bool = False) -> ImportRun:
    """``nianbao import``: read each workbook, refuse or write its department-year.
    Each workbook stands alone: whatever happens to one, the others are imported."""
    run = ImportRun()
    seen: dict[tuple[int, str], Path] = {}
    signing_key = project_key(project.root, create=False)
    for path in collect(paths):
        shown = project.relative(path.resolve())
        try:
            key = _import_one(project, path, shown, years, depts, force, seen, echo, signing_key, trust_unsigned)
        except Exception as exc:  # a workbook the reader did not foresee: refused, the rest go on
            from .support import write_log

            key = None
            log = write_log(exc, project.root, f"nianbao import: {path}")
            echo(f"✗ 拒绝导入 {shown}：")
            echo(f"    [拒绝] 读取或写入这个工作簿时出现意外错误，未导入（其他工作簿照常处理）。请在 Excel 或 WPS 中打开它，"
                 "另存为 .xlsx 后再导入；如仍不行，请用 nianbao template --xlsx 重新生成工作簿，把数字抄入。"
                 + (f"求助时请附上 {log}。" if log else ""))
        if key is None:
            run.refused += 1
        else:
            run.imported.append(key)
    return run


def _refused(shown: str, problems, echo) -> None:
    echo(f"✗ 拒绝导入 {shown}：")
    for problem in problems:
        echo(f"    {'[拒绝]' if problem.kind == REFUSE else '[提示]'} {problem.message}")


def _import_one(project: Project, path: Path, shown: str, years, depts, force: bool, seen: dict, echo,
                signing_key: bytes | None, trust_unsigned: bool):
    """Import one workbook; its (year, department), or None when it was refused."""
    result = read_workbook(path, project, years, depts, key=signing_key, trust_unsigned=trust_unsigned)
    key = (result.year, result.dept)
    if not result.refused and key in seen:
        result.refuse(f"与 {project.relative(seen[key].resolve())} 是同一部门同一年度，只导入一份。")
    if result.refused:
        _refused(shown, result.problems, echo)
        return None
    seen[key] = path
    dept = project.departments[result.dept]
    echo(f"导入 {shown} → {result.year} {dept.name}（{result.dept}）")
    for problem in result.problems:
        echo(f"    [提示] {problem.message}")
    folder = project.data_dir(result.year, result.dept)
    rel = project.relative(folder)
    files = files_for(result)
    changed, same, unreadable = diff_files(result.format, folder, files, project.relative)
    if unreadable and not force:
        echo(f"    [拒绝] {rel}/ 中已有的文件无法按数据格式读取，无法与工作簿比较，未写入任何文件：")
        for name, why in unreadable.items():
            echo(f"        {why}。")
        echo("        请改正或删除这些文件后重新导入；确认要用工作簿中的数据替换它们时，请加 --force。")
        return None
    differing = {name: lines for name, lines in changed.items() if lines}
    if differing and not force:
        echo(f"    [拒绝] {rel}/ 中已有不同的数据，未覆盖（确认要用工作簿替换时请加 --force）。将改变的内容：")
        for name, lines in differing.items():
            for line in lines[:30]:
                echo(f"        {name} {line}")
            if len(lines) > 30:
                echo(f"        {name} ……等共 {len(lines)} 处")
        return None
    to_write = {name: text for name, text in files.items() if name in changed or name in unreadable}
    if not (folder / F.TABLE_FILES[F.NARRATIVE]).exists() and F.TABLE_FILES[F.NARRATIVE] not in files:
        # No prompts: the text may come separately; an empty section is an N1
        # warning, while a prompt left in would be an N2 error on every import.
        to_write[F.TABLE_FILES[F.NARRATIVE]] = narrative_skeleton(prompts=False)
    if to_write:
        write_files(folder, to_write, force=True)
        echo(f"    已写入 {rel}/：{'、'.join(to_write)}")
    if same:
        echo(f"    与已有文件相同，未改动：{'、'.join(same)}")
    return key
