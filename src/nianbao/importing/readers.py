"""One reader per kind of published report, chosen by the file's suffix.

Every reader returns the same :class:`~nianbao.importing.model.Document`;
adding a kind of file means adding a reader here, nothing else.
"""

from __future__ import annotations

from pathlib import Path

from . import docx, html, pdf
from .model import Document, ReadError

READERS = {
    **{suffix: html.read_html for suffix in html.SUFFIXES},
    **{suffix: pdf.read_pdf for suffix in pdf.SUFFIXES},
    **{suffix: docx.read_docx for suffix in docx.SUFFIXES},
}
# Kinds a report is published in that are refused, each with how to convert it.
REPORT_SUFFIXES = (*READERS, *docx.REFUSED)


def read_document(path: Path) -> Document:
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise ReadError(docx.refusal(path) or (
            f"{path.name} 是「{path.suffix}」文件，不能导入：请导入报告的网页（.html）、PDF 或 Word 文件（.docx）。"))
    return reader(path)
