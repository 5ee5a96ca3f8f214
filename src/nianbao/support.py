"""Support logs: an unexpected failure's traceback goes to a file for a support
request, never to the console.  In the project (``outputs/.cache/logs/``), else in
the system temp folder (``nianbao-logs/``) when there is no project or it is not
writable."""

from __future__ import annotations

import os
import platform
import tempfile
import traceback
from datetime import datetime
from pathlib import Path

from . import __version__

LOG_DIR = Path("outputs") / ".cache" / "logs"


def log_folders(root: Path | None) -> list[Path]:
    fallback = Path(tempfile.gettempdir()) / "nianbao-logs"
    return [Path(root) / LOG_DIR, fallback] if root else [fallback]


def write_log(exc: BaseException, root: Path | None = None, context: str = "") -> Path | None:
    """The traceback (and what was being done) in a new log file; its path, or None
    when no folder can take it."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    text = (
        f"nianbao {__version__}, Python {platform.python_version()}, {platform.platform()}\n"
        f"{context}\n\n" + "".join(traceback.format_exception(exc))
    )
    for folder in log_folders(root):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for n in range(1000):  # several failures in one second each get their own file
                path = folder / f"nianbao-{stamp}-{os.getpid()}{f'-{n}' if n else ''}.log"
                try:
                    with open(path, "x", encoding="utf-8") as handle:
                        handle.write(text)
                    return path
                except FileExistsError:
                    continue
        except OSError:  # an unwritable project: try the next place
            continue
    return None
