"""The published reports as data: one list read by the publish index page and by
``outputs/publish/index.json``, the feed a government web team's CMS imports
instead of clicking through.

The feed's shape is fixed by ``static/index.schema.json`` (JSON Schema, draft
2020-12).  It holds nothing that changes between two builds of the same inputs
(no build time), so a rebuild writes the same bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from . import formats as F
from . import paths
from .build.hashing import CACHE_FILE, HashCache
from .build.records import read_manifest, to_json
from .config import ConfigError, report_settings
from .project import Project

FEED = "index.json"
SCHEMA = "static/index.schema.json"
# The published files a report may have, by their key in the feed (report.html always).
FILES = {"html": "report.html", "fragment": "report.fragment.html", "pdf": "report.pdf"}


@dataclass(frozen=True)
class Published:
    """One report in outputs/publish/: who, when, and its files (paths relative to outputs/publish/)."""

    year: int
    department: str
    name: str
    region: str
    title: str
    publication_date: str | None
    files: dict[str, str]  # key of FILES → relative path

    @property
    def folder(self) -> str:
        return f"{self.year}/{self.department}"


def _publication_date(project: Project, year: int, dept: str) -> str | None:
    """The date the report was built with (its run's manifest), else the one its settings give now."""
    manifest = read_manifest(project.root, "publish", year, dept) or {}
    recorded = (manifest.get("parameters") or {}).get("publication_date")
    if isinstance(recorded, str) and recorded:
        return recorded
    try:
        government = project.departments[dept].members is not None
        return report_settings(project.root, dept, year, government=government).publication_date.isoformat()
    except ConfigError:
        return None  # the settings are broken (the build said so): the feed still lists the report


def published_reports(project: Project) -> list[Published]:
    """Every report in outputs/publish/ (it has a report.html), sorted by year, then department id."""
    base = paths.outputs(project.root) / "publish"
    found = []
    for year, dept in sorted(project.submitted()):
        folder = paths.site_dir(project.root, "publish", year, dept)
        if not (folder / FILES["html"]).is_file():
            continue
        department = project.departments[dept]
        files = {key: (folder / name).relative_to(base).as_posix() for key, name in FILES.items() if (folder / name).is_file()}
        found.append(Published(
            year, dept, department.name, department.region, F.TITLE_PATTERN.format(name=department.name, year=year),
            _publication_date(project, year, dept), files,
        ))
    return found


def feed(project: Project, reports: list[Published]) -> bytes:
    """outputs/publish/index.json: the reports with each file's SHA-256 (as ``sha256sum`` prints it)."""
    base = paths.outputs(project.root) / "publish"
    cache = HashCache(project.root / CACHE_FILE)  # a rebuild rereads only the files that changed
    entries = [
        {
            "year": report.year,
            "department": {"id": report.department, "name": report.name},
            "region": report.region,
            "title": report.title,
            "publication_date": report.publication_date,
            "files": {key: {"path": rel, "sha256": cache.sha(base / rel)} for key, rel in report.files.items()},
        }
        for report in reports
    ]
    cache.save()
    return to_json({"reports": entries})


def schema() -> dict:
    """The feed's JSON Schema, shipped with the package."""
    return json.loads(resources.files("nianbao").joinpath(SCHEMA).read_text(encoding="utf-8"))


def write_feed(project: Project, reports: list[Published], target: Path) -> None:
    from .textio import write_atomic

    write_atomic(target, feed(project, reports))
