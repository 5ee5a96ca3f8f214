"""``nianbao import --audit``: read and check published reports without
writing into ``data/``.

The recognised reports are written into a temporary project (the department
list, plus last year's data of each department from the real project for X1),
the usual rule engine checks them there, and the temporary project is removed.
One console line per report; every finding and import note in a CSV (UTF-8
with BOM, cells neutralised by :func:`nianbao.textio.csv_text`).
"""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .. import formats as F
from ..config import PROJECT_FILE
from ..datafiles import write_files
from ..engine import check_project
from ..findings import ERROR, SEVERITY_TITLES, WAIVED, WARNING
from ..folders import contract_files
from ..project import DEPARTMENTS_FILE, Department, Project, load_project
from ..textio import csv_text, write_atomic
from .page import PageImport, contract_texts, prepare

DEFAULT_OUT = Path("outputs") / "import-audit.csv"
CSV_HEADER = ("文件", "SHA-256", "年度", "部门编号", "部门", "格式", "结果", "规则", "级别", "表", "行", "列",
              "应为", "实际", "说明", "原文位置")
UNLISTED_REGION = "（名单之外）"
NOTE = "导入提示"


@dataclass
class Audited:
    page: PageImport
    dept: str | None = None  # the id in the temporary project
    name: str = ""
    findings: list = field(default_factory=list)


def _departments_csv(departments) -> str:
    header = ("id", "name", "region", "short_name", "order", "first_year", "last_year")
    rows = [(d.id, d.name, d.region, d.short_name, d.order, d.first_year or "", d.last_year or "") for d in departments]
    return csv_text(header, rows)


def _scratch_project(project: Project, audited: list[Audited], root: Path) -> Project:
    departments = list(project.departments.values())
    unlisted = 0
    for item in audited:
        page = item.page
        if page.refused:
            continue
        if page.dept is None:  # an organ not in departments.csv: audited under a temporary id
            unlisted += 1
            item.dept = f"unlisted-{unlisted}"
            departments.append(Department(item.dept, page.identity.name or "", UNLISTED_REGION))
        else:
            item.dept = page.dept
        item.name = page.identity.name or "" if page.dept is None else project.departments[page.dept].name
    write_atomic(root / DEPARTMENTS_FILE, _departments_csv(departments), bom=True)
    if (project.root / PROJECT_FILE).is_file():
        shutil.copyfile(project.root / PROJECT_FILE, root / PROJECT_FILE)
    audited_keys = {(item.page.year, item.dept) for item in audited if item.dept}
    for item in audited:
        if not item.dept:
            continue
        page = item.page
        assert page.year is not None, "a page with a department has a year"
        write_files(root / "data" / str(page.year) / item.dept, contract_texts(page), force=True)
        previous = (page.year - 1, item.dept)
        if previous not in audited_keys and page.dept:
            for path in contract_files(project.root, page.dept, page.year - 1):
                target = root / "data" / str(page.year - 1) / page.dept / path.name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
    return load_project(root)


def _summary(findings) -> str:
    parts = []
    for severity in (ERROR, WARNING, WAIVED):
        rules = Counter(f.rule for f in findings if f.severity == severity)
        if rules:
            listed = "、".join(f"{rule}×{n}" if n > 1 else rule for rule, n in sorted(rules.items()))
            parts.append(f"{SEVERITY_TITLES[severity]} {sum(rules.values())} 项（{listed}）")
    return "，".join(parts) if parts else "通过全部校验"


def audit_pages(project: Project, pages: list[Path], years=None, depts=None, out: Path | None = None,
                echo=print) -> bool:
    """Audit; returns whether every report was read and none has an error."""
    single = len(pages) == 1
    audited: list[Audited] = []
    seen: dict[tuple[int | None, str | None], Path] = {}
    for path in pages:
        page = prepare(path, project, years, depts, single=single, allow_unknown=True)
        key = (page.year, page.dept or page.identity.name)
        if not page.refused and key in seen:
            page.refuse(f"与 {seen[key].name} 是同一部门同一年度的报告，只审阅一份。")
        if not page.refused:
            seen[key] = path
        audited.append(Audited(page))
    with tempfile.TemporaryDirectory(prefix="nianbao-audit-") as scratch:
        temporary = _scratch_project(project, audited, Path(scratch))
        pairs = {(item.page.year, item.dept) for item in audited if item.dept}
        if pairs:
            run = check_project(temporary, {y for y, _ in pairs}, {d for _, d in pairs})
            for item in audited:
                if item.dept:
                    assert item.page.year is not None, "a page with a department has a year"
                    item.findings = run.for_report(item.page.year, item.dept)
    rows = []
    ok = True
    for item in audited:
        page = item.page
        shown = page.path.name
        if page.refused:
            ok = False
            echo(f"✗ {shown}：无法审阅：{' '.join(page.refusals)}")
            rows.append(_row(item, "无法审阅", "", "", None, " ".join(page.refusals)))
            continue
        assert page.format is not None and page.result is not None, "set unless refused"
        errors = any(f.severity == ERROR for f in item.findings)
        ok = ok and not errors
        mark = "✗" if errors else "!" if item.findings else "✓"
        notes = f"；{NOTE} {len(page.notes)} 条" if page.notes else ""
        listed = "" if page.dept else "（不在名单中）"
        echo(f"{mark} {shown} → {page.year} {item.name}{listed}（{page.format.version} 格式）：{_summary(item.findings)}{notes}")
        result = "有错误" if errors else "有提示" if item.findings else "通过"
        for finding in item.findings:
            source = page.result.sources.get((finding.table, finding.row, finding.column))
            rows.append(_row(item, result, finding.rule, SEVERITY_TITLES[finding.severity], finding, finding.message,
                             source.where if source else ""))
        for note in page.notes:
            rows.append(_row(item, result, NOTE, NOTE, None, note))
        if not item.findings and not page.notes:
            rows.append(_row(item, result, "", "", None, "通过全部校验"))
    target = out or project.root / DEFAULT_OUT
    shown = project.relative(target.resolve()) if out is None else str(target)
    try:
        write_atomic(target, csv_text(CSV_HEADER, rows, numeric=("年度", "应为", "实际")), bom=True)
    except OSError as exc:
        echo(f"共审阅 {len(audited)} 份报告，但无法写入 {shown}：{exc.strerror or exc}。请用 --out 指定可写入的文件。")
        return False
    echo(f"共审阅 {len(audited)} 份报告；逐项结果已写入 {shown}（未改动 data/）。")
    return ok


def _row(item: Audited, result: str, rule: str, severity: str, finding, message: str, where: str = "") -> list:
    page = item.page
    table = F.TABLE_TITLES.get(finding.table, finding.table or "") if finding else ""
    return [
        page.path.name, page.sha256, page.year or "", page.dept or "", item.name or (page.identity.name or ""),
        page.format.version if page.format else "", result, rule, severity, table,
        (finding.row or "") if finding else "", (finding.column or "") if finding else "",
        "" if finding is None or finding.expected is None else finding.expected,
        "" if finding is None or finding.actual is None else finding.actual,
        message, where,
    ]
