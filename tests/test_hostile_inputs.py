"""Careless or hostile input: every case gets a Chinese message naming the file
and saying what to do; no traceback; nothing in data/ changes (issue 11, the
input-reading half).

Most cases run ``nianbao check`` (or ``template``) in-process on a small
ProjectBuilder project; none starts a kernel.
"""

from __future__ import annotations

import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from conftest import run_cli
from nianbao import formats as F
from nianbao import xlsx
from nianbao.build import CACHE_FILE, HashCache, plan
from nianbao.config import ConfigError, parse_date
from nianbao.contract import parse_number
from nianbao.datafiles import amount_text, narrative_skeleton
from nianbao.report import ReportError, open_report
from nianbao.testing import ProjectBuilder
from nianbao.textio import shorten

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "annual_report.ipynb"
DISCLOSURE_FEE = ("行政事业性收费", "本年收费金额（单位：万元）")
BIG5_REVIEW = (
    "項目,結果維持,結果糾正,其他結果,尚未審結,總計\n行政復議,1,0,0,0,1\n未經復議直接起訴,0,0,0,0,0\n復議後起訴,0,0,0,0,0\n"
)


@pytest.fixture
def b(tmp_path):
    builder = ProjectBuilder(tmp_path / "proj")
    builder.add("demo", 2023, size=30)
    builder.add("demo", 2024, size=30)
    return builder


def snapshot(root: Path) -> dict[str, bytes]:
    data = root / "data"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(data.rglob("*")) if p.is_file()}


def cli(capsys, *argv):
    try:
        code, out, err = run_cli(capsys, *argv)
    except SystemExit as exit:  # argparse's own errors exit from inside parse_args
        code, (out, err) = exit.code, capsys.readouterr()
    assert "Traceback" not in out + err and "Error:" not in out + err
    return code, out, err


def text_of(b, table, year=2024):
    return b.path("demo", year, table).read_bytes().decode("utf-8-sig")


def write(b, table, text, encoding="utf-8", year=2024):
    b.path("demo", year, table).write_bytes(text.encode(encoding))


def appended_prompt_block(b):
    heading = F.SECTION_HEADINGS[4]
    block = f"\n## {heading}\n\n{F.NARRATIVE_PROMPTS[heading]}\n"
    write(b, "narrative", text_of(b, "narrative") + block)


def waivers(*lines):
    def mutate(b):
        (b.folder("demo", 2024) / "waivers.csv").write_text("规则,表,行,列,说明\n" + "\n".join(lines) + "\n", encoding="utf-8")

    return mutate


def departments(text):
    def mutate(b):
        (b.root / "params" / "departments.csv").write_text(text, encoding="utf-8")

    return mutate


def clutter(*paths, files=()):
    def mutate(b):
        for rel in paths:
            (b.root / rel).mkdir(parents=True, exist_ok=True)
        for rel in files:
            (b.root / rel).parent.mkdir(parents=True, exist_ok=True)
            (b.root / rel).write_bytes(b"\x00junk")

    return mutate


def copy_year_fullwidth(b):
    target = b.root / "data" / "２０２４" / "demo"
    target.mkdir(parents=True)
    for path in b.folder("demo", 2024).iterdir():
        (target / path.name).write_bytes(path.read_bytes())


# (id, mutate(builder), exit code, the file the message names, what it must say)
CHECK_CASES = [
    # structure: one message per file, its rules skipped, no invented zeros
    ("tab-separated", lambda b: write(b, "applications", text_of(b, "applications").replace(",", "\t")),
     1, "applications.csv", ["制表符", "已跳过", "另存为"]),
    ("semicolon-separated", lambda b: write(b, "applications", text_of(b, "applications").replace(",", ";")),
     1, "applications.csv", ["分号", "已跳过"]),
    ("no-header", lambda b: write(b, "applications", text_of(b, "applications").split("\n", 1)[1]),
     1, "applications.csv", ["缺少表头行", "请在第1行加上表头", "已跳过"]),
    ("big5", lambda b: write(b, "review", BIG5_REVIEW, "big5"), 1, "review.csv", ["Big5", "UTF-8", "已跳过"]),
    ("utf-16", lambda b: write(b, "review", text_of(b, "review"), "utf-16"), 1, "review.csv", ["编码无法识别", "另存为"]),
    ("missing-column", lambda b: write(b, "applications", text_of(b, "applications").replace(",其他,", ",其它列,", 1)),
     1, "applications.csv", ["缺少列「其他」", "已跳过"]),
    ("field-too-large", lambda b: write(b, "applications", text_of(b, "applications") + '"' + "x" * 200_000 + "\n"),
     1, "applications.csv", ["过长", "引号"]),
    ("folder-instead-of-file", lambda b: (b.path("demo", 2024, "fees").unlink(), b.path("demo", 2024, "fees").mkdir()),
     1, "fees.csv", ["是文件夹", "请删除或改名"]),
    # invisible characters: stripped from header cells, written out elsewhere
    ("bom-in-header-cell", lambda b: write(b, "review", text_of(b, "review").replace("项目", "\ufeff项目", 1)), 0, None, []),
    ("nul-in-header-cell", lambda b: write(b, "review", text_of(b, "review").replace("总计", "总计\x00", 1)), 0, None, []),
    ("zero-width-in-label", lambda b: write(b, "review", text_of(b, "review").replace("行政复议", "行政\u200b复议", 1)), 0, None, []),
    ("invisible-shown", lambda b: write(b, "review", text_of(b, "review").replace("行政复议", "行政复议\u200b（旧）", 1)),
     1, "review.csv", ["\\u200b", "无法识别的行"]),
    ("mac-line-endings", lambda b: write(b, "review", text_of(b, "review").replace("\n", "\r")), 0, None, []),
    # numbers: bounded before conversion
    ("count-5000-digits", lambda b: b.set_cell("demo", 2024, "review", "行政复议", "结果维持", "9" * 5000),
     1, "review.csv", ["过长", "共5000个字符", "0至100000000"]),
    ("count-over-limit", lambda b: b.set_cell("demo", 2024, "review", "行政复议", "结果维持", "100000001"),
     1, "review.csv", ["超出范围", "第2行「结果维持」列"]),
    ("amount-25-digits", lambda b: b.set_cell("demo", 2024, "fees", F.FEE_NOTICE_AMOUNT, None, "1000000000000000000000000"),
     1, "fees.csv", ["超出范围", "万元"]),
    ("amount-1e30", lambda b: b.set_cell("demo", 2024, "fees", F.FEE_NOTICE_AMOUNT, None, "1E+30"),
     1, "fees.csv", ["科学计数法", "请写成普通数字"]),
    ("amount-nan", lambda b: b.set_cell("demo", 2024, "fees", F.FEE_NOTICE_AMOUNT, None, "NaN"), 1, "fees.csv", ["不是有效数字"]),
    ("count-infinity", lambda b: b.set_cell("demo", 2024, "review", "行政复议", "结果维持", "Infinity"),
     1, "review.csv", ["不是有效数字"]),
    ("amount-7-places", lambda b: b.set_cell("demo", 2024, "disclosure", *DISCLOSURE_FEE, "1.1234567"),
     1, "disclosure.csv", ["小数位数过多", "最多6位"]),
    ("amount-to-the-fen", lambda b: b.set_cell("demo", 2024, "disclosure", *DISCLOSURE_FEE, "24252.311082"), 0, None, []),
    ("signed-below-limit", lambda b: (b.add("demo", 2020, size=20),
                                      b.set_cell("demo", 2020, "disclosure", "行政处罚", "本年增/减", "-100000001")),
     1, "data/2020/demo/disclosure.csv", ["超出范围", "可为负数"]),
    # limits: refused up front, one finding
    ("rows-over-limit", lambda b: write(b, "applications", text_of(b, "applications")
                                        + (text_of(b, "applications").splitlines()[1] + "\n") * 3000),
     1, "applications.csv", ["超过 2000 行", "未读取"]),
    ("csv-over-2mb", lambda b: write(b, "review", text_of(b, "review") + ("," * 60 + "\n") * 40_000),
     1, "review.csv", ["过大", "上限 2.0 MB"]),
    ("narrative-over-200kb", lambda b: write(b, "narrative", f"## {F.SECTION_HEADINGS[0]}\n\n" + "字" * 80_000),
     1, "narrative.md", ["过大", "上限 200 KB"]),
    # narrative
    ("repeated-heading-with-prompt", appended_prompt_block, 1, "narrative.md", ["重复（第", "提示语", "请删除"]),
    ("prompt-inside-text", lambda b: write(b, "narrative", text_of(b, "narrative").replace(
        "无。", "无。\n" + F.NARRATIVE_PROMPTS[F.SECTION_HEADINGS[5]])), 1, "narrative.md", ["提示语", "写上本部门的情况"]),
    ("big5-narrative", lambda b: write(b, "narrative", "## 一、總體情況\n\n本機關資訊公開工作。\n", "big5"),
     1, "narrative.md", ["Big5", "另存为 UTF-8"]),
    ("blank-template-narrative", lambda b: write(b, "narrative", narrative_skeleton()), 1, "narrative.md", ["提示语"]),
    # waivers
    ("waiver-without-table", waivers("R2,,,,全部说明"), 1, "waivers.csv", ["「表」为空", "未生效"]),
    ("waiver-short-explanation", waivers("R2,申请表,,,全部说明"), 1, "waivers.csv", ["只有4个字", "至少10个字"]),
    ("waiver-unknown-row", waivers("R2,申请表,不存在的行,,这是一条足够长的说明文字"), 0, "waivers.csv",
     ["说明未对应任何问题", "没有行「不存在的行」"]),
    ("waiver-unknown-column", waivers("R4,复议诉讼表,,不存在的列,这是一条足够长的说明文字"), 0, "waivers.csv",
     ["说明未对应任何问题", "没有列"]),
    ("waiver-stale", waivers("X1,申请表,二、上年结转政府信息公开申请数量,自然人,机构改革承接原单位未办结申请"), 0,
     "waivers.csv", ["说明未对应任何问题", "请删除这条说明"]),
    # clutter under data/
    ("empty-year-0001", clutter("data/0001"), 0, "data/0001/", ["不是受支持的报告年度"]),
    ("notes-folder", clutter("data/notes", files=["data/notes/readme.txt"]), 0, "data/notes/", ["不是年度文件夹"]),
    ("fullwidth-year", copy_year_fullwidth, 0, "data/２０２４/", ["全角数字", "半角数字 2024"]),
    ("system-files", clutter("data/.ipynb_checkpoints", "data/2024/.ipynb_checkpoints",
                             files=["data/.DS_Store", "data/2024/Thumbs.db", "data/2024/~$demo.xlsx"]),
     0, "data/2024/Thumbs.db", ["已忽略"]),
    ("unregistered-department", clutter("data/2024/nobody"), 1, "data/2024/nobody", ["不在 params/departments.csv 中"]),
    # departments.csv
    ("order-circled-digit", departments("id,name,region,order\ndemo,示例区测试局,示例区,②\n"), 1,
     "params/departments.csv", ["第2行「order」列", "「②」", "请改为半角数字"]),
    ("first-year-fullwidth", departments("id,name,region,first_year\ndemo,示例区测试局,示例区,２０２１\n"), 1,
     "params/departments.csv", ["第2行「first_year」列", "四位数的年份"]),
    ("last-year-junk", departments("id,name,region,last_year\ndemo,示例区测试局,示例区,明年\n"), 1,
     "params/departments.csv", ["「last_year」列", "「明年」"]),
]


@pytest.mark.parametrize(("mutate", "code", "file", "says"), [c[1:] for c in CHECK_CASES], ids=[c[0] for c in CHECK_CASES])
def test_check_survives(capsys, b, mutate, code, file, says):
    mutate(b)
    before = snapshot(b.root)
    got, out, err = cli(capsys, "check", "--project", b.root)
    assert got == code, out + err
    assert snapshot(b.root) == before  # check never writes into data/
    assert "共检查" in out  # the summary always prints
    if file:
        lines = [line for line in out.splitlines() if file in line]
        assert lines, out
        assert all(word in out for word in says), out
        assert any(word in line for line in lines for word in ("请", "须为", "已忽略"))  # it says what to do


def test_structural_failure_invents_no_findings(capsys, b):
    """A misread file is one finding: no R1–R4, X1 or S4 computed on zeros, not
    even next year's X1 that reads it."""
    b.add("demo", 2025, size=30)
    write(b, "applications", text_of(b, "applications").replace(",", "\t"))
    run = b.check()
    assert [(f.rule, f.year) for f in run.findings] == [("INPUT", 2024)]


def test_unreadable_file_reason_is_chinese(capsys, b, monkeypatch):
    import errno

    real = Path.read_bytes

    def refuse(path):
        if path.name == "review.csv":
            raise PermissionError(errno.EACCES, "Permission denied")
        return real(path)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    code, out, _ = cli(capsys, "check", "--project", b.root)
    assert code == 1 and "data/2024/demo/review.csv：没有读取权限" in out and "Permission" not in out


def test_clutter_is_reported_once_and_counts_nothing_twice(capsys, b):
    copy_year_fullwidth(b)
    clutter("data/0001", "data/.ipynb_checkpoints")(b)
    code, out, _ = cli(capsys, "check", "--project", b.root, "--year", "2024")
    assert code == 0
    assert out.count("F1") == 3
    assert "共检查 1 份年度数据" in out
    assert b.project().years() == [2023, 2024]


def test_large_duplicate_file_is_one_finding(b):
    row = text_of(b, "review").splitlines()[1]
    write(b, "review", text_of(b, "review") + (row + "\n") * 1_000)  # under the row limit: each a finding
    assert len([f for f in b.check().findings if f.rule == "INPUT"]) == 1_000
    write(b, "review", text_of(b, "review") + (row + "\n") * 100_000)  # far over: refused whole
    assert [f.rule for f in b.check().findings] == ["INPUT"]


# ---------------------------------------------------------------------------
# template
# ---------------------------------------------------------------------------


TEMPLATE_CASES = [
    ("clutter", clutter("data/0001", "data/notes", files=["data/.DS_Store", "data/2024/Thumbs.db"]), ["--year", "2025"], 0),
    ("clutter-xlsx", clutter("data/0001", files=["data/2024/~$demo.xlsx"]), ["--year", "2025", "--xlsx"], 0),
    ("fullwidth-year", copy_year_fullwidth, ["--year", "2025"], 0),
    ("bad-order", departments("id,name,region,order\ndemo,示例区测试局,示例区,②\n"), ["--year", "2025"], 0),
    ("last-year-unreadable", lambda b: write(b, "applications", text_of(b, "applications").replace(",", ";")),
     ["--year", "2025"], 0),
    ("last-year-huge-number", lambda b: b.set_cell("demo", 2024, "applications", F.CARRIED_OUT, "自然人", "9" * 5000),
     ["--year", "2025", "--xlsx"], 0),
    ("far-future-year", lambda b: None, ["--year", "2099"], 2),
    ("fullwidth-year-argument", lambda b: None, ["--year", "２０２５"], 0),  # read as 2025: written to data/2025/
    ("circled-year-argument", lambda b: None, ["--year", "②⓪②⑤"], 2),
]


@pytest.mark.parametrize("separator", ["\t", ";"])
def test_departments_csv_with_another_separator(capsys, b, separator):
    departments(f"id{separator}name{separator}region\ndemo{separator}示例区测试局{separator}示例区\n")(b)
    code, out, err = cli(capsys, "check", "--project", b.root)
    assert code == 2 and "params/departments.csv：文件用" in err and "另存为" in err


@pytest.mark.parametrize(("mutate", "args", "code"), [c[1:] for c in TEMPLATE_CASES], ids=[c[0] for c in TEMPLATE_CASES])
def test_template_survives(capsys, b, mutate, args, code):
    mutate(b)
    before = snapshot(b.root)
    got, out, err = cli(capsys, "template", "--project", b.root, *args)
    assert got == code, out + err
    after = snapshot(b.root)
    assert {k: v for k, v in after.items() if k in before} == before  # nothing existing changed
    if code == 0:
        assert "已写入" in out
    else:
        assert "年度" in err and "请" in err


def test_template_carries_over_nothing_from_a_misread_year(capsys, b):
    write(b, "applications", text_of(b, "applications").replace(",", ";"))
    cli(capsys, "template", "--project", b.root, "--year", "2025")
    rows = text_of(b, "applications", 2025).splitlines()
    carried = next(r for r in rows if r.startswith(F.CARRIED_IN))
    assert carried.split(",")[1:] == ["0"] * len(F.APPLICATION_COLUMNS)


# ---------------------------------------------------------------------------
# Amounts: as entered, everywhere
# ---------------------------------------------------------------------------


def test_real_amount_passes_and_prints_as_entered(b):
    b.set_cell("demo", 2024, "disclosure", *DISCLOSURE_FEE, "24252.311082")
    b.set_cell("demo", 2024, "fees", F.FEE_COLLECTED, None, "0.5")
    assert [f for f in b.check().findings if f.rule == "R5"] == []
    report = open_report("demo", 2024, b.root)
    html = "".join(part._repr_html_()[0] if isinstance(part._repr_html_(), tuple) else part._repr_html_()
                   for part in report.parts())
    assert ">24252.311082<" in html
    assert "24252.3111" not in html  # never rounded
    assert "0.5000" in html  # at least four places, as before


@pytest.mark.pdf
@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils missing")
def test_real_amount_prints_as_entered_in_the_pdf(b, tmp_path):
    """The PDF is made from the exported page; no kernel needed to see what it prints."""
    import nbformat

    from nianbao.export import ReportHTMLExporter
    from nianbao.pdf import html_to_pdf

    b.set_cell("demo", 2024, "disclosure", *DISCLOSURE_FEE, "24252.311082")
    report = open_report("demo", 2024, b.root, publication_date="2025-01-20")
    nb = nbformat.v4.new_notebook()
    for part in report.parts():
        rendered = part._repr_html_()
        html, metadata = rendered if isinstance(rendered, tuple) else (rendered, {})
        output = nbformat.v4.new_output("display_data", data={"text/html": html},
                                        metadata={"text/html": metadata} if metadata else {})
        nb.cells.append(nbformat.v4.new_code_cell("", outputs=[output]))
    page = ReportHTMLExporter().from_notebook_node(nb)[0]
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(html_to_pdf(page, title=report.title, author=report.department.name,
                                publication_date=report.settings.publication_date))
    text = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "24252.311082" in text


def test_real_amount_round_trips_through_a_workbook(capsys, b):
    cli(capsys, "template", "--project", b.root, "--year", "2025", "--xlsx")
    path = b.root / "workbooks" / "2025" / "demo-2025.xlsx"
    wb = openpyxl.load_workbook(path)
    sheet, coord = xlsx.value_cells(F.V2021)[(F.DISCLOSURE, *DISCLOSURE_FEE)]
    wb[sheet][coord].value = 24252.311082  # what Excel stores: a double
    assert "0.0000##" == wb[sheet][coord].number_format  # shows up to six places in Excel
    wb.save(path)
    code, out, err = cli(capsys, "import", "--project", b.root, path)
    assert "24252.311082" in text_of(b, "disclosure", 2025)
    assert "R5" not in out


@pytest.mark.parametrize(("typed", "shown"), [(1e30, "1E+30"), (123456789.5, "123456789.5"), (1.1234567, "1.1234567")])
def test_workbook_amounts_out_of_bounds_reach_the_checker(capsys, b, typed, shown):
    cli(capsys, "template", "--project", b.root, "--year", "2025", "--xlsx")
    path = b.root / "workbooks" / "2025" / "demo-2025.xlsx"
    wb = openpyxl.load_workbook(path)
    sheet, coord = xlsx.value_cells(F.V2021)[(F.DISCLOSURE, *DISCLOSURE_FEE)]
    wb[sheet][coord].value = typed
    wb.save(path)
    code, out, err = cli(capsys, "import", "--project", b.root, path)
    assert code == 1
    assert f"「{shown}」" in out and "R5" in out and "disclosure.csv" in out


def test_workbook_amount_with_float_noise_is_what_excel_shows(capsys, b):
    cli(capsys, "template", "--project", b.root, "--year", "2025", "--xlsx")
    path = b.root / "workbooks" / "2025" / "demo-2025.xlsx"
    wb = openpyxl.load_workbook(path)
    sheet, coord = xlsx.value_cells(F.V2021)[(F.DISCLOSURE, *DISCLOSURE_FEE)]
    wb[sheet][coord].value = 0.1 + 0.2  # a formula's result: 0.30000000000000004
    wb.save(path)
    code, out, err = cli(capsys, "import", "--project", b.root, path)
    assert f"{DISCLOSURE_FEE[0]},{DISCLOSURE_FEE[1]},0.3000" in text_of(b, "disclosure", 2025)
    assert "R5" not in out


def test_workbook_count_too_large_reaches_the_checker(capsys, b):
    cli(capsys, "template", "--project", b.root, "--year", "2025", "--xlsx")
    path = b.root / "workbooks" / "2025" / "demo-2025.xlsx"
    wb = openpyxl.load_workbook(path)
    sheet, coord = xlsx.value_cells(F.V2021)[(F.REVIEW, "行政复议", "结果维持")]
    wb[sheet][coord].value = 10**20
    wb.save(path)
    code, out, err = cli(capsys, "import", "--project", b.root, path)
    assert code == 1 and "「1E+20」是科学计数法" in out and "review.csv" in out  # as Excel shows it


# ---------------------------------------------------------------------------
# Config and dates (no kernel: refused before one starts)
# ---------------------------------------------------------------------------


def report_toml(text):
    def mutate(b):
        (b.folder("demo", 2024) / "report.toml").write_text(text, encoding="utf-8")

    return mutate


def project_toml(text):
    def mutate(b):
        (b.root / "params" / "project.toml").write_text(text, encoding="utf-8")

    return mutate


CONFIG_CASES = [
    ("datetime", report_toml("publication_date = 2025-01-20T10:00:00\n"), None,
     ["data/2024/demo/report.toml", "日期时间", "去掉时间部分"]),
    ("integer-date", report_toml("publication_date = 20250120\n"), None,
     ["report.toml", "publication_date", "整数", 'publication_date = "2025-01-20"']),
    ("report-syntax", report_toml("publication_date = \n"), None,
     ["report.toml", "语法错误", 'publication_date = "2025-01-20"']),
    ("project-report-5", project_toml("report = 5\n"), None, ["params/project.toml", "report", "表", "[report]"]),
    ("project-syntax", project_toml("[report]\npublication_day = 0120\n"), None,
     ["params/project.toml", "语法错误", 'publication_day = "01-20"']),
    ("project-day-number", project_toml("[report]\npublication_day = 120\n"), None,
     ["params/project.toml", "publication_day", "整数", 'publication_day = "01-20"']),
    ("project-day-impossible", project_toml('[report]\npublication_day = "02-30"\n'), None, ["publication_day", "不存在"]),
    ("huge-report-toml", report_toml("# " + "x" * 100_000 + "\n"), None, ["report.toml", "过大"]),
    ("date-without-dashes", lambda b: None, "20250120", ["--date", "2025-01-20"]),
    ("date-before-year-end", lambda b: None, "2019-01-01", ["2025-01-01 至 2026-12-31"]),
    ("date-year-one", lambda b: None, "0001-01-01", ["不在2024年度报告可能的公开期间"]),
    ("date-too-late", lambda b: None, "2027-01-01", ["2025-01-01 至 2026-12-31"]),
]


@pytest.mark.parametrize(("mutate", "date", "says"), [c[1:] for c in CONFIG_CASES], ids=[c[0] for c in CONFIG_CASES])
def test_config_errors_are_chinese(b, mutate, date, says):
    mutate(b)
    with pytest.raises(ReportError) as raised:
        open_report("demo", 2024, b.root, publication_date=date)
    assert all(word in str(raised.value) for word in says), str(raised.value)


@pytest.mark.parametrize(("args", "says"), [(["--jobs", "②"], "--jobs「②」无效"), (["--jobs", "99999999999999"], "不大于999"),
                                           (["--timeout", "x"], "不是整数")], ids=["circled", "huge", "timeout"])
def test_build_number_arguments(capsys, b, args, says):
    code, out, err = cli(capsys, "build", "--project", b.root, "--notebook", NOTEBOOK, *args)
    assert code == 2 and says in err
    assert not (b.root / "outputs").exists()


@pytest.mark.parametrize("args", [["--date", "0001-01-01"], []], ids=["bad-date", "bad-project-toml"])
def test_render_refuses_before_starting_a_kernel(capsys, b, args):
    if not args:
        project_toml("report = 5\n")(b)
    before = snapshot(b.root)
    code, out, err = cli(capsys, "render", "--project", b.root, "--dept", "demo", "--year", "2024",
                         "--notebook", NOTEBOOK, *args)
    assert code == 1 and err.startswith("错误：") and "请" in err
    assert snapshot(b.root) == before and not (b.root / "outputs" / "draft" / "2024").exists()


def test_build_planning_survives_a_broken_project_toml(b):
    project_toml("report = 5\n")(b)
    planned = plan(b.project(), {2024}, {"demo"}, "draft", notebook=NOTEBOOK, cache=HashCache(b.root / CACHE_FILE))
    assert [(p.action, "params/project.toml" in p.message) for p in planned] == [("invalid", True)]


# ---------------------------------------------------------------------------
# Units
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "domain", "value"),
    [
        ("100000000", F.COUNT, 100_000_000),
        ("100000001", F.COUNT, None),
        ("0000000000000000000000000000001", F.COUNT, 1),
        ("9" * 5000, F.COUNT, None),
        ("-100000000", F.SIGNED, -100_000_000),
        ("-100000001", F.SIGNED, None),
        ("100000000.000000", F.AMOUNT, Decimal("100000000")),
        ("100000000.000001", F.AMOUNT, None),
        ("24252.311082", F.AMOUNT, Decimal("24252.311082")),
        ("1E+30", F.AMOUNT, None),
        ("1e3", F.COUNT, None),
        ("NaN", F.AMOUNT, None),
        ("-Infinity", F.SIGNED, None),
        ("②", F.COUNT, None),
        ("\ufeff12\u200b", F.COUNT, 12),  # invisible characters around a number are not the number
    ],
)
def test_parse_number_is_bounded(raw, domain, value):
    parsed, problem = parse_number(raw, domain)
    assert (problem is None) == (value is not None)
    if value is not None:
        assert parsed == value
    else:
        assert parsed == 0 and ("须为" in problem or "超出范围" in problem)


@pytest.mark.parametrize(
    ("value", "text"),
    [(Decimal("24252.311082"), "24252.311082"), (Decimal("12.3"), "12.3000"), (Decimal("12.30000000"), "12.3000"),
     (0, "0.0000"), (Decimal("100"), "100.0000"), (Decimal("0.00001"), "0.00001")],
)
def test_amounts_print_as_entered(value, text):
    assert amount_text(value) == text


def test_invisible_characters_are_shown():
    assert shorten("\ufeff项目") == "\\ufeff项目"
    assert shorten("x" * 100).endswith("…（共100个字符）")


@pytest.mark.parametrize("value", ["2025-1-20", "2025/01/20", "２０２５-０１-２０", 20250120])
def test_parse_date_wants_iso_text(value):
    with pytest.raises(ConfigError, match="请写成"):
        parse_date(value, "测试", 2024)
