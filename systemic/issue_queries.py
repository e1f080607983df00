"""Reading systemic issues: the manager's list with its numbers, and one issue with everything on it.

Need-to-know: a restricted case linked to an issue is listed, and counted, only for those who may
open it (``investigations.access.may_view_case``); its bodies count only through cohorts. The
people and money come from the cohorts, which describe bodies, not complainants, so everyone sees
them. A few queries per page, whatever the number of issues: links, bodies and cohorts are read
for all the listed issues at once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

from investigations.access import Viewer, may_view_case
from investigations.tables import Body, CaseBody
from remedies.calendar import office_calendar
from remedies.recommendations import status_of
from remedies.tables import Recommendation
from systemic.cohorts import CohortFigures, total
from systemic.issues import OWNER_ROLES, REVIEW_OTHERS, STATUSES, IssueNotFound
from systemic.tables import Cohort, CohortUpdate, SystemicIssue, SystemicIssueCase
from workbench.tables import User

__all__ = ["all_bodies", "case_bodies", "issue_file", "issue_list", "issues_of_case", "open_issues", "owners"]


async def _links(viewer: Viewer, issue_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """The cases of these issues that the viewer may see, by issue, oldest link first."""
    if not issue_ids:
        return {}
    rows = await SystemicIssueCase.select(
        SystemicIssueCase.issue, SystemicIssueCase.note, SystemicIssueCase.linked_at,
        SystemicIssueCase.linked_by.full_name.as_alias("linked_by_name"),
        SystemicIssueCase.case.id.as_alias("case_id"), SystemicIssueCase.case.reference.as_alias("reference"),
        SystemicIssueCase.case.restricted.as_alias("restricted"), SystemicIssueCase.case.stage.as_alias("stage"),
        SystemicIssueCase.case.outcome.as_alias("outcome"), SystemicIssueCase.case.decided_on.as_alias("decided_on"),
        SystemicIssueCase.case.received_on.as_alias("received_on"),
        SystemicIssueCase.case.subcategory.name.as_alias("subcategory"),
        SystemicIssueCase.case.investigator.as_alias("investigator"),
        SystemicIssueCase.case.investigator.manager.as_alias("investigator_manager"),
    ).where(SystemicIssueCase.issue.is_in(list(issue_ids))).order_by(SystemicIssueCase.linked_at).order_by(SystemicIssueCase.id)
    by_issue: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if may_view_case(viewer, row["restricted"], row["investigator"], row["investigator_manager"]):
            by_issue[row["issue"]].append(row)
    return by_issue


async def case_bodies(case_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    if not case_ids:
        return {}
    rows = await CaseBody.select(CaseBody.case, CaseBody.body.id.as_alias("body_id"), CaseBody.body.name.as_alias("name")).where(
        CaseBody.case.is_in(list(set(case_ids)))).order_by(CaseBody.suffix)
    by_case: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_case[row["case"]].append(row)
    return by_case


async def _cohorts(issue_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    if not issue_ids:
        return {}
    rows = await Cohort.select(Cohort.all_columns(), Cohort.body.name.as_alias("body_name")).where(
        Cohort.issue.is_in(list(issue_ids))).order_by(Cohort.body.name)
    by_issue: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        row["figures"] = CohortFigures.of(row)
        by_issue[row["issue"]].append(row)
    return by_issue


def _numbers(cases: list[dict[str, Any]], bodies_of: dict[int, list[dict[str, Any]]],
             cohorts: list[dict[str, Any]]) -> dict[str, Any]:
    body_ids = {b["body_id"] for c in cases for b in bodies_of.get(c["case_id"], [])} | {c["body"] for c in cohorts}
    return {"cases": len(cases), "bodies": len(body_ids), "figures": total(c["figures"] for c in cohorts)}


async def issue_list(viewer: Viewer, status: str = "open") -> dict[str, Any]:
    """Issues with a status (or every status: ``"all"``), most recently changed first, each with
    its numbers, and the totals across them."""
    query = SystemicIssue.select(
        SystemicIssue.id, SystemicIssue.title, SystemicIssue.status, SystemicIssue.own_initiative,
        SystemicIssue.created_at, SystemicIssue.updated_at, SystemicIssue.owner.full_name.as_alias("owner_name"),
    ).order_by(SystemicIssue.updated_at, ascending=False).order_by(SystemicIssue.id, ascending=False)
    if status in STATUSES:
        query = query.where(SystemicIssue.status == status)
    issues = await query
    ids = [i["id"] for i in issues]
    links, cohorts = await _links(viewer, ids), await _cohorts(ids)
    bodies_of = await case_bodies([c["case_id"] for cases in links.values() for c in cases])
    for issue in issues:
        issue["numbers"] = _numbers(links.get(issue["id"], []), bodies_of, cohorts.get(issue["id"], []))
    return {
        "issues": issues,
        "figures": total(i["numbers"]["figures"] for i in issues),
        "cases": sum(i["numbers"]["cases"] for i in issues),
    }


async def owners() -> list[dict[str, Any]]:
    """Who may own an issue, by name."""
    return await User.select(User.id, User.full_name, User.role).where(
        (User.active == True) & User.role.is_in([r.value for r in OWNER_ROLES])  # noqa: E712
    ).order_by(User.full_name)


async def _recommendation_rows(ids: Sequence[int], today: date) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    calendar = await office_calendar()
    rows = await Recommendation.select(
        Recommendation.all_columns(), Recommendation.case.reference.as_alias("case_reference"),
        Recommendation.body.name.as_alias("body_name"),
    ).where(Recommendation.id.is_in(list(ids)))
    for row in rows:
        row["status"] = status_of(row, today, calendar)
    return {r["id"]: r for r in rows}


async def issue_file(viewer: Viewer, issue_id: int, today: date | None = None) -> dict[str, Any]:
    """One issue: its cases (need-to-know applied) with their bodies, its cohorts with their
    recommendation's status and their report history, the totals, and the choices its forms offer."""
    today = today or date.today()
    issue = await SystemicIssue.select(
        SystemicIssue.all_columns(), SystemicIssue.owner.full_name.as_alias("owner_name"),
        SystemicIssue.created_by.full_name.as_alias("created_by_name"),
    ).where(SystemicIssue.id == issue_id).first()
    if issue is None:
        raise IssueNotFound(issue_id)
    cases = (await _links(viewer, [issue_id])).get(issue_id, [])
    bodies_of = await case_bodies([c["case_id"] for c in cases])
    for case in cases:
        case["bodies"] = bodies_of.get(case["case_id"], [])
    cohorts = (await _cohorts([issue_id])).get(issue_id, [])
    visible_case_ids = {c["case_id"] for c in cases}
    recommendations = await _recommendation_rows([c["recommendation"] for c in cohorts if c["recommendation"]], today)
    updates = await CohortUpdate.select(CohortUpdate.all_columns(), CohortUpdate.by.full_name.as_alias("by_name")).where(
        CohortUpdate.cohort.is_in([c["id"] for c in cohorts] or [0])
    ).order_by(CohortUpdate.reported_on, ascending=False).order_by(CohortUpdate.id, ascending=False)
    updates_of: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for update in updates:
        updates_of[update["cohort"]].append(update)
    for cohort in cohorts:
        rec = recommendations.get(cohort["recommendation"])
        if rec is not None:
            rec["case_visible"] = rec["case"] in visible_case_ids
        cohort["rec"] = rec
        cohort["updates"] = updates_of.get(cohort["id"], [])
    # Choices for the forms: review-of-others recommendations on the issue's (visible) cases that no cohort follows yet.
    followed = {c["recommendation"] for c in cohorts if c["recommendation"]}
    candidates = await Recommendation.select(
        Recommendation.id, Recommendation.body, Recommendation.body.name.as_alias("body_name"),
        Recommendation.case.reference.as_alias("case_reference"), Recommendation.due_on,
    ).where(
        Recommendation.case.is_in(list(visible_case_ids) or [0]) & (Recommendation.remedy_type == REVIEW_OTHERS)
    ).order_by(Recommendation.id)
    case_body_ids = [b["body_id"] for c in cases for b in c["bodies"]]
    cohort_body_ids = {c["body"] for c in cohorts}
    return {
        "issue": issue,
        "cases": cases,
        "cohorts": cohorts,
        "figures": total(c["figures"] for c in cohorts),
        "bodies_count": len(set(case_body_ids) | cohort_body_ids),
        "review_recommendations": [r for r in candidates if r["id"] not in followed],
        "case_bodies": [b for b in {b["body_id"]: b for c in cases for b in c["bodies"]}.values()
                        if b["body_id"] not in cohort_body_ids],
        "cohort_body_ids": cohort_body_ids,
    }


async def all_bodies() -> list[dict[str, Any]]:
    """Every active body, for opening a cohort at a body no linked case is about (own-initiative work)."""
    return await Body.select(Body.id, Body.name).where(Body.active == True).order_by(Body.name)  # noqa: E712


async def open_issues() -> list[dict[str, Any]]:
    """Issues a case can still be linked to (open or monitoring), newest first."""
    return await SystemicIssue.select(SystemicIssue.id, SystemicIssue.title, SystemicIssue.status).where(
        SystemicIssue.status != "closed").order_by(SystemicIssue.id, ascending=False)


async def issues_of_case(case_id: int) -> list[dict[str, Any]]:
    """The issues a case is bundled into, with the other cases of each (ids), for the case page."""
    links = await SystemicIssueCase.select(
        SystemicIssueCase.issue.id.as_alias("id"), SystemicIssueCase.issue.title.as_alias("title"),
        SystemicIssueCase.issue.status.as_alias("status"),
    ).where(SystemicIssueCase.case == case_id).order_by(SystemicIssueCase.issue)
    if not links:
        return []
    members = await SystemicIssueCase.select(SystemicIssueCase.issue, SystemicIssueCase.case).where(
        SystemicIssueCase.issue.is_in([l["id"] for l in links]))
    cases_of: dict[int, set[int]] = defaultdict(set)
    for m in members:
        cases_of[m["issue"]].add(m["case"])
    for link in links:
        link["case_ids"] = cases_of[link["id"]]
    return links
