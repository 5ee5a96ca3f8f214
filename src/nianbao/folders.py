"""What a department-year folder (``data/<year>/<id>/``) may hold.

The contract files are read, hashed and attached to the PDF; ``import.json``
(written by ``nianbao import`` from a published report) is known but is
provenance, not data, and is never attached; anything else is reported once
(rule F1) and never read.  Nothing is read through a symbolic link.
"""

from __future__ import annotations

import os
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


class FolderListing:
    """A department-year folder listed once: whether a file exists and may be
    read without a system call per file and question (the folder's real path
    is resolved once instead of every file's, component by component).  Anything
    unusual - a symbolic link, a folder that cannot be listed - is asked of the
    file system as before."""

    def __init__(self, root: Path, folder: Path):
        self.root = root
        self.folder = folder
        self._links: dict[str, bool] | None
        try:
            with os.scandir(folder) as entries:
                self._links = {entry.name: entry.is_symlink() for entry in entries}
        except OSError:
            self._links = None
        self._folder_inside: bool | None = None

    @property
    def names(self) -> list[str] | None:
        return None if self._links is None else list(self._links)

    def _plain(self, name: str) -> bool | None:
        """True: an entry that is no link; False: no such entry; None: ask the file system."""
        if self._links is None or self._links.get(name):
            return None
        return name in self._links

    def exists(self, name: str) -> bool:
        plain = self._plain(name)
        return (self.folder / name).exists() if plain is None else plain

    def inside(self, path) -> bool:
        """``is_inside(root, path)``, asked of the file system only for what the listing cannot tell."""
        if path.parent != self.folder or self._plain(path.name) is None:
            return is_inside(self.root, path)
        if self._folder_inside is None:
            # realpath(folder/name) == realpath(folder)/name when name is no link
            self._folder_inside = is_inside(self.root, self.folder)
        return self._folder_inside
