"""Reading and writing the text files people edit: encodings, CSV, label spelling.

Tolerant of what people and Excel do (BOM, GB18030, full-width forms, stray
spaces, blank lines), so the loader can be strict about meaning.
"""

from __future__ import annotations

import csv
import functools
import io
import os
import re
import tempfile
import unicodedata
from pathlib import Path

UTF8_BOM = "\ufeff"


class InputFileError(Exception):
    """A file that cannot be read at all; the message is for people."""


def decode(data: bytes, rel: str) -> str:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK, what Excel
    on Chinese Windows saves)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise InputFileError(f"{rel} 的编码无法识别：请另存为 UTF-8 或 GBK 编码的文本文件。") from None
    return text.removeprefix(UTF8_BOM)


def read_text(path: Path, rel: str) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputFileError(f"缺少文件 {rel}。") from None
    except OSError as exc:
        raise InputFileError(f"无法读取 {rel}：{exc.strerror}。") from None
    return decode(data, rel)


def linked_file_message(rel: str) -> str:
    return (
        f"{rel} 是符号链接（快捷方式）或位于项目之外，不会被读取，也不会被发布："
        "请把文件本身复制到这里，替换这个链接。"
    )


def parse_csv(text: str, rel: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header (names stripped) and data rows with their 1-based line numbers.

    Blank lines and trailing empty header cells (Excel leaves them behind) are dropped.
    """
    try:
        records = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise InputFileError(f"{rel} 不是有效的 CSV 文件：{exc}。") from None
    numbered = [(i, row) for i, row in enumerate(records, start=1) if any(cell.strip() for cell in row)]
    if not numbered:
        raise InputFileError(f"{rel} 是空文件：至少需要表头行。")
    _, header = numbered[0]
    header = [cell.strip() for cell in header]
    while header and not header[-1]:
        header.pop()
    width = len(header)
    # Rows are padded to the header's width; cells beyond it are kept so the
    # loader can name them (an extra column is a finding, not a crash).
    rows = [(line, row + [""] * (width - len(row))) for line, row in numbered[1:]]
    return header, rows


def read_csv_rows(path: Path, rel: str):
    return parse_csv(read_text(path, rel), rel)


_SPACE = re.compile(r"\s+")
_ENUM = re.compile(r"(^|/)(\d+)[、.]")  # also after "/" in a path-form row label
_QUOTES = str.maketrans({"“": '"', "”": '"', "「": '"', "」": '"', "‘": "'", "’": "'"})


@functools.lru_cache(maxsize=8192)  # the same few hundred labels recur in every file
def normalise_label(text: str) -> str:
    """The comparison key of a label: NFKC (full/half width), no white space, one
    kind of quote, ``1、``/``1．``/``1.`` alike."""
    key = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    key = _SPACE.sub("", key)
    return _ENUM.sub(r"\1\2.", key)


# A spreadsheet reads a cell beginning with one of these as a formula (CSV
# injection); OWASP's advice is to prefix such a cell with a single quote.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def neutralise_cell(value, *, numeric: bool = False) -> str:
    """A cell's text as it may be written into a CSV file the office opens in
    Excel or WPS: never a live formula.  A number in a numeric column stays a
    number (negative 本年增/减 included)."""
    cell = "" if value is None else str(value)
    if cell.startswith(FORMULA_START) and not (numeric and _NUMBER.fullmatch(cell)):
        return "'" + cell
    return cell


def csv_text(header, rows, *, numeric=()) -> str:
    """Every CSV file the kit writes is made here: cells neutralised
    (:func:`neutralise_cell`); ``numeric`` names the columns that hold numbers."""
    numeric_at = [name in numeric for name in header]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([neutralise_cell(name) for name in header])
    for row in rows:
        writer.writerow(
            [neutralise_cell(cell, numeric=index < len(numeric_at) and numeric_at[index]) for index, cell in enumerate(row)]
        )
    return buffer.getvalue()


_UMASK = os.umask(0)
os.umask(_UMASK)
PUBLIC_FILE_MODE = 0o666 & ~_UMASK  # what open() would give; mkstemp's 0600 is too tight for a website


def write_atomic(path: Path, data: bytes | str, *, bom: bool = False) -> None:
    """Write via a temporary file in the same folder and rename: a crash leaves
    either the old file or the new one, never half of one."""
    if isinstance(data, str):
        data = ((UTF8_BOM if bom else "") + data).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, PUBLIC_FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
