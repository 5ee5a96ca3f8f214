"""Writing the fill-in workbooks: ``nianbao template --xlsx``."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

from .. import formats as F
from ..datafiles import carried_over
from ..project import Project
from ..rules import RULES, constraints
from ..signing import SIGNATURE, project_key, sign
from ..textio import write_atomic
from .sheets import (
    CHECK_HEADER,
    KIT_ID,
    LAYOUT_VERSION,
    META_SHEET,
    OK_MARK,
    SHEET_GUIDE,
    SHEET_TEXT,
    cell_range,
    coordinate,
    sheet_specs,
)

WORKBOOKS_DIR = "workbooks"
DEADLINE = "次年1月31日"

# At least DISPLAY_PLACES places, up to AMOUNT_PLACES as entered (24252.311082, 12.3000).
_AMOUNT_FORMAT = "0." + "0" * F.DISPLAY_PLACES + "#" * (F.AMOUNT_PLACES - F.DISPLAY_PLACES)


def guide_lines(name: str, year: int, fmt: F.Format) -> list[tuple[str, str]]:
    """The 说明 sheet: (style, text) lines."""
    ids = ["R5", *dict.fromkeys(c.rule for c in constraints(fmt))]
    rules = [RULES[i] for i in RULES if i in ids]
    lines = [
        ("title", F.TITLE_PATTERN.format(name=name, year=year) + " · 数据填报工作簿"),
        ("text", f"本工作簿按{fmt.notice}规定的表格格式（{fmt.version}，适用于{fmt.years_text}的报告）制作，"
                 "用于填报报告第二、三、四部分的表格和第六部分的信息处理费情况。"),
        ("head", "一、如何填写"),
        ("text", "1. 只在浅黄色单元格中填写数字；灰色单元格是官方表格的标签，已锁定，请勿修改、移动、插入或删除行列，也不要改工作表名。"),
        ("text", "2. 每个数字单元格都要填：没有的填0，不要留空，不要写“件”“无”“-”等文字，不要用公式。"),
        ("text", f"3. 件数是0至{F.NUMBER_LIMIT}之间的整数；“{F.ITEMS_CHANGE}”可以是负数；金额以万元为单位，"
                 f"0至{F.NUMBER_LIMIT}之间，最多{F.AMOUNT_PLACES}位小数（精确到分）。"),
        ("text", f"4. “{F.CARRIED_IN}”已按上年报告的“{F.CARRIED_OUT}”预填，一般无需修改；确需修改的，请附说明。"),
        ("text", f"5. 各“{F.TOTAL}”由本单位填写（不会自动计算）。旁边的“{CHECK_HEADER}”单元格显示{OK_MARK}表示相符，"
                 "显示数字表示总计与应有之和的差额（正数：总计偏大；负数：总计偏小），请改正后再发送。"),
        ("head", "二、校验规则（办公室导入时逐条检查）"),
        *[("text", f"{rule.id}（{'必须改正' if rule.severity == 'error' else '请核实'}）：{rule.statement}。") for rule in rules],
        ("head", "三、报告文字"),
        ("text", f"报告的{'、'.join(F.AUTHORED_SECTIONS)}由本单位撰写：可粘贴在“{SHEET_TEXT}”工作表中，"
                 "也可按办公室要求另行提交；第二、三、四部分的表格和文字由本工具根据本工作簿的数字生成。"),
        ("head", "四、发送"),
        ("text", f"填好后保存（.xlsx 格式，不要另存为 .xls 或 .csv），通过邮件发回办公室。文件名可以修改：导入时按工作簿中的"
                 f"识别信息确定部门和年度。年报须于{DEADLINE}前公开（《条例》第四十九条），请在办公室规定的日期前发回。"),
        ("text", "各工作表的保护没有设置密码，只为防止误改标签；请不要撤销保护后修改标签。"),
    ]
    return lines



def build_workbook(name: str, dept_id: str, year: int, values=None, *, key: bytes) -> bytes:
    """The fill-in workbook for one department-year as .xlsx bytes.

    ``values`` prefill number cells (default 0; the template passes the carry-over);
    ``key`` is the project's signing key (:mod:`nianbao.signing`)."""
    from openpyxl import Workbook
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.packaging.custom import StringProperty
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
    from openpyxl.workbook.protection import WorkbookProtection
    from openpyxl.worksheet.datavalidation import DataValidation

    fmt = F.format_for_year(year)
    values = values or {}
    title = F.TITLE_PATTERN.format(name=name, year=year)
    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    label_fill = PatternFill("solid", fgColor="EDEDED")
    input_fill = PatternFill("solid", fgColor="FFF7D6")
    check_fill = PatternFill("solid", fgColor="F7F7F7")
    font = Font(name="宋体", size=10)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    left = Alignment(horizontal="left", vertical="center", wrap_text=True)

    wb = Workbook()
    guide = wb.active
    guide.title = SHEET_GUIDE
    guide.column_dimensions["A"].width = 96
    for i, (style, text) in enumerate(guide_lines(name, year, fmt), start=1):
        cell = guide.cell(i, 1, text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.font = Font(name="宋体", size=14 if style == "title" else 11, bold=style in ("title", "head"))
        guide.row_dimensions[i].height = 22 if style == "title" else 16 * (1 + (len(text) - 1) // 44)
    guide.protection.sheet = True
    guide.page_setup.paperSize = guide.PAPERSIZE_A4
    guide.page_setup.fitToWidth = 1
    guide.page_setup.fitToHeight = 0
    guide.sheet_properties.pageSetUpPr.fitToPage = True

    limit = str(F.NUMBER_LIMIT)
    domains = {
        F.COUNT: ("whole", "between", "0", limit, f"请填写0至{limit}之间的整数（件数）。"),
        F.SIGNED: ("whole", "between", f"-{limit}", limit, f"请填写-{limit}至{limit}之间的整数（{F.ITEMS_CHANGE}可以为负数）。"),
        F.AMOUNT: ("decimal", "between", "0", limit, f"请填写0至{limit}之间的金额（万元），最多{F.AMOUNT_PLACES}位小数。"),
    }
    for spec in sheet_specs(fmt):
        ws = wb.create_sheet(spec.name)
        for col, width in spec.widths.items():
            ws.column_dimensions[coordinate(1, col)[:-1]].width = width
        span = max(spec.width, 2)
        ws.merge_cells(cell_range(1, 1, 1, span))
        ws.cell(1, 1, title).font = Font(name="宋体", size=14, bold=True)
        ws.cell(1, 1).alignment = center
        ws.row_dimensions[1].height = 26
        ws.merge_cells(cell_range(2, 1, 1, span))
        ws.cell(2, 1, spec.heading).font = Font(name="宋体", size=12, bold=True)
        ws.merge_cells(cell_range(3, 1, 1, span))
        ws.cell(3, 1, spec.hint).font = Font(name="宋体", size=9, color="555555")
        ws.cell(3, 1).alignment = left
        ws.row_dimensions[3].height = 28 if len(spec.hint) > 8 * span else 16
        for row, height in spec.heights.items():
            ws.row_dimensions[row].height = height
        for coord, (text, rng, official) in spec.labels.items():
            if ":" in rng and rng.split(":")[0] != rng.split(":")[1]:
                ws.merge_cells(rng)
            for row in ws[rng]:
                for cell in row:
                    cell.border = border
                    cell.fill = label_fill if official else check_fill
            cell = ws[coord]
            cell.value = text
            cell.font = font if official else Font(name="宋体", size=9, color="555555")
            cell.alignment = center if official and spec.name != SHEET_TEXT else left
        validations = {}
        for coord, vc in spec.values.items():
            row, col = ws[coord].row, ws[coord].column
            if vc.cols > 1:
                ws.merge_cells(cell_range(row, col, 1, vc.cols))
            for c in range(col, col + vc.cols):
                ws.cell(row, c).border = border
                ws.cell(row, c).fill = input_fill
            cell = ws[coord]
            default = Decimal(0) if vc.domain == F.AMOUNT else 0
            cell.value = values.get(vc.key, default)
            cell.number_format = _AMOUNT_FORMAT if vc.domain == F.AMOUNT else "General"
            cell.protection = Protection(locked=False)
            cell.alignment = Alignment(horizontal="right", vertical="center")
            cell.font = font
            if vc.domain not in validations:
                kind, op, f1, f2, message = domains[vc.domain]
                dv = DataValidation(type=kind, operator=op, formula1=f1, formula2=f2, allow_blank=False,
                                    showErrorMessage=True, errorTitle="数字无效", error=message,
                                    showInputMessage=vc.domain == F.AMOUNT, promptTitle="金额（万元）", prompt=message)
                ws.add_data_validation(dv)
                validations[vc.domain] = dv
            validations[vc.domain].add(coord)
        for coord, formula in spec.checks.items():
            cell = ws[coord]
            cell.value = formula
            cell.border = border
            cell.fill = check_fill
            cell.alignment = Alignment(horizontal="center", vertical="center")
            cell.number_format = "+0;-0;0"
            cell.font = Font(name="宋体", size=10, bold=True, color="2E7D32")
            ws.conditional_formatting.add(
                coord,
                FormulaRule(formula=[f'{coord}<>"{OK_MARK}"'], font=Font(color="C00000", bold=True),
                            fill=PatternFill("solid", bgColor="FFC7CE")),
            )
        for coord in spec.texts:
            cell = ws[coord]
            cell.border = border
            cell.fill = input_fill
            cell.protection = Protection(locked=False)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.font = font
            ws.cell(cell.row, 1, "（在右侧单元格中填写）").font = Font(name="宋体", size=9, color="555555")
        ws.protection.sheet = True
        ws.protection.formatColumns = False  # people may widen columns and rows
        ws.protection.formatRows = False
        ws.page_setup.orientation = "landscape" if spec.landscape else "portrait"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True

    meta = wb.create_sheet(META_SHEET)
    identity = {"kit": KIT_ID, "layout": str(LAYOUT_VERSION), "format": fmt.version, "year": str(year),
                "department": dept_id, "name": name}
    identity[SIGNATURE] = sign(key, identity)
    for i, (field_name, value) in enumerate(identity.items(), start=1):
        meta.cell(i, 1, field_name)
        meta.cell(i, 2, value)
        wb.custom_doc_props.append(StringProperty(name=f"{KIT_ID}.{field_name}", value=value))
    meta.sheet_state = "hidden"
    meta.protection.sheet = True
    wb.security = WorkbookProtection(lockStructure=True)
    wb.calculation.fullCalcOnLoad = True
    wb.properties.title = title
    wb.properties.creator = KIT_ID
    wb.active = 0
    kit_formulas = {(spec.name, coord) for spec in sheet_specs(fmt) for coord in spec.checks}
    no_formulas_from_text(wb, kit_formulas)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def no_formulas_from_text(wb, kit_formulas: set[tuple[str, str]]) -> None:
    """The one xlsx escaping rule: text the kit writes (a department's name in a
    title, the guide, the identification) is a string cell, never a formula —
    only the kit's own check formulas are formulas."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f" and (ws.title, cell.coordinate) not in kit_formulas:
                    cell.data_type = "s"


def workbook_name(dept_id: str, year: int) -> str:
    return f"{dept_id}-{year}.xlsx"


def write_workbooks(project: Project, year: int, depts, out: str | None, force: bool, echo=print) -> int:
    """``nianbao template --xlsx``: one workbook per department (never overwriting without force)."""
    from ..contract import read_submission

    fmt = F.format_for_year(year)
    folder = Path(out).resolve() if out else project.root / WORKBOOKS_DIR / str(year)
    submitted = set(project.submitted())
    key = project_key(project.root, create=True)
    assert key is not None, "create=True makes the key"
    for dept in depts:
        path = folder / workbook_name(dept, year)
        shown = project.relative(path)
        if path.exists() and not force:
            echo(f"未覆盖已有的 {shown}（如需覆盖请加 --force）")
            continue
        values = {}
        if (year - 1, dept) in submitted:
            values = carried_over(read_submission(project, dept, year - 1).values)
        write_atomic(path, build_workbook(project.departments[dept].name, dept, year, values, key=key))
        echo(f"已写入 {shown}（{fmt.version} 格式）")
    return 0
