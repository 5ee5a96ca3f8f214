"""Scratch folders for runs, in the system temp folder, that no killed run leaves behind for good.

Each folder is ``nianbao-<label>-<pid>-…`` and holds an flock on its own lock file
for as long as its process lives (the kernel drops the lock when the process dies,
even by SIGKILL).  A killed run cannot remove its folder; the next scratch folder
made by any run of the kit sweeps every folder whose lock is free.  A folder is
made under a hidden name and renamed once locked, so a sweep never sees it unlocked.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from pathlib import Path
from typing import TextIO

PREFIX = "nianbao-"
LOCK = ".owner.lock"
_HELD: dict[Path, TextIO] = {}  # folder → its open, locked lock file


def make(label: str, base: Path | None = None) -> Path:
    """A new scratch folder, locked by this process; stale ones are swept first."""
    base = Path(base or tempfile.gettempdir())
    sweep(base)
    hidden = Path(tempfile.mkdtemp(prefix=f".{PREFIX}new-", dir=base))
    handle = open(hidden / LOCK, "w", encoding="ascii")  # noqa: SIM115 - held until remove()
    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    handle.write(str(os.getpid()))
    handle.flush()
    final = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{label}-{os.getpid()}-", dir=base))
    os.replace(hidden, final)  # onto the empty folder mkdtemp reserved: the name is ours
    _HELD[final] = handle
    return final


def remove(folder: Path) -> None:
    handle = _HELD.pop(Path(folder), None)
    shutil.rmtree(folder, ignore_errors=True)
    if handle is not None:
        handle.close()


def sweep(base: Path | None = None) -> list[Path]:
    """Remove the scratch folders whose owner has died; the folders removed."""
    base = Path(base or tempfile.gettempdir())
    removed: list[Path] = []
    try:
        candidates = list(base.glob(PREFIX + "*"))
    except OSError:
        return removed
    for folder in candidates:
        lock = folder / LOCK
        if folder in _HELD or not lock.is_file():
            continue  # ours, or not made by this module: not ours to judge
        try:
            with open(lock, encoding="ascii") as handle:  # never "a": that would create it again
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    continue  # its owner is alive
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
        except OSError:  # another user's folder, or gone meanwhile
            continue
    return removed
