"""The Word reader: a published report as ``.docx`` → :class:`Document`.

python-docx opens the package; the body is walked in order (paragraphs and
tables as Word stores them), so the reading order is the document's.  Merged
cells are expanded into the grid: ``gridSpan`` across columns, ``vMerge``
down rows (a continuing cell is the cell above it).  Paragraphs in a heading or
title style are headings.  The older Word/WPS formats and web archives are
refused with how to save them as ``.docx`` or ``.html``.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from .html import clean
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

SUFFIXES = (".docx",)
REFUSED = {".doc": "旧版 Word 文件（.doc）", ".wps": "WPS 文件（.wps）", ".mht": "网页存档（.mht）", ".mhtml": "网页存档（.mhtml）"}
MAX_BYTES = 50 * 1024 * 1024
MAX_UNPACKED = 200 * 1024 * 1024  # all parts unpacked: a report with photographs stays far below
MAX_PARTS = 5000
MAX_GRID = 500  # rows or columns of one table: the official tables have at most 30
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def refusal(path: Path) -> str | None:
    """The message for a kind of Word/WPS/web-archive file that is not read, with how to convert it."""
    what = REFUSED.get(path.suffix.lower())
    if what is None:
        return None
    return (f"{path.name} 是{what}，不能直接导入。请用 WPS 或 Word 打开它，选“文件 → 另存为”，"
            "保存类型选“Word 文档（*.docx）”或“网页（*.html）”，再导入另存的文件。")


def _check_package(path: Path, name: str) -> None:
    """Refuse what is not a Word package, or would unpack to far more than a report (a zip bomb)."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ReadError(f"{name} 超过 Word 文件的上限 {MAX_BYTES // (1024 * 1024)} MB，不像是一份年报。请确认文件。")
        with zipfile.ZipFile(path) as package:
            infos = package.infolist()
            names = {info.filename for info in infos}
    except zipfile.BadZipFile:
        raise ReadError(f"{name} 不是有效的 Word 文件（.docx），可能已损坏或不完整。请在 WPS/Word 中打开后“另存为”.docx 再导入。") from None
    except OSError as exc:
        raise ReadError(f"无法读取 {name}：{exc.strerror or exc}。") from None
    if len(infos) > MAX_PARTS or sum(info.file_size for info in infos) > MAX_UNPACKED:
        raise ReadError(f"{name} 解压后过大（超过 {MAX_UNPACKED // (1024 * 1024)} MB 或 {MAX_PARTS} 个部件），"
                        "不像是一份年报，未读取。请确认文件。")
    if "word/document.xml" not in names:
        raise ReadError(f"{name} 不是 Word 文档（其中没有 word/document.xml；可能是改了扩展名的其他文件）。")


def read_docx(path: Path) -> Document:
    name = path.name
    _check_package(path, name)
    import docx

    try:
        word = docx.Document(str(path))
    except Exception as exc:  # damaged XML inside a valid zip, a macro template, ...
        raise ReadError(f"{name} 无法作为 Word 文档打开（{type(exc).__name__}）。请在 WPS/Word 中打开后“另存为”.docx 再导入。") from None
    doc = Document(name, reader="docx")
    for element in word.element.body.iterchildren():
        if element.tag == f"{_W}p":
            _paragraph(doc, element, word)
        elif element.tag == f"{_W}tbl":
            _table(doc, element, word)
    doc.titles = title_candidates(doc.blocks, [word.core_properties.title] if word.core_properties.title else [])
    if not doc.tables and not any(b.text for b in doc.blocks):
        raise ReadError(f"{name} 中没有任何文字或表格，不是一份报告。")
    return doc


def _paragraph(doc: Document, element, word) -> None:
    from docx.text.paragraph import Paragraph

    paragraph = Paragraph(element, word)
    text = clean(paragraph.text)
    if not text:
        return
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    heading = style.lower().startswith(("heading", "title")) or style.startswith(("标题", "题目"))
    doc.blocks.append(Block(HEADING if heading else PARAGRAPH, text))


def _cell_text(tc, word) -> str:
    from docx.text.paragraph import Paragraph

    return clean(" ".join(Paragraph(p, word).text for p in tc.iter(f"{_W}p")))


def _table(doc: Document, element, word) -> None:
    rows: list[list[Printed | None]] = []
    for tr in element.iterchildren(f"{_W}tr"):
        if len(rows) >= MAX_GRID:
            break
        line: list[Printed | None] = [None] * _grid_before(tr)
        for tc in tr.iterchildren(f"{_W}tc"):
            span = min(_int(tc, "gridSpan", 1), MAX_GRID)
            merge = tc.find(f"{_W}tcPr/{_W}vMerge")
            column = len(line)
            above = rows[-1][column] if rows and column < len(rows[-1]) else None
            if merge is not None and merge.get(f"{_W}val", "continue") == "continue" and above is not None:
                printed = above  # the merged cell continues from the row above
            else:
                printed = Printed(_cell_text(tc, word))
            line += [printed] * span
            if len(line) > MAX_GRID:
                break
        rows.append(line[:MAX_GRID])
    doc.tables.append(make_table(len(doc.tables) + 1, rows))
    doc.blocks.append(Block(TABLE, table=len(doc.tables)))


def _grid_before(tr) -> int:
    props = tr.find(f"{_W}trPr")
    return min(_int(props, "gridBefore", 0), MAX_GRID) if props is not None else 0


def _int(parent, tag: str, default: int) -> int:
    found = parent.find(f"{_W}tcPr/{_W}{tag}") if tag == "gridSpan" else parent.find(f"{_W}{tag}")
    try:
        return max(0, int(found.get(f"{_W}val"))) or default if found is not None else default
    except (TypeError, ValueError):
        return default
