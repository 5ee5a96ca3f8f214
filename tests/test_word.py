"""The Word file for sign-off (nianbao.word): every official table read back by
python-docx equals the CSVs, with the grid's merged cells, header rows repeated
and rows unsplit; charts as pictures with their alt text; the draft mark and
panel in a draft only; official-document page set-up and fonts; byte-identical
rebuilds; the nbconvert exporter ``nianbao_docx``; ``--to docx``; LibreOffice
Writer's PDF of the file holds every number.  No kernel: the page is exported
from ``Report.parts()`` as the kernel would display them."""

from __future__ import annotations

import datetime as dt
import html as htmllib
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from conftest import report_notebook
from nianbao import cli, site
from nianbao import formats as F
from nianbao import grids as G
from nianbao.datafiles import format_number
from nianbao.engine import check_project
from nianbao.export import ReportHTMLExporter
from nianbao.report import open_report
from nianbao.testing import ProjectBuilder
from nianbao.word import DRAFT_HEADER, ReportWordExporter, html_to_docx

pytestmark = pytest.mark.word  # each module fixture renders reports and Word files: a slow kind

DEPT = "demo"
REPORTS = {2020: ("publish", dt.date(2021, 1, 20)), 2021: ("draft", dt.date(2022, 1, 25))}  # 2019 and 2021 formats


class Sample:
    def __init__(self, builder: ProjectBuilder, year: int):
        mode, published = REPORTS[year]
        self.year, self.format = year, F.format_for_year(year)
        self.report = open_report(DEPT, year, builder.root, mode, published.isoformat())
        self.notebook = report_notebook(self.report)
        self.html = ReportHTMLExporter().from_notebook_node(self.notebook)[0]
        self.submission = check_project(builder.project()).submissions[(year, DEPT)]  # read from the CSVs
        self.data = self.build()
        self.document = docx.Document(io.BytesIO(self.data))

    def build(self) -> bytes:
        return html_to_docx(self.html, title=self.report.title, author=self.report.department.name, year=self.year,
                            publication_date=REPORTS[self.year][1])


@pytest.fixture(scope="module")
def samples(tmp_path_factory):
    builder = ProjectBuilder(tmp_path_factory.mktemp("word"))
    builder.add(DEPT, 2020, size=60)
    builder.add(DEPT, 2021, size=45, fee_notices=2)
    # A draft with an unbalanced total: its panel lists the finding, the cell is shaded.
    total = builder.values[(DEPT, 2021)][(F.APPLICATIONS, F.OUTCOME_TOTAL, F.NATURAL_PERSON)]
    builder.set_cell(DEPT, 2021, F.APPLICATIONS, F.OUTCOME_TOTAL, F.NATURAL_PERSON, str(total + 1))
    return {year: Sample(builder, year) for year in REPORTS}


@pytest.fixture(params=list(REPORTS), ids=["V2019", "V2021"])
def sample(request, samples) -> Sample:
    return samples[request.param]


OFFICIAL = (F.DISCLOSURE, F.APPLICATIONS, F.REVIEW)


def caption(table) -> str | None:
    found = table._tbl.tblPr.find(qn("w:tblCaption"))
    return None if found is None else found.get(qn("w:val"))


def official_tables(sample):
    """(grid, Word table) of each official table, found by its caption (the section's heading)."""
    captions = dict(zip(OFFICIAL, F.SECTION_HEADINGS[1:4], strict=True))
    by_caption = {caption(t): t for t in sample.document.tables if caption(t)}
    assert set(by_caption) == set(captions.values())
    return [(G.grid(sample.format, name), by_caption[captions[name]]) for name in OFFICIAL]


def test_every_official_table_reads_back_equal_to_the_csvs(sample):
    pairs = official_tables(sample)
    assert len(pairs) == 3
    for grid, table in pairs:
        assert (len(table.rows), len(table.columns)) == (grid.height, grid.width), grid.table
        for cell in grid.cells:
            read = table.cell(cell.row, cell.col)
            if cell.kind == G.VALUE:
                assert cell.key is not None
                expected = format_number(sample.submission.value(*cell.key), cell.domain)
                assert read.text == expected, (grid.table, cell.key)
            else:
                assert read.text == cell.text, (grid.table, cell.row, cell.col)


def test_merged_cells_are_the_grids(sample):
    for grid, table in official_tables(sample):
        for cell in grid.cells:
            top_left = table.cell(cell.row, cell.col)._tc
            for r in range(cell.row, cell.row + cell.rows):
                for c in range(cell.col, cell.col + cell.cols):
                    assert table.cell(r, c)._tc is top_left, (grid.table, cell.row, cell.col, r, c)
        cells = [table.cell(r, c)._tc for r in range(grid.height) for c in range(grid.width)]  # held: ids stay unique
        assert len({id(tc) for tc in cells}) == len(grid.cells), grid.table  # no merge the grid does not have


def test_header_rows_repeat_and_no_row_splits(sample):
    for grid, table in official_tables(sample):
        for index, row in enumerate(table.rows):
            properties = row._tr.trPr
            assert properties is not None and properties.find(qn("w:cantSplit")) is not None, (grid.table, index)
            assert (properties.find(qn("w:tblHeader")) is not None) == (index < grid.header_rows), (grid.table, index)
    assert any(grid.header_rows for grid, _ in official_tables(sample))


def test_charts_are_pictures_with_their_alt_text(sample):
    alts = [htmllib.unescape(a) for a in re.findall(r'<img [^>]*alt="([^"]+)"', sample.html)]
    shapes = sample.document.inline_shapes
    assert len(shapes) == len(alts) >= 3
    assert [shape._inline.docPr.get("descr") for shape in shapes] == alts


def test_draft_mark_and_panel_only_in_the_draft(samples):
    draft, published = samples[2021], samples[2020]
    header = draft.document.sections[0].header.paragraphs[0].text
    assert header == DRAFT_HEADER
    draft_text = "\n".join(p.text for p in draft.document.paragraphs)
    assert DRAFT_HEADER in draft_text and "数据校验" in draft_text and "R3" in xml_text(draft.data)
    published_text = xml_text(published.data)
    assert "草稿" not in published_text and "数据校验" not in published_text
    assert not published.document.sections[0].header.paragraphs[0].text
    # The flagged cell is shaded in the draft, as the page frames it.
    assert 'w:fill="FFD6D6"' in xml_text(draft.data) and 'w:fill="FFD6D6"' not in published_text


def xml_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "".join(archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith(".xml"))


def test_official_document_style(sample):
    document = sample.document
    section = document.sections[0]
    def mm(length) -> float:
        return round(length / Mm(1), 1)  # Word stores twentieths of a point

    assert (mm(section.page_width), mm(section.page_height)) == (210, 297)
    assert (mm(section.top_margin), mm(section.left_margin)) == (37, 28)
    assert mm(section.page_width - section.left_margin - section.right_margin) == 156  # the type area
    assert mm(section.page_height - section.top_margin - section.bottom_margin) == 225
    normal = document.styles["Normal"]
    assert normal.font.size == Pt(16) and normal.element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋"
    assert document.styles["Heading 1"].element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"
    title = next(p for p in document.paragraphs if p.text == sample.report.title)
    assert title.runs[0].element.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    footers = xml_text(sample.data)
    assert "— " in footers and "PAGE" in footers and document.settings.odd_and_even_pages_header_footer
    assert sample.report.department.name in [p.text for p in document.paragraphs]  # the signature


def test_byte_identical_rebuild_with_fixed_dates(sample):
    assert sample.build() == sample.data
    day = REPORTS[sample.year][1]
    with zipfile.ZipFile(io.BytesIO(sample.data)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(day.year, day.month, day.day, 0, 0, 0)}
    core = sample.document.core_properties
    midnight_in_china = dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert core.created == core.modified == midnight_in_china
    assert core.title == sample.report.title and core.author == sample.report.department.name


def test_exporter_nianbao_docx_makes_the_same_file(samples):
    sample = samples[2021]
    output, resources = ReportWordExporter().from_notebook_node(sample.notebook)
    assert resources["output_extension"] == ".docx" and output == sample.data


def test_docx_is_asked_for_not_a_default():
    assert cli.parse_kinds("html,pdf,docx", default=cli.BUILD_KINDS) == ("html", "pdf", "docx")
    assert cli.parse_kinds("", default=cli.BUILD_KINDS) == ("html", "pdf")
    with pytest.raises(cli.UsageError, match="docx"):
        cli.parse_kinds("docx", default=cli.BUILD_KINDS)  # made from the page: html is needed


def test_the_draft_index_links_the_word_file(tmp_path):
    builder = ProjectBuilder(tmp_path)
    builder.add(DEPT, 2021, size=10)
    folder = tmp_path / "outputs" / "draft" / "2021" / DEPT
    folder.mkdir(parents=True)
    (folder / "report.html").write_text("x", encoding="utf-8")
    (folder / "report.docx").write_bytes(b"x")
    project = builder.project()
    site.write_sites(project, check_project(project), [], "draft")
    page = (tmp_path / "outputs" / "draft" / "index.html").read_text(encoding="utf-8")
    assert 'href="2021/demo/report.docx"' in page


def _writer_available() -> bool:
    writer = Path("/usr/lib/libreoffice/program/libswlo.so")  # what libreoffice-writer-nogui installs
    return shutil.which("soffice") is not None and shutil.which("pdftotext") is not None and writer.exists()


@pytest.mark.soffice
@pytest.mark.skipif(not _writer_available(),
                    reason="LibreOffice Writer is not installed: apt-get install libreoffice-writer-nogui poppler-utils")
def test_libreoffice_prints_every_number_of_the_word_file(sample, tmp_path):
    """As an office prints the Word file (WPS/Word; LibreOffice stands in): every
    figure of the official tables is on the printed pages."""
    path = tmp_path / "report.docx"
    path.write_bytes(sample.data)
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(path)],
        check=True, capture_output=True, timeout=240,
    )
    printed = subprocess.run(["pdftotext", "-layout", str(tmp_path / "report.pdf"), "-"], check=True,
                             capture_output=True, text=True).stdout
    words = set(re.findall(r"-?\d+(?:\.\d+)?", printed.replace("−", "-")))  # negative 本年增/减 too
    for table in OFFICIAL:
        for cell in G.grid(sample.format, table).cells:
            if cell.kind == G.VALUE:
                assert cell.key is not None
                assert format_number(sample.submission.value(*cell.key), cell.domain) in words, cell.key


@pytest.mark.kernel
def test_every_sample_department_year_has_a_word_file_whose_tables_equal_its_csvs(sample_site):
    """The whole sample district built with --to html,pdf,docx (the session's shared build): each
    department-year's Word file sits with its run records, never in the upload folder, and
    every official table reads back equal to its CSVs."""
    from nianbao import paths
    from nianbao.project import load_project

    project = load_project(sample_site)
    run = check_project(project)
    assert not list((sample_site / "outputs" / "publish").rglob("*.docx"))
    checked = 0
    for year, dept in project.submitted():
        document = docx.Document(paths.record_dir(sample_site, "publish", year, dept) / "report.docx")
        by_caption = {caption(t): t for t in document.tables if caption(t)}
        fmt = F.format_for_year(year)
        for name, heading in zip(OFFICIAL, F.SECTION_HEADINGS[1:4], strict=True):
            table = by_caption[heading]
            for cell in G.grid(fmt, name).cells:
                if cell.kind == G.VALUE:
                    assert cell.key is not None
                    expected = format_number(run.submissions[(year, dept)].value(*cell.key), cell.domain)
                    assert table.cell(cell.row, cell.col).text == expected, (year, dept, cell.key)
        checked += 1
    assert checked == len(project.submitted()) >= 54
