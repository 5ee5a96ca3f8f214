"""The two sites: the office's working view (outputs/draft/) and the folder the
web team uploads (outputs/publish/), plus outputs/index.html pointing at both.

Every page is one self-contained file: CSS inline, charts as data: URIs, no
script, in Chinese, readable on a phone.  This module prepares each page's data
(rows, badges, region figures and charts); the pages themselves are Jinja2
templates kept as data in ``templates/site/`` (autoescaped, one base page whose
body passes :func:`nianbao.html.sanitise`), sharing ``static/site.css``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import jinja2
from markupsafe import Markup

from . import formats as F
from . import paths
from .build.records import read_manifest
from .cells import Number
from .deptnotebook import own_notebook
from .engine import CheckRun
from .feed import FEED, Published, published_reports, write_feed
from .findings import SEVERITY_TITLES, counts, to_csv
from .folders import is_imported
from .html import findings_table, sanitise
from .project import Project
from .prose import group_totals
from .rates import RATE_NAMES, RATES_NOTE, rates
from .textio import write_atomic

HISTORY_BADGE = "已导入（历史）"  # imported from its published report: not republished
OWN_NOTEBOOK_BADGE = "本部门笔记本"  # made with notebooks/departments/<id>.ipynb (deptnotebook.py)


# ---------------------------------------------------------------------------
# Rendering: templates/site/ and static/site.css, kept as data
# ---------------------------------------------------------------------------


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("nianbao", "templates/site"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    # Every page's body passes the kit's one sanitiser; links stay inside the site.
    env.filters["sanitise"] = lambda body: Markup(sanitise(str(body), relative_links=True))
    return env


@functools.cache
def stylesheet() -> str:
    """The sites' one stylesheet, inlined into every page (pages stay self-contained)."""
    return resources.files("nianbao").joinpath("static/site.css").read_text(encoding="utf-8")


def _page(template: str, title: str, **values) -> str:
    """Every page of the sites is rendered through here (see templates/site/base.html.j2)."""
    # The kit's own file, not input: kept as written (autoescape would mangle its quotes).
    return _environment().get_template(template).render(title=title, stylesheet=Markup(stylesheet()), **values)


def _anchor(year: int, dept: str) -> str:
    return f"r-{year}-{dept}"  # escaped by the template, like any value: a finding may name any folder


@dataclass(frozen=True)
class Badge:
    css: str
    label: str
    href: str | None = None


@dataclass(frozen=True)
class Link:
    href: str
    label: str


# ---------------------------------------------------------------------------
# Status of one department-year, shared by the page and the tests
# ---------------------------------------------------------------------------


def check_badge(findings) -> tuple[str, str]:
    """(css class, text) of a department-year's check status."""
    tally = counts(findings)
    if not findings:
        return "ok", "✓ 通过"
    parts = [f"{SEVERITY_TITLES[k]} {n}" for k, n in tally.items() if n]
    worst = next(severity for severity, n in tally.items() if n)  # counts() lists the severest first
    return str(worst), " · ".join(parts)


def build_badge(manifest: dict | None) -> tuple[str, str]:
    if manifest is None:
        return "missing", "未生成"
    if manifest.get("status") == "ok":
        return "ok", "已生成"
    failure = manifest.get("failure") or {}
    cell = failure.get("cell_index")
    if isinstance(cell, int):
        return "failed", f"生成失败（第 {cell + 1} 个单元格）"
    from .build.runner import STAGES

    stage = STAGES.get(failure.get("stage", ""))
    return "failed", f"生成失败（{stage}）" if stage else "生成失败"


# ---------------------------------------------------------------------------
# Region figures
# ---------------------------------------------------------------------------

_REGION_COLUMNS = ("本年新收", "上年结转", *F.OUTCOME_GROUP_NAMES.values(), "办结合计", "结转下年度")


def region_figures(project: Project, run: CheckRun) -> dict[str, dict[int, list[Number]]]:
    """region → year → the sums of _REGION_COLUMNS over its departments.

    Sums of balanced reports stay balanced (rules R1–R4, ``docs/规则.md``), so R1 holds on them.
    """
    figures: dict[str, dict[int, list[Number]]] = {}
    for (year, dept), sub in sorted(run.submissions.items()):
        if sub.department.members is not None:
            continue  # a government's figures are its members': counted once, through them
        region = project.departments[dept].region
        groups = group_totals(sub)
        row = [
            sub.value(F.APPLICATIONS, F.NEW, F.TOTAL),
            sub.value(F.APPLICATIONS, F.CARRIED_IN, F.TOTAL),
            *groups.values(),
            sub.value(F.APPLICATIONS, F.OUTCOME_TOTAL, F.TOTAL),
            sub.value(F.APPLICATIONS, F.CARRIED_OUT, F.TOTAL),
        ]
        sums = figures.setdefault(region, {}).setdefault(year, [0] * len(row))
        figures[region][year] = [a + b for a, b in zip(sums, row, strict=False)]
    return figures


def _region_chart(region: str, by_year: dict[int, list[Number]]) -> Markup | None:
    """The region's chart as HTML (made by nianbao.charts), or None when it has no applications."""
    if len(by_year) < 1 or not any(v[0] or v[-2] for v in by_year.values()):
        return None
    from .charts import Chart, new_figure, render_png

    years = sorted(by_year)
    new = [by_year[y][0] for y in years]
    done = [by_year[y][-2] for y in years]
    fig, ax = new_figure(6.4, 3.0)
    width = 0.38
    positions = range(len(years))
    ax.bar([p - width / 2 for p in positions], new, width, label="本年新收", color="#1f4e79")
    ax.bar([p + width / 2 for p in positions], done, width, label="办结", color="#9bbb59")
    ax.set_xticks(list(positions), [f"{y}年" for y in years])
    ax.legend(frameon=False, ncols=2, loc="upper center", bbox_to_anchor=(0.5, -0.1))
    title = f"{region}各年度政府信息公开申请"
    ax.set_title(title, loc="left")
    alt = title + "：" + "；".join(f"{y}年新收{n}件、办结{d}件" for y, n, d in zip(years, new, done, strict=False)) + "。"
    return Markup(Chart(title, alt, render_png(fig)).html())


# ---------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------


def _report_links(root: Path, mode: str, year: int, dept: str, base: Path) -> list[Link]:
    site = paths.site_dir(root, mode, year, dept)
    record = paths.record_dir(root, mode, year, dept)
    files = ((site / "report.html", "网页"), (site / "report.pdf", "PDF"), (record / paths.DOCX, "Word（审签）"),
             (record / paths.NOTEBOOK_OUT, "笔记本"))
    return [Link(path.relative_to(base).as_posix(), label) for path, label in files if path.exists()]


def _draft_row(project: Project, run: CheckRun, year: int, dept, submitted: set, missing, by_report: dict) -> dict | None:
    """One department-year of the working view, or None when it is neither submitted nor due."""
    root, key = project.root, (year, dept.id)
    if key in submitted:
        check = Badge(*check_badge(by_report.get(key, [])), href=f"checks.html#{_anchor(year, dept.id)}")
        build = Badge(*build_badge(read_manifest(root, "draft", year, dept.id)))
        links = _report_links(root, "draft", year, dept.id, paths.outputs(root) / "draft")
    elif key in missing:
        check, build, links = Badge("missing", "未提交"), Badge("missing", "未提交"), []
    else:
        return None
    sub = run.submissions.get(key)
    return {
        "anchor": _anchor(year, dept.id), "dept": dept.id, "name": dept.name, "imported": is_imported(root, dept.id, year),
        "own_notebook": own_notebook(root, dept.id) is not None,
        "links": links, "check": check, "build": build,
        # The evaluators' rates (「样本少」 below the minimum of cases), the counts behind each in its title.
        "rates": [(rate.text(), rate.note()) for rate in rates(sub.values)] if sub else None,
    }


def _district_link(root: Path, region: str) -> str | None:
    from .district import district_page

    page = district_page(root, region)
    return page.relative_to(paths.outputs(root) / "draft").as_posix() if page.exists() else None


def draft_index(project: Project, run: CheckRun, missing: list[tuple[int, str]]) -> str:
    by_report: dict[tuple[int, str], list] = {}
    for finding in run.findings:
        if finding.year is not None and finding.department:
            by_report.setdefault((finding.year, finding.department), []).append(finding)
    figures = region_figures(project, run)
    submitted = set(project.submitted())
    regions = []
    for region, depts in project.regions().items():
        years = sorted({y for y, d in submitted | set(missing) if project.departments[d].region == region}, reverse=True)
        if not years:
            continue
        region_years = figures.get(region, {})
        sections = []
        for year in years:
            rows = [row for dept in depts if (row := _draft_row(project, run, year, dept, submitted, missing, by_report))]
            if rows:
                sections.append({"year": year, "rows": rows})
        regions.append({
            "name": region,
            "totals": [(y, region_years[y]) for y in sorted(region_years, reverse=True)],
            "chart": _region_chart(region, region_years) if region_years else None,
            "years": sections,
            "district": _district_link(project.root, region),
        })
    return _page(
        "draft_index.html.j2", "政府信息公开工作年度报告 · 工作视图（草稿）",
        regions=regions, columns=_REGION_COLUMNS, history=Badge("waived", HISTORY_BADGE),
        own_notebook=Badge("waived", OWN_NOTEBOOK_BADGE), rate_names=RATE_NAMES,
        rate_note=RATES_NOTE,
    )


def checks_page(project: Project, run: CheckRun) -> str:
    grouped: dict[tuple, list] = {}
    for finding in run.findings:
        grouped.setdefault((finding.year, finding.department), []).append(finding)
    groups = []
    for (year, dept), found in sorted(grouped.items(), key=lambda kv: (-(kv[0][0] or 0), kv[0][1] or "")):
        name = project.departments[dept].name if dept in project.departments else (dept or "项目")
        groups.append({
            "anchor": _anchor(year, dept) if year and dept else "project",
            "heading": f"{year}年 {name}" if year else name,
            "table": Markup(findings_table(found, f"{name}的校验结果")),  # html.py escapes every value
        })
    return _page("checks.html.j2", "数据校验结果", groups=groups)


def publish_index(project: Project, reports: list[Published]) -> str:
    """outputs/publish/index.html: the same reports and files as index.json (nianbao.feed)."""
    by_key = {(report.year, report.department): report for report in reports}
    regions = []
    for region, depts in project.regions().items():
        years = sorted({year for year, _ in by_key}, reverse=True)
        sections = [
            {"year": year, "reports": found}
            for year in years
            if (found := [by_key[year, dept.id] for dept in depts if (year, dept.id) in by_key])
        ]
        if sections:
            regions.append({"name": region, "years": sections})
    return _page("publish_index.html.j2", "政府信息公开工作年度报告", regions=regions)


def landing_page(root: Path) -> str:
    out = paths.outputs(root)
    return _page(
        "landing.html.j2", "政府信息公开工作年度报告",
        draft=(out / "draft" / "index.html").exists(), publish=(out / "publish" / "index.html").exists(),
    )


def write_sites(project: Project, run: CheckRun, missing: list[tuple[int, str]], mode: str) -> None:
    out = paths.outputs(project.root)
    if mode == "draft":
        write_atomic(out / "draft" / "index.html", draft_index(project, run, missing))
        write_atomic(out / "draft" / "checks.html", checks_page(project, run))
        write_atomic(out / "draft" / "checks.csv", to_csv(run.findings), bom=True)
    if (out / "publish").is_dir():
        reports = published_reports(project)
        write_atomic(out / "publish" / "index.html", publish_index(project, reports))
        write_feed(project, reports, out / "publish" / FEED)
    write_atomic(out / "index.html", landing_page(project.root))
