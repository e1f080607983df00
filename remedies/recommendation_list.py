"""A page of recommendations, filtered by derived status, body, due date and case, with need-to-know.

Status is derived, never stored: the filter uses ``remedies.queries.status_condition`` (the SQL twin
of ``derive_status``) and each row's status is ``status_of`` with the office calendar, so the list
and its filter cannot disagree. Recommendations on restricted cases the viewer may not see are left
out of the page and of the total.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from investigations.access import Viewer
from investigations.references import parse_reference
from investigations.tables import Case
from investigations.worklists import parse_filter_date
from remedies.compliance_report import FilterProblems, body_choices, match_choice
from remedies.queries import status_condition, visible_recommendations
from remedies.recommendations import status_of
from remedies.status import Status
from remedies.tables import Recommendation
from workbench.workdays import WorkingDayCalendar
from workbench.forms import whole_number

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
STATUS_CHOICES = ", ".join(s.value for s in Status)


@dataclass(frozen=True)
class RecommendationFilters:
    statuses: tuple[Status, ...] = ()
    body_id: int | None = None
    due_before: date | None = None  # due_on strictly before this date
    case_reference: str | None = None  # canonical "YY NNN NNN"
    limit: int = DEFAULT_LIMIT
    offset: int = 0


@dataclass(frozen=True)
class RecommendationPage:
    rows: list[dict[str, Any]] = field(default_factory=list)  # each with "status" (a Status) added
    total: int = 0
    limit: int = DEFAULT_LIMIT
    offset: int = 0


def _whole_number(text: str, name: str, default: int, low: int, high: int | None, problems: FilterProblems) -> int:
    text = text.strip()
    if not text:
        return default
    number = whole_number(text)
    if number is None:
        problems.add(name, f"must be a whole number, not {text!r}")
        return default
    if number < low or (high is not None and number > high):
        problems.add(name, f"must be between {low} and {high}" if high is not None else f"must be {low} or more")
        return default
    return number


def parse_statuses(text: str, problems: FilterProblems) -> tuple[Status, ...]:
    """One status or several joined by commas (any of them matches)."""
    chosen: list[Status] = []
    for part in (p.strip().lower() for p in text.split(",")):
        if not part:
            continue
        try:
            status = Status(part)
        except ValueError:
            problems.add("status", f"{part!r} is not a status: use one of {STATUS_CHOICES}")
            continue
        if status not in chosen:
            chosen.append(status)
    return tuple(chosen)


async def read_filters(status: str = "", body: str = "", due_before: str = "", case: str = "",
                       limit: str = "", offset: str = "") -> tuple[RecommendationFilters, FilterProblems]:
    """Filters from query text; problems name the parameter and what to send instead."""
    problems = FilterProblems()
    statuses = parse_statuses(status, problems)
    body_id = None
    if body.strip():
        try:
            body_id = match_choice(body, await body_choices(), "body").id
        except ValueError as exc:
            problems.add("body", str(exc))
    before = None
    try:
        before = parse_filter_date(due_before)
    except ValueError:
        problems.add("due_before", f"{due_before.strip()!r} is not a date: use YYYY-MM-DD, like 2026-03-31")
    reference = None
    if case.strip():
        try:
            reference, _suffix = parse_reference(case)
        except ValueError as exc:
            problems.add("case", str(exc))
    page_limit = _whole_number(limit, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT, problems)
    page_offset = _whole_number(offset, "offset", 0, 0, None, problems)
    return RecommendationFilters(statuses, body_id, before, reference, page_limit, page_offset), problems


COLUMNS = (
    Recommendation.id, Recommendation.case, Recommendation.case.reference.as_alias("case_reference"),
    Recommendation.body, Recommendation.body.name.as_alias("body_name"), Recommendation.remedy_type,
    Recommendation.description, Recommendation.public_summary, Recommendation.amount, Recommendation.beneficiary,
    Recommendation.anchor_event, Recommendation.anchor_on, Recommendation.period, Recommendation.unit,
    Recommendation.original_due_on, Recommendation.due_on, Recommendation.due_explanation,
    Recommendation.decided_on, Recommendation.outcome, Recommendation.outcome_on, Recommendation.ceased_reason,
    Recommendation.escalated_on, Recommendation.assigned_to,
    Recommendation.assigned_to.full_name.as_alias("assigned_to_name"),
)


async def _conditions(viewer: Viewer, filters: RecommendationFilters, today: date,
                      calendar: WorkingDayCalendar) -> list | None:
    """The where-clauses; None when nothing can match (an unknown case)."""
    conditions = []
    visible = visible_recommendations(viewer)
    if visible is not None:
        conditions.append(visible)
    if filters.statuses:
        condition = status_condition(filters.statuses[0], today, calendar)
        for status in filters.statuses[1:]:
            condition = condition | status_condition(status, today, calendar)
        conditions.append(condition)
    if filters.body_id is not None:
        conditions.append(Recommendation.body == filters.body_id)
    if filters.due_before is not None:
        conditions.append(Recommendation.due_on < filters.due_before)
    if filters.case_reference is not None:
        case = await Case.select(Case.id).where(Case.reference == filters.case_reference).first()
        if case is None:
            return None
        conditions.append(Recommendation.case == case["id"])
    return conditions


async def list_recommendations(viewer: Viewer, filters: RecommendationFilters, today: date,
                               calendar: WorkingDayCalendar) -> RecommendationPage:
    """The page asked for, soonest due first, and how many match in all."""
    conditions = await _conditions(viewer, filters, today, calendar)
    if conditions is None:
        return RecommendationPage([], 0, filters.limit, filters.offset)
    query = Recommendation.select(*COLUMNS)
    counting = Recommendation.count()
    for condition in conditions:
        query = query.where(condition)
        counting = counting.where(condition)
    rows = await query.order_by(Recommendation.due_on, Recommendation.id).limit(filters.limit).offset(filters.offset)
    for row in rows:
        row["status"] = status_of(row, today, calendar)
        if row["amount"] is not None:
            row["amount"] = Decimal(str(row["amount"])).quantize(Decimal("0.01"))
    return RecommendationPage(rows, await counting, filters.limit, filters.offset)
