"""The official tables of sections 二, 三 and 四 as HTML, in the official merged-cell
layout: each is drawn from its grid (:func:`nianbao.grids.grid`), so every label
and span comes from :mod:`formats`; every numeric cell is written (0, never blank);
amounts as entered (at least 4 places).

``flagged`` is a set of (table, row, column) cells to highlight in draft mode.
"""

from __future__ import annotations

from . import formats as F
from . import grids as G
from .contract import Submission
from .datafiles import format_number
from .html import text

_FLAG = ' class="flag"'

# What a header cell of each kind says to assistive technology, and its class.
_SCOPE = {
    G.COLGROUP: "colgroup",
    G.COLUMN: "col",
    G.ITEM: "colgroup",
    G.INDICATOR: "col",
    G.ROWGROUP: "rowgroup",
    G.ROW: "row",
}
_CLASS = {G.NOTE: "note"}
# The order the attributes are written in; the published pages write an indicator's
# scope before its colspan, every other header its spans first.
_ATTRIBUTE_ORDER = {G.INDICATOR: ("scope", "colspan", "rowspan")}
_DEFAULT_ORDER = ("colspan", "rowspan", "class", "scope")
# Body rows starting with a cell of these kinds carry a class (the disclosure table's item and head rows).
_ROW_CLASS = {G.ITEM: "item", G.COLUMN: "head"}


def _td(sub: Submission, cell: G.GridCell, flagged) -> str:
    assert cell.key is not None, "a value cell names its cell"
    table, row, column = cell.key
    value = format_number(sub.value(table, row, column), cell.domain)
    attrs = f' colspan="{cell.cols}"' if cell.cols > 1 else ""
    mark = _FLAG if (table, row, column) in flagged or (table, None, column) in flagged else ""
    return f'<td{attrs}{mark} data-row="{text(row)}" data-col="{text(column)}">{value}</td>'


def _th(cell: G.GridCell) -> str:
    values = {
        "colspan": str(cell.cols) if cell.cols > 1 else None,
        "rowspan": str(cell.rows) if cell.rows > 1 else None,
        "class": _CLASS.get(cell.kind),
        "scope": _SCOPE.get(cell.kind),
    }
    order = _ATTRIBUTE_ORDER.get(cell.kind, _DEFAULT_ORDER)
    attrs = "".join(f' {name}="{values[name]}"' for name in order if values[name] is not None)
    return f"<th{attrs}>{text(cell.text)}</th>"


def _tr(sub: Submission, cells, flagged, body: bool) -> str:
    row_class = _ROW_CLASS.get(cells[0].kind) if body else None
    opening = f'<tr class="{row_class}">' if row_class else "<tr>"
    inner = "".join(_td(sub, cell, flagged) if cell.kind == G.VALUE else _th(cell) for cell in cells)
    return f"{opening}{inner}</tr>"


def _caption(title: str, hidden: bool = True) -> str:
    cls = ' class="visually-hidden"' if hidden else ""
    return f"<caption{cls}>{text(title)}</caption>"


_CAPTIONS = {F.DISCLOSURE: F.SECTION_HEADINGS[1], F.APPLICATIONS: F.SECTION_HEADINGS[2], F.REVIEW: F.SECTION_HEADINGS[3]}


def official_table(sub: Submission, table: str, flagged=frozenset()) -> str:
    """The official table ``table`` of the submission's format, drawn from its grid."""
    grid = G.grid(sub.format, table)
    rows = grid.rows()
    head = "".join(_tr(sub, cells, flagged, body=False) for cells in rows[: grid.header_rows])
    body = "".join(_tr(sub, cells, flagged, body=True) for cells in rows[grid.header_rows :])
    return (
        f'<div class="table-scroll"><table class="official {table}">'
        + _caption(_CAPTIONS[table])
        + (f"<thead>{head}</thead>" if head else "")
        + f"<tbody>{body}</tbody></table></div>"
    )


def disclosure_table(sub: Submission, flagged=frozenset()) -> str:
    """Section 二: one 4-column table, a heading row per item of 第二十条."""
    return official_table(sub, F.DISCLOSURE, flagged)


def applications_table(sub: Submission, flagged=frozenset()) -> str:
    """Section 三: the 3-row header with the 勾稽 note; group labels span their rows."""
    return official_table(sub, F.APPLICATIONS, flagged)


def review_table(sub: Submission, flagged=frozenset()) -> str:
    """Section 四: 15 cells under the two-level header."""
    return official_table(sub, F.REVIEW, flagged)
