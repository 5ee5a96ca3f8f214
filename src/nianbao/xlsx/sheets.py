"""The workbook's layout, shared by writer and reader: which sheet and cell holds
which official label, which figure (table, row, column) and which check formula,
computed from :mod:`nianbao.formats` — and the identification every workbook carries."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from .. import formats as F
from .. import grids as G
from ..contract import FEES_HEADER

KIT_ID = "nianbao"
LAYOUT_VERSION = 1  # bump when the cell layout changes; older workbooks are then refused
META_SHEET = "_nianbao"
META_KEYS = ("kit", "layout", "format", "year", "department")

SHEET_GUIDE = "说明"
SHEET_DISCLOSURE = "二、主动公开"
SHEET_APPLICATIONS = "三、依申请公开"
SHEET_REVIEW = "四、复议诉讼"
SHEET_FEES = "六、信息处理费"
SHEET_TEXT = "文字"

CHECK_HEADER = "核对"
OK_MARK = "✓"
TOP = 4  # first row of a table: 1 title, 2 section heading, 3 how to fill


def coordinate(row: int, col: int) -> str:
    """A1-style name of a cell."""
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(col)}{row}"


def cell_range(row: int, col: int, rows: int = 1, cols: int = 1) -> str:
    """A1:B2-style name of the block of cells starting at (row, col)."""
    return f"{coordinate(row, col)}:{coordinate(row + rows - 1, col + cols - 1)}"


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
        self.labels[coordinate(row, col)] = (text, cell_range(row, col, rows, cols), official)

    def value(self, row, col, key, domain=F.COUNT, cols=1):
        self.values[coordinate(row, col)] = ValueCell(key, domain, cols)

    def rows_of_values(self) -> dict[int, list[str]]:
        found: dict[int, list[str]] = {}
        for coord in self.values:
            found.setdefault(int(re.sub(r"^[A-Z]+", "", coord)), []).append(coord)
        return found


_HINT = "浅黄色单元格填写数字（没有请填0，不要留空）；灰色单元格是官方表格的标签，已锁定。"


def _check(total: str, parts: str) -> str:
    """✓ when the typed total equals the sum it must equal, else the difference."""
    return f'=IF({total}={parts},"{OK_MARK}",{total}-({parts}))'


def _place_grid(sheet: Sheet, grid: G.TableGrid) -> None:
    """The official table's labels and value cells, its grid set at row TOP, column A."""
    for cell in grid.cells:
        row, col = TOP + cell.row, 1 + cell.col
        if cell.kind == G.VALUE:
            sheet.value(row, col, cell.key, cell.domain, cell.cols)
        else:
            sheet.label(row, col, cell.text, rows=cell.rows, cols=cell.cols)


def _disclosure_sheet(fmt: F.Format) -> Sheet:
    grid = G.grid(fmt, F.DISCLOSURE)
    sheet = Sheet(SHEET_DISCLOSURE, F.SECTION_HEADINGS[1], _HINT, grid.width, widths={1: 24, 2: 24, 3: 24, 4: 24})
    _place_grid(sheet, grid)
    return sheet


def _applications_sheet(fmt: F.Format) -> Sheet:
    grid = G.grid(fmt, F.APPLICATIONS)
    n = len(F.APPLICATION_COLUMNS)
    first_value = grid.width - n + 1  # the sheet column of 自然人
    total_col, check_col = grid.width, grid.width + 1
    sheet = Sheet(
        SHEET_APPLICATIONS,
        F.SECTION_HEADINGS[2],
        _HINT + f"总计由本单位填写；“{CHECK_HEADER}”显示{OK_MARK}表示与各项之和相符，显示数字则是总计与应有之和的差额。",
        check_col,
        widths={1: 8, 2: 16, 3: 40, **{c: 9 for c in range(first_value, check_col + 1)}},
        landscape=True,
    )
    header = [cell for cell in grid.cells if cell.row < grid.header_rows]
    body = [cell for cell in grid.cells if cell.row >= grid.header_rows]
    _place_grid(sheet, G.TableGrid(grid.table, grid.width, grid.header_rows, tuple(header)))
    sheet.label(TOP, check_col, CHECK_HEADER, rows=grid.header_rows, official=False)
    sheet.heights.update({TOP: 20, TOP + 1: 20, TOP + 2: 36})
    _place_grid(sheet, G.TableGrid(grid.table, grid.width, grid.header_rows, tuple(body)))

    where: dict[str, int] = {}
    for line, r in enumerate(fmt.application_rows, start=TOP + grid.header_rows):
        parts = f"SUM({coordinate(line, first_value)}:{coordinate(line, total_col - 1)})"
        sheet.checks[coordinate(line, check_col)] = _check(coordinate(line, total_col), parts)
        if len(r.label) > 22:
            sheet.heights[line] = 30
        where[r.label] = line
    line = TOP + grid.height
    # Below the table: the column checks of （七）总计 (R3) and of the 勾稽 note (R1).
    outcome_lines = [where[r.label] for r in fmt.outcome_rows]
    assert outcome_lines == list(range(outcome_lines[0], outcome_lines[-1] + 1))
    sheet.label(line, 1, f"{CHECK_HEADER}：{F.OUTCOME_TOTAL} − （一）至（六）之和", cols=3, official=False)
    sheet.label(line + 1, 1, f"{CHECK_HEADER}：第一项＋第二项 − 第三项（{F.OUTCOME_TOTAL}）− 第四项", cols=3, official=False)
    for i in range(n):
        col = first_value + i
        c = lambda label, col=col: coordinate(where[label], col)  # noqa: E731
        parts = f"SUM({coordinate(outcome_lines[0], col)}:{coordinate(outcome_lines[-1], col)})"
        sheet.checks[coordinate(line, col)] = _check(c(F.OUTCOME_TOTAL), parts)
        sheet.checks[coordinate(line + 1, col)] = _check(f"{c(F.NEW)}+{c(F.CARRIED_IN)}", f"{c(F.OUTCOME_TOTAL)}+{c(F.CARRIED_OUT)}")
    return sheet


def _review_sheet() -> Sheet:
    grid = G.grid(F.V2021, F.REVIEW)  # identical in both versions
    k = len(F.REVIEW_COLUMNS)
    sheet = Sheet(
        SHEET_REVIEW,
        F.SECTION_HEADINGS[3],
        _HINT + f"第{TOP + grid.height}行的“{CHECK_HEADER}”显示{OK_MARK}表示总计与各项结果之和相符。",
        grid.width,
        widths={c: 9 for c in range(1, grid.width + 1)},
        landscape=True,
    )
    _place_grid(sheet, grid)
    line = TOP + grid.header_rows  # the row of the values
    for g in range(len(F.REVIEW_ROWS)):
        base = g * k + 1
        sheet.label(line + 1, base, f"{CHECK_HEADER}：{F.TOTAL}−各项之和 →", cols=k - 1, official=False)
        parts = f"SUM({coordinate(line, base)}:{coordinate(line, base + k - 2)})"
        sheet.checks[coordinate(line + 1, base + k - 1)] = _check(coordinate(line, base + k - 1), parts)
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
        sheet.texts[coordinate(line + 1, 2)] = heading
        sheet.heights[line + 1] = 160
        line += 3
    return sheet


@cache
def sheet_specs(fmt: F.Format) -> tuple[Sheet, ...]:
    """The data sheets of a version's workbook, in order."""
    return (_disclosure_sheet(fmt), _applications_sheet(fmt), _review_sheet(), _fees_sheet(fmt), _text_sheet())


def value_cells(fmt: F.Format) -> dict[tuple[str, str, str], tuple[str, str]]:
    """(table, row, column) → (sheet name, cell), for every number cell."""
    return {cell.key: (sheet.name, coord) for sheet in sheet_specs(fmt) for coord, cell in sheet.values.items()}
