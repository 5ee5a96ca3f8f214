"""`nianbao check`: human output, --json, exit codes, selection."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import APP, TWO_DEPARTMENTS, run_cli
from nianbao import formats as F
from nianbao.testing import ProjectBuilder

JSON_KEYS = {"year", "department", "rule", "severity", "table", "row", "column", "expected", "actual", "message"}


@pytest.fixture
def two(tmp_path):
    b = ProjectBuilder(tmp_path, TWO_DEPARTMENTS)
    for dept in ("alpha", "beta"):
        for year in (2020, 2021):
            b.add(dept, year, size=30)
    return b


def check(capsys, b, *args):
    return run_cli(capsys, "check", "--project", b.root, *args)


def test_clean_project_human_output(capsys, two):
    code, out, err = check(capsys, two)
    assert code == 0 and err == ""
    assert out.splitlines() == [
        "✓ 2020 示例区甲局（alpha）",
        "✓ 2020 示例区乙局（beta）",
        "✓ 2021 示例区甲局（alpha）",
        "✓ 2021 示例区乙局（beta）",
        "共检查 4 份年度数据：错误 0 项，提示 0 项，已说明 0 项。",
    ]


def test_r3_line_and_summary(capsys, two):
    v = two.values[("beta", 2021)]
    handled = v[(APP, F.OUTCOME_TOTAL, "自然人")]
    outcomes = sum(v[(APP, r.label, "自然人")] for r in F.V2021.outcome_rows)
    assert outcomes == handled
    wrong = handled + 6
    two.set_cell("beta", 2021, "applications", F.OUTCOME_TOTAL, "自然人", str(wrong))
    code, out, _ = check(capsys, two)
    assert code == 1
    lines = out.splitlines()
    assert "✓ 2021 示例区甲局（alpha）" in lines
    assert "✗ 2021 示例区乙局（beta）：错误 3 项，提示 0 项，已说明 0 项" in lines
    assert f"    [错误] R3 申请表 （七）总计 × 自然人：（一）至（六）合计 {outcomes} ≠ （七）总计 {wrong}" in lines
    total = v[(APP, F.OUTCOME_TOTAL, F.TOTAL)]
    assert f"    [错误] R2 申请表 （七）总计 × 总计：各类申请人合计 {total + 6} ≠ 总计 {total}" in lines
    r1 = [line for line in lines if " R1 " in line]
    assert r1 == [
        f"    [错误] R1 申请表 自然人：第三项（（七）总计）加第四项 {wrong + v[(APP, F.CARRIED_OUT, '自然人')]} ≠ "
        f"第一项加第二项 {v[(APP, F.NEW, '自然人')] + v[(APP, F.CARRIED_IN, '自然人')]}"
    ]
    assert lines[-1] == "共检查 4 份年度数据：错误 3 项，提示 0 项，已说明 0 项。"


def test_json_output(capsys, two):
    two.set_cell("alpha", 2020, "applications", F.GRANTED, "其他", "无")
    two.set_cell("beta", 2021, "review", "行政复议", "总计", "12")
    code, out, _ = check(capsys, two, "--json")
    assert code == 1
    payload = json.loads(out)
    assert payload["checked"] == 4
    by_rule = {(f["year"], f["department"], f["rule"]): f for f in payload["findings"]}
    for f in payload["findings"]:
        assert JSON_KEYS <= set(f)
        assert f["severity"] in ("error", "warning", "waived")
        assert f["table"] in ("applications", "review", "disclosure", "fees", "narrative", "departments")
    r5 = by_rule[(2020, "alpha", "R5")]
    assert (r5["table"], r5["row"], r5["column"], r5["actual"], r5["expected"]) == ("applications", F.GRANTED, "其他", "无", None)
    r4 = by_rule[(2021, "beta", "R4")]
    expected = sum(two.values[("beta", 2021)][(F.REVIEW, "行政复议", c)] for c in F.REVIEW_COLUMNS[:-1])
    assert (r4["table"], r4["row"], r4["column"], r4["expected"], r4["actual"]) == ("review", "行政复议", "总计", expected, 12)
    assert r4["severity"] == "error" and isinstance(r4["message"], str) and r4["message"]


def test_json_r1_row_is_null(capsys, two):
    two.set_cell("alpha", 2021, "applications", F.CARRIED_OUT, "科研机构", "40")
    _, out, _ = check(capsys, two, "--json", "--year", "2021", "--dept", "alpha")
    r1 = [f for f in json.loads(out)["findings"] if f["rule"] == "R1"]
    assert [(f["row"], f["column"]) for f in r1] == [(None, "科研机构")]


def test_json_amounts_are_numbers(capsys, two):
    two.set_cell("alpha", 2021, "fees", F.FEE_NOTICES, None, "0")
    two.set_cell("alpha", 2021, "disclosure", "行政事业性收费", "本年收费金额（单位：万元）", "1.2345678")
    _, out, _ = check(capsys, two, "--json", "--year", "2021")
    (r5,) = [f for f in json.loads(out)["findings"] if f["rule"] == "R5"]
    assert r5["actual"] == "1.2345678"  # raw text, not a rounded number


def test_warnings_exit_0_unless_strict(capsys, two):
    two.add("alpha", 2021, values=two.values[("alpha", 2021)], narrative="## 一、总体情况\n\n工作有序开展。\n")
    code, out, _ = check(capsys, two)
    assert code == 0
    assert "! 2021 示例区甲局（alpha）：错误 0 项，提示 2 项，已说明 0 项" in out.splitlines()
    assert "    [提示] N1 报告文字 五、存在的主要问题及改进情况：" in out
    code, _, _ = check(capsys, two, "--strict")
    assert code == 1


def test_selection_repeatable_and_comma_lists(capsys, two):
    two.set_cell("beta", 2020, "review", "行政复议", "总计", "12")
    code, out, _ = check(capsys, two, "--year", "2021", "--json")
    assert (code, json.loads(out)["checked"]) == (0, 2)
    for args in (["--year", "2020,2021", "--dept", "alpha"], ["--year", "2020", "--year", "2021", "--dept", "alpha"]):
        code, out, _ = check(capsys, two, *args, "--json")
        assert (code, json.loads(out)["checked"]) == (0, 2)
    code, out, _ = check(capsys, two, "--dept", "alpha,beta", "--year", "2020")
    assert code == 1
    assert out.splitlines()[0] == "✓ 2020 示例区甲局（alpha）"
    assert out.splitlines()[-1] == "共检查 2 份年度数据：错误 1 项，提示 0 项，已说明 0 项。"


def test_unknown_department_exit_2(capsys, two):
    code, out, err = check(capsys, two, "--dept", "alpha,nobody")
    assert code == 2 and out == ""
    assert err == "错误：部门「nobody」不在 params/departments.csv 中。已登记的部门：alpha、beta。\n"


@pytest.mark.parametrize("year", ["2018", "1999"])
def test_year_before_2019_exit_2(capsys, two, year):
    code, _, err = check(capsys, two, "--year", year)
    assert code == 2
    assert f"{year}年没有适用的年报格式" in err


@pytest.mark.parametrize("year", ["21", "abcd", "2021a"])
def test_bad_year_text_exit_2(capsys, two, year):
    code, _, err = check(capsys, two, "--year", year)
    assert code == 2
    assert f"年度「{year}」无效" in err


def test_bad_arguments_exit_2(capsys, two):
    with pytest.raises(SystemExit) as info:
        check(capsys, two, "--bogus")
    assert info.value.code == 2
    assert "无法识别的参数：--bogus" in capsys.readouterr().err


def test_no_project_exit_2(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, "check")
    assert code == 2 and out == ""
    assert "找不到 params/departments.csv" in err
    code, _, err = run_cli(capsys, "check", "--project", tmp_path / "nowhere")
    assert code == 2 and "不是 nianbao 项目" in err


def test_project_found_from_a_subfolder(capsys, two, monkeypatch):
    monkeypatch.chdir(two.folder("alpha", 2021))
    code, out, _ = run_cli(capsys, "check", "--year", "2021")
    assert code == 0 and out.splitlines()[-1].startswith("共检查 2 份年度数据")


def test_project_level_findings_are_printed(capsys, two):
    (two.root / "data" / "2021" / "ghost").mkdir()
    code, out, _ = check(capsys, two)
    assert code == 1
    assert "ghost" in out and "不在 params/departments.csv 中" in out


# ---------------------------------------------------------------------------
# A few runs as a real process: no traceback, documented exit codes
# ---------------------------------------------------------------------------


def nianbao(cwd, *args):
    env = {k: v for k, v in os.environ.items() if k != "NIANBAO_PROJECT"}
    return subprocess.run(
        [sys.executable, "-m", "nianbao", *args], cwd=cwd, capture_output=True, text=True, encoding="utf-8", env=env, timeout=60
    )


def test_subprocess_bad_data_no_traceback(two):
    b = two
    b.path("alpha", 2021, "review").write_bytes("项目,结果维持\n".encode("utf-16"))  # unreadable
    b.path("beta", 2021, "applications").unlink()
    b.edit_rows("beta", 2020, "applications", lambda h, rows: (h + ["多余"], rows + [["（三）不予公开"] + ["0"] * 8]))
    b.set_cell("alpha", 2020, "disclosure", "规章", "本年新制作数量", "12件")
    (b.root / "data" / "2021" / "Bad Dir").mkdir()
    result = nianbao(b.root, "check")
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    assert result.returncode == 1
    out = result.stdout
    assert "data/2021/alpha/review.csv 的编码无法识别" in out
    assert "缺少文件 data/2021/beta/applications.csv。" in out
    assert "data/2020/beta/applications.csv 第1行：多出列「多余」" in out
    assert "「（三）不予公开」是分组标题" in out
    assert "data/2020/alpha/disclosure.csv 第2行「本年新制作数量」列：「12件」不是有效数字" in out


def test_subprocess_no_project(tmp_path):
    result = nianbao(tmp_path, "check")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("错误：当前目录")


def test_subprocess_json_clean(two):
    result = nianbao(two.root, "check", "--json", "--strict")
    assert result.returncode == 0, result.stdout
    assert json.loads(result.stdout) == {"checked": 4, "findings": []}
