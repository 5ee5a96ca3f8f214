"""Generated narrative: the paragraphs the kit writes from the tables.

Every number here is read from the same cells the tables print, so prose and
tables cannot disagree (FORMAT.md §7.7).  Wording lives here, not in the notebook.
"""

from __future__ import annotations

from datetime import date

from . import formats as F
from .contract import Submission
from .template import amount_text

GROUP_NAMES = {
    F.GRANTED: "予以公开",
    F.PARTIAL: "部分公开",
    F.WITHHELD: "不予公开",
    F.UNABLE: "无法提供",
    F.NOT_HANDLED: "不予处理",
    F.OTHER: "其他处理",
}


NO_APPLICATION_CHARTS = "本年度无政府信息公开申请数据，不作申请构成和办理结果图。"


def amount(value) -> str:
    return amount_text(value)


def share(part: int, whole: int) -> str:
    return f"{part / whole * 100:.1f}%" if whole else "0.0%"


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def change(current: int, previous: int | None, unit: str = "件") -> str:
    """"较上年增加N件，增长X%" and its siblings; empty when there is no last year."""
    if previous is None:
        return ""
    diff = current - previous
    if diff == 0:
        return "，与上年持平"
    verb, trend = ("增加", "增长") if diff > 0 else ("减少", "下降")
    text = f"，较上年{verb}{abs(diff)}{unit}"
    if previous:
        text += f"，{trend}{abs(diff) / previous * 100:.1f}%"
    return text


def app(sub: Submission, row: str, column: str = F.TOTAL) -> int:
    count = sub.value(F.APPLICATIONS, row, column)
    assert isinstance(count, int), "the applications table holds counts"
    return count


def group_totals(sub: Submission, column: str = F.TOTAL) -> dict[str, int]:
    """（一）…（六） outcome groups → count (a group sums its sub-rows)."""
    totals = dict.fromkeys(GROUP_NAMES, 0)
    for row in sub.format.outcome_rows:
        totals[row.group or row.label] += app(sub, row.label, column)
    return totals


def preamble(sub: Submission) -> str:
    parts = "、".join(h.split("、", 1)[1] for h in F.SECTION_HEADINGS)
    return (
        f"本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）第五十条和{sub.format.notice}的要求编制，"
        f"由{parts}六部分组成。本报告中所列数据的统计期限自{sub.year}年1月1日起至{sub.year}年12月31日止。"
    )


def key_figures(sub: Submission) -> str:
    new, done = app(sub, F.NEW), app(sub, F.OUTCOME_TOTAL)
    review = sub.value(F.REVIEW, "行政复议", F.TOTAL)
    lawsuits = sub.value(F.REVIEW, "未经复议直接起诉", F.TOTAL) + sub.value(F.REVIEW, "复议后起诉", F.TOTAL)
    return (
        f"主要数据：{sub.year}年新收政府信息公开申请{new}件，办结{done}件，结转下年度继续办理{app(sub, F.CARRIED_OUT)}件；"
        f"因政府信息公开工作被申请行政复议{review}件，被提起行政诉讼{lawsuits}件。"
    )


def disclosure_summary(sub: Submission) -> str:
    def v(row, col):
        return sub.value(F.DISCLOSURE, row, col)

    if sub.format is F.V2019:
        docs = "；".join(
            f"{row}本年新制作{v(row, '本年新制作数量')}件、新公开{v(row, '本年新公开数量')}件，对外公开总数{v(row, '对外公开总数量')}件"
            for row in ("规章", "规范性文件")
        )
        decisions = "，".join(f"{row}{v(row, '处理决定数量')}件" for row in ("行政许可", "其他对外管理服务事项", "行政处罚", "行政强制"))
        return (
            f"本年度{docs}。作出处理决定：{decisions}。"
            f"政府集中采购项目{v('政府集中采购', '采购项目数量')}个，"
            f"采购总金额{amount(v('政府集中采购', '采购总金额（单位：万元）'))}万元。"
        )
    docs = "；".join(
        f"{row}本年制发{v(row, '本年制发件数')}件、废止{v(row, '本年废止件数')}件，现行有效{v(row, '现行有效件数')}件"
        for row in ("规章", "行政规范性文件")
    )
    decisions = "，".join(f"{row}{v(row, '本年处理决定数量')}件" for row in ("行政许可", "行政处罚", "行政强制"))
    fee = amount(v("行政事业性收费", "本年收费金额（单位：万元）"))
    return f"本年度{docs}。作出处理决定：{decisions}。本年行政事业性收费金额{fee}万元。"


def applications_summary(sub: Submission, previous: Submission | None) -> str:
    new, carried_in = app(sub, F.NEW), app(sub, F.CARRIED_IN)
    done, carried_out = app(sub, F.OUTCOME_TOTAL), app(sub, F.CARRIED_OUT)
    if not (new or carried_in or done or carried_out):
        return f"{sub.year}年未收到政府信息公开申请，也无上年结转的申请。"
    before = app(previous, F.NEW) if previous is not None else None
    people = app(sub, F.NEW, F.NATURAL_PERSON)
    orgs = new - people
    org_parts = "、".join(f"{o}{app(sub, F.NEW, o)}件" for o in F.ORGANISATIONS if app(sub, F.NEW, o))
    text = f"{sub.year}年新收政府信息公开申请{new}件{change(new, before)}。"
    if new:
        text += f"其中自然人申请{people}件，占{share(people, new)}；法人或其他组织申请{orgs}件，占{share(orgs, new)}"
        text += f"（{org_parts}）。" if org_parts else "。"
    text += f"上年结转政府信息公开申请{carried_in}件。"
    groups = group_totals(sub)
    if done:
        outcome = "，".join(f"{GROUP_NAMES[g]}{n}件，占{share(n, done)}" for g, n in groups.items())
        text += f"本年度办结{done}件，其中{outcome}。"
    else:
        text += "本年度无办结的申请。"
    text += f"结转下年度继续办理{carried_out}件。"
    return text


def review_summary(sub: Submission) -> str:
    def cell(group, col=F.TOTAL):
        return sub.value(F.REVIEW, group, col)

    review = cell("行政复议")
    direct, after = cell("未经复议直接起诉"), cell("复议后起诉")
    if not (review or direct or after):
        return f"{sub.year}年未发生因政府信息公开工作被申请行政复议、提起行政诉讼的情况。"

    def breakdown(group):
        parts = [f"{col}{cell(group, col)}件" for col in F.REVIEW_COLUMNS[:-1] if cell(group, col)]
        return f"（{'，'.join(parts)}）" if parts else ""

    text = f"{sub.year}年因政府信息公开工作被申请行政复议{review}件{breakdown('行政复议')}；"
    text += f"被提起行政诉讼{direct + after}件，其中未经复议直接起诉{direct}件{breakdown('未经复议直接起诉')}，"
    text += f"复议后起诉{after}件{breakdown('复议后起诉')}。"
    return text


def fee_statement(sub: Submission) -> str | None:
    """Section 六's 信息处理费 sentence, or None when the year has no fee data."""
    if F.FEES not in sub.tables:
        return None
    notices = sub.value(F.FEES, F.FEE_NOTICES, F.FEE_VALUE)
    notice_amount = sub.value(F.FEES, F.FEE_NOTICE_AMOUNT, F.FEE_VALUE)
    collected = sub.value(F.FEES, F.FEE_COLLECTED, F.FEE_VALUE)
    if not notices and not collected:
        return "本年度未发出收费通知，未收取信息处理费。"
    collected_text = f"实际收取信息处理费{amount(collected)}万元" if collected else "未实际收取信息处理费"
    return (
        f"本年度依据《政府信息公开信息处理费管理办法》发出收费通知{notices}件，"
        f"收费通知总金额{amount(notice_amount)}万元，{collected_text}。"
    )
