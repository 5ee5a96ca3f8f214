"""Messy published pages, made from the kit's own report pages, one mess at a
time (issue 16): what real government websites and Word do to the official
tables.  Every function takes and returns a page's HTML text; ``plain`` first
removes every attribute except rowspan/colspan, so nothing the kit marks its
cells with can help the importer."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Comment

from htmlgrid import grid, tables


def soup_of(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def plain(html: str) -> str:
    soup = soup_of(html)
    for tag in soup.find_all(True):
        tag.attrs = {k: v for k, v in tag.attrs.items() if k in ("rowspan", "colspan")}
    return str(soup)


def report_table(soup, word: str):
    """The table whose text holds a word only that official table prints."""
    return next(t for t in soup.find_all("table") if word in t.get_text())


APPLICATIONS, REVIEW, DISCLOSURE = "自然人", "结果维持", "信息内容"


def _texts(table_el) -> list[list[str]]:
    parsed = tables(str(table_el))[0]
    return [[(cell or {}).get("text", "") for cell in row] for row in grid(parsed)]


def render(rows: list[list[str]], merge_cols: int, header_rows: int = 0, texts=None) -> str:
    """A grid of texts back to a <table>: equal neighbours in the first
    ``merge_cols`` columns (all columns of the first ``header_rows`` rows) merged
    with rowspan/colspan, as Word merges them."""
    texts = texts or {}
    covered: set = set()
    out = []
    for r, row in enumerate(rows):
        cells = []
        for c, text in enumerate(row):
            if (r, c) in covered:
                continue
            mergeable = c < merge_cols or r < header_rows
            colspan = 1
            while mergeable and c + colspan < len(row) and row[c + colspan] == text and (c + colspan < merge_cols or r < header_rows) \
                    and (r, c + colspan) not in covered:
                colspan += 1
            rowspan = 1
            while mergeable and r + rowspan < len(rows) and all(
                c + k < len(rows[r + rowspan]) and rows[r + rowspan][c + k] == text for k in range(colspan)
            ) and (r + rowspan < header_rows) == (r < header_rows):
                rowspan += 1
            for i in range(rowspan):
                for k in range(colspan):
                    covered.add((r + i, c + k))
            attrs = (f' rowspan="{rowspan}"' if rowspan > 1 else "") + (f' colspan="{colspan}"' if colspan > 1 else "")
            cells.append(f"<td{attrs}>{texts.get((r, c), text)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    return "<table>" + "".join(out) + "</table>"


def _replace(soup, old, new_html: str):
    old.replace_with(soup_of(new_html))


def _header_rows(rows, word_row_marker) -> int:
    return next(i for i, row in enumerate(rows) if any(word_row_marker(t) for t in row))


# ---------------------------------------------------------------------------
# The messes
# ---------------------------------------------------------------------------


def nested_spans(html: str) -> str:
    """Cell text in <p><span><font>, numbers padded with &nbsp; and full-width spaces."""
    soup = soup_of(html)
    for cell in soup.find_all(("td", "th")):
        text = cell.get_text()
        pad = "&nbsp;&nbsp;" if re.fullmatch(r"[\d.]+", text) else "\u3000"
        cell.clear()
        cell.append(soup_of(f"<p><span><font>{pad}{text}&nbsp;</font></span></p>"))
    return str(soup).replace("&amp;nbsp;", "&nbsp;")


LABEL_TYPOS = {
    "一、本年新收政府信息公开申请数量": "一、本年新收政府信息公开申请数",
    "（一）予以公开": "(一)予以公开",
    "（二）部分公开（区分处理的，只计这一情形，不计其他情形）": "（二）部分公开",
    "2.没有现成信息需要另行制作": "2、没有现成信息需要另行制做",
    "四、结转下年度继续办理": "四、结转下年度继续<br>办理",
    "社会公益组织": "社会公益<br>组织",
    "结果纠正": "结果纠证",
    "5.要求行政机关确认或重新出具已获取信息": "5.要求行政机关确认或重新出具已获取的信息。",
}


def label_typos(html: str) -> str:
    for official, typo in LABEL_TYPOS.items():
        html = html.replace(f">{official}<", f">{typo}<")
    return html


def units(html: str, cell_row: str, value: str) -> str:
    """Every number of the applications table's 总计 column with 件; one cell with a remark."""
    soup = soup_of(html)
    table = report_table(soup, APPLICATIONS)
    for tr in table.find_all("tr"):
        cells = tr.find_all(("td", "th"))
        if cells and re.fullmatch(r"\d+", cells[-1].get_text()):
            cells[-1].string = cells[-1].get_text() + "件"
        if cells and cells[0].get_text() == cell_row or len(cells) > 1 and cells[1].get_text() == cell_row:
            cells[-2].string = f"{value}（其中修订16件）"
    return str(soup)


def full_width_digits(html: str) -> str:
    soup = soup_of(html)
    table = report_table(soup, APPLICATIONS)
    for cell in table.find_all("td"):
        text = cell.get_text()
        if re.fullmatch(r"\d+", text):
            cell.string = text.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    return str(soup)


def split_application_table(html: str, at: int = 14, repeat_header: bool = False) -> str:
    """The application table over two <table>s as Word prints a page break: the
    merged label 三、本年度办理结果 split into 「三、本年度」 and 「办理结果」."""
    soup = soup_of(html)
    table = report_table(soup, APPLICATIONS)
    rows = _texts(table)
    head = _header_rows(rows, lambda t: t.startswith("一、本年新收"))
    first, second = rows[:head + at], rows[head + at:]
    if repeat_header:
        second = rows[:head] + second
    texts = {(r, 0): "办理结果" for r, row in enumerate(second) if row[0].startswith("三、本年度")}
    part2 = render(second, 3, head if repeat_header else 0, texts)
    texts1 = {(r, 0): "三、本年度" for r, row in enumerate(first) if row[0].startswith("三、本年度")}
    _replace(soup, table, render(first, 3, head, texts1) + "<p>&nbsp;</p>" + part2)
    return str(soup)


def unmerged(html: str) -> str:
    """Every span expanded: each label repeated in every cell it covered."""
    soup = soup_of(html)
    for word in (APPLICATIONS, REVIEW, DISCLOSURE):
        table = report_table(soup, word)
        _replace(soup, table, render(_texts(table), 0))
    return str(soup)


METADATA = (
    "<table><tr><td>索引号：</td><td>11410000/2023-00012</td><td>发布机构：</td><td>{name}</td></tr>"
    "<tr><td>成文日期：</td><td>2023-01-20</td><td>发布日期：</td><td>2023-01-20</td></tr>"
    "<tr><td>名　　称：</td><td colspan=\"3\">{title}</td></tr><tr><td>文号：</td><td>无</td><td>主题分类：</td><td>其他</td></tr></table>"
)


def metadata_first(html: str, name: str, title: str) -> str:
    return html.replace("<body>", "<body>" + METADATA.format(name=name, title=title), 1)


def word_markup(html: str) -> str:
    """What Word's “save as web page” writes: MsoNormal paragraphs, <o:p>, lang
    spans, conditional comments, headings as bold paragraphs, numbers split over spans."""
    soup = soup_of(html)
    for heading in soup.find_all(("h1", "h2")):
        heading.name = "p"
        heading.attrs = {"class": "MsoNormal", "align": "center" if heading.name == "h1" else "left"}
        inner = heading.get_text()
        heading.clear()
        heading.append(soup_of(f"<b><span style='font-size:16.0pt;font-family:黑体'>{inner}<o:p></o:p></span></b>"))
    for para in soup.find_all("p"):
        para["class"] = "MsoNormal"
    for cell in soup.find_all(("td", "th")):
        text = cell.get_text()
        if re.fullmatch(r"\d{2,}", text):
            inner = f"<span lang=EN-US>{text[0]}</span><span lang=EN-US>{text[1:]}</span>"
        else:
            inner = f"<span style='font-family:宋体'>{text}</span>"
        cell.name = "td"
        cell.clear()
        cell.append(soup_of(f"<p class=MsoNormal align=center>{inner}<o:p></o:p></p>"))
    body = soup.find("body") or soup
    body.insert(0, Comment("[if gte mso 9]><xml><w:WordDocument></w:WordDocument></xml><![endif]"))
    text = str(soup).replace("<body>", "<body lang=ZH-CN><div class=WordSection1>").replace("</body>", "</div></body>")
    return text.replace("<o:p></o:p>", "<![if !supportEmptyParas]>&nbsp;<![endif]><o:p></o:p>", 3)


def gbk(html: str) -> bytes:
    html = re.sub(r'<meta charset="utf-8"\s*/?>', "", html, flags=re.I)
    html = html.replace("<head>", '<head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">', 1)
    return html.encode("gbk", errors="xmlcharrefreplace")


def blanks(html: str, row: str, replacements=("", "/", "—", "无", "-", "／")) -> str:
    """The value cells of one application row blank or placeholders."""
    soup = soup_of(html)
    table = report_table(soup, APPLICATIONS)
    for tr in table.find_all("tr"):
        cells = tr.find_all(("td", "th"))
        if any(c.get_text() == row for c in cells):
            values = cells[-7:]
            for cell, text in zip(values, replacements + ("0",) * 7, strict=False):
                cell.string = text
    return str(soup)


def hybrid(html: str) -> str:
    """The three report tables in one <table> (as some sites paste them), separated by heading rows."""
    soup = soup_of(html)
    parts = []
    for word in (DISCLOSURE, APPLICATIONS, REVIEW):
        table = report_table(soup, word)
        parts.append("".join(str(tr) for tr in table.find_all("tr")))
        table.replace_with(soup_of("<p>（见下表）</p>") if word != DISCLOSURE else soup_of("<div id=hybrid></div>"))
    merged = "<table>" + "<tr><td colspan=15>表一</td></tr>".join(parts) + "</table>"
    return str(soup).replace('<div id="hybrid"></div>', merged)


OTHER_ROWS_2021 = ("1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
                   "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "3.其他")


def other_as_one_row(html: str) -> str:
    """A 2021-format page printing （六）其他处理 as one row, as in the 2019 format."""
    soup = soup_of(html)
    table = report_table(soup, APPLICATIONS)
    rows = _texts(table)
    head = _header_rows(rows, lambda t: t.startswith("一、本年新收"))
    keep, sums = [], None
    for row in rows:
        if row[2] in OTHER_ROWS_2021:
            numbers = [int(v) for v in row[3:]]
            sums = numbers if sums is None else [a + b for a, b in zip(sums, numbers, strict=True)]
            if row[2] == OTHER_ROWS_2021[-1]:
                keep.append([row[0], "（六）其他处理", "（六）其他处理", *map(str, sums)])
            continue
        keep.append(row)
    _replace(soup, table, render(keep, 3, head))
    return str(soup)


def government_site(html: str, other_title: str) -> str:
    """The page as a county website serves it: everything inside a layout table,
    a breadcrumb and a sidebar listing another year's report before the content,
    the title in a <div><font><b> (no heading, no <title>), section
    headings as bold paragraphs, the signature, the date and the site footer."""
    soup = soup_of(html)
    h1 = soup.find("h1")
    title = h1.get_text()
    h1.replace_with(soup_of(f"<div><font size=5><b>{title}</b></font></div>"))
    for heading in soup.find_all("h2"):
        heading.replace_with(soup_of(f"<p><strong>{heading.get_text()}</strong></p>"))
    if soup.title is not None:
        soup.title.decompose()  # many saved pages have none, or the site's name only
    body = soup.find("body")
    content = "".join(str(child) for child in body.children)
    sidebar = (f"<div>相关文章</div><ul><li><a href='#'>{other_title}</a></li>"
               "<li>关于印发2023年政务公开工作要点的通知</li></ul>")
    footer = "<p>版权所有：示例区人民政府办公室</p><p>网站标识码：4107110001 豫ICP备12345678号</p>"
    body.clear()
    body.append(soup_of(
        f"<table><tr><td>首页 &gt; 政务公开 &gt; 年度报告</td></tr><tr><td>{sidebar}</td><td>{content}"
        f"<p>打印本页</p><p>关闭窗口</p></td></tr><tr><td colspan=2>{footer}</td></tr></table>"
    ))
    return str(soup)
