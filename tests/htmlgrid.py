"""Read an HTML table the way a reader sees it: rowspan/colspan expanded into a grid.

Used to check that a number sits under the right printed labels, independently
of how the renderer annotates its cells.
"""

from __future__ import annotations

from html.parser import HTMLParser


class _Tables(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[dict] = []
        self.stack: list[dict] = []
        self.cell: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.stack.append({"class": attrs.get("class", ""), "rows": [], "section": None, "caption": ""})
        elif not self.stack:
            return
        elif tag in ("thead", "tbody"):
            self.stack[-1]["section"] = tag
        elif tag == "tr":
            self.stack[-1]["rows"].append({"section": self.stack[-1]["section"], "cells": []})
        elif tag in ("td", "th"):
            self.cell = {
                "tag": tag,
                "text": "",
                "rowspan": int(attrs.get("rowspan", 1)),
                "colspan": int(attrs.get("colspan", 1)),
                "attrs": attrs,
            }
        elif tag == "caption":
            self.cell = {"tag": "caption", "text": ""}

    def handle_endtag(self, tag):
        if not self.stack:
            return
        if tag in ("td", "th") and self.cell is not None:
            self.cell["text"] = self.cell["text"].strip()
            self.stack[-1]["rows"][-1]["cells"].append(self.cell)
            self.cell = None
        elif tag == "caption" and self.cell is not None:
            self.stack[-1]["caption"] = self.cell["text"].strip()
            self.cell = None
        elif tag == "table":
            self.tables.append(self.stack.pop())

    def handle_data(self, data):
        if self.cell is not None:
            self.cell["text"] += data


def tables(html: str) -> list[dict]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def grid(table: dict) -> list[list[dict]]:
    """Rows of cells with every span expanded (the same cell object repeated)."""
    out: list[list[dict | None]] = []
    for r, row in enumerate(table["rows"]):
        while len(out) <= r:
            out.append([])
        c = 0
        for cell in row["cells"]:
            while c < len(out[r]) and out[r][c] is not None:
                c += 1
            for dr in range(cell["rowspan"]):
                while len(out) <= r + dr:
                    out.append([])
                line = out[r + dr]
                while len(line) < c + cell["colspan"]:
                    line.append(None)
                for dc in range(cell["colspan"]):
                    line[c + dc] = cell
            c += cell["colspan"]
    return out


def table_with_class(html: str, css: str) -> dict:
    return next(t for t in tables(html) if css in t["class"].split())
