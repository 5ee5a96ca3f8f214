"""Reading a filled workbook back: its identification and signature, its labels,
its numbers and prose — every problem a value (refuse or note), never an exception."""

from __future__ import annotations

import io
import math
import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .. import formats as F
from ..contract import PLACEHOLDERS, parse_number
from ..project import Project
from ..signing import SIGNATURE, verify
from ..textio import normalise_label
from .sheets import KIT_ID, LAYOUT_VERSION, META_SHEET, SHEET_TEXT, Sheet, sheet_specs

REFUSE, NOTE = "refuse", "note"


@dataclass(frozen=True)
class Problem:
    kind: str  # REFUSE: nothing is imported; NOTE: imported, but look at it
    message: str


@dataclass
class Imported:
    path: Path
    dept: str | None = None
    year: int | None = None
    format: F.Format | None = None
    values: dict = field(default_factory=dict)  # key → int | Decimal | raw str (left for the checker)
    narrative: str | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return any(p.kind == REFUSE for p in self.problems)

    def refuse(self, message: str) -> Imported:
        self.problems.append(Problem(REFUSE, message))
        return self

    def note(self, message: str) -> None:
        self.problems.append(Problem(NOTE, message))


_NUMERIC_TEXT = re.compile(r"[+\-]?[\d,]*\.?\d*")
_UNIT = re.compile(r"([+\-]?[\d,]+(?:\.\d+)?)\s*(件|项|个|万元|元|次|条)")
_NOT_KIT = "不是本工具生成的填报工作簿"


def _identity(wb) -> dict[str, str] | None:
    if META_SHEET in wb.sheetnames:
        ws = wb[META_SHEET]
        found = {}
        for row in ws.iter_rows(min_row=1, max_row=20, max_col=2, values_only=True):
            if row[0] is not None:
                found[str(row[0]).strip()] = "" if row[1] is None else str(row[1]).strip()
        if found.get("kit") == KIT_ID:
            return found
    props = {}
    try:
        for prop in wb.custom_doc_props.props:
            if prop.name.startswith(KIT_ID + "."):
                props[prop.name[len(KIT_ID) + 1:]] = str(prop.value).strip()
    except AttributeError:  # pragma: no cover - older openpyxl
        pass
    return props if props.get("kit") == KIT_ID else None


def _float_text(raw: float, domain: str) -> str:
    """A double as the number typed: 12.0 → 12, 24252.311082 as is, 1e+30 as 1E+30.

    An amount a formula computed (0.1 + 0.2 = 0.30000000000000004) is taken at
    AMOUNT_PLACES when it is that within float noise, as Excel displays it."""
    if raw.is_integer() and abs(raw) < 1e15:
        return str(int(raw))
    if domain == F.AMOUNT and math.isfinite(raw) and abs(raw) < 1e15:
        rounded = f"{raw:.{F.AMOUNT_PLACES}f}"
        if abs(float(rounded) - raw) < 1e-9:
            return rounded.rstrip("0").rstrip(".")
    return repr(raw).upper() if "e" in repr(raw) else repr(raw)


def _cell_number(result: Imported, where: str, raw, domain: str):
    """A cell's content as the value to write, or None after a refusal."""
    if raw is None:
        return ""  # blank: the checker reports it (R5 「请填写0」)
    if isinstance(raw, bool):
        result.refuse(f"{where}：「{raw}」不是数字，请填写数字。")
        return None
    if isinstance(raw, (int, float)):
        # Excel stores numbers as doubles; the shortest repr is what was typed
        # (24252.311082, 1e+30).  The contract's parser bounds and checks it; text
        # it refuses is written as typed, for the checker's R5 to name.
        if isinstance(raw, int):  # str() of an int of thousands of digits raises: bound it first
            text = str(raw) if raw.bit_length() < 128 else f"（{raw.bit_length() * 3 // 10}位以上的数字）"
        else:
            text = _float_text(raw, domain)
        value, problem = parse_number(text, domain)
        return text if problem else value
    if not isinstance(raw, str):  # a date, a time: Excel turned the typing into something else
        result.refuse(f"{where}：内容「{raw}」被识别为日期或时间，不是数字，请把单元格格式改为“常规”后重新填写。")
        return None
    text = raw.strip()
    normal = unicodedata.normalize("NFKC", text).replace(" ", "")
    value, problem = parse_number(text, domain)
    if problem is None:
        return value
    if normal in PLACEHOLDERS or text in PLACEHOLDERS or _NUMERIC_TEXT.fullmatch(normal):
        return text  # a placeholder or an out-of-domain number: the checker's R5 names it
    if normal.startswith("#"):
        result.refuse(f"{where}：单元格显示错误值「{text}」（公式出错），请直接填写数字。")
        return None
    unit = _UNIT.fullmatch(normal)
    hint = f"请只填写数字 {unit.group(1)}，单位已在表头中" if unit else "请只填写数字（没有请填0）"
    result.refuse(f"{where}：「{text}」不是数字，{hint}。")
    return None


MAX_WORKBOOK_BYTES = 10 * 1024 * 1024  # a filled workbook is about 30 KB
MAX_UNPACKED_BYTES = 100 * 1024 * 1024  # what the zip inflates to, checked before openpyxl loads it
MAX_SHEET_ROWS = 5000  # the longest official table has fewer than 50 rows


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def _os_reason(exc: OSError) -> str:
    import errno

    reasons: dict[int | None, str] = {errno.EACCES: "没有读取权限", errno.EPERM: "没有读取权限", errno.ENOENT: "文件不存在",
                                      errno.EISDIR: "这是一个文件夹"}
    return reasons.get(exc.errno, "读取时出错")


def _over_limits(name: str, data: bytes, size: int) -> str | None:
    """Why a workbook is refused before it is opened: too large on disk or once unpacked."""
    again = "请确认选对了文件；如确是填报工作簿，请用 nianbao template --xlsx 重新生成，把数字抄入后再导入。"
    if size > MAX_WORKBOOK_BYTES:
        return f"{name} 有 {_mb(size)}，超过填报工作簿 {_mb(MAX_WORKBOOK_BYTES)} 的上限（正常的工作簿不到 100 KB）。{again}"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            # zipfile never inflates an entry past its declared size, so the declared sizes bound the work.
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None  # not a zip at all: the loader says so
    if unpacked > MAX_UNPACKED_BYTES:
        return (f"{name} 解压后有 {_mb(unpacked)}，超过 {_mb(MAX_UNPACKED_BYTES)} 的上限（文件只有 {_mb(len(data))}，"
                f"其中有大量空白或重复的内容）。{again}")
    return None


def _sheet_over_limit(name: str, wb) -> str | None:
    for ws in wb.worksheets:
        if ws.max_row > MAX_SHEET_ROWS:
            return (f"{name} 的工作表「{ws.title}」有 {ws.max_row} 行，超过 {MAX_SHEET_ROWS} 行的上限"
                    "（填报表格不到 100 行）。请删除表格下方多余的行（或在新生成的工作簿中重新填写）后再导入。")
    return None


def read_workbook(path: Path, project: Project, years=None, depts=None, *, key: bytes | None = None,
                  trust_unsigned: bool = False) -> Imported:
    """Read one filled workbook; problems are values, never exceptions.

    ``key`` is the project's signing key: a workbook whose identification does
    not carry its signature is refused (``trust_unsigned`` accepts workbooks
    issued before signatures existed, and says so)."""

    from openpyxl import load_workbook
    from openpyxl.cell.cell import MergedCell

    result = Imported(path)
    name = path.name
    if path.suffix.lower() in (".xls", ".et", ".ods", ".csv"):
        return result.refuse(f"{name} 不是 .xlsx 文件：请在 Excel 或 WPS 中用“另存为”保存为 Excel 工作簿（.xlsx）后再导入。")
    try:
        size = path.stat().st_size
        data = path.read_bytes() if size <= MAX_WORKBOOK_BYTES else b""
    except OSError as exc:
        return result.refuse(f"无法读取 {name}：{_os_reason(exc)}。请确认文件没有被其他程序占用，且有读取权限。")
    too_big = _over_limits(name, data, size)
    if too_big:
        return result.refuse(too_big)
    try:
        with warnings.catch_warnings():  # openpyxl warns in English about extensions it drops
            warnings.simplefilter("ignore")
            wb = load_workbook(io.BytesIO(data), data_only=True)
            too_long = _sheet_over_limit(name, wb)
            if too_long:
                return result.refuse(too_long)
            formulas = load_workbook(io.BytesIO(data), data_only=False)
    except Exception:  # openpyxl raises many kinds (and English texts) for damaged files
        return result.refuse(
            f"{name} 不是有效的 .xlsx 工作簿，无法打开（文件可能已损坏，或不是 Excel 工作簿）。"
            "请在 Excel 或 WPS 中打开它并另存为 .xlsx 后再导入，或请填报部门重新发送。"
        )

    meta = _identity(wb)
    if meta is None:
        return result.refuse(f"{_NOT_KIT}（缺少识别信息）。请用 nianbao template --xlsx 生成的工作簿填报。")
    try:
        layout_version = int(meta.get("layout", ""))
        year = int(meta.get("year", ""))
    except ValueError:
        return result.refuse(f"{_NOT_KIT}：识别信息已损坏（版本或年度无效）。")
    dept = meta.get("department", "")
    if layout_version != LAYOUT_VERSION:
        return result.refuse(
            f"工作簿的版本（{layout_version}）与本工具（{LAYOUT_VERSION}）不一致，无法可靠地读取。"
            f"请用 nianbao template --year {year} --dept {dept} --xlsx 重新生成工作簿，把数字抄入后再导入。"
        )
    refusal = _signature_refusal(result, meta, key, trust_unsigned)
    if refusal:
        return result.refuse(refusal)
    try:
        fmt = F.format_for_year(year)
    except F.FormatError as exc:
        return result.refuse(str(exc))
    if meta.get("format") != fmt.version:
        return result.refuse(
            f"工作簿的表格格式是「{meta.get('format')}」，而{year}年度应使用{fmt.version}格式（{fmt.notice}）。"
            f"请用 nianbao template --year {year} --dept {dept} --xlsx 重新生成工作簿。"
        )
    if years and year not in years:
        return result.refuse(f"工作簿是{year}年度的，本次只导入{'、'.join(map(str, years))}年度（--year）。")
    if dept not in project.departments:
        known = "、".join(project.departments) or "（名单为空）"
        return result.refuse(f"工作簿的部门编号「{dept}」不在 params/departments.csv 中。已登记的部门：{known}。")
    if depts and dept not in depts:
        return result.refuse(f"工作簿属于部门「{dept}」，本次只导入 {'、'.join(depts)}（--dept）。")
    result.dept, result.year, result.format = dept, year, fmt

    for spec in sheet_specs(fmt):
        if spec.name not in wb.sheetnames:
            if spec.name == SHEET_TEXT:
                continue  # optional
            result.refuse(f"缺少工作表「{spec.name}」（工作表不能改名或删除）。")
            continue
        _read_sheet(result, spec, wb[spec.name], formulas[spec.name], MergedCell)
    return result


def _signature_refusal(result: Imported, meta: dict[str, str], key: bytes | None, trust_unsigned: bool) -> str | None:
    claimed = f"部门「{meta.get('department', '')}」{meta.get('year', '')}年度"
    signature = meta.get(SIGNATURE, "")
    if not signature:
        if trust_unsigned:
            result.note(f"未签名的工作簿（旧版本生成）：按其自称的识别信息导入为{claimed}（--trust-unsigned）。请核对部门和年度无误。")
            return None
        return (
            f"工作簿没有签名（由旧版本的 nianbao 生成），无法确认它是为{claimed}签发的。"
            "请重新生成工作簿（nianbao template --xlsx）后填报；如确认来源可靠，可加 --trust-unsigned 按其识别信息导入。"
        )
    if key is None:
        return f"工作簿自称是为{claimed}签发的，但本项目没有签发密钥（.nianbao/workbook.key），无法核对：它不是本项目签发的，或密钥已丢失。"
    if not verify(key, meta, signature):
        return (
            f"工作簿自称是为{claimed}签发的，但识别信息与签名不符：识别信息被修改过，或工作簿由另一个项目签发。"
            "未写入任何文件。请使用本项目为该部门该年度生成的工作簿（nianbao template --xlsx）。"
        )
    return None


def _read_sheet(result: Imported, spec: Sheet, ws, fws, MergedCell) -> None:
    # Labels: every official label where the layout puts it.
    wrong = []
    for coord, (text, _rng, official) in spec.labels.items():
        if not official:
            continue
        actual = ws[coord].value
        if isinstance(actual, str) and normalise_label(actual) == normalise_label(text):
            continue
        moved = _find(ws, text)
        if moved:
            wrong.append(f"{spec.name}!{coord} 应为「{text}」，该标签被移到了 {moved}")
        elif actual in (None, ""):
            wrong.append(f"{spec.name}!{coord} 应为「{text}」，现为空")
        else:
            wrong.append(f"{spec.name}!{coord} 应为「{text}」，现为「{actual}」")
    if wrong:
        shown = wrong[:8] + ([f"……等共{len(wrong)}处"] if len(wrong) > 8 else [])
        result.refuse(
            "标签单元格被移动或修改（可能插入或删除了行列），无法确定数字对应的项目：" + "；".join(shown)
            + "。请在原工作簿中改回，或重新生成工作簿。"
        )
        return
    # Hidden rows and columns: imported as usual, but the person may not have seen them.
    value_rows = spec.rows_of_values()
    for row, coords in sorted(value_rows.items()):
        if ws.row_dimensions[row].hidden:
            label = spec.values[coords[0]].key[1]
            result.note(f"{spec.name} 第{row}行（{label}）被隐藏；其中的数字已照常导入，请确认填报人看到并填写了这一行。")
    hidden_cols = {k for k, dim in ws.column_dimensions.items() if dim.hidden}
    for letter in sorted({re.sub(r"\d+$", "", c) for c in spec.values} & hidden_cols):
        result.note(f"{spec.name} 第{letter}列被隐藏；其中的数字已照常导入，请确认。")
    # Numbers.
    for coord, vc in spec.values.items():
        where = f"{spec.name}!{coord}（{_cell_name(vc.key)}）"
        cell = ws[coord]
        if isinstance(cell, MergedCell):
            result.refuse(f"{where}：该单元格被合并到其他单元格中，数字丢失。请取消合并，分别填写。")
            continue
        if vc.cols == 1 and _merged_span(ws, coord):
            result.refuse(f"{where}：该单元格与旁边的单元格被合并（{_merged_span(ws, coord)}），请取消合并，分别填写。")
            continue
        raw = cell.value
        formula = fws[coord].value
        if isinstance(formula, str) and formula.startswith("=") or type(formula).__name__ == "ArrayFormula":
            text = formula if isinstance(formula, str) else getattr(formula, "text", "")
            if raw is None:
                result.refuse(f"{where}：单元格是公式「{text}」，但工作簿中没有保存计算结果。请直接填写数字"
                              "（或在 Excel/WPS 中打开并保存后再导入）。")
                continue
            result.note(f"{where}：单元格是公式「{text}」，已按计算结果 {raw} 导入；请改为直接填写数字。")
        value = _cell_number(result, where, raw, vc.domain)
        if value is not None:
            result.values[vc.key] = value
    # Prose.
    if spec.texts:
        sections = {}
        for coord, heading in spec.texts.items():
            raw = ws[coord].value
            text = "" if raw is None else str(raw).strip()
            if text and normalise_label(text) != normalise_label(F.NARRATIVE_PROMPTS[heading]):
                paragraphs = [p.strip() for p in text.replace("\r\n", "\n").split("\n") if p.strip()]
                sections[heading] = "\n\n".join(paragraphs)
        if sections:
            result.narrative = "\n".join(
                f"## {heading}\n\n{sections.get(heading, F.NARRATIVE_PROMPTS[heading])}\n" for heading in F.AUTHORED_SECTIONS
            )


def _cell_name(key) -> str:
    table, row, column = key
    return row if table == F.FEES else f"{row} × {column}"


def _merged_span(ws, coord: str) -> str | None:
    for rng in ws.merged_cells.ranges:
        if coord in rng and (rng.max_row > rng.min_row or rng.max_col > rng.min_col):
            return rng.coord
    return None


def _find(ws, text: str) -> str | None:
    key = normalise_label(text)
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and normalise_label(cell.value) == key:
                return cell.coordinate
    return None
