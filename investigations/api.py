"""The JSON API for cases and bodies (session or bearer token)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException, ValidationException
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from investigations.intake_routes import api_create_case
from investigations.body_search import BodyCandidate, rank_bodies
from investigations import worklists
from investigations.queries import CaseFilters, CaseNotFound, categories, get_case, list_cases, viewer_for
from investigations.tables import Body
from workbench.audit import record_event
from workbench.roles import ALL_STAFF, CASEWORK


@dataclass
class CaseSummary:
    reference: str
    received_on: date
    decided_on: date | None
    stage: str
    stage_entered_on: date | None
    outcome: str
    category: str
    subcategory: str
    bodies: list[str]
    investigator: str | None
    restricted: bool
    urgent: bool
    age_working_days: int
    target_working_days: int | None
    working_days_left: int | None
    status: str  # on_track, due_soon, over_target, priority, no_target, closed
    intake_priority: bool


@dataclass
class CaseList:
    items: list[CaseSummary]
    total: int
    limit: int
    offset: int


@dataclass
class CaseBodyOut:
    name: str
    body_type: str
    suffix: str


@dataclass
class CaseDetail:
    reference: str
    received_on: date
    decided_on: date | None
    stage: str
    outcome: str
    category: str
    subcategory: str
    summary: str
    outcome_wanted: str
    care_funding: str
    restricted: bool
    investigator: str | None
    bodies: list[CaseBodyOut]


@dataclass
class BodyOut:
    id: int
    name: str
    body_type: str
    score: float
    matched: str


class CaseApiController(Controller):
    path = "/api/cases"
    opt = {"roles": ALL_STAFF}
    tags = ["cases"]

    @get(
        "/", name="api-case-list", summary="List and search cases",
        description=(
            "Filters: q (reference in any spelling, complainant name, body name, summary), queue "
            "(mine: my open cases; unallocated: assessment or investigation with no investigator; all), "
            "stage, body (part of a name, or an id), category (slug), investigator (user id), received_from "
            "and received_to (YYYY-MM-DD or D/M/YYYY), sort (received, reference, stage, age, each with a "
            "leading '-' for descending; priority), limit (1 to 200) and offset. Each item carries its age "
            "in working days against its stage's target."
        ),
    )
    async def list_cases(
        self,
        request: Request,
        q: FromQuery[str] = "",
        queue: FromQuery[str] = "",
        stage: FromQuery[str] = "",
        body_name: Annotated[str, QueryParameter(name="body")] = "",
        category: FromQuery[str] = "",
        investigator: FromQuery[str] = "",
        received_from: FromQuery[str] = "",
        received_to: FromQuery[str] = "",
        sort: FromQuery[str] = "",
        limit: FromQuery[str] = "",
        offset: FromQuery[str] = "",
    ) -> CaseList:
        today = worklists.london_today()
        params = worklists.read_list_params(
            today=today, category_slugs=[c["slug"] for c in await categories()], strict=True,
            queue=queue, q=q, stage=stage, body=body_name, category=category, investigator=investigator,
            received_from=received_from, received_to=received_to, sort=sort,
        )
        problems = dict(params.errors)
        page_limit = _whole_number(limit, "limit", worklists.PAGE_SIZE, 1, worklists.API_MAX_LIMIT, problems)
        page_offset = _whole_number(offset, "offset", 0, 0, None, problems)
        if problems:
            raise ValidationException("; ".join(f"{name}: {message}" for name, message in problems.items()))
        filters = CaseFilters(
            q=params.search, stage=params.stage, queue=params.queue, body=params.body, category=params.category,
            investigator=params.investigator, received_from=params.received_from, received_to=params.received_to,
            sort=params.effective_sort, limit=page_limit, offset=page_offset, exact_total=True, today=today,
        )
        result = await list_cases(viewer_for(request.user), filters)
        items = [
            CaseSummary(
                reference=r["reference"],
                received_on=r["received_on"],
                decided_on=r["decided_on"],
                stage=r["stage"],
                stage_entered_on=r["stage_entered_on"],
                outcome=r["outcome"],
                category=r["category"],
                subcategory=r["subcategory"],
                bodies=r["bodies"],
                investigator=r["investigator"],
                restricted=bool(r["restricted"]),
                urgent=bool(r["urgent"]),
                age_working_days=r["age"].age_working_days,
                target_working_days=r["age"].target_working_days,
                working_days_left=r["age"].working_days_left,
                status=r["age"].status.value,
                intake_priority=r["age"].intake_priority,
            )
            for r in result.rows
        ]
        return CaseList(items=items, total=result.total, limit=result.limit, offset=result.offset)

    @post("/", name="api-case-create", opt={"roles": CASEWORK}, summary="Open a new case (intake)",
          description="Takes the intake form's field names as JSON; `bodies` lists body ids or names.")
    async def create_case(self, request: Request, data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
        return await api_create_case(request, data)

    @get("/{reference:str}", name="api-case-detail", summary="One case")
    async def case_detail(self, request: Request, reference: FromPath[str]) -> CaseDetail:
        try:
            case = await get_case(viewer_for(request.user), reference)
        except CaseNotFound:
            raise NotFoundException(f"No case {reference}") from None
        if case["restricted"]:
            await record_event(request.user, "case.viewed", "case", case["reference"], summary="Viewed a restricted case (API)")
        return CaseDetail(
            reference=case["reference"],
            received_on=case["received_on"],
            decided_on=case["decided_on"],
            stage=case["stage"],
            outcome=case["outcome"],
            category=case["category_name"],
            subcategory=case["subcategory_name"],
            summary=case["summary"],
            outcome_wanted=case["outcome_wanted"],
            care_funding=case["care_funding"],
            restricted=case["restricted"],
            investigator=case["investigator_name"],
            bodies=[CaseBodyOut(b["name"], b["body_type"], b["suffix"]) for b in case["bodies"]],
        )


@get("/api/bodies", name="api-body-search", opt={"roles": ALL_STAFF}, tags=["bodies"], summary="Find bodies by name or alias")
async def search_bodies(q: FromQuery[str] = "", limit: FromQuery[int] = 10) -> list[BodyOut]:
    if not 1 <= limit <= 50:
        raise ValidationException("limit must be between 1 and 50")
    rows = await Body.select(Body.id, Body.name, Body.aliases, Body.body_type).where(Body.active == True)  # noqa: E712
    candidates = [
        BodyCandidate(r["id"], r["name"], tuple(json.loads(r["aliases"]) if isinstance(r["aliases"], str) else r["aliases"]), r["body_type"])
        for r in rows
    ]
    return [BodyOut(m.body.id, m.body.name, m.body.body_type, round(m.score, 1), m.matched) for m in rank_bodies(q[:200], candidates, limit)]


def _whole_number(text: str, name: str, default: int, low: int, high: int | None, problems: dict[str, str]) -> int:
    """A whole-number query parameter within bounds; a problem (and the default) otherwise."""
    text = text.strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        problems[name] = f"must be a whole number, not {text!r}"
        return default
    if value < low or (high is not None and value > high):
        problems[name] = f"must be between {low} and {high}" if high is not None else f"must be {low} or more"
        return default
    return value
