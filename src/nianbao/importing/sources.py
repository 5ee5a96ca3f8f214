"""Which files an import names: report pages (read here) and workbooks (read by
:mod:`nianbao.xlsx`), from files and folders; URLs are refused with advice."""

from __future__ import annotations

import re
from pathlib import Path

from .readers import REPORT_SUFFIXES

PAGE_SUFFIXES = REPORT_SUFFIXES
WORKBOOK_SUFFIXES = (".xlsx", ".xls", ".et")
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)


class SourceError(Exception):
    """Nothing importable named, or a URL: exit code 2, message in Chinese."""


def url_message(text: str) -> str:
    return (
        f"「{text}」是网址：本工具不从网上下载。请在浏览器中打开该报告页面，用“另存为”保存为网页"
        "（“网页，全部”或“网页，仅 HTML”均可，文件名如 报告.html），再导入保存的文件：nianbao import 报告.html"
    )


def _saved_assets(path: Path, top: Path) -> bool:
    """Inside a ``*_files`` folder a browser saves beside a page (images, scripts, frames)."""
    return any(part.endswith("_files") or part.endswith(".files") for part in path.relative_to(top).parts[:-1])


def split_sources(paths) -> tuple[list[Path], list[str]]:
    """(published reports, workbook arguments for nianbao.xlsx.collect)."""
    pages: list[Path] = []
    workbooks: list[str] = []
    for text in paths:
        if _URL.match(str(text)):
            raise SourceError(url_message(str(text)))
        path = Path(text)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and not _saved_assets(p, path))
            pages += [p for p in found if p.suffix.lower() in PAGE_SUFFIXES]
            if any(p.suffix.lower() in WORKBOOK_SUFFIXES for p in found) or not any(p.suffix.lower() in PAGE_SUFFIXES for p in found):
                workbooks.append(str(text))
        elif path.is_file() and path.suffix.lower() in PAGE_SUFFIXES:
            pages.append(path)
        else:
            workbooks.append(str(text))  # a workbook, or a missing/unknown file: xlsx says what is wrong
    return pages, workbooks
