"""What the notebook calls: one department-year's report, part by part.

:func:`open_report` validates the parameters, reads the data and runs the rule
engine; the methods of :class:`Report` return the report's parts as
:class:`~nianbao.html.Fragment` values, in the order of the official structure.
Pure functions of the loaded data apart from reading it: testable without a kernel.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from . import __version__, charts, prose, tables
from . import formats as F
from .config import MODES, ConfigError, ReportSettings, report_settings
from .contract import Submission
from .engine import CheckRun, check_project
from .errors import NianbaoError
from .findings import ERROR, WAIVED, Finding, counts, location, tally_text
from .html import Fragment, findings_table, markdown, text
from .project import DEPARTMENTS_FILE, Project, ProjectError, find_root, load_project
from .rules import RULES, finding


class ReportError(NianbaoError):
    """A report that cannot be produced; the message (Chinese) says why and what to do."""

    def _render_traceback_(self):
        # IPython shows this instead of a Python traceback in the notebook.
        return [f"无法生成报告：{self}"]


def stylesheet() -> str:
    return resources.files("nianbao").joinpath("static/report.css").read_text(encoding="utf-8")


# ---------------------------------------------------------------------------
# Opening a report
# ---------------------------------------------------------------------------


def open_report(department: str, year: int, project_root=None, mode: str = "draft", publication_date=None) -> Report:
    """Validate the parameters and load everything the report needs."""
    if mode not in MODES:
        raise ReportError(f"模式「{mode}」无效，应为 draft（草稿）或 publish（发布）。")
    try:
        root = find_root(explicit=project_root) if project_root else find_root()
        project = load_project(root)
    except ProjectError as exc:
        raise ReportError(str(exc)) from None
    try:
        year = int(year)
        F.format_for_year(year)
    except (TypeError, ValueError) as exc:
        raise ReportError(str(exc) if isinstance(exc, F.FormatError) else f"年度「{year}」无效。") from None
    if department not in project.departments:
        known = "、".join(project.departments) or "（名单为空）"
        raise ReportError(f"部门「{department}」不在 {DEPARTMENTS_FILE.as_posix()} 中。已登记的部门：{known}。")
    if (year, department) not in project.submitted():
        have = [str(y) for y, d in project.submitted() if d == department]
        raise ReportError(
            f"{project.departments[department].name}（{department}）没有{year}年的数据：缺少 data/{year}/{department}/。"
            + (f"该部门有数据的年度：{'、'.join(have)}。" if have else "该部门还没有任何年度的数据。")
        )
    try:
        settings = report_settings(root, department, year, publication_date,
                                   government=project.departments[department].members is not None)
    except ConfigError as exc:
        raise ReportError(str(exc)) from None
    run = check_project(project, [year], [department])
    report = Report(project, run, department, year, mode, settings)
    from .analyst import install

    install(draft=report.draft)  # in a kernel: analysts' figures, tables and Markdown become report HTML
    if mode == "publish" and report.errors:
        listed = "；".join(f"{f.rule} {location(f)}" for f in report.errors[:5])
        raise ReportError(
            f"数据有 {len(report.errors)} 项错误，不能以发布模式生成（{listed}{'等' if len(report.errors) > 5 else ''}）。"
            f"请运行 nianbao check --year {year} --dept {department} 查看并改正，或以草稿模式生成。"
        )
    return report


def report_inputs(project: Project, department: str, year: int) -> list[Path]:
    """Every file whose content can change this report's HTML (see inputs.py)."""
    from .inputs import InputIndex

    return [project.root / rel for rel in InputIndex(project).report(department, year)]


def inputs_digest(project: Project, paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(project.relative(path).encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def report_findings(run: CheckRun, year: int, department: str, settings: ReportSettings) -> list[Finding]:
    """The rule engine's findings for one report, plus the publication deadline
    (D1 for a department, D2 for a government: the settings carry the right one)."""
    found = run.for_report(year, department)
    if settings.late:
        published, deadline = prose.chinese_date(settings.publication_date), prose.chinese_date(settings.deadline)
        sub = run.submissions.get((year, department))
        rule = "D2" if sub is not None and sub.department.members is not None else "D1"
        found.append(
            finding(rule, message=f"公开日期{published}晚于法定期限{deadline}（《条例》第四十九条）",
                    year=year, department=department, expected=deadline, actual=published)
        )
    return found


# ---------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------


@dataclass
class Report:
    project: Project
    run: CheckRun
    department_id: str
    year: int
    mode: str
    settings: ReportSettings
    _history: list[Submission] | None = field(default=None, repr=False)

    # -- data ---------------------------------------------------------------
    @property
    def sub(self) -> Submission:
        return self.run.submissions[(self.year, self.department_id)]

    @property
    def previous(self) -> Submission | None:
        return self.run.submissions.get((self.year - 1, self.department_id))

    @property
    def department(self):
        return self.project.departments[self.department_id]

    @property
    def draft(self) -> bool:
        return self.mode == "draft"

    @property
    def title(self) -> str:
        return F.TITLE_PATTERN.format(name=self.department.name, year=self.year)

    @property
    def findings(self) -> list[Finding]:
        return report_findings(self.run, self.year, self.department_id, self.settings)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def flagged(self) -> set[tuple]:
        if not self.draft:
            return set()
        return {(f.table, f.row, f.column) for f in self.findings if f.severity != WAIVED and f.table}

    def history(self) -> list[Submission]:
        """This department's years up to the report year (for the trend chart)."""
        if self._history is None:
            from .engine import read_years

            years = sorted(y for y, d in self.project.submitted() if d == self.department_id and y <= self.year)
            loaded = {y: sub for y in years if (sub := self.run.submissions.get((y, self.department_id)))}
            others = read_years(self.project, self.department_id, [y for y in years if y not in loaded])
            loaded.update((sub.year, sub) for sub in others)
            self._history = [loaded[y] for y in years if y in loaded]
        return self._history

    @property
    def frames(self):
        """This department-year's tables as pandas DataFrames, labelled as printed
        (``report.frames["applications"]``; see :func:`nianbao.frames.table_frames`)."""
        from .frames import table_frames

        return table_frames(self.sub)

    def history_frame(self):
        """This department's years up to the report year, tidy, with a ``format``
        column (see :func:`nianbao.frames.tidy_frame`)."""
        from .frames import tidy_frame

        return tidy_frame(self.history())

    def inputs_hash(self) -> str:
        return inputs_digest(self.project, report_inputs(self.project, self.department_id, self.year))

    # -- an analyst's additions (analyst.py) --------------------------------------
    def figure(self, fig, alt: str) -> Fragment:
        """A matplotlib figure for the report with its text alternative (what the
        figure shows, in words and numbers); the figure is closed."""
        from .analyst import figure_html

        return Fragment(figure_html(fig, alt, self.draft))

    def note(self, source: str) -> Fragment:
        """A paragraph of Markdown for the report, through the narrative's pipeline."""
        return Fragment(markdown(source))

    # -- parts ----------------------------------------------------------------
    def header(self) -> Fragment:
        banner = '<p class="banner" role="note">草稿 · 未经审核，不得发布</p>' if self.draft else ""
        html = (
            f"<style>{stylesheet()}</style>"
            f'<header class="report-head">{banner}<h1>{text(self.title)}</h1>'
            f"<p>{text(prose.preamble(self.sub))}</p></header>"
        )
        return Fragment(html, {
            "title": self.title, "lang": "zh-CN", "mode": self.mode,
            # For the PDF's document metadata (nianbao.pdf).
            "author": self.department.name, "publication_date": self.settings.publication_date.isoformat(),
            "department": self.department_id, "year": self.year,
        })

    def checks_panel(self) -> Fragment:
        """Draft only: every finding of the rule engine, at the top of the report."""
        if not self.draft:
            return Fragment("")
        found = self.findings
        tally = counts(found)
        if not found:
            body = "<p>全部校验规则均已通过。</p>"
        else:
            body = (
                f"<p>{tally_text(tally)}。"
                "表格中有问题的单元格以红框标出。</p>" + findings_table(found, "数据校验结果")
            )
        return Fragment(
            f'<section class="checks" aria-label="数据校验"><h2>数据校验</h2>{body}{self._attachments_note()}</section>'
        )

    def _attachments_note(self) -> str:
        """What the PDF will carry, shown before anything is published."""
        from .folders import contract_files

        names = [path.name for path in contract_files(self.project.root, self.department_id, self.year)]
        return f"<p>PDF 将附带以下文件：{text('、'.join([*names, 'manifest.json（输入清单）']))}。</p>"

    def _authored(self, heading: str) -> str:
        source = (self.sub.narrative or {}).get(heading, "")
        return markdown(source) if source else ""

    def _section(self, index: int, *parts: str) -> Fragment:
        heading = F.SECTION_HEADINGS[index]
        return Fragment(f'<section id="section-{index + 1}"><h2>{text(heading)}</h2>{"".join(parts)}</section>')

    def _missing(self) -> str:
        return '<p class="missing">（本部分未填写）</p>'

    def _waiver_notes(self, *tables_: str, heading: str | None = None) -> str:
        notes = [
            f
            for f in self.findings
            if f.severity == WAIVED and (f.table in tables_ or (heading and f.row == heading))
        ]
        return "".join(
            f'<p class="note-waiver">注：{text(RULES[f.rule].statement if f.rule in RULES else f.rule)}'
            f"（{text(location(f))}）。{text(f.explanation)}</p>"
            for f in notes
        )

    def section_overview(self) -> Fragment:
        heading = F.SECTION_HEADINGS[0]
        return self._section(
            0,
            self._authored(heading) or self._missing(),
            f"<p>{text(prose.key_figures(self.sub))}</p>",
            self._members() if self.government else "",
            self._waiver_notes(heading=heading),
        )

    # -- a government's report (governments.py) --------------------------------
    @property
    def government(self) -> bool:
        return self.department.members is not None

    def _members(self) -> str:
        """The scope sentence, each member with its status and a link to its report
        (beside this one in the site), and the members' shares of new applications."""
        from .governments import member_new_applications, members_status, scope_sentence

        members = members_status(self.project, self.department_id, self.year)
        rows = []
        for m in members:
            name = text(m.name)
            if m.submitted:
                name = f'<a href="../{text(m.id)}/report.html">{name}</a>'
            new = member_new_applications(self.project, self.run.submissions, m.id, self.year) if m.submitted else "—"
            rows.append(f'<tr><th scope="row">{name}</th><td>{m.status}</td><td class="num">{new}</td></tr>')
        table = (f'<table class="members"><caption>成员单位及提交情况</caption><thead><tr><th scope="col">成员单位</th>'
                 f'<th scope="col">状态</th><th scope="col">本年新收申请（件）</th></tr></thead>'
                 f'<tbody>{"".join(rows)}</tbody></table>')
        counted = [m for m in members if m.submitted]
        chart = charts.member_shares(
            self.year, [m.name for m in counted],
            [member_new_applications(self.project, self.run.submissions, m.id, self.year) for m in counted])
        return (f'<p class="scope">{text(scope_sentence(self.department.name, self.year, members))}</p>'
                + table + (chart.html() if chart else ""))

    def section_disclosure(self) -> Fragment:
        return self._section(
            1,
            f"<p>{text(prose.disclosure_summary(self.sub))}</p>",
            tables.disclosure_table(self.sub, self.flagged),
            self._waiver_notes(F.DISCLOSURE),
            self._authored(F.SECTION_HEADINGS[1]),
        )

    def section_applications(self) -> Fragment:
        figures = [charts.applicants(self.sub), charts.outcomes(self.sub), charts.trend(self.history())]
        drawn = "".join(chart.html() for chart in figures if chart)
        if not any(figures[:2]):
            drawn = f"<p>{text(prose.NO_APPLICATION_CHARTS)}</p>" + drawn
        return self._section(
            2,
            f"<p>{text(prose.applications_summary(self.sub, self.previous))}</p>",
            tables.applications_table(self.sub, self.flagged),
            self._waiver_notes(F.APPLICATIONS),
            drawn,
            self._authored(F.SECTION_HEADINGS[2]),
        )

    def section_review(self) -> Fragment:
        chart = charts.review(self.sub)
        return self._section(
            3,
            f"<p>{text(prose.review_summary(self.sub))}</p>",
            tables.review_table(self.sub, self.flagged),
            self._waiver_notes(F.REVIEW),
            chart.html() if chart else "",
            self._authored(F.SECTION_HEADINGS[3]),
        )

    def section_problems(self) -> Fragment:
        heading = F.SECTION_HEADINGS[4]
        return self._section(4, self._authored(heading) or self._missing(), self._waiver_notes(heading=heading))

    def section_other(self) -> Fragment:
        heading = F.SECTION_HEADINGS[5]
        fee = prose.fee_statement(self.sub)
        authored = self._authored(heading)
        parts = [f"<p>{text(fee)}</p>" if fee else "", authored or ("" if fee else self._missing())]
        return self._section(5, *parts, self._waiver_notes(F.FEES, heading=heading))

    def signature(self) -> Fragment:
        return Fragment(
            f'<footer class="signature"><p>{text(self.department.name)}</p>'
            f"<p>{text(prose.chinese_date(self.settings.publication_date))}</p></footer>"
        )

    def provenance(self) -> Fragment:
        # Public page: kit version, inputs hash, id, year, mode - and no paths.
        return Fragment(
            '<footer class="provenance"><p>'
            f"生成信息：nianbao {text(__version__)} · 部门编号 {text(self.department_id)} · 年度 {self.year} · "
            f"{'草稿' if self.draft else '发布'}（{text(self.mode)}） · 输入数据摘要 SHA-256 {self.inputs_hash()[:16]}"
            "</p></footer>"
        )

    def parts(self) -> list[Fragment]:
        """The whole report, in order (what the notebook shows cell by cell)."""
        return [
            self.header(),
            self.checks_panel(),
            self.section_overview(),
            self.section_disclosure(),
            self.section_applications(),
            self.section_review(),
            self.section_problems(),
            self.section_other(),
            self.signature(),
            self.provenance(),
        ]
