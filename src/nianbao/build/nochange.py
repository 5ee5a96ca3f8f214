"""The no-change build's short cut: when every file and folder the last
planning consulted still has the size and modification time it had then, and
the build is asked the same thing, its plan is the same - replayed without
hashing, reading records or computing keys.

The last planning that ran nothing leaves ``outputs/.cache/nochange-<mode>.json``:
the build's question (selection, mode, date, output kinds, notebook, kit, today's
date: year folders and dates are judged against it), the stat of every path it
consulted - taken when it was consulted (the hash cache's and the folder
listings'), so that an edit made while a build runs is seen by the next one - and
its plan (each department-year's action and message), the missing ones and the
sites' state.  The same trust as the hash cache (size and mtime_ns); any
difference, and the build plans in full.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

from .. import paths
from ..textio import write_atomic
from .hashing import KIT_FINGERPRINT_ENV

Stat = tuple[int, int] | None  # (size, mtime_ns); None: absent


def stat(path: str) -> Stat:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)


def snapshot_file(root: Path, mode: str) -> Path:
    return paths.outputs(root) / ".cache" / f"nochange-{mode}.json"


def question(mode: str, years, departments, kinds, publication_date, notebook, include_imported: bool) -> dict:
    """What the build is asked, and what besides files its plan depends on."""
    from ..version import __version__

    return {
        "mode": mode, "years": sorted(years or ()), "departments": sorted(departments or ()), "kinds": list(kinds),
        "date": str(publication_date or ""), "notebook": str(notebook or ""), "include_imported": include_imported,
        "kit": [__version__, os.environ.get(KIT_FINGERPRINT_ENV, "")], "today": date.today().isoformat(),
    }


def project_folders(root: Path) -> list[str]:
    """The folders whose entries decide which department-years and settings exist
    (a new year, department, settings file or own notebook changes their mtime)."""
    data = os.path.join(root, "data")
    found = [data, os.path.join(root, "params"), os.path.join(root, "notebooks"),
             os.path.join(root, "notebooks", "departments")]
    try:
        found += [os.path.join(data, name) for name in sorted(os.listdir(data))]
    except OSError:
        pass
    return found


def recall(root: Path, mode: str, asked: dict):
    """The recorded plan, if nothing it read has changed: ([(year, department, action, message)],
    missing, site state) or None."""
    try:
        record = json.loads(snapshot_file(root, mode).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("question") != asked:
        return None
    stats = record.get("stats")
    if not isinstance(stats, dict):
        return None
    for path, recorded in stats.items():
        now = stat(path)
        if (list(now) if now else None) != recorded:
            return None
    try:
        planned = [(int(year), str(dept), str(action), str(message)) for year, dept, action, message in record["planned"]]
        missing = [(year, dept) for year, dept in record["missing"]]
        return planned, missing, str(record["site"])
    except (KeyError, TypeError, ValueError):
        return None


def remember(root: Path, mode: str, asked: dict, stats: dict[str, Stat], planned, missing, site: str) -> None:
    """Record a plan that ran nothing (a cache: failing to write it costs only time)."""
    record = {
        "question": asked,
        "stats": {path: (list(value) if value else None) for path, value in sorted(stats.items())},
        "planned": [[p.year, p.department, p.action, p.message] for p in planned],
        "missing": [list(m) for m in missing],
        "site": site,
    }
    try:
        write_atomic(snapshot_file(root, mode), json.dumps(record, ensure_ascii=False))
    except OSError:
        pass


def forget(root: Path, mode: str) -> None:
    snapshot_file(root, mode).unlink(missing_ok=True)
