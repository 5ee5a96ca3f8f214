"""`nianbao build` end to end: real CLI, real Jupyter kernels, a small project.

One project (3 departments × 2 years, one of them 未提交 in 2024) is built once
per module; each test works on a copy of it (shutil.copytree), so the suite
starts only the kernels a test is about.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import jsonschema
import nbformat
import pytest

from conftest import move_outcome, run_cli
from nianbao import formats as F
from nianbao.feed import schema
from nianbao.findings import SEVERITY_TITLES
from nianbao.testing import ProjectBuilder, narrative_for

psutil = pytest.importorskip("psutil")

pytestmark = pytest.mark.kernel

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "annual_report.ipynb"

DEPARTMENTS = (
    ("alpha", "示例区甲局", "示例区"),
    ("beta", "示例区乙局", "示例区"),
    ("gamma", "示例区丙局", "示例区"),
)
# gamma has no 2024 data although its region has: 未提交.
REPORTS = [(2023, "alpha"), (2023, "beta"), (2023, "gamma"), (2024, "alpha"), (2024, "beta")]
RECORD_FILES = {"report.ipynb", "checks.json", "manifest.json", "SHA256SUMS", "build.log"}
SITE_FILES = {"report.html", "report.fragment.html", "report.pdf"}  # build makes HTML and PDF by default
APP = F.APPLICATIONS


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if k != "NIANBAO_PROJECT"}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def build_cmd(root: Path, *args) -> list[str]:
    return [sys.executable, "-m", "nianbao", "build", "--project", str(root), "--jobs", "2", *map(str, args)]


def build(root: Path, *args, timeout: float = 240) -> SimpleNamespace:
    """Run `nianbao build` as a user would; returns code, out, err and seconds."""
    started = time.monotonic()
    done = subprocess.run(build_cmd(root, *args), capture_output=True, text=True, timeout=timeout, env=_env())
    return SimpleNamespace(code=done.returncode, out=done.stdout, err=done.stderr,
                           seconds=time.monotonic() - started)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def out_dir(root: Path, mode: str, year: int, dept: str) -> Path:
    return root / "outputs" / mode / str(year) / dept


def record_dir(root: Path, mode: str, year: int, dept: str) -> Path:
    return out_dir(root, "draft", year, dept) if mode == "draft" else root / "outputs" / "runs" / mode / str(year) / dept


def manifest(root: Path, year: int, dept: str, mode: str = "draft") -> dict:
    return json.loads((record_dir(root, mode, year, dept) / "manifest.json").read_text(encoding="utf-8"))


def sums_problems(root: Path, year: int, dept: str, mode: str = "draft") -> list[str]:
    """Lines of SHA256SUMS that do not verify (paths are relative to outputs/)."""
    problems = []
    text = (record_dir(root, mode, year, dept) / "SHA256SUMS").read_text(encoding="utf-8")
    assert text.strip(), "empty SHA256SUMS"
    for line in text.splitlines():
        digest, rel = line.split("  ", 1)
        path = root / "outputs" / rel
        if not path.is_file() or sha(path) != digest:
            problems.append(line)
    return problems


def sums_of(root: Path, year: int, dept: str, mode: str = "draft") -> dict[str, str]:
    text = (record_dir(root, mode, year, dept) / "SHA256SUMS").read_text(encoding="utf-8")
    return {rel: digest for digest, rel in (line.split("  ", 1) for line in text.splitlines())}


def snapshot(root: Path, names=("report.html",), mode: str = "draft") -> dict[tuple, str]:
    return {
        (y, d, n): sha(out_dir(root, mode, y, d) / n)
        for y, d in REPORTS
        for n in names
        if (out_dir(root, mode, y, d) / n).exists()
    }


def leftovers(root: Path) -> list[Path]:
    return [p for p in (root / "outputs").rglob("*") if p.name.endswith(".tmp")]


def summary_line(out: str, year: int, dept: str) -> str:
    lines = [line for line in out.splitlines() if line.strip().startswith(str(year)) and f"（{dept}）" in line]
    assert len(lines) == 1, f"no single summary line for {year} {dept} in:\n{out}"
    return lines[0]


def notebook_with(tmp_path: Path, name: str, cell: int, code: str) -> Path:
    """A copy of the report notebook with ``code`` appended to cell ``cell`` (1-based)."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert nb.cells[cell - 1].cell_type == "code"
    nb.cells[cell - 1].source += "\n" + code
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


def is_kernel(proc) -> bool:
    try:
        return any("ipykernel_launcher" in part for part in proc.cmdline())
    except psutil.Error:
        return False


def kernels_started_by(pids: set[int]) -> set[int]:
    """Live kernels launched by any of these processes (jupyter_client gives each
    kernel JPY_PARENT_PID), even if they have been re-parented since."""
    found = set()
    for proc in psutil.process_iter():
        try:
            if is_kernel(proc) and int(proc.environ().get("JPY_PARENT_PID", 0)) in pids:
                found.add(proc.pid)
        except (psutil.Error, ValueError):
            pass
    return found


def descendants(pid: int) -> list:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def stopped(children: list, timeout: float = 20) -> None:
    """Every one of these processes, and every kernel they started, goes away."""
    pids = {c.pid for c in children}
    _, alive = psutil.wait_procs(children, timeout=timeout)
    assert alive == [], f"left behind: {[(p.pid, p.cmdline()) for p in alive]}"
    wait_for(lambda: not kernels_started_by(pids), 15, "the kernels to exit")


def wait_for(predicate, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


# ---------------------------------------------------------------------------
# The project, built once
# ---------------------------------------------------------------------------


def make_project(root: Path) -> ProjectBuilder:
    b = ProjectBuilder(root, DEPARTMENTS)
    for year in (2023, 2024):
        for dept in ("alpha", "beta"):
            b.add(dept, year, size=20)
    b.add("gamma", 2023, size=20)
    # Some findings for the index badges: alpha 2023 a warning (S4: the narrative
    # misstates a figure); beta 2023 the same, waived.
    for dept in ("alpha", "beta"):
        values = b.values[(dept, 2023)]
        wrong = {**values, (APP, F.NEW, F.TOTAL): values[(APP, F.NEW, F.TOTAL)] + 100}
        b.add(dept, 2023, values=values, narrative=narrative_for(b.departments[dept][1], 2023, wrong))
    (b.folder("beta", 2023) / "waivers.csv").write_text(
        "规则,表,行,列,说明\nS4,申请表,,,文字中的数字为统计口径调整前的数字\n", encoding="utf-8"
    )
    (root / "notebooks").mkdir()
    shutil.copy(NOTEBOOK, root / "notebooks" / "annual_report.ipynb")
    return b


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("built") / "project"
    b = make_project(root)
    result = build(root)
    assert result.code == 0, result.out + result.err
    return SimpleNamespace(root=root, values=b.values, result=result)


@pytest.fixture
def project(built, tmp_path) -> Path:
    """A private copy of the built project (outputs included)."""
    root = tmp_path / "project"
    shutil.copytree(built.root, root, symlinks=True)
    return root


# ---------------------------------------------------------------------------
# 1. A batch over a small project
# ---------------------------------------------------------------------------


def test_batch_writes_every_output_and_the_sites(built):
    root, result = built.root, built.result
    assert result.code == 0
    assert "共 5 份（草稿）：生成 5，失败 0" in result.out
    for year, dept in REPORTS:
        folder = out_dir(root, "draft", year, dept)
        assert {p.name for p in folder.iterdir()} == SITE_FILES | RECORD_FILES
        assert "首次生成" in summary_line(result.out, year, dept)
        assert sums_problems(root, year, dept) == []
        listed = set(sums_of(root, year, dept))
        assert listed == {f"draft/{year}/{dept}/{n}" for n in SITE_FILES | RECORD_FILES - {"manifest.json", "SHA256SUMS"}}

        m = manifest(root, year, dept)
        assert m["status"] == "ok" and m["failure"] is None
        assert (m["department"], m["year"], m["mode"]) == (dept, year, "draft")
        files = m["inputs"]["files"]
        own = sorted((root / "data" / str(year) / dept).iterdir())
        assert own
        for path in own:  # every data file of the department-year, with its hash
            assert files[path.relative_to(root).as_posix()] == sha(path)
        assert files["params/departments.csv"] == sha(root / "params" / "departments.csv")
        if year == 2024:  # last year's data: the trend chart and X1 read it
            assert f"data/2023/{dept}/applications.csv" in files
        else:  # a report never reads later years
            assert not any(f.startswith("data/2024/") for f in files)
        assert m["inputs"]["notebook"] == sha(NOTEBOOK)
        assert m["inputs"]["parameters"]["mode"] == "draft"
        assert m["parameters"]["mode"] == "draft"
        assert m["parameters"]["publication_date"] == m["inputs"]["parameters"]["publication_date"]
        assert m["parameters"]["publication_date"].startswith(str(year + 1))
        assert {"python", "nianbao", "papermill", "nbconvert", "ipykernel"} <= set(m["versions"])
        assert m["seconds"]["total"] > 0
        # Inputs only: the outputs' hashes live in SHA256SUMS (the manifest is embedded in the PDF).
        assert "outputs" not in m

    draft = root / "outputs" / "draft"
    for name in ("index.html", "checks.html", "checks.csv"):
        assert (draft / name).is_file()
    assert (root / "outputs" / "index.html").is_file()
    assert (draft / "checks.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert not (root / "outputs" / "publish").exists()
    assert leftovers(root) == []

    # gamma has no 2024 data while its region has: 未提交 in the summary and the index.
    assert "未提交" in summary_line(result.out, 2024, "gamma")
    assert "未提交 1" in result.out
    index = (draft / "index.html").read_text(encoding="utf-8")
    row = index.split('data-year="2024" data-dept="gamma"', 1)[1].split("</tr>", 1)[0]
    assert "未提交" in row
    assert 'href="2024/alpha/report.html"' in index and 'href="2023/gamma/report.ipynb"' in index


# ---------------------------------------------------------------------------
# 2. A broken cell in one department-year
# ---------------------------------------------------------------------------


def test_broken_cell_fails_one_report_and_keeps_its_previous_outputs(project, tmp_path):
    before = snapshot(project, SITE_FILES)
    broken = notebook_with(tmp_path, "broken.ipynb", 9,
                           'if department == "beta" and year == 2024:\n    raise ValueError("boom")')
    result = build(project, "--notebook", broken)
    assert result.code not in (0, 2), result.out + result.err

    for year, dept in REPORTS:
        if (year, dept) == (2024, "beta"):
            continue
        assert manifest(project, year, dept)["status"] == "ok"
        assert "笔记本已变更" in summary_line(result.out, year, dept)
        assert sums_problems(project, year, dept) == []

    line = summary_line(result.out, 2024, "beta")
    assert "失败" in line and "第 9 个单元格" in line and "ValueError: boom" in line, line
    assert "生成 4，失败 1" in result.out

    m = manifest(project, 2024, "beta")
    assert m["status"] == "failed"
    failure = m["failure"]
    assert failure["cell_index"] == 8  # 0-based: the 9th cell of the notebook as the analyst sees it
    cells = nbformat.read(broken, as_version=4).cells
    assert failure["cell_source"] == cells[failure["cell_index"]].source
    assert 'raise ValueError("boom")' in failure["cell_source"]
    assert failure["exception"] == "ValueError: boom"
    assert "boom" in failure["traceback"] and "ValueError" in failure["traceback"]
    log = out_dir(project, "draft", 2024, "beta") / m["log"]
    assert "ValueError: boom" in log.read_text(encoding="utf-8")

    # The last good outputs stay, byte for byte, and stay consistent with SHA256SUMS.
    after = snapshot(project, SITE_FILES)
    assert after[(2024, "beta", "report.html")] == before[(2024, "beta", "report.html")]
    assert after[(2024, "beta", "report.fragment.html")] == before[(2024, "beta", "report.fragment.html")]
    assert sums_problems(project, 2024, "beta") == []
    assert leftovers(project) == []

    index = (project / "outputs" / "draft" / "index.html").read_text(encoding="utf-8")
    row = index.split('data-year="2024" data-dept="beta"', 1)[1].split("</tr>", 1)[0]
    assert "生成失败（第 9 个单元格）" in row


# ---------------------------------------------------------------------------
# 3. Nothing changed: nothing runs
# ---------------------------------------------------------------------------


def test_second_build_skips_everything_without_a_kernel(project, capsys, monkeypatch):
    manifests = {(y, d): (record_dir(project, "draft", y, d) / "manifest.json").read_bytes() for y, d in REPORTS}
    site = {n: (project / "outputs" / "draft" / n).stat().st_mtime_ns for n in ("index.html", "checks.csv")}

    result = build(project)
    assert result.code == 0, result.out + result.err
    assert "所有报告都是最新的" in result.out
    assert "未变更跳过 5" in result.out and "生成 0，失败 0" in result.out
    for key, data in manifests.items():
        assert (record_dir(project, "draft", *key) / "manifest.json").read_bytes() == data
    assert {n: (project / "outputs" / "draft" / n).stat().st_mtime_ns for n in site} == site

    # Once more in-process, where we can prove that no worker, kernel or validation starts.
    import nianbao.build.executors
    import nianbao.build.install
    import nianbao.engine

    def forbidden(*args, **kwargs):
        raise AssertionError("a no-change build must not start workers, kernels or the rule engine")

    monkeypatch.setattr(nianbao.build.executors, "LocalExecutor", forbidden)
    monkeypatch.setattr(nianbao.build.install, "produce", forbidden)
    monkeypatch.setattr(nianbao.engine, "check_project", forbidden)
    code, out, _ = run_cli(capsys, "build", "--project", project, "--jobs", 2)
    assert code == 0, out
    assert "所有报告都是最新的" in out and "未变更跳过 5" in out  # speed is measured in bench/, not here


# ---------------------------------------------------------------------------
# 4. One CSV changed: exactly the reports that read it run again
# ---------------------------------------------------------------------------


def test_changed_csv_reruns_exactly_the_reports_that_read_it(project, built):
    manifests = {(y, d): (record_dir(project, "draft", y, d) / "manifest.json").read_bytes() for y, d in REPORTS}
    b = ProjectBuilder(project, DEPARTMENTS)  # rewrites departments.csv with the same bytes
    values = dict(built.values[("alpha", 2023)])
    # Move one application between outcome rows: the report stays balanced.
    column = next(c for c in F.APPLICATION_COLUMNS[:-1] if values[(APP, F.GRANTED, c)] > 0)
    move_outcome(values, column, F.GRANTED, "1.本机关不掌握相关政府信息")
    path = b.path("alpha", 2023, APP)
    old = path.read_bytes()
    narrative = (b.folder("alpha", 2023) / "narrative.md").read_bytes()
    b.add("alpha", 2023, values=values)
    (b.folder("alpha", 2023) / "narrative.md").write_bytes(narrative)
    assert path.read_bytes() != old
    changed = [p for p in (project / "data").rglob("*") if p.is_file() and p != path
               and sha(p) != sha(built.root / p.relative_to(project))]
    assert changed == []

    result = build(project)
    assert result.code == 0, result.out + result.err
    rerun = {(2023, "alpha"), (2024, "alpha")}
    for key in REPORTS:
        data = (record_dir(project, "draft", *key) / "manifest.json").read_bytes()
        if key in rerun:
            assert data != manifests[key]
            line = summary_line(result.out, *key)
            assert "已生成" in line and "数据已变更" in line, line
            assert sums_problems(project, *key) == []
        else:
            assert data == manifests[key], key
            assert f"（{key[1]}）" not in "".join(
                line for line in result.out.splitlines() if line.strip().startswith(str(key[0]))
            )
    assert "生成 2，失败 0，未变更跳过 3" in result.out


# ---------------------------------------------------------------------------
# 5. Mode and publication date are run parameters
# ---------------------------------------------------------------------------


def test_publish_mode_and_new_date_rerun(project):
    draft_manifests = {k: (record_dir(project, "draft", *k) / "manifest.json").read_bytes() for k in REPORTS}

    result = build(project, "--mode", "publish")
    assert result.code == 0, result.out + result.err
    assert "共 5 份（发布）：生成 5" in result.out
    publish = project / "outputs" / "publish"
    expected = {"index.html", "index.json"} | {f"{y}/{d}/{n}" for y, d in REPORTS for n in SITE_FILES}
    assert {p.relative_to(publish).as_posix() for p in publish.rglob("*") if p.is_file()} == expected
    for year, dept in REPORTS:
        m = manifest(project, year, dept, "publish")
        assert m["status"] == "ok" and m["inputs"]["parameters"]["mode"] == "publish"
        assert {p.name for p in record_dir(project, "publish", year, dept).iterdir()} == RECORD_FILES
        assert sums_problems(project, year, dept, "publish") == []
        assert f"publish/{year}/{dept}/report.html" in sums_of(project, year, dept, "publish")
    index = (publish / "index.html").read_text(encoding="utf-8")
    assert 'href="2024/alpha/report.html"' in index and "gamma/" not in index.split("2023年度")[0]
    # The CMS feed lists the same reports, with the hashes the runs recorded.
    feed = json.loads((publish / "index.json").read_text(encoding="utf-8"))
    jsonschema.validate(feed, schema())
    assert [(r["year"], r["department"]["id"]) for r in feed["reports"]] == sorted(REPORTS)
    for report in feed["reports"]:
        sums = sums_of(project, report["year"], report["department"]["id"], "publish")
        assert set(report["files"]) == {"html", "fragment", "pdf"}
        assert all(f["sha256"] == sums["publish/" + f["path"]] for f in report["files"].values())
    assert "publish/index.html" in (project / "outputs" / "index.html").read_text(encoding="utf-8")
    # The draft records are another mode's: untouched, and still up to date.
    assert {k: (record_dir(project, "draft", *k) / "manifest.json").read_bytes() for k in REPORTS} == draft_manifests
    again = build(project)
    assert again.code == 0 and "未变更跳过 5" in again.out, again.out

    date = build(project, "--year", "2024", "--date", "2025-01-25")
    assert date.code == 0, date.out + date.err
    for key in REPORTS:
        data = (record_dir(project, "draft", *key) / "manifest.json").read_bytes()
        if key[0] == 2024:
            assert "运行参数已变更" in summary_line(date.out, *key)
            m = manifest(project, *key)
            assert m["parameters"]["publication_date"] == "2025-01-25"
            assert m["inputs"]["parameters"]["publication_date"] == "2025-01-25"
        else:
            assert data == draft_manifests[key]
    assert "共 2 份（草稿）：生成 2" in date.out


# ---------------------------------------------------------------------------
# 6, 7. Interrupted, killed and concurrent builds
# ---------------------------------------------------------------------------


def start_slow_build(project: Path, tmp_path: Path, *args) -> subprocess.Popen:
    """`build --force` with a notebook whose runs take a few seconds each."""
    slow = notebook_with(tmp_path, "slow.ipynb", 3, "import time\ntime.sleep(2.5)")
    log = open(tmp_path / "build.out", "w", encoding="utf-8")  # noqa: SIM115 - closed with the test
    # SIGINT as in a terminal: a shell without job control starts background commands
    # with SIGINT ignored (e.g. `bash .ci/run &`), and the build would inherit that.
    return subprocess.Popen(build_cmd(project, "--force", "--notebook", slow, *args), stdout=log, stderr=subprocess.STDOUT,
                            env=_env(), start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def kill_mid_run(project: Path, tmp_path: Path, sig: int):
    before = snapshot(project, SITE_FILES)
    manifests = {k: (record_dir(project, "draft", *k) / "manifest.json").read_bytes() for k in REPORTS}
    proc = start_slow_build(project, tmp_path)
    try:
        # Let one run finish and the next ones start: some reports are new, some in progress.
        wait_for(lambda: renewed(project, manifests), 90, "a finished run")
        wait_for(lambda: any(is_kernel(c) for c in descendants(proc.pid)), 30, "a running kernel")
        time.sleep(0.5)
        children = descendants(proc.pid)  # forkserver, resource tracker, workers, kernels
        assert any(is_kernel(c) for c in children)
        os.kill(proc.pid, sig)  # the main process only, not its group
        code = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    # Workers and kernels go away by themselves.
    stopped(children)

    # Every previous output is intact: unchanged, or a complete new one matching SHA256SUMS.
    assert leftovers(project) == []
    after = snapshot(project, SITE_FILES)
    assert set(after) == set(before)
    for year, dept, name in before:
        if after[(year, dept, name)] != before[(year, dept, name)]:
            assert sums_of(project, year, dept)[f"draft/{year}/{dept}/{name}"] == after[(year, dept, name)]
    for year, dept in REPORTS:
        m = manifest(project, year, dept)
        assert m["status"] == "ok"
        assert sums_problems(project, year, dept) == [], (year, dept)
    done = renewed(project, manifests)
    assert 1 <= len(done) < len(REPORTS), "the kill should fall between the runs"
    print(f"signal {sig}: exit {code}; runs finished before the kill: {sorted(done)}")
    return code


def renewed(project: Path, manifests: dict) -> list:
    return [k for k, data in manifests.items() if (record_dir(project, "draft", *k) / "manifest.json").read_bytes() != data]


def test_sigint_stops_cleanly(project, tmp_path):
    code = kill_mid_run(project, tmp_path, signal.SIGINT)
    assert code != 0
    assert code == 130, (tmp_path / "build.out").read_text(encoding="utf-8")
    output = (tmp_path / "build.out").read_text(encoding="utf-8")
    assert "构建已中断" in output or "已中断" in output


def test_sigkill_leaves_outputs_intact_and_no_stale_lock(project, tmp_path):
    code = kill_mid_run(project, tmp_path, signal.SIGKILL)
    assert code == -signal.SIGKILL
    # The next build is not blocked by the dead build's lock, and repairs what it left.
    result = build(project)
    assert result.code == 0, result.out + result.err
    assert "正在运行" not in result.err
    for year, dept in REPORTS:
        assert manifest(project, year, dept)["inputs"]["notebook"] == sha(project / "notebooks" / "annual_report.ipynb")
        assert sums_problems(project, year, dept) == []


def test_concurrent_build_refused(project, tmp_path):
    lock = project / "outputs" / ".build.lock"
    first = start_slow_build(project, tmp_path)
    try:
        wait_for(lambda: f"进程 {first.pid}" in lock.read_text(encoding="utf-8"), 60, "the first build's lock")
        second = build(project, timeout=30)
        assert second.code == 2
        assert f"进程 {first.pid}，开始于 " in second.err, second.err
        assert "已有一个构建正在运行" in second.err
        assert first.poll() is None
    finally:
        children = descendants(first.pid)
        if first.poll() is None:
            os.kill(first.pid, signal.SIGINT)
            try:
                first.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(first.pid, signal.SIGKILL)
                first.wait()
    stopped(children)


# ---------------------------------------------------------------------------
# 8. Reproducible
# ---------------------------------------------------------------------------


def test_forced_rebuild_is_byte_identical(project, built):
    result = build(project, "--force")
    assert result.code == 0, result.out + result.err
    assert "生成 5" in result.out and "强制重建" in result.out
    first = snapshot(built.root, SITE_FILES)
    again = snapshot(project, SITE_FILES)
    assert len(first) == len(SITE_FILES) * len(REPORTS)
    assert again == first
    # The project was copied elsewhere: nothing of its absolute path gets into a report.
    for year, dept in REPORTS:
        assert str(project).encode() not in (out_dir(project, "draft", year, dept) / "report.html").read_bytes()


# ---------------------------------------------------------------------------
# 9. Publish mode withholds a report with an unwaived error
# ---------------------------------------------------------------------------


def test_publish_withholds_a_report_with_an_error(project):
    b = ProjectBuilder(project, DEPARTMENTS)
    header, rows = b.read_rows(b.path("beta", 2024, APP))
    granted = next(r for r in rows if r[0] == F.GRANTED)[header.index("自然人")]
    b.set_cell("beta", 2024, APP, F.GRANTED, "自然人", str(int(granted) + 1))  # breaks R3 (and R1)

    result = build(project, "--mode", "publish")
    assert result.code not in (0, 2), result.out + result.err
    line = summary_line(result.out, 2024, "beta")
    assert "有错误，未发布" in line and "nianbao check" in line, line
    assert "有错误未发布 1" in result.out
    publish = project / "outputs" / "publish"
    assert not (publish / "2024" / "beta" / "report.html").exists()
    assert not (publish / "2024" / "beta" / "report.fragment.html").exists()
    for year, dept in REPORTS:
        if (year, dept) != (2024, "beta"):
            assert (publish / str(year) / dept / "report.html").is_file()
    index = (publish / "index.html").read_text(encoding="utf-8")
    assert "2024/alpha/report.html" in index and "2024/beta/" not in index

    # Again: the others are up to date, beta is still withheld; no "all up to date".
    again = build(project, "--mode", "publish")
    assert again.code == result.code
    assert "有错误，未发布" in summary_line(again.out, 2024, "beta") and "未变更跳过 4" in again.out
    assert "所有报告都是最新的" not in again.out
    assert not (publish / "2024" / "beta" / "report.html").exists()
    # The draft still shows it, with its errors.
    assert build(project).code == 0


# ---------------------------------------------------------------------------
# 10. In a browser
# ---------------------------------------------------------------------------


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.mark.browser
def test_sites_in_a_browser(built, artifacts):
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium at /usr/bin/chromium")
    root = built.root
    errors, foreign = [], []

    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 800})
            page.on("console", lambda m: m.type == "error" and errors.append(m.text))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: r.url.split(":", 1)[0] not in ("file", "data") and foreign.append(r.url))

            page.goto((root / "outputs" / "index.html").as_uri())
            page.click('a[href="draft/index.html"]')
            page.wait_for_load_state("load")
            assert page.url.endswith("/outputs/draft/index.html")
            page.screenshot(path=str(artifacts / "build-draft-index.png"), full_page=True)

            # The check badges match checks.csv.
            badges = {
                (int(row.get_attribute("data-year")), row.get_attribute("data-dept")): row.locator("td.check").inner_text().strip()
                for row in page.locator("tr[data-year]").all()
            }
            assert set(badges) == {*REPORTS, (2024, "gamma")}
            with open(root / "outputs" / "draft" / "checks.csv", encoding="utf-8-sig", newline="") as handle:
                findings = list(csv.DictReader(handle))
            for (year, dept), badge in badges.items():
                if (year, dept) == (2024, "gamma"):
                    assert badge == "未提交"
                    continue
                tally = {s: 0 for s in SEVERITY_TITLES}
                for f in findings:
                    if f["year"] == str(year) and f["department"] == dept:
                        tally[f["severity"]] += 1
                if not any(tally.values()):
                    assert badge.startswith("✓"), (year, dept, badge)
                else:
                    assert "✓" not in badge
                    for severity, n in tally.items():
                        title = SEVERITY_TITLES[severity]
                        assert (f"{title} {n}" in badge) == bool(n), (year, dept, badge, tally)
            assert "提示 1" in badges[(2023, "alpha")] and "已说明 1" in badges[(2023, "beta")]
            assert badges[(2024, "alpha")].startswith("✓")

            # Follow a link to a report.
            page.click('tr[data-year="2024"][data-dept="alpha"] a[href$="report.html"]')
            page.wait_for_load_state("load")
            assert page.url.endswith("/outputs/draft/2024/alpha/report.html")
            assert page.locator("table").count() >= 3
            assert page.locator("table").first.is_visible()
            images = page.locator("img")
            assert images.count() >= 2
            for i in range(images.count()):
                image = images.nth(i)
                image.scroll_into_view_if_needed()
                assert image.is_visible()
                assert image.evaluate("img => img.complete && img.naturalWidth > 0")
            page.screenshot(path=str(artifacts / "build-report-2024-alpha.png"), full_page=True)
        finally:
            browser.close()
    assert errors == []
    assert foreign == []
    print(f"screenshots in {artifacts}")


# ---------------------------------------------------------------------------
# A department-year's outputs are all or nothing (the PDF issue)
# ---------------------------------------------------------------------------


def test_a_failing_pdf_fails_the_run_and_keeps_html_and_pdf_together(project, monkeypatch):
    """In-process (the warm-kernel path of a worker): the PDF stage raises, as a
    font problem would; the run is a failure value and the previous HTML and PDF stay."""
    from nianbao.build import CACHE_FILE, HashCache, plan, run_job, runner
    from nianbao.build.install import install_output
    from nianbao.project import load_project

    year, dept = REPORTS[0]
    before = snapshot(project, SITE_FILES)
    loaded = load_project(project)
    (planned,) = [p for p in plan(loaded, {year}, {dept}, "draft", force=True, notebook=project / "notebooks" / "annual_report.ipynb",
                                  kinds=("html", "pdf"), cache=HashCache(project / CACHE_FILE))]

    def broken(*args, **kwargs):
        raise OSError("找不到字体文件 NotoSerifSC-Regular.otf")

    monkeypatch.setattr(runner, "_pdf", broken)
    output = run_job(planned.job)
    assert output.status == "failed" and not output.site_files
    assert output.failure.stage == "pdf" and "生成PDF时出错" in output.failure.message
    assert "NotoSerifSC" in output.failure.exception and "NotoSerifSC" in output.record_files["build.log"].decode()
    outcome = install_output(project, planned.job, output)
    assert outcome.status == "failed"
    assert snapshot(project, SITE_FILES) == before
    assert sums_problems(project, year, dept) == []
    assert manifest(project, year, dept)["status"] == "failed"
    from nianbao import kernels

    if kernels.current_session() is not None:
        kernels.current_session().stop()
