"""Intake: turning a new complaint into a case.

``parse_intake`` reads the form (or the API's JSON, which uses the same names) into ``IntakeData``
and collects every problem by field; it is pure, given the bodies and subcategories to choose from.
``create_case`` writes the people, the case, its bodies and the body's own complaint history in one
write transaction and returns the new reference.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Mapping

from investigations.body_search import BodyCandidate, rank_bodies
from investigations.lifecycle import CareFunding, Stage
from investigations.references import body_suffix, next_reference
from investigations.tables import Case, CaseBody, LocalStage, Person, StageChange
from investigations.timeline import add_event
from investigations.timescales import PROCEDURES, IntakeDates
from investigations.timescales import LocalStage as TimescaleStage
from workbench.audit import record_event
from workbench.db import write_transaction
from workbench.forms import Errors, email, flag, integer, parse_date, postcode, text, value, values, whole_number
from workbench.tables import User

STAGES_BY_PROCEDURE = {"adult_social_care": 1, "childrens_statutory": 3, "complaint_handling_code": 2}
MAX_BODIES = 10
BODY_MATCH_SCORE = 90  # a typed name (no type-ahead) must match a body this well to be accepted


@dataclass(frozen=True)
class PersonData:
    title: str = ""
    given_name: str = ""
    family_name: str = ""
    address: str = ""
    postcode: str = ""
    email: str = ""
    phone: str = ""

    @property
    def display_name(self) -> str:
        return " ".join(p for p in (self.title, self.given_name, self.family_name) if p)


@dataclass(frozen=True)
class IntakeData:
    complainant: PersonData
    person_affected: PersonData | None
    representative: PersonData | None
    representative_consent_on: date | None
    representative_consent_note: str
    body_ids: tuple[int, ...]
    category_id: int
    subcategory_id: int
    summary: str
    outcome_wanted: str
    received_on: date
    first_aware_on: date | None
    care_funding: str
    local_procedure: str
    local_stages: tuple[TimescaleStage, ...] = ()
    agreed_response_by: date | None = None
    restricted: bool = False
    urgent: bool = False
    joint_with_phso: bool = False


@dataclass(frozen=True)
class SubcategoryChoice:
    id: int
    category_id: int
    name: str
    category_name: str
    category_slug: str


@dataclass
class IntakeChoices:
    """What the form offers; loaded from the database by the route."""

    bodies: list[BodyCandidate]
    subcategories: list[SubcategoryChoice]
    chosen_bodies: list[BodyCandidate] = field(default_factory=list)


def _person(data: Mapping[str, Any], prefix: str, errors: Errors, label: str, required: bool) -> PersonData | None:
    person = PersonData(
        title=text(data, f"{prefix}_title", errors, "a title", max_length=20),
        given_name=text(data, f"{prefix}_given_name", errors, "a first name", max_length=100),
        family_name=text(data, f"{prefix}_family_name", errors, f"the {label}'s last name", max_length=100),
        address=text(data, f"{prefix}_address", errors, "an address", max_length=500),
        postcode=postcode(data, f"{prefix}_postcode", errors),
        email=email(data, f"{prefix}_email", errors),
        phone=text(data, f"{prefix}_phone", errors, "a phone number", max_length=40),
    )
    if not person.family_name:
        if required or any(getattr(person, f) for f in ("given_name", "address", "postcode", "email", "phone")):
            errors.add(f"{prefix}_family_name", f"Enter the {label}'s last name")
        return None
    return person


def _bodies(data: Mapping[str, Any], choices: IntakeChoices, errors: Errors) -> tuple[int, ...]:
    known = {b.id: b for b in choices.bodies}
    chosen: list[int] = []
    for raw in values(data, "body_id"):
        body_id = whole_number(raw)
        if body_id is None or body_id not in known:
            errors.add("body_query", "Choose bodies from the list")
            continue
        if body_id not in chosen:
            chosen.append(body_id)
    typed = value(data, "body_query")
    if typed and not chosen:  # no type-ahead (no JavaScript, or the API): accept a confident match
        matches = rank_bodies(typed, choices.bodies, limit=3)
        if matches and matches[0].score >= BODY_MATCH_SCORE:
            chosen.append(matches[0].body.id)
        else:
            hint = "; did you mean " + " or ".join(m.body.name for m in matches) + "?" if matches else ""
            errors.add("body_query", f"We could not find a body called “{typed}”{hint}")
    if not chosen and "body_query" not in errors:
        errors.add("body_query", "Choose the body or bodies the complaint is about")
    if len(chosen) > MAX_BODIES:
        errors.add("body_query", f"A case can concern at most {MAX_BODIES} bodies")
    choices.chosen_bodies = [known[i] for i in chosen if i in known]
    return tuple(chosen)


STAGE_DATES = ("received_on", "acknowledged_on", "responded_on", "panel_on", "report_on")


def _local_stages(data: Mapping[str, Any], procedure: str, errors: Errors, today: date) -> tuple[TimescaleStage, ...]:
    stages = []
    for number in range(1, STAGES_BY_PROCEDURE.get(procedure, 0) + 1):
        p = f"stage{number}"
        dates = {
            "received_on": parse_date(data, f"{p}_received", errors, f"the date stage {number} began", today),
            "acknowledged_on": parse_date(data, f"{p}_acknowledged", errors, f"the stage {number} acknowledgement date", today),
            "responded_on": parse_date(data, f"{p}_responded", errors, f"the stage {number} response date", today),
            "panel_on": parse_date(data, f"{p}_panel", errors, "the review panel date", today) if number == 3 else None,
            "report_on": parse_date(data, f"{p}_report", errors, "the panel report date", today) if number == 3 else None,
        }
        if not any(dates.values()):
            continue
        try:  # the timescale rules check the dates are in a possible order
            stages.append(TimescaleStage(number=number, extended=flag(data, f"{p}_extended"), **dates))
        except ValueError as exc:
            errors.add(f"{p}_received", str(exc))
    return tuple(stages)


def parse_intake(data: Mapping[str, Any], choices: IntakeChoices, today: date) -> tuple[IntakeData | None, Errors]:
    errors = Errors()
    complainant = _person(data, "complainant", errors, "complainant", required=True)
    affected = None if flag(data, "affected_same") else _person(data, "affected", errors, "person affected", required=False)
    representative = _person(data, "representative", errors, "representative", required=False)
    consent_on = parse_date(data, "representative_consent_on", errors, "the date consent was given", today)
    if representative and consent_on is None and "representative_consent_on" not in errors:
        errors.add("representative_consent_on", "Record when the person affected consented to the representative acting for them")
    body_ids = _bodies(data, choices, errors)
    subcategory_id = integer(data, "subcategory", errors, "the category")
    subcategory = next((s for s in choices.subcategories if s.id == subcategory_id), None)
    if subcategory is None:
        errors.add("subcategory", "Choose the category of the complaint")
    summary = text(data, "summary", errors, "what went wrong", required=True)
    outcome_wanted = text(data, "outcome_wanted", errors, "the outcome the complainant wants", required=True)
    received_on = parse_date(data, "received_on", errors, "the date the complaint was received", today) or (
        today if not value(data, "received_on") else None
    )
    first_aware_on = parse_date(data, "first_aware_on", errors, "the date they first knew of the problem", today)
    if first_aware_on and received_on and first_aware_on > received_on:
        errors.add("first_aware_on", "The date they first knew cannot be after the complaint was received")
    care_funding = value(data, "care_funding")
    if care_funding and care_funding not in {c.value for c in CareFunding}:
        errors.add("care_funding", "Choose how the care is funded")
    procedure = value(data, "local_procedure") or "unknown"
    if procedure not in PROCEDURES:
        errors.add("local_procedure", "Choose the body's complaints procedure")
        procedure = "unknown"
    stages = _local_stages(data, procedure, errors, today)
    agreed_by = parse_date(data, "agreed_response_by", errors, "the agreed response date", today, allow_future=True)
    if not errors and received_on is not None:
        try:  # the timescale rules know which dates each procedure may carry
            intake_dates(first_aware_on, received_on, procedure, stages, agreed_by)
        except ValueError as exc:
            errors.add("local_procedure", str(exc))
    if errors or complainant is None or subcategory is None or received_on is None:
        return None, errors
    return IntakeData(
        complainant=complainant,
        person_affected=affected,
        representative=representative,
        representative_consent_on=consent_on,
        representative_consent_note=text(data, "representative_consent_note", errors, "a note", max_length=500),
        body_ids=body_ids,
        category_id=subcategory.category_id,
        subcategory_id=subcategory.id,
        summary=summary,
        outcome_wanted=outcome_wanted,
        received_on=received_on,
        first_aware_on=first_aware_on,
        care_funding=care_funding,
        local_procedure=procedure,
        local_stages=stages,
        agreed_response_by=agreed_by,
        restricted=flag(data, "restricted"),
        urgent=flag(data, "urgent"),
        joint_with_phso=flag(data, "joint_with_phso"),
    ), errors


def intake_dates(first_aware_on: date | None, received_on: date, procedure: str, stages, agreed_by: date | None,
                 complainant: str = "the complainant", body_name: str = "the body") -> IntakeDates:
    """The dates the 12-month, prematurity and timescale checks work from (``timescales``)."""
    return IntakeDates(
        first_aware_on=first_aware_on,
        received_on=received_on,
        procedure=procedure or "unknown",
        stages=tuple(
            s if isinstance(s, TimescaleStage)
            else TimescaleStage(number=s["number"], extended=s["extended"], **{k: s[k] for k in STAGE_DATES})
            for s in stages
        ),
        agreed_response_by=agreed_by if procedure == "adult_social_care" else None,
        complainant=complainant,
        body_name=body_name,
    )


async def _save_person(person: PersonData | None) -> int | None:
    if person is None:
        return None
    row = Person(**person.__dict__)
    await row.save()
    return row.id


async def create_case(data: IntakeData, user: User) -> str:
    """Write the new case and everything it carries; returns its reference."""
    now = datetime.now(timezone.utc)
    async with write_transaction():
        reference = await next_reference(data.received_on)
        case = Case(
            reference=reference,
            received_on=data.received_on,
            category=data.category_id,
            subcategory=data.subcategory_id,
            stage=Stage.INTAKE.value,
            stage_entered_on=data.received_on,
            outcome="",
            restricted=data.restricted,
            urgent=data.urgent,
            joint_with_phso=data.joint_with_phso,
            care_funding=data.care_funding,
            summary=data.summary,
            outcome_wanted=data.outcome_wanted,
            complainant=await _save_person(data.complainant),
            person_affected=await _save_person(data.person_affected),
            representative=await _save_person(data.representative),
            representative_consent_on=data.representative_consent_on,
            representative_consent_note=data.representative_consent_note,
            first_aware_on=data.first_aware_on,
            local_procedure=data.local_procedure,
            agreed_response_by=data.agreed_response_by,
            created_at=now,
            updated_at=now,
            version=1,
        )
        await case.save()
        multiple = len(data.body_ids) > 1
        for position, body_id in enumerate(data.body_ids):
            await CaseBody(case=case.id, body=body_id, suffix=body_suffix(position) if multiple else "").save()
        for stage in data.local_stages:
            await LocalStage(case=case.id, number=stage.number, extended=stage.extended,
                             **{name: getattr(stage, name) for name in STAGE_DATES}).save()
        await StageChange(case=case.id, from_stage="", to_stage=Stage.INTAKE.value, at=now, by=user.id,
                          reason="Complaint received").save()
        await add_event(case.id, user, "created", "Complaint received", data.summary)
        await record_event(user, "case.created", "case", reference, summary="New complaint",
                           changes={"after": {"bodies": list(data.body_ids), "subcategory": data.subcategory_id}})
    return reference
