"""A government's own report (issue 18): params/governments.csv, the members'
sums, L1 against hand-entered tables, 未提交 members, X1 through the members,
the 31 March deadline (D2), N7, nesting and cycles - on the sample and on
crafted projects."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import only, run_cli
from nianbao import formats as F
from nianbao.contract import read_submission
from nianbao.datafiles import submission_files, write_files
from nianbao.engine import check_project
from nianbao.findings import ERROR, WAIVED, WARNING
from nianbao.governments import bodies_of, members_status
from nianbao.project import GOVERNMENTS_FILE, ProjectError, load_project
from nianbao.report import open_report
from nianbao.rules import RULES
from nianbao.testing import ProjectBuilder, typed_csv

REPO = Path(__file__).resolve().parents[1]
GOV = "quzhengfu"


@pytest.fixture
def sample(tmp_path) -> Path:
    for name in ("params", "data"):
        shutil.copytree(REPO / name, tmp_path / name)
    return tmp_path


def government_values(root: Path, year: int):
    project = load_project(root)
    return project, check_project(project, [year], [GOV]).submissions[(year, GOV)]


def test_catalogue():
    assert {r: RULES[r].severity for r in ("L1", "D2", "N7")} == {"L1": ERROR, "D2": WARNING, "N7": WARNING}


def test_every_cell_of_the_2024_tables_is_the_members_sum(sample):
    project, gov = government_values(sample, 2024)
    members = [read_submission(project, body, 2024) for body in bodies_of(project, GOV)]
    assert len(members) == 9 and all(m.department.region == "示例区" for m in members)
    for key in gov.format.cells():
        assert gov.value(*key) == sum(m.value(*key) for m in members), key
    assert gov.value(F.APPLICATIONS, F.NEW, F.TOTAL) > 0


def test_check_over_the_sample_with_the_government_exits_0(sample, capsys):
    code, out, _ = run_cli(capsys, "check", "--project", sample)
    assert code == 0
    for year in range(2019, 2025):
        assert f"{year} 示例区人民政府（{GOV}）" in out
    # X1 of 2020 (医保局 set up) and 2022 (the merger waiver) hold through the members.
    run = check_project(load_project(sample), None, [GOV])
    x1 = only(run, "X1")
    assert {f.year for f in x1} == {2020, 2022} and all(f.severity == WAIVED for f in x1)
    assert "示例区医疗保障局" in x1[0].explanation
    assert [f for f in run.findings if f.severity != WAIVED] == []


def _hand_entered(root: Path, year: int, edit=None):
    project, gov = government_values(root, year)
    values = dict(gov.values)
    if edit:
        edit(values)
    files = submission_files(gov.format, values)
    table = F.TABLE_FILES[F.APPLICATIONS]
    write_files(root / "data" / str(year) / GOV, {table: files[table]}, force=True)


def test_hand_entered_table_equal_to_the_sums_passes_and_one_changed_cell_is_one_l1(sample):
    _hand_entered(sample, 2024)
    assert only(check_project(load_project(sample), [2024], [GOV]), "L1") == []
    cell = (F.APPLICATIONS, F.GRANTED, F.NATURAL_PERSON)
    _hand_entered(sample, 2024, lambda v: v.__setitem__(cell, v[cell] + 3))
    l1 = only(check_project(load_project(sample), [2024], [GOV]), "L1")
    assert [(f.table, f.row, f.column, f.severity) for f in l1] == [(*cell, ERROR)]
    assert l1[0].actual == l1[0].expected + 3


def test_l1_names_the_member_whose_figures_make_up_the_difference(sample):
    project = load_project(sample)
    cell = (F.APPLICATIONS, F.NEW, F.TOTAL)
    left_out = read_submission(project, "ziranziyuan", 2024).value(*cell)
    _hand_entered(sample, 2024, lambda v: v.__setitem__(cell, v[cell] - left_out))
    (l1,) = only(check_project(load_project(sample), [2024], [GOV]), "L1")
    assert "示例区自然资源局（ziranziyuan）" in l1.message and "漏计" in l1.message


def test_a_member_removed_from_2024_is_listed_as_not_submitted_and_the_sums_drop(sample):
    project, before = government_values(sample, 2024)
    removed = read_submission(project, "zhujian", 2024)
    shutil.rmtree(sample / "data" / "2024" / "zhujian")
    project, after = government_values(sample, 2024)
    for key in after.format.cells():
        assert after.value(*key) == before.value(*key) - removed.value(*key), key
    status = {m.id: m.status for m in members_status(project, GOV, 2024)}
    assert status["zhujian"] == "未提交" and list(status.values()).count("未提交") == 1
    html = open_report(GOV, 2024, sample).section_overview().html
    assert "示例区住房和城乡建设局</th><td>未提交" in html
    assert "示例区住房和城乡建设局未提交，未计入" in html


@pytest.mark.parametrize("day,late", [("2025-03-31", False), ("2025-04-01", True)])
def test_government_deadline_is_31_march(sample, day, late):
    report = open_report(GOV, 2024, sample, "draft", publication_date=day)
    assert [f.rule for f in report.findings if f.rule in ("D1", "D2")] == (["D2"] if late else [])
    department = open_report("zhengfuban", 2024, sample, "draft", publication_date=day)
    assert [f.rule for f in department.findings if f.rule in ("D1", "D2")] == ["D1"]


def test_n7_section_one_must_cover_assessment_evaluation_accountability(sample):
    path = sample / "data" / "2024" / GOV / "narrative.md"
    path.write_text(path.read_text(encoding="utf-8").replace("社会评议", "群众意见"), encoding="utf-8")
    (n7,) = only(check_project(load_project(sample), [2024], [GOV]), "N7")
    assert n7.row == F.SECTION_HEADINGS[0] and n7.message.startswith(f"「{F.SECTION_HEADINGS[0]}」没有写到社会评议：")


def test_report_states_scope_members_links_and_signs_as_the_government(sample):
    report = open_report(GOV, 2024, sample, "publish")
    html = "".join(part.html for part in report.parts())
    assert report.title == "示例区人民政府2024年政府信息公开工作年度报告"
    assert "本报告的数据为示例区人民政府所属9个成员单位" in html
    assert '<a href="../ziranziyuan/report.html">示例区自然资源局</a>' in html
    assert "2024年各成员新收申请" in html
    assert '<footer class="signature"><p>示例区人民政府</p>' in html


# ---------------------------------------------------------------------------
# The contract: nesting, cycles, unknown ids
# ---------------------------------------------------------------------------

CITY = (("a1", "东区甲局", "东区"), ("a2", "东区乙局", "东区"), ("b1", "西区甲局", "西区"))


def write_governments(root: Path, rows) -> None:
    (root / GOVERNMENTS_FILE).write_text(typed_csv(("id", "name", "region", "members"), rows), encoding="utf-8")


def city_project(tmp_path, rows) -> ProjectBuilder:
    builder = ProjectBuilder(tmp_path, CITY)
    for dept, _, _ in CITY:
        builder.add(dept, 2024, size=12)
    write_governments(tmp_path, rows)
    return builder


def test_a_city_government_of_two_district_governments_sums_without_double_counting(tmp_path):
    builder = city_project(tmp_path, [
        ("dongqu", "东区人民政府", "东区", ""),
        ("xiqu", "西区人民政府", "西区", "b1 a2"),  # a2 is in both districts
        ("shi", "示例市人民政府", "示例市", "dongqu xiqu"),
    ])
    for gov in ("dongqu", "xiqu", "shi"):
        write_files(builder.folder(gov, 2024), {"narrative.md": "## 一、总体情况\n\n考核、社会评议和责任追究。\n"}, force=True)
    project = builder.project()
    assert bodies_of(project, "shi") == ["a1", "a2", "b1"]
    subs = check_project(project).submissions
    for key in F.V2021.cells():
        assert subs[(2024, "shi")].value(*key) == sum(builder.values[(d, 2024)].get(key, 0) for d, _, _ in CITY), key
    # Listed after its members (the build runs it after them).
    order = [d.id for d in project.ordered_departments()]
    assert order.index("shi") > max(order.index("dongqu"), order.index("xiqu")) > order.index("b1")


def test_a_cycle_is_refused_naming_it(tmp_path):
    city_project(tmp_path, [("p", "甲政府", "东区", "q"), ("q", "乙政府", "东区", "a1 p")])
    with pytest.raises(ProjectError, match="循环：p → q → p"):
        load_project(tmp_path)


@pytest.mark.parametrize("members,expected", [("a1 nosuch", "「nosuch」不是已登记"), ("gov", "不能把自己列为成员")])
def test_unknown_or_self_members_are_refused(tmp_path, members, expected):
    city_project(tmp_path, [("gov", "东区人民政府", "东区", members)])
    with pytest.raises(ProjectError, match=expected):
        load_project(tmp_path)


def test_a_government_id_may_not_be_a_department_id(tmp_path):
    city_project(tmp_path, [("a1", "东区人民政府", "东区", "")])
    with pytest.raises(ProjectError, match="与 params/departments.csv 中的部门编号相同"):
        load_project(tmp_path)


def test_check_cli_reports_a_cycle_without_traceback(tmp_path, capsys):
    city_project(tmp_path, [("p", "甲政府", "东区", "p2"), ("p2", "乙政府", "东区", "p")])
    code, out, err = run_cli(capsys, "check", "--project", tmp_path)
    assert code == 2 and "循环" in err and "Traceback" not in err


# ---------------------------------------------------------------------------
# The build: inputs and order; the template
# ---------------------------------------------------------------------------


def test_a_members_data_is_an_input_of_the_government_report(sample):
    from nianbao.build.batch import waves
    from nianbao.build.plan import Job
    from nianbao.inputs import InputIndex

    project = load_project(sample)
    files = InputIndex(project).report(GOV, 2024)
    assert "data/2024/ziranziyuan/applications.csv" in files and "data/2023/yibao/applications.csv" in files
    assert GOVERNMENTS_FILE.as_posix() in files
    assert not any(f.startswith("data/2024/zhujian") for f in InputIndex(project).report("ziranziyuan", 2024))
    jobs = [Job(str(sample), d, 2024, "draft", "2025-01-20", "nb", ("html",), {}) for d in (GOV, "zhujian", "jiaoyu")]
    assert [[j.department for j in wave] for wave in waves(project, jobs)] == [["zhujian", "jiaoyu"], [GOV]]


def test_template_writes_only_a_governments_narrative(sample, capsys):
    code, out, _ = run_cli(capsys, "template", "--year", "2025", "--project", sample)
    assert code == 0
    assert sorted(p.name for p in (sample / "data" / "2025" / GOV).iterdir()) == ["narrative.md"]
    assert (sample / "data" / "2025" / "jiaoyu" / "applications.csv").exists()


# ---------------------------------------------------------------------------
# The 2024 government report in publish mode: the department report's HTML,
# PDF and determinism checks (two kernel runs)
# ---------------------------------------------------------------------------


@pytest.mark.kernel
def test_2024_government_report_published_html_pdf_and_byte_identical_rerender(sample, capsys):
    import hashlib

    from test_pdf import official_labels, pdf_text, pdffonts, squeeze

    shutil.copytree(REPO / "notebooks", sample / "notebooks")
    args = ("render", "--project", sample, "--dept", GOV, "--year", 2024, "--mode", "publish", "--to", "html,pdf")
    code, out, err = run_cli(capsys, *args)
    assert code == 0, out + err
    site = sample / "outputs" / "publish" / "2024" / GOV
    html = (site / "report.html").read_text(encoding="utf-8")
    lowered = html.lower()
    assert '<html lang="zh-cn">' in lowered
    for absent in ("<script", "<link", "@font-face", "@import", "jp-inputprompt", "project_root",
                   str(sample).lower(), "papermill", "草稿", "数据校验"):
        assert absent not in lowered, absent
    assert 'src="http' not in lowered and "url(http" not in lowered
    assert html.count("<img ") == html.count('alt="') - html.count('alt=""') >= 4  # incl. the members' shares
    assert "<title>示例区人民政府2024年政府信息公开工作年度报告</title>" in html
    assert '<a href="../jiaoyu/report.html"' in html and "示例区人民政府</p>" in html
    text = squeeze(pdf_text(site / "report.pdf"))
    assert [label for label in official_labels(F.V2021) if squeeze(label) not in text] == []
    assert squeeze("示例区人民政府2024年政府信息公开工作年度报告") in text
    assert all(font["emb"] for font in pdffonts(site / "report.pdf"))
    first = {name: hashlib.sha256((site / name).read_bytes()).hexdigest() for name in ("report.html", "report.pdf")}
    code, out, err = run_cli(capsys, *args)
    assert code == 0, out + err
    assert {name: hashlib.sha256((site / name).read_bytes()).hexdigest() for name in first} == first


def test_region_figures_of_the_draft_index_count_each_body_once(sample):
    from nianbao.site import draft_index, region_figures

    project = load_project(sample)
    run = check_project(project, [2024])
    bodies = sum(run.submissions[(2024, b)].value(F.APPLICATIONS, F.NEW, F.TOTAL) for b in bodies_of(project, GOV))
    assert region_figures(project, run)["示例区"][2024][0] == bodies
    page = draft_index(project, run, [])
    assert f'data-dept="{GOV}"' in page.split("<h2>示例区</h2>")[1].split("<h2>")[0]  # listed with its region


def test_government_x1_names_the_member_whose_own_x1_fails_unexplained(tmp_path):
    from conftest import TWO_DEPARTMENTS

    builder = ProjectBuilder(tmp_path, TWO_DEPARTMENTS)
    for year in (2020, 2021):
        for dept, _, _ in TWO_DEPARTMENTS:
            builder.add(dept, year, size=40)
    write_governments(tmp_path, [("gov", "示例区人民政府", "示例区", "")])
    for year in (2020, 2021):
        write_files(builder.folder("gov", year), {"narrative.md": "## 一、总体情况\n\n考核、社会评议和责任追究。\n"}, force=True)
    assert only(builder.check(), "X1") == []
    values = builder.values[("beta", 2021)]
    for column in (F.NATURAL_PERSON, F.TOTAL):  # one more carried in, one fewer new: R1, R2 hold
        builder.set_cell("beta", 2021, F.APPLICATIONS, F.CARRIED_IN, column, str(values[(F.APPLICATIONS, F.CARRIED_IN, column)] + 1))
        builder.set_cell("beta", 2021, F.APPLICATIONS, F.NEW, column, str(values[(F.APPLICATIONS, F.NEW, column)] - 1))
    run = builder.check()
    assert {(f.department, f.column) for f in only(run, "X1")} == {
        (d, c) for d in ("beta", "gov") for c in (F.NATURAL_PERSON, F.TOTAL)}
    gov_x1 = [f for f in only(run, "X1") if f.department == "gov"]
    assert all(f.severity == ERROR and "未说明的成员：示例区乙局" in f.message for f in gov_x1)
