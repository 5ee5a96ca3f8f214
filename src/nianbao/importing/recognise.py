"""The one recogniser: a :class:`Document` (from any reader) → the official
tables and narrative of one department-year, with where every cell came from.

Tables are found **by their labels, never by position**: a row is an
application row because its printed label path names one; a number belongs to
a column because the header cells above it name that column.  Labels are
compared with :func:`nianbao.textio.normalise_label`; where that fails, by
similarity (:mod:`difflib`), and every such match is reported.  Everything
printed is kept as printed: a blank or 「/」 cell stays blank (the check's R5
asks for it), a value of the other format's layout stays in that layout (the
check reports the deviation) - the point is to record what was published.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from .. import formats as F
from ..contract import PLACEHOLDERS, label_lookups, parse_number
from ..textio import normalise_label
from .model import HEADING, PARAGRAPH, TABLE, Cell, Document
from .section_six import read_fees, without_signature

FUZZY_LABEL = 0.75  # below this a printed label is not taken for an official one
FUZZY_MARGIN = 0.05  # the best match must beat the second best by this much


@dataclass(frozen=True)
class Source:
    """Where one imported value came from: the printed row label, column label
    and cell text, and the cell's place in the source."""

    row: str
    column: str
    text: str
    where: str
    page: int | None = None  # sources with pages (PDF): the page and box of the printed cell
    box: tuple[float, float, float, float] | None = None


@dataclass
class Recognised:
    format: F.Format
    values: dict = field(default_factory=dict)  # (table, row, column) → int | Decimal | "" | raw text
    sources: dict = field(default_factory=dict)  # same key → Source
    narrative: dict[str, list[str]] = field(default_factory=dict)  # official heading → paragraphs (plain text)
    notes: list[str] = field(default_factory=list)
    tables: set[str] = field(default_factory=set)  # official tables found
    application_layout: F.Format | None = None  # the other format when the page prints its rows

    def note(self, message: str) -> None:
        if message not in self.notes:
            self.notes.append(message)


# ---------------------------------------------------------------------------
# Labels
# ---------------------------------------------------------------------------


def _strip_remark(label: str) -> str:
    """「（二）部分公开（区分处理的，…）」 → 「（二）部分公开」: copies often drop the remark."""
    return re.sub(r"[（(][^（）()]*[)）]$", "", label) if len(label) > 8 else label


class Matcher:
    """Printed text → official label, exactly (normalised) or by similarity."""

    def __init__(self, labels: dict[str, str]):
        self.exact = dict(labels)  # normalised key → official label
        self.variants: set[str] = set()  # keys of labels printed without their remark: reported
        for key, label in labels.items():
            stripped = normalise_label(_strip_remark(label))
            if stripped != key and len(stripped) >= 4 and stripped not in self.exact:
                self.exact[stripped] = label
                self.variants.add(stripped)
        self.keys = list(self.exact)

    def match(self, text: str) -> tuple[str | None, float]:
        key = normalise_label(text)
        if not key:
            return None, 0.0
        if key in self.exact:
            return self.exact[key], 0.99 if key in self.variants else 1.0
        scored = sorted(((difflib.SequenceMatcher(None, key, k, autojunk=False).ratio(), k) for k in self.keys), reverse=True)
        if not scored or scored[0][0] < FUZZY_LABEL:
            return None, 0.0
        best, key_best = scored[0]
        rivals = [s for s, k in scored[1:] if self.exact[k] != self.exact[key_best]]
        if rivals and rivals[0] > best - FUZZY_MARGIN:
            return None, 0.0
        return self.exact[key_best], best


def _fuzzy_note(printed: str, official: str, score: float, where: str) -> str:
    return f"{where}：标签「{printed}」按相近的「{official}」识别（相似度 {score:.2f}），请核对"


# ---------------------------------------------------------------------------
# Cells
# ---------------------------------------------------------------------------

NUMBER, BLANK, TEXT = "number", "blank", "text"
_NUM = r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_WITH_UNIT = re.compile(rf"({_NUM})\s*(万元|元|件|项|个|条|次|宗|人次)?\s*(.*)")


def read_value(text: str, domain: str) -> tuple[str, object, str | None, str | None]:
    """(kind, value, note, unit) of a printed cell: a number as the value to
    write (a remark beside it reported in the note, a unit returned apart), a
    blank/placeholder as "", anything else as its text (the check's R5 names it)."""
    normal = unicodedata.normalize("NFKC", text).strip()
    compact = re.sub(r"\s+", "", normal)
    not_number = f"「{text}」不是数字，照原文导入（校验 R5 会指出）"
    if compact in PLACEHOLDERS or compact in ("—", "―", "──", "／", "无。", "/"):
        return BLANK, "", None, None
    match = _WITH_UNIT.fullmatch(compact)
    if not match:
        return TEXT, text.strip(), not_number, None
    number, unit, rest = match.groups()
    number = number.replace(",", "")
    if rest and not re.match(r"^[（(\[【<《,，;；。:：]|^其中|^含|^备注|^注", rest):
        return TEXT, text.strip(), not_number, None
    note = f"「{text}」按 {number} 导入，备注「{rest}」未导入" if rest else None
    if unit == "元" and domain == F.AMOUNT:
        number = str(Decimal(number) / 10000)
        note = f"「{text}」以元为单位，已换算为 {number} 万元" + (f"，备注「{rest}」未导入" if rest else "")
        unit = None
    value, problem = parse_number(number, domain)
    if problem:
        return TEXT, compact, f"「{text}」{problem}，照原文导入（校验 R5 会指出）", None
    return NUMBER, value, note, unit


def _is_number(cell: Cell | None) -> bool:
    if cell is None:
        return False
    compact = re.sub(r"\s+", "", unicodedata.normalize("NFKC", cell.text))
    match = _WITH_UNIT.fullmatch(compact)
    return match is not None and (not match.group(3) or match.group(3)[0] in "（(")


# ---------------------------------------------------------------------------
# The recogniser
# ---------------------------------------------------------------------------

APP_HEAD = frozenset(F.APPLICATION_COLUMNS[:-1])  # 总计 alone says nothing about which table
REVIEW_HEAD = frozenset(F.REVIEW_COLUMNS[:-1])


def _distinct(cells):
    """The cells of a row, one per printed cell (a spanned cell once), in order."""
    seen, out = set(), []
    for index, cell in enumerate(cells):
        if cell is not None and cell.where.origin not in seen:
            seen.add(cell.where.origin)
            out.append((index, cell))
    return out


class _Recogniser:
    def __init__(self, doc: Document, fmt: F.Format):
        self.doc = doc
        self.fmt = fmt
        self.other = F.other_format(fmt)
        self.result = Recognised(fmt, notes=list(doc.notes))
        own, other = label_lookups(fmt), label_lookups(self.other)
        self.app_rows = Matcher(own["rows"])
        self.app_rows_other = Matcher(other["rows"])
        self.app_groups = {normalise_label(r.group) for r in fmt.application_rows if r.group}
        self.app_columns = Matcher({normalise_label(c): c for c in F.APPLICATION_COLUMNS})
        self.review_columns = Matcher({normalise_label(c): c for c in F.REVIEW_COLUMNS})
        self.review_groups = {normalise_label(g): g for g in F.REVIEW_ROWS}
        self.disclosure_rows = Matcher(own["disclosure_rows"])
        self.disclosure_rows_other = other["disclosure_rows"]
        self.disclosure_cols = {row: Matcher(cols) for row, cols in own["disclosure_cols"].items()}
        self.disclosure_cols_other = {row: Matcher(cols) for row, cols in other["disclosure_cols"].items()}
        self.header_word = normalise_label(F.DISCLOSURE_ROW_HEADER)
        self.app_structure = {normalise_label(F.APPLICANT_HEADER), normalise_label(F.ORGANISATION_HEADER)}
        self.review_structure = {normalise_label(F.REVIEW_HEADER), normalise_label(F.LITIGATION_HEADER)}
        # table → grid column → (official column, printed header) or (group, column, header path)
        self.maps: dict[str, dict[int, tuple[str, ...]]] = {}
        self.map_tables: dict[str, int] = {}  # table → the Table.number whose header made the map
        self.header_block: list = []
        self.header_kind: str | None = None
        self.disclosure_header: dict[int, str] = {}
        self.review_done = False
        self.units: dict[str, list[str]] = {}  # unit → the cells printed with it

    # -- storing ---------------------------------------------------------------
    def store(self, table: str, row: str, column: str, cell: Cell, printed_row: str, printed_column: str):
        key = (table, row, column)
        domain = self.fmt.cells().get(key) or self.other.cells().get(key, F.COUNT)
        kind, value, note, unit = read_value(cell.text, domain)
        where = cell.where.text()
        if key in self.result.values and self.result.sources[key].where != where:
            previous = self.result.sources[key]
            if self.result.values[key] != value:
                self.result.note(f"{where}：「{printed_row}」×「{printed_column}」再次出现且数字不同（{previous.where} 为 "
                                 f"「{previous.text}」，此处为「{cell.text}」），按先出现的导入")
            return
        if note:
            self.result.note(f"{where}（{printed_row} × {printed_column}）：{note}")
        if unit:  # one note per unit, not one per cell
            self.units.setdefault(unit, []).append(f"{where}「{cell.text}」")
        self.result.values[key] = value
        self.result.sources[key] = Source(printed_row, printed_column, cell.text, where, cell.where.page, cell.where.box)
        self.result.tables.add(table)

    # -- rows ------------------------------------------------------------------
    def run(self) -> Recognised:
        for table in self.doc.tables:
            self.header_block, self.header_kind = [], None
            for cells in table.grid:
                self.row(table.number, cells)
        for unit, examples in self.units.items():
            self.result.note(f"{len(examples)} 个数字单元格带有单位「{unit}」，只导入了数字（如 {examples[0]}）")
        self.narrative()
        self.fees()
        return self.result

    def row(self, number: int, cells) -> None:
        distinct = _distinct(cells)
        if not distinct or all(not c.text for _, c in distinct):
            return
        numbers = sum(1 for _, c in distinct if _is_number(c))
        if numbers == 0:
            kind = self.header_row_kind(distinct)
            if kind:
                if self.header_kind != kind:
                    self.header_block = []
                self.header_kind = kind
                self.header_block.append(cells)
                self.make_map(kind, number)
                return
        if self.disclosure_row(distinct):
            self.header_kind = None
            return
        if self.application_row(number, cells, distinct):
            self.header_kind = None
            return
        if numbers and "review" in self.maps and (self.header_kind == "review" or (not self.review_done and numbers >= 5)):
            self.review_row(cells)
        self.header_kind = None

    def header_row_kind(self, distinct) -> str | None:
        texts = [c.text for _, c in distinct]
        keys = {normalise_label(t) for t in texts}
        if self.header_word in keys:
            return "disclosure"
        app = len(keys & self.app_structure)
        review = len(keys & self.review_structure)
        for text in texts:
            label, _ = self.app_columns.match(text)
            if label in APP_HEAD:
                app += 1
            label, _ = self.review_columns.match(text)
            if label in REVIEW_HEAD:
                review += 1
        if app >= 2 and app >= review:
            return "applications"
        if review >= 2:
            return "review"
        return None

    def make_map(self, kind: str, number: int) -> None:
        if kind == "disclosure":
            cells = self.header_block[-1]
            self.disclosure_header = {i: c.text for i, c in _distinct(cells) if normalise_label(c.text) != self.header_word}
            self.map_tables[kind] = number
            return
        width = max(len(r) for r in self.header_block)
        mapping: dict[int, tuple[str, ...]] = {}
        seen: set = set()
        for col in range(width):
            path: list[tuple[str, object, Cell]] = []
            for cells in self.header_block:
                cell = cells[col] if col < len(cells) else None
                if cell is not None and cell.text and (not path or path[-1][0] != cell.text):
                    path.append((cell.text, cell.where.origin, cell))
            if not path:
                continue
            text, origin, cell = path[-1]
            if kind == "applications":
                label, score = self.app_columns.match(text)
                if label and (origin, label) not in seen:
                    seen.add((origin, label))
                    mapping[col] = (label, text)
                    if score < 1:
                        self.result.note(_fuzzy_note(text, label, score, cell.where.text()))
            else:
                label, score = self.review_columns.match(text)
                group = next((self.review_groups[normalise_label(t)] for t, _, _ in reversed(path)
                              if normalise_label(t) in self.review_groups), None)
                if group is None:  # 行政诉讼 without its two sub-groups is not enough
                    continue
                if label and (group, label) not in {v[:2] for v in mapping.values()}:
                    mapping[col] = (group, label, f"{'/'.join(t for t, _, _ in path)}")
                    if score < 1:
                        self.result.note(_fuzzy_note(text, label, score, cell.where.text()))
        if mapping:
            self.maps[kind] = mapping
            self.map_tables[kind] = number
            if kind == "review":
                self.review_done = False

    # -- section 二 ------------------------------------------------------------
    def disclosure_row(self, distinct) -> bool:
        """A row of section 二: its label names an item row; its numbers go to
        the columns the item's header row names.  A label of the other format
        (「规范性文件」 in a 2021 report) is taken for this format's row when the
        header names this format's columns, else recorded as printed."""
        for position, (_, cell) in enumerate(distinct[:3]):
            if _is_number(cell):
                return False
            label, score = self.disclosure_rows.match(cell.text)
            other = self.disclosure_rows_other.get(normalise_label(cell.text))
            if other and score < 1 and not self.headed_by(label, self.disclosure_cols, distinct[position + 1:]):
                self.note_foreign(cell, other)
                return self.disclosure_cells(other, self.disclosure_cols_other, cell, distinct[position + 1:], score=1.0)
            if label is not None:
                return self.disclosure_cells(label, self.disclosure_cols, cell, distinct[position + 1:], score)
        return False

    def headed_by(self, label, matchers, cells) -> bool:
        if label is None:
            return False
        return any(matchers[label].match(self.disclosure_header.get(index, ""))[0] for index, _ in cells)

    def note_foreign(self, cell: Cell, label: str) -> None:
        self.result.note(
            f"{cell.where.text()}：「{cell.text}」是{self.other.version}格式（{self.other.years_text}）的主动公开项目"
            f"「{label}」，{self.fmt.version}格式中没有这一行：照印的导入，校验会指出"
        )

    def disclosure_cells(self, label, matchers, first: Cell, cells, score: float) -> bool:
        if score < 1:
            self.result.note(_fuzzy_note(first.text, label, score, first.where.text()))
        found = False
        for index, cell in cells:
            header = self.disclosure_header.get(index)
            if header is None:
                continue
            column, col_score = matchers[label].match(header)
            if column is None:
                continue
            if col_score < 1:
                self.result.note(_fuzzy_note(header, column, col_score, cell.where.text()))
            self.store(F.DISCLOSURE, label, column, cell, first.text, header)
            found = True
        if not found:
            self.result.note(f"{first.where.text()}：找到「{first.text}」一行，但没有找到与之对应的表头（{F.DISCLOSURE_ROW_HEADER}、指标名称），其数字未导入")
        return True

    # -- section 三 ------------------------------------------------------------
    def application_row(self, number: int, cells, distinct) -> bool:
        mapping = self.maps.get("applications")
        first_value = min(mapping) if mapping else None
        labels: list[Cell] = []
        for index, cell in distinct:
            if first_value is not None and index >= first_value:
                break
            if cell.text and not _is_number(cell) and (not labels or labels[-1].text != cell.text):
                labels.append(cell)
        if not labels:
            return False
        texts = [c.text for c in labels]
        label, foreign, score = self.application_label(texts)
        if label is None:
            return False
        printed = texts[-1]
        where = labels[-1].where.text()
        if mapping is None:
            self.result.note(f"{where}：找到申请表的行「{printed}」，但前面没有申请表的表头（{F.NATURAL_PERSON}、{F.ORGANISATIONS[0]}……），其数字未导入")
            return True
        if self.map_tables.get("applications") != number:
            self.map_tables["applications"] = number
            self.result.note(f"表格{number}：没有申请表的表头，按前面的申请表表头续读（表格跨页或被拆分）")
        if score < 1:
            self.result.note(_fuzzy_note(printed, label, score, where))
        if foreign:
            self.result.application_layout = self.other
        for col, (column, header_text) in mapping.items():
            cell = cells[col] if col < len(cells) else None
            if cell is None:
                continue
            self.store(F.APPLICATIONS, label, column, cell, printed, header_text)
        return True

    def application_label(self, texts: list[str]) -> tuple[str | None, bool, float]:
        """(official row label, printed in the other format's layout, score)."""
        for start in range(len(texts)):
            key = normalise_label("/".join(texts[start:]))
            if key in self.app_rows.exact:
                return self.app_rows.exact[key], False, 0.99 if key in self.app_rows.variants else 1.0
            if key in self.app_rows_other.exact:
                return self.app_rows_other.exact[key], True, 1.0
        last = texts[-1]
        if normalise_label(last) in self.app_groups:
            return None, False, 0.0  # a group heading printed on a row of its own
        label, score = self.app_rows.match(last)
        if label is not None:
            return label, False, score
        label, score = self.app_rows_other.match(last)
        if label is not None and label not in self.fmt.application_labels:
            return label, True, score
        return None, False, 0.0

    # -- section 四 ------------------------------------------------------------
    def review_row(self, cells) -> None:
        mapping = self.maps["review"]
        for col, (group, column, header_path) in mapping.items():
            cell = cells[col] if col < len(cells) else None
            if cell is not None:
                self.store(F.REVIEW, group, column, cell, group, header_path)
        self.review_done = True

    # -- narrative ---------------------------------------------------------------
    def narrative(self) -> None:
        sections: dict[int, list] = {}
        current = -1
        for block in self.doc.blocks:
            if block.kind in (HEADING, PARAGRAPH):
                index = self.section_heading(block.text, current)
                if index is not None:
                    current = index
                    sections.setdefault(current, [])
                    continue
            if current >= 0:
                sections[current].append(block)
        for index, blocks in sections.items():
            heading = F.SECTION_HEADINGS[index]
            if heading in F.AUTHORED_SECTIONS:
                texts = [b.text for b in blocks if b.kind != TABLE]
            else:  # sections 二–四: only what follows the tables (what precedes them restates the tables)
                tables = [i for i, b in enumerate(blocks) if b.kind == TABLE]
                texts = [b.text for b in blocks[(tables[-1] + 1) if tables else 0:] if b.kind != TABLE]
            if index == 5:
                texts = without_signature(texts)
            if texts:
                self.result.narrative[heading] = texts

    def section_heading(self, text: str, current: int) -> int | None:
        match = re.match(r"^\s*([一二三四五六])\s*[、.．,，]\s*(.*)$", unicodedata.normalize("NFKC", text))
        if not match:
            return None
        index = "一二三四五六".index(match.group(1))
        if index <= current or len(normalise_label(text)) > 40 or match.group(2).rstrip().endswith("。"):
            return None
        official = F.SECTION_HEADINGS[index]
        if normalise_label(text) != normalise_label(official):
            score = difflib.SequenceMatcher(None, normalise_label(text), normalise_label(official)).ratio()
            self.result.note(f"标题「{text}」作为第{match.group(1)}部分「{official}」（相似度 {score:.2f}）")
        return index


    # -- 信息处理费, stated in section 六 ----------------------------------------------
    def fees(self) -> None:
        text = unicodedata.normalize("NFKC", "".join(self.result.narrative.get(F.SECTION_HEADINGS[5], [])))
        found = read_fees(text)
        if not found and not self.fmt.fees_required:
            return  # 2019-2020: fees.csv is optional and the page says nothing
        for fee in F.FEE_ROWS:
            key = (F.FEES, fee.label, F.FEE_VALUE)
            if fee.label in found:
                value, sentence = found[fee.label]
                self.result.values[key] = value
                self.result.sources[key] = Source(fee.label, F.FEE_VALUE, sentence, "第六部分文字")
            else:
                self.result.values[key] = ""
                self.result.sources[key] = Source(fee.label, F.FEE_VALUE, "", "（页面未写明）")
        missing = [fee.label for fee in F.FEE_ROWS if fee.label not in found]
        if missing:
            self.result.note(f"第六部分没有写明信息处理费的{'、'.join(missing)}：fees.csv 中留空，校验 R5 会要求补填")
        self.result.tables.add(F.FEES)


def recognise(doc: Document, fmt: F.Format) -> Recognised:
    return _Recogniser(doc, fmt).run()
