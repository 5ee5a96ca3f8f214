"""Generated narrative: the paragraphs the kit writes from the tables.

Every number here is read from the same cells the tables print, so prose and
tables cannot disagree (rule S4, ``docs/规则.md``).  Wording lives here, not in the
notebook; labels come from :mod:`formats` by name.
"""

from __future__ import annotations

from datetime import date

from . import formats as F
from .contract import Submission
from .datafiles import amount_text

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
    totals = dict.fromkeys(F.OUTCOME_GROUPS, 0)
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
    review = sub.value(F.REVIEW, F.ADMINISTRATIVE_REVIEW, F.TOTAL)
    lawsuits = lawsuit_total(sub)
    return (
        f"主要数据：{sub.year}年新收政府信息公开申请{new}件，办结{done}件，{F.plain(F.CARRIED_OUT)}{app(sub, F.CARRIED_OUT)}件；"
        f"因政府信息公开工作被申请{F.REVIEW_HEADER}{review}件，被提起{F.LITIGATION_HEADER}{lawsuits}件。"
    )


def lawsuit_total(sub: Submission, column: str = F.TOTAL) -> int:
    """The lawsuits: filed directly and after review."""
    return sum(int(sub.value(F.REVIEW, row, column)) for row in F.LAWSUIT_ROWS)


def disclosure_summary(sub: Submission) -> str:
    def v(row, col):
        return sub.value(F.DISCLOSURE, row, col)

    documents, *_ = sub.format.disclosure  # 第二十条第（一）项: 规章 and the normative documents
    if sub.format is F.V2019:
        docs = "；".join(
            f"{row}本年新制作{v(row, F.NEWLY_MADE)}件、新公开{v(row, F.NEWLY_PUBLISHED)}件，对外公开总数{v(row, F.PUBLISHED_TOTAL)}件"
            for row in documents.rows
        )
        decided = (F.LICENSING, F.OTHER_SERVICES, F.PENALTIES, F.COMPULSION)
        decisions = "，".join(f"{row}{v(row, F.DECISIONS)}件" for row in decided)
        return (
            f"本年度{docs}。作出处理决定：{decisions}。"
            f"{F.PROCUREMENT}项目{v(F.PROCUREMENT, F.PURCHASES)}个，"
            f"{F.PURCHASE_AMOUNT_BARE}{amount(v(F.PROCUREMENT, F.PURCHASE_AMOUNT))}万元。"
        )
    docs = "；".join(
        f"{row}本年制发{v(row, F.ISSUED)}件、废止{v(row, F.REPEALED)}件，现行有效{v(row, F.IN_FORCE)}件"
        for row in documents.rows
    )
    decisions = "，".join(f"{row}{v(row, F.DECISIONS_THIS_YEAR)}件" for row in (F.LICENSING, F.PENALTIES, F.COMPULSION))
    fee = amount(v(F.CHARGES, F.CHARGES_AMOUNT))
    return f"本年度{docs}。作出处理决定：{decisions}。本年{F.CHARGES}金额{fee}万元。"


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
        text += f"其中{F.NATURAL_PERSON}申请{people}件，占{share(people, new)}；{F.ORGANISATION_HEADER}申请{orgs}件，占{share(orgs, new)}"
        text += f"（{org_parts}）。" if org_parts else "。"
    text += f"上年结转政府信息公开申请{carried_in}件。"
    groups = group_totals(sub)
    if done:
        outcome = "，".join(f"{F.OUTCOME_GROUP_NAMES[g]}{n}件，占{share(n, done)}" for g, n in groups.items())
        text += f"本年度办结{done}件，其中{outcome}。"
    else:
        text += "本年度无办结的申请。"
    text += f"{F.plain(F.CARRIED_OUT)}{carried_out}件。"
    return text


def review_summary(sub: Submission) -> str:
    def cell(group, col=F.TOTAL):
        return sub.value(F.REVIEW, group, col)

    review = cell(F.ADMINISTRATIVE_REVIEW)
    direct, after = cell(F.DIRECT_LAWSUIT), cell(F.LAWSUIT_AFTER_REVIEW)
    if not (review or direct or after):
        return f"{sub.year}年未发生因政府信息公开工作被申请{F.REVIEW_HEADER}、提起{F.LITIGATION_HEADER}的情况。"

    def breakdown(group):
        parts = [f"{col}{cell(group, col)}件" for col in F.REVIEW_COLUMNS[:-1] if cell(group, col)]
        return f"（{'，'.join(parts)}）" if parts else ""

    text = f"{sub.year}年因政府信息公开工作被申请{F.REVIEW_HEADER}{review}件{breakdown(F.ADMINISTRATIVE_REVIEW)}；"
    text += f"被提起{F.LITIGATION_HEADER}{direct + after}件，其中{F.DIRECT_LAWSUIT}{direct}件{breakdown(F.DIRECT_LAWSUIT)}，"
    text += f"{F.LAWSUIT_AFTER_REVIEW}{after}件{breakdown(F.LAWSUIT_AFTER_REVIEW)}。"
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
