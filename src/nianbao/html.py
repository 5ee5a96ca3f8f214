"""HTML: the one place every page and fragment the kit writes is made safe.

Two rules, each applied where its kind of HTML is produced:

* :func:`text` escapes a value for HTML text or a quoted attribute (every
  user-supplied string the kit interpolates goes through it);
* :func:`sanitise` passes finished HTML through one allow-list (nh3): the kit's
  own markup (tables with spans and header attributes, classes, inline
  ``data:`` images) survives; scripts, event handlers, iframes, forms, styles,
  external resources and links that leave the page do not.  The report export
  (:mod:`nianbao.export`) and the sites (:mod:`nianbao.site`) call it on every
  page they write.

Authored Markdown (``narrative.md``) is rendered with raw HTML disabled; links
other than ``http:``, ``https:`` and ``mailto:`` become plain text and images
become their alt text (the report has no image inputs) — :func:`link_problems`
reports both to the checks, so nothing vanishes silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from urllib.parse import urlsplit

REPORT_CLASS = "nianbao-report"
LINK_SCHEMES = ("http", "https", "mailto")

# Everything the kit's own pages use, plus what Markdown produces.
SAFE_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del", "div", "dl",
    "dt", "em", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "i",
    "img", "li", "main", "nav", "ol", "p", "pre", "s", "section", "small", "span", "strong", "sub", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}
# Dropped with their content, not just unwrapped.
DROPPED_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "template", "noscript", "svg", "math", "select", "textarea"}
SAFE_ATTRIBUTES = {
    "*": {"class", "id", "lang", "title", "role", "aria-label", "aria-labelledby", "aria-describedby", "aria-hidden"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "th": {"colspan", "rowspan", "scope", "headers"},
    "td": {"colspan", "rowspan", "headers"},
    "col": {"span"},
    "colgroup": {"span"},
    "ol": {"start"},
}
_DATA_IMAGE = re.compile(r"data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*\Z")
_MARK = "\ue000"  # private-use: holds a kept style block's place through nh3
_STYLE_BLOCK = re.compile(r"<style>(.*?)</style>", re.S)


def text(value) -> str:
    return escape(str(value), quote=True)


# ---------------------------------------------------------------------------
# URLs
# ---------------------------------------------------------------------------


# Another report of the same year beside this one in the published folder (a
# government's report links its members'): the only relative link a report keeps.
SIBLING_REPORT = re.compile(r"\.\./[a-z0-9_-]+/report\.(?:html|pdf)")


def link_allowed(href: str, *, relative: bool = False) -> bool:
    """A link a published page may carry: http(s)/mailto, an in-page anchor, or
    (``relative``, the kit's own sites only) a path inside the site."""
    href = href.strip()
    if href.startswith("#") or SIBLING_REPORT.fullmatch(href):
        return True
    parts = urlsplit(href)
    if parts.scheme:
        return parts.scheme.lower() in LINK_SCHEMES and (parts.scheme.lower() == "mailto" or bool(parts.netloc))
    if parts.netloc or href.startswith(("/", "\\")):  # protocol-relative or absolute path: leaves the site
        return False
    return relative and "\\" not in href


def _url_filter(relative: bool):
    def keep(tag: str, attribute: str, value: str) -> str | None:
        if attribute == "src":
            return value if tag == "img" and _DATA_IMAGE.match(value.strip()) else None
        if attribute == "href":
            return value if link_allowed(value, relative=relative) else None
        return value

    return keep


# ---------------------------------------------------------------------------
# The sanitiser
# ---------------------------------------------------------------------------


def sanitise(html: str, *, kit_styles: tuple[str, ...] = (), relative_links: bool = False) -> str:
    """Finished HTML → HTML that is safe to publish (see the module doc).

    ``kit_styles`` are the kit's own stylesheets: a ``<style>`` block whose
    content is exactly one of them is kept; any other style block is dropped.
    ``relative_links`` allows links to other files of the site (the kit's own
    index pages); a report keeps only absolute http(s)/mailto links and anchors.
    """
    import nh3

    kept: list[str] = []

    def hold(match: re.Match) -> str:
        if match.group(1) in kit_styles:
            kept.append(match.group(0))
            return f"{_MARK}{len(kept) - 1}{_MARK}"
        return ""

    body = _STYLE_BLOCK.sub(hold, html) if "<style>" in html else html
    clean = nh3.clean(
        body,
        tags=SAFE_TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=SAFE_ATTRIBUTES,
        generic_attribute_prefixes={"data-"},
        url_schemes={*LINK_SCHEMES, "data"},  # data: only for inline images (see _url_filter)
        attribute_filter=_url_filter(relative_links),
        # Outward links from a report open without handing it the opener.
        link_rel=None if relative_links else "noopener noreferrer",
        strip_comments=True,
    )
    for index, block in enumerate(kept):
        clean = clean.replace(f"{_MARK}{index}{_MARK}", block, 1)
    return clean.replace(_MARK, "")


# ---------------------------------------------------------------------------
# Fragments and authored Markdown
# ---------------------------------------------------------------------------


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


@dataclass(frozen=True)
class LinkProblem:
    line: int  # 1-based, within the Markdown source
    kind: str  # "link" or "image"
    target: str
    label: str


def _markdown_parser():
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


def _line_of(source_lines: list[str], block_map, needle: str) -> int:
    start, end = block_map or (0, len(source_lines))
    for number in range(start, end):
        if needle and needle in source_lines[number]:
            return number + 1
    return start + 1


def _tame_links(tokens, source: str) -> list[LinkProblem]:
    """Turn disallowed links into their text and images into their alt text, in
    place; return what was changed."""
    from markdown_it.token import Token

    problems: list[LinkProblem] = []
    lines = source.splitlines()
    for block in tokens:
        if block.type != "inline" or not block.children:
            continue
        children, dropping = [], 0
        for token in block.children:
            if token.type == "link_open":
                href = str(token.attrs.get("href", ""))
                if not link_allowed(href):
                    dropping += 1
                    problems.append(LinkProblem(_line_of(lines, block.map, href), "link", href, ""))
                    continue
            elif token.type == "link_close" and dropping:
                dropping -= 1
                continue
            elif token.type == "image":
                src = str(token.attrs.get("src", ""))
                problems.append(LinkProblem(_line_of(lines, block.map, src), "image", src, token.content))
                token = Token("text", "", 0, content=token.content)
            children.append(token)
        block.children = children
    return problems


def link_problems(source: str) -> list[LinkProblem]:
    """The links and images of authored Markdown that a published page drops."""
    md = _markdown_parser()
    return _tame_links(md.parse(source), source)


def markdown(source: str) -> str:
    """Authored Markdown → sanitised HTML."""
    md = _markdown_parser()
    # Headings inside a section start at h3: the section heading is h2.
    shifted = _shift_headings(source)
    tokens = md.parse(shifted)
    _tame_links(tokens, shifted)
    rendered = md.renderer.render(tokens, md.options, {})
    return sanitise(rendered).strip()


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
