"""``nianbao rules``: the official formats and every rule, written from the data.

``nianbao rules --markdown`` prints the Chinese reference committed as
``docs/规则.md`` (``tests/test_reference.py`` fails when it is out of date):
both formats' tables with their rows, columns and value domains, the balance
rules each format's constraints expand to, and the rule catalogue.  Everything
is read from :mod:`nianbao.formats` and :mod:`nianbao.rules`; nothing here
spells a label.
"""

from __future__ import annotations

from collections import Counter

from . import formats as F
from .findings import SEVERITY_TITLES
from .rules import LAST_YEAR, RULES, Cell, Constraint, constraints

REFERENCE_FILE = "docs/规则.md"

_DOMAINS = {
    F.COUNT: f"件数：0至{F.NUMBER_LIMIT}的整数",
    F.SIGNED: f"整数，可为负（-{F.NUMBER_LIMIT}至{F.NUMBER_LIMIT}）",
    F.AMOUNT: f"金额（万元）：0至{F.NUMBER_LIMIT}，最多{F.AMOUNT_PLACES}位小数",
}
_OPERATORS = {"==": "＝", ">=": "≥", "<=": "≤"}


def _cell(text: str) -> str:
    """A table cell's text, safe inside a Markdown table."""
    return text.replace("|", "\\|")


def _table(header: tuple[str, ...], rows) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_cell(str(v)) for v in row) + " |" for row in rows]
    return lines + [""]


def _term(sign: int, cell: Cell, first: bool) -> str:
    year = "上年" if cell.year == LAST_YEAR else ""
    name = f"{year}〔{cell.row}｜{cell.column}〕"
    if first:
        return name if sign > 0 else f"－{name}"
    return f"＋{name}" if sign > 0 else f"－{name}"


def _side(terms) -> str:
    return "".join(_term(sign, cell, i == 0) for i, (sign, cell) in enumerate(terms))


def constraint_text(c: Constraint) -> str:
    """One constraint in words: 〔row｜column〕 cells, 上年 for last year's."""
    return f"{_side(c.lhs)} {_OPERATORS[c.op]} {_side(c.rhs)}"


def _balance_rules(fmt: F.Format) -> list[str]:
    expanded = constraints(fmt)
    counts = Counter(c.rule for c in expanded)
    lines = []
    for rule, count in counts.items():
        example = next(c for c in expanded if c.rule == rule)
        lines.append(f"- **{rule}** {RULES[rule].statement}。共 {count} 处，例如：{constraint_text(example)}")
    return lines + [""]


def _disclosure(fmt: F.Format) -> list[str]:
    rows = [
        (item.article, row, col.label + (f"（也接受：{'、'.join(col.aliases)}）" if col.aliases else ""), _DOMAINS[col.domain])
        for item in fmt.disclosure
        for row in item.rows
        for col in item.columns
    ]
    return _table(("事项", F.DISCLOSURE_ROW_HEADER, F.INDICATOR_HEADER, F.VALUE_HEADER), rows)


def _applications(fmt: F.Format) -> list[str]:
    lines = [f"列：{'、'.join(F.APPLICATION_COLUMNS)}（{F.ORGANISATION_HEADER}：{'、'.join(F.ORGANISATIONS)}）。"
             f"每个单元格：{_DOMAINS[F.COUNT]}。", ""]
    rows = [
        (i, row.label, " › ".join(row.path[:-1]) or "—", "是" if row.outcome else "")
        for i, row in enumerate(fmt.application_rows, start=1)
    ]
    return lines + _table(("序号", "行", "所属", f"计入{F.OUTCOME_TOTAL}"), rows)


def _review() -> list[str]:
    lines = [f"列：{'、'.join(F.REVIEW_COLUMNS)}。{F.LITIGATION_HEADER}：{'、'.join(F.LAWSUIT_ROWS)}。"
             f"每个单元格：{_DOMAINS[F.COUNT]}。", ""]
    return lines + _table(("行", "列"), [(row, "、".join(F.REVIEW_COLUMNS)) for row in F.REVIEW_ROWS])


def _fees(fmt: F.Format) -> list[str]:
    required = "必须提交" if fmt.fees_required else "可不提交"
    lines = [f"{F.TABLE_FILES[F.FEES]}（{required}）：", ""]
    return lines + _table((F.INDICATOR_HEADER, F.VALUE_HEADER), [(fee.label, _DOMAINS[fee.domain]) for fee in F.FEE_ROWS])


def _format(fmt: F.Format) -> list[str]:
    def heading(section: int, table: str) -> str:
        return f"#### {F.SECTION_HEADINGS[section]}（{F.TABLE_FILES[table]}）"

    return [
        f"### {fmt.version}：{fmt.notice}（{fmt.years_text}）", "",
        heading(1, F.DISCLOSURE), "", *_disclosure(fmt),
        heading(2, F.APPLICATIONS), "", *_applications(fmt),
        heading(3, F.REVIEW), "", *_review(),
        f"#### 信息处理费（{F.SECTION_HEADINGS[5]}）", "", *_fees(fmt),
        "#### 勾稽关系", "",
        "〔行｜列〕指一个单元格，“上年”指同一部门上一年度报告的单元格。", "",
        *_balance_rules(fmt),
    ]


def markdown() -> str:
    """The whole reference, as committed in docs/规则.md."""
    formats = [(fmt.version, fmt.notice, fmt.years_text) for fmt in F.FORMATS]
    sections = [(i, heading, "部门撰写" if heading in F.AUTHORED_SECTIONS else "由表格生成，可附说明"
                 if heading in F.REMARK_SECTIONS else "由表格生成")
                for i, heading in enumerate(F.SECTION_HEADINGS, start=1)]
    rules = [(r.id, SEVERITY_TITLES[r.severity], r.statement, "可以" if r.waivable else "不可以") for r in RULES.values()]
    lines = [
        "# 规则与格式参考", "",
        "> 本文件由 `nianbao rules --markdown` 根据 `src/nianbao/formats.py` 和 `src/nianbao/rules.py` 生成，"
        "请勿手工修改；格式或规则改变后重新生成。", "",
        "## 一、官方格式", "",
        *_table(("格式", "依据", "适用的报告年度"), formats),
        "### 报告结构", "",
        f"标题：{F.TITLE_PATTERN.format(name='〔部门名称〕', year='〔年度〕')}。", "",
        *_table(("序号", "部分", "内容"), sections),
    ]
    for fmt in F.FORMATS:
        lines += _format(fmt)
    lines += [
        "## 二、规则一览", "",
        "“错误”须改正；“提示”应核实。可以说明的，在部门的 waivers.csv 中写明原因后显示为“已说明”。", "",
        *_table(("代码", "级别", "规则", "可否说明"), rules),
    ]
    return "\n".join(lines).rstrip("\n") + "\n"


def catalogue() -> str:
    """The rule catalogue as plain lines, for the console."""
    return "\n".join(f"{r.id}\t{SEVERITY_TITLES[r.severity]}\t{r.statement}" for r in RULES.values()) + "\n"


def cmd_rules(args) -> int:
    import sys

    sys.stdout.write(markdown() if args.markdown else catalogue())
    return 0


def add_parser(commands) -> None:
    """Register ``nianbao rules`` on the CLI's subcommands."""
    sub = commands.add_parser(
        "rules", help="列出全部规则（--markdown：输出格式与规则参考）",
        description=f"列出全部校验规则；加 --markdown 输出两种官方格式和全部规则的参考文档（即 {REFERENCE_FILE}）。",
    )
    sub.add_argument("--markdown", action="store_true", help=f"输出 Markdown 格式的完整参考（{REFERENCE_FILE}）")
    sub.set_defaults(func=cmd_rules)
