"""Excel in, Excel out: the fill-in workbook departments use, and importing it.

``nianbao template --xlsx`` writes one workbook per department-year; ``nianbao
import`` reads filled workbooks back into ``data/<year>/<id>/`` CSVs (the kit's
canonical format).  Both sides share one layout, computed from
:mod:`nianbao.formats` (every official label, every merged-cell span), so that the
importer knows exactly which cell holds which figure and can refuse a workbook
whose label cells were moved or renamed.

Identification: a hidden, protected sheet ``_nianbao`` (key/value rows: kit id,
workbook layout version, format version, year, department id) — copied by Excel,
WPS and LibreOffice like any sheet — with the same keys as workbook custom
properties as a fall-back.  The file name plays no part.

Protection: every sheet is protected **without a password** (labels locked, number
cells unlocked; the workbook structure is locked so sheets cannot be renamed);
it prevents slips, not determined edits — the importer checks the labels anyway.

Modules, each importing only those above it: ``sheets`` (the layout and the
identification), ``write`` (the workbook), ``read`` (one filled workbook as values
and problems), ``diff`` (compared with the files in data/), ``importing`` (the
command).
"""

from .importing import ImportUsageError, import_workbooks
from .read import read_workbook
from .sheets import META_SHEET, SHEET_APPLICATIONS, SHEET_TEXT, sheet_specs, value_cells
from .write import build_workbook, write_workbooks

__all__ = [
    "META_SHEET",
    "SHEET_APPLICATIONS",
    "SHEET_TEXT",
    "ImportUsageError",
    "build_workbook",
    "import_workbooks",
    "sheet_specs",
    "read_workbook",
    "value_cells",
    "write_workbooks",
]
