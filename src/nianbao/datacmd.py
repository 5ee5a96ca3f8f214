"""``nianbao data``: the project's tidy table (frames.py) as a CSV or Excel file,
for people who analyse in Excel or WPS.

Written through the kit's one CSV rule (:func:`nianbao.textio.csv_text`, UTF-8
with a BOM) or its one xlsx rule (:func:`nianbao.xlsx.write.no_formulas_from_text`):
a department's name is never a live formula.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from . import formats as F
from .cliargs import UsageError, parse_years, split_values
from .errors import EXIT_OK

# The tidy columns as a person reads them (frames.TIDY_COLUMNS, same order).
HEADERS = ("年度", "部门编号", "部门名称", "地区", "格式", "表", "行", "列", F.VALUE_HEADER)
SUFFIXES = (".csv", ".xlsx")
SHEET_TITLE = "数据"


def _cell(value):
    """Amounts keep every place entered (at least four), as in the data files."""
    if isinstance(value, Decimal):
        from .datafiles import amount_text

        return amount_text(value)
    return value


def table_rows(frame) -> list[list]:
    """The tidy table's rows as written: the table by its Chinese title, values exact."""
    return [[*row[:5], F.TABLE_TITLES.get(row[5], row[5]), *row[6:]] for row in frame.itertuples(index=False, name=None)]


def csv_text_of(rows: list[list]) -> str:
    from .textio import csv_text

    return csv_text(HEADERS, [[*row[:-1], _cell(row[-1])] for row in rows], numeric=(F.VALUE_HEADER, HEADERS[0]))


def xlsx_bytes(rows: list[list]) -> bytes:
    import io

    from openpyxl import Workbook

    from .xlsx.write import no_formulas_from_text

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_TITLE
    ws.append(list(HEADERS))
    for row in rows:
        ws.append(row)  # amounts as Decimal: a number Excel adds up, written with every place entered
    ws.freeze_panes = "A2"
    no_formulas_from_text(wb, set())
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _target(out: str, force: bool) -> Path:
    path = Path(out)
    if path.suffix.lower() not in SUFFIXES:
        raise UsageError(f"--out「{out}」：文件名应以 .csv 或 .xlsx 结尾，如 --out 数据.csv。")
    if path.is_dir():
        raise UsageError(f"--out「{out}」是一个文件夹：请写文件名，如 --out {out.rstrip('/')}/数据.csv。")
    if path.exists() and not force:
        raise UsageError(f"文件「{out}」已存在，未覆盖：请换一个文件名，或加 --force 覆盖。")
    return path


def _regions(project, values) -> list[str] | None:
    regions = split_values(values) or None
    known = project.regions()
    for region in regions or []:
        if region not in known:
            raise UsageError(f"地区「{region}」不在 params/departments.csv 中。已登记的地区：{'、'.join(known) or '（名单为空）'}。")
    return regions


def cmd_data(args) -> int:
    from .frames import project_frame
    from .project import open_project
    from .textio import write_atomic

    path = _target(args.out, args.force)
    project = open_project(args.project)  # a ProjectError exits with code 2
    if project.is_inside(path.resolve()) and path.resolve().parts[len(project.root.parts):][:1] == ("data",):
        raise UsageError(f"--out「{args.out}」在 data/ 中：data/ 只放各部门的数据文件，请写到别处。")
    rows = table_rows(project_frame(project, _regions(project, args.region), parse_years(args.year)))
    if not rows:
        raise UsageError("所选地区和年度没有任何部门的数据，未写入文件。")
    data = csv_text_of(rows) if path.suffix.lower() == ".csv" else xlsx_bytes(rows)
    write_atomic(path, data, bom=True)
    print(f"已写入 {args.out}：{len(rows)} 行（每行是一个部门一个年度一张表的一个单元格）。")
    return EXIT_OK


def add_parser(commands) -> None:
    """Register ``nianbao data`` on the CLI's subcommands."""
    sub = commands.add_parser(
        "data", help="把全部数据导出为一张 CSV 或 Excel 表（便于分析）",
        description="导出项目的全部数据：每行是一个年度、一个部门、一张表的一个单元格，含部门名称、地区和官方格式。"
                    "政府年报的表格由成员数据汇总，不重复导出。",
    )
    sub.add_argument("--out", required=True, metavar="文件", help="输出文件：.csv（UTF-8 带 BOM）或 .xlsx")
    sub.add_argument("--project", metavar="目录", help="项目目录（默认：当前目录或其上级中含 params/departments.csv 的目录）")
    sub.add_argument("--region", action="append", metavar="地区", help="只导出这些地区（可重复，或用逗号分隔）")
    sub.add_argument("--year", action="append", metavar="年度", help="只导出这些年度（可重复，或用逗号分隔）")
    sub.add_argument("--force", action="store_true", help="覆盖已有的输出文件")
    sub.set_defaults(func=cmd_data)
