"""Font subsets in one HarfBuzz pass (nianbao.fontsubset): the same embedded
font, byte for byte, as WeasyPrint's own two passes, for the kit's two fonts
and glyph sets from a few glyphs to a whole report's."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from nianbao import fontsubset
from nianbao import pdf as P

pytestmark = pytest.mark.pdf

PAGES = {
    "a few glyphs": "<p>一</p>",
    "a report's worth": "<h1>某某局2024年政府信息公开工作年度报告</h1>" + "<p>（一）主动公开情况：本年新制发规范性文件 12 件，"
    "废止 3 件；“政府信息公开”专栏访问量 4,567 次。</p><table><tr><th>申请人情况</th><td>0</td><td>98.6%</td></tr></table>" * 3,
    "Latin and digits only": "<p>ABC xyz 0123456789 -+/%</p>",
}


@pytest.fixture(scope="module")
def subset_calls():
    """(font, glyph ids -> text, hinting) of every subset the PDFs of PAGES asked for."""
    from weasyprint.pdf.fonts import Font

    P._setup()  # installs the one-pass subset
    seen = []
    installed = Font._harfbuzz_subset

    def recording(self, to_unicode, hinting):
        seen.append((self, dict(to_unicode), hinting))
        return installed(self, to_unicode, hinting)

    Font._harfbuzz_subset = recording
    try:
        for body in PAGES.values():
            page = f'<html><body><div class="nianbao-report">{body}</div></body></html>'  # print.css: th, h1 sans
            P.html_to_pdf(page, title="t", author="a",
                          publication_date=dt.date(2025, 1, 20))
    finally:
        Font._harfbuzz_subset = installed
    return seen


def test_weasyprint_subsets_in_one_pass_once_the_pdf_is_set_up(subset_calls):
    from weasyprint.pdf.fonts import Font

    assert getattr(Font._harfbuzz_subset, "nianbao_one_pass", False)
    assert {font.family for font, _, _ in subset_calls} == {"NotoSansSC-Regular", "NotoSerifSC-Regular"}


def test_one_pass_gives_the_font_weasyprints_two_passes_give(subset_calls):
    from fontTools.ttLib import TTFont
    from weasyprint.pdf.fonts import Font

    two_passes = Font._harfbuzz_subset.two_passes
    for font, to_unicode, hinting in subset_calls:
        one = fontsubset.one_pass_subset(font, to_unicode, hinting)
        two_passes(font, to_unicode, hinting)
        assert one is not None and one == font.file_content, font.family
        # the font ends at the last glyph used: its slots are the glyph ids the page names
        assert TTFont(io.BytesIO(one))["maxp"].numGlyphs == max(to_unicode) + 1
