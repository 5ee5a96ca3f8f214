"""The two sites: the office's working view (outputs/draft/) and the folder the
web team uploads (outputs/publish/), plus outputs/index.html pointing at both.

Every page is one self-contained file: CSS inline, charts as data: URIs, no
script, in Chinese, readable on a phone.
"""

from __future__ import annotations

from pathlib import Path

from . import formats as F
from . import layout as L
from .folders import is_imported
from .engine import CheckRun
from .findings import SEVERITY_TITLES, counts, to_csv
from .html import findings_table, sanitise, text
from .project import Project
from .prose import GROUP_NAMES, group_totals
from .rates import MIN_CASES, RATE_NAMES, SMALL_SAMPLE, rates
from .build.records import read_manifest
from .textio import write_atomic

_CSS = """
body{font-family:"PingFang SC","Microsoft YaHei","Noto Sans SC","Noto Sans CJK SC",sans-serif;margin:0;padding:1em;color:#111;line-height:1.6}
main{max-width:70em;margin:0 auto}
h1{font-size:1.5em;font-weight:normal}h2{font-size:1.25em;font-weight:normal;border-bottom:2px solid #1f4e79;margin-top:1.6em}
h3{font-size:1.05em;font-weight:normal;margin:1.2em 0 .4em}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;width:100%;font-size:.9em}th,td{border:1px solid #bbb;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f1f4f8;font-weight:normal}td.num{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;padding:0 .5em;border-radius:.6em;font-size:.85em;white-space:nowrap}
.ok{background:#e3f4e1;color:#135e0e}.error{background:#fde2e2;color:#a00}.warning{background:#fff1d6;color:#7a4b00}
.waived{background:#eee;color:#444}.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}.missing{background:#eee;color:#666}.failed{background:#a00;color:#fff}
figure{margin:1em 0;text-align:center}figure img{max-width:100%;height:auto}
nav a{margin-right:1em}p.note{color:#555;font-size:.9em}
"""


_RATE_HEAD = "".join(f'<th scope="col">{name}</th>' for name in RATE_NAMES)
_RATE_NOTE = (f"实质公开率 =（予以公开 + 部分公开）÷ 办结；纠错率 = 结果纠正 ÷ 审结（总计 − 尚未审结），诉讼含两类起诉。"
              f"不足 {MIN_CASES} 件的显示为「{SMALL_SAMPLE}」，鼠标悬停可见件数。")
HISTORY_BADGE = "已导入（历史）"  # imported from its published report: not republished


def _page(title: str, body: str) -> str:
    """Every page of the sites is written through here: the body passes the kit's
    one HTML sanitiser (links stay inside the site), the title is escaped."""
    body = sanitise(body, relative_links=True)
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{text(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
        f"<h1>{text(title)}</h1>\n{body}\n</main>\n</body>\n</html>\n"
    )


def _anchor(year: int, dept: str) -> str:
    # A finding may name a folder that is not a registered id: escape like any text.
    return text(f"r-{year}-{dept}")


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

    stage = STAGES.get(failure.get("stage"))
    return "failed", f"生成失败（{stage}）" if stage else "生成失败"


# ---------------------------------------------------------------------------
# Region figures
# ---------------------------------------------------------------------------

_REGION_COLUMNS = ("本年新收", "上年结转", *GROUP_NAMES.values(), "办结合计", "结转下年度")


def region_figures(project: Project, run: CheckRun) -> dict[str, dict[int, list[int]]]:
    """region → year → the sums of _REGION_COLUMNS over its departments.

    Sums of balanced reports stay balanced (FORMAT.md §7.9), so R1 holds on them.
    """
    figures: dict[str, dict[int, list[int]]] = {}
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
        figures[region][year] = [a + b for a, b in zip(sums, row)]
    return figures


def _region_chart(region: str, by_year: dict[int, list[int]]) -> str:
    if len(by_year) < 1 or not any(v[0] or v[-2] for v in by_year.values()):
        return "<p class=\"note\">该地区各年度均无政府信息公开申请。</p>"
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
    alt = title + "：" + "；".join(f"{y}年新收{n}件、办结{d}件" for y, n, d in zip(years, new, done)) + "。"
    return Chart(title, alt, render_png(fig)).html()


# ---------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------


def _report_links(root: Path, mode: str, year: int, dept: str, base: Path) -> str:
    site = L.site_dir(root, mode, year, dept)
    record = L.record_dir(root, mode, year, dept)
    links = []
    for path, label in ((site / "report.html", "网页"), (site / "report.pdf", "PDF"), (record / L.NOTEBOOK_OUT, "笔记本")):
        if path.exists():
            links.append(f'<a href="{text(path.relative_to(base).as_posix())}">{label}</a>')
    return " ".join(links) or "—"


def rate_cells(values) -> str:
    """The evaluators' rates of a department-year as table cells (「样本少」 below
    the minimum of cases), the counts behind each in its title; "—" without data."""
    if values is None:
        return '<td class="num">—</td>' * len(RATE_NAMES)
    return "".join(f'<td class="num rate" title="{text(rate.note())}">{text(rate.text())}</td>' for rate in rates(values))


def draft_index(project: Project, run: CheckRun, missing: list[tuple[int, str]]) -> str:
    root = project.root
    base = L.outputs(root) / "draft"
    by_report: dict[tuple[int, str], list] = {}
    for finding in run.findings:
        if finding.year is not None and finding.department:
            by_report.setdefault((finding.year, finding.department), []).append(finding)
    figures = region_figures(project, run)
    submitted = set(project.submitted())
    body = [
        '<nav><a href="checks.html">全部校验结果</a><a href="checks.csv">下载 checks.csv</a>'
        '<a href="../publish/index.html">发布版目录</a></nav>',
        '<p class="note">本页是办公室的工作视图（草稿），不对外发布。状态来自本次构建时的数据校验和运行记录。</p>',
        f'<p class="note">{_RATE_NOTE}</p>',
    ]
    for region, depts in project.regions().items():
        years = sorted({y for y, d in submitted | set(missing) if project.departments[d].region == region}, reverse=True)
        if not years:
            continue
        body.append(f"<h2>{text(region)}</h2>")
        region_years = figures.get(region, {})
        if region_years:
            head = "".join(f'<th scope="col">{c}</th>' for c in _REGION_COLUMNS)
            rows = "".join(
                f'<tr><th scope="row">{y}年</th>' + "".join(f'<td class="num">{v}</td>' for v in region_years[y]) + "</tr>"
                for y in sorted(region_years, reverse=True)
            )
            body.append(
                f"<h3>{text(region)}各年度汇总（件）</h3>"
                f'<div class="scroll"><table><thead><tr><th scope="col">年度</th>{head}</tr></thead><tbody>{rows}</tbody></table></div>'
                + _region_chart(region, region_years)
            )
        for year in years:
            rows = []
            for dept in depts:
                key = (year, dept.id)
                if key in submitted:
                    css, label = check_badge(by_report.get(key, []))
                    checks = f'<a class="badge {css}" href="checks.html#{_anchor(year, dept.id)}">{text(label)}</a>'
                    manifest = read_manifest(root, "draft", year, dept.id)
                    bcss, blabel = build_badge(manifest)
                    links = _report_links(root, "draft", year, dept.id, base)
                elif key in missing:
                    checks, links = '<span class="badge missing">未提交</span>', "—"
                    bcss, blabel = "missing", "未提交"
                else:
                    continue
                history = f' <span class="badge waived">{HISTORY_BADGE}</span>' if is_imported(root, dept.id, year) else ""
                rows.append(
                    f'<tr id="{_anchor(year, dept.id)}" data-year="{year}" data-dept="{text(dept.id)}">'
                    f'<th scope="row">{text(dept.name)}{history}</th><td>{links}</td>'
                    f'<td class="check">{checks}</td><td><span class="badge {bcss}">{text(blabel)}</span></td>'
                    + rate_cells(sub.values if (sub := run.submissions.get(key)) else None) + "</tr>"
                )
            if rows:
                body.append(
                    f"<h3>{year}年度</h3>"
                    '<div class="scroll"><table><thead><tr><th scope="col">部门</th><th scope="col">报告</th>'
                    f'<th scope="col">数据校验</th><th scope="col">生成状态</th>{_RATE_HEAD}</tr></thead>'
                    f'<tbody>{"".join(rows)}</tbody></table></div>'
                )
    return _page("政府信息公开工作年度报告 · 工作视图（草稿）", "\n".join(body))


def checks_page(project: Project, run: CheckRun) -> str:
    body = ['<nav><a href="index.html">返回工作视图</a><a href="checks.csv">下载 checks.csv</a></nav>']
    grouped: dict[tuple, list] = {}
    for finding in run.findings:
        grouped.setdefault((finding.year, finding.department), []).append(finding)
    if not run.findings:
        body.append("<p>全部数据均通过校验。</p>")
    for (year, dept), found in sorted(grouped.items(), key=lambda kv: (-(kv[0][0] or 0), kv[0][1] or "")):
        name = project.departments[dept].name if dept in project.departments else (dept or "项目")
        anchor = _anchor(year, dept) if year and dept else "project"
        body.append(
            f'<h3 id="{anchor}">{year or ""}{"年 " if year else ""}{text(name)}</h3>'
            + findings_table(found, f"{name}的校验结果")
        )
    return _page("数据校验结果", "\n".join(body))


def publish_index(project: Project) -> str:
    root = project.root
    body = []
    for region, depts in project.regions().items():
        years = sorted({y for y, d in project.submitted() if project.departments[d].region == region}, reverse=True)
        sections = []
        for year in years:
            items = []
            for dept in depts:
                site = L.site_dir(root, "publish", year, dept.id)
                if not (site / "report.html").exists():
                    continue
                pdf = f' <a href="{year}/{text(dept.id)}/report.pdf">PDF</a>' if (site / "report.pdf").exists() else ""
                title = F.TITLE_PATTERN.format(name=dept.name, year=year)
                items.append(f'<li><a href="{year}/{text(dept.id)}/report.html">{text(title)}</a>{pdf}</li>')
            if items:
                sections.append(f"<h3>{year}年度</h3><ul>{''.join(items)}</ul>")
        if sections:
            body.append(f"<h2>{text(region)}</h2>" + "".join(sections))
    if not body:
        body.append("<p>尚无已发布的报告。</p>")
    return _page("政府信息公开工作年度报告", "\n".join(body))


def landing_page(root: Path) -> str:
    items = []
    if (L.outputs(root) / "draft" / "index.html").exists():
        items.append('<li><a href="draft/index.html">工作视图（草稿、校验结果、运行记录）</a></li>')
    if (L.outputs(root) / "publish" / "index.html").exists():
        items.append('<li><a href="publish/index.html">发布版（上传到政府网站的文件夹：outputs/publish/）</a></li>')
    return _page("政府信息公开工作年度报告", f"<ul>{''.join(items)}</ul>")


def write_sites(project: Project, run: CheckRun, missing: list[tuple[int, str]], mode: str) -> None:
    out = L.outputs(project.root)
    if mode == "draft":
        write_atomic(out / "draft" / "index.html", draft_index(project, run, missing))
        write_atomic(out / "draft" / "checks.html", checks_page(project, run))
        write_atomic(out / "draft" / "checks.csv", to_csv(run.findings), bom=True)
    if (out / "publish").is_dir():
        write_atomic(out / "publish" / "index.html", publish_index(project))
    write_atomic(out / "index.html", landing_page(project.root))
