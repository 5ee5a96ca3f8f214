"""What a department-year folder (``data/<year>/<id>/``) may hold.

The contract files are read, hashed and attached to the PDF; ``import.json``
(written by ``nianbao import`` from a published report) is known but is
provenance, not data, and is never attached; anything else is reported once
(rule F1) and never read.  Nothing is read through a symbolic link.
"""

from __future__ import annotations

from pathlib import Path

from . import formats as F
from .config import REPORT_FILE
from .project import is_inside
from .waiver_reader import WAIVERS_FILE

CONTRACT_FILES = (*F.TABLE_FILES.values(), WAIVERS_FILE, REPORT_FILE)
IMPORT_FILE = "import.json"
KNOWN_FILES = (*CONTRACT_FILES, IMPORT_FILE)


def is_imported(root: Path, dept_id: str, year: int) -> bool:
    """Whether the department-year was imported from its published report
    (history: checked and used, never republished unless asked)."""
    return (Path(root) / "data" / str(year) / dept_id / IMPORT_FILE).is_file()


def contract_files(root: Path, dept_id: str, year: int) -> list[Path]:
    """The department-year's contract files that exist as plain files inside the
    project (what the PDF attaches, in name order)."""
    folder = Path(root) / "data" / str(year) / dept_id
    return [folder / name for name in sorted(CONTRACT_FILES) if (folder / name).is_file() and is_inside(root, folder / name)]
