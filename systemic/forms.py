"""Reading the systemic forms into the service's inputs, collecting every error by field.

Shapes are checked here (whole numbers, a real date, pounds and pence, required fields) and so are
the cohort figures' own rules (``systemic.cohorts.problems``), so a form shows all its problems at
once; the service checks again before it writes anything.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Mapping

from remedies.forms import pounds
from systemic.cohorts import COUNTS, LABELS, CohortFigures, problems
from systemic.issues import MAX_TITLE
from workbench.forms import Errors, integer, parse_date, text, value

__all__ = ["CohortReport", "cohort_report", "issue_fields", "optional_id", "version"]


def issue_fields(form: Mapping[str, Any], errors: Errors) -> dict[str, Any]:
    """Title, description and owner of a new issue."""
    return {
        "title": text(form, "title", errors, "a title", required=True, max_length=MAX_TITLE),
        "description": text(form, "description", errors, "the fault"),
        "owner_id": optional_id(form, "owner", errors, "the owner"),
    }


def optional_id(form: Mapping[str, Any], name: str, errors: Errors, label: str) -> int | None:
    return integer(form, name, errors, label, minimum=1, maximum=2_000_000_000)


def version(form: Mapping[str, Any]) -> int:
    """The version the form was drawn from; a missing one never matches, so a stale post is refused."""
    return integer(form, "version", Errors(), "version") or 0


def _amount(form: Mapping[str, Any], errors: Errors) -> Decimal | None:
    """Pounds and pence; a minus sign is read, so the rule "cannot be negative" can say so."""
    raw = value(form, "amount_paid")
    negative = raw.startswith("-")
    amount = pounds({"amount_paid": raw[1:] if negative else raw}, "amount_paid", errors)
    if amount is None:
        return None
    return -amount if negative else amount


class CohortReport:
    """A body's report as typed: its figures, the date it reported and a note."""

    def __init__(self, figures: CohortFigures, reported_on: date, note: str) -> None:
        self.figures, self.reported_on, self.note = figures, reported_on, note


def cohort_report(form: Mapping[str, Any], errors: Errors, today: date) -> CohortReport | None:
    """The record-an-update form; None (with ``errors`` filled) when it cannot be used."""
    reported_on = parse_date(form, "reported_on", errors, "the date the body reported", today, required=True)
    counts = {}
    for name in COUNTS:
        counts[name] = integer(form, name, errors, LABELS[name].lower(), required=name == "identified")
    amount = _amount(form, errors)
    note = text(form, "note", errors, "the note", max_length=5000)
    if errors or reported_on is None:
        return None
    figures = CohortFigures(**{k: v or 0 for k, v in counts.items()}, amount_paid=amount or Decimal("0"))
    for field, message in problems(figures).items():
        errors.add(field, message)
    if errors:
        return None
    return CohortReport(figures, reported_on, note)
