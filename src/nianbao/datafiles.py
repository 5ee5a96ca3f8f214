"""Writing department-year files: blank templates and (for the sample generator)
filled ones.  The files are what people open in Excel or WPS, so they are
UTF-8 with a BOM, every label printed, every cell a number (never blank).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from . import formats as F
from .contract import APPLICATION_ROW_HEADER, DISCLOSURE_HEADER, FEES_HEADER, REVIEW_ROW_HEADER
from .textio import csv_text, write_atomic


def format_number(value, domain: str = F.COUNT) -> str:
    if isinstance(value, str):  # raw text kept as typed (e.g. a blank from a workbook): the checker reports it
        return value
    if domain == F.AMOUNT:
        return amount_text(value)
    return str(value)


def amount_text(value) -> str:
    """An amount as entered: at least DISPLAY_PLACES places (12.3 → 12.3000), and
    every further place that was entered (24252.311082), never rounded."""
    amount = Decimal(value)
    entered = max(0, -int(amount.normalize().as_tuple().exponent)) if amount else 0
    return f"{amount:.{max(F.DISPLAY_PLACES, entered)}f}"


def applications_csv(fmt: F.Format, values) -> str:
    rows = [
        [label, *(format_number(values.get((F.APPLICATIONS, label, col), 0)) for col in F.APPLICATION_COLUMNS)]
        for label in fmt.application_labels
    ]
    return csv_text((APPLICATION_ROW_HEADER, *F.APPLICATION_COLUMNS), rows, numeric=F.APPLICATION_COLUMNS)


def review_csv(values) -> str:
    rows = [
        [row, *(format_number(values.get((F.REVIEW, row, col), 0)) for col in F.REVIEW_COLUMNS)]
        for row in F.REVIEW_ROWS
    ]
    return csv_text((REVIEW_ROW_HEADER, *F.REVIEW_COLUMNS), rows, numeric=F.REVIEW_COLUMNS)


def disclosure_csv(fmt: F.Format, values) -> str:
    rows = [
        [row, col.label, format_number(values.get((F.DISCLOSURE, row, col.label), 0), col.domain)]
        for row, col in fmt.disclosure_cells()
    ]
    # Cells of the other format's items, as a published report printed them (nianbao.importing): the check reports them.
    cells = fmt.cells()
    rows += [[row, column, format_number(value)] for (table, row, column), value in values.items()
             if table == F.DISCLOSURE and (table, row, column) not in cells]
    return csv_text(DISCLOSURE_HEADER, rows, numeric=DISCLOSURE_HEADER[-1:])


def fees_csv(values) -> str:
    rows = [[fee.label, format_number(values.get((F.FEES, fee.label, F.FEE_VALUE), 0), fee.domain)] for fee in F.FEE_ROWS]
    return csv_text(FEES_HEADER, rows, numeric=FEES_HEADER[-1:])


def narrative_skeleton(prompts: bool = True) -> str:
    """The headings a department writes under; with the prompts (a blank template:
    left in place they are an N2 error) or without (N1 warns that each is empty)."""
    parts = []
    for heading, hint in F.NARRATIVE_PROMPTS.items():
        parts.append(f"## {heading}\n\n{hint}\n" if prompts else f"## {heading}\n")
    return "\n".join(parts)


def submission_files(fmt: F.Format, values=None, narrative: str | None = None) -> dict[str, str]:
    """File name → text for one department-year in the data contract."""
    values = values or {}
    files = {
        F.TABLE_FILES[F.DISCLOSURE]: disclosure_csv(fmt, values),
        F.TABLE_FILES[F.APPLICATIONS]: applications_csv(fmt, values),
        F.TABLE_FILES[F.REVIEW]: review_csv(values),
        F.TABLE_FILES[F.FEES]: fees_csv(values),
        F.TABLE_FILES[F.NARRATIVE]: narrative if narrative is not None else narrative_skeleton(),
    }
    return files


def carried_over(previous_values) -> dict:
    """This year's 二、上年结转 row, per column, from last year's 四、结转下年度继续办理 (rule X1)."""
    return {
        (F.APPLICATIONS, F.CARRIED_IN, col): previous_values.get((F.APPLICATIONS, F.CARRIED_OUT, col), 0)
        for col in F.APPLICATION_COLUMNS
    }


def write_files(folder: Path, files: dict[str, str], *, force: bool) -> tuple[list[str], list[str]]:
    """Write the files; returns (written, kept) names.  Existing files are kept unless force."""
    written, kept = [], []
    for name, text in files.items():
        path = folder / name
        if path.exists() and not force:
            kept.append(name)
            continue
        # Markdown is for editors, not Excel: no BOM there.
        write_atomic(path, text, bom=name.endswith(".csv"))
        written.append(name)
    return written, kept
