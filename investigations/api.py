"""The JSON API for cases and bodies (session or bearer token)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException, ValidationException
from litestar.params import FromPath, FromQuery, JSONBody

from investigations.intake_routes import api_create_case
from investigations.body_search import BodyCandidate, rank_bodies
from investigations.lifecycle import Stage
from investigations.queries import CaseFilters, CaseNotFound, get_case, list_cases, viewer_for
from investigations.tables import Body
from workbench.audit import record_event
from workbench.roles import ALL_STAFF, CASEWORK


@dataclass
class CaseSummary:
    reference: str
    received_on: date
    decided_on: date | None
    stage: str
    outcome: str
    category: str
    subcategory: str
    bodies: list[str]
    investigator: str | None
    restricted: bool


@dataclass
class CaseList:
    items: list[CaseSummary]
    total: int
    page: int
    pages: int


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

    @get("/", name="api-case-list", summary="List and search cases")
    async def list_cases(
        self, request: Request, q: FromQuery[str] = "", stage: FromQuery[str] = "", page: FromQuery[int] = 1
    ) -> CaseList:
        if stage and stage not in Stage.__members__.values():
            raise ValidationException(f"Unknown stage {stage!r}; choose one of {', '.join(s.value for s in Stage)}")
        if page < 1:
            raise ValidationException("page must be 1 or more")
        result = await list_cases(viewer_for(request.user), CaseFilters(q=q[:200], stage=stage, page=page))
        items = [
            CaseSummary(
                reference=r["reference"],
                received_on=r["received_on"],
                decided_on=r["decided_on"],
                stage=r["stage"],
                outcome=r["outcome"],
                category=r["category"],
                subcategory=r["subcategory"],
                bodies=r["bodies"],
                investigator=r["investigator"],
                restricted=r["restricted"],
            )
            for r in result.rows
        ]
        return CaseList(items=items, total=result.total, page=result.page, pages=result.pages)

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
