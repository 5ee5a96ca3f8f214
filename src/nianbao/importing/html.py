"""The web-page reader: a saved report page (.html/.htm) → :class:`Document`.

Pages come from government websites and from Word's “save as web page”: any
encoding a Chinese site uses (the ``<meta charset>`` is honoured; GBK/GB2312
are read as GB18030, their superset), Word markup (``MsoNormal``, ``<o:p>``,
conditional comments), layout tables around the content, text wrapped in
nested ``<span>``/``<font>``.  Parsing is Beautiful Soup over the standard
library's tolerant HTML parser; this module only decides what is a table, a
paragraph or a heading.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..textio import strip_invisible
from .model import HEADING, PARAGRAPH, TABLE, Block, Cell, Document, ReadError, Table, Where, title_candidates

MAX_BYTES = 25 * 1024 * 1024  # a saved report page with inline images is a few MB at most
MAX_SPAN = 500  # a hostile rowspan/colspan must not blow up the grid
SUFFIXES = (".html", ".htm")

_SKIP = {"script", "style", "noscript", "svg", "math", "template", "figure", "img", "object", "embed",
         "iframe", "button", "input", "select", "textarea", "head", "xml"}
_BLOCKS = {"p", "div", "section", "article", "header", "footer", "main", "aside", "blockquote", "pre",
           "li", "ul", "ol", "dl", "dt", "dd", "tr", "td", "th", "tbody", "thead", "tfoot", "caption",
           "center", "form", "fieldset", "address", "hr", "nav", "body", "html"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_META_CHARSET = re.compile(rb"""<meta[^>]{0,300}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_SPACES = re.compile(r"\s+")
_GB = {"gb2312", "gbk", "gb_2312-80", "x-gbk", "gb18030", "cp936", "windows-936", "euc-cn", "hz-gb-2312"}
_MAGIC = (
    (b"%PDF", "是 PDF 文件"),
    (b"PK\x03\x04", "是 Office 文档或压缩包（如 .docx/.xlsx），不是网页"),
    (b"\xd0\xcf\x11\xe0", "是旧版 Office 文档（如 .doc/.xls），不是网页"),
)


def clean(text: str) -> str:
    """Printed text as one line: invisible characters gone, every run of white
    space (``&nbsp;``, full-width spaces, line breaks) one ordinary space."""
    text = strip_invisible(text).replace("\u00ad", "").replace("\u3000", " ").replace("\xa0", " ")
    return _SPACES.sub(" ", text).strip()


# ---------------------------------------------------------------------------
# Bytes → text
# ---------------------------------------------------------------------------


def decode_page(data: bytes, name: str) -> tuple[str, str]:
    """(text, encoding used).  BOM first, then the page's own ``<meta charset>``,
    then UTF-8, then GB18030."""
    if not data.strip():
        raise ReadError(f"{name} 是空文件。请在浏览器中重新“另存为”网页后再导入。")
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise ReadError(f"{name} {what}：本命令只读取网页（.html/.htm）。请在浏览器中打开报告页面，用“另存为”保存为网页后再导入。")
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding), encoding
            except UnicodeDecodeError:
                raise ReadError(f"{name} 的编码无法识别（文件开头标明 {encoding}，但内容不符）。") from None
    if b"\x00" in data[:8192]:
        raise ReadError(f"{name} 不是网页（是二进制文件）。请在浏览器中打开报告页面，用“另存为”保存为网页后再导入。")
    declared = _META_CHARSET.search(data[:8192])
    tried = []
    if declared:
        label = declared.group(1).decode("ascii", "replace").lower()
        tried.append("gb18030" if label in _GB else label)
    for encoding in (*tried, "utf-8", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError):
            continue
    raise ReadError(f"{name} 的编码无法识别：请在浏览器中重新“另存为”网页（编码选 UTF-8）后再导入。")


# ---------------------------------------------------------------------------
# Text → document
# ---------------------------------------------------------------------------


def read_html(path: Path) -> Document:
    name = path.name
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ReadError(
                f"{name} 有 {size // (1024 * 1024)} MB，超过网页的上限 {MAX_BYTES // (1024 * 1024)} MB，不像是一份年报页面。"
                "请确认文件；如页面中嵌有大量图片，可在浏览器中选“另存为 → 网页，仅 HTML”。"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise ReadError(f"无法读取 {name}：{exc.strerror or exc}。") from None
    return parse_html(data, name)


def parse_html(data: bytes, name: str) -> Document:
    from bs4 import BeautifulSoup

    text, encoding = decode_page(data, name)
    try:
        soup = BeautifulSoup(text, "html.parser")
    except Exception as exc:  # the parser is tolerant; anything else is a damaged file
        raise ReadError(f"{name} 无法作为网页解析（{type(exc).__name__}）。") from None
    walker = _Walker(name)
    walker.walk(soup)
    walker.flush()
    doc = walker.doc
    doc.encoding = encoding
    title = soup.find("title")
    doc.titles = title_candidates(doc.blocks, [clean(title.get_text())] if title is not None else [])
    if not doc.tables and not any(b.text for b in doc.blocks):
        raise ReadError(f"{name} 中没有任何文字或表格，不是一份报告页面。")
    return doc


def _is_text(node) -> bool:
    from bs4 import NavigableString
    from bs4.element import CData, Comment, Declaration, Doctype, ProcessingInstruction

    return isinstance(node, NavigableString) and not isinstance(node, (Comment, Declaration, Doctype, CData, ProcessingInstruction))


def _tag_name(node) -> str:
    return (node.name or "").lower()


class _Walker:
    def __init__(self, name: str):
        self.doc = Document(name, reader="html")
        self.buffer: list[str] = []

    def flush(self, kind: str = PARAGRAPH) -> None:
        text = clean("".join(self.buffer))
        self.buffer = []
        if text:
            self.doc.blocks.append(Block(kind, text))

    def walk(self, node) -> None:
        for child in getattr(node, "children", ()):
            if _is_text(child):
                self.buffer.append(str(child))
                continue
            name = _tag_name(child)
            if not name or name in _SKIP or child.__class__.__name__ != "Tag":
                continue
            if name == "table":
                self.flush()
                if child.find("table") is not None:  # a layout table: its cells are the page's flow
                    self.walk(child)
                    self.flush()
                else:
                    self.table(child)
                continue
            if name == "br":
                self.flush()
                continue
            if name in _HEADINGS:
                self.flush()
                self.walk(child)
                self.flush(HEADING)
                continue
            block = name in _BLOCKS
            if block:
                self.flush()
            self.walk(child)
            if block:
                self.flush()

    def table(self, element) -> None:
        number = len(self.doc.tables) + 1
        rows = [tr for tr in element.find_all("tr")]
        grid: list[list[Cell | None]] = [[] for _ in rows]
        for r, tr in enumerate(rows):
            c = 0
            for td in tr.find_all(("td", "th"), recursive=False):
                while c < len(grid[r]) and grid[r][c] is not None:
                    c += 1
                rowspan = min(_span(td.get("rowspan")), len(rows) - r, MAX_SPAN)
                colspan = min(_span(td.get("colspan")), MAX_SPAN)
                text = _cell_text(td)
                origin = (number, r + 1, c + 1)
                for i in range(rowspan):
                    line = grid[r + i]
                    for j in range(colspan):
                        if len(line) <= c + j:
                            line.extend([None] * (c + j + 1 - len(line)))
                        if line[c + j] is None:
                            line[c + j] = Cell(text, Where(number, r + i + 1, c + j + 1, origin), _tag_name(td) == "th")
                c += colspan
        self.doc.tables.append(Table(number, grid))
        self.doc.blocks.append(Block(TABLE, table=number))


def _span(value) -> int:
    try:
        return max(1, int(str(value).strip().rstrip(";")))
    except (TypeError, ValueError):
        return 1


def _cell_text(td) -> str:
    """A cell's text: inline pieces joined as printed (Word splits ``22`` into
    ``<span>2</span><span>2</span>``), block and line breaks as spaces."""
    parts: list[str] = []

    def walk(node):
        for child in getattr(node, "children", ()):
            if _is_text(child):
                parts.append(str(child))
                continue
            name = _tag_name(child)
            if not name or name in _SKIP or child.__class__.__name__ != "Tag":
                continue
            if name == "br" or name in _BLOCKS or name in _HEADINGS:
                parts.append(" ")
            walk(child)
            if name in _BLOCKS or name in _HEADINGS:
                parts.append(" ")

    walk(td)
    return clean("".join(parts))
