"""Pages everyone can read (GB/T 37668-2019, built on WCAG): axe-core's WCAG 2.0
and 2.1 level A and AA rules, none disabled, find no violation on any page the
kit writes, in headless Chromium.

axe-core is the npm package pinned by ``tools/axe-core/package-lock.json``,
installed by ``make axe-core`` (part of ``make test``).  No kernel: the reports'
pages are exported from ``Report.parts()`` as the kernel would display them, one
per format version (the 2019 one published, the 2021 one a draft with findings,
so its draft mark, panel and flagged cells are checked too); the fragment is
checked inside a minimal host page, which supplies the document's title and
language as a CMS page does.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import report_notebook
from nianbao import formats as F
from nianbao import site
from nianbao.engine import check_project
from nianbao.export import ReportFragmentExporter, ReportHTMLExporter
from nianbao.report import open_report
from nianbao.testing import ProjectBuilder

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
AXE = REPO / "tools" / "axe-core" / "node_modules" / "axe-core" / "axe.min.js"
AXE_VERSION = "4.14.1"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
DEPT = "demo"
REPORTS = {2020: ("publish", "2021-01-20"), 2021: ("draft", "2022-01-25")}  # 2019 format, 2021 format
HOST_PAGE = ('<!DOCTYPE html>\n<html lang="zh-CN">\n<head><meta charset="utf-8"><title>政府信息公开工作年度报告</title></head>\n'
             "<body><header><p>某某区人民政府门户网站</p></header><main>{fragment}</main></body>\n</html>\n")


def _report_pages(root: Path, year: int) -> dict[str, str]:
    mode, published = REPORTS[year]
    notebook = report_notebook(open_report(DEPT, year, root, mode, published))
    return {
        "report.html": ReportHTMLExporter().from_notebook_node(notebook)[0],
        "report.fragment.html": ReportFragmentExporter().from_notebook_node(notebook)[0],
    }


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    """name → the file of every kind of page the kit writes."""
    root = tmp_path_factory.mktemp("a11y")
    builder = ProjectBuilder(root)
    builder.add(DEPT, 2020, size=40)
    builder.add(DEPT, 2021, size=40)
    # An unbalanced total: the draft shows its finding in the panel and flags the cell.
    total = builder.values[(DEPT, 2021)][(F.APPLICATIONS, F.OUTCOME_TOTAL, F.NATURAL_PERSON)]
    builder.set_cell(DEPT, 2021, F.APPLICATIONS, F.OUTCOME_TOTAL, F.NATURAL_PERSON, str(total + 1))
    project = builder.project()
    found = {}
    for year, (mode, _) in REPORTS.items():
        folder = root / "outputs" / mode / str(year) / DEPT
        folder.mkdir(parents=True)
        for name, html in _report_pages(root, year).items():
            (folder / name).write_text(html, encoding="utf-8")
        found[f"{mode} {year} report.html"] = folder / "report.html"
        host = folder / "host.html"
        host.write_text(HOST_PAGE.format(fragment=(folder / "report.fragment.html").read_text(encoding="utf-8")),
                        encoding="utf-8")
        found[f"{mode} {year} report.fragment.html in a host page"] = host
    draft = found["draft 2021 report.html"].read_text(encoding="utf-8")
    assert 'class="flag"' in draft and '<section class="checks"' in draft and "<table" in draft.split('class="checks"')[1]
    site.write_sites(project, check_project(project), [(2022, DEPT)], "draft")
    out = root / "outputs"
    for name in ("index.html", "draft/index.html", "draft/checks.html", "publish/index.html"):
        found[name] = out / name
    return found


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium at /usr/bin/chromium")
    if not AXE.is_file():
        pytest.skip(f"axe-core not installed: run `make axe-core` ({AXE.relative_to(REPO)})")
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def axe(browser, path: Path) -> tuple[dict, list[dict]]:
    """(rules run, violations) of axe-core's WCAG 2.x A/AA rules on the page."""
    page = browser.new_page()
    try:
        page.goto(path.as_uri())
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
        return page.evaluate(
            """async (tags) => {
                const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
                return [{version: axe.version, passes: result.passes.length,
                         rules: axe.getRules(tags).length},
                        result.violations.map(v => ({id: v.id, help: v.help,
                                                     nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5)}))];
            }""",
            WCAG_TAGS,
        )
    finally:
        page.close()


def test_every_page_has_no_wcag_a_or_aa_violation(browser, pages):
    assert len(pages) == 8
    failures = {}
    for name, path in pages.items():
        ran, violations = axe(browser, path)
        assert ran["version"] == AXE_VERSION and ran["rules"] >= 50 and ran["passes"] >= 5, (name, ran)
        if violations:
            failures[name] = violations
    assert failures == {}


def test_axe_does_find_what_it_should(browser, tmp_path):
    # Guard for the test above: the same set-up reports a page that breaks the rules.
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><html><body><img src="data:image/png;base64,AA==">'
                   '<p style="color:#ddd;background:#fff">这段文字的颜色太淡，对比度不够。</p>'
                   '<a href="x.html"></a></body></html>', encoding="utf-8")
    _, violations = axe(browser, bad)
    assert {"html-has-lang", "document-title", "image-alt", "color-contrast", "link-name"} <= {v["id"] for v in violations}
