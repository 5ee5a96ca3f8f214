"""Importing published reports as PDF and Word files (issue 17): the round trip
over the sample's own PDFs (attachments removed) and Word files of its pages,
PDFs without ruling lines and with tables broken over pages, numbers that
cannot be placed, and hostile files (scans, encryption, damage, bombs).

The kernel-marked tests read the sample built once per session
(``sample_site`` in conftest.py, HTML and PDF); the rest make their files
from a ProjectBuilder project or by hand."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

import wordify
from conftest import run_cli
from nianbao import formats as F
from nianbao.folders import IMPORT_FILE
from nianbao.importing import docx as docx_reader
from nianbao.importing import pdf as pdf_reader
from nianbao.importing.pdf_positions import Carry, position_tables
from nianbao.project import load_project
from nianbao.testing import ProjectBuilder
from test_history_import import csv_cells, empty_project, kit_page

# Word files of a subset: both formats, every year, a department of the other
# region (muye-zwfw), a year with explained deviations (2022 shichangjianguan).
WORD_SUBSET = ((2019, "ziranziyuan"), (2020, "muye-zwfw"), (2020, "zhujian"), (2021, "jiaoyu"),
               (2022, "shichangjianguan"), (2023, "shichangjianguan"), (2024, "yibao"), (2024, "dangan"))
# The header printed once, as some tools do.  The four-row review table is kept whole, as the kit's own
# header group keeps it: a page break through its row-spanning header cells is not what this is about.
NO_REPEATED_HEADER = ("<style>thead { display: table-row-group !important; } "
                      "table.review { break-inside: avoid; }</style>")


def published(root: Path, year: int, dept: str, name: str) -> Path:
    return root / "outputs" / "publish" / str(year) / dept / name


def assert_round_trip(sample_site: Path, target: Path, pairs) -> None:
    for year, dept in pairs:
        original, imported = sample_site / "data" / str(year) / dept, target / "data" / str(year) / dept
        names = sorted(p.name for p in original.glob("*.csv"))
        assert names == sorted(p.name for p in imported.glob("*.csv")), (year, dept)
        for name in names:
            assert csv_cells(imported / name) == csv_cells(original / name), (year, dept, name)


def table_cells(target: Path, year: int, dept: str) -> list[dict]:
    provenance = json.loads((target / "data" / str(year) / dept / IMPORT_FILE).read_text(encoding="utf-8"))
    return [c for c in provenance["cells"] if c["table"] != F.FEES]


# ---------------------------------------------------------------------------
# The sample's own PDFs and Word files of its pages (kernels: the sample build)
# ---------------------------------------------------------------------------


@pytest.mark.kernel
def test_every_sample_pdf_without_attachments_imports_back(sample_site, tmp_path, capsys):
    sample = load_project(sample_site)
    # The departments' reports (示例区人民政府's tables are its members' sums: not imported here).
    pairs = [(year, dept) for year, dept in sample.submitted() if sample.departments[dept].members is None]
    assert len(pairs) == 54
    pdfs = tmp_path / "pdfs"
    pdfs.mkdir()
    for year, dept in pairs:
        stripped = wordify.without_attachments(published(sample_site, year, dept, "report.pdf"), pdfs / f"{year}-{dept}.pdf")
        assert b"applications.csv" not in stripped.read_bytes()  # the embedded CSVs cannot help
    target = empty_project(tmp_path / "history", sample_site)

    code, out, err = run_cli(capsys, "import", pdfs, "--project", target)

    assert code == 0, out + err
    assert f"共导入 {len(pairs)} 份报告。" in out
    assert_round_trip(sample_site, target, pairs)
    for year, dept in pairs:
        cells = table_cells(target, year, dept)
        assert len(cells) == sum(1 for key in F.format_for_year(year).cells() if key[0] != F.FEES)
        for cell in cells:  # every number says on which page and where on it it was printed
            assert cell["page"] >= 1 and len(cell["box"]) == 4 and cell["at"].startswith(f"第{cell['page']}页"), cell
    # The sample's application tables run over a page (header printed again): joined, every cell right.
    pages = {c["page"] for c in table_cells(target, 2023, "shichangjianguan") if c["table"] == F.APPLICATIONS}
    assert len(pages) == 2


@pytest.mark.kernel
def test_word_files_of_sample_reports_import_back(sample_site, tmp_path, capsys):
    files = tmp_path / "word"
    files.mkdir()
    for year, dept in WORD_SUBSET:
        html = published(sample_site, year, dept, "report.html").read_text(encoding="utf-8")
        wordify.html_to_docx(html, files / f"{year}-{dept}.docx")
    target = empty_project(tmp_path / "history", sample_site)

    code, out, err = run_cli(capsys, "import", files, "--project", target)

    assert code == 0, out + err
    assert f"共导入 {len(WORD_SUBSET)} 份报告。" in out
    assert_round_trip(sample_site, target, WORD_SUBSET)
    provenance = json.loads((target / "data" / "2023" / "shichangjianguan" / IMPORT_FILE).read_text(encoding="utf-8"))
    assert provenance["source"]["reader"] == "docx"


POSITION_ONLY = {
    "borders removed": wordify.NO_BORDERS,
    "borders removed, header not repeated after the page break": wordify.NO_BORDERS + NO_REPEATED_HEADER,
    "ruled, header not repeated after the page break": NO_REPEATED_HEADER,
}


@pytest.mark.kernel
@pytest.mark.parametrize("style", POSITION_ONLY.values(), ids=POSITION_ONLY.keys())
def test_pdf_without_rulings_or_repeated_header_imports_every_cell(sample_site, tmp_path, capsys, style):
    pairs = ((2023, "shichangjianguan"), (2020, "ziranziyuan"))
    files = tmp_path / "pdfs"
    files.mkdir()
    for year, dept in pairs:
        html = published(sample_site, year, dept, "report.html").read_text(encoding="utf-8")
        pdf = wordify.pdf_of_html(html, style=style)
        (files / f"{year}-{dept}.pdf").write_bytes(pdf)
    if style.startswith(wordify.NO_BORDERS):
        import pdfplumber

        with pdfplumber.open(files / "2023-shichangjianguan.pdf") as pdf:
            assert not any(page.find_tables() for page in pdf.pages)  # nothing ruled to lean on
    target = empty_project(tmp_path / "history", sample_site)

    code, out, err = run_cli(capsys, "import", files, "--project", target)

    assert code == 0, out + err
    assert_round_trip(sample_site, target, pairs)
    for year, dept in pairs:  # the application table does break across a page
        pages = {c["page"] for c in table_cells(target, year, dept) if c["table"] == F.APPLICATIONS}
        assert len(pages) == 2, (year, dept)


# ---------------------------------------------------------------------------
# Numbers that cannot be placed are not placed
# ---------------------------------------------------------------------------


def _word(text, x0, top, size=10.0):
    return {"text": text, "x0": x0, "x1": x0 + size * 0.6 * len(text) if text.isascii() else x0 + size * len(text),
            "top": top, "bottom": top + size, "size": size}


def test_number_between_two_columns_is_left_blank_with_a_note():
    header = [_word("自然人", 200, 100), _word("商业企业", 260, 100), _word("总计", 330, 100)]
    row = [_word("一、本年新收政府信息公开申请数量", 20, 120), _word("5", 212, 120), _word("7", 242, 120), _word("12", 334, 120)]
    row2 = [_word("二、上年结转政府信息公开申请数量", 20, 140), _word("1", 212, 140), _word("0", 275, 140), _word("1", 336, 140)]
    notes: list[str] = []

    parts, used = position_tables(header + row + row2, 3, 400, Carry(), notes)

    assert len(parts) == 1
    grid = [[cell.text if cell else None for cell in line] for line in parts[0].rows]
    assert grid[-2][-3:] == ["5", None, "12"]  # 「7」 lies across 自然人 | 商业企业: in neither
    assert grid[-1][-3:] == ["1", "0", "1"]
    assert any("第3页" in note and "一、本年新收政府信息公开申请数量" in note and "「7」" in note for note in notes), notes
    assert len(used) == len(header + row + row2)


# ---------------------------------------------------------------------------
# Word files from the kit's own parts (no kernel)
# ---------------------------------------------------------------------------


@pytest.fixture
def office(tmp_path):
    source = ProjectBuilder(tmp_path / "source")
    source.add("demo", 2021, size=30, fee_notices=2)
    return source, ProjectBuilder(tmp_path / "office")


def test_word_file_with_merged_cells_imports_every_cell(office, tmp_path, capsys):
    source, target = office
    word = wordify.html_to_docx(kit_page(source.root, "demo", 2021), tmp_path / "报告.docx")
    with zipfile.ZipFile(word) as package:
        body = package.read("word/document.xml").decode("utf-8")
    assert "w:gridSpan" in body and "w:vMerge" in body  # merged as Word merges

    code, out, err = run_cli(capsys, "import", word, "--project", target.root)

    assert code == 0, out + err
    for name in ("applications.csv", "review.csv", "disclosure.csv", "fees.csv"):
        assert csv_cells(target.folder("demo", 2021) / name) == csv_cells(source.folder("demo", 2021) / name), name


# ---------------------------------------------------------------------------
# Refused: scans, encryption, damage, bombs, old formats - nothing written
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_pdf(tmp_path_factory) -> Path:
    """A one-page report PDF with a text layer, printed by the kit's printer."""
    path = tmp_path_factory.mktemp("pdf") / "报告.pdf"
    path.write_bytes(wordify.pdf_of_html(
        "<html><head><meta charset='utf-8'></head><body><h1>示例区测试局2021年政府信息公开工作年度报告</h1>"
        "<p>一、总体情况</p><p>文字。</p></body></html>"))
    return path


def _refused(tmp_path, capsys, path: Path, says: str) -> str:
    target = ProjectBuilder(tmp_path / "office")
    code, out, err = run_cli(capsys, "import", path, "--project", target.root)
    assert code == 1, out + err
    assert "拒绝导入" in out and says in out, out
    assert "Traceback" not in out + err
    assert not (target.root / "data").exists()
    return out


def test_scanned_pdf_is_refused_saying_it_has_no_text(small_pdf, tmp_path, capsys):
    scan = wordify.scanned(small_pdf, tmp_path / "扫描件.pdf")
    out = _refused(tmp_path, capsys, scan, "没有文字层")
    assert "OCR" in out


def test_encrypted_pdf_is_refused(small_pdf, tmp_path, capsys):
    locked = wordify.encrypted(small_pdf, tmp_path / "加密.pdf")
    _refused(tmp_path, capsys, locked, "加密")


def test_truncated_pdf_is_refused(small_pdf, tmp_path, capsys):
    data = small_pdf.read_bytes()
    broken = tmp_path / "truncated.pdf"
    broken.write_bytes(data[: len(data) // 3])
    _refused(tmp_path, capsys, broken, "PDF")


def test_pdf_with_too_many_pages_is_refused(tmp_path, capsys):
    import pikepdf

    pdf = pikepdf.new()
    for _ in range(pdf_reader.MAX_PAGES + 1):
        pdf.add_blank_page()
    path = tmp_path / "many.pdf"
    pdf.save(path)
    _refused(tmp_path, capsys, path, "超过上限")


@pytest.mark.parametrize("name,content,says", [
    ("garbage.pdf", bytes(range(256)) * 20, "不是 PDF 文件"),
    ("fake.pdf", b"%PDF-1.7\n" + b"\x00garbage" * 200, "无法作为 PDF 打开"),
    ("empty.docx", b"", "不是有效的 Word 文件"),
    ("garbage.docx", bytes(range(256)) * 20, "不是有效的 Word 文件"),
    ("report.doc", b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "另存为"),
    ("report.wps", b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "另存为"),
    ("report.mht", b"MIME-Version: 1.0\r\n", "另存为"),
])
def test_hostile_files_are_refused(tmp_path, capsys, name, content, says):
    path = tmp_path / name
    path.write_bytes(content)
    out = _refused(tmp_path, capsys, path, says)
    if name.endswith((".doc", ".wps", ".mht")):
        assert ".docx" in out and ".html" in out and "文件 → 另存为" in out


def test_zip_that_is_not_a_word_document_is_refused(tmp_path, capsys):
    path = tmp_path / "book.docx"
    with zipfile.ZipFile(path, "w") as package:
        package.writestr("xl/workbook.xml", "<workbook/>")
    _refused(tmp_path, capsys, path, "不是 Word 文档")


def test_word_zip_bomb_is_refused_before_unpacking(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(docx_reader, "MAX_UNPACKED", 1024 * 1024)  # the check, at a size a test can afford
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("word/document.xml", b"<w:document/>" + b" " * (2 * 1024 * 1024))
    assert path.stat().st_size < 64 * 1024  # small on disk, large unpacked
    _refused(tmp_path, capsys, path, "解压后过大")


def test_huge_pdf_is_refused_before_reading(tmp_path, capsys):
    path = tmp_path / "huge.pdf"
    with path.open("wb") as handle:
        handle.write(b"%PDF-1.7\n")
        handle.truncate(pdf_reader.MAX_BYTES + 1)  # sparse: large without filling the disk
    _refused(tmp_path, capsys, path, "超过 PDF 的上限")
