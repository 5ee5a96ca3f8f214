"""`nianbao template`: complete zero-filled files, carry-over, no overwriting,
and the template → fill → check round trip."""

from __future__ import annotations

import csv
import io
import json
import random

import pytest

from conftest import APP, TWO_DEPARTMENTS, only, run_cli
from nianbao import formats as F
from nianbao.datafiles import format_number
from nianbao.synth import department_year
from nianbao.testing import ProjectBuilder, narrative_for
from nianbao.textio import UTF8_BOM

CSV_FILES = ("applications.csv", "review.csv", "disclosure.csv", "fees.csv")


def template(capsys, b, *args):
    return run_cli(capsys, "template", "--project", b.root, *args)


def read(path):
    data = path.read_bytes()
    return data, list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.mark.parametrize("year", [2020, 2021])
def test_template_writes_every_label_with_zeros(capsys, builder, year):
    code, out, _ = template(capsys, builder, "--year", year)
    assert code == 0
    fmt = F.format_for_year(year)
    folder = builder.folder("demo", year)
    assert out.splitlines() == [
        f"已写入 data/{year}/demo/：disclosure.csv、applications.csv、review.csv、fees.csv、narrative.md（{fmt.version} 格式）"
    ]
    for name in CSV_FILES:
        data, rows = read(folder / name)
        assert data.startswith(UTF8_BOM.encode("utf-8")), name
        for row in rows[1:]:
            assert all(cell.strip() for cell in row), (name, row)  # never blank
    _, rows = read(folder / "applications.csv")
    assert rows[0] == ["项目", *F.APPLICATION_COLUMNS]
    assert [r[0] for r in rows[1:]] == list(fmt.application_labels)
    assert all(cell == "0" for r in rows[1:] for cell in r[1:])
    _, rows = read(folder / "review.csv")
    assert rows == [["项目", *F.REVIEW_COLUMNS]] + [[g, "0", "0", "0", "0", "0"] for g in F.REVIEW_ROWS]
    _, rows = read(folder / "disclosure.csv")
    assert rows[0] == ["信息内容", "指标", "数值"]
    assert [(r[0], r[1]) for r in rows[1:]] == [(row, col.label) for row, col in fmt.disclosure_cells()]
    for r in rows[1:]:
        assert r[2] == ("0.0000" if fmt.domain(F.DISCLOSURE, r[0], r[1]) == F.AMOUNT else "0")
    _, rows = read(folder / "fees.csv")
    assert rows == [["指标", "数值"], ["发出收费通知件数", "0"], ["收费通知总金额（万元）", "0.0000"], ["实际收取金额（万元）", "0.0000"]]
    narrative = (folder / "narrative.md").read_text(encoding="utf-8")
    for heading in F.AUTHORED_SECTIONS:
        assert f"## {heading}\n" in narrative


def test_fresh_template_checks_with_only_its_prompts_as_errors(capsys, builder):
    template(capsys, builder, "--year", 2021)
    run = builder.check()
    assert {f.rule for f in run.findings} == {"N2"}  # the prompts must be replaced before publishing
    assert [f.row for f in run.findings] == list(F.AUTHORED_SECTIONS)


@pytest.mark.parametrize("previous", [2020, 2021], ids=["across-V2019-V2021", "V2021"])
def test_carried_in_prefilled_from_last_year(capsys, builder, previous):
    builder.add("demo", previous, size=80)
    last = builder.values[("demo", previous)]
    assert last[(APP, F.CARRIED_OUT, F.TOTAL)] > 0
    template(capsys, builder, "--year", previous + 1)
    _, rows = read(builder.path("demo", previous + 1, "applications"))
    by_label = {r[0]: r[1:] for r in rows[1:]}
    assert by_label[F.CARRIED_IN] == [str(last[(APP, F.CARRIED_OUT, c)]) for c in F.APPLICATION_COLUMNS]
    assert all(v == "0" for label, vs in by_label.items() if label != F.CARRIED_IN for v in vs)
    run = builder.check(years=[previous + 1])
    assert only(run, "X1") == []


def test_no_previous_year_means_zero_carry_in(capsys, builder):
    builder.add("demo", 2019, size=50)  # two years back does not count
    template(capsys, builder, "--year", 2021)
    _, rows = read(builder.path("demo", 2021, "applications"))
    assert rows[2][0] == F.CARRIED_IN and rows[2][1:] == ["0"] * 7


def test_never_overwrites_without_force(capsys, builder):
    template(capsys, builder, "--year", 2021)
    path = builder.path("demo", 2021, "review")
    path.write_text("edited", encoding="utf-8")
    (builder.folder("demo", 2021) / "fees.csv").unlink()
    code, out, _ = template(capsys, builder, "--year", 2021)
    assert code == 0
    assert out.splitlines() == [
        "已写入 data/2021/demo/：fees.csv（V2021 格式）",
        "未覆盖 data/2021/demo/ 中已有的文件：disclosure.csv、applications.csv、review.csv、narrative.md（如需覆盖请加 --force）",
    ]
    assert path.read_text(encoding="utf-8") == "edited"
    code, out, _ = template(capsys, builder, "--year", 2021, "--force")
    assert code == 0 and "未覆盖" not in out
    assert path.read_text(encoding="utf-8-sig").startswith("项目,结果维持")


def test_template_selection_and_errors(capsys, tmp_path):
    b = ProjectBuilder(tmp_path, TWO_DEPARTMENTS)
    code, out, _ = template(capsys, b, "--year", 2022, "--dept", "beta")
    assert code == 0 and "data/2022/beta/" in out
    assert not b.folder("alpha", 2022).exists()
    code, _, err = template(capsys, b)
    assert code == 2 and "请用 --year 指定一个年度" in err
    code, _, err = template(capsys, b, "--year", "2021,2022")
    assert code == 2
    code, _, err = template(capsys, b, "--year", 2018)
    assert code == 2 and "2018年没有适用的年报格式" in err
    code, _, err = template(capsys, b, "--year", 2022, "--dept", "nobody")
    assert code == 2 and "部门「nobody」不在" in err
    code, out, _ = template(capsys, b, "--year", 2023)
    assert code == 0 and "data/2023/alpha/" in out and "data/2023/beta/" in out


@pytest.mark.parametrize("year", [2020, 2021])
def test_template_fill_check_round_trip(capsys, builder, year):
    builder.add("demo", year - 1, size=60)
    template(capsys, builder, "--year", year)
    fmt = F.format_for_year(year)
    values = department_year(fmt, random.Random(7), 45, builder.values[("demo", year - 1)], fee_notices=1)
    folder = builder.folder("demo", year)

    def fill(header, rows):
        for row in rows:
            for i, col in enumerate(header[1:], start=1):
                key = (APP, row[0], col)
                if row[0] == F.CARRIED_IN:  # the template already holds last year's 四
                    assert row[i] == str(values[key])
                row[i] = str(values[key])
        return header, rows

    builder.edit_rows("demo", year, "applications", fill)
    for group in F.REVIEW_ROWS:
        for col in F.REVIEW_COLUMNS:
            builder.set_cell("demo", year, "review", group, col, str(values[(F.REVIEW, group, col)]))
    for row, col in fmt.disclosure_cells():
        builder.set_cell("demo", year, "disclosure", row, col.label, format_number(values[(F.DISCLOSURE, row, col.label)], col.domain))
    for fee in F.FEE_ROWS:
        builder.set_cell("demo", year, "fees", fee.label, None, format_number(values[(F.FEES, fee.label, F.FEE_VALUE)], fee.domain))
    (folder / "narrative.md").write_text(narrative_for("示例区测试局", year, values), encoding="utf-8")

    code, out, _ = run_cli(capsys, "check", "--project", builder.root, "--strict", "--json")
    assert (code, json.loads(out)) == (0, {"checked": 2, "findings": []})
    run = builder.check(years=[year])
    sub = run.submissions[(year, "demo")]
    assert all(sub.value(*key) == value for key, value in values.items())
    # and a mistake made while filling is caught at its cell
    builder.set_cell("demo", year, "applications", F.NEW, "自然人", str(values[(APP, F.NEW, "自然人")] + 1))
    r2 = only(builder.check(years=[year]), "R2")
    assert [(f.row, f.column) for f in r2] == [(F.NEW, "总计")]
