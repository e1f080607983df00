"""Changing a case: stage moves, details, assignment, notes, enquiries, findings.

Each operation is one write transaction that also writes the timeline and the audit log. Edits
to the case itself carry the version the user started from; if someone else saved in between,
``CaseConflict`` says what they changed and nothing is overwritten.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from typing import Any

from investigations.lifecycle import Outcome, Stage
from investigations.tables import Case, CaseEvent, Enquiry, Finding, Note, StageChange
from investigations.timeline import add_event
from investigations.transitions import TransitionRequest, plan_transition
from workbench.audit import diff, record_event
from workbench.db import write_transaction
from workbench.roles import Role
from workbench.tables import User
from workbench.workdays import default_calendar

EDITABLE_FIELDS = {
    "summary": "What went wrong",
    "outcome_wanted": "Outcome wanted",
    "first_aware_on": "First knew of the problem",
    "care_funding": "Care funding",
    "urgent": "Urgent",
    "restricted": "Restricted",
    "joint_with_phso": "Joint working with PHSO",
}


class CaseConflict(Exception):
    """Someone saved the case after this user loaded it."""

    def __init__(self, changes: list[str], by: str) -> None:
        super().__init__("Someone else changed this case")
        self.changes = changes
        self.by = by


class CaseworkError(ValueError):
    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def _now() -> datetime:
    return datetime.now(timezone.utc)


async def _conflict(case_id: int, original: dict[str, Any]) -> CaseConflict:
    current = await Case.select().where(Case.id == case_id).first()
    changes = []
    for name, label in {**EDITABLE_FIELDS, "stage": "Stage", "investigator": "Investigator", "outcome": "Outcome"}.items():
        if name in original and str(original[name] or "") != str(current[name] if current[name] is not None else ""):
            changes.append(f"{label}: now “{current[name] if current[name] not in (None, '') else 'blank'}”")
    last = await CaseEvent.select(CaseEvent.actor_name, CaseEvent.title).where(CaseEvent.case == case_id).order_by(
        CaseEvent.at, ascending=False).first()
    by = f"{last['actor_name']} ({last['title']})" if last else "another user"
    return CaseConflict(changes or ["The case was saved by someone else since you opened it"], by)


async def _versioned_update(case_id: int, version: int, values: dict[str, Any], original: dict[str, Any]) -> None:
    values = {**values, "version": version + 1, "updated_at": _now()}
    updated = await Case.update({getattr(Case, k): v for k, v in values.items()}).where(
        (Case.id == case_id) & (Case.version == version)
    ).returning(Case.id)
    if not updated:
        raise await _conflict(case_id, original)


async def transition_case(case: dict[str, Any], version: int, request: TransitionRequest, user: User) -> Stage:
    """Move a case to another stage, if the rules allow it (see ``transitions``)."""
    async with write_transaction():
        findings = await Finding.select(Finding.fault).where(Finding.case == case["id"])
        request = TransitionRequest(**{**request.__dict__, "findings": len(findings),
                                       "findings_with_fault": sum(1 for f in findings if f["fault"])})
        plan = plan_transition(Stage(case["stage"]), case["received_on"], request)
        await _versioned_update(case["id"], version, plan.updates, {"stage": case["stage"]})
        await StageChange(case=case["id"], from_stage=case["stage"], to_stage=plan.stage.value, at=_now(),
                          by=user.id, reason=request.reason).save()
        detail = request.reason
        if "outcome" in plan.updates:
            detail = f"{Outcome(plan.updates['outcome']).label}. {request.reason}"
        await add_event(case["id"], user, "stage", f"{Stage(case['stage']).label} → {plan.stage.label}", detail)
        await record_event(user, "case.transition", "case", case["reference"], summary=f"Moved to {plan.stage.label}",
                           changes=diff({"stage": case["stage"]}, {k: str(v) for k, v in plan.updates.items()}))
    return plan.stage


async def update_details(case: dict[str, Any], version: int, changes: dict[str, Any], user: User) -> None:
    original = {k: case[k] for k in EDITABLE_FIELDS}
    changed = {k: v for k, v in changes.items() if k in EDITABLE_FIELDS and v != case[k]}
    if not changed:
        return
    async with write_transaction():
        await _versioned_update(case["id"], version, changed, original)
        labels = ", ".join(EDITABLE_FIELDS[k] for k in changed)
        await add_event(case["id"], user, "edit", f"Updated {labels}")
        await record_event(user, "case.updated", "case", case["reference"], summary=f"Updated {labels}",
                           changes=diff(original, changed))


async def assign_investigator(case: dict[str, Any], version: int, investigator_id: int | None, user: User) -> None:
    role = Role(user.role)
    if role is Role.INVESTIGATOR and investigator_id not in (user.id, None):
        raise CaseworkError("Investigators can allocate cases only to themselves", "investigator")
    name = "nobody"
    if investigator_id is not None:
        target = await User.select(User.full_name, User.role, User.active).where(User.id == investigator_id).first()
        if target is None or not target["active"] or target["role"] not in (Role.INVESTIGATOR, Role.MANAGER):
            raise CaseworkError("Choose an active investigator", "investigator")
        name = target["full_name"]
    async with write_transaction():
        await _versioned_update(case["id"], version, {"investigator": investigator_id}, {"investigator": case["investigator"]})
        await add_event(case["id"], user, "assign", f"Allocated to {name}")
        await record_event(user, "case.assigned", "case", case["reference"], summary=f"Allocated to {name}",
                           changes=diff({"investigator": case["investigator"]}, {"investigator": investigator_id}))


async def add_note(case: dict[str, Any], text: str, user: User) -> None:
    text = text.strip()
    if not text:
        raise CaseworkError("Write the note before saving it", "note")
    if len(text) > 20_000:
        raise CaseworkError("A note must be 20,000 characters or fewer", "note")
    async with write_transaction():
        await Note(case=case["id"], at=_now(), by=user.id, text=text).save()
        await add_event(case["id"], user, "note", "Note added", text)
        await record_event(user, "case.note", "case", case["reference"], summary="Note added")


ENQUIRY_DEFAULT_WORKING_DAYS = 20


async def add_enquiry(case: dict[str, Any], body_id: int, description: str, working_days: int, user: User,
                      today: date | None = None) -> None:
    today = today or date.today()
    if body_id not in {b["body_id"] for b in case["bodies"]}:
        raise CaseworkError("Choose one of the case's bodies", "enquiry_body")
    if not description.strip():
        raise CaseworkError("Say what you are asking the body", "enquiry_description")
    if not 1 <= working_days <= 120:
        raise CaseworkError("Give the body between 1 and 120 working days", "enquiry_days")
    due = default_calendar().add_working_days(today, working_days)
    async with write_transaction():
        await Enquiry(case=case["id"], body=body_id, description=description.strip(), sent_on=today, due_on=due.result,
                      original_due_on=due.result, due_explanation=due.explain(), created_at=_now(), by=user.id).save()
        await add_event(case["id"], user, "enquiry", f"Enquiries sent, due {due.result:%-d %B %Y}", description.strip())
        await record_event(user, "case.enquiry", "case", case["reference"], summary="Enquiries sent")


async def _case_enquiry(case: dict[str, Any], enquiry_id: int) -> dict[str, Any]:
    enquiry = await Enquiry.select().where((Enquiry.id == enquiry_id) & (Enquiry.case == case["id"])).first()
    if enquiry is None:
        raise CaseworkError("No such enquiry on this case")
    return enquiry


async def record_enquiry_response(case: dict[str, Any], enquiry_id: int, responded_on: date, summary: str, user: User) -> None:
    enquiry = await _case_enquiry(case, enquiry_id)
    if responded_on < enquiry["sent_on"]:
        raise CaseworkError("The response cannot be dated before the enquiry was sent", "responded_on")
    if responded_on > date.today():
        raise CaseworkError("The response date cannot be in the future", "responded_on")
    late = default_calendar().working_days_between(enquiry["due_on"], responded_on)
    title = "Body responded to enquiries" + (f", {late} working days late" if late > 0 else " on time")
    async with write_transaction():
        await Enquiry.update({Enquiry.responded_on: responded_on, Enquiry.response_summary: summary.strip()}).where(
            Enquiry.id == enquiry_id)
        await add_event(case["id"], user, "enquiry", title, summary.strip())
        await record_event(user, "case.enquiry_response", "case", case["reference"], summary=title)


async def extend_enquiry(case: dict[str, Any], enquiry_id: int, new_due: date, reason: str, user: User) -> None:
    enquiry = await _case_enquiry(case, enquiry_id)
    if not reason.strip():
        raise CaseworkError("Give the reason for the extension", "extension_reason")
    if new_due <= enquiry["due_on"]:
        raise CaseworkError("The new due date must be after the current one", "new_due_on")
    history = (enquiry["extension_reason"] + "\n" if enquiry["extension_reason"] else "") + \
        f"{date.today():%-d %b %Y}: extended from {enquiry['due_on']:%-d %b %Y} to {new_due:%-d %b %Y}: {reason.strip()}"
    async with write_transaction():
        await Enquiry.update({Enquiry.due_on: new_due, Enquiry.extension_reason: history}).where(Enquiry.id == enquiry_id)
        await add_event(case["id"], user, "enquiry", f"Enquiry deadline extended to {new_due:%-d %B %Y}", reason.strip())
        await record_event(user, "case.enquiry_extended", "case", case["reference"], summary="Enquiry deadline extended",
                           changes=diff({"due_on": enquiry["due_on"]}, {"due_on": new_due}))


async def save_finding(case: dict[str, Any], body_id: int, fault: bool, injustice: bool, description: str,
                       standards: list[str], known_standards: set[str], user: User) -> None:
    if body_id not in {b["body_id"] for b in case["bodies"]}:
        raise CaseworkError("Findings can only be about one of the case's bodies", "body")
    if injustice and not fault:
        raise CaseworkError("Injustice can only be found where there was fault", "injustice")
    if fault and not description.strip():
        raise CaseworkError("Describe the fault", "description")
    unknown = [s for s in standards if s not in known_standards]
    if unknown:
        raise CaseworkError(f"Unknown NCMG standard {', '.join(unknown)}", "standards")
    values = {"fault": fault, "injustice": injustice, "description": description.strip(),
              "standards": json.dumps(sorted(set(standards), key=lambda c: [int(p) for p in c.split(".")]))}
    async with write_transaction():
        existing = await Finding.select(Finding.id, Finding.version).where(
            (Finding.case == case["id"]) & (Finding.body == body_id)).first()
        if existing:
            await Finding.update({**{getattr(Finding, k): v for k, v in values.items()},
                                  Finding.version: existing["version"] + 1, Finding.updated_at: _now(),
                                  Finding.by: user.id}).where(Finding.id == existing["id"])
        else:
            await Finding(case=case["id"], body=body_id, updated_at=_now(), by=user.id, version=1, **values).save()
        body_name = next(b["name"] for b in case["bodies"] if b["body_id"] == body_id)
        verdict = ("Fault causing injustice" if injustice else "Fault, no injustice") if fault else "No fault"
        await add_event(case["id"], user, "finding", f"Finding for {body_name}: {verdict}", description.strip())
        await record_event(user, "case.finding", "case", case["reference"], summary=f"Finding for {body_name}: {verdict}",
                           changes={"after": values})
