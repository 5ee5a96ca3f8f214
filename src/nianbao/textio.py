"""Reading and writing the text files people edit: encodings, CSV, label spelling.

Tolerant of what people and Excel do (BOM, GB18030, full-width forms, stray
spaces, blank lines), so the loader can be strict about meaning.
"""

from __future__ import annotations

import csv
import errno
import functools
import io
import os
import re
import tempfile
import unicodedata
from pathlib import Path

from .errors import NianbaoError

UTF8_BOM = "\ufeff"


class InputFileError(NianbaoError):
    """A file that cannot be read at all; the message is for people."""


def decode(data: bytes, rel: str) -> str:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK, what Excel
    on Chinese Windows saves)."""
    return decode_noting(data, rel)[0]


# Words of the kit's headers as Big5 (traditional) text would spell them.
_BIG5_HINTS = ("項目", "指標", "數值", "資訊", "規則", "說明", "總計", "結果")


def decode_noting(data: bytes, rel: str) -> tuple[str, str | None]:
    """(text, note): note is None for UTF-8, else what was assumed about the
    encoding, in words for a message when the content then makes no sense."""
    try:
        return data.decode("utf-8").removeprefix(UTF8_BOM), None
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise InputFileError(
            f"{rel} 的编码无法识别（不是 UTF-8，也不是 GBK）：请在 Excel 中另存为“CSV UTF-8（逗号分隔）”或用记事本另存为 UTF-8。"
        ) from None
    note = "不是 UTF-8 编码，已按 GBK 读取"
    try:
        if any(word in data.decode("big5") for word in _BIG5_HINTS):
            note = "看起来是繁体中文 Big5 编码（不是 UTF-8 或 GBK）"
    except UnicodeDecodeError:
        pass
    return text.removeprefix(UTF8_BOM), note


_OS_REASONS: dict[int | None, str] = {  # keyed by OSError.errno, which may be None
    errno.EACCES: "没有读取权限，请检查文件的权限或是否被其他程序锁定",
    errno.EPERM: "没有读取权限，请检查文件的权限",
    errno.ENOTDIR: "路径中有一段不是文件夹",
    errno.ELOOP: "符号链接循环",
    errno.ENAMETOOLONG: "路径过长",
    errno.EIO: "磁盘读写错误",
}


def os_reason(exc: OSError) -> str:
    """Why the system refused, in Chinese (strerror is English)."""
    return _OS_REASONS.get(exc.errno, f"系统错误（错误码 {exc.errno}）")


def _size_text(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KB"


def read_text_noting(path: Path, rel: str, limit: int | None = None) -> tuple[str, str | None]:
    """The text of a file people edit and what was assumed about its encoding;
    a file over ``limit`` bytes is refused before it is read."""
    try:
        if limit is not None and path.stat().st_size > limit:
            raise InputFileError(
                f"{rel} 过大（{_size_text(path.stat().st_size)}，上限 {_size_text(limit)}），未读取：请检查是否误粘贴了大量内容"
                "或重复的行，删除多余内容后重试。"
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputFileError(f"缺少文件 {rel}。") from None
    except IsADirectoryError:
        raise InputFileError(f"{rel} 是文件夹，不是文件：请删除或改名该文件夹。") from None
    except OSError as exc:
        raise InputFileError(f"无法读取 {rel}：{os_reason(exc)}。") from None
    return decode_noting(data, rel)


def linked_file_message(rel: str) -> str:
    return (
        f"{rel} 是符号链接（快捷方式）或位于项目之外，不会被读取，也不会被发布："
        "请把文件本身复制到这里，替换这个链接。"
    )


def read_text(path: Path, rel: str, limit: int | None = None) -> str:
    return read_text_noting(path, rel, limit)[0]


# csv's English errors, in words for people (matched by their start).
_CSV_ERRORS = (
    ("field larger than field limit", "某个单元格过长（超过{limit}个字符），多半是引号（\"）没有配对，请检查该行附近的引号"),
    ("new-line character seen in unquoted field", "单元格中有未加引号的换行符，请在 Excel 中重新另存为 CSV 文件"),
    ("unexpected end of data", "文件在引号内结束，多半是引号（\"）没有配对"),
)


def _csv_error(exc: csv.Error, line: int, rel: str) -> InputFileError:
    text = str(exc)
    reason = next((chinese for english, chinese in _CSV_ERRORS if text.startswith(english)),
                  "引号或分隔符有误，无法按 CSV 读取")
    return InputFileError(f"{rel} 第{line}行：{reason.format(limit=csv.field_size_limit())}。本文件未读取，请改正后重试。")


def parse_csv(text: str, rel: str, max_rows: int | None = None) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header (names stripped of spaces and invisible characters) and data rows
    with their 1-based line numbers.

    Blank lines and trailing empty header cells (Excel leaves them behind) are
    dropped.  More than ``max_rows`` data rows are refused, not read.
    """
    reader = csv.reader(io.StringIO(text, newline=None))  # \r, \r\n and \n all end a line
    numbered: list[tuple[int, list[str]]] = []  # the rows with a visible cell, by record number
    try:
        for number, row in enumerate(reader, start=1):
            if "".join(row).strip():  # some cell is not blank (one join in C, not a test per cell)
                numbered.append((number, row))
                if max_rows is not None and len(numbered) > max_rows + 1:  # + 1: the header
                    raise InputFileError(
                        f"{rel} 超过 {max_rows} 行，未读取：年报的表格只有几十行，请检查是否有大量重复或误粘贴的行，删除后重试。"
                    )
    except csv.Error as exc:
        raise _csv_error(exc, reader.line_num, rel) from None
    if not numbered:
        raise InputFileError(f"{rel} 是空文件：至少需要表头行。")
    _, header = numbered[0]
    header = [strip_invisible(cell).strip() for cell in header]
    while header and not header[-1]:
        header.pop()
    width = len(header)
    # Rows are padded to the header's width; cells beyond it are kept so the
    # loader can name them (an extra column is a finding, not a crash).
    rows = [(line, row if len(row) >= width else row + [""] * (width - len(row))) for line, row in numbered[1:]]
    return header, rows


_SEPARATORS = (("\t", "制表符（Tab）"), (";", "分号（;）"), ("；", "全角分号（；）"), ("|", "竖线（|）"))


def other_separator(header: list[str]) -> str | None:
    """The name of the separator a one-column header shows the file really uses."""
    if len(header) > 1:
        return None
    joined = "".join(header)
    return next((name for mark, name in _SEPARATORS if mark in joined), None)


def separator_message(rel: str, name: str) -> str:
    return f"{rel}：文件用{name}分隔各列，而不是逗号，无法按列读取。请在 Excel 中用“另存为 → CSV UTF-8（逗号分隔）”保存。"


def read_csv_rows(path: Path, rel: str):
    return parse_csv(read_text(path, rel), rel)


# Characters that show as nothing (BOM, zero-width, NUL and other controls).
_INVISIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2060-\u2064\ufeff]")


def strip_invisible(text: str) -> str:
    return _INVISIBLE.sub("", text)


def visible(text: str) -> str:
    """Text for a message: invisible characters written out (``\\ufeff``), so that
    「项目」 and 「\\ufeff项目」 never look the same."""
    return _INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def shorten(text: str, limit: int = 30) -> str:
    """A cell's text for a message: visible, and cut when it is long."""
    shown = visible(text)
    return shown if len(shown) <= limit else f"{shown[:limit]}…（共{len(text)}个字符）"


_SPACE = re.compile(r"\s+")
_ENUM = re.compile(r"(^|/)(\d+)[、.]")  # also after "/" in a path-form row label
_QUOTES = str.maketrans({"“": '"', "”": '"', "「": '"', "」": '"', "‘": "'", "’": "'"})


@functools.lru_cache(maxsize=8192)  # the same few hundred labels recur in every file
def normalise_label(text: str) -> str:
    """The comparison key of a label: NFKC (full/half width), no white space, one
    kind of quote, ``1、``/``1．``/``1.`` alike."""
    key = unicodedata.normalize("NFKC", strip_invisible(text)).translate(_QUOTES)
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


def stage(path: Path, data: bytes) -> Path:
    """Write ``data`` to a temporary file beside ``path`` (readable like any file
    the kit writes) and return it, for the caller to rename over ``path``.  The
    one core of atomic writing: :func:`write_atomic` for one file, and
    :func:`nianbao.build.install.install` for a set renamed together."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, PUBLIC_FILE_MODE)  # mkstemp makes 0600; reports are for the web
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def write_atomic(path: Path, data: bytes | str, *, bom: bool = False) -> None:
    """Write via a temporary file in the same folder and rename: a crash leaves
    either the old file or the new one, never half of one."""
    if isinstance(data, str):
        data = ((UTF8_BOM if bom else "") + data).encode("utf-8")
    tmp = stage(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
