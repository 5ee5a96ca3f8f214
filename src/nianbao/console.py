"""Everything the commands print about results: findings and their tallies
(``check``, ``import``, ``render``), the progress line and the closing summary
of ``build``."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING

from .findings import ERROR, SEVERITY_TITLES, counts, describe, tally_text

if TYPE_CHECKING:  # annotations only: ``check`` does not import the batch
    from .build import BuildResult, RunResult

CONSOLE_FINDINGS = 50  # per department-year (and for the project) on the console; --json and checks.csv list all


def print_findings(project, checked, findings, out) -> None:
    """The human output of ``check`` (also used by ``import``): project-wide
    findings, then one line per department-year with its findings, then totals."""
    general = [f for f in findings if f.year is None or f.department is None]
    for finding in general[:CONSOLE_FINDINGS]:
        out.write(f"{_mark(finding.severity == ERROR)} {describe(finding)}\n")
    if len(general) > CONSOLE_FINDINGS:
        rest = general[CONSOLE_FINDINGS:]
        out.write(f"{_mark(any(f.severity == ERROR for f in rest))} ……另有 {len(rest)} 项（全部问题见 nianbao check --json）\n")
    by_report: dict[tuple[int, str], list] = {}
    for finding in findings:
        if finding.year is not None and finding.department is not None:
            by_report.setdefault((finding.year, finding.department), []).append(finding)
    for year, dept in sorted(set(checked) | set(by_report), key=lambda k: (k[0], k[1])):
        name = project.departments[dept].name if dept in project.departments else dept
        found = by_report.get((year, dept), [])
        if not found:
            out.write(f"✓ {year} {name}（{dept}）\n")
            continue
        tally = counts(found)
        out.write(f"{_mark(tally[ERROR])} {year} {name}（{dept}）：{tally_text(tally)}\n")
        for finding in found[:CONSOLE_FINDINGS]:
            out.write(f"    [{SEVERITY_TITLES[finding.severity]}] {describe(finding)}\n")
        if len(found) > CONSOLE_FINDINGS:
            out.write(f"    ……另有 {len(found) - CONSOLE_FINDINGS} 项（全部问题见 nianbao check --year {year} --dept {dept} --json，"
                      "或构建后的 outputs/draft/checks.csv）\n")
    out.write(f"共检查 {len(checked)} 份年度数据：{tally_text(counts(findings))}。\n")


def _mark(blocking) -> str:
    return "✗" if blocking else "!"


def draft_findings_note(findings) -> str | None:
    """``render --mode draft``: the line saying the draft lists the findings (None: there are none)."""
    tally = counts(findings)
    return f"草稿中列出了数据校验结果：{tally_text(tally)}。" if any(tally.values()) else None


class Progress:
    """One line, rewritten in place, on a terminal; silent otherwise."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()
        self.total = self.done = self.failed = self.skipped = 0
        self.started = time.monotonic()

    def start(self, total: int, skipped: int) -> None:
        self.total, self.skipped = total, skipped
        self.started = time.monotonic()
        self._draw()

    def advance(self, result: RunResult) -> None:
        if result.ok:
            self.done += 1
        else:
            self.failed += 1
        self._draw()

    def finish(self) -> None:
        if self.live:
            self.stream.write("\n")
            self.stream.flush()

    def _draw(self) -> None:
        if not self.live:
            return
        finished = self.done + self.failed
        remaining = self.total - self.skipped - finished
        elapsed = time.monotonic() - self.started
        eta = f"，预计还需 {_clock(elapsed / finished * remaining)}" if finished and remaining else ""
        self.stream.write(
            f"\r完成 {self.done} · 失败 {self.failed} · 跳过 {self.skipped} · 剩余 {remaining}{eta}    "
        )
        self.stream.flush()


def _clock(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    return f"{seconds // 60}:{seconds % 60:02d}"


STATUS = {"ok": "已生成", "failed": "失败", "skip": "未变更，跳过", "withheld": "有错误，未发布", "invalid": "配置错误",
          "history": "已导入（历史），未重新发布"}


def summary(result: BuildResult, project, mode: str) -> str:
    """The closing table: every department-year that did not simply skip, then totals."""
    names = {d.id: d.name for d in project.departments.values()}
    results = {(r.year, r.department): r for r in result.results}
    lines = []
    for p in sorted(result.planned, key=lambda p: (p.year, p.department)):
        if p.action in ("skip", "history"):  # history: counted below, not listed one by one
            continue
        run = results.get((p.year, p.department))
        if p.action == "run" and run is None:
            status, detail = "未完成", "构建被中断"
        elif run is not None:
            status = STATUS[run.status]
            if run.failure is None:
                detail = f"{'、'.join(p.reasons)}；{run.total:.1f} 秒"
            else:
                detail = run.failure.message
                if run.failure.cell_index is not None:
                    detail += f"（第 {run.failure.cell_index + 1} 个单元格）"
        else:
            status, detail = STATUS[p.action], p.message
        lines.append(f"  {p.year}  {names.get(p.department, p.department)}（{p.department}）  {status}  {detail}")
    for year, dept in result.missing:
        lines.append(f"  {year}  {names.get(dept, dept)}（{dept}）  未提交  名单中有该部门，但没有 data/{year}/{dept}/")
    ran = len(result.results)
    ok = sum(1 for r in result.results if r.ok)
    totals = (
        f"共 {len(result.planned)} 份（{'草稿' if mode == 'draft' else '发布'}）：生成 {ok}，失败 {ran - ok}，"
        f"未变更跳过 {result.count('skip')}"
    )
    if result.count("withheld"):
        totals += f"，有错误未发布 {result.count('withheld')}"
    if result.count("history"):
        totals += f"，已导入的历史报告未重新发布 {result.count('history')}（需要时加 --include-imported）"
    if result.count("invalid"):
        totals += f"，配置错误 {result.count('invalid')}"
    if result.missing:
        totals += f"，未提交 {len(result.missing)}"
    totals += "。"
    if result.interrupted:
        totals += "构建已中断：已完成的报告已保存，其余保持原样。"
    header = ["  年度  部门  状态  说明"] if lines else []
    return "\n".join([*header, *lines, totals])
