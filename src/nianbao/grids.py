"""The merged-cell grid of each official table, computed from the declarations in
:mod:`nianbao.formats` (which spells every label; this module spells none).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from .formats import (
    APPLICANT_HEADER,
    APPLICATION_COLUMNS,
    APPLICATIONS,
    BALANCE_NOTE,
    COUNT,
    DISCLOSURE,
    DISCLOSURE_ROW_HEADER,
    LAWSUIT_ROWS,
    LITIGATION_HEADER,
    NATURAL_PERSON,
    ORGANISATION_HEADER,
    ORGANISATIONS,
    RESULTS,
    REVIEW,
    REVIEW_COLUMNS,
    REVIEW_HEADER,
    REVIEW_ROWS,
    TOTAL,
    Format,
)

# One structure per table and version, read by every renderer: the HTML tables
# (nianbao.tables), the workbook (nianbao.xlsx.sheets) and the coming Word output
# and importer of published reports.  Positions are 0-based within the table;
# a renderer adds its own offset (the workbook starts at row 4, column A).

NOTE = "note"  # the 勾稽 note heading the label columns
COLGROUP = "colgroup"  # a header spanning several columns
COLUMN = "column"  # a column header
ITEM = "item"  # a disclosure item's heading (第二十条第（一）项)
INDICATOR = "indicator"  # a disclosure indicator (column header of the values)
ROWGROUP = "rowgroup"  # a label spanning the rows of its group
ROW = "row"  # a row label
VALUE = "value"  # a number cell: key names it in Submission.values
GRID_KINDS = (NOTE, COLGROUP, COLUMN, ITEM, INDICATOR, ROWGROUP, ROW, VALUE)


@dataclass(frozen=True)
class GridCell:
    row: int
    col: int
    rows: int
    cols: int
    kind: str
    text: str | None = None  # the printed label (None for a value)
    key: tuple[str, str, str] | None = None  # (table, row, column) of a value
    domain: str = COUNT  # of a value


@dataclass(frozen=True)
class TableGrid:
    table: str
    width: int  # columns
    header_rows: int  # the first rows that are the table's header (<thead>)
    cells: tuple[GridCell, ...]  # row by row, left to right

    @property
    def height(self) -> int:
        return max(cell.row + cell.rows for cell in self.cells)

    def rows(self) -> tuple[tuple[GridCell, ...], ...]:
        """The cells that start on each grid row, in order."""
        return tuple(tuple(c for c in self.cells if c.row == r) for r in range(self.height))

    def values(self) -> tuple[GridCell, ...]:
        return tuple(cell for cell in self.cells if cell.kind == VALUE)


def _label(row: int, col: int, kind: str, text: str, rows: int = 1, cols: int = 1) -> GridCell:
    return GridCell(row, col, rows, cols, kind, text=text)


def _value(row: int, col: int, key: tuple[str, str, str], domain: str = COUNT, cols: int = 1) -> GridCell:
    return GridCell(row, col, 1, cols, VALUE, key=key, domain=domain)


def _value_spans(n: int) -> list[int]:
    """Three value columns shared by n indicators: the last one takes the rest."""
    return [1] * (n - 1) + [3 - (n - 1)]


def _disclosure_grid(fmt: Format) -> TableGrid:
    """Section 二: one 4-column table, a heading row per item of 第二十条."""
    cells, line = [], 0
    for item in fmt.disclosure:
        cells.append(_label(line, 0, ITEM, item.article, cols=4))
        spans = _value_spans(len(item.columns))
        starts = [1 + sum(spans[:i]) for i in range(len(spans))]
        cells.append(_label(line + 1, 0, COLUMN, DISCLOSURE_ROW_HEADER))
        cells += [_label(line + 1, c, INDICATOR, col.label, cols=span) for col, c, span in zip(item.columns, starts, spans, strict=False)]
        line += 2
        for row in item.rows:
            cells.append(_label(line, 0, ROW, row))
            cells += [
                _value(line, c, (DISCLOSURE, row, col.label), col.domain, span)
                for col, c, span in zip(item.columns, starts, spans, strict=False)
            ]
            line += 1
    return TableGrid(DISCLOSURE, 4, 0, tuple(cells))


def _applications_grid(fmt: Format) -> TableGrid:
    """Section 三: the 3-row header with the 勾稽 note; group labels span their rows."""
    n, first = len(APPLICATION_COLUMNS), 3
    cells = [
        _label(0, 0, NOTE, BALANCE_NOTE, rows=3, cols=3),
        _label(0, first, COLGROUP, APPLICANT_HEADER, cols=n),
        _label(1, first, COLUMN, NATURAL_PERSON, rows=2),
        _label(1, first + 1, COLGROUP, ORGANISATION_HEADER, cols=len(ORGANISATIONS)),
        _label(1, first + n - 1, COLUMN, TOTAL, rows=2),
        *(_label(2, first + 1 + i, COLUMN, org) for i, org in enumerate(ORGANISATIONS)),
    ]
    results_span = sum(1 for row in fmt.application_rows if row.path[0] == RESULTS)
    group_spans: dict[str, int] = {}
    for row in fmt.application_rows:
        if row.group:
            group_spans[row.group] = group_spans.get(row.group, 0) + 1
    opened: set[str] = set()
    for line, row in enumerate(fmt.application_rows, start=3):
        if len(row.path) == 1:
            cells.append(_label(line, 0, ROW, row.label, cols=3))
        else:
            if RESULTS not in opened:
                opened.add(RESULTS)
                cells.append(_label(line, 0, ROWGROUP, RESULTS, rows=results_span))
            if row.group is None:
                cells.append(_label(line, 1, ROW, row.label, cols=2))
            else:
                if row.group not in opened:
                    opened.add(row.group)
                    cells.append(_label(line, 1, ROWGROUP, row.group, rows=group_spans[row.group]))
                cells.append(_label(line, 2, ROW, row.label))
        cells += [_value(line, first + i, (APPLICATIONS, row.label, col)) for i, col in enumerate(APPLICATION_COLUMNS)]
    return TableGrid(APPLICATIONS, first + n, 3, tuple(cells))


def _review_grid() -> TableGrid:
    """Section 四: 15 cells under the two-level 行政复议 / 行政诉讼 header."""
    k = len(REVIEW_COLUMNS)
    cells = [
        _label(0, 0, COLGROUP, REVIEW_HEADER, cols=k),
        _label(0, k, COLGROUP, LITIGATION_HEADER, cols=2 * k),
        *(_label(1, i, COLUMN, col, rows=2) for i, col in enumerate(REVIEW_COLUMNS)),
        *(_label(1, k * (1 + g), COLGROUP, row, cols=k) for g, row in enumerate(LAWSUIT_ROWS)),
        *(_label(2, k * (1 + g) + i, COLUMN, col) for g in range(2) for i, col in enumerate(REVIEW_COLUMNS)),
        *(_value(3, k * g + i, (REVIEW, row, col)) for g, row in enumerate(REVIEW_ROWS) for i, col in enumerate(REVIEW_COLUMNS)),
    ]
    return TableGrid(REVIEW, 3 * k, 3, tuple(cells))


@cache
def grid(fmt: Format, table: str) -> TableGrid:
    """The merged-cell grid of an official table (applications, review, disclosure) of a version."""
    made = {DISCLOSURE: _disclosure_grid, APPLICATIONS: _applications_grid}.get(table)
    result = made(fmt) if made else _review_grid() if table == REVIEW else None
    if result is None:
        raise KeyError(f"no official grid for table {table!r}")
    unknown = [cell.key for cell in result.values() if cell.key not in fmt.cells()]
    if unknown:
        raise KeyError(f"{fmt.version} {table} grid names cells the format lacks: {unknown}")
    return result


# The printed (PDF) width of each column of an official table, in per cent of the
# table's width, the same in both formats.  The PDF lays these tables out at fixed
# widths: WeasyPrint's automatic layout measures every label cell character by
# character (Chinese text may break after any character), about a fifth of a
# report's PDF, and its widths moved with each report's numbers.  The application
# table's number columns hold four digits (总计, the largest numbers, a little wider),
# its long row labels (the third column) take most of the rest, its two group-label
# columns two and three characters a line; the review table's fifteen equal columns
# hold three digits.  A table with a number wider than its narrowest number column
# keeps the automatic layout (nianbao.printpage).
PRINT_WIDTHS: dict[str, tuple[float, ...]] = {
    DISCLOSURE: (28.0, 24.0, 24.0, 24.0),
    APPLICATIONS: (6.6, 8.6, 36.6, 6.7, 6.7, 6.7, 6.7, 6.7, 6.7, 8.0),
    REVIEW: (100 / 15,) * 15,
}
