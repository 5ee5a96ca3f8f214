"""docs/规则.md is generated from formats.py and rules.py and kept current."""

from __future__ import annotations

from pathlib import Path

from nianbao import cli, reference, rules
from nianbao import formats as F

REPO = Path(__file__).resolve().parents[1]


def test_committed_reference_is_current():
    committed = (REPO / reference.REFERENCE_FILE).read_text(encoding="utf-8")
    assert committed == reference.markdown(), (
        f"{reference.REFERENCE_FILE} is out of date: run `nianbao rules --markdown > {reference.REFERENCE_FILE}`"
    )


def test_rules_markdown_command_prints_the_reference(capsys):
    assert cli.main(["rules", "--markdown"]) == 0
    assert capsys.readouterr().out == reference.markdown()


def test_rules_command_lists_every_rule(capsys):
    assert cli.main(["rules"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in lines] == list(rules.RULES)
    assert all(rules.RULES[line.split("\t")[0]].statement in line for line in lines)


def test_reference_names_every_cell_and_rule():
    text = reference.markdown()
    for fmt in F.FORMATS:
        assert f"### {fmt.version}：{fmt.notice}" in text
        for _table, row, column in fmt.cells():
            assert f"| {row} |" in text or f"〔{row}｜" in text or f"| {row}" in text, row
            assert column in text, column
        for rule in {c.rule for c in rules.constraints(fmt)}:
            assert f"**{rule}**" in text
    for rule in rules.RULES.values():
        waivable = "可以" if rule.waivable else "不可以"
        assert f"| {rule.id} | " in text and f"{rule.statement} | {waivable} |" in text


def test_constraint_text_marks_last_year_and_signs():
    x2 = next(c for c in rules.constraints(F.V2021) if c.rule == "X2")
    assert reference.constraint_text(x2) == (
        f"〔{F.REGULATIONS}｜{F.IN_FORCE}〕 ＝ 上年〔{F.REGULATIONS}｜{F.IN_FORCE}〕"
        f"＋〔{F.REGULATIONS}｜{F.ISSUED}〕－〔{F.REGULATIONS}｜{F.REPEALED}〕"
    )
