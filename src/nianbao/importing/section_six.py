"""Section 六 of a published report: the 信息处理费 figures its text states, and
where the narrative ends (the signature and date are not narrative)."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from .. import formats as F
from ..contract import parse_number

_FEE_NUMBER = r"(\d+(?:\.\d+)?)\s*(万元|元)"
_FEE_PATTERNS = (
    (F.FEE_NOTICES, re.compile(r"(?:发出|出具|发放|送达)(?:了)?收费通知(?:书)?(?:共)?\s*(\d+)\s*(?:件|份|次)"), None),
    (F.FEE_NOTICE_AMOUNT, re.compile(r"收费通知(?:书)?(?:的)?总金额(?:为|共计|合计)?\s*" + _FEE_NUMBER), None),
    (F.FEE_COLLECTED, re.compile(r"实际收取(?:信息处理费|费用)?(?:金额)?(?:为|共计|合计)?\s*" + _FEE_NUMBER), None),
    (F.FEE_COLLECTED, re.compile(r"收取(?:了)?信息处理费(?:共计|合计)?\s*" + _FEE_NUMBER), None),
    (F.FEE_NOTICES, re.compile(r"(?:未|没有|无)(?:发出|出具|发放)(?:任何)?收费通知"), 0),
    (F.FEE_NOTICE_AMOUNT, re.compile(r"(?:未|没有|无)(?:发出|出具|发放)(?:任何)?收费通知"), 0),
    (F.FEE_COLLECTED, re.compile(r"(?:未|没有|无)(?:实际)?收取(?:任何)?信息处理费"), 0),
)


def read_fees(text: str) -> dict[str, tuple[object, str]]:
    """信息处理费 figures a section-六 text states: label → (value, the sentence)."""
    found: dict[str, tuple[object, str]] = {}
    domains = {fee.label: fee.domain for fee in F.FEE_ROWS}
    for sentence in re.split(r"(?<=[。；;])", text):
        for label, pattern, fixed in _FEE_PATTERNS:
            if label in found:
                continue
            match = pattern.search(sentence)
            if not match:
                continue
            value: int | Decimal | str
            if fixed is not None:
                value = Decimal(0) if domains[label] == F.AMOUNT else 0
            elif domains[label] == F.AMOUNT:
                amount = Decimal(match.group(1)) / (10000 if match.group(2) == "元" else 1)
                value, problem = parse_number(str(amount), F.AMOUNT)
                value = match.group(0) if problem else value
            else:
                value = int(match.group(1))
            found[label] = (value, sentence.strip())
    return found


_DATE = re.compile(r"^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$")


def without_signature(texts: list[str]) -> list[str]:
    """Section 六 ends where the signature does: the organ's name and the date
    (and whatever the site prints after them) are not narrative."""
    for i in range(len(texts) - 1, -1, -1):
        if _DATE.match(unicodedata.normalize("NFKC", texts[i])):
            end = i
            if end > 0 and len(texts[end - 1]) <= 40 and not re.search(r"[。，；]", texts[end - 1]):
                end -= 1
            return texts[:end]
    return texts
