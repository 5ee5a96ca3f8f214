"""One build at a time per project: an flock on ``outputs/.build.lock``.

The kernel drops the lock when its holder dies, so a killed build never blocks
the next one; the file says who holds it (process, start time) for the message.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import TextIO

from .. import paths
from ..errors import EXIT_USAGE, NianbaoError


class BuildLocked(NianbaoError):
    """Another build of this project is running; the message names it."""

    exit_code = EXIT_USAGE


class BuildLock:
    def __init__(self, root: Path):
        self.path = paths.outputs(root) / ".build.lock"
        self.handle: TextIO | None = None

    def __enter__(self):
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the build's lifetime
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "未知"
            handle.close()
            raise BuildLocked(holder) from None
        handle.seek(0)
        handle.truncate()
        started = datetime.now().astimezone().isoformat(timespec="seconds")
        handle.write(f"进程 {os.getpid()}，开始于 {started}")
        handle.flush()
        self.handle = handle
        return self

    def __exit__(self, *exc):
        import fcntl

        assert self.handle is not None, "released a lock never taken"
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()
