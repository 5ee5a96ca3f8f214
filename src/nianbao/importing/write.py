"""``nianbao import 报告.html …``: each recognised report written into its
department-year (as published), with ``import.json``; existing different data
is kept unless ``--force``, with a per-cell diff, as for workbooks."""

from __future__ import annotations

from pathlib import Path

from ..datafiles import write_files
from ..folders import IMPORT_FILE
from ..project import Project
from ..textio import write_atomic
from ..xlsx.diff import diff_files
from ..xlsx.importing import ImportRun, import_each
from .page import PageImport, contract_texts, prepare, provenance_text

NOTES_SHOWN = 12  # the rest are in import.json


def show_notes(page: PageImport, echo) -> None:
    notes = page.notes
    for note in notes[:NOTES_SHOWN]:
        echo(f"    [提示] {note}")
    if len(notes) > NOTES_SHOWN:
        echo(f"    [提示] ……等共 {len(notes)} 条，全部记在 {IMPORT_FILE} 中")


def import_pages(project: Project, pages: list[Path], years=None, depts=None, force=False, echo=print,
                 run: ImportRun | None = None) -> ImportRun:
    """Each page stands alone: whatever happens to one, the others are imported."""
    seen: dict[tuple[int, str], Path] = {}
    single = len(pages) == 1
    return import_each(
        project, pages, run or ImportRun(), echo,
        lambda path, shown: _import_page(project, path, shown, years, depts, force, seen, single, echo),
        "读取或写入这个文件时出现意外错误，未导入（其他文件照常处理）。请重新“另存为”网页（.html）或 Word 文件（.docx）后再导入。",
    )


def _import_page(project: Project, path: Path, shown: str, years, depts, force: bool, seen: dict, single: bool, echo):
    """Import one page; its (year, department), or None when it was refused."""
    page = prepare(path, project, years, depts, single=single)
    key = (page.year, page.dept)
    if not page.refused and key in seen:
        page.refuse(f"与 {project.relative(seen[key].resolve())} 是同一部门同一年度的报告，只导入一份。")
    if page.refused:
        echo(f"✗ 拒绝导入 {shown}：")
        for message in page.refusals:
            echo(f"    [拒绝] {message}")
        return None
    seen[key] = path
    assert page.dept is not None and page.format is not None, "set unless refused"
    dept = project.departments[page.dept]
    echo(f"导入 {shown} → {page.year} {dept.name}（{page.dept}），{page.format.version} 格式")
    show_notes(page, echo)
    return key if write_page(project, page, force, echo) else None


def write_page(project: Project, page: PageImport, force: bool, echo) -> bool:
    assert page.year is not None and page.dept is not None and page.format is not None, "set unless refused"
    folder = project.data_dir(page.year, page.dept)
    rel = project.relative(folder)
    files = contract_texts(page)
    source = {"pdf": "PDF", "docx": "Word 文件"}.get(page.doc.reader if page.doc else "", "网页")
    changed, same, unreadable = diff_files(page.format, folder, files, project.relative, source=source)
    if unreadable and not force:
        echo(f"    [拒绝] {rel}/ 中已有的文件无法按数据格式读取，无法与{source}比较，未写入任何文件：")
        for why in unreadable.values():
            echo(f"        {why}。")
        echo(f"        请改正或删除这些文件后重新导入；确认要用{source}中的数据替换它们时，请加 --force。")
        return False
    differing = {name: lines for name, lines in changed.items() if lines}
    if differing and not force:
        echo(f"    [拒绝] {rel}/ 中已有不同的数据，未覆盖（确认要用{source}中的数据替换时请加 --force）。将改变的内容：")
        for name, lines in differing.items():
            for line in lines[:30]:
                echo(f"        {name} {line}")
            if len(lines) > 30:
                echo(f"        {name} ……等共 {len(lines)} 处")
        return False
    to_write = {name: text for name, text in files.items() if name in changed or name in unreadable}
    if to_write:
        write_files(folder, to_write, force=True)
    write_atomic(folder / IMPORT_FILE, provenance_text(page))
    echo(f"    已写入 {rel}/：{'、'.join([*to_write, IMPORT_FILE])}")
    if same:
        echo(f"    与已有文件相同，未改动：{'、'.join(same)}")
    return True
