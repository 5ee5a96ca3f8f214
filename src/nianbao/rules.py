"""The balance and plausibility rules of FORMAT.md §6, declared as data.

Each :class:`Rule` says what it is (id, severity, the rule in words).  The
arithmetic rules (R1–R4, S1–S3, X1–X3) are expanded, per format version, into
:class:`Constraint` values: linear relations between cells that the engine
(:mod:`nianbao.engine`) evaluates without knowing which rule it is evaluating.
Rules that are not arithmetic (INPUT, R5, N1, S4, S5, M1, and the evaluators'
N4–N6, S7, X4 of :mod:`nianbao.evaluators`) are produced by the loader and by
the engine's text and project checks; they are catalogued here so
that every rule id, severity and statement lives in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from . import formats as F
from .findings import ERROR, WARNING, Finding, Severity


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    statement: str
    # Whether a waivers.csv line may explain this rule's findings.  Structure,
    # blanks and template prompts must be fixed, not explained; W1 and F1 are
    # about the waivers and the folders themselves.
    waivable: bool = True


RULES = {
    rule.id: rule
    for rule in (
        Rule("INPUT", ERROR, "输入文件须齐全、可读，行列须与官方格式一致", waivable=False),
        Rule("R1", ERROR, "申请表每一列：第一项加第二项之和，等于第三项（（七）总计）加第四项之和"),
        Rule("R2", ERROR, "申请表每一行：总计等于自然人与法人或其他组织各类之和"),
        Rule("R3", ERROR, "申请表每一列：（七）总计等于（一）至（六）各项办理结果之和"),
        Rule("R4", ERROR, "复议诉讼表每一组：总计等于结果维持、结果纠正、其他结果、尚未审结之和"),
        Rule("R5", ERROR, f"每个数字单元格都须填写：件数为0至{F.NUMBER_LIMIT}的整数，本年增/减可为负，"
                          f"金额为0至{F.NUMBER_LIMIT}万元、最多{F.AMOUNT_PLACES}位小数", waivable=False),
        Rule("S1", WARNING, "对外公开总数量不应小于本年新公开数量"),
        Rule("S2", WARNING, "本年废止件数不应大于上年现行有效件数与本年制发件数之和"),
        Rule("S3", WARNING, "因逾期未缴费不再处理的申请数不应多于发出的收费通知件数"),
        Rule("S4", WARNING, "报告文字中的数字应与表格一致"),
        Rule("S5", WARNING, "报告文字不应与上年或其他部门同一部分雷同"),
        Rule("X1", ERROR, "本年二、上年结转数应等于上年四、结转下年度继续办理数"),
        Rule("X2", WARNING, "现行有效件数应等于上年现行有效件数加本年制发件数减本年废止件数"),
        Rule("X3", WARNING, "上一年项目数量应等于上年报告的上一年项目数量加本年增/减"),
        Rule("N1", WARNING, "报告文字须包含总体情况、存在的主要问题及改进情况、其他需要报告的事项"),
        Rule("D1", WARNING, "部门年报应在次年1月31日前公开（《条例》第四十九条）"),
        Rule("M1", WARNING, "名单中的部门应在本地区有数据的年度提交数据"),
        Rule("N2", ERROR, "报告文字不得保留模板的提示语，同一部分的标题不得重复", waivable=False),
        Rule("W1", WARNING, "每条说明（waivers.csv）都应对应一个实际存在的问题", waivable=False),
        Rule("F1", WARNING, "data/ 中只应有年度文件夹、部门文件夹和数据约定中的文件；其他文件和文件夹不读取、不发布", waivable=False),
        Rule("N3", WARNING, "报告文字中的链接须为 http、https 或 mailto 网址；报告不含图片（只显示图片的替代文字）"),
        Rule("P1", ERROR, "报告文字、说明和表格中不得含有身份证号、手机号等个人信息"),
        # The checks evaluators make (transparency indexes, third-party assessments): issue 18.
        Rule("N4", WARNING, "存在的主要问题及改进情况不应为空话：至少50个字，不能只写“无”“暂无”之类"),
        Rule("N5", WARNING, "存在的主要问题及改进情况应写明上年度报告所列问题的整改情况（有上年数据时）"),
        Rule("N6", WARNING, "报告文字应以报告年度称本年（说上年等其他时期的分句除外），统计期限应为报告年度"),
        Rule("S6", ERROR, "信息处理费：实际收取金额不应大于收费通知总金额"),
        Rule("S7", WARNING, "信息处理费：发出收费通知的应有通知金额，有通知金额的应发出过收费通知"),
        Rule("X4", WARNING, "本年新收申请数不应超过上年的5倍或不足上年的五分之一（较多的一年至少30件时）"),
        # A government's own report (params/governments.csv): issue 18.
        Rule("L1", ERROR, "政府年报中手工填写的表格，每个单元格应等于各成员年报的合计"),
        Rule("D2", WARNING, "县级以上地方人民政府年报应在次年3月31日前公开（《条例》第四十九条）"),
        Rule("N7", WARNING, "政府年报的总体情况应写明政务公开工作的考核、社会评议和责任追究情况"),
    )
}

UNWAIVABLE = tuple(rule.id for rule in RULES.values() if not rule.waivable)

# The tables read by the non-arithmetic rules that check figures (the constraints
# say which tables they read themselves): a file that cannot be read skips them.
FIGURE_RULE_TABLES = {
    "S7": (F.FEES,),
    "X4": (F.APPLICATIONS,),
}


def finding(rule: str, *, message: str, year: int | None = None, department: str | None = None,
            table: str | None = None, row: str | None = None, column: str | None = None, expected=None, actual=None,
            file: str | None = None, line: int | None = None, explanation: str | None = None) -> Finding:
    """A finding of ``rule``, with the severity the catalogue gives it."""
    return Finding(year=year, department=department, rule=rule, severity=RULES[rule].severity, table=table, row=row,
                   column=column, expected=expected, actual=actual, message=message, explanation=explanation,
                   file=file, line=line)


THIS_YEAR = 0
LAST_YEAR = -1


@dataclass(frozen=True)
class Cell:
    table: str
    row: str
    column: str
    year: int = THIS_YEAR  # offset from the report year


@dataclass(frozen=True)
class Constraint:
    """``sum(lhs) <op> sum(rhs)``; terms are (sign, cell).

    The finding points at ``at`` (row may be None for rules spanning rows, R1);
    ``actual`` is sum(lhs) and ``expected`` sum(rhs).  ``lhs_text``/``rhs_text``
    name the two sides in the message.
    """

    rule: str
    at: tuple[str, str | None, str]
    lhs: tuple[tuple[int, Cell], ...]
    op: str
    rhs: tuple[tuple[int, Cell], ...]
    lhs_text: str
    rhs_text: str


def _plus(*cells: Cell) -> tuple[tuple[int, Cell], ...]:
    return tuple((1, cell) for cell in cells)


def _app(row: str, column: str, year: int = THIS_YEAR) -> Cell:
    return Cell(F.APPLICATIONS, row, column, year)


def _r1(fmt: F.Format):
    for col in F.APPLICATION_COLUMNS:
        yield Constraint(
            "R1",
            (F.APPLICATIONS, None, col),
            _plus(_app(F.NEW, col), _app(F.CARRIED_IN, col)),
            "==",
            _plus(_app(F.OUTCOME_TOTAL, col), _app(F.CARRIED_OUT, col)),
            "第一项加第二项",
            "第三项（（七）总计）加第四项",
        )


def _r2(fmt: F.Format):
    for label in fmt.application_labels:
        yield Constraint(
            "R2",
            (F.APPLICATIONS, label, F.TOTAL),
            _plus(_app(label, F.TOTAL)),
            "==",
            _plus(*(_app(label, col) for col in F.APPLICATION_COLUMNS[:-1])),
            "总计",
            "各类申请人合计",
        )


def _r3(fmt: F.Format):
    outcomes = [row.label for row in fmt.outcome_rows]
    for col in F.APPLICATION_COLUMNS:
        yield Constraint(
            "R3",
            (F.APPLICATIONS, F.OUTCOME_TOTAL, col),
            _plus(_app(F.OUTCOME_TOTAL, col)),
            "==",
            _plus(*(_app(label, col) for label in outcomes)),
            "（七）总计",
            "（一）至（六）合计",
        )


def _r4(fmt: F.Format):
    for group in F.REVIEW_ROWS:
        yield Constraint(
            "R4",
            (F.REVIEW, group, F.TOTAL),
            _plus(Cell(F.REVIEW, group, F.TOTAL)),
            "==",
            _plus(*(Cell(F.REVIEW, group, col) for col in F.REVIEW_COLUMNS[:-1])),
            "总计",
            "各项结果合计",
        )


def _disc(row: str, column: str, year: int = THIS_YEAR) -> Cell:
    return Cell(F.DISCLOSURE, row, column, year)


def _s1(fmt: F.Format):
    if fmt is not F.V2019:
        return
    for row in fmt.disclosure[0].rows:
        yield Constraint(
            "S1",
            (F.DISCLOSURE, row, "对外公开总数量"),
            _plus(_disc(row, "对外公开总数量")),
            ">=",
            _plus(_disc(row, "本年新公开数量")),
            "对外公开总数量",
            "本年新公开数量",
        )


def _s2(fmt: F.Format):
    if fmt is not F.V2021:
        return
    for row in fmt.disclosure[0].rows:
        yield Constraint(
            "S2",
            (F.DISCLOSURE, row, "本年废止件数"),
            _plus(_disc(row, "本年废止件数")),
            "<=",
            _plus(_disc(row, "现行有效件数", LAST_YEAR), _disc(row, "本年制发件数")),
            "本年废止件数",
            "上年现行有效件数加本年制发件数",
        )


def _s3(fmt: F.Format):
    if fmt is not F.V2021:
        return
    yield Constraint(
        "S3",
        (F.APPLICATIONS, F.OTHER_UNPAID_FEE, F.TOTAL),
        _plus(_app(F.OTHER_UNPAID_FEE, F.TOTAL)),
        "<=",
        _plus(Cell(F.FEES, F.FEE_NOTICES, F.FEE_VALUE)),
        "因逾期未缴费不再处理的申请",
        "发出收费通知件数（fees.csv）",
    )


def _s6(fmt: F.Format):
    yield Constraint(
        "S6",
        (F.FEES, F.FEE_COLLECTED, F.FEE_VALUE),
        _plus(Cell(F.FEES, F.FEE_COLLECTED, F.FEE_VALUE)),
        "<=",
        _plus(Cell(F.FEES, F.FEE_NOTICE_AMOUNT, F.FEE_VALUE)),
        F.FEE_COLLECTED,
        F.FEE_NOTICE_AMOUNT,
    )


def _x1(fmt: F.Format):
    for col in F.APPLICATION_COLUMNS:
        yield Constraint(
            "X1",
            (F.APPLICATIONS, F.CARRIED_IN, col),
            _plus(_app(F.CARRIED_IN, col)),
            "==",
            _plus(_app(F.CARRIED_OUT, col, LAST_YEAR)),
            "本年上年结转",
            "上年结转下年度继续办理",
        )


def _x2(fmt: F.Format):
    if fmt is not F.V2021:
        return
    for row in fmt.disclosure[0].rows:
        yield Constraint(
            "X2",
            (F.DISCLOSURE, row, "现行有效件数"),
            _plus(_disc(row, "现行有效件数")),
            "==",
            (
                (1, _disc(row, "现行有效件数", LAST_YEAR)),
                (1, _disc(row, "本年制发件数")),
                (-1, _disc(row, "本年废止件数")),
            ),
            "现行有效件数",
            "上年现行有效件数＋本年制发－本年废止",
        )


def _x3(fmt: F.Format):
    if fmt is not F.V2019:
        return
    for item in fmt.disclosure:
        if item.columns[0].label != "上一年项目数量":
            continue
        for row in item.rows:
            yield Constraint(
                "X3",
                (F.DISCLOSURE, row, "上一年项目数量"),
                _plus(_disc(row, "上一年项目数量")),
                "==",
                _plus(_disc(row, "上一年项目数量", LAST_YEAR), _disc(row, "本年增/减", LAST_YEAR)),
                "上一年项目数量",
                "上年报告的上一年项目数量加本年增/减",
            )


_EXPANSIONS = (_r1, _r2, _r3, _r4, _s1, _s2, _s3, _s6, _x1, _x2, _x3)


@cache
def constraints(fmt: F.Format) -> tuple[Constraint, ...]:
    """Every arithmetic constraint that applies to a report of this format."""
    return tuple(c for expand in _EXPANSIONS for c in expand(fmt))
