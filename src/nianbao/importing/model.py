"""The document model every reader produces and the recogniser consumes.

A reader (web page today; PDF and Word later) turns a source file into a
:class:`Document`: its title candidates, its tables as cell grids with
rowspan/colspan already expanded, and its text blocks in reading order.  Each
cell and block carries where it was found (:class:`Where`), so that every value
imported can say which printed cell it came from.  Nothing here knows the
official formats: that is :mod:`nianbao.importing.recognise`'s job.
"""

from __future__ import annotations

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
