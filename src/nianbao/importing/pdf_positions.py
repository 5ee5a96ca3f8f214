"""Tables a PDF prints without ruling lines, read from text positions."""

from __future__ import annotations


def position_tables(lines, words, page: int):
    return [], lines
