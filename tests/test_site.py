"""The sites' pages (nianbao.site): rendered from templates/site/ with autoescaping,
one stylesheet (static/site.css) inlined into each, every body through the kit's
sanitiser, and the templates shipped as package data.  No kernel."""

from __future__ import annotations

import tomllib
from pathlib import Path

from nianbao import site
from nianbao.engine import check_project
from nianbao.testing import ProjectBuilder

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "src" / "nianbao"
HOSTILE_NAME = "<script>alert(1)</script>甲局<img src=x onerror=alert(2)>'\"&"
HOSTILE_REGION = 'A区"><iframe src=//evil>'


def _pages(tmp_path) -> dict[str, str]:
    builder = ProjectBuilder(tmp_path, (("alpha", HOSTILE_NAME, HOSTILE_REGION),))
    builder.add("alpha", 2021, size=10)
    project = builder.project()
    (tmp_path / "outputs" / "publish" / "2021" / "alpha").mkdir(parents=True)
    (tmp_path / "outputs" / "publish" / "2021" / "alpha" / "report.html").write_text("x", encoding="utf-8")
    site.write_sites(project, check_project(project), [(2022, "alpha")], "draft")
    out = tmp_path / "outputs"
    names = ("index.html", "draft/index.html", "draft/checks.html", "publish/index.html")
    return {name: (out / name).read_text(encoding="utf-8") for name in names}


def test_every_page_inlines_the_one_stylesheet_and_loads_nothing(tmp_path):
    css = (PACKAGE / "static" / "site.css").read_text(encoding="utf-8")
    for name, page in _pages(tmp_path).items():
        assert page.startswith('<!DOCTYPE html>\n<html lang="zh-CN">'), name
        assert page.count("<style>") == 1 and f"<style>\n{css}</style>" in page, name
        assert "<link" not in page and "<script" not in page and "http" not in page, name


def test_hostile_names_are_escaped_on_every_page(tmp_path):
    pages = _pages(tmp_path)
    for name, page in pages.items():
        for tag in ("<script", "<img src=x", "<iframe"):  # as markup; as escaped text they stay
            assert tag not in page, (name, tag)
    # Shown as text, not dropped: the name and region are still there, escaped.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;甲局" in pages["draft/index.html"]
    assert "A区\"&gt;&lt;iframe src=//evil&gt;" in pages["draft/index.html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;甲局" in pages["publish/index.html"]
    assert 'data-dept="alpha"' in pages["draft/index.html"] and "未提交" in pages["draft/index.html"]


def test_the_pages_are_templates_with_autoescaping():
    env = site._environment()
    assert env.autoescape is True
    assert set(env.list_templates()) >= {
        "base.html.j2", "landing.html.j2", "draft_index.html.j2", "checks.html.j2", "publish_index.html.j2",
    }
    rendered = env.get_template("landing.html.j2").render(
        title="<b>x</b>", stylesheet="", draft=True, publish=False
    )
    assert "<title>&lt;b&gt;x&lt;/b&gt;</title>" in rendered


def test_package_data_ships_the_site_templates_and_stylesheet():
    globs = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["package-data"]["nianbao"]
    shipped = {path for pattern in globs for path in PACKAGE.glob(pattern) if path.is_file()}
    needed = {*(PACKAGE / "templates" / "site").glob("*.j2"), PACKAGE / "static" / "site.css"}
    assert len(needed) >= 6 and needed <= shipped
