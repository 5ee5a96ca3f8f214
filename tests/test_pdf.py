"""The PDF (nianbao.pdf): official labels and numbers as real text, the kit's own
fonts only, PDF/A identification and metadata, the source data attached,
byte-identical rebuilds, paged layout (rows never split, headers repeated,
headings never stranded), and the nbconvert exporter ``nianbao_pdf``.

No kernel: the exported page is made from ``Report.parts()`` put into notebook
outputs exactly as the kernel would display them, then run through the same
exporter as a real notebook.  Pages 1–2 of each sample are kept as PNG for
people to look at (the ``artifacts`` fixture: NIANBAO_TEST_ARTIFACTS or a
temporary folder).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from conftest import report_notebook
from nianbao import formats as F
from nianbao import grids as G
from nianbao import pdf as P
from nianbao import printpage as PP
from nianbao.datafiles import format_number
from nianbao.export import ReportHTMLExporter
from nianbao.report import open_report
from nianbao.testing import ProjectBuilder

pikepdf = pytest.importorskip("pikepdf")
pytestmark = [
    pytest.mark.pdf,
    pytest.mark.skipif(
        not all(shutil.which(tool) for tool in ("pdftotext", "pdffonts", "pdftoppm")), reason="poppler-utils missing"
    ),
]

DEPT = "demo"
V2019_YEAR, V2021_YEAR = 2020, 2021
PUBLISHED = {V2019_YEAR: dt.date(2021, 1, 20), V2021_YEAR: dt.date(2022, 1, 25)}
MODES = {V2019_YEAR: "publish", V2021_YEAR: "draft"}
KIT_FONTS = {"NotoSansSC-Regular", "NotoSerifSC-Regular"}


# ---------------------------------------------------------------------------
# Building the page and the PDF without a kernel
# ---------------------------------------------------------------------------


def sources(root: Path, year: int) -> dict[str, bytes]:
    folder = root / "data" / str(year) / DEPT
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


class Sample:
    def __init__(self, builder: ProjectBuilder, year: int):
        self.builder, self.year = builder, year
        self.report = open_report(DEPT, year, builder.root, MODES[year], PUBLISHED[year].isoformat())
        self.notebook = report_notebook(self.report)
        self.html = ReportHTMLExporter().from_notebook_node(self.notebook)[0]
        self.attachments = {
            **sources(builder.root, year),
            "manifest.json": f'{{"department": "{DEPT}", "year": {year}}}\n'.encode(),
        }
        self.pdf = self.build()
        self.values = builder.values[(DEPT, year)]
        self.format = F.format_for_year(year)

    def build(self) -> bytes:
        return P.html_to_pdf(self.html, **self.arguments())

    def arguments(self) -> dict:
        return {
            "title": self.report.title,
            "author": self.report.department.name,
            "subject": "政府信息公开工作年度报告",
            "publication_date": PUBLISHED[self.year],
            "attachments": self.attachments,
        }


@pytest.fixture(scope="module")
def builder(tmp_path_factory):
    builder = ProjectBuilder(tmp_path_factory.mktemp("pdf"))
    builder.add(DEPT, V2019_YEAR, size=60)
    builder.add(DEPT, V2021_YEAR, size=45, fee_notices=2)
    return builder


@pytest.fixture(scope="module")
def samples(builder):
    return {year: Sample(builder, year) for year in (V2019_YEAR, V2021_YEAR)}


@pytest.fixture(params=[V2019_YEAR, V2021_YEAR], ids=["V2019", "V2021"])
def sample(request, samples) -> Sample:
    return samples[request.param]


def write(tmp_path, data: bytes, name="report.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def run(*command, env=None) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout


def pdf_text(path: Path, *pages) -> str:
    """pdftotext in content order (-raw): cells come out row by row."""
    first_last = ["-f", str(pages[0]), "-l", str(pages[-1])] if pages else []
    return run("pdftotext", "-raw", "-enc", "UTF-8", *first_last, str(path), "-")


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pdffonts(path: Path) -> list[dict]:
    lines = run("pdffonts", str(path)).splitlines()[2:]
    fonts = []
    for line in lines:
        # name, type (may contain spaces), encoding, emb, sub, uni, object, id
        match = re.match(r"^(\S+)\s+(.+?)\s{2,}(\S+)\s+(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+$", line)
        assert match, line
        name, kind, encoding, emb, sub, uni = match.groups()
        fonts.append({"name": name, "type": kind, "emb": emb == "yes", "uni": uni == "yes"})
    return fonts


# ---------------------------------------------------------------------------
# Text: every official label, every number in row order
# ---------------------------------------------------------------------------


def official_labels(fmt: F.Format) -> list[str]:
    labels = [*F.SECTION_HEADINGS, F.BALANCE_NOTE, F.APPLICANT_HEADER, F.ORGANISATION_HEADER, *F.APPLICATION_COLUMNS]
    labels += [F.RESULTS, F.WITHHELD, F.UNABLE, F.NOT_HANDLED, F.OTHER]
    labels += list(fmt.application_labels)
    labels += [F.REVIEW_HEADER, F.LITIGATION_HEADER, *F.REVIEW_ROWS[1:], *F.REVIEW_COLUMNS]
    labels += [F.DISCLOSURE_ROW_HEADER]
    for item in fmt.disclosure:
        labels += [item.article, *item.rows, *(column.label for column in item.columns)]
    return labels


def test_text_has_every_official_label(sample, tmp_path):
    text = squeeze(pdf_text(write(tmp_path, sample.pdf)))
    missing = [label for label in official_labels(sample.format) if squeeze(label) not in text]
    assert not missing
    assert squeeze(sample.report.title) in text


def test_text_has_the_table_numbers_in_row_order(sample, tmp_path):
    text = squeeze(pdf_text(write(tmp_path, sample.pdf)))
    values = sample.values
    for label in sample.format.application_labels:
        numbers = "".join(str(values[(F.APPLICATIONS, label, column)]) for column in F.APPLICATION_COLUMNS)
        assert squeeze(label) + numbers in text, label
    for item in sample.format.disclosure:
        for row in item.rows:
            numbers = "".join(format_number(values[(F.DISCLOSURE, row, c.label)], c.domain) for c in item.columns)
            assert squeeze(row) + numbers in text, row
    review = "".join(str(values[(F.REVIEW, row, column)]) for row in F.REVIEW_ROWS for column in F.REVIEW_COLUMNS)
    assert review in text


def test_draft_mark_heads_every_page_and_publish_has_none(samples, tmp_path):
    draft = write(tmp_path, samples[V2021_YEAR].pdf, "draft.pdf")
    pages = int(re.search(r"Pages:\s+(\d+)", run("pdfinfo", str(draft)))[1])
    assert pages >= 2
    for page in range(1, pages + 1):
        assert "草稿·未经审核，不得发布" in squeeze(pdf_text(draft, page)), page
    published = squeeze(pdf_text(write(tmp_path, samples[V2019_YEAR].pdf, "publish.pdf")))
    assert "不得发布" not in published and "数据校验" not in published


def test_a4_pages_numbered_n_of_m(sample, tmp_path):
    path = write(tmp_path, sample.pdf)
    info = run("pdfinfo", str(path))
    assert "(A4)" in info
    pages = int(re.search(r"Pages:\s+(\d+)", info)[1])
    for page in range(1, pages + 1):
        assert f"第{page}页共{pages}页" in squeeze(pdf_text(path, page))



def test_the_header_and_page_number_span_exactly_the_text_width(samples):
    # print.css gives the margin boxes the text width (so WeasyPrint need not
    # measure their text on every page); were the page margins to change
    # without it, this fails.
    document = P.paginate(samples[V2021_YEAR].html)
    boxes = [(page._page_box, box) for page in document.pages for box in page._page_box.children
             if getattr(box, "at_keyword", None) in ("@top-center", "@bottom-center")]
    assert {box.at_keyword for _, box in boxes} == {"@top-center", "@bottom-center"}  # a draft: both
    for page, box in boxes:
        assert box.margin_width() == pytest.approx(page.width)
        assert box.position_x == pytest.approx(page.margin_left)

# ---------------------------------------------------------------------------
# Fonts: embedded, no Type 3, only the kit's own, even with no system CJK font
# ---------------------------------------------------------------------------


def test_fonts_are_the_kits_embedded_cid_fonts(sample, tmp_path):
    fonts = pdffonts(write(tmp_path, sample.pdf))
    assert fonts
    for font in fonts:
        assert font["emb"] and font["uni"], font
        assert "Type 3" not in font["type"], font
        assert font["name"].split("+")[-1] in KIT_FONTS, font
    assert {f["name"].split("+")[-1] for f in fonts} == KIT_FONTS  # serif body, sans headings


NO_FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig><dir>{fonts}</dir><cachedir>{cache}</cachedir></fontconfig>
"""

RENDER_IN_SUBPROCESS = """
import datetime as dt, json, sys
from pathlib import Path
from nianbao.pdf import html_to_pdf
folder = Path(sys.argv[1])
args = json.loads((folder / "args.json").read_text())
attachments = {name: (folder / "att" / name).read_bytes() for name in args.pop("attachments")}
args["publication_date"] = dt.date.fromisoformat(args["publication_date"])
html = (folder / "page.html").read_text(encoding="utf-8")
(folder / "out.pdf").write_bytes(html_to_pdf(html, attachments=attachments, **args))
"""


def test_renders_the_same_with_no_cjk_font_visible_to_fontconfig(samples, tmp_path):
    import json

    sample = samples[V2021_YEAR]
    (tmp_path / "empty").mkdir()
    conf = tmp_path / "fonts.conf"
    conf.write_text(NO_FONTS_CONF.format(fonts=tmp_path / "empty", cache=tmp_path / "cache"), encoding="utf-8")
    env = {**os.environ, "FONTCONFIG_FILE": str(conf)}
    if shutil.which("fc-list"):
        assert run("fc-list", env=env).strip() == ""  # really no font at all
    (tmp_path / "page.html").write_text(sample.html, encoding="utf-8")
    (tmp_path / "att").mkdir()
    for name, data in sample.attachments.items():
        (tmp_path / "att" / name).write_bytes(data)
    args = {**sample.arguments(), "attachments": sorted(sample.attachments)}
    args["publication_date"] = args["publication_date"].isoformat()
    (tmp_path / "args.json").write_text(json.dumps(args, ensure_ascii=False), encoding="utf-8")
    subprocess.run([sys.executable, "-c", RENDER_IN_SUBPROCESS, str(tmp_path)], check=True, env=env)
    isolated = tmp_path / "out.pdf"
    assert {f["name"].split("+")[-1] for f in pdffonts(isolated)} == KIT_FONTS
    # Not just the same fonts: the very same file as with the system's fonts present.
    assert isolated.read_bytes() == sample.pdf


# ---------------------------------------------------------------------------
# Archival: PDF/A identification, output intent, metadata, attachments
# ---------------------------------------------------------------------------


def test_pdfa_identification_output_intent_and_metadata(sample):
    with pikepdf.open(io.BytesIO(sample.pdf)) as doc:
        meta = doc.open_metadata()
        assert meta["pdfaid:part"] == "3" and meta["pdfaid:conformance"] == "A"  # tagged (level A)
        assert meta["dc:title"] == sample.report.title
        assert list(meta["dc:creator"]) == [sample.report.department.name]
        assert meta["dc:description"] == "政府信息公开工作年度报告"
        assert "zh-CN" in meta["dc:language"]
        date = PUBLISHED[sample.year].isoformat()
        assert meta["xmp:CreateDate"] == meta["xmp:ModifyDate"] == f"{date}T00:00:00+08:00"
        info = doc.docinfo
        assert str(info.Title) == sample.report.title
        assert str(info.Author) == sample.report.department.name
        assert str(info.Subject) == "政府信息公开工作年度报告"
        stamp = date.replace("-", "")
        assert str(info.CreationDate) == str(info.ModDate) == f"D:{stamp}000000+08'00'"
        assert str(doc.Root.Lang) == "zh-CN"
        (intent,) = doc.Root.OutputIntents
        assert intent.S == "/GTS_PDFA1" and "sRGB" in str(intent.OutputConditionIdentifier)
        assert intent.DestOutputProfile.read_bytes()[36:40] == b"acsp"  # an ICC profile
        assert len(doc.trailer.ID) == 2
        assert doc.pdf_version == "1.7"


def test_attachments_are_the_source_files_with_fixed_dates(sample):
    with pikepdf.open(io.BytesIO(sample.pdf)) as doc:
        attached = doc.attachments
        assert sorted(attached) == sorted(sample.attachments)
        utc = dt.datetime.combine(PUBLISHED[sample.year], dt.time(), dt.timezone(dt.timedelta(hours=8)))
        expected_date = utc.astimezone(dt.UTC).strftime("D:%Y%m%d%H%M%SZ")
        for name, data in sample.attachments.items():
            embedded = attached[name].get_file()
            assert embedded.read_bytes() == data, name
            params = embedded.obj.Params
            assert str(params.CreationDate) == str(params.ModDate) == expected_date
            relationship = "/Data" if name == "manifest.json" else "/Source"
            assert attached[name].obj.AFRelationship == relationship
        mimes = {name: str(attached[name].get_file().obj.Subtype) for name in attached}
        assert mimes["manifest.json"] == "/application/json"
        assert all(mimes[n] == "/text/csv" for n in mimes if n.endswith(".csv"))
        # PDF/A-3: each attachment is an associated file of the document, once.
        af = [item.objgen for item in doc.Root.AF]
        assert len(af) == len(set(af)) == len(sample.attachments)


# ---------------------------------------------------------------------------
# Tagged (PDF/A-3a): a screen reader gets the tables' structure, the charts' text
# ---------------------------------------------------------------------------


def structure(node):
    """The structure elements under ``node``, depth first, in document order."""
    kids = node.get("/K")
    kids = list(kids) if isinstance(kids, pikepdf.Array) else [] if kids is None else [kids]
    for kid in kids:
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            yield kid
            yield from structure(kid)


def official_table_parts(sample) -> list[str]:
    """The official tables (by name) of each page in turn: WeasyPrint tags a table
    that spans pages as one Table per page, each with its repeated header."""
    document = P.paginate(PP.title_lines(sample.html, sample.report.title, sample.report.department.name))
    parts = []
    for page in document.pages:
        laid_out = dict.fromkeys(element for element, _ in page_elements(page))  # a table's wrapper box is its element too
        parts += [e.get("class").split()[1] for e in laid_out if e.tag == "table" and e.get("class", "").startswith("official ")]
    return parts


def test_tagged_with_a_table_of_header_cells_for_each_official_table(sample, tmp_path):
    assert re.search(r"^Tagged:\s+yes$", run("pdfinfo", str(write(tmp_path, sample.pdf))), re.M)
    with pikepdf.open(io.BytesIO(sample.pdf)) as doc:
        assert str(doc.Root.Lang) == "zh-CN" and bool(doc.Root.MarkInfo.Marked)
        elements = list(structure(doc.Root.StructTreeRoot))
        tables = [e for e in elements if e.S == "/Table"]
        parts = official_table_parts(sample)
        assert len(tables) == len(parts) and dict.fromkeys(parts) == dict.fromkeys((F.DISCLOSURE, F.APPLICATIONS, F.REVIEW))
        for name in dict.fromkeys(parts):
            grid = G.grid(sample.format, name)
            mine = [table for table, part in zip(tables, parts, strict=True) if part == name]
            headers = [c for table in mine for c in structure(table) if c.S == "/TH"]
            values = [c for table in mine for c in structure(table) if c.S == "/TD"]
            # Its grid's header cells as TH (each merged cell once, with its span), its
            # header rows again on every further page; its numbers as TD.
            repeated = [c for c in grid.cells if c.kind != G.VALUE and c.row < grid.header_rows] * (len(mine) - 1)
            labels = [c for c in grid.cells if c.kind != G.VALUE] + repeated
            assert len(headers) == len(labels), name
            assert sorted(int(c.A.get("/ColSpan", 1)) for c in headers) == sorted(c.cols for c in labels), name
            assert len(values) == len(grid.values()), name
        assert [e.S for e in elements].count("/H1") == 1 and "/H2" in [e.S for e in elements]


def test_every_figure_has_its_chart_text_as_alt(sample):
    alts = re.findall(r'<img [^>]*alt="([^"]+)"', sample.html)
    with pikepdf.open(io.BytesIO(sample.pdf)) as doc:
        figures = [e for e in structure(doc.Root.StructTreeRoot) if e.S == "/Figure"]
    assert len(figures) == len(alts) >= 3
    from html import unescape

    assert [str(f.Alt) for f in figures] == [unescape(a) for a in alts]


# ---------------------------------------------------------------------------
# Reproducible
# ---------------------------------------------------------------------------


def test_byte_identical_rebuild(sample):
    assert sample.build() == sample.pdf
    P._setup.cache_clear()  # a fresh process's font set-up gives the same bytes too
    assert sample.build() == sample.pdf


def test_print_styles_override_the_reports_own_and_are_parsed_once(samples):
    page = samples[V2021_YEAR].html

    def font_sizes(document) -> dict[str, float]:
        sizes = {}
        for box in document.pages[0]._page_box.descendants():
            tag = getattr(box, "element_tag", None)
            if tag in ("h1", "p") and tag not in sizes:
                sizes[tag] = box.style["font_size"]
        return sizes

    P.paginate(page)
    parsed = P._parsed_stylesheet.cache_info().misses
    # print.css: title 二号 22pt, body 四号 14pt (report.css alone: 1.5em and 11pt); in CSS px
    assert font_sizes(P.paginate(page)) == pytest.approx({"h1": 22 * 4 / 3, "p": 14 * 4 / 3})
    assert P._parsed_stylesheet.cache_info().misses == parsed, "the page's styles and print.css are parsed once"


@pytest.mark.parametrize("reference", [
    '<img src="file:///etc/hostname" alt="x">',
    '<img src="https://example.invalid/x.png" alt="x">',
    '<link rel="stylesheet" href="file:///etc/hostname">',
])
def test_a_page_referring_outside_itself_gets_a_clear_error_and_no_pdf(reference):
    # The exporter's sanitiser removes such references from every page; a page
    # handed to html_to_pdf directly must not pull anything in either.
    with pytest.raises(P.PDFError) as refused:
        P.html_to_pdf(f"<html><body><p>甲</p>{reference}</body></html>", title="t", author="a",
                      publication_date=dt.date(2025, 1, 20))
    message = str(refused.value)
    assert "不引用页面之外的资源" in message and re.search(r"(file|https)://", message)
    assert "Traceback" not in message and "AttributeError" not in message


def test_an_inline_image_whose_data_is_cut_short_gets_its_own_clear_error():
    with pytest.raises(P.PDFError) as broken:
        P.html_to_pdf('<html><body><p>甲</p><img src="data:image/png;base64,iVBORw0KGgo" alt="x"></body></html>',
                      title="t", author="a", publication_date=dt.date(2025, 1, 20))
    message = str(broken.value)
    assert "内嵌的图片" in message and "重新运行生成这张图片的单元格" in message
    assert "页面之外" not in message  # not mistaken for an outside reference


def test_the_callers_garbage_collection_setting_is_kept(samples):
    import gc

    sample = samples[V2021_YEAR]
    try:
        for enabled in (False, True):
            (gc.enable if enabled else gc.disable)()
            assert sample.build() == sample.pdf
            assert gc.isenabled() is enabled
    finally:
        gc.enable()


def test_other_publication_date_changes_only_the_dates(samples):
    sample = samples[V2021_YEAR]
    other = P.html_to_pdf(sample.html, **{**sample.arguments(), "publication_date": dt.date(2022, 2, 1)})
    assert other != sample.pdf
    with pikepdf.open(io.BytesIO(other)) as doc:
        assert str(doc.docinfo.CreationDate).startswith("D:20220201")


# ---------------------------------------------------------------------------
# Paged layout: rows never split, the header on every page, no stranded heading
# ---------------------------------------------------------------------------


def page_elements(page):
    """Every (element, ancestor elements) laid out on a page, in document order."""
    found = []

    def walk(box, ancestors):
        element = getattr(box, "element", None)
        if element is not None:
            found.append((element, ancestors))
            if not ancestors or ancestors[-1] is not element:
                ancestors = (*ancestors, element)
        for child in getattr(box, "children", ()) or ():
            walk(child, ancestors)

    walk(page._page_box, ())
    return found


FILLER = "<p>" + "本段为排版测试所加的填充文字，用于把表格推到分页处。" * 6 + "</p>"


@pytest.mark.parametrize("filler", [0, 3, 6, 9, 12])
def test_tables_keep_rows_whole_and_header_on_every_page(samples, filler):
    sample = samples[V2021_YEAR]
    # Filler paragraphs move the application table across different page breaks.
    html = sample.html.replace('<section id="section-3">', '<section id="section-3">' + FILLER * filler, 1)
    document = P.paginate(html)
    pages_of: dict = {}
    where: dict = {}
    for number, page in enumerate(document.pages):
        elements = page_elements(page)
        for element, ancestors in elements:
            if element.tag == "tr":
                pages_of.setdefault(element, set()).add(number)
                section = next(a.tag for a in reversed(ancestors) if a.tag in ("thead", "tbody"))
                table = next(a for a in reversed(ancestors) if a.tag == "table")
                where[element] = (section, table)
        # A heading is never the last thing on a page.
        last = [e for e, _ in elements if e.tag in ("h1", "h2", "h3", "p", "tr", "figure", "footer")]
        if last and number < len(document.pages) - 1:
            assert last[-1].tag not in ("h1", "h2", "h3"), (filler, number, last[-1].text)
    body_pages, head_pages = {}, {}
    for row, pages in pages_of.items():
        section, table = where[row]
        if section == "tbody":
            assert len(pages) == 1, (filler, row.findtext("th"))  # never split across pages
            body_pages.setdefault(table, set()).update(pages)
        else:
            head_pages.setdefault(table, set()).update(pages)
    applications = next(t for t in body_pages if "applications" in t.get("class", ""))
    assert body_pages[applications] <= head_pages[applications]  # its header on every page it spans


def official_table_boxes(document):
    """(table name, its laid-out table box) of every official table on every page."""
    from weasyprint.formatting_structure import boxes

    for page in document.pages:
        for box in page._page_box.descendants():
            classes = (getattr(box, "element", None) is not None and box.element.get("class", "") or "").split()
            if isinstance(box, boxes.TableBox) and classes[:1] == ["official"] and classes[1] in G.PRINT_WIDTHS:
                yield classes[1], box


def value_overflows(table) -> list[tuple[str, float, float]]:
    """(text, its width, the cell's text width) of every number wider than its cell."""
    from weasyprint.formatting_structure import boxes

    found = []
    for cell in table.descendants():
        if isinstance(cell, boxes.TableCellBox) and cell.element.tag == "td":
            for text in (box for box in cell.descendants() if isinstance(box, boxes.TextBox)):
                if text.width > cell.width + 0.01:
                    found.append((text.text, text.width, cell.width))
    return found


def test_official_tables_are_laid_out_at_their_declared_column_widths(sample):
    tables = list(official_table_boxes(P.paginate(sample.html)))
    assert {name for name, _ in tables} == set(G.PRINT_WIDTHS)
    for name, table in tables:
        assert "fixed-grid" in table.element.get("class") and table.style["table_layout"] == "fixed"
        share = [100 * width / sum(table.column_widths) for width in table.column_widths]
        assert share == pytest.approx(G.PRINT_WIDTHS[name], abs=0.01), name
        assert not value_overflows(table), name


@pytest.mark.parametrize(("digits", "automatic"), [(3, set()), (4, {F.REVIEW}), (5, {F.APPLICATIONS, F.REVIEW})])
def test_a_table_whose_numbers_do_not_fit_keeps_the_automatic_layout(samples, digits, automatic):
    # At the declared widths the review table's columns hold three digits, the
    # application table's four: a table with a wider number widens its columns as before.
    html = re.sub(r"(<td[^>]*>)[^<]*(</td>)", lambda m: m.group(1) + "9" * digits + m.group(2), samples[V2021_YEAR].html)
    tables = list(official_table_boxes(P.paginate(html)))
    assert {name for name, table in tables if table.style["table_layout"] == "auto"} == automatic
    assert all(not value_overflows(table) for _, table in tables)


def test_only_the_official_tables_get_fixed_widths():
    official = '<table class="official review"><caption>四</caption><tbody><tr><td data-col="x">12</td></tr></tbody></table>'
    other = '<table class="official analyst"><tbody><tr><td>123456789</td></tr></tbody></table>'
    made = PP.fixed_grid_tables(official + other)
    assert made.startswith('<table class="official review fixed-grid"><caption>四</caption><colgroup><col style=')
    assert made.count("<col ") == len(G.PRINT_WIDTHS[F.REVIEW]) and made.endswith(other)
    # Text that is not a number is measured as full-width characters: too wide here.
    blank = official.replace(">12<", ">未填写数字<")
    assert PP.fixed_grid_tables(blank) == blank


def test_the_print_page_drops_only_the_cells_keys(sample):
    page = PP.print_page(sample.html)
    assert "data-row" in sample.html and "data-row" not in page and "data-col" not in page
    assert re.sub(r' data-(?:row|col)="[^"]*"', "", sample.html) == re.sub(
        r'<colgroup>.*?</colgroup>| fixed-grid', "", page)


def findings_panel_tables(findings):
    from weasyprint.formatting_structure import boxes

    from nianbao.html import findings_table

    page = (f'<div class="nianbao-report"><section class="checks"><h2>数据校验</h2>'
            f'{findings_table(findings, "数据校验结果")}</section></div>')
    return [box for p in P.paginate(page).pages for box in p._page_box.descendants() if isinstance(box, boxes.TableBox)]


def test_the_findings_table_is_laid_out_at_fixed_widths_and_nothing_overflows():
    from weasyprint.formatting_structure import boxes

    from nianbao.rules import finding

    path = "data/2024/" + "departmentfolder" * 8 + "/applications.csv"  # 128 letters, no break opportunity
    short = finding("X1", message="上年结转下年度继续办理 4 ≠ 本年上年结转 6")
    findings = [
        finding("INPUT", message=f"{path} 第3行：单元格多于表头的8列，请删除多余的内容。", file=path, line=3),
        finding("R5", message="「自然人」列：「十二」不是有效数字（请用普通数字）。", table=F.APPLICATIONS,
                row=F.V2021.application_labels[0], column=F.NATURAL_PERSON),
        finding("X1", message=short.message, explanation="职责划入。" * 30),
    ] * 4
    tables = findings_panel_tables(findings)
    assert len(tables) >= 1 and all(table.style["table_layout"] == "fixed" for table in tables)
    # The columns do not follow the content: a panel of one short finding has the same.
    assert tables[0].column_widths == pytest.approx(findings_panel_tables([short])[0].column_widths)
    for table in tables:  # the severity and the rule on one line, a path broken anywhere: nothing sticks out
        for cell in (box for box in table.descendants() if isinstance(box, boxes.TableCellBox)):
            wide = [t.text for t in cell.descendants() if isinstance(t, boxes.TextBox) and t.width > cell.width + 0.01]
            assert not wide, wide


def test_the_application_table_does_span_pages_in_some_layout(samples):
    # Guard for the test above: at least one filler makes the table break.
    sample = samples[V2021_YEAR]
    spans = []
    for filler in (0, 3, 6, 9, 12):
        html = sample.html.replace('<section id="section-3">', '<section id="section-3">' + FILLER * filler, 1)
        pages = set()
        for number, page in enumerate(P.paginate(html).pages):
            if any(e.tag == "table" and "applications" in e.get("class", "") for e, _ in page_elements(page)):
                pages.add(number)
        spans.append(len(pages))
    assert max(spans) >= 2


# ---------------------------------------------------------------------------
# The nbconvert exporter
# ---------------------------------------------------------------------------


def test_exporter_makes_the_same_pdf_from_the_notebook(samples, builder):
    sample = samples[V2021_YEAR]
    exporter = P.ReportPDFExporter(project_root=str(builder.root))
    output, resources = exporter.from_notebook_node(sample.notebook)
    assert resources["output_extension"] == ".pdf" and exporter.output_mimetype == "application/pdf"
    data_only = {k: v for k, v in sample.attachments.items() if k != "manifest.json"}
    assert output == P.html_to_pdf(sample.html, **{**sample.arguments(), "attachments": data_only})


def test_exporter_refuses_a_notebook_without_report_metadata():
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("x", outputs=[
        nbformat.v4.new_output("display_data", data={"text/html": "<p>x</p>"})
    ]))
    with pytest.raises(P.PDFError, match="元数据"):
        P.ReportPDFExporter().from_notebook_node(nb)


def test_jupyter_nbconvert_to_nianbao_pdf(samples, builder):
    sample = samples[V2021_YEAR]
    folder = builder.root / "outputs" / "draft" / str(V2021_YEAR) / DEPT
    folder.mkdir(parents=True, exist_ok=True)
    notebook = folder / "report.ipynb"
    nbformat.write(sample.notebook, notebook)
    jupyter = Path(sys.executable).with_name("jupyter")
    subprocess.run([str(jupyter), "nbconvert", "--to", "nianbao_pdf", str(notebook)], check=True,
                   capture_output=True, env={k: v for k, v in os.environ.items() if k != "NIANBAO_PROJECT"})
    produced = (folder / "report.pdf").read_bytes()
    with pikepdf.open(io.BytesIO(produced)) as doc:
        assert str(doc.docinfo.Title) == sample.report.title
        assert sorted(doc.attachments) == sorted(sources(builder.root, V2021_YEAR))  # found above the notebook


# ---------------------------------------------------------------------------
# For people: pages 1–2 as PNG
# ---------------------------------------------------------------------------


def test_pages_1_and_2_as_png_artifacts(sample, tmp_path, artifacts):
    prefix = artifacts / f"pdf-{sample.format.version}-{MODES[sample.year]}"
    for old in artifacts.glob(prefix.name + "-*.png"):
        old.unlink()
    run("pdftoppm", "-r", "100", "-png", "-f", "1", "-l", "2", str(write(tmp_path, sample.pdf)), str(prefix))
    made = sorted(artifacts.glob(prefix.name + "-*.png"))
    assert len(made) == 2 and all(p.stat().st_size > 10_000 for p in made)
    print(f"PDF pages in {artifacts}")
