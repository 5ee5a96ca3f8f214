"""The data as pandas (frames.py) and ``nianbao data`` (datacmd.py)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import run_cli
from nianbao import formats as F
from nianbao import open_report, project_frame
from nianbao.frames import APPLICATION_LEVELS, TIDY_COLUMNS, table_frames
from nianbao.project import load_project
from nianbao.testing import ProjectBuilder
from nianbao.textio import UTF8_BOM

REPO = Path(__file__).resolve().parents[1]

# Which CSV columns hold values: the applications and review tables after their
# row label, the disclosure and fees tables their 数值 column.
_VALUE_COLUMNS = {F.APPLICATIONS: slice(1, None), F.REVIEW: slice(1, None), F.DISCLOSURE: slice(2, 3), F.FEES: slice(1, 2)}


def _csv_sum(path: Path, table: str) -> Decimal:
    if not path.exists():
        return Decimal(0)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))[1:]
    return sum((Decimal(cell) for row in rows for cell in row[_VALUE_COLUMNS[table]]), Decimal(0))


def test_the_tidy_table_adds_up_to_the_csv_files_of_every_sample_department_year():
    project = load_project(REPO)
    frame = project_frame(project)
    assert tuple(frame.columns) == TIDY_COLUMNS
    sums = frame.groupby(["year", "department", "table"]).value.sum()
    checked = 0
    for year, dept in project.submitted():
        if project.departments[dept].members is not None:
            assert dept not in set(frame[frame.year == year].department)  # members' sums: never counted twice
            continue
        folder = project.data_dir(year, dept)
        for table in _VALUE_COLUMNS:
            assert Decimal(sums[(year, dept, table)]) == _csv_sum(folder / F.TABLE_FILES[table], table), (year, dept, table)
            checked += 1
    assert checked >= 4 * 50  # the whole sample, not a corner of it
    row = frame.iloc[0]
    assert (row["name"], row["region"]) == (project.departments[row.department].name, project.departments[row.department].region)


@pytest.fixture
def amounts(tmp_path) -> ProjectBuilder:
    builder = ProjectBuilder(tmp_path, (("demo", "=HYPERLINK(\"http://x\")局", "示例区"), ("other", "示例区其他局", "北区")))
    builder.add("demo", 2020, size=20)
    builder.add("demo", 2021, size=12)
    builder.add("other", 2021, size=5)
    builder.set_cell("demo", 2021, F.FEES, F.FEE_COLLECTED, F.FEE_VALUE, "24252.311082")
    return builder


def test_values_are_exact_integers_and_decimals(amounts):
    frame = project_frame(amounts.root)
    fee = frame[(frame.year == 2021) & (frame.department == "demo") & (frame.row == F.FEE_COLLECTED)].value.item()
    assert fee == Decimal("24252.311082") and isinstance(fee, Decimal)
    counts = frame[frame.table == F.APPLICATIONS].value
    assert all(type(v) is int for v in counts)


def test_report_frames_are_labelled_and_ordered_as_printed(amounts, monkeypatch):
    report = open_report("demo", 2021, project_root=str(amounts.root))
    frames = report.frames
    assert list(frames) == [F.DISCLOSURE, F.APPLICATIONS, F.REVIEW, F.FEES]
    apps = frames[F.APPLICATIONS]
    assert list(apps.columns) == list(F.APPLICATION_COLUMNS)
    assert apps.index.names == list(APPLICATION_LEVELS)
    assert [path[-1] or path[-2] or path[0] for path in apps.index] == [
        row.path[-1] for row in report.sub.format.application_rows]
    new_total = apps.loc[(F.NEW, "", ""), F.TOTAL]
    assert new_total == report.sub.value(F.APPLICATIONS, F.NEW, F.TOTAL)
    assert list(frames[F.REVIEW].index) == list(F.REVIEW_ROWS) and list(frames[F.REVIEW].columns) == list(F.REVIEW_COLUMNS)
    assert frames[F.FEES].loc[F.FEE_COLLECTED, F.FEE_VALUE] == Decimal("24252.311082")


def test_history_keeps_each_year_in_its_own_format(amounts):
    history = open_report("demo", 2021, project_root=str(amounts.root)).history_frame()
    assert dict(history.groupby("year").format.first()) == {2020: "V2019", 2021: "V2021"}
    # V2019's one-row （六）其他处理 exists only in 2020; V2021's 3.其他 only in 2021.
    assert set(history[history.row == F.OTHER].year) == {2020}
    assert set(history[history.row == "3.其他"].year) == {2021}


def test_table_frames_of_every_format_cover_every_cell(amounts):
    sub = open_report("demo", 2020, project_root=str(amounts.root)).sub
    frames = table_frames(sub)
    assert sum(frame.size for frame in frames.values()) == len(sub.format.cells())


def test_nianbao_data_writes_the_tidy_table_as_bom_csv_with_formulas_neutralised(amounts, capsys, tmp_path):
    out = tmp_path / "数据.csv"
    code, stdout, _ = run_cli(capsys, "data", "--project", amounts.root, "--out", out, "--year", "2021")
    assert code == 0 and "数据.csv" in stdout
    raw = out.read_bytes()
    assert raw.startswith(UTF8_BOM.encode("utf-8"))
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    frame = project_frame(amounts.root, years=[2021])
    assert len(rows) == len(frame) + 1
    assert {r[0] for r in rows[1:]} == {"2021"}
    names = {r[2] for r in rows[1:]}
    assert "'=HYPERLINK(\"http://x\")局" in names  # never a live formula in Excel
    assert [r[-1] for r in rows if r[6] == F.FEE_COLLECTED and r[1] == "demo"] == ["24252.311082"]


def test_nianbao_data_writes_xlsx_of_one_region_with_text_never_a_formula(amounts, capsys, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "数据.xlsx"
    code, _, _ = run_cli(capsys, "data", "--project", amounts.root, "--out", out, "--region", "示例区")
    assert code == 0
    ws = load_workbook(out).active
    rows = list(ws.iter_rows(values_only=True))
    assert len(rows) == len(project_frame(amounts.root, regions=["示例区"])) + 1
    assert {r[3] for r in rows[1:]} == {"示例区"}
    name_cell = ws.cell(2, 3)
    assert name_cell.data_type == "s" and name_cell.value.startswith("=HYPERLINK")
    assert {type(r[-1]) for r in rows[1:]} <= {int, float}  # numbers Excel adds up


@pytest.mark.parametrize("argv, words", [
    (["--out", "x.txt"], ".csv 或 .xlsx"),
    (["--out", "x.csv", "--region", "南区"], "地区「南区」"),
    (["--out", "x.csv", "--year", "20x1"], "年度「20x1」"),
    (["--out", "x.csv", "--year", "2019"], "没有任何部门的数据"),
])
def test_nianbao_data_refuses_bad_arguments_in_chinese(amounts, capsys, tmp_path, monkeypatch, argv, words):
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(capsys, "data", "--project", amounts.root, *argv)
    assert code == 2 and words in err and "Traceback" not in err
    assert not (tmp_path / "x.csv").exists()


def test_nianbao_data_never_overwrites_without_force_nor_writes_into_data(amounts, capsys, tmp_path):
    out = tmp_path / "old.csv"
    out.write_text("keep me", encoding="utf-8")
    code, _, err = run_cli(capsys, "data", "--project", amounts.root, "--out", out)
    assert code == 2 and "--force" in err and out.read_text(encoding="utf-8") == "keep me"
    code, _, err = run_cli(capsys, "data", "--project", amounts.root, "--out", amounts.root / "data" / "x.csv")
    assert code == 2 and "data/" in err and not (amounts.root / "data" / "x.csv").exists()
    assert run_cli(capsys, "data", "--project", amounts.root, "--out", out, "--force")[0] == 0
    assert out.read_text(encoding="utf-8-sig").startswith("年度,")
