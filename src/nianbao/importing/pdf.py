"""The PDF reader: a published report PDF with a text layer → :class:`Document`.

pdfplumber (over pdfminer.six) gives the characters with their positions and
the ruling lines.  Tables are read from the ruling lines where the PDF draws
them (spanned cells become spans of the grid); where it draws none, from the
text positions (:mod:`.pdf_positions`).  A table that continues on the next
page - with or without its header printed again - is joined to its first part.
Page headers, footers and page numbers are left out; the rest of the text
becomes headings and paragraphs in reading order.  Every cell keeps its page and
box (PDF points, origin top left), so ``import.json`` can say where a number was
printed.  No OCR: a PDF without a text layer (a scan) is refused, as is one
that needs a password.
"""

from __future__ import annotations

import itertools
import re
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from .model import (
    HEADING,
    PARAGRAPH,
    TABLE,
    Block,
    Document,
    Printed,
    ReadError,
    make_table,
    title_candidates,
)
from .pdf_positions import Carry, Part, bands, join_lines, position_tables, words_text

SUFFIXES = (".pdf",)
MAX_BYTES = 100 * 1024 * 1024  # a report with photographs is a few MB; a 100 MB "report" is something else
MAX_PAGES = 200  # a year's report is 5-30 pages
MIN_TEXT = 20  # characters per page below which the text layer is a stamp or page number on a scan
MARGIN_BAND = 0.08  # page headers and footers sit in the top and bottom 8% of the page
_PAGE_NUMBER = re.compile(r"^[-—–\s]*(?:第\s*)?\d{1,4}\s*(?:页)?\s*(?:[/／]\s*\d{1,4}|共\s*\d{1,4}\s*页)?[-—–\s]*$")


@dataclass
class Line:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float


@dataclass
class PageText:
    number: int
    width: float
    height: float
    items: list[tuple[float, Line | Part]] = field(default_factory=list)  # in reading order
    margin_lines: list[Line] = field(default_factory=list)


# ---------------------------------------------------------------------------
# Opening
# ---------------------------------------------------------------------------


def read_pdf(path: Path) -> Document:
    name = path.name
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ReadError(f"{name} 有 {size // (1024 * 1024)} MB，超过 PDF 的上限 {MAX_BYTES // (1024 * 1024)} MB，"
                            "不像是一份年报。请确认文件。")
        with path.open("rb") as handle:
            head = handle.read(1024)
    except OSError as exc:
        raise ReadError(f"无法读取 {name}：{exc.strerror or exc}。") from None
    if b"%PDF-" not in head:
        raise ReadError(f"{name} 不是 PDF 文件（文件内容不以 %PDF 开头），可能已损坏或扩展名有误。请重新下载或另存报告后再导入。")
    notes: list[str] = []
    pages = _read_pages(path, name, notes)
    text = sum(len(item.text) for page in pages for _, item in page.items if isinstance(item, Line))
    if text < MIN_TEXT * len(pages) and not any(isinstance(item, Part) for page in pages for _, item in page.items):
        raise ReadError(
            f"{name} 没有文字层（是扫描件或图片），本工具不做文字识别（OCR），无法导入。"
            "请找这份报告的网页版或 Word/WPS 原稿（另存为 .docx 或 .html）后导入。"
        )
    undecoded = sum(item.text.count("(cid:") for page in pages for _, item in page.items if isinstance(item, Line))
    if undecoded * 6 > text:  # pdfminer prints a glyph it cannot map to a character as (cid:123)
        raise ReadError(f"{name} 的文字无法解码（PDF 中的字体没有字符对照表，复制出来也是乱码），无法导入。"
                        "请找这份报告的网页版或 Word/WPS 原稿（另存为 .docx 或 .html）后导入。")
    doc = _document(name, pages)
    doc.notes = notes
    return doc


def _open(path: Path, name: str):
    import pdfplumber

    try:
        return pdfplumber.open(path)
    except Exception as exc:  # pdfminer wraps every damage in its own exceptions
        if "password" in repr(exc).lower() or "encrypt" in repr(exc).lower():
            raise ReadError(_encrypted(name)) from None
        raise ReadError(f"{name} 无法作为 PDF 打开（文件已损坏或不完整：{type(exc).__name__}）。请重新下载报告后再导入。") from None


def _encrypted(name: str) -> str:
    return (f"{name} 是加密的 PDF（打开需要密码），无法读取。请向发布单位索取未加密的文件，"
            "或找这份报告的网页版（另存为 .html）后导入。")


def _read_pages(path: Path, name: str, notes: list[str]) -> list[PageText]:
    pdf = _open(path, name)
    try:
        if len(pdf.pages) > MAX_PAGES:
            raise ReadError(f"{name} 有 {len(pdf.pages)} 页，超过上限 {MAX_PAGES} 页，不像是一份年报。请确认文件。")
        carry = Carry()
        return [_read_page(page, number, carry, notes) for number, page in enumerate(pdf.pages, 1)]
    except ReadError:
        raise
    except Exception as exc:  # a damaged page stream, an unknown font encoding ...
        if "password" in repr(exc).lower():
            raise ReadError(_encrypted(name)) from None
        raise ReadError(f"{name} 的内容无法读取（PDF 已损坏：{type(exc).__name__}）。请重新下载报告后再导入。") from None
    finally:
        pdf.close()


# ---------------------------------------------------------------------------
# One page
# ---------------------------------------------------------------------------


def _read_page(page, number: int, carry: Carry, notes: list[str]) -> PageText:
    result = PageText(number, float(page.width), float(page.height))
    words = page.extract_words(extra_attrs=["size"])
    if not words:
        carry.layout, carry.header = None, []
        return result
    parts = [part for table in page.find_tables() if (part := _ruled_part(table, words, number)) is not None]
    boxes = [(p.columns[0], p.top, p.columns[-1], p.bottom) for p in parts]
    free = [w for w in words if not any(_inside(w, box) for box in boxes)]
    body, result.margin_lines = _split_margins(free, result.height)
    if parts:
        carry.layout, carry.header = None, []  # ruled tables: a continuation is joined by its rulings
    found, used = position_tables(body, number, result.width, carry, notes)
    parts += found
    lines = _lines([w for w in body if id(w) not in used])
    items: list[tuple[float, Line | Part]] = [(line.top, line) for line in lines] + [(part.top, part) for part in parts]
    result.items = sorted(items, key=lambda item: item[0])
    return result


def _inside(word, box) -> bool:
    x = (word["x0"] + word["x1"]) / 2
    y = (word["top"] + word["bottom"]) / 2
    return box[0] - 1 <= x <= box[2] + 1 and box[1] - 1 <= y <= box[3] + 1


def _lines(words) -> list[Line]:
    """Words → printed lines, each line's words left to right."""
    lines = []
    for row in bands(words):
        lines.append(Line(words_text(row), row[0]["x0"], max(w["x1"] for w in row), min(w["top"] for w in row),
                          max(w["bottom"] for w in row), statistics.median(w["size"] for w in row)))
    return lines


def cell_text(words) -> str:
    return join_lines([line.text for line in _lines(words)]) if words else ""


def _split_margins(words, height: float) -> tuple[list[dict], list[Line]]:
    """(body words, lines in the header/footer bands): the bands are judged
    over the whole document later (a line repeated on several pages)."""
    body: list = []
    margins: list = []
    for word in words:
        in_band = word["bottom"] < height * MARGIN_BAND or word["top"] > height * (1 - MARGIN_BAND)
        (margins if in_band else body).append(word)
    return body, _lines(margins)


# ---------------------------------------------------------------------------
# Ruled tables
# ---------------------------------------------------------------------------


def edges(values, tolerance: float = 1.5) -> list[float]:
    """The cell borders of a grid: coordinates shared by at least two cells
    (near-equal ones taken as one), and the outermost.  A border only one cell
    has is a cell drawn short, not a row or column of its own."""
    clusters: list[list[float]] = []
    for value in sorted(values):
        if clusters and value - clusters[-1][-1] <= tolerance:
            clusters[-1].append(value)
        else:
            clusters.append([value])
    return [c[0] for i, c in enumerate(clusters) if len(c) >= 2 or i in (0, len(clusters) - 1)]


def _index(found: list[float], value: float) -> int:
    return min(range(len(found)), key=lambda i: abs(found[i] - value))


def _ruled_part(table, words, page: int) -> Part | None:
    cells = [c for c in table.cells if c[2] - c[0] > 1 and c[3] - c[1] > 1]
    xs = edges([c[0] for c in cells] + [c[2] for c in cells])
    ys = edges([c[1] for c in cells] + [c[3] for c in cells])
    if len(xs) < 3 or len(ys) < 3:
        return None  # a frame or a rule, not a table
    rows: list[list[Printed | None]] = [[None] * (len(xs) - 1) for _ in range(len(ys) - 1)]
    for x0, top, x1, bottom in cells:
        inside = [w for w in words if _inside(w, (x0, top, x1, bottom))]
        printed = Printed(cell_text(inside), page, (round(x0, 1), round(top, 1), round(x1, 1), round(bottom, 1)))
        for r in range(_index(ys, top), _index(ys, bottom)):
            for c in range(_index(xs, x0), _index(xs, x1)):
                if rows[r][c] is None:
                    rows[r][c] = printed
    return Part(rows, ys[0], xs, page, ys[-1])


# ---------------------------------------------------------------------------
# The document
# ---------------------------------------------------------------------------


def _margin_keys(pages: list[PageText]) -> set[str]:
    """Header/footer lines repeated on several pages (digits aside: 「第 3 页」)."""
    seen: dict[str, int] = {}
    for page in pages:
        for key in {re.sub(r"\d+", "#", line.text.replace(" ", "")) for line in page.margin_lines}:
            seen[key] = seen.get(key, 0) + 1
    return {key for key, count in seen.items() if count >= 2}


def _document(name: str, pages: list[PageText]) -> Document:
    repeated = _margin_keys(pages) if len(pages) > 1 else set()
    for page in pages:
        kept = [line for line in page.margin_lines
                if not _PAGE_NUMBER.match(line.text) and re.sub(r"\d+", "#", line.text.replace(" ", "")) not in repeated]
        page.items = sorted(page.items + [(line.top, line) for line in kept], key=lambda item: item[0])
    doc = Document(name, reader="pdf")
    flow = _Flow(doc, pages)
    for page in pages:
        flow.page(page)
    flow.flush()
    doc.tables = [make_table(number, join_parts(parts)) for number, parts in enumerate(flow.parts, 1)]
    doc.titles = title_candidates(doc.blocks)
    if not doc.tables and not any(b.text for b in doc.blocks):
        raise ReadError(f"{name} 中没有任何文字或表格，不是一份报告。")
    return doc


class _Flow:
    """Lines → headings and paragraphs; table parts → tables, a part that
    continues the table ending the page before joined to it."""

    def __init__(self, doc: Document, pages: list[PageText]):
        self.doc = doc
        lines = [item for page in pages for _, item in page.items if isinstance(item, Line)]
        self.body_size = statistics.median(line.size for line in lines) if lines else 12.0
        pitches = [b.top - a.top for a, b in itertools.pairwise(lines) if 0 < b.top - a.top < a.size * 3 and abs(a.size - b.size) < 0.5]
        self.pitch = statistics.median(pitches) if pitches else self.body_size * 1.5
        self.buffer: list[Line] = []
        self.parts: list[list[Part]] = []  # tables, each as its parts
        self.last: object = None  # the last item placed (Line or Part), for continuations

    def page(self, page: PageText) -> None:
        lines = [item for _, item in page.items if isinstance(item, Line)]
        self.left = min((line.x0 for line in lines), default=0.0)
        self.right = max((line.x1 for line in lines), default=page.width)
        for index, (_, item) in enumerate(page.items):
            if isinstance(item, Part):
                self.flush()
                if index == 0 and isinstance(self.last, Part) and continues(self.last, item):
                    self.parts[-1].append(item)
                else:
                    self.parts.append([item])
                    self.doc.blocks.append(Block(TABLE, table=len(self.parts)))
            else:
                if self.buffer and self.breaks(self.buffer[-1], item, index == 0):
                    self.flush()
                self.buffer.append(item)
            self.last = item

    def breaks(self, before: Line, line: Line, new_page: bool) -> bool:
        if abs(before.size - line.size) > 0.5:
            return True
        if line.size >= self.body_size * 1.2:  # a heading (a title) wrapped over centred lines
            return line.top - before.bottom > line.size
        if line.x0 > self.left + line.size * 0.8:  # an indented first line
            return True
        if before.x1 < self.right - line.size * 2.5:  # the line before ended short
            return True
        return not new_page and line.top - before.top > self.pitch * 1.45

    def flush(self) -> None:
        if not self.buffer:
            return
        text = join_lines([line.text for line in self.buffer])
        kind = HEADING if self.buffer[0].size >= self.body_size * 1.2 else PARAGRAPH
        self.buffer = []
        if text:
            self.doc.blocks.append(Block(kind, text))


def continues(first: Part, part: Part) -> bool:
    """A part at the top of a page continues the table ending the page before
    when its column boundaries are the same."""
    if len(first.columns) != len(part.columns):
        return False
    return all(abs(a - b) <= 2.0 for a, b in zip(first.columns, part.columns, strict=False))


def join_parts(parts: list[Part]) -> list[list[Printed | None]]:
    """One table from its parts: a header printed again is left out, and a
    label cell spanning the page break (printed empty on the new page) is the
    label cell above it."""
    rows = [list(row) for row in parts[0].rows]
    for part in parts[1:]:
        more = [list(row) for row in part.rows]
        head, repeated = parts[0].rows, 0
        while repeated < min(len(more), len(head)) and not _has_number(more[repeated]) \
                and _texts(more[repeated]) == _texts(head[repeated]):
            repeated += 1
        more = more[repeated:]
        if more:
            labels = _label_columns(more)
            for c in range(min(labels, len(more[0]), len(rows[-1]))):
                empty = more[0][c]
                above = next((row[c] for row in reversed(rows) if c < len(row) and row[c] is not None), None)
                if empty is not None and not empty.text and above is not None:
                    more = [[above if cell is empty else cell for cell in row] for row in more]
        rows += more
    return rows


def _texts(row) -> tuple:
    return tuple(cell.text if cell else None for cell in row)


_NUMBER = re.compile(r"^[+-]?[\d,]+(\.\d+)?$")


def _has_number(row) -> bool:
    return any(cell is not None and _NUMBER.match(cell.text.replace(" ", "")) for cell in row)


def _label_columns(rows) -> int:
    """How many columns at the left hold labels: those before the first number."""
    first = [next((c for c, cell in enumerate(row) if cell is not None and _NUMBER.match(cell.text.replace(" ", ""))), None)
             for row in rows]
    found = [c for c in first if c is not None]
    return min(found) if found else 0
