"""One reader per kind of published report, chosen by the file's suffix.

Every reader returns the same :class:`~nianbao.importing.model.Document`;
adding PDF or Word support means adding a reader here, nothing else.
"""

from __future__ import annotations

from pathlib import Path

from . import html, pdf
from .model import Document, ReadError

READERS = {suffix: html.read_html for suffix in html.SUFFIXES} | {suffix: pdf.read_pdf for suffix in pdf.SUFFIXES}
# Kinds a report is published in that have no reader yet: refused with advice.
_LATER = {
    ".docx": "Word 文件",
    ".doc": "Word 文件",
    ".wps": "WPS 文件",
    ".mht": "MHT 网页存档",
    ".mhtml": "MHT 网页存档",
}
REPORT_SUFFIXES = (*READERS, *_LATER)


def read_document(path: Path) -> Document:
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        what = _LATER.get(path.suffix.lower(), f"「{path.suffix}」文件")
        raise ReadError(
            f"{path.name} 是{what}，暂不能导入：请在政府网站上打开这份报告的网页，用浏览器“另存为”保存为网页"
            "（.html）后导入。"
        )
    return reader(path)
