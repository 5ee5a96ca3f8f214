"""Charts for the report (matplotlib, Agg), in Simplified Chinese.

The font is the kit's own pinned Noto Sans SC (package ``pylopdf-fonts-zh-cn``),
registered with matplotlib at first use, so every machine draws the same glyphs
and none draws tofu.  Charts come back as ``<figure>`` HTML with the PNG inline
(the published page fetches nothing) and an alt text that states the figures.
"""

from __future__ import annotations

import base64
import functools
import io
from dataclasses import dataclass

from . import formats as F
from .cells import Number
from .contract import Submission
from .html import text
from .prose import group_totals

_PALETTE = ("#1f4e79", "#c0504d", "#9bbb59", "#8064a2", "#f79646", "#4bacc6", "#7f7f7f")
_FONT_READY = False


def font_path():
    from .fonts import SANS, font_files

    return font_files()[SANS]


@functools.cache
def _registered_font() -> str:
    """Register the kit's font with matplotlib once per process; its family name.
    (Registering again would reread the font file and empty matplotlib's font lookup cache.)"""
    from matplotlib import font_manager

    path = font_path()
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def setup():
    global _FONT_READY
    if _FONT_READY:
        return
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    name = _registered_font()
    pyplot.rcParams.update(
        {
            "font.family": [name],
            "axes.unicode_minus": False,  # the font has no U+2212 minus
            "svg.hashsalt": "nianbao",
            "figure.dpi": 100,
            "axes.spines.top": False,
            "axes.spines.right": False,
            # Names are drawn literally: a region called "$\\frac{1}{$区" is text, not mathtext to parse.
            "text.parse_math": False,
        }
    )
    _FONT_READY = True


def reset() -> None:
    """Back to matplotlib's defaults; the next chart sets the kit's style again.
    (Between reports in a reused kernel: no setting leaks from one to the next.)"""
    global _FONT_READY
    from matplotlib import pyplot

    pyplot.rcdefaults()
    _FONT_READY = False


@dataclass(frozen=True)
class Chart:
    title: str
    alt: str
    png: bytes

    def html(self) -> str:
        data = base64.b64encode(self.png).decode("ascii")
        return (
            f'<figure class="chart"><img src="data:image/png;base64,{data}" alt="{text(self.alt)}">'
            + (f"<figcaption>{text(self.title)}</figcaption>" if self.title else "")  # an analyst's may have none
            + "</figure>"
        )


def render_png(fig) -> bytes:
    """The figure as PNG bytes (then closed); used for the report's and the index pages' charts.

    An opaque figure (the kit's charts, and an analyst's unless made transparent)
    is written as an RGB PNG, not matplotlib's RGBA with an alpha of 255
    everywhere: the same pixels, and the PDF can take the PNG's compressed rows
    as they are (``nianbao.pngdata``) instead of decoding the image and
    re-encoding its colours and an all-opaque mask.
    """
    from matplotlib import pyplot

    buffer = io.BytesIO()
    _png_canvas_class()(fig)  # savefig finds its print_png; bbox_inches and facecolor work as ever
    fig.savefig(buffer, format="png", bbox_inches="tight")
    pyplot.close(fig)
    return buffer.getvalue()


@functools.cache
def _png_canvas_class():
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    class OpaqueAsRGBCanvas(FigureCanvasAgg):
        """Agg, writing PNGs without an alpha channel when every pixel is opaque."""

        # savefig passes the options it handled itself (dpi, facecolor, orientation...)
        # only to matplotlib's own print methods' parameters; ours takes and ignores them.
        def print_png(self, filename_or_obj, **_handled):
            import numpy as np
            from PIL import Image

            FigureCanvasAgg.draw(self)
            rgba = np.asarray(self.buffer_rgba())
            pixels = rgba[..., :3] if bool((rgba[..., 3] == 255).all()) else rgba
            # No text chunks: the PNG bytes depend on the figure alone (byte-identical
            # rebuilds); the resolution is kept, as matplotlib writes it.
            Image.fromarray(np.ascontiguousarray(pixels)).save(
                filename_or_obj, format="png", dpi=(self.figure.dpi, self.figure.dpi)
            )

    return OpaqueAsRGBCanvas


def new_figure(width=6.4, height=3.2):
    """``(fig, ax)`` with the kit's font and style, sized in inches."""
    setup()
    from matplotlib import pyplot

    return pyplot.subplots(figsize=(width, height))


def _hbar(labels, values, title, unit="件") -> bytes:
    fig, ax = new_figure(6.4, 0.45 * len(labels) + 1.0)
    bars = ax.barh(range(len(labels)), values, color=_PALETTE[0])
    ax.set_yticks(range(len(labels)), labels)
    ax.invert_yaxis()
    ax.bar_label(bars, labels=[f"{v}{unit}" for v in values], padding=3)
    ax.set_xlim(0, max(values) * 1.2 or 1)
    ax.xaxis.set_visible(False)
    ax.spines["bottom"].set_visible(False)
    ax.set_title(title, loc="left")
    return render_png(fig)


def _pairs_text(labels, values, unit="件") -> str:
    return "，".join(f"{label}{value}{unit}" for label, value in zip(labels, values, strict=False))


def applicants(sub: Submission) -> Chart | None:
    labels = list(F.APPLICATION_COLUMNS[:-1])
    values = [sub.value(F.APPLICATIONS, F.NEW, col) for col in labels]
    if not any(values):
        return None
    title = f"{sub.year}年新收申请的申请人构成"
    return Chart(title, f"{title}：{_pairs_text(labels, values)}。", _hbar(labels, values, title))


def outcomes(sub: Submission) -> Chart | None:
    totals = group_totals(sub)
    if not any(totals.values()):
        return None
    labels = [F.OUTCOME_GROUP_NAMES[g] for g in totals]
    values = list(totals.values())
    title = f"{sub.year}年申请办理结果"
    return Chart(title, f"{title}：{_pairs_text(labels, values)}。", _hbar(labels, values, title))


def trend(history: list[Submission]) -> Chart | None:
    """New, carried-over and handled applications per year (needs ≥ 2 years)."""
    if len(history) < 2:
        return None
    years = [s.year for s in history]
    series = {
        "本年新收": [s.value(F.APPLICATIONS, F.NEW, F.TOTAL) for s in history],
        "上年结转": [s.value(F.APPLICATIONS, F.CARRIED_IN, F.TOTAL) for s in history],
        "本年办结": [s.value(F.APPLICATIONS, F.OUTCOME_TOTAL, F.TOTAL) for s in history],
    }
    if not any(any(v) for v in series.values()):
        return None
    fig, ax = new_figure(6.4, 3.2)
    for (name, values), color, marker in zip(series.items(), _PALETTE, "os^", strict=False):
        ax.plot(years, values, marker=marker, color=color, label=name)
    ax.set_xticks(years, [f"{y}年" for y in years])
    ax.set_ylim(bottom=0)
    ax.legend(frameon=False, ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.12))
    title = f"{years[0]}—{years[-1]}年申请数量变化"
    ax.set_title(title, loc="left")
    alt = title + "：" + "；".join(
        f"{y}年新收{n}件、上年结转{c}件、办结{d}件" for y, n, c, d in zip(years, *series.values(), strict=False)
    ) + "。"
    return Chart(title, alt, render_png(fig))


def review(sub: Submission) -> Chart | None:
    groups = list(F.REVIEW_ROWS)
    outcomes_ = list(F.REVIEW_COLUMNS[:-1])
    values = {g: [sub.value(F.REVIEW, g, o) for o in outcomes_] for g in groups}
    if not any(any(v) for v in values.values()):
        return None
    fig, ax = new_figure(6.4, 2.8)
    lefts: list[Number] = [0] * len(groups)
    for i, outcome in enumerate(outcomes_):
        widths = [values[g][i] for g in groups]
        ax.barh(range(len(groups)), widths, left=lefts, color=_PALETTE[i], label=outcome)
        lefts = [a + b for a, b in zip(lefts, widths, strict=False)]
    ax.set_yticks(range(len(groups)), groups)
    ax.invert_yaxis()
    ax.legend(frameon=False, ncols=4, loc="upper center", bbox_to_anchor=(0.5, -0.12))
    ax.xaxis.get_major_locator().set_params(integer=True)
    title = f"{sub.year}年{F.REVIEW_HEADER}、{F.LITIGATION_HEADER}结果"
    ax.set_title(title, loc="left")
    alt = title + "：" + "；".join(f"{g}{_pairs_text(outcomes_, values[g])}" for g in groups) + "。"
    return Chart(title, alt, render_png(fig))


def member_shares(year: int, names: list[str], values: list[int]) -> Chart | None:
    """A government's report: each member's share of the new applications it totals."""
    if not any(values):
        return None
    total = sum(values)
    title = f"{year}年各成员新收申请"
    shares = "，".join(f"{name}{value}件（{value * 100 / total:.1f}%）" for name, value in zip(names, values, strict=False))
    return Chart(title, f"{title}：{shares}。", _hbar(names, values, title))
