"""Reading one cell of a contract CSV: the number it holds, or why it is unusable.

Bounded before conversion, and one message per problem naming what the cell
must hold (its domain: count, signed count, amount).
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from . import formats as F
from .textio import strip_invisible

Number = int | Decimal

PLACEHOLDERS = {"", "-", "—", "–", "--", "——", "无", "/", "\\", "－", "空"}
_COUNT = re.compile(r"\+?\d+")
_SIGNED = re.compile(r"[+-]?\d+")
_AMOUNT = re.compile(r"\+?\d+(\.\d+)?")
GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")  # 1,234: read as 1234 (the contract also uses it to spot data in a header)

_LIMIT = str(F.NUMBER_LIMIT)
_DOMAIN_HINT = {
    F.COUNT: f"须为0至{_LIMIT}之间的整数",
    F.SIGNED: f"须为-{_LIMIT}至{_LIMIT}之间的整数（可为负数）",
    F.AMOUNT: f"须为0至{_LIMIT}之间的金额（万元），最多{F.AMOUNT_PLACES}位小数",
}
_SCIENTIFIC = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)[eE][+-]?\d+")
_AMOUNT_LIMIT = Decimal(F.NUMBER_LIMIT)


def plain_count(raw: str) -> int | None:
    """The value of the usual cell - a plain count of at most nine ASCII digits
    within the limit - or None when :func:`parse_number` must look closer
    (a reader's fast path: most of a province's cells are such counts)."""
    if raw.isascii() and raw.isdigit() and len(raw) <= 9:
        value = int(raw)
        if value <= F.NUMBER_LIMIT:
            return value
    return None


def parse_number(raw: str, domain: str) -> tuple[Number, str | None]:
    """(value, problem); a problem means the value is unusable and read as 0.

    Bounded before it is converted: no text longer than NUMBER_TEXT_LIMIT and no
    value beyond ±NUMBER_LIMIT reaches int() or Decimal arithmetic."""
    if len(raw) > F.NUMBER_TEXT_LIMIT:
        return 0, f"过长（{len(raw)}个字符），不是有效数字，" + _DOMAIN_HINT[domain]
    if domain != F.AMOUNT and (value := plain_count(raw)) is not None:  # fast path (beyond the limit: below)
        return value, None
    if any(unicodedata.category(c) == "No" for c in raw):  # ②, ½, ³: NFKC would make digits of them
        return 0, "不是有效数字（请用普通数字），" + _DOMAIN_HINT[domain]
    text = unicodedata.normalize("NFKC", strip_invisible(raw)).strip().replace(" ", "")
    if text in PLACEHOLDERS or text in ("—", "―"):
        return 0, "为空或占位符，请填写0"
    if GROUPED.fullmatch(text):
        text = text.replace(",", "")
    pattern = {F.COUNT: _COUNT, F.SIGNED: _SIGNED, F.AMOUNT: _AMOUNT}[domain]
    if not pattern.fullmatch(text):
        if domain != F.SIGNED and text.startswith("-") and _AMOUNT.fullmatch(text[1:]):
            return 0, "不能为负数，" + _DOMAIN_HINT[domain]
        if _SCIENTIFIC.fullmatch(text):
            return 0, "是科学计数法，请写成普通数字（在 Excel 中把单元格格式设为“数值”），" + _DOMAIN_HINT[domain]
        return 0, "不是有效数字，" + _DOMAIN_HINT[domain]
    if domain != F.AMOUNT:
        digits = text.lstrip("+-").lstrip("0")
        if len(digits) > 9 or int(text) > F.NUMBER_LIMIT or int(text) < (-F.NUMBER_LIMIT if domain == F.SIGNED else 0):
            return 0, "超出范围，" + _DOMAIN_HINT[domain]
        return int(text), None
    amount = Decimal(text)  # the pattern guarantees a plain decimal of bounded length
    if amount > _AMOUNT_LIMIT:
        return 0, "超出范围，" + _DOMAIN_HINT[domain]
    if amount and -int(amount.normalize().as_tuple().exponent) > F.AMOUNT_PLACES:  # 12.30000000 is fine, 0.0000001 is not
        return 0, f"小数位数过多，最多{F.AMOUNT_PLACES}位（单位：万元，精确到分），请删去多余的小数位"
    return amount, None
