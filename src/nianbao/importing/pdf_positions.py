"""Tables a PDF prints without ruling lines (WPS exports often), read from the
positions of the text.

A table is a run of lines holding numbers, with the header lines above it.
Text printed over several lines of one cell (a label wrapped, a header cell set
one character per line) is joined first: fragments that overlap horizontally
and follow each other at line spacing are one cell.  Then:

- the **columns** are the header cells at the bottom of the header (the leaf
  cells); a column reaches half way to its neighbours;
- the **rows** are the lines with numbers; the label cells to the left of the
  numbers give each row its labels, a label cell printed beside several rows
  (merged, centred on them) belongs to each of them;
- a number that lies across a column boundary, or shares a column with another
  number of its row, is **not** placed: its cell stays blank and a note names the
  page and row.  A number is never moved to a neighbouring column.

A table continuing on the next page without its header is read with the
columns of the part before it.  Nothing here knows the official tables.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from .html import clean
from .model import Printed

VALUE = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
PLACEHOLDER = {"/", "／", "-", "—", "－", "——", "无"}
LINE_GAP = 0.6  # lines of one cell are at most this many font sizes apart (rows are further apart)
TABLE_GAP = 2.5  # a table's lines follow each other closer than this many font sizes


def join_lines(lines: list[str]) -> str:
    """Lines of one block as printed text: Chinese wrapped over lines joins
    without a space; two Latin words or numbers keep one between them."""
    text = ""
    for line in lines:
        line = line.strip()
        if text and line and text[-1].isascii() and text[-1].isalnum() and line[0].isascii() and line[0].isalnum():
            text += " "
        text += line
    return clean(text)


@dataclass
class Part:
    """A table as found on one page, before parts continuing over pages are joined."""

    rows: list[list[Printed | None]]
    top: float
    columns: list[float]  # the x of the column boundaries, to recognise a continuation
    page: int
    bottom: float = 0.0


@dataclass(eq=False)
class Fragment:
    """Text printed in one place: a run of words on a line, later the lines of one cell."""

    lines: list[str]
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    value: bool = False  # a number or a placeholder (「/」, 「—」)

    @property
    def text(self) -> str:
        return join_lines(self.lines)

    @property
    def middle(self) -> float:
        return (self.x0 + self.x1) / 2

    def overlaps(self, other: Fragment) -> bool:
        return self.x0 < other.x1 and other.x0 < self.x1

    def beside(self, top: float, bottom: float) -> bool:
        return self.top < bottom and top < self.bottom


@dataclass
class Layout:
    """The columns of a table's block, carried to its continuation on the next page."""

    levels: list[float]  # x of the label columns
    leaves: list[Fragment]  # header leaf cells, left to right
    bounds: list[tuple[float, float]] = field(default_factory=list)  # each leaf column's x-range
    paths: list[list[Fragment]] = field(default_factory=list)  # each leaf column's header cells, top down
    start: float = 0.0  # where the numbers begin: left of it are the labels


def bands(words) -> list[list[dict]]:
    """Words → lines (same baseline band), each line's words left to right."""
    rows: list[list[dict]] = []
    for word in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if rows and abs(rows[-1][0]["top"] - word["top"]) <= max(2.0, word["size"] * 0.3):
            rows[-1].append(word)
        else:
            rows.append([word])
    for row in rows:
        row.sort(key=lambda w: w["x0"])
    return rows


def fragments(row: list[dict]) -> list[Fragment]:
    """One line's words → runs separated by a gap wider than half a character."""
    found: list[list[dict]] = []
    for word in row:
        if found and word["x0"] - found[-1][-1]["x1"] <= word["size"] * 0.5 and not _value(word["text"]) \
                and not _value(found[-1][-1]["text"]):
            found[-1].append(word)
        else:
            found.append([word])
    return [Fragment([words_text(run)], run[0]["x0"], max(w["x1"] for w in run), min(w["top"] for w in run),
                     max(w["bottom"] for w in run), run[0]["size"], len(run) == 1 and _value(run[0]["text"]))
            for run in found]


def _value(text: str) -> bool:
    return bool(VALUE.match(text)) or text in PLACEHOLDER


def words_text(run) -> str:
    text = run[0]["text"]
    for before, word in itertools.pairwise(run):
        text += (" " if word["x0"] - before["x1"] > word["size"] * 0.2 else "") + word["text"]
    return text


# ---------------------------------------------------------------------------
# Finding the tables on a page
# ---------------------------------------------------------------------------


@dataclass
class Carry:
    """What a page hands to the next: the columns of its last table, and header
    lines printed at its foot whose table begins on the next page."""

    layout: Layout | None = None
    header: list[list[Fragment]] = field(default_factory=list)


def position_tables(words, page: int, width: float, carry: Carry, notes: list[str]):
    """(table parts, ids of the words they use); ``carry`` is updated for the next page."""
    lines = [fragments(row) for row in bands(words)]
    header, carry.header = carry.header, []
    if header and lines:  # set the header from the page before just above this page's first line
        shift = lines[0][0].top - header[-1][0].bottom - header[-1][0].size
        lines = [[_shifted(f, shift) for f in line] for line in header] + lines
    numeric = [any(f.value and VALUE.match(f.lines[0]) for f in line) for line in lines]
    left = min((f.x0 for line in lines for f in line), default=0.0)
    right = max((f.x1 for line in lines for f in line), default=width)
    parts: list = []
    used: set = set()
    index = done = 0
    body = _body_size(lines)
    while index < len(lines):
        if not numeric[index]:
            index += 1
            continue
        start, end = _region(lines, numeric, index, right - left, body)
        region = [f for line in lines[start:end + 1] for f in line]
        index = end + 1
        if sum(numeric[start:end + 1]) < 2 and max(sum(f.value for f in line) for line in lines[start:end + 1]) < 2:
            continue  # one number in a line of text is not a table
        found, layout = _read_region(region, page, carry.layout if not parts and start == 0 else None, notes)
        if found:
            parts += found
            carry.layout, done = layout, end + 1
            used |= _within(words, region)
    tail = _foot_header(lines[max(done, len(header)):], right - left, body)
    if tail:
        carry.header = tail
        used |= _within(words, [f for line in tail for f in line])
    return parts, used


def _shifted(frag: Fragment, shift: float) -> Fragment:
    return Fragment(list(frag.lines), frag.x0, frag.x1, frag.top + shift, frag.bottom + shift, frag.size, frag.value)


def _within(words, region: list[Fragment]) -> set[int]:
    top, bottom = min(f.top for f in region) - 1, max(f.bottom for f in region) + 1
    return {id(w) for w in words if top <= w["top"] and w["bottom"] <= bottom}


def _foot_header(lines: list[list[Fragment]], width: float, body: float) -> list[list[Fragment]]:
    """Lines at the foot of a page that look like the header of a table (cells side
    by side, no numbers) after the last paragraph: the table begins on the next page."""
    start = len(lines)
    while start > 0 and not _paragraph(lines[start - 1], width, body) and not any(f.value for f in lines[start - 1]):
        start -= 1
    tail = lines[start:]
    return tail if any(len(line) >= 2 for line in tail) else []


def _paragraph(line: list[Fragment], width: float, body: float = 0.0) -> bool:
    """A line of running text: one piece over half the width, in the body text's size
    (a table's wide cell set smaller, like the applications table's note, is not)."""
    return len(line) == 1 and not line[0].value and line[0].x1 - line[0].x0 > width * 0.5 \
        and (not body or abs(line[0].size - body) <= 0.5)


def _body_size(lines: list[list[Fragment]]) -> float:
    """The size most of the page's text is set in."""
    weight: dict[float, int] = {}
    for frag in (f for line in lines for f in line):
        weight[round(frag.size, 1)] = weight.get(round(frag.size, 1), 0) + len(frag.text)
    return max(weight, key=lambda size: weight[size]) if weight else 0.0


def _gap(above: list[Fragment], below: list[Fragment]) -> float:
    return min(f.top for f in below) - max(f.bottom for f in above)


def _same_size(line: list[Fragment], size: float) -> bool:
    """A table's text is set in one size, give or take a smaller note: a heading or body text is not."""
    return 0.8 <= line[0].size / size <= 1.15


def _region(lines, numeric, index: int, width: float, body: float) -> tuple[int, int]:
    size = lines[index][0].size
    start = index
    while start > 0 and not numeric[start - 1] and not _paragraph(lines[start - 1], width, body) \
            and _gap(lines[start - 1], lines[start]) <= size * TABLE_GAP and _same_size(lines[start - 1], size):
        start -= 1
    end = index
    while end + 1 < len(lines) and not _paragraph(lines[end + 1], width, body) \
            and _gap(lines[end], lines[end + 1]) <= size * TABLE_GAP and _same_size(lines[end + 1], size):
        end += 1
    while end > index and not numeric[end] and _gap(lines[end - 1], lines[end]) > size * LINE_GAP:
        end -= 1  # lines after the last row belong to the table only as a label wrapped onto them
    return start, end


def _cells(region: list[Fragment]) -> list[Fragment]:
    """Fragments → printed cells: a fragment continuing the one above it (same
    cell, next line) is joined to it."""
    cells: list[Fragment] = []
    for frag in sorted(region, key=lambda f: (f.top, f.x0)):
        above = None if frag.value else next(
            (c for c in reversed(cells) if not c.value and c.overlaps(frag)
             and -frag.size * 0.3 <= frag.top - c.bottom <= frag.size * LINE_GAP), None)
        if above is None:
            cells.append(Fragment(list(frag.lines), frag.x0, frag.x1, frag.top, frag.bottom, frag.size, frag.value))
        else:
            above.lines += frag.lines
            above.x0, above.x1 = min(above.x0, frag.x0), max(above.x1, frag.x1)
            above.bottom = max(above.bottom, frag.bottom)
    return cells


# ---------------------------------------------------------------------------
# One table region → parts (one per header block)
# ---------------------------------------------------------------------------


def _read_region(region, page: int, carry: Layout | None, notes: list[str]):
    cells = _cells(region)
    values = [c for c in cells if c.value]
    start = min(c.x0 for c in values if VALUE.match(c.lines[0]))
    rows = _rows(values)
    headers = [c for c in cells if not c.value and c.x1 > start]
    labels: list[Fragment] = []
    corner: list[Fragment] = []
    for cell in (c for c in cells if not c.value and c.x1 <= start):
        beside_row = any(cell.beside(min(v.top for v in r), max(v.bottom for v in r)) for r in rows)
        heading = cell.bottom <= rows[0][0].top or any(
            cell.beside(h.top, h.bottom) or 0 <= h.top - cell.bottom <= cell.size * TABLE_GAP for h in headers)
        (corner if heading and not beside_row else labels).append(cell)
    levels: list[float] = []
    for x0 in sorted(c.x0 for c in labels):
        if not levels or x0 - levels[-1] > labels[0].size:
            levels.append(x0)
    parts: list[Part] = []
    layout = carry
    header: list = []
    pending: list = []
    block: list = []
    marks = sorted([(c.top, 0, c) for c in headers + corner] + [(r[0].top, 1, r) for r in rows], key=lambda m: (m[0], m[1]))
    for _, kind, item in marks:
        if kind == 0:  # a header cell: after rows, it starts the next block
            if block:
                assert layout is not None, "a block follows a header"
                parts.append(_part(layout, header, block, labels, page, notes))
                block = []
            pending.append(item)
            continue
        if pending:
            layout = _layout(pending, levels, start)
            header, pending = pending, []
        elif layout is None:
            continue  # numbers before any header, and nothing to continue: left as text
        block.append(item)
    if block:
        assert layout is not None, "a block follows a header"
        parts.append(_part(layout, header, block, labels, page, notes))
    return parts, layout


def _rows(values: list[Fragment]) -> list[list[Fragment]]:
    rows: list[list[Fragment]] = []
    for value in sorted(values, key=lambda v: (v.top, v.x0)):
        if rows and abs(rows[-1][0].top - value.top) <= value.size * 0.3:
            rows[-1].append(value)
        else:
            rows.append([value])
    return [row for row in rows if any(VALUE.match(v.lines[0]) for v in row)]


def _layout(header: list[Fragment], levels: list[float], start: float) -> Layout:
    heads = [h for h in header if h.x1 > start]
    lowest = max((h.top for h in heads), default=0.0)
    bottom = [h for h in heads if not any(o is not h and o.top > h.top and o.overlaps(h) for o in heads)]
    # nothing under it: a leaf, if it reaches the last header line or has others beside it
    # (a lone line above, like 「第二十条第（一）项」 over a table with nothing under it, is a title)
    leaves = sorted((h for h in bottom if h.bottom >= lowest - h.size * 0.3
                     or any(o is not h and o.beside(h.top, h.bottom) for o in bottom)), key=lambda h: h.x0)
    bounds = []
    for i, leaf in enumerate(leaves):
        low = (leaves[i - 1].x1 + leaf.x0) / 2 if i else min(leaf.x0, start) - leaf.size
        high = (leaf.x1 + leaves[i + 1].x0) / 2 if i + 1 < len(leaves) else leaf.x1 + leaf.size * 3
        bounds.append((low, high))
    paths = [[leaf] for leaf in leaves]
    parents = [h for h in heads if h not in leaves]
    for group in _rows_of(parents):
        for parent, run in zip(group, _spans(group, leaves), strict=False):
            for index in run:
                paths[index].append(parent)
    for path in paths:
        path.sort(key=lambda cell: cell.top)
    return Layout(levels, leaves, bounds, paths, start)


def _rows_of(cells: list[Fragment]) -> list[list[Fragment]]:
    """Header cells side by side (one printed row), each row left to right."""
    rows: list[list[Fragment]] = []
    for cell in sorted(cells, key=lambda c: c.top):
        row = next((r for r in rows if any(o.beside(cell.top, cell.bottom) for o in r)), None)
        if row is None:
            rows.append([cell])
        else:
            row.append(cell)
    return [sorted(row, key=lambda c: c.x0) for row in rows]


def _runs(parent: Fragment, leaves: list[Fragment], siblings: list[Fragment]) -> list[range]:
    """The runs of leaf columns a header cell may span.  Without borders only its
    text shows, centred over its columns: runs of leaves below it centred on it,
    not reaching under the text of a cell beside it."""
    centre = parent.middle
    left = max((o.x1 for o in siblings if o.middle < centre), default=float("-inf"))
    right = min((o.x0 for o in siblings if o.middle > centre), default=float("inf"))

    def below(i: int) -> bool:
        return 0 <= i < len(leaves) and leaves[i].top >= parent.bottom - parent.size * 0.3 and left < leaves[i].middle < right

    hit = [i for i, leaf in enumerate(leaves) if leaf.x0 - leaf.size * 0.25 <= centre <= leaf.x1 + leaf.size * 0.25]
    low = hit[0] if hit else max((i for i, leaf in enumerate(leaves) if leaf.x1 < centre), default=-1)
    high = low if hit else low + 1
    runs = [range(0)]
    while below(low) and below(high):
        runs.append(range(low, high + 1))
        low, high = low - 1, high + 1
    return runs


def _spans(group: list[Fragment], leaves: list[Fragment]) -> tuple[range, ...]:
    """The runs of a printed row of header cells: together they cover the most
    leaves without overlapping, as evenly as they can (official groups are equal)."""
    best, best_key = tuple(range(0) for _ in group), (0, 0)
    for combination in itertools.product(*(_runs(cell, leaves, group) for cell in group)):
        covered = [i for run in combination for i in run]
        if len(covered) != len(set(covered)):
            continue
        sizes = [len(run) for run in combination]
        key = (len(covered), -(max(sizes) - min(sizes)))
        if key > best_key:
            best, best_key = combination, key
    return best


def _part(layout: Layout, header, rows, labels, page: int, notes: list[str]) -> Part:
    width = len(layout.levels) + len(layout.leaves)
    depth = max((len(path) for path in layout.paths), default=0) if header else 0
    grid: list[list[Printed | None]] = [[None] * width for _ in range(depth)]
    printed: dict[int, Printed] = {}
    for column, path in enumerate(layout.paths if header else []):
        for level in range(depth):  # as a table with spans prints it: the leaf reaches down to the last header row
            cell = path[min(level, len(path) - 1)]
            grid[level][len(layout.levels) + column] = printed.setdefault(id(cell), Printed(cell.text, page, _box(cell), header=True))
    for cell in (h for h in header if h.x1 <= layout.start):  # over the label columns: beside every header row
        corner = Printed(cell.text, page, _box(cell), header=True)
        for column in _covered(layout, cell, labels_only=True) or [0]:
            for header_line in grid:
                header_line[column] = corner
    owners = _label_rows(labels, rows)
    placed: dict[int, Printed] = {}
    for r, row in enumerate(rows):
        line: list[Printed | None] = [None] * width
        for cell in (c for c in labels if r in owners.get(id(c), ())):
            label = placed.setdefault(id(cell), Printed(cell.text, page, _box(cell)))
            for column in _covered(layout, cell, labels_only=True) or [0]:
                line[column] = label
        _place_values(layout, row, line, page, notes, next((c.text for c in labels if r in owners.get(id(c), ())), ""))
        grid.append(line)
    columns = layout.levels + [low for low, _ in layout.bounds] + [layout.bounds[-1][1] if layout.bounds else 0.0]
    top = min([h.top for h in header] + [rows[0][0].top])
    return Part(grid, top, columns, page, rows[-1][0].bottom)


def _covered(layout: Layout, cell: Fragment, labels_only: bool = False) -> list[int]:
    tolerance = cell.size * 0.5
    columns = [i for i, x in enumerate(layout.levels) if cell.x0 - tolerance <= x < cell.x1 - tolerance]
    if not labels_only:
        offset = len(layout.levels)
        columns += [offset + i for i, leaf in enumerate(layout.leaves) if cell.x0 - tolerance <= leaf.middle <= cell.x1 + tolerance]
    return columns


def _label_rows(labels: list[Fragment], rows) -> dict[int, list[int]]:
    """Label cell → the rows it labels: those printed beside it, else the nearest row."""
    owners: dict[int, list[int]] = {}
    for cell in labels:
        beside = [r for r, row in enumerate(rows) if cell.beside(min(v.top for v in row), max(v.bottom for v in row))]
        if not beside and rows and rows[0][0].top - cell.size < cell.top < rows[-1][0].bottom + cell.size:
            beside = [min(range(len(rows)), key=lambda r: abs(rows[r][0].top - cell.top))]
        owners[id(cell)] = beside
    return owners


def _place_values(layout: Layout, row: list[Fragment], line: list, page: int, notes: list[str], label: str) -> None:
    offset = len(layout.levels)
    chosen: dict[int, list[Fragment]] = {}
    for value in row:
        inside = [i for i, (low, high) in enumerate(layout.bounds) if low <= value.x0 and value.x1 <= high]
        if len(inside) == 1:
            chosen.setdefault(inside[0], []).append(value)
        else:
            notes.append(f"第{page}页 第「{label or '（无标签）'}」行：数字「{value.text}」（x {value.x0:.0f}–{value.x1:.0f}）"
                         "跨在两列之间，无法确定属于哪一列，未导入，该单元格留空：请对照原文补填")
    for column, found in chosen.items():
        if len(found) > 1:
            notes.append(f"第{page}页 第「{label or '（无标签）'}」行：{'、'.join(f'「{v.text}」' for v in found)}"
                         f"落在同一列「{layout.leaves[column].text}」中，无法确定各属哪一列，未导入，该单元格留空：请对照原文补填")
            continue
        line[offset + column] = Printed(found[0].text, page, _box(found[0]))


def _box(cell: Fragment) -> tuple[float, float, float, float]:
    return (round(cell.x0, 1), round(cell.top, 1), round(cell.x1, 1), round(cell.bottom, 1))
