"""Analysts' own cells in the report: what a code cell displays is published.

:func:`install` (called by :func:`nianbao.report.open_report` inside a kernel)
teaches the IPython shell three displays, each as report HTML (``text/html``,
the one kind the export keeps and sanitises):

- a matplotlib figure — ``plt.show()``, a bare ``fig`` or ``display(fig)`` — as
  an inline PNG in the kit's fonts and style, with a text alternative (from
  ``report.figure(fig, alt=…)``, else the figure's title; in draft mode a
  warning when there is neither).  Every figure still open when a cell ends is
  shown there and closed, as Jupyter's inline backend does;
- a pandas DataFrame or Styler as a table of the report's table class;
- IPython's ``Markdown`` through the kit's Markdown pipeline (``html.markdown``).

The shell is the kernel's; :func:`uninstall` (the warm kernel's reset) removes
all of it so nothing of one report reaches the next.
"""

from __future__ import annotations

import warnings
from functools import partial

from .html import Fragment, markdown, text

TABLE_CLASS = "official analyst"  # the report's table class, marked as an analyst's
MISSING_ALT = "图表（缺少文字说明）"
# Draft mode: said under a figure that has neither alt text nor a title.
ALT_WARNING = '此图没有文字说明：请用 report.figure(fig, alt="……") 写明图中的数字，或给图加标题。'
_HOOKS: dict[int, object] = {}  # id(shell) -> its post-cell hook (to remove it again)


def figure_title(fig) -> str:
    """The figure's suptitle, else its first axes title (centre, left, right)."""
    suptitle = getattr(fig, "_suptitle", None)
    if suptitle is not None and suptitle.get_text().strip():
        return suptitle.get_text().strip()
    for ax in fig.get_axes():
        for loc in ("center", "left", "right"):
            if ax.get_title(loc).strip():
                return ax.get_title(loc).strip()
    return ""


def figure_html(fig, alt: str | None = None, draft: bool = True) -> str:
    """The figure as a report ``<figure>`` (PNG inline), then closed."""
    from .charts import Chart, render_png

    title = figure_title(fig)
    chosen = (alt or "").strip() or title
    html = Chart(title, chosen or MISSING_ALT, render_png(fig)).html()
    if not chosen and draft:
        html += f'<p class="missing">{text(ALT_WARNING)}</p>'
    return html


def frame_html(frame) -> str:
    """A DataFrame as a table of the report's class."""
    return f'<div class="table-scroll">{frame.to_html(border=0, classes=TABLE_CLASS.split())}</div>'


def styler_html(styler) -> str:
    """A Styler as a table of the report's class: its CSS and random ids left out
    (the sanitiser would drop the styles anyway; the ids would differ at each run)."""
    # exclude_styles drops table_attributes too: the class goes on afterwards.
    table = styler.to_html(exclude_styles=True).replace("<table>", f'<table class="{TABLE_CLASS}">', 1)
    return f'<div class="table-scroll">{table}</div>'


def _printers():
    import matplotlib.figure
    import pandas
    from IPython.display import Markdown
    from pandas.io.formats.style import Styler

    return {matplotlib.figure.Figure: figure_html, pandas.DataFrame: frame_html, Styler: styler_html,
            Markdown: lambda md: markdown(md.data or "")}


def _as_fragment(printer, value) -> str:
    return Fragment(printer(value))._repr_html_()


def install(draft: bool) -> None:
    """Teach the running IPython shell (if any) to show analysts' output as report HTML."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    from . import charts

    charts.setup()  # the kit's fonts and style for the analyst's figures too
    # plt.show() under Agg only warns; the figure is shown when the cell ends.
    warnings.filterwarnings("ignore", message=".*non-interactive.*", category=UserWarning)
    formatter = shell.display_formatter.formatters["text/html"]
    for kind, printer in _printers().items():
        if printer is figure_html:
            printer = partial(figure_html, draft=draft)
        formatter.for_type(kind, partial(_as_fragment, printer))
    _remove_hook(shell)

    def show_open_figures() -> None:
        from IPython.display import display
        from matplotlib import pyplot

        for number in pyplot.get_fignums():
            display(pyplot.figure(number))
            pyplot.close(number)  # shown once, even if drawing it failed

    shell.events.register("post_execute", show_open_figures)
    _HOOKS[id(shell)] = show_open_figures


def _remove_hook(shell) -> None:
    hook = _HOOKS.pop(id(shell), None)
    if hook is not None:
        shell.events.unregister("post_execute", hook)


def uninstall() -> None:
    """Forget everything :func:`install` taught the shell (the warm kernel's reset)."""
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        return
    _remove_hook(shell)
    formatter = shell.display_formatter.formatters["text/html"]
    for kind in _printers():
        formatter.type_printers.pop(kind, None)
