"""``nianbao import``: every workbook named or found read, refused or written on its own."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .. import formats as F
from ..datafiles import narrative_skeleton, write_files
from ..errors import EXIT_USAGE, NianbaoError
from ..project import Project
from ..signing import project_key
from .diff import diff_files, files_for
from .read import REFUSE, read_workbook


class ImportUsageError(NianbaoError):
    """No workbook to import: exit code 2."""

    exit_code = EXIT_USAGE


def collect(paths) -> list[Path]:
    """The .xlsx files named, or found in the folders named (Excel's ~$ lock files skipped)."""
    found: list[Path] = []
    for text in paths:
        path = Path(text)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in (".xlsx", ".xls", ".et")
                            and not p.name.startswith(("~$", ".~lock")))
        elif path.is_file():
            found.append(path)
        else:
            raise ImportUsageError(f"找不到文件或文件夹 {text}。")
    if not found:
        raise ImportUsageError("没有找到要导入的工作簿（.xlsx）。")
    return found


@dataclass
class ImportRun:
    imported: list[tuple[int, str]] = field(default_factory=list)  # (year, dept) written or unchanged
    refused: int = 0


def import_workbooks(project: Project, paths, years=None, depts=None, force=False, echo=print,
                     trust_unsigned: bool = False) -> ImportRun:
    """``nianbao import``: read each workbook, refuse or write its department-year.
    Each workbook stands alone: whatever happens to one, the others are imported."""
    seen: dict[tuple[int, str], Path] = {}
    signing_key = project_key(project.root, create=False)
    return import_each(
        project, collect(paths), ImportRun(), echo,
        lambda path, shown: _import_one(project, path, shown, years, depts, force, seen, echo, signing_key, trust_unsigned),
        "读取或写入这个工作簿时出现意外错误，未导入（其他工作簿照常处理）。请在 Excel 或 WPS 中打开它，"
        "另存为 .xlsx 后再导入；如仍不行，请用 nianbao template --xlsx 重新生成工作簿，把数字抄入。",
    )


def import_each(project: Project, paths, run: ImportRun, echo, import_one, advice: str) -> ImportRun:
    """Import each file on its own (workbooks, published reports): ``import_one(path, shown)``
    gives its (year, department) or None when refused; an exception it did not foresee
    refuses that file with ``advice`` and a support log, and the others go on."""
    for path in paths:
        shown = project.relative(path.resolve())
        try:
            key = import_one(path, shown)
        except Exception as exc:  # noqa: BLE001 - one file's surprise never stops the others
            from ..support import write_log

            key = None
            log = write_log(exc, project.root, f"nianbao import: {path}")
            echo(f"✗ 拒绝导入 {shown}：")
            echo(f"    [拒绝] {advice}" + (f"求助时请附上 {log}。" if log else ""))
        if key is None:
            run.refused += 1
        else:
            run.imported.append(key)
    return run


def _refused(shown: str, problems, echo) -> None:
    echo(f"✗ 拒绝导入 {shown}：")
    for problem in problems:
        echo(f"    {'[拒绝]' if problem.kind == REFUSE else '[提示]'} {problem.message}")


def _import_one(project: Project, path: Path, shown: str, years, depts, force: bool, seen: dict, echo,
                signing_key: bytes | None, trust_unsigned: bool):
    """Import one workbook; its (year, department), or None when it was refused."""
    result = read_workbook(path, project, years, depts, key=signing_key, trust_unsigned=trust_unsigned)
    key = (result.year, result.dept)
    if not result.refused and key in seen:
        result.refuse(f"与 {project.relative(seen[key].resolve())} 是同一部门同一年度，只导入一份。")
    if result.refused:
        _refused(shown, result.problems, echo)
        return None
    seen[key] = path
    assert result.dept is not None and result.year is not None and result.format is not None, "set unless refused"
    dept = project.departments[result.dept]
    echo(f"导入 {shown} → {result.year} {dept.name}（{result.dept}）")
    for problem in result.problems:
        echo(f"    [提示] {problem.message}")
    folder = project.data_dir(result.year, result.dept)
    rel = project.relative(folder)
    files = files_for(result)
    changed, same, unreadable = diff_files(result.format, folder, files, project.relative)
    if unreadable and not force:
        echo(f"    [拒绝] {rel}/ 中已有的文件无法按数据格式读取，无法与工作簿比较，未写入任何文件：")
        for why in unreadable.values():
            echo(f"        {why}。")
        echo("        请改正或删除这些文件后重新导入；确认要用工作簿中的数据替换它们时，请加 --force。")
        return None
    differing = {name: lines for name, lines in changed.items() if lines}
    if differing and not force:
        echo(f"    [拒绝] {rel}/ 中已有不同的数据，未覆盖（确认要用工作簿替换时请加 --force）。将改变的内容：")
        for name, lines in differing.items():
            for line in lines[:30]:
                echo(f"        {name} {line}")
            if len(lines) > 30:
                echo(f"        {name} ……等共 {len(lines)} 处")
        return None
    to_write = {name: text for name, text in files.items() if name in changed or name in unreadable}
    if not (folder / F.TABLE_FILES[F.NARRATIVE]).exists() and F.TABLE_FILES[F.NARRATIVE] not in files:
        # No prompts: the text may come separately; an empty section is an N1
        # warning, while a prompt left in would be an N2 error on every import.
        to_write[F.TABLE_FILES[F.NARRATIVE]] = narrative_skeleton(prompts=False)
    if to_write:
        write_files(folder, to_write, force=True)
        echo(f"    已写入 {rel}/：{'、'.join(to_write)}")
    if same:
        echo(f"    与已有文件相同，未改动：{'、'.join(same)}")
    return key
