"""One published report, from file to importable result: read (any reader),
identify (department and year), recognise (tables and narrative), and the
data-contract files and ``import.json`` it gives.  Problems are values."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from .. import __version__, prose
from .. import formats as F
from ..contract import WAIVERS_FILE, WAIVERS_HEADER, Submission
from ..datafiles import applications_csv, submission_files
from ..project import Department, Project
from ..textio import csv_text
from .identify import Identity, find_title, match_department, unknown_department_message, year_problem
from .model import Document, ReadError
from .readers import read_document
from .recognise import Recognised, recognise


@dataclass
class PageImport:
    path: Path
    sha256: str = ""
    doc: Document | None = None
    identity: Identity = field(default_factory=Identity)
    result: Recognised | None = None
    refusals: list[str] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return bool(self.refusals)

    @property
    def dept(self) -> str | None:
        return self.identity.dept

    @property
    def year(self) -> int | None:
        return self.identity.year

    @property
    def format(self) -> F.Format | None:
        return self.result.format if self.result else None

    @property
    def notes(self) -> list[str]:
        notes = [self.identity.note] if self.identity.note else []
        return notes + (self.result.notes if self.result else [])

    def refuse(self, message: str) -> PageImport:
        self.refusals.append(message)
        return self


def prepare(path: Path, project: Project, years=None, depts=None, *, single: bool = True,
            allow_unknown: bool = False) -> PageImport:
    """Read and recognise one report.  ``single``: --dept/--year set the
    department and year (one report) rather than filter (several).
    ``allow_unknown`` (audit): an organ not in departments.csv is kept with
    ``identity.dept`` None instead of being refused."""
    page = PageImport(path)
    try:
        page.sha256 = hashlib.sha256(path.read_bytes()).hexdigest() if path.stat().st_size <= 64 * 1024 * 1024 else ""
        page.doc = read_document(path)
    except ReadError as exc:
        return page.refuse(str(exc))
    except OSError as exc:
        return page.refuse(f"无法读取 {path.name}：{exc.strerror or exc}。")
    if not identify(page, project, years, depts, single, allow_unknown):
        return page
    assert page.doc is not None  # read above, or refused
    page.result = recognise(page.doc, F.format_for_year(page.year))
    if not page.result.tables - {F.FEES}:
        return page.refuse(_no_tables(path))
    for table in (F.DISCLOSURE, F.APPLICATIONS, F.REVIEW):
        if table not in page.result.tables:
            page.result.note(f"页面中没有找到{F.TABLE_TITLES[table]}：{F.TABLE_FILES[table]} 中的数字留空，校验 R5 会指出")
    return page


def _no_tables(path: Path) -> str:
    return (
        f"{path.name} 中没有找到年报的表格（主动公开表、申请表、复议诉讼表，按官方标签识别）。"
        "请确认这是年报正文的页面：如报告是附件（PDF、Word），请另存附件；如表格是图片，无法导入。"
    )


def identify(page: PageImport, project: Project, years, depts, single: bool, allow_unknown: bool) -> bool:
    assert page.doc is not None, "a page is identified once read"
    found = find_title(page.doc.titles)
    ident = page.identity
    if found:
        ident.title, ident.name, ident.year = found
    name = page.path.name
    if ident.year is not None and year_problem(ident.year):
        page.refuse(f"{name}：{year_problem(ident.year)}")
        return False
    if not any(recognise(page.doc, fmt).tables - {F.FEES} for fmt in F.FORMATS):
        page.refuse(_no_tables(page.path))  # not a report page: say so before asking for a title
        return False
    if single and years and len(years) == 1:
        if ident.year is not None and ident.year != years[0]:
            ident.note = f"标题中的年度是{ident.year}年，按 --year 导入为{years[0]}年度"
        ident.year = years[0]
    if ident.year is None:
        page.refuse(f"{name} 中没有找到报告标题（如「…局2023年政府信息公开工作年度报告」），无法确定年度：请用 --year 指定。")
        return False
    problem = year_problem(ident.year)
    if problem:
        page.refuse(f"{name}：{problem}")
        return False
    if years and ident.year not in years:
        page.refuse(f"{name} 是{ident.year}年度的报告，本次只导入{'、'.join(map(str, years))}年度（--year）。")
        return False
    if single and depts and len(depts) == 1:
        ident.dept = depts[0]
        matched, _ = match_department(project, ident.name or "")
        if ident.name and matched != ident.dept:
            ident.note = f"标题中的机关是「{ident.name}」，按 --dept 导入为{project.departments[ident.dept].name}（{ident.dept}）"
    elif ident.name:
        ident.dept, ident.note = match_department(project, ident.name)
    if ident.dept is None:
        if allow_unknown and ident.name:
            return True
        if ident.name:
            page.refuse(f"{name}：{unknown_department_message(project, ident.name, ident.year)}")
        else:
            page.refuse(f"{name} 中没有找到报告标题，无法确定是哪个部门的报告：请用 --dept 指定。")
        return False
    if depts and ident.dept not in depts:
        page.refuse(f"{name} 是{project.departments[ident.dept].name}（{ident.dept}）的报告，本次只导入 {'、'.join(depts)}（--dept）。")
        return False
    return True


# ---------------------------------------------------------------------------
# What is written
# ---------------------------------------------------------------------------


def _submission(page: PageImport) -> Submission:
    """The recognised numbers as a Submission, to recognise the kit's own generated sentences."""
    result = page.result
    assert result is not None and page.year is not None, "a recognised page"
    values = {k: v for k, v in result.values.items() if isinstance(v, (int, Decimal))}
    dept = Department(page.dept or "", page.identity.name or "", "")
    return Submission(dept, page.year, result.format, "", values=values, tables=set(result.tables))


def _generated(page: PageImport) -> set[str]:
    """Sentences the kit itself prints from the tables: a page the kit made
    carries them, and they are not authored narrative."""
    sub = _submission(page)
    sentences = {prose.key_figures(sub), prose.NO_APPLICATION_CHARTS}
    fee = prose.fee_statement(sub)
    if fee:
        sentences.add(fee)
    return sentences


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")
_LIST_START = re.compile(r"^(\s*)(\d+)([.)])")
_BLOCK_START = re.compile(r"^(\s*)([-+>=])")


def markdown_text(paragraph: str) -> str:
    """A printed paragraph as Markdown that renders as the same text: no
    heading, list, link, emphasis or HTML can come out of published words."""
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", paragraph)
    text = _LIST_START.sub(r"\1\2\\\3", text)
    return _BLOCK_START.sub(r"\1\\\2", text)


def _waiver_notes() -> tuple[str, ...]:
    """How the kit prints a waiver under a table (report.Report._waiver_notes):
    the explanation is data (waivers.csv), not narrative."""
    from ..rules import RULES

    return tuple(f"注：{rule.statement}（" for rule in RULES.values())


def waiver_rows(page: PageImport) -> list[list[str]]:
    """The explained deviations a page made by the kit prints
    (「注：<rule statement>（<table> <row> × <column>）。<explanation>」), as waivers.csv rows."""
    from ..rules import RULES

    titles = {title: title for title in F.TABLE_TITLES.values()}
    rows: list[list[str]] = []
    assert page.result is not None, "a recognised page"
    for paragraphs in page.result.narrative.values():
        for paragraph in paragraphs:
            for rule in RULES.values():
                prefix = f"注：{rule.statement}（"
                if not paragraph.startswith(prefix) or "）。" not in paragraph[len(prefix):]:
                    continue
                location, _, explanation = paragraph[len(prefix):].partition("）。")
                table, _, cell = location.partition(" ")
                if table not in titles:
                    table, cell = "", location
                row, _, column = cell.partition(" × ")
                entry = [rule.id, table, row, column, explanation]
                if explanation and entry not in rows:
                    rows.append(entry)
    return rows


def narrative_markdown(page: PageImport) -> str:
    generated, notes = _generated(page), _waiver_notes()
    assert page.result is not None, "a recognised page"
    parts = []
    for heading in F.SECTION_HEADINGS:
        paragraphs = [p for p in page.result.narrative.get(heading, []) if p not in generated and not p.startswith(notes)]
        if not paragraphs and heading not in F.AUTHORED_SECTIONS:
            continue
        body = "\n\n".join(markdown_text(p) for p in paragraphs)
        parts.append(f"## {heading}\n\n{body}\n" if body else f"## {heading}\n")
    return "\n".join(parts)


def contract_texts(page: PageImport) -> dict[str, str]:
    """File name → text of the data-contract files the report gives, written by
    the kit's writers; every official cell the page does not print is blank."""
    result = page.result
    assert result is not None, "a recognised page"
    fmt = result.format
    layout = result.application_layout or fmt
    values = dict(result.values)
    for key in (*fmt.cells(), *(k for k in layout.cells() if k[0] == F.APPLICATIONS)):
        values.setdefault(key, "")
    files = submission_files(fmt, values, narrative_markdown(page))
    if layout is not fmt:  # printed in the other format's layout: recorded as printed (the check reports it)
        files[F.TABLE_FILES[F.APPLICATIONS]] = applications_csv(layout, values)
    if F.FEES not in result.tables:
        del files[F.TABLE_FILES[F.FEES]]
    waivers = waiver_rows(page)
    if waivers:
        files[WAIVERS_FILE] = csv_text(WAIVERS_HEADER, waivers)
    return files


def provenance(page: PageImport) -> dict:
    """import.json: the source and, for every cell written, where it came from."""
    result = page.result
    assert result is not None and page.doc is not None, "a recognised page"
    cells = []
    keys = [*result.format.cells(), *(k for k in result.values if k not in result.format.cells())]
    for key in keys:
        table, row, column = key
        if table == F.FEES and F.FEES not in result.tables:
            continue
        source = result.sources.get(key)
        value = result.values.get(key, "")
        cells.append({
            "table": table, "row": row, "column": column,
            "value": str(value),
            "printed_row": source.row if source else None,
            "printed_column": source.column if source else None,
            "printed_text": source.text if source else None,
            "at": source.where if source else None,
        })
        if source and source.page is not None:  # PDF: where on which page (points, origin top left)
            cells[-1]["page"], cells[-1]["box"] = source.page, list(source.box or ())
    return {
        "kit": "nianbao",
        "version": __version__,
        "source": {"file": page.path.name, "sha256": page.sha256, "reader": page.doc.reader, "encoding": page.doc.encoding},
        "title": page.identity.title,
        "department": page.dept,
        "year": page.year,
        "format": result.format.version,
        "application_layout": (result.application_layout or result.format).version,
        "narrative": {h: len(p) for h, p in result.narrative.items()},
        "notes": page.notes,
        "cells": cells,
    }


def provenance_text(page: PageImport) -> str:
    return json.dumps(provenance(page), ensure_ascii=False, indent=1) + "\n"
