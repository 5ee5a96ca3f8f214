"""A department's own report notebook: ``notebooks/departments/<id>.ipynb``.

An analyst adds a chart or a paragraph for one department and the batch uses
that notebook for the department year after year (``build`` and ``render``);
its content is an input of the incremental rebuild like the default notebook's.
``nianbao notebook --dept <id>`` creates it as a copy of the project's notebook.
A notebook that leaves out a required part of the report is refused in publish
mode (:func:`missing_parts`), naming the part.
"""

from __future__ import annotations

import re
from pathlib import Path

from . import formats as F
from .cliargs import UsageError, split_values
from .errors import EXIT_OK
from .run import NOTEBOOK as DEFAULT_NOTEBOOK

DEPARTMENT_NOTEBOOKS = Path("notebooks") / "departments"

# The parts every published report shows (Report's methods → what a person calls them);
# the draft-only checks panel is not required.
REQUIRED_PARTS = {
    "header": "标题与说明",
    "section_overview": F.SECTION_HEADINGS[0],
    "section_disclosure": F.SECTION_HEADINGS[1],
    "section_applications": F.SECTION_HEADINGS[2],
    "section_review": F.SECTION_HEADINGS[3],
    "section_problems": F.SECTION_HEADINGS[4],
    "section_other": F.SECTION_HEADINGS[5],
    "signature": "落款",
    "provenance": "生成信息",
}
_CALL = re.compile(r"\.(\w+)\s*\(")


def department_notebook(root: Path, dept: str) -> Path:
    return root / DEPARTMENT_NOTEBOOKS / f"{dept}.ipynb"


def own_notebook(root: Path, dept: str) -> Path | None:
    """The department's own notebook, if it has one."""
    path = department_notebook(root, dept)
    return path if path.is_file() else None


def notebook_for(root: Path, dept: str) -> Path:
    """The notebook a department's reports are made with: its own, else the project's."""
    return own_notebook(root, dept) or root / DEFAULT_NOTEBOOK


def missing_parts(notebook: Path) -> list[str]:
    """The required parts no code cell of the notebook calls (``report.parts()`` calls them all)."""
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    called = {name for cell in nb.cells if cell.cell_type == "code" for name in _CALL.findall(cell.source)}
    if "parts" in called:
        return []
    return [label for method, label in REQUIRED_PARTS.items() if method not in called]


def refusal(root: Path, notebook: Path) -> str | None:
    """Publish mode: why this notebook cannot make a published report, or None."""
    try:
        missing = missing_parts(notebook)
    except Exception:  # unreadable: the run itself reports it, with the notebook's name
        return None
    if not missing:
        return None
    shown = notebook.relative_to(root).as_posix() if notebook.is_relative_to(root) else str(notebook)
    return (f"笔记本 {shown} 缺少报告的必需部分：{'、'.join(missing)}，不能以发布模式生成。"
            f"请在笔记本中加回（如 report.section_review()），或以草稿模式生成。")


def cmd_notebook(args) -> int:

    from .project import open_project

    project = open_project(args.project)  # a ProjectError exits with code 2
    depts = split_values(args.dept)
    if len(depts) != 1:
        raise UsageError("请用 --dept 指定一个部门，如 nianbao notebook --dept shichangjianguan。")
    dept = depts[0]
    if dept not in project.departments:
        raise UsageError(f"部门「{dept}」不在 params/departments.csv 中。已登记的部门：{'、'.join(project.departments)}。")
    source, target = project.root / DEFAULT_NOTEBOOK, department_notebook(project.root, dept)
    if target.exists() and not args.force:
        raise UsageError(f"{target.relative_to(project.root).as_posix()} 已存在，未覆盖（如需从默认笔记本重新开始，请加 --force）。")
    if not source.is_file():
        raise UsageError(f"找不到默认的报告笔记本 {DEFAULT_NOTEBOOK.as_posix()}：请先把它复制到项目中。")
    from .textio import write_atomic

    write_atomic(target, source.read_bytes())
    print(f"已创建 {target.relative_to(project.root).as_posix()}（{project.departments[dept].name}专用的报告笔记本）。"
          "在 JupyterLab 中编辑后，build 和 render 生成该部门的报告时都会使用它。")
    return EXIT_OK


def add_parser(commands) -> None:
    """Register ``nianbao notebook`` on the CLI's subcommands."""
    sub = commands.add_parser(
        "notebook", help="为一个部门创建专用的报告笔记本",
        description=f"把项目的报告笔记本复制为 {DEPARTMENT_NOTEBOOKS.as_posix()}/<部门编号>.ipynb；"
                    "此后 build 和 render 生成该部门的报告时都使用它。",
    )
    sub.add_argument("--dept", action="append", required=True, metavar="部门", help="部门编号")
    sub.add_argument("--project", metavar="目录", help="项目目录（默认：当前目录或其上级中含 params/departments.csv 的目录）")
    sub.add_argument("--force", action="store_true", help="覆盖已有的部门笔记本")
    sub.set_defaults(func=cmd_notebook)
