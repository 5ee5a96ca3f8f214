"""Excel in, Excel out: `nianbao template --xlsx` and `nianbao import`.

Workbooks are built with the template command, filled with openpyxl, imported,
and compared with the CSV files the same figures give."""

from __future__ import annotations

import random
import shutil
import subprocess
from decimal import Decimal

import openpyxl
import pytest

from conftest import APP, TWO_DEPARTMENTS, run_cli
from nianbao import formats as F
from nianbao import signing, xlsx
from nianbao.datafiles import submission_files
from nianbao.synth import department_year
from nianbao.testing import ProjectBuilder, narrative_for

CSV_FILES = ("applications.csv", "review.csv", "disclosure.csv", "fees.csv")


@pytest.fixture
def b(tmp_path):
    return ProjectBuilder(tmp_path / "proj", TWO_DEPARTMENTS)


def template(capsys, b, year, *args):
    return run_cli(capsys, "template", "--project", b.root, "--year", year, "--xlsx", *args)


def do_import(capsys, b, *args):
    return run_cli(capsys, "import", "--project", b.root, *args)


def workbook_path(b, dept, year):
    return b.root / "workbooks" / str(year) / f"{dept}-{year}.xlsx"


def figures(b, dept, year, size=30, seed=7):
    """Balanced figures for a year, continuing the builder's previous year."""
    fmt = F.format_for_year(year)
    return department_year(fmt, random.Random(seed), size, b.values.get((dept, year - 1)), 1 if fmt.fees_required else 0)


def fill(path, values, year, edit=None, text=None, out=None):
    """Type every figure into the workbook (as a department would) and save it."""
    wb = openpyxl.load_workbook(path)
    for key, (sheet, coord) in xlsx.value_cells(F.format_for_year(year)).items():
        wb[sheet][coord].value = values.get(key, 0)
    if text:
        coords = list(next(s for s in xlsx.sheet_specs(F.format_for_year(year)) if s.name == xlsx.SHEET_TEXT).texts)
        for coord, body in zip(coords, text, strict=True):
            wb[xlsx.SHEET_TEXT][coord].value = body
    if edit:
        edit(wb)
    target = out or path
    wb.save(target)
    return target


def cell_of(year, table, row, column):
    return xlsx.value_cells(F.format_for_year(year))[(table, row, column)]


def csv_texts(folder):
    return {name: (folder / name).read_text(encoding="utf-8-sig") for name in CSV_FILES}


def expected_texts(year, values):
    files = submission_files(F.format_for_year(year), values)
    return {name: files[name] for name in CSV_FILES}


def ready(b, capsys, year=2021, dept="alpha"):
    """A project with last year's data and this year's workbooks; returns (path, values)."""
    b.add(dept, year - 1, size=25)
    code, _, _ = template(capsys, b, year, "--dept", dept)
    assert code == 0
    return workbook_path(b, dept, year), figures(b, dept, year)


# ---------------------------------------------------------------------------
# template --xlsx
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("year", [2020, 2021])
def test_template_writes_the_official_layout(capsys, b, year):
    b.add("alpha", year - 1, size=25)
    code, out, _ = template(capsys, b, year)
    assert code == 0
    fmt = F.format_for_year(year)
    assert out.splitlines() == [
        f"已写入 workbooks/{year}/alpha-{year}.xlsx（{fmt.version} 格式）",
        f"已写入 workbooks/{year}/beta-{year}.xlsx（{fmt.version} 格式）",
    ]
    wb = openpyxl.load_workbook(workbook_path(b, "alpha", year))
    assert wb.sheetnames == ["说明", "二、主动公开", "三、依申请公开", "四、复议诉讼", "六、信息处理费", "文字", "_nianbao"]
    assert wb["_nianbao"].sheet_state == "hidden"
    meta = {r[0]: r[1] for r in wb["_nianbao"].iter_rows(values_only=True)}
    assert meta["kit"] == "nianbao" and meta["format"] == fmt.version and meta["year"] == str(year)
    assert meta["department"] == "alpha"
    assert wb.security.lockStructure
    app = wb["三、依申请公开"]
    assert app["A1"].value == f"示例区甲局{year}年政府信息公开工作年度报告"
    assert app["A4"].value == F.BALANCE_NOTE and "A4:C6" in {r.coord for r in app.merged_cells.ranges}
    assert app["D4"].value == F.APPLICANT_HEADER and app["E5"].value == F.ORGANISATION_HEADER
    assert [app.cell(6, 5 + i).value for i in range(5)] == list(F.ORGANISATIONS)
    # the results group label spans its rows; group labels span theirs
    results = next(r for r in app.merged_cells.ranges if app.cell(r.min_row, r.min_col).value == F.RESULTS)
    assert results.max_row - results.min_row + 1 == len([r for r in fmt.application_rows if r.path[0] == F.RESULTS])
    withheld = next(r for r in app.merged_cells.ranges if app.cell(r.min_row, r.min_col).value == F.WITHHELD)
    assert withheld.max_row - withheld.min_row + 1 == 8
    # every number cell: unlocked, prefilled, validated; labels locked; sheets protected
    previous = b.values[("alpha", year - 1)]
    validated = {str(c) for dv in app.data_validations.dataValidation for r in dv.sqref.ranges for c in [r.coord]}
    for (table, row, column), (sheet, coord) in xlsx.value_cells(fmt).items():
        cell = wb[sheet][coord]
        assert cell.protection.locked is False
        if (table, row) == (APP, F.CARRIED_IN):
            assert cell.value == previous[(APP, F.CARRIED_OUT, column)]
        else:
            assert cell.value == 0
        if sheet == "三、依申请公开":
            assert coord in validated
    assert app["A7"].protection.locked and app.protection.sheet
    assert all(wb[name].protection.sheet for name in wb.sheetnames)
    # the live check next to each 总计
    assert app["K7"].value == '=IF(J7=SUM(D7:I7),"✓",J7-(SUM(D7:I7)))'
    review = wb["四、复议诉讼"]
    assert review["A4"].value == F.REVIEW_HEADER and review["F4"].value == F.LITIGATION_HEADER
    assert review["F5"].value == F.REVIEW_ROWS[1] and review["K5"].value == F.REVIEW_ROWS[2]
    assert review["E8"].value == '=IF(E7=SUM(A7:D7),"✓",E7-(SUM(A7:D7)))'
    disclosure = wb["二、主动公开"]
    assert disclosure["A4"].value == fmt.disclosure[0].article
    signed = [dv for dv in disclosure.data_validations.dataValidation if dv.formula1 == f"-{F.NUMBER_LIMIT}"]
    assert bool(signed) == (year == 2020)  # 本年增/减 may be negative (V2019 only)
    guide = "\n".join(str(c.value) for c in wb["说明"]["A"])
    assert "次年1月31日" in guide and "R1" in guide and "文字" in guide


def test_template_never_overwrites_a_workbook(capsys, b, tmp_path):
    template(capsys, b, 2021, "--dept", "alpha")
    code, out, _ = template(capsys, b, 2021, "--dept", "alpha")
    assert code == 0 and "未覆盖已有的 workbooks/2021/alpha-2021.xlsx" in out and "--force" in out
    code, out, _ = template(capsys, b, 2021, "--dept", "alpha", "--force")
    assert "已写入" in out
    code, out, _ = template(capsys, b, 2021, "--dept", "beta", "--out", tmp_path / "out")
    assert code == 0 and (tmp_path / "out" / "beta-2021.xlsx").is_file()


# ---------------------------------------------------------------------------
# round trips
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("year", [2020, 2021])
def test_round_trip_gives_the_same_csv(capsys, b, year):
    path, values = ready(b, capsys, year)
    # Section 五 with substance and last year's rectification (N4, N5 hold).
    five = "问题和改进：栏目更新不够及时，政策解读形式单一；将建立发布提醒机制并丰富解读形式。上年度报告所列问题已整改到位。"
    text = [f"{year}年，全年新收申请{values[(APP, F.NEW, F.TOTAL)]}件。\n第二段。", five, "无。"]
    fill(path, values, year, text=text)
    path.rename(path.with_name("随便什么名字.xlsx"))  # identified from the workbook, not its name
    code, out, err = do_import(capsys, b, path.with_name("随便什么名字.xlsx"))
    assert err == ""
    assert code == 0, out
    folder = b.folder("alpha", year)
    assert csv_texts(folder) == expected_texts(year, values)
    narrative = (folder / "narrative.md").read_text(encoding="utf-8")
    assert narrative.startswith(f"## 一、总体情况\n\n{year}年，全年新收申请") and "件。\n\n第二段。" in narrative
    assert f"## 五、存在的主要问题及改进情况\n\n{five}" in narrative
    assert f"✓ {year} 示例区甲局（alpha）" in out and "共导入 1 份工作簿。" in out


def test_import_runs_the_checks_and_reports_findings(capsys, b):
    path, values = ready(b, capsys)
    sheet, coord = cell_of(2021, APP, F.GRANTED, F.TOTAL)
    fill(path, values, 2021, edit=lambda wb: wb[sheet].__setitem__(coord, values[(APP, F.GRANTED, F.TOTAL)] + 5))
    code, out, _ = do_import(capsys, b, path)
    assert code == 1
    assert "已写入 data/2021/alpha/" in out  # the figures are imported; the findings say what to fix
    assert "[错误] R2 申请表 （一）予以公开 × 总计" in out and "[错误] R3" in out
    assert "N1" in out  # no prose in the 文字 sheet: narrative.md is the skeleton


def test_text_sheet_left_empty_keeps_an_existing_narrative(capsys, b):
    path, values = ready(b, capsys)
    b.folder("alpha", 2021).mkdir(parents=True)
    mine = narrative_for("示例区甲局", 2021, values)
    (b.folder("alpha", 2021) / "narrative.md").write_text(mine, encoding="utf-8")
    fill(path, values, 2021)
    code, out, _ = do_import(capsys, b, path)
    assert code == 0, out
    assert (b.folder("alpha", 2021) / "narrative.md").read_text(encoding="utf-8") == mine


def test_numbers_typed_as_text_are_read_and_blanks_are_findings(capsys, b):
    path, values = ready(b, capsys)
    n = values[(APP, F.GRANTED, F.NATURAL_PERSON)]
    wide = str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))

    def edit(wb):
        sheet, coord = cell_of(2021, APP, F.GRANTED, F.NATURAL_PERSON)
        wb[sheet][coord] = wide  # full-width digits stored as text, as WPS may keep them
        sheet, coord = cell_of(2021, APP, F.NEW, F.NATURAL_PERSON)
        wb[sheet][coord] = f" {values[(APP, F.NEW, F.NATURAL_PERSON)]} "
        sheet, coord = cell_of(2021, F.REVIEW, "行政复议", "结果维持")
        wb[sheet][coord] = None

    fill(path, values, 2021, edit=edit)
    code, out, _ = do_import(capsys, b, path)
    assert code == 1
    assert "[错误] R5 复议诉讼表 行政复议 × 结果维持" in out and "请填写0" in out
    assert "R1" not in out and "R2" not in out and "R3" not in out  # the text numbers were read as numbers


# ---------------------------------------------------------------------------
# refusals
# ---------------------------------------------------------------------------


def refused(capsys, b, path, *args):
    code, out, _ = do_import(capsys, b, path, *args)
    assert code == 1, out
    assert "✗ 拒绝导入" in out and "共导入 0 份工作簿，拒绝 1 份。" in out
    assert not b.folder("alpha", 2021).exists()
    return out


def test_refuses_a_workbook_not_made_by_the_kit(capsys, b, tmp_path):
    b.add("alpha", 2020)
    plain = tmp_path / "plain.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "三、依申请公开"
    wb.save(plain)
    assert "不是本工具生成的填报工作簿" in refused(capsys, b, plain)
    fake = tmp_path / "fake.xlsx"
    fake.write_text("not a workbook", encoding="utf-8")
    assert "不是有效的 .xlsx 工作簿" in refused(capsys, b, fake)
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    assert "另存为" in refused(capsys, b, old)


def set_meta(key, value, project_root=None):
    """Edit one identification field; with ``project_root``, sign it again with
    that project's key (a workbook the project issued with such an identity)."""
    def edit(wb):
        ws = wb[xlsx.META_SHEET]
        rows = {r[0].value: r for r in ws.iter_rows()}
        rows[key][1].value = value
        if project_root is not None:
            identity = {k: str(r[1].value) for k, r in rows.items()}
            rows[signing.SIGNATURE][1].value = signing.sign(signing.project_key(project_root, create=False), identity)
    return edit


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("format", "V2019", "工作簿的表格格式是「V2019」，而2021年度应使用V2021格式"),
        ("layout", "99", "工作簿的版本（99）与本工具（1）不一致"),
        ("department", "nobody", "工作簿的部门编号「nobody」不在 params/departments.csv 中"),
        ("year", "2018", "2018年没有适用的年报格式"),
    ],
)
def test_refuses_wrong_version_or_unknown_department(capsys, b, key, value, message):
    path, values = ready(b, capsys)
    fill(path, values, 2021, edit=set_meta(key, value, b.root))
    assert message in refused(capsys, b, path)


@pytest.mark.parametrize(("key", "value", "claimed"),
                         [("department", "beta", "部门「beta」2021年度"), ("year", "2099", "部门「alpha」2099年度")])
def test_an_edited_identification_is_refused_and_nothing_is_written(capsys, b, key, value, claimed):
    path, values = ready(b, capsys)
    fill(path, values, 2021, edit=set_meta(key, value))
    out = refused(capsys, b, path)
    assert f"工作簿自称是为{claimed}签发的，但识别信息与签名不符" in out
    assert not b.folder("beta", 2021).exists() and not (b.root / "data" / "2099").exists()


def test_a_workbook_signed_by_another_project_is_refused(capsys, b, tmp_path):
    path, values = ready(b, capsys)
    fill(path, values, 2021)
    other = ProjectBuilder(tmp_path / "other", TWO_DEPARTMENTS)
    code, out, _ = do_import(capsys, other, path)
    assert code == 1 and "本项目没有签发密钥" in out and not other.folder("alpha", 2021).exists()
    signing.project_key(other.root, create=True)
    code, out, _ = do_import(capsys, other, path)
    assert code == 1 and "识别信息与签名不符" in out and not other.folder("alpha", 2021).exists()


def test_unsigned_workbooks_need_an_explicit_option_that_says_what_it_trusts(capsys, b):
    path, values = ready(b, capsys)

    def unsign(wb):
        ws = wb[xlsx.META_SHEET]
        for row in ws.iter_rows():
            if row[0].value == signing.SIGNATURE:
                row[0].value = row[1].value = None
        wb.custom_doc_props.props = [p for p in wb.custom_doc_props.props if not p.name.endswith(signing.SIGNATURE)]

    fill(path, values, 2021, edit=unsign)
    assert "工作簿没有签名" in refused(capsys, b, path)
    code, out, _ = do_import(capsys, b, path, "--trust-unsigned")
    assert "未签名的工作簿（旧版本生成）：按其自称的识别信息导入为部门「alpha」2021年度" in out
    assert b.folder("alpha", 2021).is_dir()


def test_the_key_stays_out_of_workbooks_and_git(capsys, b):
    path, _ = ready(b, capsys)
    key = (b.root / signing.KEY_FILE).read_text(encoding="ascii").strip()
    assert len(key) == 64 and (b.root / signing.KEY_FILE).stat().st_mode & 0o077 == 0
    import zipfile

    with zipfile.ZipFile(path) as archive:
        assert not any(key.encode() in archive.read(name) for name in archive.namelist())
    assert (b.root / signing.KEY_DIR / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"


def test_a_department_name_that_looks_like_a_formula_stays_text(capsys, tmp_path):
    evil = ProjectBuilder(tmp_path / "evil", (("alpha", '=HYPERLINK("http://evil.example","点此")', "@SUM(1+1)区"),))
    code, _, _ = template(capsys, evil, 2021)
    assert code == 0
    wb = openpyxl.load_workbook(workbook_path(evil, "alpha", 2021))
    formulas = [
        (ws.title, cell.coordinate)
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for cell in row
        if cell.data_type == "f" and "HYPERLINK" in str(cell.value)
    ]
    assert formulas == []
    assert wb[xlsx.META_SHEET]["B6"].value.startswith("=HYPERLINK")  # kept as the text it is


def test_refuses_a_workbook_of_another_year(capsys, b):
    path, values = ready(b, capsys)
    fill(path, values, 2021)
    out = refused(capsys, b, path, "--year", "2022")
    assert "工作簿是2021年度的，本次只导入2022年度" in out


def test_refuses_renamed_and_moved_labels(capsys, b):
    path, values = ready(b, capsys)
    row = next(r for r in F.V2021.application_rows if r.label == "1.属于国家秘密")
    line = int(cell_of(2021, APP, row.label, F.TOTAL)[1][1:])

    def rename(wb):
        wb["三、依申请公开"][f"C{line}"] = "1.属于秘密"

    fill(path, values, 2021, edit=rename)
    out = refused(capsys, b, path)
    assert f"三、依申请公开!C{line} 应为「1.属于国家秘密」，现为「1.属于秘密」" in out
    fill(path, values, 2021, edit=lambda wb: wb["六、信息处理费"].insert_rows(5))
    out = refused(capsys, b, path)
    assert "标签单元格被移动或修改" in out and "被移到了 A6" in out


def test_refuses_text_in_number_cells_naming_each_cell(capsys, b):
    path, values = ready(b, capsys)
    sheet, coord = cell_of(2021, APP, F.NEW, F.NATURAL_PERSON)
    sheet2, coord2 = cell_of(2021, F.FEES, F.FEE_NOTICES, F.FEE_VALUE)

    def edit(wb):
        wb[sheet][coord] = "12件"
        wb[sheet2][coord2] = "约三件"

    fill(path, values, 2021, edit=edit)
    out = refused(capsys, b, path)
    assert f"{sheet}!{coord}（{F.NEW} × 自然人）：「12件」不是数字，请只填写数字 12，单位已在表头中。" in out
    assert f"{sheet2}!{coord2}（{F.FEE_NOTICES}）：「约三件」不是数字" in out


def test_merged_value_cells_and_uncalculated_formulas_are_refused(capsys, b):
    path, values = ready(b, capsys)
    sheet, coord = cell_of(2021, APP, F.GRANTED, F.NATURAL_PERSON)
    line = coord[1:]

    def edit(wb):
        wb[sheet].merge_cells(f"D{line}:E{line}")
        wb["四、复议诉讼"]["A7"] = "=1+1"  # openpyxl stores no calculated value

    fill(path, values, 2021, edit=edit)
    out = refused(capsys, b, path)
    assert f"{sheet}!E{line}" in out and "合并" in out
    assert "四、复议诉讼!A7" in out and "单元格是公式「=1+1」，但工作簿中没有保存计算结果" in out


def test_hidden_rows_are_imported_with_a_note(capsys, b):
    path, values = ready(b, capsys)
    sheet, coord = cell_of(2021, APP, F.PARTIAL, F.TOTAL)
    fill(path, values, 2021, edit=lambda wb: setattr(wb[sheet].row_dimensions[int(coord[1:])], "hidden", True))
    code, out, _ = do_import(capsys, b, path)
    assert code == 0, out
    assert f"[提示] {sheet} 第{coord[1:]}行（{F.PARTIAL}）被隐藏" in out
    assert csv_texts(b.folder("alpha", 2021)) == expected_texts(2021, values)


def test_never_overwrites_different_data_without_force(capsys, b):
    path, values = ready(b, capsys)
    fill(path, values, 2021)
    assert do_import(capsys, b, path)[0] == 0
    before = csv_texts(b.folder("alpha", 2021))
    code, out, _ = do_import(capsys, b, path)
    assert code == 0 and "与已有文件相同，未改动：applications.csv、review.csv、disclosure.csv、fees.csv" in out.replace(
        "disclosure.csv、applications.csv、review.csv", "applications.csv、review.csv、disclosure.csv")
    sheet, coord = cell_of(2021, F.REVIEW, "复议后起诉", "结果纠正")
    old = values[(F.REVIEW, "复议后起诉", "结果纠正")]
    fill(path, values, 2021, edit=lambda wb: wb[sheet].__setitem__(coord, old + 3))
    code, out, _ = do_import(capsys, b, path)
    assert code == 1
    assert "中已有不同的数据，未覆盖" in out and "--force" in out
    assert f"review.csv 复议后起诉 × 结果纠正：已有 {old} → 工作簿 {old + 3}" in out
    assert csv_texts(b.folder("alpha", 2021)) == before
    code, out, _ = do_import(capsys, b, path, "--force")
    assert "已写入 data/2021/alpha/：review.csv" in out and "R4" in out and code == 1


def test_folder_import_skips_lock_files_and_duplicates(capsys, b, tmp_path):
    b.add("alpha", 2020)
    b.add("beta", 2020)
    template(capsys, b, 2021)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for dept in ("alpha", "beta"):
        fill(workbook_path(b, dept, 2021), figures(b, dept, 2021), 2021, out=inbox / f"{dept}.xlsx")
    shutil.copy(inbox / "alpha.xlsx", inbox / "z-alpha-copy.xlsx")
    (inbox / "~$alpha.xlsx").write_bytes(b"lock")
    code, out, _ = do_import(capsys, b, inbox)
    assert code == 1  # the duplicate is refused
    assert "是同一部门同一年度，只导入一份" in out and "共导入 2 份工作簿，拒绝 1 份。" in out
    assert "2021 示例区甲局（alpha）：错误 0 项" in out and "2021 示例区乙局（beta）：错误 0 项" in out  # N1 only


def test_import_usage_errors(capsys, b, tmp_path):
    code, _, err = do_import(capsys, b, tmp_path / "nothing.xlsx")
    assert code == 2 and "找不到文件或文件夹" in err
    (tmp_path / "empty").mkdir()
    code, _, err = do_import(capsys, b, tmp_path / "empty")
    assert code == 2 and "没有找到要导入的工作簿" in err


def test_amounts_keep_the_places_entered(capsys, b):
    path, values = ready(b, capsys)
    values[(F.DISCLOSURE, "行政事业性收费", "本年收费金额（单位：万元）")] = Decimal("24252.311082")
    values[(F.FEES, F.FEE_NOTICE_AMOUNT, F.FEE_VALUE)] = Decimal("0.5")
    fill(path, values, 2021)
    assert do_import(capsys, b, path)[0] == 0
    text = (b.folder("alpha", 2021) / "disclosure.csv").read_text(encoding="utf-8-sig")
    assert "行政事业性收费,本年收费金额（单位：万元）,24252.311082" in text
    fees = (b.folder("alpha", 2021) / "fees.csv").read_text(encoding="utf-8-sig")
    assert f"{F.FEE_NOTICE_AMOUNT},0.5000" in fees


# ---------------------------------------------------------------------------
# LibreOffice: a workbook re-saved by another spreadsheet program
# ---------------------------------------------------------------------------


@pytest.mark.soffice
@pytest.mark.skipif(shutil.which("soffice") is None,
                    reason="LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui")
def test_workbook_resaved_by_libreoffice_imports(capsys, b, tmp_path):
    path, values = ready(b, capsys)
    granted = cell_of(2021, APP, F.GRANTED, F.NATURAL_PERSON)
    n = values[(APP, F.GRANTED, F.NATURAL_PERSON)]

    def edit(wb):
        sheet, coord = granted
        wb[sheet][coord] = f"={n}-1+1"  # LibreOffice computes and stores the result
        wb["四、复议诉讼"]["E7"] = values[(F.REVIEW, "行政复议", F.TOTAL)] + 2  # a broken 总计

    filled = fill(path, values, 2021, edit=edit, text=["总体情况。", "问题。", "无。"], out=tmp_path / "filled.xlsx")
    out_dir = tmp_path / "lo"
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--convert-to", "xlsx",
         "--outdir", str(out_dir), str(filled)],
        check=True, capture_output=True, timeout=120,
    )
    resaved = out_dir / "filled.xlsx"
    calculated = openpyxl.load_workbook(resaved, data_only=True)
    app = calculated["三、依申请公开"]
    assert all(app[f"K{r}"].value == "✓" for r in range(7, 7 + len(F.V2021.application_rows)))
    assert calculated["四、复议诉讼"]["E8"].value == 2  # the live check shows the difference
    code, out, _ = do_import(capsys, b, resaved)
    assert f"{granted[0]}!{granted[1]}" in out and f"已按计算结果 {n} 导入" in out
    assert code == 1 and "R4 复议诉讼表 行政复议 × 总计" in out
    values[(F.REVIEW, "行政复议", F.TOTAL)] += 2
    assert csv_texts(b.folder("alpha", 2021)) == expected_texts(2021, values)
    assert "## 一、总体情况\n\n总体情况。" in (b.folder("alpha", 2021) / "narrative.md").read_text(encoding="utf-8")
