"""A run's record in outputs/: its manifest and its SHA256SUMS, written and read
in one place (the planner, the installer and the index pages all read them)."""

from __future__ import annotations

import json
from pathlib import Path

from .. import paths


def to_json(value) -> bytes:
    """How the kit writes its JSON records: sorted, indented, UTF-8, one final newline."""
    return (json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def read_manifest(root: Path, mode: str, year: int, dept: str) -> dict | None:
    path = paths.record_dir(root, mode, year, dept) / paths.MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def sums_text(sums: dict[str, str]) -> bytes:
    """SHA256SUMS as ``sha256sum -c`` reads it (the format :func:`read_sums` parses)."""
    return "".join(f"{sha}  {rel}\n" for rel, sha in sorted(sums.items())).encode("utf-8")


def read_sums(root: Path, mode: str, year: int, dept: str) -> dict[str, str]:
    """The run's SHA256SUMS: outputs-relative path → sha256 (empty when absent)."""
    path = paths.record_dir(root, mode, year, dept) / paths.SUMS
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return {}
    sums = {}
    for line in lines:
        digest, _, rel = line.partition("  ")
        if rel:
            sums[rel] = digest
    return sums
