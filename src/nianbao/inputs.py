"""Which files a report reads: the inputs its provenance hash and the batch's
skip decision are computed from.

Two sets, because a report's page is a function of its own files and of its
findings (the rule engine's verdict), and the findings read more than the page:

- :meth:`InputIndex.report` - what the page shows: its department-year's folder,
  the tables (figures) of the department's earlier years (the trend chart, last
  year's comparison), the department list and the settings files; a
  government's report also governments.csv and its bodies' folders up to its
  year (its member table and sums; earlier years: their tables).  Its provenance
  hash covers these.
- :meth:`InputIndex.findings` - what its findings read besides: every file of
  the department's earlier years (last year's narrative for S5, last year's
  figures for the cross-year rules) and the narratives of the other departments
  of its region that year (S5).  A change there reruns a report only when its
  findings change (build/plan.py keys it on their digest).

Listing is done with ``os.scandir`` and cached per folder, because a no-change
build asks this of every department-year of a province.
"""

from __future__ import annotations

import os

from . import formats as F
from .config import PROJECT_FILE, REPORT_FILE
from .project import DEPARTMENTS_FILE, GOVERNMENTS_FILE, Project


class InputIndex:
    def __init__(self, project: Project):
        self.project = project
        self.root = str(project.root)
        self._real_root = os.path.realpath(self.root)
        self.years = project.years()
        self._folders: dict[str, list[str]] = {}
        # Each folder listed, with its (size, mtime_ns) just before (None: absent): a
        # file added or removed since changes it (build/nochange.py).
        self.folder_stats: dict[str, tuple[int, int] | None] = {}
        self._peers: dict[tuple[str, int], list[str]] = {}
        fixed = [DEPARTMENTS_FILE.as_posix(), PROJECT_FILE.as_posix()]
        self._fixed = [rel for rel in fixed if os.path.isfile(os.path.join(self.root, rel))]

    def folder(self, rel: str) -> list[str]:
        """The plain files of a project folder (project-relative, sorted); [] if
        absent or reached through a link (links are never read: see is_inside)."""
        if rel not in self._folders:
            path = os.path.join(self.root, rel)
            try:
                st = os.stat(path)
                self.folder_stats[path] = (st.st_size, st.st_mtime_ns)
            except OSError:
                self.folder_stats[path] = None
            try:
                if os.path.realpath(path) != os.path.join(self._real_root, rel):
                    raise NotADirectoryError(path)
                with os.scandir(path) as entries:
                    names = sorted(entry.name for entry in entries if entry.is_file(follow_symlinks=False))
            except (FileNotFoundError, NotADirectoryError):
                names = []
            self._folders[rel] = [f"{rel}/{name}" for name in names]
        return self._folders[rel]

    def peers(self, region: str, year: int) -> list[str]:
        """The narratives of a region's departments in a year."""
        key = (region, year)
        if key not in self._peers:
            narrative = F.TABLE_FILES[F.NARRATIVE]
            self._peers[key] = [
                rel
                for dept in self.project.region_members(region)
                for rel in self.folder(f"data/{year}/{dept}")
                if rel.endswith("/" + narrative)
            ]
        return self._peers[key]

    def government(self, department: str, year: int, *, shown: bool = True) -> list[str]:
        """A government's report also reads governments.csv and its bodies' data up
        to its year.  ``shown``: what its page shows - the bodies' folders of its
        year in full (a body is counted as submitted when its folder exists) and
        their earlier years' tables (its trend sums them); else the rest, which
        only its findings read (the bodies' own findings: last year's texts)."""
        from .governments import bodies_of

        files = [GOVERNMENTS_FILE.as_posix()] if shown else []
        for body in bodies_of(self.project, department):
            for y in self.years:
                if y == year and shown:
                    files += self.folder(f"data/{y}/{body}")
                elif y < year:
                    files += [rel for rel in self.folder(f"data/{y}/{body}") if rel.endswith(_FIGURES) == shown]
        return files

    def report(self, department: str, year: int) -> list[str]:
        """Every file whose content the page shows (besides its findings),
        project-relative, in a stable order.  The same in draft and publish mode:
        what only the draft shows (the checks panel) comes from the findings."""
        files = list(self._fixed)
        own = self.folder(f"data/{year}/{department}")
        local_settings = f"data/{year}/{department}/{REPORT_FILE}"
        if local_settings in own:
            files.append(local_settings)
        for y in self.years:
            if y < year:
                files += [rel for rel in self.folder(f"data/{y}/{department}") if rel.endswith(_FIGURES)]
        files += [rel for rel in own if rel != local_settings]
        if self.project.departments[department].members is not None:
            files += self.government(department, year)
        return files

    def earlier_texts(self, department: str, year: int) -> list[str]:
        """The files of the department's earlier years that are not tables (and a
        government's bodies'): the findings read them (last year's narrative for
        S5), the page does not."""
        files = [rel for y in self.years if y < year
                 for rel in self.folder(f"data/{y}/{department}") if not rel.endswith(_FIGURES)]
        if self.project.departments[department].members is not None:
            files += self.government(department, year, shown=False)
        return files

    def findings(self, department: str, year: int) -> list[str]:
        """The files the report's findings read beyond :meth:`report`'s (see the module's note)."""
        mine = f"data/{year}/{department}/"
        region = self.project.departments[department].region
        return [*self.earlier_texts(department, year),
                *(rel for rel in self.peers(region, year) if not rel.startswith(mine))]


# The files of a department-year that hold figures (what earlier years show on a page).
_FIGURES = tuple("/" + name for table, name in F.TABLE_FILES.items() if table != F.NARRATIVE)
