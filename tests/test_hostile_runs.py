"""Issue 11, the execution half: no traceback and nothing lost when a run meets
hostile or careless input — S5 on a region that copies, the console's size, the
import of a folder of workbooks, charts with odd names, scratch folders, stage
failures, the failing cell's number, and ``main()``'s last line of defence.

Every case asserts the exit code (where there is a command), that no Python
traceback reaches stdout or stderr, that the message names the file and says what
to do, and that no existing file in data/ or outputs/ changed.  Kernels only where
the kernel is the point (the last two tests).
"""

from __future__ import annotations

import errno
import hashlib
import importlib
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import nbformat
import openpyxl
import pytest

from conftest import APP, TWO_DEPARTMENTS, only, run_cli
from nianbao import formats as F
from nianbao.testing import ProjectBuilder, narrative_for
from test_xlsx import figures, fill, ready, workbook_path

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "annual_report.ipynb"
MATHTEXT_REGION = "$\\frac{1}{$区"


def snapshot(root: Path) -> dict[str, str]:
    """sha256 of every file under data/ and outputs/ (the kit's own caches and build lock aside)."""
    found = {}
    for top in ("data", "outputs"):
        for path in sorted((root / top).rglob("*")):
            rel = path.relative_to(root).as_posix()
            if path.is_file() and not rel.startswith(("outputs/.cache/", "outputs/.build.lock")):
                found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


# A failed run updates its record, by design: its status, log and the sums of the log.
RUN_RECORD = ("manifest.json", "build.log", "SHA256SUMS")


def unchanged(before: dict[str, str], root: Path, record_may_change: bool = False) -> bool:
    """Every file that existed is still there with the same bytes (a failed run's
    record aside, when ``record_may_change``)."""
    after = snapshot(root)
    return all(after.get(rel) == sha for rel, sha in before.items()
               if not (record_may_change and rel.endswith(RUN_RECORD)))


def clean(*texts: str) -> None:
    for text in texts:
        assert "Traceback" not in text and 'File "' not in text, text


@pytest.fixture
def b(tmp_path):
    return ProjectBuilder(tmp_path / "proj", TWO_DEPARTMENTS)


# ---------------------------------------------------------------------------
# S5: one finding per department-year section, whatever the region copies
# ---------------------------------------------------------------------------

BOILERPLATE = (
    "本机关坚持以公开为常态、不公开为例外，围绕重点领域信息公开持续发力，完善主动公开目录，"
    "规范依申请公开办理流程，加强政府信息管理和平台建设，强化监督保障，切实提升政务公开质量。"
)


def copying_region(root: Path, n: int, near: bool) -> ProjectBuilder:
    departments = tuple((f"d{i:03d}", f"测试区第{i + 1}局", "测试区") for i in range(n))
    builder = ProjectBuilder(root, departments)
    for dept, name, _ in departments:
        builder.add(dept, 2021, size=5)
        values = builder.values[(dept, 2021)]
        _, _, rest = narrative_for(name, 2021, values).partition(f"## {F.SECTION_HEADINGS[4]}")
        first = (name if near else "") + BOILERPLATE
        builder.add(dept, 2021, values=values, narrative=f"## {F.SECTION_HEADINGS[0]}\n\n{first}\n\n## {F.SECTION_HEADINGS[4]}{rest}")
    return builder


@pytest.mark.parametrize("near", [False, True], ids=["identical", "name-prefixed"])
def test_s5_gives_one_finding_per_section_naming_five_peers_and_the_count(tmp_path, near):
    n = 40
    run = copying_region(tmp_path, n, near).check()
    s5 = only(run, "S5")
    assert len(s5) == n  # not n·(n−1) = 1,560
    assert sorted((f.department, f.row) for f in s5) == [(f"d{i:03d}", F.SECTION_HEADINGS[0]) for i in range(n)]
    first = next(f for f in s5 if f.department == "d000")
    assert first.message.count("（d0") == 5  # five peers named…
    assert "测试区第2局（d001）" in first.message and f"等 {n - 1} 个部门" in first.message  # …and the count
    assert "d000）" not in first.message  # never itself


def test_s5_names_last_year_and_the_peers_in_one_finding(tmp_path):
    builder = ProjectBuilder(tmp_path, TWO_DEPARTMENTS)
    for year in (2020, 2021):
        for dept, name, _ in TWO_DEPARTMENTS:
            builder.add(dept, year, size=10)
            values = builder.values[(dept, year)]
            _, _, rest = narrative_for(name, year, values).partition(f"## {F.SECTION_HEADINGS[4]}")
            builder.add(dept, year, values=values,
                        narrative=f"## {F.SECTION_HEADINGS[0]}\n\n{BOILERPLATE}\n\n## {F.SECTION_HEADINGS[4]}{rest}")
    s5 = [f for f in only(builder.check(), "S5", 2021) if f.department == "alpha"]
    assert len(s5) == 1
    assert "本部门2020年报告" in s5[0].message and "示例区乙局（beta）" in s5[0].message


# ---------------------------------------------------------------------------
# The console: at most 50 findings per department-year; --json and checks.csv complete
# ---------------------------------------------------------------------------


def blank_every_application_cell(builder: ProjectBuilder, dept: str, year: int) -> None:
    builder.edit_rows(dept, year, APP, lambda header, rows: (header, [[row[0]] + [""] * (len(row) - 1) for row in rows]))


def test_console_lists_fifty_findings_then_the_count_of_the_rest(capsys, builder):
    builder.add("demo", 2021, size=10)
    blank_every_application_cell(builder, "demo", 2021)
    before = snapshot(builder.root)
    code, out, err = run_cli(capsys, "check", "--project", builder.root, "--json")
    findings = json.loads(out)["findings"]
    total, errors = len(findings), sum(1 for f in findings if f["severity"] == "error")
    assert code == 1 and total > 100
    code, out, err = run_cli(capsys, "check", "--project", builder.root)
    assert code == 1
    listed = [line for line in out.splitlines() if line.startswith("    [")]
    assert len(listed) == 50
    assert f"……另有 {total - 50} 项" in out and "--json" in out and "checks.csv" in out
    assert f"错误 {errors} 项，提示 {total - errors} 项" in out  # the tally counts everything
    clean(out, err)
    assert unchanged(before, builder.root)


def test_console_caps_the_projects_own_findings_too(capsys, builder):
    builder.add("demo", 2021, size=5)
    roster = builder.root / "params" / "departments.csv"
    roster.write_text(roster.read_text(encoding="utf-8") + "".join(f"坏编号{i},某局{i},示例区\n" for i in range(60)), encoding="utf-8")
    before = snapshot(builder.root)
    code, out, err = run_cli(capsys, "check", "--project", builder.root)
    assert code == 1
    assert sum(1 for line in out.splitlines() if line.startswith("✗ INPUT")) == 50
    assert "✗ ……另有 10 项（全部问题见 nianbao check --json）" in out and "错误 60 项" in out
    assert "params/departments.csv 第3行" in out and "只能用小写字母" in out  # each line still names the file, line and what to write
    clean(out, err)
    assert unchanged(before, builder.root)


def test_checks_csv_lists_every_finding(builder):
    from nianbao.engine import check_project
    from nianbao.site import write_sites

    builder.add("demo", 2021, size=10)
    blank_every_application_cell(builder, "demo", 2021)
    run = check_project(builder.project())
    write_sites(builder.project(), run, [], "draft")
    text = (builder.root / "outputs" / "draft" / "checks.csv").read_text(encoding="utf-8-sig")
    assert len(text.strip().splitlines()) == len(run.findings) + 1 > 100


# ---------------------------------------------------------------------------
# main(): every exception becomes words; an unexpected one leaves a log
# ---------------------------------------------------------------------------


def _raise(*args, **kwargs):
    raise RuntimeError("内部测试：一个意外的错误")


@pytest.mark.parametrize("command, module, name", [
    (("check",), "nianbao.engine", "check_project"),
    (("template", "--year", "2022"), "nianbao.datafiles", "write_files"),
    (("import", "workbooks"), "nianbao.xlsx", "import_workbooks"),
], ids=["check", "template", "import"])
def test_unexpected_exception_is_one_line_and_a_log_with_the_traceback(capsys, monkeypatch, b, command, module, name):
    b.add("alpha", 2021, size=10)
    (b.root / "workbooks").mkdir()
    before = snapshot(b.root)
    monkeypatch.setattr(importlib.import_module(module), name, _raise)
    code, out, err = run_cli(capsys, *command, "--project", b.root)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误：工具内部出错，命令未能完成。") and "RuntimeError" not in err
    log = Path(lines[0].split("详细信息已写入 ")[1].split("，求助时")[0])
    assert log.parent == b.root / "outputs" / ".cache" / "logs"
    text = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text and "RuntimeError: 内部测试" in text and command[0] in text
    clean(out, err)
    assert unchanged(before, b.root)


def test_support_log_goes_to_the_temp_folder_without_a_project(monkeypatch, tmp_path, capsys):
    from nianbao import support

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    code = support.report_exception(RuntimeError("意外"), None, ["check"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1
    (log,) = (tmp_path / "tmp" / "nianbao-logs").iterdir()
    assert str(log) in err and "RuntimeError: 意外" in log.read_text(encoding="utf-8")


@pytest.mark.parametrize("exc, code, words", [
    (lambda: __import__("nianbao.config", fromlist=["ConfigError"]).ConfigError(
        "report.toml 第 1 行：公开日期无效，请写成 \"2025-01-20\"。"),
     1, "report.toml 第 1 行"),
    (lambda: PermissionError(errno.EACCES, "Permission denied", "/srv/nianbao/outputs/draft/index.html"),
     2, "/srv/nianbao/outputs/draft/index.html：没有权限"),
    (lambda: OSError(errno.ENOSPC, "No space left on device", "outputs/.cache/file-hashes.json"),
     2, "磁盘空间不足"),
    (lambda: MemoryError(), 2, "内存不足"),
], ids=["kit-error", "permission", "disk-full", "memory"])
def test_known_exceptions_become_chinese_without_a_log(capsys, monkeypatch, builder, exc, code, words):
    from nianbao import engine

    builder.add("demo", 2021, size=10)

    def failing(*args, **kwargs):
        raise exc()

    monkeypatch.setattr(engine, "check_project", failing)
    got, out, err = run_cli(capsys, "check", "--project", builder.root)
    assert got == code and words in err and len(err.strip().splitlines()) == 1
    assert "Permission denied" not in err and "No space" not in err
    assert not (builder.root / "outputs" / ".cache" / "logs").exists()
    clean(out, err)


def test_a_failing_index_step_is_said_and_redone_by_the_next_build(capsys, monkeypatch, tmp_path):
    """Nothing to run (no data yet), so no kernel: only the site step, which fails once."""
    import shutil

    from nianbao import site

    ProjectBuilder(tmp_path)
    (tmp_path / "notebooks").mkdir()
    shutil.copy(NOTEBOOK, tmp_path / "notebooks")
    monkeypatch.setattr(site, "write_sites", _raise)
    code, out, err = run_cli(capsys, "build", "--project", tmp_path)
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "目录页（outputs/draft/index.html）未能更新" in lines[0] and "下次运行 nianbao build" in lines[0]
    log = Path(lines[0].split("详细信息已写入 ")[1].split("，求助时")[0])
    assert "RuntimeError: 内部测试" in log.read_text(encoding="utf-8")
    assert "共 0 份" in out  # the summary still comes
    clean(out, err)
    from nianbao.build import site_marker

    assert not site_marker(tmp_path, "draft").exists()  # so an unchanged next build does not skip the index
    monkeypatch.undo()
    code, out, err = run_cli(capsys, "build", "--project", tmp_path)
    assert code == 0 and (tmp_path / "outputs" / "draft" / "index.html").is_file()


# ---------------------------------------------------------------------------
# import: per workbook, limits up front, numbers, and the data it would replace
# ---------------------------------------------------------------------------


def filled(b, capsys, tmp_path, dept="alpha", year=2021, edit=None, name=None):
    """A filled workbook in an inbox folder (not yet imported)."""
    path, values = ready(b, capsys, year, dept) if not workbook_path(b, dept, year).exists() else (
        workbook_path(b, dept, year), figures(b, dept, year))
    inbox = tmp_path / "inbox"
    inbox.mkdir(exist_ok=True)
    return fill(path, values, year, edit=edit, out=inbox / (name or f"{dept}.xlsx")), values


def do_import(capsys, b, *args):
    return run_cli(capsys, "import", "--project", b.root, *args)


def test_a_folder_goes_on_after_a_refused_and_a_crashing_workbook(capsys, monkeypatch, b, tmp_path):
    from nianbao import xlsx

    good, _ = filled(b, capsys, tmp_path, "beta", name="c-beta.xlsx")
    crashing, _ = filled(b, capsys, tmp_path, "alpha", name="b-alpha.xlsx")
    (tmp_path / "inbox" / "a-garbage.xlsx").write_bytes(b"PK\x03\x04 not really a workbook" * 20)
    real = xlsx.read_workbook

    def read(path, *args, **kwargs):
        if path.name == crashing.name:
            raise KeyError("an openpyxl internal")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(xlsx.importing, "read_workbook", read)  # where the import looks it up
    before = snapshot(b.root)
    code, out, err = do_import(capsys, b, tmp_path / "inbox")
    assert code == 1
    assert "拒绝导入" in out and "a-garbage.xlsx 不是有效的 .xlsx 工作簿" in out and "另存为 .xlsx" in out
    assert "b-alpha.xlsx" in out and "意外错误" in out and "其他工作簿照常处理" in out
    assert "KeyError" not in out and "openpyxl" not in out and "BadZipFile" not in out
    (log,) = (b.root / "outputs" / ".cache" / "logs").iterdir()  # the detail, for a support request
    assert f"求助时请附上 {log}" in out and "KeyError: 'an openpyxl internal'" in log.read_text(encoding="utf-8")
    assert "已写入 data/2021/beta/" in out and "校验导入的数据" in out
    assert out.strip().endswith("共导入 1 份工作簿，拒绝 2 份。")
    assert not b.folder("alpha", 2021).exists()
    clean(out, err)
    assert unchanged(before, b.root)


def _zip_with(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_zip_bomb_workbook_is_refused_before_openpyxl_opens_it(capsys, monkeypatch, b, tmp_path):
    import openpyxl.reader.excel as reader

    path, _ = filled(b, capsys, tmp_path)
    with zipfile.ZipFile(path) as archive:
        entries = {info.filename: archive.read(info) for info in archive.infolist()}
    sheet = next(name for name in entries if name.startswith("xl/worksheets/sheet"))
    entries[sheet] = entries[sheet] + b" " * (101 * 1024 * 1024)  # whitespace after the root: still well-formed XML
    path.write_bytes(_zip_with(entries))
    assert path.stat().st_size < 1024 * 1024

    def never(*args, **kwargs):
        raise AssertionError("openpyxl must not load a workbook over the limit")

    monkeypatch.setattr(reader, "load_workbook", never)
    monkeypatch.setattr(openpyxl, "load_workbook", never)
    before = snapshot(b.root)
    code, out, err = do_import(capsys, b, path)
    assert code == 1
    assert f"{path.name} 解压后有" in out and "超过 100.0 MB 的上限" in out and "重新生成" in out
    clean(out, err)
    assert unchanged(before, b.root)


def test_a_workbook_over_ten_megabytes_is_refused_unread(capsys, b, tmp_path):
    big = tmp_path / "big.xlsx"
    with open(big, "wb") as handle:
        handle.truncate(11 * 1024 * 1024)  # sparse: costs no disk
    before = snapshot(b.root)
    code, out, err = do_import(capsys, b, big)
    assert code == 1 and "big.xlsx 有 11.0 MB，超过填报工作簿 10.0 MB 的上限" in out and "请确认选对了文件" in out
    clean(out, err)
    assert unchanged(before, b.root)


def test_a_sheet_over_five_thousand_rows_is_refused(capsys, b, tmp_path):
    path, _ = filled(b, capsys, tmp_path, edit=lambda wb: wb["说明"].__setitem__("A6001", "x"))
    before = snapshot(b.root)
    code, out, err = do_import(capsys, b, path)
    assert code == 1 and "工作表「说明」有 6001 行，超过 5000 行的上限" in out and "请删除" in out
    assert not b.folder("alpha", 2021).exists()
    clean(out, err)
    assert unchanged(before, b.root)


@pytest.mark.parametrize("table, row, column", [
    (F.FEES, F.FEE_COLLECTED, F.FEE_VALUE),
    (APP, F.NEW, "自然人"),
], ids=["amount", "count"])
def test_an_excel_number_of_1e30_is_an_r5_finding_not_a_traceback(capsys, b, tmp_path, table, row, column):
    from nianbao import xlsx

    fmt = F.format_for_year(2021)
    sheet, coord = xlsx.value_cells(fmt)[(table, row, column)]
    path, _ = filled(b, capsys, tmp_path, edit=lambda wb: wb[sheet].__setitem__(coord, 1e30))
    code, out, err = do_import(capsys, b, path)
    assert code == 1
    assert "R5" in out and "1e+30" in out.lower()
    clean(out, err)


def _semicolons(text: str) -> str:
    return text.replace(",", ";")


def _headerless(text: str) -> str:
    return text.split("\n", 1)[1]


@pytest.mark.parametrize("name, spoil", [
    ("disclosure.csv", lambda path: path.write_text(_semicolons(path.read_text(encoding="utf-8-sig")), encoding="utf-8")),
    ("applications.csv", lambda path: path.write_text(_headerless(path.read_text(encoding="utf-8-sig")), encoding="utf-8")),
    ("review.csv", lambda path: path.write_bytes(b"\xff\xfe\xff" * 40)),
], ids=["semicolons", "no-header", "undecodable"])
def test_an_unreadable_existing_csv_refuses_the_import_and_writes_nothing(capsys, b, tmp_path, name, spoil):
    path, values = filled(b, capsys, tmp_path)
    b.add("alpha", 2021, values=values)
    spoil(b.folder("alpha", 2021) / name)
    before = snapshot(b.root)
    code, out, err = do_import(capsys, b, path)
    assert code == 1
    assert f"data/2021/alpha/{name}" in out and "无法按数据格式读取" in out and "未写入任何文件" in out
    assert "请改正或删除这些文件" in out and "--force" in out
    clean(out, err)
    assert snapshot(b.root) == before


def test_force_replaces_an_unreadable_existing_csv(capsys, b, tmp_path):
    path, values = filled(b, capsys, tmp_path)
    b.add("alpha", 2021, values=values)
    target = b.folder("alpha", 2021) / "disclosure.csv"
    target.write_text(_semicolons(target.read_text(encoding="utf-8-sig")), encoding="utf-8")
    code, out, err = do_import(capsys, b, path, "--force")
    assert "已写入 data/2021/alpha/：disclosure.csv" in out
    assert ";" not in target.read_text(encoding="utf-8-sig")
    clean(out, err)


def _truncated(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize("spoil", [
    lambda path: path.write_bytes(os.urandom(4096)),
    lambda path: path.write_bytes(_zip_with({"readme.txt": b"not a workbook"})),
    _truncated,
], ids=["random-bytes", "zip-not-workbook", "truncated"])
def test_a_damaged_workbook_is_refused_in_chinese(capsys, b, tmp_path, spoil):
    path, _ = filled(b, capsys, tmp_path)
    spoil(path)
    before = snapshot(b.root)
    code, out, err = do_import(capsys, b, path)
    assert code == 1
    assert f"{path.name} 不是有效的 .xlsx 工作簿" in out and "另存为 .xlsx" in out
    assert not any(word in out + err for word in ("Error", "Exception", "zip file", "openpyxl"))
    clean(out, err)
    assert unchanged(before, b.root)


# ---------------------------------------------------------------------------
# Charts: names drawn literally
# ---------------------------------------------------------------------------


def test_region_chart_draws_a_mathtext_like_name_literally():
    from nianbao.site import _REGION_COLUMNS, _region_chart

    row = [5] + [0] * (len(_REGION_COLUMNS) - 1)
    html = _region_chart(MATHTEXT_REGION, {2023: row, 2024: row})
    assert html.startswith('<figure class="chart"><img src="data:image/png;base64,')
    assert "\\frac" in html  # the alt text and caption keep the name as written


def test_site_step_of_a_build_survives_a_mathtext_like_region(tmp_path):
    from nianbao.engine import check_project
    from nianbao.site import write_sites

    builder = ProjectBuilder(tmp_path, (("demo", "测试局", MATHTEXT_REGION),))
    builder.add("demo", 2023, size=20)
    builder.add("demo", 2024, size=20)
    project = builder.project()
    write_sites(project, check_project(project), [], "draft")
    index = (tmp_path / "outputs" / "draft" / "index.html").read_text(encoding="utf-8")
    assert "frac{1}" in index and "data:image/png;base64," in index


# ---------------------------------------------------------------------------
# Scratch folders: a killed run's folder is removed by the next run
# ---------------------------------------------------------------------------

_OWNER = """
import sys, time
from nianbao import scratch
print(scratch.make("2024-demo", base=sys.argv[1]), flush=True)
time.sleep(120)
"""


def test_a_killed_runs_scratch_folder_is_swept_by_the_next_run(tmp_path):
    from nianbao import scratch

    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    owner = subprocess.Popen([sys.executable, "-c", _OWNER, str(tmp_path)], stdout=subprocess.PIPE, text=True, env=env)
    try:
        orphan = Path(owner.stdout.readline().strip())
        assert orphan.is_dir() and orphan.name.startswith(f"nianbao-2024-demo-{owner.pid}-")
        (orphan / "report.ipynb").write_text("{}", encoding="utf-8")
        alive = scratch.make("2024-alive", base=tmp_path)
        assert scratch.sweep(tmp_path) == [] and orphan.is_dir()  # its owner lives: kept
    finally:
        os.kill(owner.pid, signal.SIGKILL)
        owner.wait()
    foreign = tmp_path / "nianbao-2024-other-1-abc"  # not made by the kit's scratch module: not ours to judge
    foreign.mkdir()
    mine = scratch.make("2024-next", base=tmp_path)  # the next run sweeps first
    assert not orphan.exists()
    assert alive.is_dir() and mine.is_dir() and foreign.is_dir()
    scratch.remove(alive)
    scratch.remove(mine)
    assert sorted(p.name for p in tmp_path.iterdir()) == [foreign.name]


def test_a_failed_run_leaves_no_scratch_folder_and_records_its_stage(monkeypatch, tmp_path):
    """A run that fails before any kernel starts (its notebook vanished after planning)."""
    from nianbao.build import CACHE_FILE, HashCache, plan, run_job
    from nianbao.build.install import install_output
    from nianbao.site import build_badge

    builder = ProjectBuilder(tmp_path / "proj")
    builder.add("demo", 2021, size=10)
    notebook = tmp_path / "gone.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), notebook)
    (planned,) = plan(builder.project(), {2021}, {"demo"}, "draft", force=True, notebook=notebook,
                      cache=HashCache(builder.root / CACHE_FILE), kernel="fresh")
    notebook.unlink()
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    output = run_job(planned.job)
    assert output.status == "failed" and output.failure.stage == "execute"
    assert output.failure.message == "笔记本无法运行。详细原因见该报告的 build.log。"
    assert "gone.ipynb" in output.record_files["build.log"].decode()  # the detail is in the log
    assert list(temp.iterdir()) == []
    install_output(builder.root, planned.job, output)
    manifest = json.loads((builder.root / "outputs" / "draft" / "2021" / "demo" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "failed" and manifest["failure"]["stage"] == "execute"
    assert build_badge(manifest) == ("failed", "生成失败（运行笔记本）")


def test_a_dead_worker_is_recorded_in_the_manifest_and_the_index(tmp_path):
    from nianbao.build import CACHE_FILE, HashCache, plan
    from nianbao.build.install import record_worker_death
    from nianbao.site import build_badge

    builder = ProjectBuilder(tmp_path)
    builder.add("demo", 2021, size=10)
    (planned,) = plan(builder.project(), {2021}, {"demo"}, "draft", force=True, notebook=NOTEBOOK,
                      cache=HashCache(builder.root / CACHE_FILE))
    outcome = record_worker_death(planned.job, RuntimeError("A process in the process pool was terminated abruptly"))
    assert outcome.status == "failed" and "工作进程异常退出" in outcome.failure.message
    record = builder.root / "outputs" / "draft" / "2021" / "demo"
    manifest = json.loads((record / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "failed" and manifest["failure"]["stage"] == "worker"
    assert "terminated abruptly" in (record / "build.log").read_text(encoding="utf-8")
    assert build_badge(manifest) == ("failed", "生成失败（工作进程）")


@pytest.mark.parametrize("command", ["render", "build"])
@pytest.mark.parametrize("content", ["{not json", "{}", '{"cells": 5, "nbformat": 4, "nbformat_minor": 5, "metadata": {}}'],
                         ids=["not-json", "empty-object", "cells-not-a-list"])
def test_a_notebook_that_is_not_one_is_refused_before_any_kernel(capsys, builder, tmp_path, command, content):
    builder.add("demo", 2021, size=5)
    notebook = tmp_path / "报告.ipynb"
    notebook.write_text(content, encoding="utf-8")
    before = snapshot(builder.root)
    extra = ("--dept", "demo", "--year", 2021) if command == "render" else ()
    code, out, err = run_cli(capsys, command, "--project", builder.root, "--notebook", notebook, *extra)
    assert code == 2
    assert f"{notebook} 不是有效的 Jupyter 笔记本" in err and "重新复制" in err
    assert "JSON" not in err and "Validation" not in err
    clean(out, err)
    assert unchanged(before, builder.root) and not (builder.root / "outputs" / "draft" / "2021").exists()


# ---------------------------------------------------------------------------
# Kernels: the failing cell's number, and an export failure as a value
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """One small department-year, rendered once (HTML only)."""
    import shutil

    from nianbao import cli

    root = tmp_path_factory.mktemp("hostile-render")
    builder = ProjectBuilder(root)
    builder.add("demo", 2021, size=10)
    (root / "notebooks").mkdir()
    shutil.copy(NOTEBOOK, root / "notebooks")
    assert cli.main(["render", "--project", str(root), "--dept", "demo", "--year", "2021"]) == 0
    return root


def render(capsys, root, *args):
    return run_cli(capsys, "render", "--project", root, "--dept", "demo", "--year", 2021, *args)


@pytest.mark.kernel
def test_failure_in_the_cell_after_the_parameters_names_the_users_cell(capsys, rendered, tmp_path):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    parameters = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    failing = parameters + 1
    nb.cells[failing].source += '\nraise RuntimeError("紧随参数单元格的错误")'
    broken = tmp_path / "broken.ipynb"
    nbformat.write(nb, broken)
    before = snapshot(rendered)
    code, out, err = render(capsys, rendered, "--notebook", broken)
    assert code == 1
    assert f"出错的单元格：第 {failing + 1} 个" in err and "紧随参数单元格的错误" in err
    assert "原有的输出（如有）保持不变" in err
    clean(out, err)
    assert unchanged(before, rendered, record_may_change=True)
    manifest = json.loads((rendered / "outputs" / "draft" / "2021" / "demo" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["failure"]["cell_index"] == failing and manifest["failure"]["stage"] == "execute"


@pytest.mark.kernel
def test_an_export_failure_is_a_value_in_the_manifest_and_the_index(capsys, monkeypatch, rendered, tmp_path):
    """The exporter's templates are missing (a broken install): nbconvert raises for real."""
    from nianbao.build import runner
    from nianbao.export import ReportHTMLExporter
    from nianbao.site import build_badge

    empty = tmp_path / "no-templates"
    empty.mkdir()
    broken = ReportHTMLExporter(extra_template_basedirs=[str(empty)], template_name="nianbao_missing")
    monkeypatch.setattr(runner, "_exporter", lambda kind: broken)
    site = rendered / "outputs" / "draft" / "2021" / "demo"
    before = snapshot(rendered)
    code, out, err = render(capsys, rendered)
    assert code == 1
    assert "导出网页时出错，报告未更新" in err and "build.log" in err and "原有的输出（如有）保持不变" in err
    clean(out, err)
    assert (site / "report.html").is_file() and unchanged(before, rendered, record_may_change=True)
    record = rendered / "outputs" / "draft" / "2021" / "demo"
    manifest = json.loads((record / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "failed" and manifest["failure"]["stage"] == "export"
    assert "Traceback" in (record / "build.log").read_text(encoding="utf-8")  # the log keeps the detail
    assert build_badge(manifest) == ("failed", "生成失败（导出网页）")


@pytest.mark.kernel
def test_sigkill_during_render_leaves_a_folder_the_next_run_removes(monkeypatch, rendered, tmp_path):
    """The issue's case end to end: `nianbao render` killed by SIGKILL mid-run."""
    import time

    from nianbao.build import CACHE_FILE, HashCache, plan, run_job
    from nianbao.project import load_project

    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "PYTHONPATH": str(REPO / "src")}
    env.pop("NIANBAO_PROJECT", None)
    command = [sys.executable, "-m", "nianbao", "render", "--project", str(rendered), "--dept", "demo", "--year", "2021"]
    render = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not list(temp.glob("nianbao-2021-demo-*/report.ipynb")) and time.monotonic() < deadline:
            time.sleep(0.05)  # papermill writes the notebook as cells run: the kernel is busy
        (left,) = temp.glob("nianbao-2021-demo-*")
    finally:
        os.killpg(render.pid, signal.SIGKILL)  # the render and its kernel, as `kill -9` of the session would
        render.wait()
    assert left.is_dir()  # nobody could remove it…
    notebook = tmp_path / "gone.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), notebook)
    (planned,) = plan(load_project(rendered), {2021}, {"demo"}, "draft", force=True, notebook=notebook,
                      cache=HashCache(rendered / CACHE_FILE), kernel="fresh")
    notebook.unlink()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    run_job(planned.job)  # …so the next run does (this one fails at once: its notebook is gone)
    assert list(temp.glob("nianbao-*")) == []


@pytest.mark.kernel
def test_an_export_failure_in_a_build_worker_is_recorded_not_a_dead_worker(rendered, tmp_path):
    """The issue's case through `nianbao build` (worker processes, no monkeypatch): the
    notebook's last cell displays HTML whose report metadata is not a mapping, which
    the exporter's metadata step rejects."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(
        'from IPython.display import HTML, display\ndisplay(HTML("<p>附注</p>"), metadata={"nianbao": "不是字典"})'))
    notebook = tmp_path / "odd-metadata.ipynb"
    nbformat.write(nb, notebook)
    site = rendered / "outputs" / "draft" / "2021" / "demo"
    before = snapshot(rendered)
    env = {k: v for k, v in os.environ.items() if k != "NIANBAO_PROJECT"}
    env["PYTHONPATH"] = str(REPO / "src")
    done = subprocess.run([sys.executable, "-m", "nianbao", "build", "--project", str(rendered), "--jobs", "1", "--to", "html",
                           "--notebook", str(notebook)], capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "导出网页时出错，报告未更新" in done.stdout and "工作进程异常退出" not in done.stdout
    clean(done.stdout, done.stderr)
    manifest = json.loads((site / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "failed" and manifest["failure"]["stage"] == "export"
    assert "ValueError" in manifest["failure"]["exception"]
    index = (rendered / "outputs" / "draft" / "index.html").read_text(encoding="utf-8")
    row = index.split('data-year="2021" data-dept="demo"', 1)[1].split("</tr>", 1)[0]
    assert "生成失败（导出网页）" in row
    assert unchanged(before, rendered, record_may_change=True)
