"""Support logs: an unexpected failure's traceback goes to a file for a support
request, never to the console.  In the project (``outputs/.cache/logs/``), else in
the system temp folder (``nianbao-logs/``) when there is no project or it is not
writable."""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import traceback
from datetime import datetime
from pathlib import Path

from .errors import EXIT_USAGE
from .version import __version__

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


_OS_ERRORS = {
    "EACCES": "没有权限", "EPERM": "没有权限", "ENOSPC": "磁盘空间不足", "EDQUOT": "磁盘配额已满", "EROFS": "文件系统是只读的",
    "ENOENT": "文件或文件夹不存在", "EISDIR": "这是一个文件夹，不是文件", "ENOTDIR": "路径中有一项不是文件夹",
    "EMFILE": "打开的文件过多", "ENAMETOOLONG": "文件名过长",
}


def report_exception(exc: Exception, project=None, argv=()) -> int:
    """Say in one Chinese line what went wrong; an unexpected failure also leaves its
    traceback in a log file for a support request (never on the console)."""
    import errno

    if isinstance(exc, OSError) and exc.errno is not None and errno.errorcode.get(exc.errno, "") in _OS_ERRORS:
        where = f"{exc.filename}：" if exc.filename else ""
        print(f"错误：{where}{_OS_ERRORS[errno.errorcode[exc.errno]]}。请检查该位置的权限和磁盘空间后重试。", file=sys.stderr)
        return EXIT_USAGE
    if isinstance(exc, MemoryError):
        print("错误：内存不足，命令未能完成。请关闭其他程序，或用 --year/--dept 分批处理后重试。", file=sys.stderr)
        return EXIT_USAGE
    print(f"错误：工具内部出错，命令未能完成。{support_note(exc, project, argv)}。", file=sys.stderr)  # the class name: in the log
    return EXIT_USAGE


def _project_root(project):
    """The project the command was run for (``--project``), if there is one (for the support log)."""
    from .project import ProjectError, find_root

    try:
        return find_root(explicit=project)
    except (ProjectError, OSError):
        return None


def support_note(exc: Exception, project=None, argv=()) -> str:
    """Write the support log; the words that say where it is."""
    log = write_log(exc, _project_root(project), "nianbao " + " ".join(map(str, argv)))
    return f"详细信息已写入 {log}，求助时请附上该文件" if log else "详细信息无法写入日志文件"
