"""What an imported workbook would write, compared cell by cell with the files
already in ``data/<year>/<id>/``."""

from __future__ import annotations

from pathlib import Path

from .. import formats as F
from ..contract import label_lookups, parse_number
from ..datafiles import submission_files
from ..textio import InputFileError, normalise_label, parse_csv
from .read import Imported


def files_for(imported: Imported) -> dict[str, str]:
    """The data-contract files the workbook gives (narrative.md only if the 文字 sheet was filled)."""
    assert imported.format is not None, "only a workbook that was not refused gives files"
    files = submission_files(imported.format, imported.values, imported.narrative)
    if imported.narrative is None:
        del files[F.TABLE_FILES[F.NARRATIVE]]
    return files


def _canonical(raw: str, domain: str):
    value, problem = parse_number(raw, domain)
    return raw.strip() if problem else value


def _csv_cells(fmt: F.Format, name: str, text: str, rel: str | None = None) -> dict[tuple[str, str], object]:
    """(row label, column) → canonical value, for comparing two versions of a file.

    With ``rel`` (an existing file in data/), a file that cannot be read as the
    contract raises InputFileError: it cannot be compared, so nothing is written."""
    try:
        header, rows = parse_csv(text, rel or name)
    except InputFileError:
        if rel:
            raise
        return {}
    if rel:
        _check_header(fmt, name, header, rel)
    lookups = label_lookups(fmt)
    cells = {}
    for _, row in rows:
        row = row + [""] * (3 - len(row))  # a short row compares as blanks, never an IndexError
        label = row[0].strip()
        if name == F.TABLE_FILES[F.DISCLOSURE]:
            row_label = lookups["disclosure_rows"].get(normalise_label(label), label)
            col = lookups["disclosure_cols"].get(row_label, {}).get(normalise_label(row[1].strip()), row[1].strip())
            domain = fmt.cells().get((F.DISCLOSURE, row_label, col), F.COUNT)
            cells[(row_label, col)] = _canonical(row[2], domain)
        elif name == F.TABLE_FILES[F.FEES]:
            fee = lookups["fee_rows"].get(normalise_label(label))
            cells[(fee.label if fee else label, F.FEE_VALUE)] = _canonical(row[1], fee.domain if fee else F.COUNT)
        else:
            table_rows = lookups["rows"] if name == F.TABLE_FILES[F.APPLICATIONS] else lookups["review_rows"]
            row_label = table_rows.get(normalise_label(label), label)
            for i, column in enumerate(header[1:], start=1):
                cells[(row_label, column)] = _canonical(row[i] if i < len(row) else "", F.COUNT)
    return cells


def _check_header(fmt: F.Format, name: str, header: list[str], rel: str) -> None:
    """An existing file whose header is not the contract's (another separator, no
    header row, columns renamed) cannot be compared cell by cell."""
    expected = parse_csv(submission_files(fmt, {})[name], name)[0]
    if [normalise_label(h) for h in header] != [normalise_label(h) for h in expected]:
        shown = "，".join(header)[:80]
        raise InputFileError(f"{rel} 的表头是「{shown}」，应为「{'，'.join(expected)}」（用英文逗号分隔）")


def _shown(value) -> str:
    if value is None:
        return "（无）"
    if value == "":
        return "（空）"
    return str(value)


def diff_files(fmt: F.Format, folder: Path, files: dict[str, str], project_rel=str, source: str = "工作簿"
               ) -> tuple[dict[str, list[str]], list[str], dict[str, str]]:
    """({file: [changed cell lines]}, [files identical to what exists],
    {existing file that cannot be read as the contract: why}); ``source`` names
    where the new values come from (工作簿, 网页)."""
    from ..textio import read_text

    changed: dict[str, list[str]] = {}
    same: list[str] = []
    unreadable: dict[str, str] = {}
    for name, text in files.items():
        path = folder / name
        if not path.exists():
            changed[name] = []
            continue
        rel = project_rel(path)
        try:
            old = read_text(path, rel)
            if name == F.TABLE_FILES[F.NARRATIVE]:
                if old.strip() == text.strip():
                    same.append(name)
                else:
                    changed[name] = ["报告文字与已有的 narrative.md 不同"]
                continue
            before = _csv_cells(fmt, name, old, rel)
        except InputFileError as exc:
            unreadable[name] = str(exc).rstrip("。")
            continue
        after = _csv_cells(fmt, name, text)
        lines = []
        for key in [*after, *(k for k in before if k not in after)]:
            if before.get(key) != after.get(key):
                row, column = key
                where = row if name == F.TABLE_FILES[F.FEES] else f"{row} × {column}"
                lines.append(f"{where}：已有 {_shown(before.get(key))} → {source} {_shown(after.get(key))}")
        if lines:
            changed[name] = lines
        else:
            same.append(name)
    return changed, same, unreadable
