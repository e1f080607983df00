"""Making and following up recommendations: every change is one write transaction.

Each operation writes the recommendation, its own history (``RecommendationEvent``), the case
timeline and the audit log together, or nothing at all. Refusals a user can fix raise
``RemedyError`` with the form field they belong to; nothing is written.

A recommendation becomes complied only through an accepted piece of evidence; "not complied" and
"ceased" are recorded with a reason; the status shown anywhere is derived (``remedies.status``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Mapping, Sequence

import anyio.to_thread

from investigations.documents import StoredFile, UploadRefused, remove_stored, store_upload
from investigations.tables import CaseBody, Finding
from investigations.timeline import add_event
from remedies.calendar import office_calendar
from remedies.compliance import REMEDY_TYPES
from remedies.status import RecommendationState, Status, derive_status, extend
from remedies.tables import Evidence, EvidenceFile, Extension, Recommendation, RecommendationEvent
from workbench.audit import Entry, diff, record_event, record_events
from workbench.db import bulk_insert, write_transaction
from workbench.tables import User
from workbench.workdays import DueRule, WorkingDayCalendar, format_date_long

__all__ = [
    "ANCHOR_EVENTS",
    "MAX_EVIDENCE_FILES",
    "NewRecommendation",
    "RemedyError",
    "accept_or_reject_evidence",
    "add_evidence",
    "assign",
    "cease",
    "close_not_complied",
    "due_rule",
    "due_rule_of",
    "escalate",
    "escalate_many",
    "extend_due_date",
    "history_row",
    "make_recommendation",
    "record_chaser_sent",
    "record_others_affected",
    "state_of",
    "status_of",
]

#: What a due date can count from. The LGSCO drafts "within N of the final decision" (domain.md 3.4).
ANCHOR_EVENTS: dict[str, str] = {
    "final_decision": "the final decision",
    "agreement": "the body's agreement",
    "other": "another date",
}
MAX_EVIDENCE_FILES = 10
#: Drafted during investigation, agreed at draft decision, made at final decision; an early
#: resolution can carry a remedy too.
RECOMMENDING_STAGES = frozenset({"investigation", "draft_decision", "comments", "final_decision", "closed",
                                 "early_resolution"})
MAX_PERIOD = {"working_days": 260, "calendar_days": 366, "months": 24}


class RemedyError(ValueError):
    """A change refused for a reason the user can fix; ``field`` names the form field."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


# ---------------------------------------------------------------------------------------------
# Status of a stored row


def state_of(row: dict[str, Any]) -> RecommendationState:
    """The facts ``derive_status`` needs, from a recommendation row (a dict from a select)."""
    outcome = row["outcome"] or ""
    return RecommendationState(
        original_due_on=row["original_due_on"],
        due_on=max(row["due_on"], row["original_due_on"]),
        accepted_evidence_received_on=row["outcome_on"] if outcome in ("complied_on_time", "complied_late") else None,
        escalated_on=row["escalated_on"],
        ceased=outcome == "ceased",
        ceased_reason=row.get("ceased_reason") or "ceased",
        closed_not_complied=outcome == "not_complied",
    )


def status_of(row: dict[str, Any], today: date, calendar: WorkingDayCalendar | None = None) -> Status:
    return derive_status(state_of(row), today, calendar)


# ---------------------------------------------------------------------------------------------
# Making a recommendation


@dataclass(frozen=True)
class NewRecommendation:
    body_id: int
    remedy_type: str
    description: str
    anchor_on: date
    period: int
    unit: str
    finding_id: int | None = None
    anchor_event: str = "final_decision"
    evidence_expected: str = ""
    public_summary: str = ""
    amount: Decimal | None = None
    beneficiary: str = ""


def _now() -> datetime:
    return datetime.now(timezone.utc)


def due_rule(anchor_on: date, period: int, unit: str) -> DueRule:
    """A recommendation's due rule: working days count exactly; calendar days and months roll
    forward off a weekend or holiday. The one definition, for making and for recomputing."""
    return DueRule(anchor_on, period, unit, roll_forward=unit != "working_days")


def due_rule_of(row: Mapping[str, Any]) -> DueRule:
    """The due rule stored on a recommendation row (a dict from a select)."""
    return due_rule(row["anchor_on"], row["period"], row["unit"])


def _check_new(new: NewRecommendation) -> DueRule:
    if new.remedy_type not in REMEDY_TYPES:
        raise RemedyError("Choose the type of remedy", "remedy_type")
    if not new.description.strip():
        raise RemedyError("Say what the body must do", "description")
    if new.anchor_event not in ANCHOR_EVENTS:
        raise RemedyError("Choose what the due date counts from", "anchor_event")
    if new.unit not in MAX_PERIOD:
        raise RemedyError("Choose working days, calendar days or months", "unit")
    if not 0 < new.period <= MAX_PERIOD[new.unit]:
        raise RemedyError(f"The period must be between 1 and {MAX_PERIOD[new.unit]} {new.unit.replace('_', ' ')}", "period")
    if new.amount is not None and not (Decimal("0") < new.amount < Decimal("10000000")):
        raise RemedyError("The amount must be more than £0 and less than £10 million", "amount")
    if REMEDY_TYPES[new.remedy_type].monetary and new.amount is None:
        raise RemedyError("A financial remedy or refund needs an amount", "amount")
    return due_rule(new.anchor_on, new.period, new.unit)


async def make_recommendation(case: dict[str, Any], new: NewRecommendation, user: User) -> int:
    """Record a recommendation on a case; its due date is computed from the rule and explained."""
    rule = _check_new(new)
    if case.get("stage") not in RECOMMENDING_STAGES:
        raise RemedyError("Recommendations are made on a case under investigation or decided", "remedy_type")
    linked = await CaseBody.exists().where((CaseBody.case == case["id"]) & (CaseBody.body == new.body_id))
    if not linked:
        raise RemedyError("Choose a body this case is about", "body")
    if new.finding_id is not None:
        finding = await Finding.select(Finding.case, Finding.body).where(Finding.id == new.finding_id).first()
        if finding is None or finding["case"] != case["id"] or finding["body"] != new.body_id:
            raise RemedyError("The finding must be this case's finding about the same body", "finding")
    explanation = rule.compute(await office_calendar())
    now = _now()
    async with write_transaction():
        row = Recommendation(
            case=case["id"], body=new.body_id, finding=new.finding_id, remedy_type=new.remedy_type,
            description=new.description.strip(), evidence_expected=new.evidence_expected.strip(),
            public_summary=new.public_summary.strip(), amount=new.amount, beneficiary=new.beneficiary.strip(),
            anchor_event=new.anchor_event, anchor_on=new.anchor_on, period=new.period, unit=new.unit,
            original_due_on=explanation.result, due_on=explanation.result, due_explanation=explanation.explain(),
            decided_on=case.get("decided_on") or new.anchor_on, created_at=now, created_by=user.id,
            updated_at=now,
        )
        await row.save()
        label = REMEDY_TYPES[new.remedy_type].label
        await add_history(row.id, user, "made", f"Recommendation made: {label}",
                          f"Due {format_date_long(explanation.result)}. {explanation.explain()}")
        await add_event(case["id"], user, "recommendation", f"Recommendation made: {label}",
                        f"Due {format_date_long(explanation.result)}")
        await record_event(user, "recommendation.made", "recommendation", row.id,
                           summary=f"{label} on {case['reference']}, due {explanation.result.isoformat()}",
                           changes={"case": case["reference"], "body": new.body_id, "remedy_type": new.remedy_type,
                                    "due_on": explanation.result.isoformat()})
    return row.id


# ---------------------------------------------------------------------------------------------
# Follow-up


def history_row(recommendation_id: int, user: User | None, kind: str, title: str, detail: str = "",
                at: datetime | None = None) -> dict[str, Any]:
    """The values of one history line, for ``add_history`` or a ``bulk_insert`` of many."""
    return {"recommendation": recommendation_id, "at": at or _now(), "by": user.id if user else None,
            "actor_name": user.full_name if user else "System", "kind": kind, "title": title[:200], "detail": detail}


async def add_history(recommendation_id: int, user: User | None, kind: str, title: str, detail: str = "") -> None:
    """One line of a recommendation's history; call inside the change's write transaction."""
    await RecommendationEvent(**history_row(recommendation_id, user, kind, title, detail)).save()


async def _load(recommendation_id: int) -> dict[str, Any]:
    row = await Recommendation.select(
        Recommendation.all_columns(), Recommendation.case.reference.as_alias("case_reference"),
    ).where(Recommendation.id == recommendation_id).first()
    if row is None:
        raise RemedyError("No such recommendation")
    return row


def _outstanding(row: dict[str, Any]) -> None:
    if row["outcome"]:
        raise RemedyError("This recommendation is already closed: nothing more can be recorded on it")


async def _save(row: dict[str, Any], values: dict[str, Any], version: int | None) -> None:
    """Update a recommendation; with ``version``, refuse if someone else saved it in between."""
    condition = Recommendation.id == row["id"]
    if version is not None:
        condition &= Recommendation.version == version
    updated = await Recommendation.update(
        {**{getattr(Recommendation, k): v for k, v in values.items()},
         Recommendation.updated_at: _now(), Recommendation.version: Recommendation.version + 1}
    ).where(condition).returning(Recommendation.id)
    if not updated:
        raise RemedyError("Someone else changed this recommendation since you opened it; check it and try again")


async def extend_due_date(recommendation_id: int, new_due_on: date, reason: str, user: User,
                          version: int | None = None, today: date | None = None) -> None:
    """Move the due date later, with a reason kept in the history; the original still decides "late"."""
    row = await _load(recommendation_id)
    _outstanding(row)
    today = today or date.today()
    history = [
        _as_extension(e) for e in await Extension.select().where(Extension.recommendation == row["id"]).order_by(Extension.id)
    ]
    try:
        entry = extend(history, new_due_on, reason, today, original_due_on=row["original_due_on"])
    except ValueError as exc:
        field = "reason" if "reason" in str(exc) else "new_due_on"
        raise RemedyError(str(exc)[0].upper() + str(exc)[1:], field) from None
    async with write_transaction():
        await _save(row, {"due_on": entry.to_due_on,
                          "due_explanation": f"Extended from {format_date_long(entry.from_due_on)}: {entry.reason}"}, version)
        await Extension(recommendation=row["id"], from_due_on=entry.from_due_on, to_due_on=entry.to_due_on,
                        reason=entry.reason, granted_on=today, at=_now(), by=user.id).save()
        title = f"Due date extended to {format_date_long(entry.to_due_on)}"
        await add_history(row["id"], user, "extended", title, entry.reason)
        await add_event(row["case"], user, "recommendation", title, entry.reason)
        await record_event(user, "recommendation.extended", "recommendation", row["id"], summary=title,
                           changes=diff({"due_on": row["due_on"].isoformat()}, {"due_on": entry.to_due_on.isoformat()}))


def _as_extension(row: dict[str, Any]):
    from remedies.status import Extension as ExtensionFact

    return ExtensionFact(row["from_due_on"], row["to_due_on"], row["reason"], row["granted_on"])


async def add_evidence(recommendation_id: int, received_on: date, description: str,
                       files: Sequence[tuple[str, IO[bytes]]], user: User, uploads_dir: Path,
                       today: date | None = None, ip: str = "") -> int:
    """Record what the body sent, with its files (checked and stored like case documents)."""
    row = await _load(recommendation_id)
    _outstanding(row)
    today = today or date.today()
    if received_on > today:
        raise RemedyError("The date received cannot be in the future", "received_on")
    if not description.strip():
        raise RemedyError("Describe what the body sent", "description")
    if len(files) > MAX_EVIDENCE_FILES:
        raise RemedyError(f"Attach at most {MAX_EVIDENCE_FILES} files at a time", "files")
    stored: list[StoredFile] = []
    try:
        for name, handle in files:
            try:
                stored.append(await anyio.to_thread.run_sync(store_upload, handle, name, uploads_dir))
            except UploadRefused as exc:
                raise RemedyError(f"{name}: {exc.message}", "files") from None
        async with write_transaction():
            evidence = Evidence(recommendation=row["id"], received_on=received_on, description=description.strip(),
                                created_at=_now(), created_by=user.id)
            await evidence.save()
            for item in stored:
                await EvidenceFile(evidence=evidence.id, original_name=item.original_name, stored_name=item.stored_name,
                                   content_type=item.content_type, size=item.size, sha256=item.sha256).save()
            names = ", ".join(s.original_name for s in stored)
            title = f"Evidence received {format_date_long(received_on)}"
            detail = description.strip() + (f" (files: {names})" if names else "")
            await add_history(row["id"], user, "evidence", title, detail)
            await add_event(row["case"], user, "recommendation", title, detail)
            await record_event(user, "evidence.added", "recommendation", row["id"], summary=title,
                               changes={"evidence_id": evidence.id, "files": [s.sha256 for s in stored]}, ip=ip)
    except BaseException:
        for item in stored:
            await anyio.to_thread.run_sync(remove_stored, uploads_dir, item.stored_name)
        raise
    return evidence.id


async def accept_or_reject_evidence(evidence_id: int, verdict: str, reason: str, user: User,
                                    today: date | None = None) -> Status | None:
    """The compliance officer's verdict. Accepting complies the recommendation (late if the evidence
    arrived after the ORIGINAL due date); "insufficient" needs a reason and leaves it outstanding."""
    if verdict not in ("accepted", "insufficient"):
        raise RemedyError("Choose accept or insufficient", "verdict")
    if verdict == "insufficient" and not reason.strip():
        raise RemedyError("Say why the evidence is insufficient, so the body knows what to send", "verdict_reason")
    evidence = await Evidence.select().where(Evidence.id == evidence_id).first()
    if evidence is None:
        raise RemedyError("No such evidence")
    if evidence["verdict"]:
        raise RemedyError("This evidence already has a verdict", "verdict")
    row = await _load(evidence["recommendation"])
    _outstanding(row)
    today = today or date.today()
    status = None
    async with write_transaction():
        updated = await Evidence.update({
            Evidence.verdict: verdict, Evidence.verdict_reason: reason.strip(), Evidence.verdict_on: today,
            Evidence.verdict_by: user.id,
        }).where((Evidence.id == evidence_id) & (Evidence.verdict == "")).returning(Evidence.id)
        if not updated:
            raise RemedyError("This evidence already has a verdict", "verdict")
        if verdict == "accepted":
            on_time = evidence["received_on"] <= row["original_due_on"]
            status = Status.COMPLIED_ON_TIME if on_time else Status.COMPLIED_LATE
            await _save(row, {"outcome": status.value, "outcome_on": evidence["received_on"]}, None)
            title = f"Evidence accepted: {status.label.lower()}"
        else:
            title = "Evidence insufficient"
        await add_history(row["id"], user, "verdict", title, reason.strip())
        await add_event(row["case"], user, "recommendation", title, reason.strip())
        await record_event(user, f"evidence.{verdict}", "recommendation", row["id"], summary=title,
                           changes={"evidence_id": evidence_id, "reason": reason.strip()})
    return status


async def _close(recommendation_id: int, outcome: str, reason: str, user: User, field: str, title: str,
                 version: int | None, today: date | None) -> None:
    if not reason.strip():
        raise RemedyError("Give the reason", field)
    row = await _load(recommendation_id)
    _outstanding(row)
    values = {"outcome": outcome, "outcome_on": today or date.today()}
    if outcome == "ceased":
        values["ceased_reason"] = reason.strip()
    async with write_transaction():
        await _save(row, values, version)
        await add_history(row["id"], user, outcome, title, reason.strip())
        await add_event(row["case"], user, "recommendation", title, reason.strip())
        await record_event(user, f"recommendation.{outcome}", "recommendation", row["id"], summary=title,
                           changes={"reason": reason.strip()})


async def cease(recommendation_id: int, reason: str, user: User, version: int | None = None,
                today: date | None = None) -> None:
    """Stop following up without a compliance verdict (complainant died, remedy superseded...)."""
    await _close(recommendation_id, "ceased", reason, user, "ceased_reason", "Follow-up ceased", version, today)


async def close_not_complied(recommendation_id: int, reason: str, user: User, version: int | None = None,
                             today: date | None = None) -> None:
    """Record "remedy not complete and not satisfied" (the Director of Investigation's decision)."""
    await _close(recommendation_id, "not_complied", reason, user, "not_complied_reason",
                 "Recorded as remedy not complete and not satisfied", version, today)


async def escalate(recommendation_id: int, note: str, user: User | None, today: date | None = None) -> bool:
    """Mark escalated (by hand, or by the chase ladder's escalation rung); False if it already was."""
    row = await _load(recommendation_id)
    if row["outcome"] or row["escalated_on"] is not None:
        return False
    today = today or date.today()
    async with write_transaction():
        await _save(row, {"escalated_on": today}, None)
        await add_history(row["id"], user, "escalated", "Escalated", note)
        await record_event(user, "recommendation.escalated", "recommendation", row["id"], summary="Escalated",
                           changes={"note": note})
    return True


async def escalate_many(recommendation_ids: Sequence[int], note: str, user: User | None,
                        today: date | None = None) -> list[int]:
    """Mark many escalated at once (the chase scan's escalation rung); returns those newly escalated.

    The same change as ``escalate``, one statement for the lot: closed or already escalated ones
    are left alone. Joins the caller's write transaction.
    """
    ids = sorted(set(recommendation_ids))
    today = today or date.today()
    changed: list[int] = []
    async with write_transaction():
        for start in range(0, len(ids), 500):
            rows = await Recommendation.update({
                Recommendation.escalated_on: today, Recommendation.updated_at: _now(),
                Recommendation.version: Recommendation.version + 1,
            }).where(
                Recommendation.id.is_in(ids[start:start + 500]) & (Recommendation.outcome == "")
                & Recommendation.escalated_on.is_null()
            ).returning(Recommendation.id)
            changed += sorted(r["id"] for r in rows)
        await bulk_insert(RecommendationEvent, [history_row(rid, user, "escalated", "Escalated", note) for rid in changed])
        await record_events(user, [Entry("recommendation.escalated", "recommendation", rid, "Escalated", {"note": note})
                                   for rid in changed])
    return changed


async def assign(recommendation_ids: Sequence[int], assignee_id: int | None, user: User) -> int:
    """Give recommendations to a compliance officer (or to nobody); returns how many changed."""
    name = "nobody"
    if assignee_id is not None:
        target = await User.select(User.full_name, User.active).where(User.id == assignee_id).first()
        if target is None or not target["active"]:
            raise RemedyError("Choose an active member of staff", "assignee")
        name = target["full_name"]
    changed: list[int] = []
    async with write_transaction():
        for rid in recommendation_ids:
            row = await _load(rid)
            if row["assigned_to"] == assignee_id:
                continue
            await _save(row, {"assigned_to": assignee_id}, None)
            await add_history(rid, user, "assigned", f"Assigned to {name}")
            changed.append(rid)
        await record_events(user, [Entry("recommendation.assigned", "recommendation", rid, f"Assigned to {name}",
                                         {"assigned_to": assignee_id}) for rid in changed])
    return len(changed)


async def record_chaser_sent(recommendation_ids: Sequence[int], note: str, user: User,
                             today: date | None = None) -> int:
    """Note a chaser sent by hand (phone call, email from the officer's own mailbox)."""
    today = today or date.today()
    changed: list[int] = []
    async with write_transaction():
        for rid in recommendation_ids:
            row = await _load(rid)
            if row["outcome"]:
                continue
            await _save(row, {"last_chased_on": today}, None)
            await add_history(rid, user, "chased", "Chaser sent", note.strip())
            changed.append(rid)
        await record_events(user, [Entry("recommendation.chased", "recommendation", rid, "Chaser sent",
                                         {"note": note.strip()}) for rid in changed])
    return len(changed)


async def record_others_affected(recommendation_id: int, remedied: int, user: User, detail: str = "") -> bool:
    """The number of people beyond the complainant the body has remedied, as it last reported.

    Systemic cohorts (``systemic.issues``) keep the body's reports in full; this keeps the
    recommendation's own figure (which the compliance statistics count) in step. Recorded on a
    closed recommendation too: a body goes on reporting after it has complied. Returns whether it
    changed. Joins the caller's write transaction.
    """
    if remedied < 0:
        raise RemedyError("The number of others affected cannot be negative", "others_affected")
    row = await _load(recommendation_id)
    if row["others_affected"] == remedied:
        return False
    async with write_transaction():
        await Recommendation.update({Recommendation.others_affected: remedied, Recommendation.updated_at: _now()}).where(
            Recommendation.id == row["id"])
        title = f"Others affected remedied: {remedied:,}"
        await add_history(row["id"], user, "others_affected", title, detail)
        await add_event(row["case"], user, "recommendation", title, detail)
        await record_event(user, "recommendation.others_affected", "recommendation", row["id"], summary=title,
                           changes=diff({"others_affected": row["others_affected"]}, {"others_affected": remedied}))
    return True
