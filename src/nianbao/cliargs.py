"""Argument values the commands share: the usage error and the --year/--dept lists."""

from __future__ import annotations

import unicodedata

from .errors import EXIT_USAGE, NianbaoError


class UsageError(NianbaoError):
    """Bad arguments or no project: exit code 2."""

    exit_code = EXIT_USAGE


def split_values(values) -> list[str]:
    return [part.strip() for value in values or [] for part in value.split(",") if part.strip()]


def parse_years(values) -> list[int] | None:
    years = []
    for text in split_values(values):
        digits = unicodedata.normalize("NFKC", text)  # ２０２５ is 2025; ② is no year
        if not (digits.isascii() and digits.isdigit() and len(digits) == 4) or any(
                unicodedata.category(c) != "Nd" for c in text):
            raise UsageError(f"年度「{text}」无效：请写四位数的年份，如 --year 2024。")
        years.append(int(digits))
    return years or None
