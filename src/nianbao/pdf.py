"""The PDF of a report: the official, archival record, made from the same HTML.

WeasyPrint lays the exported page out with CSS paged media: the report's own
styles (inside the HTML) plus the print styles kept as data
(``static/print.css``), with the kit's pinned Noto Serif SC / Noto Sans SC as the
only fonts.  The result is PDF/A-3a, a tagged PDF (WeasyPrint's structure tree:
headings, paragraphs, Table/TR/TH/TD with spans, figures with the charts' alt
text; a table that spans pages is one Table per page, each with its repeated
header), with document metadata (title, author = the department, subject,
language, dates = the publication date) and the department-year's source files
attached, and it is reproducible: the same inputs give a byte-identical file.

- :func:`html_to_pdf` is what the batch calls in-process; the font set-up and
  the stylesheets (the page's own and print.css) are made once per process, the
  page is made ready for print by :mod:`nianbao.printpage` (the official tables
  at fixed column widths declared with their grid; the inline images served by
  name), an RGB chart's compressed rows go into the PDF as they are
  (:mod:`nianbao.pngdata`), fonts are subset in one HarfBuzz pass
  (:mod:`nianbao.fontsubset`), the garbage collector runs once per PDF, and the
  streams are deflated at level 1 (``bench/pdf.py`` measures each against the
  baseline).
- :class:`ReportPDFExporter` is the nbconvert exporter ``nianbao_pdf``:
  ``jupyter nbconvert --to nianbao_pdf report.ipynb`` writes ``report.pdf``.
"""

from __future__ import annotations

import copy
import datetime as dt
import gc
import logging
import re
import warnings
from collections.abc import Callable
from functools import lru_cache, wraps
from importlib import resources
from pathlib import Path
from typing import ParamSpec, TypeVar

from traitlets import Bool, Unicode, default

from .errors import NianbaoError
from .export import ReportHTMLExporter
from .fonts import font_files
from .fontsubset import subset_in_one_pass
from .pngdata import use_png_rows_in_pdfs
from .printpage import print_page, served_images, title_lines

PDF_VARIANT = "pdf/a-3a"  # tagged: Table/TR/TH/TD, headings, figures with /Alt
LANG = "zh-CN"
GENERATOR = "nianbao"
# Dates in the PDF are the publication date at midnight, China Standard Time.
CHINA = dt.timezone(dt.timedelta(hours=8))
DEFAULT_SUBJECT = "政府信息公开工作年度报告"


_P = ParamSpec("_P")
_R = TypeVar("_R")


class PDFError(NianbaoError):
    """A PDF that cannot be produced; the message (Chinese) says why."""


# ---------------------------------------------------------------------------
# Fonts and print styles: once per process
# ---------------------------------------------------------------------------


def print_stylesheet() -> str:
    return resources.files("nianbao").joinpath("static/print.css").read_text(encoding="utf-8")


def _font_faces() -> str:
    # One Regular face per family; no bold or italic face exists, and print.css
    # asks for neither.
    return "".join(
        f'@font-face {{ font-family: "{family}"; src: url("{path.as_uri()}"); '
        "font-weight: normal; font-style: normal; }\n"
        for family, path in font_files().items()
    )


class _Refused(ValueError):
    """A reference the PDF may not follow (anything but the page's images and the kit's fonts)."""

    def __init__(self, url: str):
        super().__init__(url)
        self.url = url


class _Fetcher:
    """Fetches only what a report may reference: the page's inline images and the
    kit's font files.  Nothing from the network or the rest of the disk.

    The page's images are served by the short names :func:`printpage.served_images`
    gave them (one fetcher per page); WeasyPrint then neither tokenises nor
    unquotes a data URL of a hundred kilobytes per chart.
    """

    # WeasyPrint reads this when a fetch fails: a refused reference stops the PDF
    # (``paginate`` says which) instead of leaving a hole in the official record.
    _fail_on_errors = True

    def __init__(self) -> None:
        from weasyprint.urls import URLFetcher

        self._fetcher = URLFetcher(allowed_protocols={"data", "file"})
        self._fonts: set[str] = {path.as_uri() for path in font_files().values()}
        self._images: dict[str, tuple[bytes, str]] = {}

    def serving(self, images: dict[str, tuple[bytes, str]]) -> _Fetcher:
        """A fetcher like this one that also serves ``images`` (name -> (bytes, MIME type))."""
        page = copy.copy(self)
        page._images = images
        return page

    def fetch(self, url, headers=None):
        from weasyprint.urls import URLFetcherResponse

        if url in self._images:
            data, mime = self._images[url]
            return URLFetcherResponse(url, body=data, headers={"Content-Type": mime})
        if url.startswith("data:") or url in self._fonts:
            return self._fetcher.fetch(url, headers)
        raise _Refused(url)

    # WeasyPrint also accepts a plain callable; keep both spellings working.
    __call__ = fetch


@lru_cache(maxsize=1)
def _setup():
    """(FontConfiguration, the @font-face stylesheet, URL fetcher), made once per
    process: a batch worker registers the fonts once.  WeasyPrint also learns
    here to take a PNG's compressed rows as they are (:mod:`nianbao.pngdata`)
    and to subset a font in one pass (:mod:`nianbao.fontsubset`).

    The same FontConfiguration must go to ``CSS()`` and to the rendering, or
    WeasyPrint silently substitutes system fonts for the @font-face ones.
    """
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    for name in ("weasyprint", "weasyprint.progress", "fontTools"):
        logging.getLogger(name).setLevel(logging.ERROR)
    use_png_rows_in_pdfs()
    subset_in_one_pass()
    fetcher = _Fetcher()
    with warnings.catch_warnings():
        # "No fonts configured in FontConfig": expected where no system font is
        # installed; the report uses only its own @font-face fonts.
        warnings.simplefilter("ignore", UserWarning)
        font_config = FontConfiguration()
    fonts = CSS(string=_font_faces(), font_config=font_config, url_fetcher=fetcher)
    return font_config, fonts, fetcher


# The kit's own <style> blocks: the only ones the export's sanitiser keeps.
_STYLE_BLOCK = re.compile(r"<style>(.*?)</style>", re.S)


def _stylesheet(css: str):
    """A stylesheet parsed, and its selectors compiled, once per process (and font set-up)."""
    font_config, _, fetcher = _setup()
    return _parsed_stylesheet(css, font_config, fetcher)


@lru_cache(maxsize=16)
def _parsed_stylesheet(css: str, font_config, fetcher):
    from weasyprint import CSS

    return CSS(string=css, font_config=font_config, url_fetcher=fetcher)


def page_stylesheets(html: str) -> tuple[str, list]:
    """The page without its ``<style>`` blocks, and the stylesheets to lay it out
    with: the fonts, the page's own styles in page order, then print.css, each
    parsed once per process.

    All of them go to WeasyPrint as *user* stylesheets, so they keep among
    themselves the order of the author stylesheets they were in the page: print.css
    last, equal selectors resolve in its favour.  (Moving only print.css out of the
    page would make it lose to every author rule that is not ``!important``.)
    """
    styles = [*_STYLE_BLOCK.findall(html), print_stylesheet()]
    _, fonts, _ = _setup()
    return _STYLE_BLOCK.sub("", html), [fonts, *(_stylesheet(css) for css in styles)]


# ---------------------------------------------------------------------------
# Metadata
# ---------------------------------------------------------------------------


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=CHINA)


def _pdf_date(moment: dt.datetime) -> str:
    # PDF 1.7 date with offset: D:YYYYMMDDHHmmSS+08'00'
    utc_offset = moment.utcoffset()
    assert utc_offset is not None, "an aware datetime"
    offset = int(utc_offset.total_seconds() // 60)
    sign = "+" if offset >= 0 else "-"
    return f"D:{moment:%Y%m%d%H%M%S}{sign}{abs(offset) // 60:02d}'{abs(offset) % 60:02d}'"


def _metadata_class():
    from weasyprint.pdf.metadata import NS, DocumentMetadata

    class ReportMetadata(DocumentMetadata):
        """WeasyPrint's XMP plus dc:language (PDF/A wants the language in XMP too)."""

        def generate_rdf_metadata(self, variant, version, conformance):
            from xml.etree.ElementTree import SubElement, fromstring, tostring

            rdf = fromstring(super().generate_rdf_metadata(variant, version, conformance))
            if self.lang:
                element = SubElement(rdf, f'{{{NS["rdf"]}}}Description')
                element.attrib[f'{{{NS["rdf"]}}}about'] = ""
                element = SubElement(SubElement(element, f'{{{NS["dc"]}}}language'), f'{{{NS["rdf"]}}}Bag')
                SubElement(element, f'{{{NS["rdf"]}}}li').text = self.lang
            return tostring(rdf, encoding="utf-8")

    return ReportMetadata


# ---------------------------------------------------------------------------
# HTML → PDF
# ---------------------------------------------------------------------------


def _mime(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return {
        ".csv": "text/csv",
        ".md": "text/markdown",
        ".json": "application/json",
        ".txt": "text/plain",
        ".toml": "application/toml",
    }.get(suffix, "application/octet-stream")


def _collected_once(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """``function`` with automatic garbage collection paused while it runs, then
    one collection of the young generations once its frame (and the document it
    laid out) is gone.

    One report's layout makes about a million short-lived Python objects (boxes,
    styles, glyph runs), many of them in reference cycles: the collector would
    run about a hundred times during one PDF, now and then over the whole heap
    (fonts, parsed stylesheets, caches) -- a fifth of the PDF's time.  One
    collection afterwards frees the same garbage for a fraction of that.  The
    caller's setting (collection enabled or not) is kept.
    """

    @wraps(function)
    def collected_once(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        enabled = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()
                gc.collect(1)

    return collected_once


def paginate(html: str, *, base_url: str | None = None):
    """The laid-out pages (a WeasyPrint ``Document``) of the exported page, print styles applied."""
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    font_config, _, fetcher = _setup()
    page, images = served_images(print_page(html))
    page, stylesheets = page_stylesheets(page)
    try:
        return HTML(string=page, base_url=base_url, url_fetcher=fetcher.serving(images)).render(
            stylesheets=stylesheets, font_config=font_config
        )
    except FatalURLFetchingError as exc:  # a BaseException: a fetch of _Fetcher failed (see _fail_on_errors)
        raise PDFError(_fetch_failure(exc.__cause__)) from exc
    except Exception as exc:  # pragma: no cover - WeasyPrint failures are rare and varied
        raise PDFError(f"PDF 排版失败：{type(exc).__name__}: {exc}") from exc


def _fetch_failure(cause: BaseException | None) -> str:
    """What to tell the user when the page's PDF could not fetch something it names."""
    if isinstance(cause, _Refused):
        return (f"PDF 不引用页面之外的资源，页面却引用了：{cause.url[:120]}。"
                "报告里的图片须内嵌在页面中（data: 地址）；请去掉这个引用后重新生成。")
    return (f"PDF 无法读取页面中内嵌的图片（{type(cause).__name__}: {cause}）：它的数据不完整。"
            "请重新运行生成这张图片的单元格，确认网页上能看到它，再生成 PDF。")


@_collected_once
def html_to_pdf(
    html: str,
    *,
    title: str,
    author: str,
    subject: str = DEFAULT_SUBJECT,
    publication_date: dt.date,
    attachments: dict[str, bytes] | None = None,
    base_url: str | None = None,
) -> bytes:
    """The report's PDF (PDF/A-3a, tagged, A4) from its exported HTML page.

    ``attachments`` maps a file name (as shown in the PDF reader, e.g.
    ``applications.csv`` or ``manifest.json``) to its bytes; they are embedded
    in name order, dated with the publication date.  Same arguments → the same
    bytes.
    """
    from weasyprint import Attachment

    if not isinstance(publication_date, dt.date):
        raise TypeError("publication_date must be a datetime.date")
    if isinstance(publication_date, dt.datetime):
        publication_date = publication_date.date()
    stamp = _midnight(publication_date)
    w3c = stamp.isoformat()  # 2025-01-20T00:00:00+08:00 in XMP
    document = paginate(title_lines(html, title, author), base_url=base_url)

    metadata = _metadata_class()(
        title=title,
        authors=[author],
        description=subject,
        generator=GENERATOR,
        created=w3c,
        modified=w3c,
        lang=LANG,
    )
    document.metadata = metadata
    utc = stamp.astimezone(dt.UTC).replace(tzinfo=None)  # WeasyPrint writes these with a Z
    embedded = [
        Attachment(
            string=data,
            name=name,
            description=name,
            created=utc,
            modified=utc,
            relationship="Data" if name.endswith("manifest.json") else "Source",
        )
        for name, data in sorted((attachments or {}).items())
    ]

    def finish(_document, pdf):
        # Info dates with a full offset (WeasyPrint writes +08'00 without the final quote).
        pdf.info["CreationDate"] = _pydyf_string(_pdf_date(stamp))
        pdf.info["ModDate"] = _pydyf_string(_pdf_date(stamp))
        # WeasyPrint lists each attachment twice in the catalog's /AF.
        if "AF" in pdf.catalog:
            unique = list(dict.fromkeys(pdf.catalog["AF"]))
            pdf.catalog["AF"].clear()
            pdf.catalog["AF"].extend(unique)
        # Attachments with proper MIME types (WeasyPrint guesses from the system's table).
        for obj in pdf.objects:
            if isinstance(obj, dict) and obj.get("Type") == "/Filespec":
                stream = pdf.objects[int(obj["EF"]["F"].split()[0])]
                name = obj["UF"].string
                stream.extra["Subtype"] = "/" + _mime(name).replace("/", "#2f")
        _deflate_fast(pdf)

    try:
        return document.write_pdf(
            pdf_variant=PDF_VARIANT,
            pdf_identifier=True,  # /ID = a hash of the content: fixed for fixed inputs
            attachments=embedded,
            finisher=finish,
        )
    except Exception as exc:  # pragma: no cover
        raise PDFError(f"PDF 写出失败：{type(exc).__name__}: {exc}") from exc


FLATE_LEVEL = 1  # zlib level of the PDF's streams (pydyf uses 9)


def _deflate_fast(pdf) -> None:
    """Compress the streams WeasyPrint marked for compression ourselves, at level 1.

    pydyf deflates at level 9; the bulk is the two font subsets (about 1 MB:
    WeasyPrint keeps the glyph ids, so most of it is empty glyph slots), where
    level 9 takes five times as long as level 1 for a file under 1 % smaller.
    Same data, same filter; the bytes stay fixed for fixed inputs.
    """
    import zlib

    import pydyf

    for obj in pdf.objects:
        if isinstance(obj, pydyf.Stream) and obj.compress:
            data = b"\n".join(pydyf._to_bytes(item) for item in obj.stream)
            obj.stream = [zlib.compress(data, FLATE_LEVEL)]
            obj.extra["Filter"] = "/FlateDecode"
            obj.compress = False


def _pydyf_string(value: str):
    import pydyf

    return pydyf.String(value)


# ---------------------------------------------------------------------------
# The nbconvert exporter
# ---------------------------------------------------------------------------


def source_attachments(project_root: Path, department: str, year: int) -> dict[str, bytes]:
    """The department-year's contract files (CSV tables, narrative, waivers,
    settings), by name: exactly these, never another file of the folder and
    never one reached through a link (:func:`nianbao.contract.contract_files`)."""
    from .folders import contract_files

    return {path.name: path.read_bytes() for path in contract_files(Path(project_root), department, year)}


class ReportPDFExporter(ReportHTMLExporter):
    """The report's PDF from an executed report notebook (``--to nianbao_pdf``).

    Title, author (the department), publication date, department and year come
    from the report's output metadata (:meth:`nianbao.report.Report.header`).
    The department-year's data files are attached when the project is found
    above the notebook (or at ``project_root``); a ``manifest.json`` beside the
    notebook is attached when ``attach_manifest`` is set.
    """

    export_from_notebook = "nianbao report (PDF)"
    output_mimetype = "application/pdf"

    attach_sources = Bool(True, help="Attach the department-year's data files.").tag(config=True)
    attach_manifest = Bool(False, help="Attach manifest.json found beside the notebook.").tag(config=True)
    project_root = Unicode("", help="The nianbao project (default: found above the notebook).").tag(config=True)
    subject = Unicode(DEFAULT_SUBJECT, help="The PDF's subject.").tag(config=True)

    @default("file_extension")
    def _file_extension_default(self):
        return ".pdf"

    @default("template_name")
    def _template_name_default(self):
        # The published page's template (its base), declared for application/pdf.
        return "nianbao_pdf"

    def from_notebook_node(self, nb, resources=None, **kw):
        html, resources = super().from_notebook_node(nb, resources, **kw)
        meta = resources.get("nianbao", {})
        missing = [key for key in ("title", "author", "publication_date") if not meta.get(key)]
        if missing:
            raise PDFError(
                "笔记本的输出中缺少报告元数据（" + "、".join(missing) + "）：请用当前版本的 nianbao 重新运行笔记本后再导出 PDF。"
            )
        folder = Path(resources.get("metadata", {}).get("path") or ".")
        attachments = {}
        if self.attach_sources and meta.get("department") and meta.get("year"):
            root = self._project_root(folder)
            if root is not None:
                attachments.update(source_attachments(root, meta["department"], int(meta["year"])))
        if self.attach_manifest and (folder / "manifest.json").is_file():
            attachments["manifest.json"] = (folder / "manifest.json").read_bytes()
        pdf = html_to_pdf(
            html,
            title=meta["title"],
            author=meta["author"],
            subject=self.subject,
            publication_date=dt.date.fromisoformat(meta["publication_date"]),
            attachments=attachments,
        )
        resources["output_extension"] = self.file_extension
        return pdf, resources

    def _project_root(self, folder: Path) -> Path | None:
        from .project import ProjectError, find_root

        try:
            return find_root(start=folder, explicit=self.project_root or None)
        except ProjectError:
            return None
