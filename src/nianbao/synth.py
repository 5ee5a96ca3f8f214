"""Synthetic department-years whose figures obey every balance rule.

Used by the sample-district generator, the benchmarks and the tests (through
:mod:`nianbao.testing`).  Deterministic for a given ``random.Random``.
"""

from __future__ import annotations

import random
from decimal import Decimal

from . import formats as F

# Share of applications by applicant type: natural persons dominate in practice.
_APPLICANT_WEIGHTS = (70, 12, 2, 3, 8, 5)


def _split(rng: random.Random, total: int, weights) -> list[int]:
    """``total`` spread over len(weights) parts (multinomial draw)."""
    parts = [0] * len(weights)
    for index in rng.choices(range(len(weights)), weights=weights, k=total):
        parts[index] += 1
    return parts


def _outcome_weights(fmt: F.Format) -> list[int]:
    weights = []
    for row in fmt.outcome_rows:
        if row.label == F.GRANTED:
            weights.append(45)
        elif row.label == F.PARTIAL:
            weights.append(10)
        elif row.group == F.UNABLE:
            weights.append(8)
        elif row.label == F.OTHER_UNPAID_FEE:
            weights.append(0)  # only with fee notices; set explicitly by the caller
        else:
            weights.append(1)
    return weights


def applications(fmt: F.Format, rng: random.Random, new_total: int, carried_in: dict[str, int] | None = None,
                 carry_rate: float = 0.08) -> dict:
    """Section 三 values: R1, R2 and R3 hold by construction; 二 equals ``carried_in`` (X1)."""
    values = {}
    columns = F.APPLICATION_COLUMNS[:-1]
    new = dict(zip(columns, _split(rng, new_total, _APPLICANT_WEIGHTS), strict=False))
    carried_in = {col: (carried_in or {}).get(col, 0) for col in columns}
    outcome_labels = [row.label for row in fmt.outcome_rows]
    weights = _outcome_weights(fmt)
    for col in columns:
        available = new[col] + carried_in[col]
        carried_out = sum(1 for _ in range(available) if rng.random() < carry_rate)
        handled = available - carried_out
        outcomes = _split(rng, handled, weights) if handled else [0] * len(outcome_labels)
        values[(F.APPLICATIONS, F.NEW, col)] = new[col]
        values[(F.APPLICATIONS, F.CARRIED_IN, col)] = carried_in[col]
        values[(F.APPLICATIONS, F.CARRIED_OUT, col)] = carried_out
        values[(F.APPLICATIONS, F.OUTCOME_TOTAL, col)] = handled
        for label, count in zip(outcome_labels, outcomes, strict=False):
            values[(F.APPLICATIONS, label, col)] = count
    for label in fmt.application_labels:
        values[(F.APPLICATIONS, label, F.TOTAL)] = sum(values[(F.APPLICATIONS, label, col)] for col in columns)
    return values


def review(rng: random.Random, cases: int) -> dict:
    values = {}
    for group, share in zip(F.REVIEW_ROWS, (0.6, 0.3, 0.1), strict=False):
        n = round(cases * share)
        parts = _split(rng, n, (6, 2, 1, 1))
        for col, count in zip(F.REVIEW_COLUMNS[:-1], parts, strict=False):
            values[(F.REVIEW, group, col)] = count
        values[(F.REVIEW, group, F.TOTAL)] = n
    return values


def disclosure(fmt: F.Format, rng: random.Random, scale: int, previous: dict | None = None) -> dict:
    """Section 二 values, continuing ``previous`` (last year's values) so X2/X3 hold."""
    previous = previous or {}
    values = {}

    def prev(row, col, default):
        return previous.get((F.DISCLOSURE, row, col), default)

    for item in fmt.disclosure:
        for row in item.rows:
            labels = [c.label for c in item.columns]
            if labels == [F.NEWLY_MADE, F.NEWLY_PUBLISHED, F.PUBLISHED_TOTAL]:
                made = rng.randint(0, scale)
                published = rng.randint(0, made)
                total = prev(row, F.PUBLISHED_TOTAL, rng.randint(0, 5 * scale)) + published
                values.update({(F.DISCLOSURE, row, label): v for label, v in zip(labels, (made, published, total), strict=False)})
            elif labels == [F.ISSUED, F.REPEALED, F.IN_FORCE]:
                issued = rng.randint(0, scale)
                in_force = prev(row, F.IN_FORCE, rng.randint(0, 5 * scale))
                repealed = rng.randint(0, min(in_force + issued, max(1, scale // 2)))
                figures = (issued, repealed, in_force + issued - repealed)
                values.update({(F.DISCLOSURE, row, label): v for label, v in zip(labels, figures, strict=False)})
            elif labels and labels[0] == F.ITEMS_LAST_YEAR:
                items = prev(row, F.ITEMS_LAST_YEAR, None)
                change = prev(row, F.ITEMS_CHANGE, 0)
                items = rng.randint(0, 3 * scale) if items is None else max(0, items + change)
                new_change = rng.randint(-min(items, 3), 3)
                cells = {F.ITEMS_LAST_YEAR: items, F.ITEMS_CHANGE: new_change, F.DECISIONS: rng.randint(0, 40 * scale)}
                values.update({(F.DISCLOSURE, row, label): cells[label] for label in labels})
            else:
                for col in item.columns:
                    if col.domain == F.AMOUNT:
                        value: int | Decimal = Decimal(rng.randint(0, 500_000 * max(1, scale))) / 10_000
                    else:
                        value = rng.randint(0, 40 * scale)
                    values[(F.DISCLOSURE, row, col.label)] = value
    return values


def fees(rng: random.Random, notices: int) -> dict:
    amount = Decimal(rng.randint(1, 30) * 100 * notices) / 10_000
    collected = amount if notices == 0 else amount * Decimal(rng.randint(0, notices)) / notices
    return {
        (F.FEES, F.FEE_NOTICES, F.FEE_VALUE): notices,
        (F.FEES, F.FEE_NOTICE_AMOUNT, F.FEE_VALUE): amount,
        (F.FEES, F.FEE_COLLECTED, F.FEE_VALUE): collected.quantize(Decimal("0.0001")),
    }


def department_year(fmt: F.Format, rng: random.Random, size: int, previous: dict | None = None,
                    fee_notices: int = 0) -> dict:
    """All values of one department-year of about ``size`` new applications.

    ``previous`` is last year's values of the same department (for X1, X2, X3).
    """
    previous = previous or {}
    carried = {col: previous.get((F.APPLICATIONS, F.CARRIED_OUT, col), 0) for col in F.APPLICATION_COLUMNS}
    values = {}
    values.update(disclosure(fmt, rng, max(1, size // 20), previous))
    values.update(applications(fmt, rng, size, carried))
    values.update(review(rng, size // 25))
    values.update(fees(rng, fee_notices))
    return values
