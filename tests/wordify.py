"""Test helpers: published-report files made from the sample's pages, as an
office would receive them - a Word file of a report page, a PDF printed from a
page with its table borders removed, a scan (an image-only PDF), an encrypted
PDF, a PDF stripped of its attachments.

The Word file is written with python-docx the way Word stores what it is
given: headings in heading styles, paragraphs, and each table with its merged
cells merged (``gridSpan`` across, ``vMerge`` down).  (LibreOffice Writer would
do the same from the HTML, but only LibreOffice Calc is installed here.)"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

NO_BORDERS = ("<style>table, th, td, tr { border: none !important; outline: none !important; "
              "box-shadow: none !important; background: none !important; }</style>")


def html_to_docx(html: str, target: Path) -> Path:
    import docx
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    document = docx.Document()
    for element in (soup.body or soup).find_all(["h1", "h2", "h3", "h4", "p", "table"]):
        if element.find_parent("table") is not None:
            continue
        text = " ".join(element.get_text(" ").split())
        if element.name == "table":
            _table(document, element)
        elif element.name.startswith("h") and text:
            document.add_heading(text, level=int(element.name[1]))
        elif text and element.find_parent(["h1", "h2", "h3", "h4"]) is None:
            document.add_paragraph(text)
    document.save(target)
    return target


def _table(document, element) -> None:
    rows = element.find_all("tr")
    spans: list[tuple[int, int, int, int, str]] = []  # row, column, rowspan, colspan, text
    taken: set[tuple[int, int]] = set()
    width = 0
    for r, tr in enumerate(rows):
        c = 0
        for td in tr.find_all(["td", "th"], recursive=False):
            while (r, c) in taken:
                c += 1
            rowspan, colspan = int(td.get("rowspan", 1)), int(td.get("colspan", 1))
            spans.append((r, c, rowspan, colspan, " ".join(td.get_text(" ").split())))
            taken |= {(r + i, c + j) for i in range(rowspan) for j in range(colspan)}
            c += colspan
            width = max(width, c)
    table = document.add_table(rows=len(rows), cols=width)
    for r, c, rowspan, colspan, text in spans:
        cell = table.cell(r, c)
        if rowspan > 1 or colspan > 1:
            cell = cell.merge(table.cell(r + rowspan - 1, c + colspan - 1))
        cell.text = text


def pdf_of_html(html: str, *, style: str = "") -> bytes:
    """A page printed to PDF by the kit's own printer (WeasyPrint), extra CSS injected."""
    from nianbao.pdf import html_to_pdf

    html = html.replace("</head>", style + "</head>", 1) if "</head>" in html else style + html
    return html_to_pdf(html, title="报告", author="测试", publication_date=dt.date(2024, 1, 20))


def without_attachments(source: Path, target: Path) -> Path:
    import pikepdf

    with pikepdf.open(source) as pdf:
        for name in list(pdf.attachments):
            del pdf.attachments[name]
        pdf.save(target)
    return target


def scanned(source: Path, target: Path) -> Path:
    """An image-only PDF of the first page of ``source``: what a scanner gives."""
    import pdfplumber
    import pypdfium2  # noqa: F401  (pdfplumber's renderer)

    with pdfplumber.open(source) as pdf:
        image = pdf.pages[0].to_image(resolution=60).original.convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="PDF")
    target.write_bytes(buffer.getvalue())
    return target


def encrypted(source: Path, target: Path) -> Path:
    import pikepdf

    with pikepdf.open(source) as pdf:
        pdf.save(target, encryption=pikepdf.Encryption(owner="owner-secret", user="user-secret"))
    return target
