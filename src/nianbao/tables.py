"""The official tables of sections 二, 三 and 四 as HTML, in the official merged-cell
layout (FORMAT.md §3.3–3.5, §4.2–4.4).  Every label comes from :mod:`formats`;
every numeric cell is written (0, never blank); amounts as entered (at least 4 places).

``flagged`` is a set of (table, row, column) cells to highlight in draft mode.
"""

from __future__ import annotations

from . import formats as F
from .contract import Submission
from .html import text
from .template import format_number

_FLAG = ' class="flag"'


def _td(sub: Submission, table: str, row: str, column: str, flagged, domain=F.COUNT, colspan=1) -> str:
    value = format_number(sub.value(table, row, column), domain)
    attrs = f' colspan="{colspan}"' if colspan > 1 else ""
    mark = _FLAG if (table, row, column) in flagged or (table, None, column) in flagged else ""
    return f'<td{attrs}{mark} data-row="{text(row)}" data-col="{text(column)}">{value}</td>'


def _caption(title: str, hidden: bool = True) -> str:
    cls = ' class="visually-hidden"' if hidden else ""
    return f"<caption{cls}>{text(title)}</caption>"


def disclosure_table(sub: Submission, flagged=frozenset()) -> str:
    """Section 二: one 4-column table, a heading row per item of 第二十条."""
    rows = []
    for item in sub.format.disclosure:
        rows.append(f'<tr class="item"><th colspan="4" scope="colgroup">{text(item.article)}</th></tr>')
        spans = _value_spans(len(item.columns))
        header = "".join(
            f'<th scope="col"{_span(span)}>{text(col.label)}</th>' for col, span in zip(item.columns, spans, strict=False)
        )
        rows.append(f'<tr class="head"><th scope="col">{text(F.DISCLOSURE_ROW_HEADER)}</th>{header}</tr>')
        for row in item.rows:
            cells = "".join(
                _td(sub, F.DISCLOSURE, row, col.label, flagged, col.domain, span)
                for col, span in zip(item.columns, spans, strict=False)
            )
            rows.append(f'<tr><th scope="row">{text(row)}</th>{cells}</tr>')
    return (
        '<div class="table-scroll"><table class="official disclosure">'
        + _caption(F.SECTION_HEADINGS[1])
        + "<tbody>"
        + "".join(rows)
        + "</tbody></table></div>"
    )


def _value_spans(n: int) -> list[int]:
    """Three value columns shared by n indicators: the last one takes the rest."""
    return [1] * (n - 1) + [3 - (n - 1)]


def _span(n: int, attr: str = "colspan") -> str:
    return f' {attr}="{n}"' if n > 1 else ""


def applications_table(sub: Submission, flagged=frozenset()) -> str:
    """Section 三: the 3-row header with the 勾稽 note; group labels span their rows."""
    fmt = sub.format
    orgs = "".join(f'<th scope="col">{text(o)}</th>' for o in F.ORGANISATIONS)
    head = (
        "<thead>"
        f'<tr><th colspan="3" rowspan="3" class="note">{text(F.BALANCE_NOTE)}</th>'
        f'<th colspan="7" scope="colgroup">{text(F.APPLICANT_HEADER)}</th></tr>'
        f'<tr><th rowspan="2" scope="col">{text(F.NATURAL_PERSON)}</th>'
        f'<th colspan="5" scope="colgroup">{text(F.ORGANISATION_HEADER)}</th>'
        f'<th rowspan="2" scope="col">{text(F.TOTAL)}</th></tr>'
        f"<tr>{orgs}</tr>"
        "</thead>"
    )
    results_span = sum(1 for row in fmt.application_rows if row.path[0] == F.RESULTS)
    group_spans: dict[str, int] = {}
    for row in fmt.application_rows:
        if row.group:
            group_spans[row.group] = group_spans.get(row.group, 0) + 1
    body, opened = [], set()
    for row in fmt.application_rows:
        labels = []
        if len(row.path) == 1:
            labels.append(f'<th colspan="3" scope="row">{text(row.label)}</th>')
        else:
            if F.RESULTS not in opened:
                opened.add(F.RESULTS)
                labels.append(f'<th rowspan="{results_span}" scope="rowgroup">{text(F.RESULTS)}</th>')
            if row.group is None:
                labels.append(f'<th colspan="2" scope="row">{text(row.label)}</th>')
            else:
                if row.group not in opened:
                    opened.add(row.group)
                    labels.append(f'<th rowspan="{group_spans[row.group]}" scope="rowgroup">{text(row.group)}</th>')
                labels.append(f'<th scope="row">{text(row.label)}</th>')
        cells = "".join(_td(sub, F.APPLICATIONS, row.label, col, flagged) for col in F.APPLICATION_COLUMNS)
        body.append(f"<tr>{''.join(labels)}{cells}</tr>")
    return (
        '<div class="table-scroll"><table class="official applications">'
        + _caption(F.SECTION_HEADINGS[2])
        + head
        + "<tbody>"
        + "".join(body)
        + "</tbody></table></div>"
    )


def review_table(sub: Submission, flagged=frozenset()) -> str:
    """Section 四: 15 cells under the two-level 行政复议 / 行政诉讼 header."""
    review, direct, after = F.REVIEW_ROWS
    outcomes = F.REVIEW_COLUMNS
    head = (
        "<thead>"
        f'<tr><th colspan="5" scope="colgroup">{text(F.REVIEW_HEADER)}</th>'
        f'<th colspan="10" scope="colgroup">{text(F.LITIGATION_HEADER)}</th></tr>'
        "<tr>"
        + "".join(f'<th rowspan="2" scope="col">{text(c)}</th>' for c in outcomes)
        + f'<th colspan="5" scope="colgroup">{text(direct)}</th><th colspan="5" scope="colgroup">{text(after)}</th></tr>'
        "<tr>" + "".join(f'<th scope="col">{text(c)}</th>' for c in outcomes * 2) + "</tr>"
        "</thead>"
    )
    cells = "".join(_td(sub, F.REVIEW, group, col, flagged) for group in F.REVIEW_ROWS for col in outcomes)
    return (
        '<div class="table-scroll"><table class="official review">'
        + _caption(F.SECTION_HEADINGS[3])
        + head
        + f"<tbody><tr>{cells}</tr></tbody></table></div>"
    )
