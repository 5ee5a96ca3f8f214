"""Across departments: what the district notebook (``notebooks/district.ipynb``) shows.

Built on the tidy table (frames.py) and the rates defined once (rates.py):
the region's totals by year, each department's share and growth of new
applications, the rates the office watches (fewer than ``MIN_CASES`` cases
marked, never ranked), who has not submitted, and the year-on-year jumps worth
a question.  ``nianbao build`` (draft mode) renders the notebook for each
region into ``outputs/draft/district/`` — never into the publish folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from . import formats as F
from . import paths
from .errors import NianbaoError
from .html import Fragment, text
from .project import Project, find_root, load_project
from .rates import MIN_CASES, RATE_NAMES, Rate, rates

NOTEBOOK = paths.DISTRICT_NOTEBOOK
JUMP_FACTOR = 5  # more than 5× or less than a fifth of last year ...
JUMP_MIN_CASES = MIN_CASES  # ... with at least this many cases in either year


class DistrictError(NianbaoError):
    def _render_traceback_(self):
        return [f"无法生成汇总：{self}"]  # IPython shows this instead of a traceback


def output_name(region: str) -> str:
    return f"{region}.html"


def cell_values(frame) -> dict[tuple[int, str], dict[tuple[str, str, str], object]]:
    """The tidy table back as each department-year's cells (what rates.py reads)."""
    values: dict[tuple[int, str], dict] = {}
    for year, dept, table, row, column, value in frame[["year", "department", "table", "row", "column", "value"]].itertuples(
            index=False, name=None):
        values.setdefault((int(year), dept), {})[(table, row, column)] = value
    return values


def new_applications(values) -> int:
    return int(values.get((F.APPLICATIONS, F.NEW, F.TOTAL), 0))


@dataclass
class District:
    project: Project
    region: str
    years: list[int]
    frame: object  # the tidy table of the region's departments and years

    @cached_property
    def values(self):
        return cell_values(self.frame)

    def departments(self):
        return [d for d in self.project.ordered_departments() if d.region == self.region and d.members is None]

    def rates_of(self, year: int, dept: str) -> tuple[Rate, Rate, Rate] | None:
        cells = self.values.get((year, dept))
        return rates(cells) if cells is not None else None

    # -- parts (HTML for the notebook) -------------------------------------------
    def header(self) -> Fragment:
        from .report import stylesheet

        span = f"{self.years[0]}—{self.years[-1]}年" if self.years else ""
        return Fragment(f"<style>{stylesheet()}</style><h1>{text(self.region)}{span}政府信息公开工作汇总（草稿，不对外发布）</h1>",
                        {"title": f"{self.region}汇总", "lang": "zh-CN"})

    def totals(self) -> Fragment:
        values = self.values
        rows = []
        for year in self.years:
            cells = [v for (y, _), v in values.items() if y == year]
            new = sum(new_applications(v) for v in cells)
            done = sum(int(v.get((F.APPLICATIONS, F.OUTCOME_TOTAL, F.TOTAL), 0)) for v in cells)
            rows.append(f'<tr><th scope="row">{year}年</th><td>{len(cells)}</td><td>{new}</td><td>{done}</td></tr>')
        return _table("各年度合计", ("年度", "提交部门数", "本年新收申请（件）", "办结（件）"), rows)

    def shares(self) -> Fragment:
        values = self.values
        rows = []
        for year in self.years:
            total = sum(new_applications(v) for (y, _), v in values.items() if y == year)
            for dept in self.departments():
                if (year, dept.id) not in values:
                    continue
                new = new_applications(values[(year, dept.id)])
                share = f"{new / total * 100:.1f}%" if total else "—"
                last = values.get((year - 1, dept.id))
                growth = f"{(new - new_applications(last)) / new_applications(last) * 100:+.1f}%" \
                    if last is not None and new_applications(last) else "—"
                rows.append(f'<tr><th scope="row">{year}年 {text(dept.name)}</th><td>{new}</td><td>{share}</td><td>{growth}</td></tr>')
        return _table("各部门本年新收申请：占比与增长", ("部门", "新收（件）", "占本地区", "比上年"), rows)

    def rates_table(self) -> Fragment:
        rows = []
        for year in self.years:
            for dept in self.departments():
                found = self.rates_of(year, dept.id)
                if found is None:
                    continue
                cells = "".join(f'<td title="{text(rate.note())}">{text(rate.text())}</td>' for rate in found)
                rows.append(f'<tr><th scope="row">{year}年 {text(dept.name)}</th>{cells}</tr>')
        note = f"<p>不足 {MIN_CASES} 件的比率显示为「样本少」，不参与比较。</p>"
        return _table("各部门的比率", ("部门", *RATE_NAMES), rows) + Fragment(note)

    def not_submitted(self) -> Fragment:
        ids = {d.id for d in self.departments()}
        missing = [(y, d) for y, d in self.project.missing(self.years) if d in ids]
        if not missing:
            return Fragment("<h2>未提交</h2><p>所选年度中，名单上的部门都已提交数据。</p>")
        items = "".join(f"<li>{y}年 {text(self.project.departments[d].name)}（{text(d)}）</li>" for y, d in missing)
        return Fragment(f"<h2>未提交</h2><ul>{items}</ul>")

    def jumps(self) -> Fragment:
        found = []
        for (year, dept), cells in sorted(self.values.items()):
            last = self.values.get((year - 1, dept))
            if last is None:
                continue
            new, before = new_applications(cells), new_applications(last)
            if max(new, before) >= JUMP_MIN_CASES and (new > JUMP_FACTOR * before or new * JUMP_FACTOR < before):
                found.append(f"<li>{year}年 {text(self.project.departments[dept].name)}：本年新收 {new} 件，上年 {before} 件</li>")
        body = f"<ul>{''.join(found)}</ul>" if found else "<p>没有这样的变化。</p>"
        return Fragment(f"<h2>值得核实的变化</h2><p>本年新收申请是上年的 {JUMP_FACTOR} 倍以上或五分之一以下"
                        f"（至少 {JUMP_MIN_CASES} 件）。</p>{body}")

    def parts(self) -> list[Fragment]:
        return [self.header(), self.totals(), self.shares(), self.rates_table(), self.not_submitted(), self.jumps()]


def _table(caption: str, headers, rows: list[str]) -> Fragment:
    head = "".join(f'<th scope="col">{text(h)}</th>' for h in headers)
    body = "".join(rows) or f'<tr><td colspan="{len(headers)}">（没有数据）</td></tr>'
    return Fragment(f'<h2>{text(caption)}</h2><div class="table-scroll"><table class="official district">'
                    f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>")


def district_dir(root: Path) -> Path:
    from .paths import outputs

    return outputs(root) / "draft" / "district"


def district_page(root: Path, region: str) -> Path:
    return district_dir(root) / output_name(region)


def render_districts(project: Project, echo=print) -> list[str]:
    """Draft builds: the district notebook for each region with data, into
    outputs/draft/district/ (a region's page stays as it was if its run fails).
    Returns the regions whose page could not be made."""
    import shutil
    import tempfile

    from .export import ReportHTMLExporter
    from .run import execute
    from .textio import write_atomic

    notebook = project.root / NOTEBOOK
    if not notebook.is_file():
        return []
    failed = []
    with_data = {project.departments[d].region for _, d in project.submitted()}
    for region in [r for r in project.regions() if r in with_data]:
        workdir = Path(tempfile.mkdtemp(prefix="nianbao-district-"))
        try:
            ran = execute(notebook, {"region": region, "years": None, "project_root": str(project.root.resolve())}, workdir)
            if ran.failure is not None or ran.notebook is None:
                echo(f"错误：{region}的地区汇总未能生成（{NOTEBOOK.as_posix()}：{ran.failure.describe() if ran.failure else ''}）。"
                     "请在 Jupyter 中打开该笔记本，按上面的提示修改后重新运行 nianbao build。")
                failed.append(region)
                continue
            html, _ = ReportHTMLExporter().from_notebook_node(ran.notebook)  # type: ignore[arg-type]  # an nbformat node
            write_atomic(district_page(project.root, region), html)
            echo(f"地区汇总：{project.relative(district_page(project.root, region))}")
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    return failed


def open_district(region: str, years=None, project_root=None) -> District:
    """The district view of one region over some years (default: every year with data)."""
    from .frames import project_frame

    project = load_project(find_root(explicit=project_root) if project_root else find_root())
    if region not in project.regions():
        raise DistrictError(f"地区「{region}」不在 params/departments.csv 中。")
    frame = project_frame(project, regions=[region], years=list(years) if years else None)
    chosen = sorted(int(y) for y in (years or set(frame.year)))
    return District(project, region, chosen, frame)
