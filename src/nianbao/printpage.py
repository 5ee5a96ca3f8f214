"""The exported page made ready for print, before WeasyPrint lays it out (the PDF
only: the web page, the fragments and the Word file are made from the page as
exported).

- :func:`title_lines`: a long title breaks after the department's name;
- :func:`print_page`: the value cells' keys dropped and the official tables at
  the column widths declared with their grid (:func:`fixed_grid_tables`);
- :func:`served_images`: the page's inline images named, to be served by name.

These work on the kit's own markup (``nianbao.tables`` writes the official
tables, the exporter sanitises the rest), so plain patterns find what they
change; anything else in the page passes through untouched.
"""

from __future__ import annotations

import base64
import binascii
import re
from functools import cache
from html import escape, unescape

from .formats import FORMATS
from .grids import PRINT_WIDTHS, grid

TITLE_LINE_CHARS = 20  # what fits on one line of the title at 22pt in the A4 text width


def title_lines(html: str, title: str, author: str) -> str:
    """A long title breaks after the department's name, as official documents set
    it ("某某局" / "2024年政府信息公开工作年度报告"), not at whatever character the
    line happens to end."""
    rest = title[len(author):] if title.startswith(author) else ""
    if not rest or len(author) > TITLE_LINE_CHARS or len(rest) > TITLE_LINE_CHARS:
        return html
    plain = f"<h1>{escape(title, quote=True)}</h1>"
    lines = (f'<h1><span class="title-line">{escape(author, quote=True)}</span>'
             f'<span class="title-line">{escape(rest, quote=True)}</span></h1>')
    return html.replace(plain, lines, 1)


# What decides whether a number fits its column at the fixed widths; print.css
# sets these (A4 with 28 mm and 22 mm side margins; cells in 五号 with 3 pt side
# padding and .6 pt collapsed rules, the table's outer half-rules inside its
# width), and a test lays the tables out to check.
RULE_PT = 0.6
TABLE_WIDTH_PT = (210 - 28 - 22) / 25.4 * 72 - RULE_PT
CELL_EXTRA_PT = 2 * 3 + RULE_PT
NARROW_CHAR_PT = 5.901  # the widest digit of the kit's fonts at 10.5 pt (Noto Serif SC's 9); "." and "-" are narrower
WIDE_CHAR_PT = 10.5  # any other character: a full em

_OFFICIAL_TABLE = re.compile(r'<table class="official (disclosure|applications|review)">(.*?)</table>', re.S)
_LEADING_CAPTION = re.compile(r"<caption[^>]*>.*?</caption>", re.S)
_VALUE_TEXT = re.compile(r"<td[^>]*>([^<]*)</td>")


# The value cells' data-row / data-col name their cell for the page's readers (the
# Word file, scripts); nothing in print reads them, and they were almost half of
# WeasyPrint's HTML parsing (its tokenizer takes attribute values character by character).
_CELL_KEYS = re.compile(r' data-(?:row|col)="[^"]*"')


def print_page(html: str) -> str:
    """The exported page as the PDF lays it out: the cells' keys dropped, the
    official tables at their fixed widths (:func:`fixed_grid_tables`)."""
    return fixed_grid_tables(_CELL_KEYS.sub("", html))


def fixed_grid_tables(html: str) -> str:
    """Each official table at the column widths declared for it
    (:data:`nianbao.grids.PRINT_WIDTHS`), with ``table-layout: fixed``
    (print.css, class ``fixed-grid``), unless one of its numbers is wider than
    the narrowest column a number sits in: then the table keeps the automatic
    layout, which widens the columns for it."""
    return _OFFICIAL_TABLE.sub(_at_fixed_widths, html)


def _at_fixed_widths(match: re.Match) -> str:
    table, inner = match.groups()
    room = _value_room_pt(table)
    if any(_text_width_pt(unescape(value)) > room for value in _VALUE_TEXT.findall(inner)):
        return match.group(0)
    columns = "".join(f'<col style="width: {width:.4f}%">' for width in PRINT_WIDTHS[table])
    caption = _LEADING_CAPTION.match(inner)
    at = caption.end() if caption else 0
    return f'<table class="official {table} fixed-grid">{inner[:at]}<colgroup>{columns}</colgroup>{inner[at:]}</table>'


@cache
def _value_room_pt(table: str) -> float:
    """The text width of the narrowest cell a number of ``table`` sits in, in any format."""
    widths = PRINT_WIDTHS[table]
    narrowest = min(
        sum(widths[cell.col : cell.col + cell.cols]) for fmt in FORMATS for cell in grid(fmt, table).values()
    )
    return narrowest / 100 * TABLE_WIDTH_PT - CELL_EXTRA_PT


def _text_width_pt(value: str) -> float:
    value = value.strip()
    return sum(NARROW_CHAR_PT if char.isascii() else WIDE_CHAR_PT for char in value)


# An inline image as the exporter's sanitiser lets it through (nianbao.html).
_INLINE_IMAGE = re.compile(r'(<img\b[^>]*?\ssrc=")data:(image/[a-z]+);base64,([A-Za-z0-9+/=\s]*)"')
IMAGE_SCHEME = "nianbao-image"


def served_images(html: str) -> tuple[str, dict[str, tuple[bytes, str]]]:
    """The page with each inline image's data URL replaced by a short name
    (``nianbao-image:0``, ...; the same image, the same name), and the images by
    name as (bytes, MIME type): the PDF's fetcher serves them, so WeasyPrint's
    HTML tokenizer does not walk a chart's base64 character by character.  An
    image whose base64 does not decode keeps its data URL."""
    names: dict[str, str] = {}
    images: dict[str, tuple[bytes, str]] = {}

    def named(match: re.Match) -> str:
        head, mime, encoded = match.groups()
        if encoded not in names:
            try:
                data = base64.b64decode(encoded)
            except (binascii.Error, ValueError):
                return match.group(0)
            names[encoded] = f"{IMAGE_SCHEME}:{len(names)}"
            images[names[encoded]] = (data, mime)
        return f'{head}{names[encoded]}"'

    return _INLINE_IMAGE.sub(named, html), images
