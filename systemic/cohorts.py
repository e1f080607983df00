"""Others affected at one body: the figures a body reports, what makes a report believable, totals.

A body reviewing others affected reports how many people it has identified, contacted, reviewed
and remedied, and how much it has refunded or paid. Each report is cumulative (the position on the
day reported), so the latest report is the cohort's position and totals add the latest of each
body. Pure: no database, no web framework.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from decimal import Decimal

__all__ = ["COUNTS", "LABELS", "MAX_AMOUNT", "MAX_COUNT", "CohortFigures", "problems", "total"]

COUNTS = ("identified", "contacted", "reviewed", "remedied")
LABELS = {
    "identified": "People identified",
    "contacted": "People contacted",
    "reviewed": "People whose case was reviewed",
    "remedied": "People remedied",
    "amount_paid": "Amount refunded or paid",
}
MAX_COUNT = 10_000_000  # more people than a council serves is a typing slip
MAX_AMOUNT = Decimal("999999999999.99")  # the column: 14 digits, 2 after the point


@dataclass(frozen=True)
class CohortFigures:
    """The position a body reported: counts of people so far, and the money paid so far."""

    identified: int = 0
    contacted: int = 0
    reviewed: int = 0
    remedied: int = 0
    amount_paid: Decimal = Decimal("0")

    @classmethod
    def of(cls, row: dict) -> "CohortFigures":
        """From a row (a cohort or one of its updates)."""
        return cls(**{f.name: row[f.name] if f.name != "amount_paid" else Decimal(str(row[f.name] or 0))
                      for f in fields(cls)})

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def problems(figures: CohortFigures) -> dict[str, str]:
    """Why these figures cannot be right (field -> message); empty when they can.

    Nobody can be contacted, reviewed or remedied who was not first identified; nothing is negative;
    money is in pounds and pence.
    """
    found: dict[str, str] = {}
    for name in COUNTS:
        count = getattr(figures, name)
        if count < 0:
            found[name] = f"{LABELS[name]} cannot be negative"
        elif count > MAX_COUNT:
            found[name] = f"{LABELS[name]} must be {MAX_COUNT:,} or fewer"
    for name in ("contacted", "reviewed", "remedied"):
        if name not in found and "identified" not in found and getattr(figures, name) > figures.identified:
            found[name] = f"{LABELS[name]} ({getattr(figures, name):,}) cannot be more than people identified ({figures.identified:,})"
    amount = figures.amount_paid
    if amount < 0:
        found["amount_paid"] = "The amount refunded or paid cannot be negative"
    elif amount > MAX_AMOUNT:
        found["amount_paid"] = "The amount refunded or paid is too large"
    elif amount != amount.quantize(Decimal("0.01")):
        found["amount_paid"] = "Enter the amount in pounds and pence, like 1,250.50"
    return found


def total(positions: Iterable[CohortFigures]) -> CohortFigures:
    """The figures of several cohorts added up (each cohort's latest position)."""
    sums = {name: 0 for name in COUNTS}
    amount = Decimal("0")
    for figures in positions:
        for name in COUNTS:
            sums[name] += getattr(figures, name)
        amount += figures.amount_paid
    return CohortFigures(**sums, amount_paid=amount)
