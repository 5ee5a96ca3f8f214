"""outputs/publish/index.json, the feed for a website's CMS (nianbao.feed): valid
under the committed JSON Schema, sorted, byte-identical on rebuild, and listing
exactly the files the publish index page links.  No kernel: the published files
are stand-ins written by the test."""

from __future__ import annotations

import copy
import hashlib
import json
import re
from pathlib import Path

import jsonschema
import pytest

from nianbao import site
from nianbao.build.records import to_json
from nianbao.engine import check_project
from nianbao.feed import schema
from nianbao.testing import ProjectBuilder

REPO = Path(__file__).resolve().parents[1]
DEPARTMENTS = (("beta", "示例区乙局", "示例区"), ("alpha", "示例区甲局", "示例区"), ("gamma", "另一区丙局", "另一区"))


def _publish(root: Path, year: int, dept: str, names=("report.html", "report.fragment.html", "report.pdf"), date=None):
    folder = root / "outputs" / "publish" / str(year) / dept
    folder.mkdir(parents=True)
    for name in names:
        (folder / name).write_bytes(f"{year} {dept} {name}".encode())
    if date:
        record = root / "outputs" / "runs" / "publish" / str(year) / dept
        record.mkdir(parents=True)
        (record / "manifest.json").write_bytes(to_json({"parameters": {"publication_date": date}, "status": "ok"}))


@pytest.fixture
def project(tmp_path):
    builder = ProjectBuilder(tmp_path, DEPARTMENTS)
    for dept in ("alpha", "beta", "gamma"):
        builder.add(dept, 2021, size=10)
        builder.add(dept, 2022, size=10)
    _publish(tmp_path, 2022, "beta", date="2023-01-18")
    _publish(tmp_path, 2021, "alpha", date="2022-01-20")
    _publish(tmp_path, 2022, "alpha", names=("report.html",))  # built with --to html: no PDF, no manifest
    _publish(tmp_path, 2021, "gamma", date="2022-01-31")
    # 2021 beta and 2022 gamma were not published: not listed.
    return builder.project()


def _write(project) -> Path:
    site.write_sites(project, check_project(project), [], "publish")
    return project.root / "outputs" / "publish"


def test_the_feed_validates_against_the_committed_schema_and_lists_every_published_report(project):
    publish = _write(project)
    feed = json.loads((publish / "index.json").read_text(encoding="utf-8"))
    jsonschema.validate(feed, schema())
    reports = feed["reports"]
    assert [(r["year"], r["department"]["id"]) for r in reports] == [
        (2021, "alpha"), (2021, "gamma"), (2022, "alpha"), (2022, "beta"),
    ]
    first = reports[0]
    assert first["department"] == {"id": "alpha", "name": "示例区甲局"} and first["region"] == "示例区"
    assert first["title"] == "示例区甲局2021年政府信息公开工作年度报告"
    # The date the report was built with (its manifest), not today's settings.
    assert [r["publication_date"] for r in reports] == ["2022-01-20", "2022-01-31", "2023-01-20", "2023-01-18"]
    assert set(reports[2]["files"]) == {"html"}  # only the files that exist
    for report in reports:
        for entry in report["files"].values():
            assert entry["sha256"] == hashlib.sha256((publish / entry["path"]).read_bytes()).hexdigest()


def test_the_feed_is_byte_identical_on_rebuild_and_follows_a_changed_file(project):
    publish = _write(project)
    first = (publish / "index.json").read_bytes()
    assert _write(project) and (publish / "index.json").read_bytes() == first
    pdf = publish / "2021" / "gamma" / "report.pdf"
    pdf.write_bytes(b"a new PDF")
    feed = json.loads(_write(project).joinpath("index.json").read_text(encoding="utf-8"))
    gamma = next(r for r in feed["reports"] if r["department"]["id"] == "gamma")
    assert gamma["files"]["pdf"]["sha256"] == hashlib.sha256(b"a new PDF").hexdigest()


def test_the_publish_index_page_links_the_same_files_as_the_feed(project):
    publish = _write(project)
    feed = json.loads((publish / "index.json").read_text(encoding="utf-8"))
    page = (publish / "index.html").read_text(encoding="utf-8")
    linked = set(re.findall(r'href="([^"]+)"', page))
    listed = {entry["path"] for report in feed["reports"] for entry in report["files"].values()}
    assert linked == listed and len(listed) == 10


def test_the_schema_rejects_what_a_cms_could_not_import(project):
    publish = _write(project)
    good = json.loads((publish / "index.json").read_text(encoding="utf-8"))
    breakages = [
        lambda f: f["reports"][0]["files"]["html"].pop("sha256"),
        lambda f: f["reports"][0]["files"]["html"].update(sha256="not-a-hash"),
        lambda f: f["reports"][0]["files"].pop("html"),
        lambda f: f["reports"][0].update(publication_date="2022/01/20"),
        lambda f: f["reports"][0].update(year="2021"),
        lambda f: f["reports"][0]["files"]["html"].update(path="../../etc/passwd"),
    ]
    for breakage in breakages:
        bad = copy.deepcopy(good)
        breakage(bad)
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema())


def test_the_schema_is_valid_shipped_and_in_the_readme():
    jsonschema.Draft202012Validator.check_schema(schema())
    assert "src/nianbao/static/index.schema.json" in (REPO / "README.md").read_text(encoding="utf-8")


def test_no_feed_without_a_publish_folder(tmp_path):
    builder = ProjectBuilder(tmp_path)
    builder.add("demo", 2021, size=10)
    project = builder.project()
    site.write_sites(project, check_project(project), [], "draft")
    assert not (tmp_path / "outputs" / "publish").exists()
