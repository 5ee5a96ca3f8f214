"""The kit's own fonts: Noto Sans SC and Noto Serif SC (SIL OFL 1.1), from the
pinned PyPI package ``pylopdf-fonts-zh-cn``.  Charts and PDFs use only these, so
every machine draws the same Simplified Chinese glyphs whatever it has installed."""

from __future__ import annotations

from pathlib import Path

SANS, SERIF = "NotoSansSC-Regular", "NotoSerifSC-Regular"  # CSS families = the fonts' PostScript names


def font_files() -> dict[str, Path]:
    """The font files, by CSS family."""
    from pylopdf_fonts_zh_cn import sans_path, serif_path

    return {SANS: Path(sans_path()).resolve(), SERIF: Path(serif_path()).resolve()}
