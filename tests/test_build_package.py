"""The build as a package: findings computed once and carried by the job."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import TWO_DEPARTMENTS
from nianbao import formats as F
from nianbao.build import CACHE_FILE, HashCache, build, executor_for, plan
from nianbao.build.plan import attach_findings, withhold_errors
from nianbao.testing import ProjectBuilder

REPO = Path(__file__).resolve().parents[1]


def two_reports(root: Path, *, beta_error: bool) -> ProjectBuilder:
    b = ProjectBuilder(root, TWO_DEPARTMENTS)
    b.add("alpha", 2021, size=10)
    b.add("beta", 2021, size=10)
    if beta_error:  # an R3 error: withheld in publish mode
        b.set_cell("beta", 2021, F.APPLICATIONS, F.OUTCOME_TOTAL, "自然人", "999")
    (root / "notebooks").mkdir()
    shutil.copy(REPO / "notebooks" / "annual_report.ipynb", root / "notebooks")
    return b


def test_the_plan_carries_each_reports_findings_and_withholds_on_errors(tmp_path):
    b = two_reports(tmp_path, beta_error=True)
    project = b.project()
    planned = plan(project, None, None, "publish", notebook=tmp_path / "notebooks" / "annual_report.ipynb",
                   cache=HashCache(tmp_path / CACHE_FILE))
    attach_findings(project, planned)
    by_dept = {p.department: p for p in planned}
    assert by_dept["alpha"].job.findings == ()
    assert {f["rule"] for f in by_dept["beta"].job.findings} >= {"R3"}
    expected = [json.loads(json.dumps(r)) for r in by_dept["beta"].job.findings]
    from nianbao.engine import check_project
    from nianbao.findings import to_record

    assert expected == [to_record(f) for f in check_project(project, [2021], ["beta"]).for_report(2021, "beta")]
    withhold_errors(planned)
    assert [p.action for p in planned] == ["run", "withheld"]


@pytest.mark.kernel
def test_a_publish_build_runs_the_rule_engine_once_for_the_reports_and_once_for_the_sites(capsys, monkeypatch, tmp_path):
    import nianbao.engine
    from nianbao.cli import write_index

    b = two_reports(tmp_path, beta_error=False)
    real = nianbao.engine.check_project
    calls = []

    def counted(project, years=None, departments=None):
        calls.append((sorted(years or ()), sorted(departments or ())))
        return real(project, years, departments)

    monkeypatch.setattr(nianbao.engine, "check_project", counted)
    project = b.project()
    result = build(project, mode="publish", kinds=("html",), executor=executor_for(in_process=True))
    assert result.ok and len(result.results) == 2
    assert calls == [([2021], ["alpha", "beta"])]  # one engine run for both reports, in this process
    checks = json.loads((tmp_path / "outputs" / "runs" / "publish" / "2021" / "alpha" / "checks.json").read_text("utf-8"))
    assert checks["findings"] == [r for p in result.planned if p.department == "alpha" for r in p.job.findings]

    class Args:
        mode = "publish"
        project = None

    assert write_index(project, result, Args())
    assert len(calls) == 2 and calls[1] == ([], [])  # and once for the sites (the whole project)


# ---------------------------------------------------------------------------
# One core for atomic writing; one record format; one kernel environment
# ---------------------------------------------------------------------------


def test_install_renames_nothing_when_one_file_cannot_be_staged(tmp_path):
    from nianbao.build.install import install

    (tmp_path / "a.html").write_bytes(b"old a")
    with pytest.raises(TypeError):
        install({"a.html": b"new a", "b.pdf": None}, tmp_path)  # the second cannot be written
    assert (tmp_path / "a.html").read_bytes() == b"old a"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.html"]  # no staged file left behind
    install({"a.html": b"new a", "b.pdf": b"b"}, tmp_path / "new")
    assert (tmp_path / "new" / "a.html").read_bytes() == b"new a"


def test_staged_and_atomic_files_get_the_mode_of_any_file_the_kit_writes(tmp_path):
    from nianbao.build.install import install
    from nianbao.textio import PUBLIC_FILE_MODE, write_atomic

    write_atomic(tmp_path / "one.txt", "x")
    install({"two.txt": b"y"}, tmp_path)
    for name in ("one.txt", "two.txt"):
        assert (tmp_path / name).stat().st_mode & 0o777 == PUBLIC_FILE_MODE  # not mkstemp's 0600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.txt", "two.txt"]


def test_sha256sums_are_read_as_they_are_written(tmp_path):
    from nianbao import paths
    from nianbao.build.records import read_sums, sums_text

    sums = {"draft/2021/alpha/report.html": "a" * 64, "draft/2021/alpha/报告 空格.pdf": "b" * 64}
    record = paths.record_dir(tmp_path, "draft", 2021, "alpha")
    record.mkdir(parents=True)
    (record / paths.SUMS).write_bytes(sums_text(sums))
    assert read_sums(tmp_path, "draft", 2021, "alpha") == sums


def test_the_kernel_environment_keeps_every_kernel_file_in_the_run_folder(tmp_path):
    from nianbao.run import kernel_environment

    env = kernel_environment(tmp_path)
    assert set(env) == {"IPYTHONDIR", "MPLCONFIGDIR", "NIANBAO_RUN_DIR"}
    assert all(Path(value).is_relative_to(tmp_path) for value in env.values())


def test_kernel_sockets_fall_back_to_loopback_tcp_when_the_run_folder_path_is_too_long(monkeypatch, tmp_path):
    """A Unix socket path holds 107 bytes: a deep temp folder (pytest's, a user's TMPDIR) must not make
    every kernel fail with ZMQError 'File name too long'."""
    from nianbao.run import IPC_PATH_LIMIT, kernel_manager_class

    monkeypatch.setenv("NIANBAO_RUN_DIR", "/tmp/r")
    short = kernel_manager_class()(kernel_name="python3")
    assert (short.transport, short.ip) == ("ipc", "/tmp/r/kernel-ipc")
    deep = tmp_path / ("d" * IPC_PATH_LIMIT)
    monkeypatch.setenv("NIANBAO_RUN_DIR", str(deep))
    long = kernel_manager_class()(kernel_name="python3")
    assert long.transport == "tcp" and long.ip in ("127.0.0.1", "localhost")
