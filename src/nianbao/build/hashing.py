"""Content hashes with a stat cache, and the fingerprint of the kit itself.

A no-change build of a province hashes thousands of inputs: a file's sha256 is
remembered by (size, mtime_ns) in ``outputs/.cache/file-hashes.json`` so that it
reads almost nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from .. import paths
from ..textio import write_atomic
from ..version import __version__

CACHE_FILE = Path(paths.OUTPUTS) / ".cache" / "file-hashes.json"
KIT_FINGERPRINT_ENV = "NIANBAO_KIT_FINGERPRINT"


class JsonCache:
    """A dict kept in one JSON file under outputs/.cache/: a lost or unreadable file is
    an empty cache (it only costs the work it saved); ``save`` writes it if changed."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self.entries: dict = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.entries = {}
        if not isinstance(self.entries, dict):
            self.entries = {}
        self.dirty = False

    def save(self) -> None:
        if self.dirty:
            try:
                write_atomic(self.path, json.dumps(self.entries, ensure_ascii=False, sort_keys=True))
            except OSError:  # a cache: not remembering only costs the next build the work again
                return
            self.dirty = False


class HashCache(JsonCache):
    """sha256 of files, remembered by (size, mtime_ns)."""

    def __init__(self, path: Path):
        super().__init__(path)
        # Every path asked about, with its (size, mtime_ns) when asked (None: absent):
        # what a no-change build compares against (nochange.py).
        self.seen: dict[str, tuple[int, int] | None] = {}

    def sha(self, file) -> str | None:
        key = str(file)
        try:
            stat = os.stat(key)
        except OSError:
            self.seen[key] = None
            return None
        self.seen[key] = (stat.st_size, stat.st_mtime_ns)
        entry = self.entries.get(key)
        if entry and entry[0] == stat.st_size and entry[1] == stat.st_mtime_ns:
            return entry[2]
        with open(key, "rb") as handle:
            digest = hashlib.sha256(handle.read()).hexdigest()
        self.entries[key] = [stat.st_size, stat.st_mtime_ns, digest]
        self.dirty = True
        return digest

    def remember(self, file: Path, digest: str) -> None:
        """Record a hash we already know (a run's outputs, from its SHA256SUMS)."""
        try:
            stat = file.stat()
        except OSError:
            return
        self.entries[str(file)] = [stat.st_size, stat.st_mtime_ns, digest]
        self.dirty = True

class ValidNotebooks(JsonCache):
    """The sha256 of each notebook last found a valid Jupyter notebook, by path
    (``outputs/.cache/valid-notebooks.json``): validating imports nbformat's
    validator, which costs more than a whole no-change build."""

    def __init__(self, root: Path):
        super().__init__(Path(root) / paths.OUTPUTS / ".cache" / "valid-notebooks.json")

    def holds(self, notebook: Path, data: bytes) -> bool:
        return self.entries.get(str(notebook)) == hashlib.sha256(data).hexdigest()

    def add(self, notebook: Path, data: bytes) -> None:
        self.entries[str(notebook)] = hashlib.sha256(data).hexdigest()
        self.dirty = True
        self.save()


def kit_fingerprint(cache: HashCache) -> str:
    """Everything of the kit that shapes a report: its code, templates, styles and fonts.

    ``$NIANBAO_KIT_FINGERPRINT`` replaces it, for one purpose only: comparing the
    outputs of two versions of the kit byte for byte (tools/compare_outputs.py),
    which differ in nothing else that reaches a report.
    """
    fixed = os.environ.get(KIT_FINGERPRINT_ENV)
    if fixed:
        return fixed
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(__version__.encode())
    for file in sorted(package.rglob("*")):
        if file.suffix in (".py", ".j2", ".json", ".css") and "__pycache__" not in file.parts:
            digest.update(file.relative_to(package).as_posix().encode() + (cache.sha(file) or "").encode())
    from ..fonts import font_files

    for font in sorted(font_files().values()):
        digest.update(f"{font.name}:{font.stat().st_size}".encode())
    return digest.hexdigest()
