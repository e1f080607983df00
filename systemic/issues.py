"""Systemic issues: making one, bundling cases into it, and following the others affected at each body.

Every change is one write transaction with its audit event (and, when a case is linked or
unlinked, a line on that case's timeline), or nothing at all. Refusals a user can fix raise
``IssueError`` naming the form field; nothing is written.

- Cases are bundled, never merged: a link row joins an issue and a case, each keeps its own record,
  and a case is linked to an issue at most once (a unique key backs the check).
- An issue made without any case is the Ombudsman's own-initiative work.
- A cohort is the others affected at one body (one per body and issue). It may follow a
  recommendation of type "review of others affected" made on one of the issue's cases at that body,
  so the remedies clock, evidence and chasing apply; the body's reports keep that recommendation's
  own "others affected" figure in step (``remedies.recommendations.record_others_affected``).
- Each report from a body is kept (``CohortUpdate``); the cohort row holds the latest position.
- A closed issue changes no more until it is reopened.

Need-to-know is the caller's: cases arrive here already fetched with ``get_case`` for the viewer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timezone
from typing import Any

from investigations.tables import Body
from investigations.timeline import add_event
from remedies.recommendations import record_others_affected
from remedies.tables import Recommendation
from systemic.cohorts import CohortFigures, problems
from systemic.tables import Cohort, CohortUpdate, SystemicIssue, SystemicIssueCase
from workbench.audit import diff, record_event
from workbench.db import write_transaction
from workbench.roles import CASEWORK, COMPLIANCE, Role
from workbench.tables import User
from workbench.workdays import format_date_long

__all__ = [
    "OWNER_ROLES", "REVIEW_OTHERS", "STATUSES", "IssueError", "IssueNotFound", "change_owner", "change_status",
    "create_issue", "issue_label", "link_case", "link_cases", "link_cohort_recommendation", "open_cohort", "record_cohort_update", "unlink_case",
]

STATUSES = {"open": "Open", "monitoring": "Monitoring", "closed": "Closed"}
OWNER_ROLES = CASEWORK | COMPLIANCE  # who may own an issue: case workers, compliance officers, managers
REVIEW_OTHERS = "review_others_affected"  # the remedy type a cohort follows
MAX_TITLE = 200


class IssueError(ValueError):
    """A change refused for a reason the user can fix; ``field`` names the form field."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class IssueNotFound(LookupError):
    pass


def _now() -> datetime:
    return datetime.now(timezone.utc)


def issue_label(issue: dict[str, Any]) -> str:
    return f"systemic issue {issue['id']}: {issue['title']}"


async def _issue(issue_id: int) -> dict[str, Any]:
    row = await SystemicIssue.select().where(SystemicIssue.id == issue_id).first()
    if row is None:
        raise IssueNotFound(issue_id)
    return row


def _changeable(issue: dict[str, Any]) -> None:
    if issue["status"] == "closed":
        raise IssueError("This systemic issue is closed: reopen it before changing it", "status")


async def _touch(issue_id: int) -> None:
    await SystemicIssue.update({SystemicIssue.updated_at: _now()}).where(SystemicIssue.id == issue_id)


async def _owner(owner_id: int | None) -> dict[str, Any] | None:
    if owner_id is None:
        return None
    owner = await User.select(User.id, User.full_name, User.role, User.active).where(User.id == owner_id).first()
    if owner is None or not owner["active"] or Role(owner["role"]) not in OWNER_ROLES:
        raise IssueError("Choose an active investigator, compliance officer or manager as the owner", "owner")
    return owner


def _title(title: str) -> str:
    title = " ".join(title.split())
    if not title:
        raise IssueError("Enter a title for the systemic issue", "title")
    if len(title) > MAX_TITLE:
        raise IssueError(f"The title must be {MAX_TITLE} characters or fewer", "title")
    return title


# ---------------------------------------------------------------------------------------------
# Issues and their cases


async def create_issue(title: str, description: str, user: User, owner_id: int | None = None,
                       cases: Sequence[dict[str, Any]] = (), note: str = "") -> int:
    """A new open issue; with ``cases`` (already checked for need-to-know) linked in the same
    transaction, or, without any, an own-initiative issue. The owner defaults to its maker."""
    title = _title(title)
    if owner_id is None and Role(user.role) in OWNER_ROLES:
        owner_id = user.id
    owner = await _owner(owner_id)
    unique_cases = list({c["id"]: c for c in cases}.values())
    now = _now()
    async with write_transaction():
        issue = SystemicIssue(title=title, description=description.strip(), status="open",
                              own_initiative=not unique_cases, owner=owner["id"] if owner else None,
                              created_at=now, created_by=user.id, updated_at=now)
        await issue.save()
        row = {"id": issue.id, "title": title}
        await record_event(user, "systemic.created", "systemic_issue", issue.id,
                           summary=("Own-initiative " if not unique_cases else "") + f"systemic issue: {title}",
                           changes={"title": title, "owner": owner["full_name"] if owner else None,
                                    "cases": [c["reference"] for c in unique_cases]})
        for case in unique_cases:
            await _link(row, case, user, note)
    return issue.id


async def _link(issue: dict[str, Any], case: dict[str, Any], user: User, note: str) -> bool:
    """Insert the link (nothing if the case is already in the issue) with its timeline and audit."""
    inserted = await SystemicIssueCase.insert(SystemicIssueCase(
        issue=issue["id"], case=case["id"], note=note.strip(), linked_at=_now(), linked_by=user.id,
    )).on_conflict(action="DO NOTHING").returning(SystemicIssueCase.id)
    if not inserted:
        return False
    await add_event(case["id"], user, "systemic", f"Linked to {issue_label(issue)}", note.strip())
    await record_event(user, "systemic.case_linked", "systemic_issue", issue["id"],
                       summary=f"Case {case['reference']} linked", changes={"case": case["reference"], "note": note.strip()})
    return True


async def link_case(issue_id: int, case: dict[str, Any], user: User, note: str = "") -> bool:
    """Bundle a case into the issue; False if it was already there (nothing written)."""
    issue = await _issue(issue_id)
    _changeable(issue)
    async with write_transaction():
        linked = await _link(issue, case, user, note)
        if linked:
            await _touch(issue_id)
    return linked


async def link_cases(issue_id: int, cases: Sequence[dict[str, Any]], user: User, note: str = "") -> int:
    """Several cases at once (the similar-cases panel links a case and a suggestion); how many were new."""
    issue = await _issue(issue_id)
    _changeable(issue)
    added = 0
    async with write_transaction():
        for case in {c["id"]: c for c in cases}.values():
            added += await _link(issue, case, user, note)
        if added:
            await _touch(issue_id)
    return added


async def unlink_case(issue_id: int, case: dict[str, Any], user: User, reason: str = "") -> None:
    """Take a case out of the issue (its own record is untouched). Refused while a cohort follows
    a recommendation made on that case."""
    issue = await _issue(issue_id)
    _changeable(issue)
    link = await SystemicIssueCase.select(SystemicIssueCase.id).where(
        (SystemicIssueCase.issue == issue_id) & (SystemicIssueCase.case == case["id"])).first()
    if link is None:
        raise IssueError(f"Case {case['reference']} is not part of this systemic issue", "case")
    followed = await Cohort.select(Cohort.body.name.as_alias("body")).where(
        (Cohort.issue == issue_id) & (Cohort.recommendation.case == case["id"])).first()
    if followed is not None:
        raise IssueError(f"The cohort at {followed['body']} follows a recommendation on case {case['reference']}: "
                         "the case stays linked", "case")
    async with write_transaction():
        await SystemicIssueCase.delete().where(SystemicIssueCase.id == link["id"])
        await _touch(issue_id)
        await add_event(case["id"], user, "systemic", f"Removed from {issue_label(issue)}", reason.strip())
        await record_event(user, "systemic.case_unlinked", "systemic_issue", issue_id,
                           summary=f"Case {case['reference']} removed", changes={"case": case["reference"], "reason": reason.strip()})


async def _save_issue(issue: dict[str, Any], values: dict[str, Any], version: int) -> None:
    updated = await SystemicIssue.update({
        **{getattr(SystemicIssue, k): v for k, v in values.items()},
        SystemicIssue.updated_at: _now(), SystemicIssue.version: SystemicIssue.version + 1,
    }).where((SystemicIssue.id == issue["id"]) & (SystemicIssue.version == version)).returning(SystemicIssue.id)
    if not updated:
        raise IssueError("Someone else changed this systemic issue since you opened it; check it and try again", "version")


async def change_status(issue_id: int, status: str, user: User, version: int, reason: str = "") -> None:
    """Open, monitoring (the bodies are putting things right) or closed."""
    if status not in STATUSES:
        raise IssueError("Choose open, monitoring or closed", "status")
    issue = await _issue(issue_id)
    if issue["status"] == status:
        raise IssueError(f"The issue is already {STATUSES[status].lower()}", "status")
    async with write_transaction():
        await _save_issue(issue, {"status": status}, version)
        await record_event(user, "systemic.status_changed", "systemic_issue", issue_id,
                           summary=f"Status {STATUSES[issue['status']]} → {STATUSES[status]}",
                           changes={**diff({"status": issue["status"]}, {"status": status}), "reason": reason.strip()})


async def change_owner(issue_id: int, owner_id: int | None, user: User, version: int) -> None:
    issue = await _issue(issue_id)
    _changeable(issue)
    owner = await _owner(owner_id)
    if issue["owner"] == owner_id:
        raise IssueError("That is already the owner", "owner")
    async with write_transaction():
        await _save_issue(issue, {"owner": owner_id}, version)
        await record_event(user, "systemic.owner_changed", "systemic_issue", issue_id,
                           summary=f"Owner: {owner['full_name'] if owner else 'nobody'}",
                           changes=diff({"owner": issue["owner"]}, {"owner": owner_id}))


# ---------------------------------------------------------------------------------------------
# Cohorts of others affected


async def _check_recommendation(issue_id: int, body_id: int, recommendation_id: int) -> dict[str, Any]:
    """A "review of others affected" recommendation on one of the issue's cases, at this body, and
    not already followed by another cohort."""
    rec = await Recommendation.select(
        Recommendation.id, Recommendation.case, Recommendation.body, Recommendation.remedy_type,
        Recommendation.case.reference.as_alias("case_reference"),
    ).where(Recommendation.id == recommendation_id).first()
    if rec is None:
        raise IssueError("No such recommendation", "recommendation")
    if rec["remedy_type"] != REVIEW_OTHERS:
        raise IssueError("Choose a recommendation to review others affected", "recommendation")
    if rec["body"] != body_id:
        raise IssueError("The recommendation must be one made to this body", "recommendation")
    linked = await SystemicIssueCase.exists().where(
        (SystemicIssueCase.issue == issue_id) & (SystemicIssueCase.case == rec["case"]))
    if not linked:
        raise IssueError(f"The recommendation is on case {rec['case_reference']}, which is not part of this issue: "
                         "link the case first", "recommendation")
    taken = await Cohort.exists().where(Cohort.recommendation == recommendation_id)
    if taken:
        raise IssueError("Another cohort already follows that recommendation", "recommendation")
    return rec


async def open_cohort(issue_id: int, body_id: int, user: User, recommendation_id: int | None = None) -> int:
    """Start following the others affected at a body (at most one cohort per body and issue)."""
    issue = await _issue(issue_id)
    _changeable(issue)
    body = await Body.select(Body.id, Body.name).where(Body.id == body_id).first()
    if body is None:
        raise IssueError("Choose a body", "body")
    if await Cohort.exists().where((Cohort.issue == issue_id) & (Cohort.body == body_id)):
        raise IssueError(f"There is already a cohort for {body['name']} in this issue", "body")
    if recommendation_id is not None:
        await _check_recommendation(issue_id, body_id, recommendation_id)
    async with write_transaction():
        inserted = await Cohort.insert(Cohort(
            issue=issue_id, body=body_id, recommendation=recommendation_id, updated_at=_now(),
        )).on_conflict(action="DO NOTHING").returning(Cohort.id)
        if not inserted:
            raise IssueError(f"There is already a cohort for {body['name']} in this issue", "body")
        await _touch(issue_id)
        await record_event(user, "systemic.cohort_opened", "systemic_issue", issue_id,
                           summary=f"Others affected at {body['name']}",
                           changes={"body": body_id, "recommendation": recommendation_id})
    return inserted[0]["id"]


async def _cohort(cohort_id: int, issue_id: int | None = None) -> dict[str, Any]:
    row = await Cohort.select(Cohort.all_columns(), Cohort.body.name.as_alias("body_name")).where(
        Cohort.id == cohort_id).first()
    if row is None or (issue_id is not None and row["issue"] != issue_id):
        raise IssueNotFound(cohort_id)
    return row


async def link_cohort_recommendation(cohort_id: int, recommendation_id: int, user: User,
                                     issue_id: int | None = None) -> None:
    """Follow a recommendation made after the cohort was opened."""
    cohort = await _cohort(cohort_id, issue_id)
    issue = await _issue(cohort["issue"])
    _changeable(issue)
    if cohort["recommendation"] is not None:
        raise IssueError("This cohort already follows a recommendation", "recommendation")
    await _check_recommendation(cohort["issue"], cohort["body"], recommendation_id)
    async with write_transaction():
        await Cohort.update({Cohort.recommendation: recommendation_id, Cohort.updated_at: _now()}).where(
            Cohort.id == cohort_id)
        if cohort["remedied"]:
            await record_others_affected(recommendation_id, cohort["remedied"], user,
                                         f"As {cohort['body_name']} last reported for {issue_label(issue)}")
        await record_event(user, "systemic.cohort_recommendation_linked", "systemic_issue", cohort["issue"],
                           summary=f"Cohort at {cohort['body_name']} follows recommendation {recommendation_id}",
                           changes={"cohort": cohort_id, "recommendation": recommendation_id})


async def record_cohort_update(cohort_id: int, figures: CohortFigures, reported_on: date, user: User,
                               note: str = "", issue_id: int | None = None, today: date | None = None) -> int:
    """One report from the body. Kept in the history; the cohort shows the latest reported position
    (a report dated before the latest one is history only)."""
    cohort = await _cohort(cohort_id, issue_id)
    issue = await _issue(cohort["issue"])
    _changeable(issue)
    found = problems(figures)
    if found:
        field, message = next(iter(found.items()))
        raise IssueError(message, field)
    if reported_on > (today or date.today()):
        raise IssueError("The date reported cannot be in the future", "reported_on")
    latest = await CohortUpdate.select(CohortUpdate.reported_on).where(CohortUpdate.cohort == cohort_id).order_by(
        CohortUpdate.reported_on, ascending=False).first()
    is_latest = latest is None or reported_on >= latest["reported_on"]
    now = _now()
    async with write_transaction():
        update = CohortUpdate(cohort=cohort_id, reported_on=reported_on, note=note.strip(), at=now, by=user.id,
                              **figures.as_dict())
        await update.save()
        if is_latest:
            await Cohort.update({**{getattr(Cohort, k): v for k, v in figures.as_dict().items()},
                                 Cohort.updated_at: now}).where(Cohort.id == cohort_id)
            if cohort["recommendation"] is not None:
                await record_others_affected(
                    cohort["recommendation"], figures.remedied, user,
                    f"{cohort['body_name']} reported on {format_date_long(reported_on)} for {issue_label(issue)}")
        await _touch(issue["id"])
        before = CohortFigures.of(cohort).as_dict()
        await record_event(user, "systemic.cohort_updated", "systemic_issue", issue["id"],
                           summary=f"Others affected at {cohort['body_name']} as reported on {reported_on.isoformat()}",
                           changes={**(diff(before, figures.as_dict()) if is_latest else {}),
                                    "cohort": cohort_id, "reported_on": reported_on.isoformat(), "latest": is_latest,
                                    **{k: str(v) for k, v in figures.as_dict().items()}})
    return update.id
