"""Small change, small rebuild: a report is keyed on the files its page shows and
on the digest of its own findings (build/plan.py, inputs.py), so an edit reruns
only the reports whose page changes - and still every one whose page does.

Two departments of one region × two years, built once per module (real kernels,
HTML only); each test edits a copy and builds again in-process.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from conftest import TWO_DEPARTMENTS
from nianbao import formats as F
from nianbao.build import CACHE_FILE, HashCache, build, executor_for, plan
from nianbao.build.plan import FINDINGS_MEMO, REASONS, FindingsMemo, attach_findings
from nianbao.project import load_project
from nianbao.testing import ProjectBuilder

REPO = Path(__file__).resolve().parents[1]
REPORTS = [(2023, "alpha"), (2023, "beta"), (2024, "alpha"), (2024, "beta")]
OVERVIEW = F.SECTION_HEADINGS[0]


def make_project(root: Path) -> ProjectBuilder:
    b = ProjectBuilder(root, TWO_DEPARTMENTS)
    for year in (2023, 2024):
        for dept in ("alpha", "beta"):
            b.add(dept, year, size=10)
    (root / "notebooks").mkdir()
    shutil.copy(REPO / "notebooks" / "annual_report.ipynb", root / "notebooks")
    return b


def rebuild(root: Path, **kwargs):
    """A build in this process; {(year, dept): reasons} of the reports it ran."""
    result = build(load_project(root), kinds=("html",),
                   executor=executor_for(in_process=True), **kwargs)
    assert result.ok, [r.failure for r in result.failed]
    return {(p.year, p.department): p.reasons for p in result.planned if p.action == "run"}


def page(root: Path, year: int, dept: str) -> bytes:
    return (root / "outputs" / "draft" / str(year) / dept / "report.html").read_bytes()


def narrative(root: Path, year: int, dept: str) -> Path:
    return root / "data" / str(year) / dept / F.TABLE_FILES[F.NARRATIVE]


def add_sentence(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("## " + F.SECTION_HEADINGS[4], "本年度还完善了公开目录。\n\n## " + F.SECTION_HEADINGS[4]),
                    encoding="utf-8")


def s5(root: Path, year: int, dept: str) -> list[dict]:
    checks = json.loads((root / "outputs" / "draft" / str(year) / dept / "checks.json").read_text(encoding="utf-8"))
    return [f for f in checks["findings"] if f["rule"] == "S5"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("rebuild") / "project"
    make_project(root)
    assert set(rebuild(root)) == set(REPORTS)
    return root


@pytest.fixture
def project(built, tmp_path):
    root = tmp_path / "project"
    shutil.copytree(built, root)
    (root / CACHE_FILE).unlink()  # its paths are the module's copy's (a real move would rehash too)
    return root


@pytest.mark.kernel
def test_a_sentence_in_one_narrative_reruns_only_that_report_and_every_page_is_as_a_full_build_makes_it(project, tmp_path):
    add_sentence(narrative(project, 2023, "alpha"))
    assert rebuild(project) == {(2023, "alpha"): [REASONS["data"]]}  # not its peer, not its next year
    assert rebuild(project) == {}

    # Correctness: the pages left alone are the ones a full build makes from the same data.
    fresh = tmp_path / "fresh"
    shutil.copytree(project, fresh, ignore=shutil.ignore_patterns("outputs"))
    rebuild(fresh, force=True)
    for year, dept in REPORTS:
        assert page(project, year, dept) == page(fresh, year, dept), (year, dept)


@pytest.mark.kernel
def test_a_narrative_that_makes_a_peers_findings_change_reruns_the_peer(project):
    # alpha's section 一 becomes beta's: S5 (copying) fires for both.
    beta = narrative(project, 2024, "beta").read_text(encoding="utf-8")
    alpha = narrative(project, 2024, "alpha").read_text(encoding="utf-8")
    ours, theirs = (text.split("## " + F.SECTION_HEADINGS[4])[0] for text in (alpha, beta))
    narrative(project, 2024, "alpha").write_text(alpha.replace(ours, theirs), encoding="utf-8")
    before = page(project, 2024, "beta")

    assert rebuild(project) == {(2024, "alpha"): [REASONS["data"]], (2024, "beta"): [REASONS["findings"]]}
    assert s5(project, 2024, "alpha") and s5(project, 2024, "beta")
    assert page(project, 2024, "beta") != before and "内容雷同" in page(project, 2024, "beta").decode("utf-8")

    # And back: the finding goes, the peer reruns again.
    narrative(project, 2024, "alpha").write_text(alpha, encoding="utf-8")
    assert rebuild(project) == {(2024, "alpha"): [REASONS["data"]], (2024, "beta"): [REASONS["findings"]]}
    assert page(project, 2024, "beta") == before


@pytest.mark.kernel
def test_next_years_report_reruns_when_a_figure_it_charts_changes(project):
    b = ProjectBuilder(project, TWO_DEPARTMENTS)
    # A figure of alpha's 2023 disclosure table (shown in 2024's trend and comparison).
    path = b.path("alpha", 2023, F.DISCLOSURE)
    header, rows = b.read_rows(path)
    row = next(r for r in rows if r[-1].strip().isdigit())
    row[-1] = str(int(row[-1]) + 1)
    b.write_rows(path, header, rows)

    reran = rebuild(project)
    assert reran[(2024, "alpha")] == [REASONS["data"]]
    assert (2023, "beta") not in reran and (2024, "beta") not in reran


def record_as_built(root: Path, planned) -> None:
    """What install_output records after a good run, without running one."""
    from nianbao.build.plan import findings_digest

    for p in planned:
        record = root / "outputs" / "draft" / str(p.year) / p.department
        record.mkdir(parents=True, exist_ok=True)
        (record / "report.html").write_text("页", encoding="utf-8")
        sums = f"{hashlib.sha256('页'.encode()).hexdigest()}  draft/{p.year}/{p.department}/report.html\n"
        (record / "SHA256SUMS").write_text(sums, encoding="utf-8")
        manifest = {"status": "ok", "inputs": p.job.inputs, "findings": findings_digest(p.job.findings)}
        (record / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def seeded(root: Path):
    """A project whose every report is recorded as built (no kernel); its plan."""
    b = make_project(root)
    project = b.project()
    cache, memo = HashCache(root / CACHE_FILE), FindingsMemo(root / FINDINGS_MEMO)
    first = plan(project, None, None, "draft", notebook=root / "notebooks" / "annual_report.ipynb", cache=cache,
                 memo=memo, kinds=("html",))
    attach_findings(project, first, memo)
    record_as_built(root, first)
    cache.save()
    memo.save()
    return b


def test_an_unchanged_findings_key_needs_no_rule_engine_and_a_changed_one_checks_only_its_reports(tmp_path, monkeypatch):
    """In-process, no kernel: a plan over recorded manifests as a build leaves them."""
    import nianbao.engine

    b = seeded(tmp_path)
    project = b.project()
    notebook = tmp_path / "notebooks" / "annual_report.ipynb"
    cache, memo = HashCache(tmp_path / CACHE_FILE), FindingsMemo(tmp_path / FINDINGS_MEMO)

    def planned():
        return plan(project, None, None, "draft", notebook=notebook, cache=cache, memo=memo, kinds=("html",))

    checked = []
    real = nianbao.engine.check_project
    monkeypatch.setattr(nianbao.engine, "check_project",
                        lambda project, years, departments: checked.append((years, departments)) or real(project, years, departments))
    again = planned()
    attach_findings(project, again, memo)
    assert [p.action for p in again] == ["skip"] * 4 and checked == []

    add_sentence(narrative(tmp_path, 2023, "alpha"))
    again = planned()
    attach_findings(project, again, memo)
    # Its peer's and its next year's findings read the narrative: checked, unchanged, skipped.
    assert {(p.year, p.department): p.action for p in again} == {
        (2023, "alpha"): "run", (2023, "beta"): "skip", (2024, "alpha"): "skip", (2024, "beta"): "skip"}
    assert checked == [({2023, 2024}, {"alpha", "beta"})]


def _build(root: Path, **kwargs):
    return build(load_project(root), kinds=("html",), **kwargs)


def _edit_a_figure(root: Path) -> None:
    path = root / "data" / "2024" / "beta" / "fees.csv"
    path.write_bytes(path.read_bytes().replace(b"0", b"1", 1))


def _touch_output(root: Path) -> None:
    (root / "outputs" / "draft" / "2023" / "beta" / "report.html").write_text("改", encoding="utf-8")


CHANGES = {
    "a figure": (_edit_a_figure, {}),
    "a sentence": (lambda root: add_sentence(narrative(root, 2023, "alpha")), {}),
    "a new file in a folder": (lambda root: (root / "data" / "2023" / "beta" / "waivers.csv").write_text(
        "规则,表,行,列,说明\n", encoding="utf-8"), {}),
    "an edited output": (_touch_output, {}),
    "a lost record": (lambda root: (root / "outputs" / "draft" / "2024" / "alpha" / "manifest.json").unlink(), {}),
    "the notebook": (lambda root: (root / "notebooks" / "annual_report.ipynb").write_text(
        (root / "notebooks" / "annual_report.ipynb").read_text(encoding="utf-8").replace("}", " }", 1),
        encoding="utf-8"), {}),
    "a department's own notebook": (lambda root: shutil.copy(root / "notebooks" / "annual_report.ipynb",
                                                            (root / "notebooks" / "departments").mkdir() or
                                                            root / "notebooks" / "departments" / "beta.ipynb"), {}),
    "the project settings": (lambda root: (root / "params" / "project.toml").write_text(
        '[report]\npublication_day = "01-20"\n', encoding="utf-8"), {}),
    "another date": (lambda root: None, {"publication_date": "2025-01-15"}),
    "another output kind": (lambda root: None, {"kinds": ("html", "pdf")}),
    "another selection": (lambda root: None, {"years": {2024}}),
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_no_change_build_replays_its_plan_and_any_change_plans_in_full(tmp_path, monkeypatch, change):
    """The no-change short cut (build/nochange.py): two builds that run nothing, the
    second without planning; then one change, and the build plans again."""
    import nianbao.build.batch

    seeded(tmp_path)
    first = _build(tmp_path)
    assert [p.action for p in first.planned] == ["skip"] * 4 and first.site_state is None
    planning = []
    real = nianbao.build.batch.plan
    monkeypatch.setattr(nianbao.build.batch, "plan", lambda *a, **k: planning.append(1) or real(*a, **k))
    second = _build(tmp_path)
    assert planning == [] and [p.action for p in second.planned] == ["skip"] * 4
    assert second.missing == first.missing and second.site_state is not None

    edit, asked = CHANGES[change]
    edit(tmp_path)
    ran = []

    class Refusing:  # records what the build would run, runs nothing
        def results(self, wave):
            ran.extend(wave)
            return []

        def close(self):
            pass

    kwargs = {"kinds": ("html",), **asked}
    build(load_project(tmp_path), executor=lambda runs: Refusing(), **kwargs)
    assert planning == [1]  # planned in full


def test_a_pages_files_and_its_findings_files_in_the_sample():
    """What a page shows (its key and provenance) against what only its findings
    read; read-only over the repository's sample (listing, no writes)."""
    from nianbao.inputs import InputIndex

    index = InputIndex(load_project(REPO))
    page, extra = index.report("jiaoyu", 2024), index.findings("jiaoyu", 2024)
    assert "data/2024/jiaoyu/narrative.md" in page and "data/2023/jiaoyu/applications.csv" in page
    assert "data/2023/jiaoyu/narrative.md" not in page and "data/2023/jiaoyu/narrative.md" in extra  # S5, last year
    assert not any(f.startswith("data/2024/") and "/jiaoyu/" not in f for f in page)
    assert "data/2024/zhujian/narrative.md" in extra  # S5, a peer

    # A government: its bodies' folders of its year in full, their earlier tables; their earlier texts via findings.
    page, extra = index.report("quzhengfu", 2024), index.findings("quzhengfu", 2024)
    assert {"data/2024/jiaoyu/narrative.md", "data/2023/jiaoyu/applications.csv"} <= set(page)
    assert "data/2023/jiaoyu/narrative.md" not in page and "data/2023/jiaoyu/narrative.md" in extra
