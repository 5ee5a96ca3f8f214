"""The document model every reader produces and the recogniser consumes.

A reader (web page today; PDF and Word later) turns a source file into a
:class:`Document`: its title candidates, its tables as cell grids with
rowspan/colspan already expanded, and its text blocks in reading order.  Each
cell and block carries where it was found (:class:`Where`), so that every value
imported can say which printed cell it came from.  Nothing here knows the
official formats: that is :mod:`nianbao.importing.recognise`'s job.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

HEADING, PARAGRAPH, TABLE = "heading", "paragraph", "table"


class ReadError(Exception):
    """A source that cannot be read at all; the message (Chinese) says why and what to do."""


@dataclass(frozen=True)
class Where:
    """Where a printed cell sits in its source: table number (1-based, in reading
    order), row and column in the expanded grid (1-based), and - for sources with
    pages - the page and box.  ``origin`` identifies the printed cell a spanned
    grid position belongs to (the same for every position it covers)."""

    table: int
    row: int
    column: int
    origin: tuple[int, int, int]
    page: int | None = None
    box: tuple[float, float, float, float] | None = None

    def text(self) -> str:
        page = f"第{self.page}页 " if self.page else ""
        return f"{page}表格{self.table} 第{self.row}行第{self.column}列"


@dataclass(frozen=True)
class Cell:
    text: str  # the printed text, white space collapsed to single spaces
    where: Where
    header: bool = False  # printed as a header cell (<th>); a hint only, never relied on


@dataclass
class Table:
    number: int  # 1-based, in reading order
    grid: list[list[Cell | None]]  # rows × columns; None where the source has no cell

    @property
    def width(self) -> int:
        return max((len(row) for row in self.grid), default=0)


@dataclass(frozen=True)
class Block:
    """A heading, a paragraph, or the place of a table in the reading order."""

    kind: str  # HEADING, PARAGRAPH or TABLE
    text: str = ""
    table: int | None = None  # Table.number for TABLE blocks


@dataclass
class Document:
    source: str  # the file name, for messages
    titles: list[str] = field(default_factory=list)  # title candidates, most specific first
    tables: list[Table] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    reader: str = ""  # e.g. "html"
    encoding: str | None = None
    notes: list[str] = field(default_factory=list)  # what the reader could not read for sure (Chinese)


def title_candidates(blocks: list[Block], named: Sequence[str] = ()) -> list[str]:
    """Headings first, then the title the file names itself (``named``), then
    the paragraphs nearest before the report's first section: a sidebar's links
    to other years' reports must not win over the report's own title."""
    titles = [b.text for b in blocks if b.kind == HEADING] + list(named)
    paragraphs = [b.text for b in blocks if b.kind == PARAGRAPH]
    first = next((i for i, text in enumerate(paragraphs) if re.match(r"^\s*一\s*[、.．]", text)), min(len(paragraphs), 60))
    return titles + [*reversed(paragraphs[:first]), *paragraphs[first:60]]


@dataclass(eq=False)
class Printed:
    """One printed cell as a reader finds it, before the table is numbered: the
    same object stands at every grid position the cell spans."""

    text: str
    page: int | None = None
    box: tuple[float, float, float, float] | None = None
    header: bool = False


def make_table(number: int, rows: list[list[Printed | None]]) -> Table:
    """A grid of :class:`Printed` (spans as repeated objects) → a numbered :class:`Table`."""
    origins: dict[Printed, tuple[int, int, int]] = {}
    grid: list[list[Cell | None]] = []
    for r, row in enumerate(rows):
        line: list[Cell | None] = []
        for c, printed in enumerate(row):
            if printed is None:
                line.append(None)
                continue
            origin = origins.setdefault(printed, (number, r + 1, c + 1))
            line.append(Cell(printed.text, Where(number, r + 1, c + 1, origin, printed.page, printed.box), printed.header))
        grid.append(line)
    return Table(number, grid)
