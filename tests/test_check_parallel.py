"""`nianbao check` of a big project (issue 19): the regions spread over forked
workers give the serial run's findings, in its order; S5's ways of finding alike
sections (every pair of a small group, prefix-filtered candidates of a big one)
agree with comparing every pair by brute force."""

from __future__ import annotations

import random
from itertools import combinations

import pytest

from nianbao import copying, engine
from nianbao import formats as F
from nianbao.contract import Submission
from nianbao.project import GOVERNMENTS_FILE, Department
from nianbao.testing import ProjectBuilder, narrative_for, typed_csv

BOILERPLATE = (
    "本机关坚持以公开为常态、不公开为例外，围绕重点领域信息公开持续发力，完善主动公开目录，"
    "规范依申请公开办理流程，加强政府信息管理和平台建设，强化监督保障，切实提升政务公开质量。"
)
REGIONS = ("东区", "西区", "南区")
DEPARTMENTS = tuple((f"{r[0]}{i}", f"{region}第{i}局", region) for r, region in
                    zip(("d", "x", "n"), REGIONS, strict=True) for i in range(1, 5))


def _copied(name: str, year: int, values: dict) -> str:
    own = narrative_for(name, year, values)
    _, _, rest = own.partition(f"## {F.SECTION_HEADINGS[4]}")
    return f"## {F.SECTION_HEADINGS[0]}\n\n{name}{BOILERPLATE}\n\n## {F.SECTION_HEADINGS[4]}{rest}"


@pytest.fixture
def province(tmp_path) -> ProjectBuilder:
    """Three regions over two years: copied sections in one region, a government
    whose bodies lie in two regions, a waiver, a broken carry-over and a missing year."""
    b = ProjectBuilder(tmp_path, DEPARTMENTS)
    for dept, name, region in DEPARTMENTS:
        for year in (2023, 2024):
            if (dept, year) == ("n4", 2024):
                continue  # M1
            b.add(dept, year, size=15)
            if region == "东区" and year == 2024:
                b.add(dept, year, values=b.values[(dept, year)], narrative=_copied(name, year, b.values[(dept, year)]))
    b.set_cell("x2", 2024, F.APPLICATIONS, F.CARRIED_IN, "自然人", "7")  # X1
    (b.folder("d2", 2024) / "waivers.csv").write_text(
        typed_csv(("规则", "表", "行", "列", "说明"),
                  [("S5", F.NARRATIVE, F.SECTION_HEADINGS[0], "", "统一部署的工作，表述一致，已请示同意。")]),
        encoding="utf-8")
    (tmp_path / GOVERNMENTS_FILE).write_text(
        typed_csv(("id", "name", "region", "members"), [("gov", "示例市人民政府", "示例市", "d1 x1")]),
        encoding="utf-8")
    for year in (2023, 2024):
        b.add("gov", year, values={}, narrative=narrative_for("示例市人民政府", year, {}))
    return b


def test_the_parallel_path_finds_what_the_serial_one_does(province, monkeypatch):
    shares = []
    in_processes = engine._check_in_processes

    def spy(project, submitted, split, *keep):
        shares.append(split)
        return in_processes(project, submitted, split, *keep)

    monkeypatch.setattr(engine, "_check_in_processes", spy)
    # other tests may leave an idle thread behind (IPython's history saver); the
    # child touches none, and the fork is what is tested here
    monkeypatch.setattr(engine.threading, "active_count", lambda: 1)
    project = province.project()
    serial = engine.check_project(project, jobs=1)
    parallel = engine.check_project(province.project(), jobs=2)
    assert len(shares) == 1 and len(shares[0]) == 2, "the project was not split over two workers"
    assert {project.departments[d].region for _, d in shares[0][0]}.isdisjoint(
        {project.departments[d].region for _, d in shares[0][1]}), "a region was split"
    assert parallel.findings == serial.findings
    assert parallel.checked == serial.checked
    assert sorted(parallel.submissions) == sorted(serial.submissions)
    assert parallel.submissions[(2024, "gov")].values == serial.submissions[(2024, "gov")].values
    # the project exercises what the merge must keep: copying across a region, a
    # waiver, a rule across years, a missing year, a government over two regions
    rules = {f.rule for f in serial.findings}
    assert {"S5", "X1", "M1"} <= rules
    assert any(f.rule == "S5" and f.severity == "waived" for f in serial.findings)
    assert any(f.department == "gov" for f in serial.findings)


def test_a_run_that_keeps_no_submissions_finds_the_same(province, monkeypatch):
    """`nianbao check` asks for the findings only: the workers send back no
    submissions, and the findings are the same, in the same order."""
    monkeypatch.setattr(engine.threading, "active_count", lambda: 1)
    kept = engine.check_project(province.project(), jobs=1)
    for jobs in (1, 2):
        bare = engine.check_project(province.project(), jobs=jobs, keep_submissions=False)
        assert bare.findings == kept.findings and bare.checked == kept.checked
        assert bare.submissions == {}
    assert kept.submissions


def test_a_small_project_is_checked_in_one_process(province, monkeypatch):
    monkeypatch.setattr(engine, "_check_in_processes", lambda *_: pytest.fail("forked for a small project"))
    assert engine.check_project(province.project()).checked


def _group(texts: list[str]) -> list[Submission]:
    return [Submission(Department(f"d{i:03d}", f"第{i}局", "区"), 2024, F.format_for_year(2024), f"data/2024/d{i:03d}",
                       narrative={F.SECTION_HEADINGS[0]: text}) for i, text in enumerate(texts)]


def _mixed_texts(count: int, seed: int) -> list[str]:
    """Clusters of near-identical texts (edits of one base text), some exact
    copies and some texts of their own: pairs on both sides of the threshold."""
    rng = random.Random(seed)
    alphabet = "政府信息公开工作年度报告主动依申请办理答复平台建设监督保障制度规范目录栏目更新解读回应"
    bases = ["".join(rng.choice(alphabet) for _ in range(rng.randint(60, 160))) for _ in range(5)]
    texts = []
    for _ in range(count):
        text = list(rng.choice(bases))
        for _ in range(rng.choice((0, 0, 1, 2, 3, 5, 8))):  # a few characters changed: near the threshold
            text[rng.randrange(len(text))] = rng.choice(alphabet)
        texts.append("".join(text) if rng.random() < 0.8 else "".join(rng.choice(alphabet) for _ in range(100)))
    return texts


def _brute_force(group: list[Submission]) -> dict[str, list[str]]:
    heading = F.SECTION_HEADINGS[0]
    texts = copying.SectionTexts()
    alike: dict[str, set[str]] = {}
    for a, b in combinations(group, 2):
        if texts.alike(a, b, heading):
            alike.setdefault(a.department.id, {a.department.id}).add(b.department.id)
            alike.setdefault(b.department.id, {b.department.id}).add(a.department.id)
    return {dept: sorted(peers) for dept, peers in alike.items()}


@pytest.mark.parametrize("small_group", [0, 10_000], ids=["prefix-filter", "every-pair"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_s5_alike_sections_are_those_every_pair_compared_finds(monkeypatch, small_group, seed):
    monkeypatch.setattr(copying, "_SMALL_GROUP", small_group)
    group = _group(_mixed_texts(120, seed))
    similar = copying.SectionTexts().similar(F.SECTION_HEADINGS[0], group)
    found = {sub.department.id: [p.department.id for p in similar[id(sub)]] for sub in group if id(sub) in similar}
    expected = _brute_force(group)
    assert found == expected
    assert 10 < len(expected) < len(group), "the texts should give both alike and unlike sections"


def test_a_daemon_process_checks_alone(province, monkeypatch):
    """A pool's worker (a daemon) may not fork: it checks everything itself."""
    monkeypatch.setattr(engine, "_check_in_processes", lambda *_: pytest.fail("forked from a daemon process"))
    monkeypatch.setattr(engine.multiprocessing, "current_process", lambda: type("Daemon", (), {"daemon": True})())
    assert {f.rule for f in engine.check_project(province.project(), jobs=2).findings} >= {"S5", "X1", "M1"}


def test_a_process_with_other_threads_checks_alone(province, monkeypatch):
    monkeypatch.setattr(engine, "_check_in_processes", lambda *_: pytest.fail("forked beside other threads"))
    monkeypatch.setattr(engine.threading, "active_count", lambda: 3)
    assert engine.check_project(province.project(), jobs=2).checked
