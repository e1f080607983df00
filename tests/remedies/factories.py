"""Decided cases and recommendations made straight in the database, for remedies tests.

Goes through the real service (``make_recommendation``) so rows look exactly as the app makes them.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, timezone
from decimal import Decimal

from investigations.tables import Body, Case, CaseBody, Finding, Person, Subcategory
from remedies.recommendations import NewRecommendation, make_recommendation
from workbench.tables import User

_numbers = itertools.count(1)


async def user(username: str = "compliance") -> User:
    return await User.objects().where(User.username == username).first()


async def body_id(name: str = "Hampshire County Council") -> int:
    return (await Body.select(Body.id).where(Body.name == name).first())["id"]


async def decided_case(body: str = "Hampshire County Council", decided_on: date = date(2026, 1, 5),
                       investigator: str = "investigator", restricted: bool = False) -> dict:
    """A case at final decision with fault and injustice found against ``body``."""
    sub = await Subcategory.select(Subcategory.id, Subcategory.category).where(
        Subcategory.slug == "adult-care-services/charging").first()
    person = Person(title="Mrs", given_name="Ada", family_name="Lovelace", postcode="SO23 8UG")
    await person.save()
    now = datetime.now(timezone.utc)
    inv = await user(investigator)
    number = next(_numbers)  # a valid reference however many cases a test run makes: 25 900 001, ... 25 901 000
    case = Case(
        reference=f"25 9{number // 1000:02d} {number % 1000:03d}", received_on=date(2025, 9, 1), decided_on=decided_on,
        category=sub["category"], subcategory=sub["id"], stage="final_decision", outcome="upheld_fault_injustice",
        investigator=inv.id, restricted=restricted, complainant=person.id, summary="Care charge ignored DRE.",
        stage_entered_on=decided_on, created_at=now, updated_at=now,
    )
    await case.save()
    bid = await body_id(body)
    await CaseBody(case=case.id, body=bid).save()
    finding = Finding(case=case.id, body=bid, fault=True, injustice=True, description="Fault", updated_at=now)
    await finding.save()
    return {"id": case.id, "reference": case.reference, "stage": "final_decision", "decided_on": decided_on,
            "body_id": bid, "finding_id": finding.id}


async def recommendation(case: dict, remedy_type: str = "apology", period: int = 1, unit: str = "months",
                         amount: Decimal | None = None, by: str = "investigator", **fields) -> int:
    new = NewRecommendation(
        body_id=case["body_id"], remedy_type=remedy_type, description=fields.pop("description", "Apologise to Mrs X"),
        anchor_on=fields.pop("anchor_on", case["decided_on"]), period=period, unit=unit, amount=amount,
        finding_id=case["finding_id"], **fields,
    )
    return await make_recommendation(case, new, await user(by))


def uploads():
    from workbench.settings import get_settings

    return get_settings().uploads_dir
