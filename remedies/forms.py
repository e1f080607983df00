"""Reading the recommendation forms into the service's inputs, collecting every error by field.

Only shapes are checked here (a whole number, a real date, an amount in pounds, required fields),
so the form can show all its problems at once; what a recommendation may be (its type, its period,
a body of the case) is ``remedies.recommendations``'s to decide.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

from remedies.recommendations import NewRecommendation
from workbench.forms import Errors, integer, parse_date, text, value

_POUNDS = re.compile(r"^\d{1,3}(,\d{3})*(\.\d{1,2})?$|^\d+(\.\d{1,2})?$")


def pounds(data: Mapping[str, Any], name: str, errors: Errors) -> Decimal | None:
    """An amount of money as typed ("£1,250.50", "250"): a Decimal of pounds, never a float."""
    raw = value(data, name).replace("£", "").replace(" ", "")
    if not raw:
        return None
    if not _POUNDS.match(raw):
        errors.add(name, "Enter the amount in pounds and pence, like 250 or 1,250.50")
        return None
    try:
        return Decimal(raw.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        errors.add(name, "Enter the amount in pounds and pence, like 250 or 1,250.50")
        return None


def new_recommendation(form: Mapping[str, Any], errors: Errors, today: date) -> NewRecommendation | None:
    """The make-a-recommendation form; None (with ``errors`` filled) when it cannot be read."""
    body_id = integer(form, "body", errors, "the body")
    if body_id is None and "body" not in errors:
        errors.add("body", "Choose the body that must act")
    finding_id = integer(form, "finding", errors, "the finding")
    remedy_type = value(form, "remedy_type")
    if not remedy_type:
        errors.add("remedy_type", "Choose the type of remedy")
    description = text(form, "description", errors, "what the body must do", required=True)
    evidence_expected = text(form, "evidence_expected", errors, "the evidence expected")
    public_summary = text(form, "public_summary", errors, "the public summary", max_length=2000)
    amount = pounds(form, "amount", errors)
    beneficiary = text(form, "beneficiary", errors, "who benefits", max_length=200)
    period = integer(form, "period", errors, "the period", required=True)
    unit = value(form, "unit")
    anchor_event = value(form, "anchor_event")
    anchor_on = parse_date(form, "anchor_on", errors, "the date it counts from", today, required=True, allow_future=True)
    if errors or body_id is None or period is None or anchor_on is None:
        return None
    return NewRecommendation(
        body_id=body_id, remedy_type=remedy_type, description=description, anchor_on=anchor_on, period=period,
        unit=unit, finding_id=finding_id, anchor_event=anchor_event, evidence_expected=evidence_expected,
        public_summary=public_summary, amount=amount, beneficiary=beneficiary,
    )


def version(form: Mapping[str, Any]) -> int:
    """The version the form was drawn from; a missing one never matches, so a stale post is refused."""
    return integer(form, "version", Errors(), "version") or 0
