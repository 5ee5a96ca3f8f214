"""Nothing leaks: a published report carries only what the department meant to publish.

Fast tests exercise each escaping rule at the one place its output kind is
written (HTML sanitiser, CSV writer, workbook writer), the personal-data rule,
links and images in narratives, stray files and symbolic links.  Two kernel
tests publish for real: a PDF whose folder holds a link to a file outside the
project and stray files, and a project full of payloads built in draft and
publish mode, whose every HTML page is parsed.
"""

from __future__ import annotations

import csv
import io
import shutil
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import openpyxl
import pytest

from conftest import APP, only, run_cli
from nianbao import formats as F
from nianbao import personal
from nianbao.findings import NUMERIC_FIELDS, to_csv
from nianbao.folders import CONTRACT_FILES, contract_files
from nianbao.html import markdown, sanitise
from nianbao.inputs import InputIndex
from nianbao.report import Report, stylesheet
from nianbao.testing import ProjectBuilder
from nianbao.textio import FORMULA_START, neutralise_cell

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "annual_report.ipynb"

PAYLOAD_HTML = (
    '<script>alert(1)</script><img src=x onerror="alert(2)"><img src="http://evil.example/x.png">'
    '<a href="javascript:alert(3)">j</a><iframe src="https://evil.example"></iframe>'
    '<form action="https://evil.example"><input name=q></form><style>body{background:url(https://evil.example/x)}</style>'
    '<div style="background:url(https://evil.example/y)" onclick="alert(4)">text</div>'
    '<a href="//evil.example/x">p</a><a href="../../etc/passwd">r</a>'
)


# ---------------------------------------------------------------------------
# What a page may hold
# ---------------------------------------------------------------------------


class PageAudit(HTMLParser):
    """Everything on a page that runs, loads or leaves: scripts, event handlers,
    javascript: URLs, and resources or links pointing outside the file."""

    def __init__(self, *, relative_links: bool):
        super().__init__()
        self.relative_links = relative_links
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "iframe", "object", "embed", "form", "base", "link", "meta") and tag != "meta":
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            value = (value or "").strip()
            if name.startswith("on"):
                self.problems.append(f"{tag} {name}")
            if "javascript:" in value.lower().replace(" ", ""):
                self.problems.append(f"{tag} {name}={value}")
            if name == "style" and "url(" in value:
                self.problems.append(f"{tag} style url")
            if name in ("src", "srcset", "poster", "data", "action", "formaction") and not value.startswith("data:image/"):
                self.problems.append(f"{tag} {name}={value[:40]}")
            if name == "href" and not self.href_allowed(value):
                self.problems.append(f"{tag} href={value}")

    def href_allowed(self, href: str) -> bool:
        if href.startswith(("#", "https://", "http://", "mailto:")):
            return not href.startswith(("https:///", "http:///"))
        if not self.relative_links:
            return False
        return ":" not in href.split("/")[0] and not href.startswith(("/", "\\"))


def audit(html: str, *, relative_links: bool = False) -> list[str]:
    parser = PageAudit(relative_links=relative_links)
    parser.feed(html)
    return parser.problems


# ---------------------------------------------------------------------------
# HTML: the sanitiser
# ---------------------------------------------------------------------------


def test_sanitiser_drops_every_payload_and_keeps_the_text():
    clean = sanitise(PAYLOAD_HTML)
    assert audit(clean) == []
    assert "alert(1)" not in clean and "evil.example" not in clean
    assert "text" in clean  # content of a harmless element survives its attributes


def test_sanitiser_keeps_the_kits_markup_byte_for_byte(builder):
    """A report's own parts pass unchanged: spans, scopes, classes, inline charts."""
    builder.add("demo", 2020, size=60)
    builder.add("demo", 2021, size=60, fee_notices=1)
    project = builder.project()
    from nianbao.config import report_settings
    from nianbao.engine import check_project

    report = Report(project, check_project(project, [2021], ["demo"]), "demo", 2021, "draft",
                    report_settings(project.root, "demo", 2021))
    for part in report.parts():
        html = part._repr_html_()
        html = html[0] if isinstance(html, tuple) else html
        assert sanitise(html, kit_styles=(stylesheet(),)) == html
    assert 'src="data:image/png;base64,' in report.section_applications().html


def test_only_the_kits_own_stylesheet_survives():
    kit = f"<style>{stylesheet()}</style><p>a</p>"
    assert sanitise(kit, kit_styles=(stylesheet(),)) == kit
    assert "<style>" not in sanitise("<style>p{color:red}</style><p>a</p>", kit_styles=(stylesheet(),))
    forged = f"<style>{stylesheet()}@import url(https://evil.example/x.css);</style>"
    assert "evil" not in sanitise(forged, kit_styles=(stylesheet(),))


def test_site_pages_keep_links_inside_the_site_only():
    html = ('<a href="2024/demo/report.html">r</a><a href="../publish/index.html">p</a>'
            '<a href="//evil.example">e</a><a href="/etc/passwd">x</a>')
    clean = sanitise(html, relative_links=True)
    assert 'href="2024/demo/report.html"' in clean and 'href="../publish/index.html"' in clean
    assert "evil.example" not in clean and "/etc/passwd" not in clean


# ---------------------------------------------------------------------------
# Narrative links and images (N3)
# ---------------------------------------------------------------------------


def test_narrative_links_leave_only_absolute_web_and_mail_links():
    html = markdown(
        "见[附件](../../etc/passwd)、[外站](//evil.example/x)、[脚本](javascript:alert(1))、"
        "[官网](https://www.gov.cn/)和[邮箱](mailto:gk@example.gov.cn)。\n\n![办理流程图](http://evil.example/x.png)"
    )
    assert audit(html) == []
    assert '<a href="https://www.gov.cn/" rel="noopener noreferrer">官网</a>' in html
    assert 'href="mailto:gk@example.gov.cn"' in html
    assert "附件" in html and "外站" in html and "办理流程图" in html  # text kept, link and image dropped
    assert "<img" not in html and "etc/passwd" not in html


def test_narrative_links_and_images_are_reported_with_their_line(builder):
    folder = builder.add("demo", 2021)
    narrative = folder / "narrative.md"
    narrative.write_text(
        narrative.read_text(encoding="utf-8") + "\n详见[本局网站](//evil.example/gk)。\n\n![流程图](flow.png)\n", encoding="utf-8"
    )
    lines = narrative.read_text(encoding="utf-8").splitlines()
    found = only(builder.check(), "N3")
    assert [(f.severity, f.line) for f in found] == [
        ("warning", lines.index("详见[本局网站](//evil.example/gk)。") + 1),
        ("warning", lines.index("![流程图](flow.png)") + 1),
    ]
    assert "//evil.example/gk" in found[0].message and "流程图" in found[1].message


# ---------------------------------------------------------------------------
# CSV: one writer, formulas neutralised
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "numeric", "written"),
    [
        ("=1+1", False, "'=1+1"),
        ("@SUM(1+1)*cmd|' /C calc'!A0", False, "'@SUM(1+1)*cmd|' /C calc'!A0"),
        ("+86", False, "'+86"),
        ("\t=1", False, "'\t=1"),
        ("-3", True, "-3"),  # a negative 本年增/减 stays a number
        ("-3", False, "'-3"),
        ("-2+3", True, "'-2+3"),
        ("=1+1", True, "'=1+1"),
        ("12.5", True, "12.5"),
        ("行政复议", False, "行政复议"),
    ],
)
def test_csv_cells_are_neutralised(value, numeric, written):
    assert neutralise_cell(value, numeric=numeric) == written


def test_checks_csv_carries_no_live_formula(builder):
    builder.add("demo", 2021)
    builder.set_cell("demo", 2021, APP, F.NEW, "自然人", "=1+1")
    builder.edit_rows("demo", 2021, APP, lambda h, rows: (h, rows + [["@SUM(1+1)*cmd|' /C calc'!A0", *["0"] * 7]]))
    (builder.folder("demo", 2021) / "waivers.csv").write_text(
        '规则,表,行,列,说明\nR2,申请表,,,"=HYPERLINK(""http://evil.example"",""点此"")说明足够长的理由"\n', encoding="utf-8"
    )
    run = builder.check()
    text = to_csv(run.findings)
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    assert len(rows) > 3
    for row in rows[1:]:
        for name, cell in zip(header, row, strict=True):
            if name in NUMERIC_FIELDS and cell.lstrip("-").replace(".", "", 1).isdigit():
                continue
            assert not cell.startswith(FORMULA_START), (name, cell)
    assert any("'=1+1" == cell or cell.startswith("'") for row in rows[1:] for cell in row)


# ---------------------------------------------------------------------------
# Personal data (P1)
# ---------------------------------------------------------------------------

VALID_ID = "11010519491231002X"  # the standard's own example: check digit X
INVALID_ID = "110105194912310021"


def test_identity_numbers_need_a_valid_check_digit():
    assert personal.id_check_digit(VALID_ID[:17]) == "X"
    assert [h.kind for h in personal.find(f"身份证{VALID_ID}")] == ["id"]
    assert personal.find(f"编号{INVALID_ID}") == []
    assert personal.find("文号2024123456789012345") == []  # longer digit runs are not identity numbers


@pytest.mark.parametrize("text", ["电话13812345678。", "电话 138-1234-5678", "电话１３８１２３４５６７８"])
def test_mobile_numbers_in_any_spelling_are_found(text):
    assert [h.kind for h in personal.find(text)] == ["mobile"]
    assert "138****5678" in personal.mask(text)


@pytest.mark.parametrize("text", ["办公电话 0373-1234567", "受理 12345 件", "2024年12月31日", "邮编453000"])
def test_ordinary_numbers_are_not_personal(text):
    assert personal.find(text) == [] and personal.mask(text) == text


def test_personal_data_in_narrative_labels_and_waivers_is_an_error_masked_everywhere(builder):
    folder = builder.add("demo", 2021)
    narrative = folder / "narrative.md"
    narrative.write_text(narrative.read_text(encoding="utf-8") + f"\n申请人张某（身份证号{VALID_ID}）已答复。\n", encoding="utf-8")
    builder.edit_rows("demo", 2021, F.REVIEW, lambda h, rows: (h, rows + [["行政复议13812345678", "0", "0", "0", "0", "0"]]))
    (folder / "waivers.csv").write_text("规则,表,行,列,说明\nS4,narrative,,,经办人电话13912345678已核实该数字\n", encoding="utf-8")
    run = builder.check()
    found = only(run, "P1")
    assert {f.file.rsplit("/", 1)[1] for f in found} == {"narrative.md", "review.csv", "waivers.csv"}
    assert all(f.severity == "error" and f.line for f in found)
    everything = to_csv(run.findings)
    assert VALID_ID not in everything and "13812345678" not in everything and "13912345678" not in everything
    assert "110***********002X" in everything


def test_invalid_check_digit_passes(builder):
    folder = builder.add("demo", 2021)
    narrative = folder / "narrative.md"
    narrative.write_text(narrative.read_text(encoding="utf-8") + f"\n档案编号{INVALID_ID}。\n", encoding="utf-8")
    assert only(builder.check(), "P1") == []


def test_personal_data_can_be_waived_with_an_explanation(builder):
    folder = builder.add("demo", 2021)
    narrative = folder / "narrative.md"
    narrative.write_text(narrative.read_text(encoding="utf-8") + "\n依申请公开咨询电话13812345678（本局公开的服务电话）。\n",
                         encoding="utf-8")
    (folder / "waivers.csv").write_text("规则,表,行,列,说明\nP1,narrative,,,该号码是本局对外公布的政务服务热线，可以公开\n",
                                        encoding="utf-8")
    assert [f.severity for f in only(builder.check(), "P1")] == ["waived"]


# ---------------------------------------------------------------------------
# Stray files and links in department folders
# ---------------------------------------------------------------------------


def stray_folder(builder, tmp_path):
    """demo 2024 with waivers, settings, three stray files and a link to a file outside the project."""
    folder = builder.add("demo", 2024)
    (folder / "waivers.csv").write_text("规则,表,行,列,说明\n", encoding="utf-8")
    (folder / "report.toml").write_text('publication_date = "2025-01-20"\n', encoding="utf-8")
    (folder / "草稿-勿外传.txt").write_text("内部讨论稿", encoding="utf-8")
    (folder / "~$applications.csv").write_bytes(b"lock")
    (folder / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    outside = tmp_path.parent / f"{tmp_path.name}-outside-secret.txt"
    outside.write_text("root:x:0:0:TOP-SECRET", encoding="utf-8")
    (folder / "secret.txt").symlink_to(outside)
    return folder


def test_stray_files_are_listed_once_and_never_read(builder, tmp_path):
    folder = stray_folder(builder, tmp_path)
    run = builder.check()
    (stray,) = only(run, "F1")
    for name in ("草稿-勿外传.txt", "~$applications.csv", ".DS_Store", "secret.txt"):
        assert name in stray.message
    assert [p.name for p in contract_files(builder.root, "demo", 2024)] == sorted(
        name for name in CONTRACT_FILES if (folder / name).exists()
    )
    inputs = InputIndex(builder.project()).report("demo", 2024)
    assert not any(rel.endswith("secret.txt") for rel in inputs)


@pytest.mark.parametrize("name", ["applications.csv", "narrative.md"])
def test_a_contract_file_that_is_a_link_is_an_error_naming_it(builder, tmp_path, name):
    folder = builder.add("demo", 2021)
    target = tmp_path.parent / f"{tmp_path.name}-elsewhere-{name}"
    shutil.move(folder / name, target)
    (folder / name).symlink_to(target)
    found = [f for f in only(builder.check(), "INPUT") if f.file == f"data/2021/demo/{name}"]
    assert len(found) == 1 and "符号链接" in found[0].message and "复制" in found[0].message
    assert all(p.name != name for p in contract_files(builder.root, "demo", 2021))


def test_a_linked_department_folder_is_never_read(builder, tmp_path):
    real = builder.add("demo", 2021)
    elsewhere = tmp_path.parent / f"{tmp_path.name}-elsewhere-demo"
    shutil.move(real, elsewhere)
    real.symlink_to(elsewhere, target_is_directory=True)
    assert contract_files(builder.root, "demo", 2021) == []
    assert InputIndex(builder.project()).folder("data/2021/demo") == []
    assert len(only(builder.check(), "INPUT")) >= 5


# ---------------------------------------------------------------------------
# Workbooks
# ---------------------------------------------------------------------------


def test_workbook_cells_written_from_user_text_are_never_formulas(capsys, tmp_path):
    names = ('=HYPERLINK("http://evil.example","点此")', "@SUM(1+1)*cmd|' /C calc'!A0", "+86 局", "-1局")
    b = ProjectBuilder(tmp_path / "p", tuple((f"d{i}", name, "=1+1区") for i, name in enumerate(names)))
    code, _, _ = run_cli(capsys, "template", "--project", b.root, "--year", 2021, "--xlsx")
    assert code == 0
    for i in range(len(names)):
        wb = openpyxl.load_workbook(b.root / "workbooks" / "2021" / f"d{i}-2021.xlsx")
        formulas = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"]
        assert formulas and not any(("HYPERLINK" in f or "SUM(1+1)" in f or "86" in f) for f in formulas)


# ---------------------------------------------------------------------------
# Real runs: the PDF's attachments, and every page of a project full of payloads
# ---------------------------------------------------------------------------


def copy_notebook(root: Path, extra_cell: str | None = None) -> None:
    (root / "notebooks").mkdir(exist_ok=True)
    nb = nbformat.read(NOTEBOOK, as_version=4)
    if extra_cell:
        nb.cells.insert(len(nb.cells) - 1, nbformat.v4.new_code_cell(extra_cell))
    nbformat.write(nb, root / "notebooks" / "annual_report.ipynb")


@pytest.mark.kernel
@pytest.mark.pdf
def test_published_pdf_attaches_exactly_the_contract_files(capsys, builder, tmp_path):
    import pikepdf

    folder = stray_folder(builder, tmp_path)
    copy_notebook(builder.root)
    code, out, err = run_cli(capsys, "render", "--project", builder.root, "--dept", "demo", "--year", 2024,
                             "--mode", "publish", "--to", "html,pdf")
    assert code == 0, out + err
    pdf_path = builder.root / "outputs" / "publish" / "2024" / "demo" / "report.pdf"
    with pikepdf.open(pdf_path) as pdf:
        attached = {name: spec.get_file().read_bytes() for name, spec in pdf.attachments.items()}
    contract = {name: (folder / name).read_bytes() for name in CONTRACT_FILES if (folder / name).exists()}
    assert set(attached) == {*contract, "manifest.json"}
    assert {name: attached[name] for name in contract} == contract
    assert b"TOP-SECRET" not in pdf_path.read_bytes()


PAYLOAD_CELL = f"from IPython.display import HTML, display\ndisplay(HTML({PAYLOAD_HTML!r}))"
EVIL_NAME = '<script>alert("name")</script>局"\'&'
EVIL_REGION = '<img src=x onerror=alert("region")>区'
EVIL_FOLDER = 'a"><img src=x onerror=alert(1)>'


@pytest.fixture(scope="module")
def payload_project(tmp_path_factory):
    """Two departments whose names, region, narratives, labels and waivers are
    payloads, a stray folder with a payload name, and a notebook cell that
    displays scripts and outside images; built in draft, then in publish mode."""
    from nianbao import cli

    root = tmp_path_factory.mktemp("payloads")
    b = ProjectBuilder(root, (("clean", EVIL_NAME, EVIL_REGION), ("dirty", "乙局<iframe src=//evil.example>", EVIL_REGION)))
    folder = b.add("clean", 2024, size=30)
    narrative = folder / "narrative.md"
    narrative.write_text(
        narrative.read_text(encoding="utf-8")
        + '\n<script>alert("narrative")</script><img src=x onerror=alert(5)>\n\n'
        "[点我](javascript:alert(6)) [外站](//evil.example/x) [上级](../../etc/passwd) ![图](https://evil.example/i.png)\n\n"
        "全年收到申请9999件。\n",
        encoding="utf-8",
    )
    (folder / "waivers.csv").write_text(
        '规则,表,行,列,说明\nS4,applications,,,"=HYPERLINK(""http://evil.example"",""点此"")<script>alert(7)</script>数字为口径差异"\n',
        encoding="utf-8",
    )
    b.add("dirty", 2024, size=10)
    b.edit_rows("dirty", 2024, APP, lambda h, rows: (h, rows + [['<img src=x onerror=alert(8)>=1+1', *["0"] * 7]]))
    b.set_cell("dirty", 2024, APP, F.NEW, "自然人", "=cmd|' /C calc'!A0")
    (root / "data" / "2024" / EVIL_FOLDER).mkdir()
    copy_notebook(root, PAYLOAD_CELL)
    assert cli.main(["build", "--project", str(root), "--to", "html", "--jobs", "1"]) == 0
    # dirty has errors: withheld from publishing, the rest is published
    assert cli.main(["build", "--project", str(root), "--mode", "publish", "--to", "html,pdf", "--jobs", "1"]) in (0, 1)
    assert not (root / "outputs" / "publish" / "2024" / "dirty").exists()
    return root


@pytest.mark.kernel
def test_no_page_the_kit_writes_runs_loads_or_leaves(payload_project):
    pages = sorted((payload_project / "outputs").rglob("*.html"))
    names = {p.relative_to(payload_project / "outputs").as_posix() for p in pages}
    assert {"index.html", "draft/index.html", "draft/checks.html", "publish/index.html",
            "draft/2024/clean/report.html", "draft/2024/clean/report.fragment.html",
            "publish/2024/clean/report.html", "publish/2024/clean/report.fragment.html"} <= names
    for page in pages:
        html = page.read_text(encoding="utf-8")
        site = "report" not in page.name
        assert audit(html, relative_links=site) == [], page
        assert "<script" not in html.lower() and "<iframe" not in html.lower(), page  # only as escaped text
    report = (payload_project / "outputs" / "publish" / "2024" / "clean" / "report.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&quot;name&quot;)" in report or "&lt;script&gt;alert(\"name\")" in report
    assert "数字为口径差异" in report  # the waiver is printed, as text
    assert "<div>text</div>" in report  # the analyst's cell was published, sanitised


@pytest.mark.kernel
def test_checks_csv_of_the_payload_project_has_no_live_formula(payload_project):
    text = (payload_project / "outputs" / "draft" / "checks.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    for row in rows[1:]:
        for name, cell in zip(header, row, strict=True):
            number = cell.lstrip("-").replace(".", "", 1).isdigit()
            assert not cell.startswith(FORMULA_START) or (name in NUMERIC_FIELDS and number), (name, cell)


@pytest.mark.kernel
@pytest.mark.pdf
def test_pdf_metadata_holds_the_payload_name_as_plain_text(payload_project):
    import pikepdf

    with pikepdf.open(payload_project / "outputs" / "publish" / "2024" / "clean" / "report.pdf") as pdf:
        assert str(pdf.docinfo["/Author"]) == EVIL_NAME
        with pdf.open_metadata() as meta:
            assert meta["dc:creator"] == [EVIL_NAME]


@pytest.mark.parametrize("rel", ["params/departments.csv", "params/project.toml", "data/2021/demo/report.toml"])
def test_settings_and_the_department_list_are_never_read_through_a_link(capsys, builder, tmp_path, rel):
    builder.add("demo", 2021)
    target = builder.root / rel
    outside = tmp_path.parent / f"{tmp_path.name}-outside-{target.name}"
    if target.exists():
        shutil.move(target, outside)
    else:
        outside.write_text('[report]\npublication_day = "01-20"\n' if rel.endswith("project.toml") else
                           'publication_date = "2022-01-20"\n', encoding="utf-8")
    target.symlink_to(outside)
    copy_notebook(builder.root)  # render refuses before any kernel starts
    code, out, err = run_cli(capsys, "render", "--project", builder.root, "--dept", "demo", "--year", 2021)
    assert code in (1, 2) and "Traceback" not in out + err
    assert f"{rel} 是符号链接" in out + err
