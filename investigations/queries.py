"""Reading cases: the case list with its search, one case with its parties, workload counts.

Every list respects need-to-know: restricted cases appear only to those who may open them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from piccolo.columns.combination import Or, WhereRaw
from piccolo.query.functions.aggregate import Count

from investigations.access import Viewer, may_view_case
from investigations.lifecycle import OPEN_STAGES, Stage
from investigations.references import parse_reference
from investigations.tables import Body, Case, CaseBody, Person
from workbench.db import contains_text
from workbench.roles import Role
from workbench.tables import User

PAGE_SIZE = 50


def _visibility(viewer: Viewer):
    """The SQL condition that hides restricted cases from those without need-to-know."""
    if viewer.role is Role.ADMINISTRATOR:
        return None
    return WhereRaw(
        '("investigations_case"."restricted" = false OR "investigations_case"."investigator" = {} '
        'OR "investigations_case"."investigator" IN (SELECT id FROM workbench_user WHERE manager = {}))',
        viewer.user_id,
        viewer.user_id,
    )


@dataclass(frozen=True)
class CaseFilters:
    q: str = ""
    stage: str = ""
    mine: bool = False
    open_only: bool = False
    page: int = 1


@dataclass(frozen=True)
class CasePage:
    rows: list[dict[str, Any]]
    total: int
    page: int
    pages: int


async def list_cases(viewer: Viewer, filters: CaseFilters) -> CasePage:
    conditions = []
    if (visible := _visibility(viewer)) is not None:
        conditions.append(visible)
    if filters.stage:
        conditions.append(Case.stage == filters.stage)
    if filters.open_only:
        conditions.append(Case.stage.is_in([s.value for s in OPEN_STAGES]))
    if filters.mine:
        conditions.append(Case.investigator == viewer.user_id)
    if filters.q.strip():
        conditions.append(_search_condition(filters.q.strip()))

    def where(query):
        for condition in conditions:
            query = query.where(condition)
        return query

    total = await where(Case.count())
    page = max(1, filters.page)
    rows = await where(
        Case.select(
            Case.id,
            Case.reference,
            Case.received_on,
            Case.decided_on,
            Case.stage,
            Case.outcome,
            Case.restricted,
            Case.category.name.as_alias("category"),
            Case.subcategory.name.as_alias("subcategory"),
            Case.investigator.full_name.as_alias("investigator"),
            Case.complainant.family_name.as_alias("complainant"),
        )
    ).order_by(Case.received_on, ascending=False).order_by(Case.id, ascending=False).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    await _attach_bodies(rows)
    return CasePage(rows=rows, total=total, page=page, pages=max(1, -(-total // PAGE_SIZE)))


def _search_condition(q: str):
    """A reference (in any spacing), or words in the complainant's name, a body's name, or the summary."""
    try:
        reference, _ = parse_reference(q)
        return Case.reference == reference
    except ValueError:
        pass
    return Or(
        Or(contains_text(Case.complainant.family_name, q), contains_text(Case.summary, q)),
        Case.id.is_in(CaseBody.select(CaseBody.case).where(contains_text(CaseBody.body.name, q))),
    )


async def _attach_bodies(rows: list[dict[str, Any]]) -> None:
    """One query for the bodies of a whole page of cases, not one per row."""
    if not rows:
        return
    links = await CaseBody.select(CaseBody.case, CaseBody.body.name.as_alias("name"), CaseBody.suffix).where(
        CaseBody.case.is_in([r["id"] for r in rows])
    ).order_by(CaseBody.suffix)
    by_case: dict[int, list[str]] = {}
    for link in links:
        by_case.setdefault(link["case"], []).append(link["name"])
    for row in rows:
        row["bodies"] = by_case.get(row["id"], [])


class CaseNotFound(LookupError):
    pass


async def get_case(viewer: Viewer, reference: str) -> dict[str, Any]:
    """One case with its parties and bodies; restricted cases without need-to-know are 'not found'."""
    try:
        normalised, _ = parse_reference(reference)
    except ValueError:
        raise CaseNotFound(reference) from None
    case = await Case.select(
        Case.all_columns(),
        Case.category.name.as_alias("category_name"),
        Case.subcategory.name.as_alias("subcategory_name"),
        Case.investigator.full_name.as_alias("investigator_name"),
        Case.investigator.manager.as_alias("investigator_manager"),
    ).where(Case.reference == normalised).first()
    if case is None:
        raise CaseNotFound(reference)
    if not may_view_case(viewer, case["restricted"], case["investigator"], case["investigator_manager"]):
        raise CaseNotFound(reference)
    person_ids = [case[k] for k in ("complainant", "person_affected", "representative") if case[k]]
    people = {p["id"]: p for p in await Person.select().where(Person.id.is_in(person_ids))}
    for key in ("complainant", "person_affected", "representative"):
        case[f"{key}_person"] = people.get(case[key])
    case["bodies"] = await CaseBody.select(
        CaseBody.suffix,
        CaseBody.body.id.as_alias("body_id"),
        CaseBody.body.name.as_alias("name"),
        CaseBody.body.body_type.as_alias("body_type"),
    ).where(CaseBody.case == case["id"]).order_by(CaseBody.suffix)
    return case


async def stage_counts(viewer: Viewer, mine: bool = False) -> dict[str, int]:
    query = Case.select(Case.stage, Count(Case.id, alias="n")).group_by(Case.stage)
    if (visible := _visibility(viewer)) is not None:
        query = query.where(visible)
    if mine:
        query = query.where(Case.investigator == viewer.user_id)
    return {row["stage"]: row["n"] for row in await query}


async def decided_between(viewer: Viewer, start: date, end: date) -> dict[str, int]:
    """Decisions by outcome in a period: the figures a report writer starts from."""
    query = (
        Case.select(Case.outcome, Count(Case.id, alias="n"))
        .where((Case.decided_on >= start) & (Case.decided_on <= end))
        .group_by(Case.outcome)
    )
    if (visible := _visibility(viewer)) is not None:
        query = query.where(visible)
    return {row["outcome"]: row["n"] for row in await query if row["outcome"]}


async def unassigned_count() -> int:
    return await Case.count().where(
        Case.investigator.is_null() & Case.stage.is_in([Stage.ASSESSMENT.value, Stage.INVESTIGATION.value])
    )


def viewer_for(user: User) -> Viewer:
    return Viewer(user_id=user.id, role=Role(user.role))
