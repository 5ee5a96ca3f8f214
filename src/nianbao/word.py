"""The report as a Word file (``report.docx``) for 审签, the office's review and
sign-off, in the style of official documents (GB/T 9704-2012), made with
python-docx from the same exported page as the HTML and the PDF.

- A4; margins from the standard's type area (天头 37 mm, 订口 28 mm, text block
  156 × 225 mm); 22 lines a page at a fixed line pitch; body 仿宋 三号; title
  方正小标宋简体 二号; headings 黑体 (一、) and 楷体 (（一）) 三号; page numbers
  「— N —」 in 宋体 四号, odd pages right, even pages left.
- Font names are the ones Word and WPS on an office PC know, set for East Asian
  text too (``w:eastAsia``), or WPS substitutes its own.
- The official tables are drawn from the shared grid (:func:`nianbao.grids.grid`,
  the merges of the HTML), their numbers read from the page's cells by
  (row, column); 五号 text, header rows repeated on every page, rows never split.
- Charts are pictures with their alt text; the draft mark and the findings panel
  appear only when the page has them (drafts).
- Same inputs → the same bytes: fixed document properties (dates = the
  publication date) and zip entries with fixed dates in a fixed order.

:class:`ReportWordExporter` is the nbconvert exporter ``nianbao_docx``.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import zipfile

from traitlets import default

from . import formats as F
from . import grids as G
from .errors import NianbaoError
from .export import ReportHTMLExporter

BODY_FONT = "仿宋"  # FangSong: on every Windows PC (仿宋_GB2312 is not)
TITLE_FONT = "方正小标宋简体"
HEADING_FONTS = {2: "黑体", 3: "楷体"}
NUMBER_FONT = "宋体"
ASCII_FONT = "Times New Roman"
BODY_SIZE, TITLE_SIZE, TABLE_SIZE, PAGE_NUMBER_SIZE = 16, 22, 10.5, 14  # 三号, 二号, 五号, 四号 in points
LINE_PITCH = 28.95  # points: 225 mm / 22 lines
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
DRAFT_HEADER = "草稿 · 未经审核，不得发布"


class WordError(NianbaoError):
    """A Word file that cannot be produced; the message (Chinese) says why."""


# ---------------------------------------------------------------------------
# Fonts and styles
# ---------------------------------------------------------------------------


def set_font(target, name: str, size: float | None = None, ascii_name: str = ASCII_FONT) -> None:
    """A run's or style's font, East Asian face included (python-docx sets only the Latin one)."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    target.font.name = ascii_name
    fonts = target.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)
    fonts.set(qn("w:hint"), "eastAsia")
    if size is not None:
        target.font.size = Pt(size)


def _page_setup(document) -> None:
    from docx.shared import Mm

    for section in document.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
        section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
        section.header_distance, section.footer_distance = Mm(15), Mm(25)


def _styles(document) -> None:
    from docx.enum.text import WD_LINE_SPACING
    from docx.shared import Pt

    normal = document.styles["Normal"]
    set_font(normal, BODY_FONT, BODY_SIZE)
    paragraph = normal.paragraph_format
    paragraph.line_spacing_rule, paragraph.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(LINE_PITCH)
    paragraph.space_before = paragraph.space_after = Pt(0)
    for level, face in HEADING_FONTS.items():
        style = document.styles[f"Heading {level - 1}"]
        set_font(style, face, BODY_SIZE)
        style.font.bold, style.font.italic = False, False
        style.font.color.rgb = None
        style.paragraph_format.first_line_indent = Pt(BODY_SIZE * 2)
        style.paragraph_format.space_before = style.paragraph_format.space_after = Pt(0)
        style.paragraph_format.keep_with_next = True


def _page_numbers(document) -> None:
    """「— N —」: odd pages at the right, even pages at the left, one character in."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    document.settings.odd_and_even_pages_header_footer = True
    section = document.sections[0]
    for footer, align in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT), (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        paragraph = footer.paragraphs[0]
        paragraph.alignment = align
        paragraph.paragraph_format.first_line_indent = Pt(0)
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            paragraph.paragraph_format.right_indent = Pt(PAGE_NUMBER_SIZE)
        else:
            paragraph.paragraph_format.left_indent = Pt(PAGE_NUMBER_SIZE)
        set_font(paragraph.add_run("— "), NUMBER_FONT, PAGE_NUMBER_SIZE, NUMBER_FONT)
        _field(paragraph, "PAGE")
        set_font(paragraph.add_run(" —"), NUMBER_FONT, PAGE_NUMBER_SIZE, NUMBER_FONT)


def _field(paragraph, instruction: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    for kind, text in (("begin", None), (None, instruction), ("separate", None), (None, "1"), ("end", None)):
        run = paragraph.add_run()
        set_font(run, NUMBER_FONT, PAGE_NUMBER_SIZE, NUMBER_FONT)
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
            run._r.append(element)
        elif text == instruction:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = f" {instruction} "
            run._r.append(element)
        else:
            run.text = text


def _draft_header(document) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import RGBColor

    section = document.sections[0]
    for header in (section.header, section.even_page_header):
        paragraph = header.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(DRAFT_HEADER)
        set_font(run, HEADING_FONTS[2], 12)
        run.font.color.rgb = RGBColor(0xC0, 0, 0)


# ---------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------


def _row_properties(row, header: bool) -> None:
    """Never split a row across pages; repeat the header rows on every page."""
    from docx.oxml import OxmlElement

    properties = row._tr.get_or_add_trPr()
    properties.append(OxmlElement("w:cantSplit"))
    if header:
        properties.append(OxmlElement("w:tblHeader"))


def _cell_text(cell, text: str, *, centred: bool, shade: str | None = None) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    paragraph = cell.paragraphs[0]
    paragraph.paragraph_format.first_line_indent = Pt(0)
    paragraph.paragraph_format.line_spacing = 1.0
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if centred else WD_ALIGN_PARAGRAPH.LEFT
    set_font(paragraph.add_run(text), BODY_FONT, TABLE_SIZE)
    if shade:
        fill = OxmlElement("w:shd")
        fill.set(qn("w:val"), "clear")
        fill.set(qn("w:fill"), shade)
        cell._tc.get_or_add_tcPr().append(fill)


def official_table(document, grid: G.TableGrid, values: dict[tuple[str, str], str], flagged: set, caption: str) -> None:
    """An official table from its grid: the same merged cells as the HTML; values by (row, column)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.table import _Cell

    table = document.add_table(rows=grid.height, cols=grid.width)
    table.style = "Table Grid"
    title = OxmlElement("w:tblCaption")  # the table's alt text (Word: 可选文字), as the page's <caption>
    title.set(qn("w:val"), caption)
    table._tbl.tblPr.append(title)
    for index, row in enumerate(table.rows):
        _row_properties(row, header=index < grid.header_rows)
    # The cells before any merge, once (table.cell() walks the whole table at every call).
    at = [[_Cell(tc, table) for tc in tr.tc_lst] for tr in table._tbl.tr_lst]
    for cell in grid.cells:
        target = at[cell.row][cell.col]
        if cell.rows > 1 or cell.cols > 1:
            target = target.merge(at[cell.row + cell.rows - 1][cell.col + cell.cols - 1])
        if cell.kind == G.VALUE:
            assert cell.key is not None, "a value cell names its cell"
            key = (cell.key[1], cell.key[2])
            _cell_text(target, values.get(key, ""), centred=True, shade="FFD6D6" if key in flagged else None)
        else:
            _cell_text(target, cell.text or "", centred=cell.kind != G.ROW, shade="F3F3F3")


def plain_table(document, element) -> None:
    """Any other table of the page (the draft's findings), row by row as printed."""
    rows = [[" ".join(c.text_content().split()) for c in tr.xpath("./th|./td")] for tr in element.iter("tr")]
    width = max((len(r) for r in rows), default=0)
    if not width:
        return
    table = document.add_table(rows=len(rows), cols=width)
    table.style = "Table Grid"
    for index, (row, cells) in enumerate(zip(table.rows, rows, strict=True)):
        _row_properties(row, header=index == 0)
        for cell, value in zip(row.cells, cells, strict=False):
            _cell_text(cell, value, centred=False)


# ---------------------------------------------------------------------------
# The page → the document
# ---------------------------------------------------------------------------


def _text(element) -> str:
    return "".join(element.text_content().split("\n")).strip()


def _paragraph(document, text: str, *, font: str = BODY_FONT, size: float = BODY_SIZE, indent: bool = True,
               align=None, colour=None):
    from docx.shared import Pt, RGBColor

    paragraph = document.add_paragraph()
    paragraph.paragraph_format.first_line_indent = Pt(size * 2) if indent else Pt(0)
    if align is not None:
        paragraph.alignment = align
    run = paragraph.add_run(text)
    set_font(run, font, size)
    if colour:
        run.font.color.rgb = RGBColor.from_string(colour)
    return paragraph


def _figure(document, figure) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    image = figure.find(".//img")
    if image is None or not (image.get("src") or "").startswith("data:image/png;base64,"):
        return
    data = base64.b64decode(image.get("src").split(",", 1)[1])
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.first_line_indent = Pt(0)
    paragraph.paragraph_format.line_spacing = 1.0
    shape = paragraph.add_run().add_picture(io.BytesIO(data), width=Mm(150))
    alt = image.get("alt") or ""
    shape._inline.docPr.set("descr", alt)  # the picture's alt text (Word: 可选文字)
    caption = figure.find(".//figcaption")
    if caption is not None:
        shape._inline.docPr.set("title", _text(caption))
        _paragraph(document, _text(caption), size=TABLE_SIZE, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)


def _values(element) -> tuple[dict[tuple[str, str], str], set]:
    values, flagged = {}, set()
    for cell in element.iter("td"):
        key = (cell.get("data-row") or "", cell.get("data-col") or "")
        values[key] = _text(cell)
        if "flag" in (cell.get("class") or "").split():
            flagged.add(key)
    return values, flagged


def _block(document, element, fmt: F.Format) -> None:
    """One element of the page's body, and what it holds."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    tag, classes = element.tag, (element.get("class") or "").split()
    if tag in ("style", "script"):
        return
    if tag == "h1":
        _paragraph(document, _text(element), font=TITLE_FONT, size=TITLE_SIZE, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
        _paragraph(document, "", indent=False)  # the blank line under the title
    elif tag in ("h2", "h3", "h4"):
        level = min(int(tag[1]) - 1, 2)
        heading = document.add_heading(level=level)
        set_font(heading.add_run(_text(element)), HEADING_FONTS[level + 1], BODY_SIZE)
    elif tag == "p" and "banner" in classes:
        _paragraph(document, _text(element), font=HEADING_FONTS[2], indent=False, align=WD_ALIGN_PARAGRAPH.CENTER,
                   colour="C00000")
    elif tag == "p" or tag == "li":
        _paragraph(document, _text(element), indent=tag == "p" and not classes,
                   size=TABLE_SIZE if "provenance" in classes else BODY_SIZE)
    elif tag == "table" and "official" in classes:
        caption = element.find("caption")
        official_table(document, G.grid(fmt, classes[1]), *_values(element), _text(caption) if caption is not None else "")
    elif tag == "table":
        plain_table(document, element)
    elif tag == "figure":
        _figure(document, element)
    elif tag == "footer" and "signature" in classes:
        for line in element.iter("p"):
            _paragraph(document, _text(line), indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    elif tag == "footer" and "provenance" in classes:
        for line in element.iter("p"):
            _paragraph(document, _text(line), size=TABLE_SIZE - 1.5, indent=False)
    else:
        for child in element:
            if isinstance(child.tag, str):
                _block(document, child, fmt)


def html_to_docx(html: str, *, title: str, author: str, year: int, publication_date: dt.date) -> bytes:
    """The report's Word file from its exported page.  Same arguments → the same bytes."""
    import docx
    import lxml.html

    try:
        page = lxml.html.document_fromstring(html)
        main = page.find(".//main")
        body = main if main is not None else page.body
        document = docx.Document()
        _page_setup(document)
        _styles(document)
        _page_numbers(document)
        if body.xpath(".//*[contains(concat(' ', @class, ' '), ' banner ')]"):
            _draft_header(document)
        fmt = F.format_for_year(year)
        for child in body:
            if isinstance(child.tag, str):
                _block(document, child, fmt)
        _properties(document, title, author, publication_date)
        out = io.BytesIO()
        document.save(out)
    except (ValueError, KeyError, OSError) as exc:  # pragma: no cover - the page is the kit's own
        raise WordError(f"Word 文件生成失败：{type(exc).__name__}: {exc}") from exc
    return fixed_zip(out.getvalue(), publication_date)


def _properties(document, title: str, author: str, day: dt.date) -> None:
    from .pdf import CHINA

    # Midnight of the publication date in China, as the PDF's dates (core properties are written in UTC).
    stamp = dt.datetime(day.year, day.month, day.day, tzinfo=CHINA).astimezone(dt.UTC).replace(tzinfo=None)
    core = document.core_properties
    core.title, core.author, core.last_modified_by = title, author, author
    core.subject, core.language, core.keywords = "政府信息公开工作年度报告", "zh-CN", ""
    core.comments, core.category, core.revision = "", "", 1
    core.created = core.modified = stamp
    core.last_printed = stamp


def fixed_zip(data: bytes, day: dt.date) -> bytes:
    """The same entries, in the same order, each dated with the publication date (not now)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=(day.year, day.month, day.day, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(entry.filename))
    return out.getvalue()


# ---------------------------------------------------------------------------
# The nbconvert exporter
# ---------------------------------------------------------------------------


class ReportWordExporter(ReportHTMLExporter):
    """The report's Word file from an executed report notebook (``--to nianbao_docx``)."""

    export_from_notebook = "nianbao report (Word)"
    output_mimetype = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

    @default("file_extension")
    def _file_extension_default(self):
        return ".docx"

    @default("template_name")
    def _template_name_default(self):
        # The published page's template (its base), declared for the Word MIME type.
        return "nianbao_docx"

    def from_notebook_node(self, nb, resources=None, **kw):
        html, resources = super().from_notebook_node(nb, resources, **kw)
        meta = resources.get("nianbao", {})
        missing = [key for key in ("title", "author", "publication_date", "year") if not meta.get(key)]
        if missing:
            raise WordError(
                "笔记本的输出中缺少报告元数据（" + "、".join(missing) + "）：请用当前版本的 nianbao 重新运行笔记本后再导出 Word 文件。"
            )
        data = html_to_docx(html, title=meta["title"], author=meta["author"], year=int(meta["year"]),
                            publication_date=dt.date.fromisoformat(meta["publication_date"]))
        resources["output_extension"] = self.file_extension
        return data, resources
