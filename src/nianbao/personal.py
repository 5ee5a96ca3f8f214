"""Personal data that must never reach a published report: 18-digit resident
identity numbers (GB 11643, with their ISO 7064 MOD 11-2 check digit) and
11-digit mainland mobile numbers.

Pasting from a case file into ``narrative.md`` is a real and common disclosure
failure; rule P1 finds these numbers in every text file of the data contract,
and :func:`mask` hides them wherever the kit repeats text back (findings,
the draft panel, ``checks.csv``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ID = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx])(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9A-Za-z])(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?![0-9A-Za-z])")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
KINDS = {"id": "身份证号", "mobile": "手机号"}


@dataclass(frozen=True)
class Hit:
    kind: str  # "id" or "mobile"
    masked: str


def id_check_digit(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=False)) % 11]


def _valid_id(number: str) -> bool:
    return id_check_digit(number[:17]) == number[17].upper()


def _masked(number: str) -> str:
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


# Full-width digits, X and hyphen to ASCII, one character for one: positions
# found in the translation are positions in the original text.
_ASCII = str.maketrans({**{chr(0xFF10 + d): str(d) for d in range(10)}, "Ｘ": "X", "ｘ": "x", "－": "-", "\u3000": " "})


def _spans(text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, kind, digits) of each identity or mobile number."""
    plain = text.translate(_ASCII)
    spans = [(m.start(1), m.end(1), "id", m.group(1)) for m in _ID.finditer(plain) if _valid_id(m.group(1))]
    spans += [(m.start(1), m.end(3), "mobile", "".join(m.groups())) for m in _MOBILE.finditer(plain)]
    return sorted(spans)


# What every identity number (17 digits and a check character) and every mobile
# number (3, 4 and 4 digits, perhaps separated) contains, full-width or not: a
# text without it has neither (most files of a province: counts of a few digits).
# (\d: any decimal digit, as in the patterns above.)
_POSSIBLE = re.compile(r"\d{3}[- \uff0d\u3000]?\d{4}")


def find(text: str) -> list[Hit]:
    """Identity and mobile numbers in ``text`` (full-width digits included)."""
    if not _POSSIBLE.search(text):
        return []
    return [Hit(kind, _masked(digits)) for _, _, kind, digits in _spans(text)]


def mask(text: str) -> str:
    """``text`` with every identity or mobile number masked (middle digits → *)."""
    if len(text) < 11:
        return text
    out, last = [], 0
    for start, end, _, digits in _spans(text):
        out += [text[last:start], _masked(digits)]
        last = end
    return "".join(out) + text[last:] if out else text
