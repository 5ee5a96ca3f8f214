"""Font subsets for the PDF in one HarfBuzz pass instead of WeasyPrint's two.

WeasyPrint 70 subsets each embedded font twice: once keeping the used glyphs at
their ids (``RETAIN_GIDS``: its content streams name glyphs by id), then again
over every id up to the last one used, to drop the empty slots after it.  With
HarfBuzz 6 (Debian 12's) the first pass already stops at the last glyph used,
so the second rebuilt the same ~30,000-slot font for nothing: ~7 ms per font,
two fonts per report.  :func:`subset_in_one_pass` makes WeasyPrint run the one
pass with the flags of both (hinting dropped as its second pass drops it) and
keep the result when it ends at the last glyph used; when it does not (another
HarfBuzz), WeasyPrint's own two passes run as before.  The embedded font is
byte for byte the one WeasyPrint made (tests compare both).
"""

from __future__ import annotations

# The tables WeasyPrint drops from an embedded font (weasyprint/pdf/fonts.py).
DROPPED_TABLES = (b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"GPOS", b"GSUB", b"JSTF", b"LTSH", b"PCLT", b"SVG ")


def one_pass_subset(font, to_unicode: dict, hinting: bool) -> bytes | None:
    """The subset of ``font`` (a WeasyPrint ``Font``) to the glyph ids in
    ``to_unicode``, in one pass; ``None`` if HarfBuzz failed or kept slots past
    the last glyph used (then WeasyPrint's second pass is needed)."""
    from weasyprint.text.ffi import ffi, harfbuzz, harfbuzz_subset
    from weasyprint.text.fonts import get_hb_object_data

    request = ffi.gc(harfbuzz_subset.hb_subset_input_create_or_fail(), harfbuzz_subset.hb_subset_input_destroy)
    glyphs = sorted(to_unicode)
    harfbuzz.hb_set_add_sorted_array(
        harfbuzz_subset.hb_subset_input_glyph_set(request), ffi.new(f"hb_codepoint_t[{len(glyphs)}]", glyphs), len(glyphs)
    )
    flags = (
        harfbuzz_subset.HB_SUBSET_FLAGS_RETAIN_GIDS
        | harfbuzz_subset.HB_SUBSET_FLAGS_PASSTHROUGH_UNRECOGNIZED
        | harfbuzz_subset.HB_SUBSET_FLAGS_DESUBROUTINIZE
    )
    if not hinting:
        flags |= harfbuzz_subset.HB_SUBSET_FLAGS_NO_HINTING
    if font.missing:
        flags |= harfbuzz_subset.HB_SUBSET_FLAGS_NOTDEF_OUTLINE
    harfbuzz_subset.hb_subset_input_set_flags(request, flags)
    tags = [harfbuzz.hb_tag_from_string(tag, -1) for tag in DROPPED_TABLES]
    harfbuzz.hb_set_add_sorted_array(
        harfbuzz_subset.hb_subset_input_set(request, harfbuzz_subset.HB_SUBSET_SETS_DROP_TABLE_TAG),
        ffi.new(f"hb_codepoint_t[{len(tags)}]", sorted(tags)),
        len(tags),
    )
    face = ffi.gc(harfbuzz_subset.hb_subset_or_fail(font.hb_face, request), harfbuzz.hb_face_destroy)
    if not face or harfbuzz.hb_face_get_glyph_count(face) != glyphs[-1] + 1:
        return None
    return get_hb_object_data(face) or None


def subset_in_one_pass() -> None:
    """Make WeasyPrint (70) subset fonts with :func:`one_pass_subset`,
    falling back to its own method where that returns ``None``.  Idempotent."""
    from weasyprint.pdf.fonts import Font

    two_passes = Font._harfbuzz_subset
    if getattr(two_passes, "nianbao_one_pass", False):
        return

    def harfbuzz_subset(self, to_unicode, hinting):
        content = one_pass_subset(self, to_unicode, hinting) if to_unicode else None
        if content is None:
            return two_passes(self, to_unicode, hinting)
        self.file_content = content

    harfbuzz_subset.nianbao_one_pass = True  # type: ignore[attr-defined]
    harfbuzz_subset.two_passes = two_passes  # type: ignore[attr-defined]
    Font._harfbuzz_subset = harfbuzz_subset
