"""One vocabulary: findings built from the rule catalogue, severities that print
as plain words, one base class for the kit's failures and their exit codes."""

from __future__ import annotations

import json

import pytest

from nianbao import cli
from nianbao.errors import EXIT_FINDINGS, EXIT_USAGE, NianbaoError
from nianbao.findings import ERROR, WAIVED, WARNING, Finding, Severity, counts, tally_text, to_csv, to_record
from nianbao.html import findings_table
from nianbao.rules import RULES, UNWAIVABLE, finding


def test_a_finding_takes_its_severity_from_the_catalogue():
    for rule in RULES.values():
        assert finding(rule.id, message="m").severity is rule.severity
    f = finding("R3", message="不平", year=2024, department="a", table="applications", row="r", column="c",
                expected=1, actual=2, file="data/2024/a/applications.csv", line=3)
    assert (f.rule, f.severity, f.year, f.department, f.row, f.column, f.expected, f.actual, f.line) == (
        "R3", ERROR, 2024, "a", "r", "c", 1, 2, 3)


def test_findings_are_built_by_keyword_only():
    with pytest.raises(TypeError):
        Finding(2024, "a", "R3", ERROR, None, None, None, None, None, "m")  # the 13 positional arguments of old
    with pytest.raises(TypeError):
        finding("R3", "m")


def test_an_unknown_rule_is_refused():
    with pytest.raises(KeyError):
        finding("R9", message="m")


def test_waivability_lives_in_the_catalogue():
    assert UNWAIVABLE == ("INPUT", "R5", "N2", "W1", "F1")
    assert all(RULES[r].waivable for r in ("R1", "S4", "X1", "P1", "D1"))


def test_severities_print_as_the_plain_words_in_json_csv_and_html():
    f = finding("S1", message="m", year=2024, department="a")
    assert isinstance(f.severity, Severity) and f.severity == "warning"
    assert json.loads(json.dumps(to_record(f), ensure_ascii=False))["severity"] == "warning"
    assert '"severity": "warning"' in json.dumps(to_record(f))
    assert to_csv([f]).splitlines()[1].split(",")[3] == "warning"
    assert '<tr class="sev-warning"><td><span class="badge warning">提示</span>' in findings_table([f], "检查结果")


def test_tallies_count_every_severity_in_one_order():
    found = [finding("R3", message="m"), finding("S1", message="m"), finding("X1", message="m").waive("机构改革，已核实无误")]
    assert counts(found) == {ERROR: 1, WARNING: 1, WAIVED: 1}
    assert counts([]) == {ERROR: 0, WARNING: 0, WAIVED: 0}
    assert tally_text(counts(found[:1])) == "错误 1 项，提示 0 项，已说明 0 项"


KIT_ERRORS = {
    "nianbao.cli.UsageError": EXIT_USAGE,
    "nianbao.project.ProjectError": EXIT_USAGE,
    "nianbao.signing.SigningError": EXIT_USAGE,
    "nianbao.xlsx.ImportUsageError": EXIT_USAGE,
    "nianbao.build.lock.BuildLocked": EXIT_USAGE,
    "nianbao.build.cluster.ClusterError": EXIT_USAGE,
    "nianbao.config.ConfigError": EXIT_FINDINGS,
    "nianbao.formats.FormatError": EXIT_FINDINGS,
    "nianbao.report.ReportError": EXIT_FINDINGS,
    "nianbao.textio.InputFileError": EXIT_FINDINGS,
    "nianbao.pdf.PDFError": EXIT_FINDINGS,
}


@pytest.mark.parametrize("path, code", KIT_ERRORS.items())
def test_every_kit_exception_is_a_nianbao_error_carrying_its_exit_code(path, code):
    import importlib

    module, _, name = path.rpartition(".")
    cls = getattr(importlib.import_module(module), name)
    assert issubclass(cls, NianbaoError) and cls.exit_code == code


def test_config_and_format_errors_are_still_value_errors():
    from nianbao.config import ConfigError
    from nianbao.formats import FormatError

    assert issubclass(ConfigError, ValueError) and issubclass(FormatError, ValueError)


@pytest.mark.parametrize("code", [EXIT_FINDINGS, EXIT_USAGE])
def test_main_prints_a_kit_error_and_exits_with_its_code(monkeypatch, capsys, code):
    class Refused(NianbaoError):
        exit_code = code

    def command(args):
        raise Refused("数据不全，请补齐后重试。")

    monkeypatch.setattr(cli, "cmd_check", command)
    assert cli.main(["check"]) == code
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", "错误：数据不全，请补齐后重试。\n")
