"""Small HTML helpers shared by the report parts: escaping, fragments, Markdown.

Authored text is untrusted: Markdown is rendered with raw HTML disabled, then
sanitised with nh3 (an allow-list), so no script, event handler, ``javascript:``
link or remote image survives into a published page.
"""

from __future__ import annotations

from html import escape

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td", "a", "code", "hr", "span",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"colspan", "rowspan"}, "td": {"colspan", "rowspan"}}
URL_SCHEMES = {"http", "https", "mailto"}
REPORT_CLASS = "nianbao-report"


class Fragment:
    """A piece of the report as HTML; Jupyter displays it, the exporter keeps it.

    ``metadata`` travels with the display output (the exporter reads the page
    title from it).
    """

    def __init__(self, html: str, metadata: dict | None = None):
        self.html = html
        self.metadata = metadata or {}

    def _repr_html_(self):
        wrapped = f'<div class="{REPORT_CLASS}">{self.html}</div>'
        return (wrapped, {"nianbao": self.metadata}) if self.metadata else wrapped

    def __str__(self):
        return self.html

    def __add__(self, other: Fragment) -> Fragment:
        return Fragment(self.html + other.html, {**self.metadata, **other.metadata})


def text(value) -> str:
    return escape(str(value), quote=True)


def markdown(source: str) -> str:
    """Authored Markdown → sanitised HTML."""
    import nh3
    from markdown_it import MarkdownIt

    # Headings inside a section start at h3: the section heading is h2.
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
    rendered = md.render(_shift_headings(source))
    return nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    ).strip()


def _shift_headings(source: str) -> str:
    lines = []
    for line in source.splitlines():
        stripped = line.lstrip()
        if stripped.startswith("#"):
            hashes = len(stripped) - len(stripped.lstrip("#"))
            if 0 < hashes < 3 and stripped[hashes : hashes + 1] in (" ", "\t"):
                line = "###" + stripped[hashes:]
        lines.append(line)
    return "\n".join(lines)


def findings_table(findings, caption: str) -> str:
    """Findings as an HTML table (the draft panel, the office's checks page)."""
    from .findings import SEVERITY_TITLES, location

    rows = "".join(
        f'<tr class="sev-{f.severity}"><td><span class="badge {f.severity}">{SEVERITY_TITLES[f.severity]}</span></td>'
        f"<td>{text(f.rule)}</td><td>{text(location(f) or '—')}</td><td>{text(f.message)}"
        + (f"<br>说明：{text(f.explanation)}" if f.explanation else "")
        + "</td></tr>"
        for f in findings
    )
    return (
        f'<div class="table-scroll scroll"><table><caption class="visually-hidden">{text(caption)}</caption>'
        '<thead><tr><th scope="col">级别</th><th scope="col">规则</th><th scope="col">位置</th>'
        f'<th scope="col">问题</th></tr></thead><tbody>{rows}</tbody></table></div>'
    )
