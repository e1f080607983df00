"""The JSON API for cases and bodies (session or bearer token)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, get, patch, post
from litestar.exceptions import NotFoundException, ValidationException
from litestar.openapi.spec import Example
from litestar.params import Body, FromPath, FromQuery, QueryParameter

from investigations.casework import EDITABLE_FIELDS, CaseConflict, update_details
from investigations.casework_api import conflict
from investigations.intake_routes import api_create_case
from investigations.lifecycle import CareFunding
from workbench.forms import Errors, integer, parse_date, text, value
from investigations.body_search import rank_bodies
from investigations import worklists
from investigations.queries import body_candidates, CaseFilters, CaseNotFound, categories, get_case, list_cases, viewer_for
from workbench.api_responses import CASE_CHANGE, ONE_CASE, SIGNED_IN
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
    first_aware_on: date | None
    urgent: bool
    joint_with_phso: bool
    version: int


def case_detail_out(case: dict[str, Any]) -> CaseDetail:
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
        first_aware_on=case["first_aware_on"],
        urgent=case["urgent"],
        joint_with_phso=case["joint_with_phso"],
        version=case["version"],
    )


@dataclass
class BodyOut:
    id: int
    name: str
    body_type: str
    score: float
    matched: str


# Documents the digits a whole-number text parameter takes (the handler checks them, with its own message).
WHOLE_NUMBER_OR_EMPTY = r"^[0-9]{0,9}$"

CREATE_EXAMPLE = Example(summary="A care-charging complaint", value={
    "complainant_title": "Mrs", "complainant_family_name": "Okonjo", "complainant_postcode": "SO23 8UG",
    "affected_same": True, "bodies": ["Hants CC"], "subcategory": 2,
    "summary": "The Council did not consider disability-related expenditure in my care charge.",
    "outcome_wanted": "A reassessment and a refund.", "received_on": "2026-11-20", "first_aware_on": "2026-07-01",
    "local_procedure": "adult_social_care", "stage1_received": "2026-08-01", "stage1_responded": "2026-10-20",
})
PATCH_EXAMPLE = Example(summary="Mark a case urgent", value={"version": 3, "urgent": True})


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
        raises=SIGNED_IN,
    )
    async def list_cases(
        self,
        request: Request,
        q: FromQuery[str] = "",
        queue: Annotated[str, QueryParameter(schema_extra={"enum": ["", *worklists.Queue]})] = "",
        stage: Annotated[str, QueryParameter(schema_extra={"enum": ["", *worklists.STAGE_ORDER]})] = "",
        body_name: Annotated[str, QueryParameter(name="body")] = "",
        category: FromQuery[str] = "",
        investigator: Annotated[str, QueryParameter(schema_extra={"pattern": WHOLE_NUMBER_OR_EMPTY})] = "",
        received_from: FromQuery[str] = "",
        received_to: FromQuery[str] = "",
        sort: Annotated[str, QueryParameter(schema_extra={"enum": ["", *sorted(worklists.SORTS)]})] = "",
        limit: Annotated[str, QueryParameter(schema_extra={"pattern": WHOLE_NUMBER_OR_EMPTY})] = "",
        offset: Annotated[str, QueryParameter(schema_extra={"pattern": WHOLE_NUMBER_OR_EMPTY})] = "",
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
          description="Takes the intake form's field names as JSON; `bodies` lists body ids or names.",
          raises=SIGNED_IN)
    async def create_case(
        self, request: Request, data: Annotated[dict[str, Any], Body(examples=[CREATE_EXAMPLE])]
    ) -> dict[str, Any]:
        return await api_create_case(request, data)

    @patch("/{reference:str}", name="api-case-update", opt={"roles": CASEWORK}, summary="Change a case's details",
           description="Send `version` (from GET) and any of: " + ", ".join(EDITABLE_FIELDS) + ". A stale version is 409.",
           raises=CASE_CHANGE)
    async def update_case(
        self, request: Request, reference: FromPath[str], data: Annotated[dict[str, Any], Body(examples=[PATCH_EXAMPLE])]
    ) -> CaseDetail:
        try:
            case = await get_case(viewer_for(request.user), reference)
        except CaseNotFound:
            raise NotFoundException(f"No case {reference}") from None
        unknown = sorted(set(data) - set(EDITABLE_FIELDS) - {"version"})
        if unknown:
            raise ValidationException(f"These fields cannot be changed here: {', '.join(unknown)}",
                                      extra={name: "not editable" for name in unknown})
        errors = Errors()
        version = integer(data, "version", errors, "version", required=True)
        changes = {name: case[name] for name in EDITABLE_FIELDS}
        for name in ("summary", "outcome_wanted"):
            if name in data:
                changes[name] = text(data, name, errors, name.replace("_", " "), required=name == "summary")
        if "first_aware_on" in data:
            changes["first_aware_on"] = parse_date(data, "first_aware_on", errors, "the date first aware", date.today())
            if changes["first_aware_on"] and changes["first_aware_on"] > case["received_on"]:
                errors.add("first_aware_on", "The date first aware cannot be after the complaint was received")
        if "care_funding" in data:
            changes["care_funding"] = value(data, "care_funding")
            if changes["care_funding"] not in {"", *(c.value for c in CareFunding)}:
                errors.add("care_funding", "Use council_arranged, self_funded or an empty string")
        for name in ("urgent", "restricted", "joint_with_phso"):
            if name in data:
                if not isinstance(data[name], bool):
                    errors.add(name, "Use true or false")
                changes[name] = bool(data[name])
        if errors or version is None:
            raise ValidationException("The case was not changed: correct the fields listed", extra=dict(errors))
        try:
            await update_details(case, version, changes, request.user)
        except CaseConflict as exc:
            raise conflict(exc) from None
        return case_detail_out(await get_case(viewer_for(request.user), reference))

    @get("/{reference:str}", name="api-case-detail", summary="One case", raises=ONE_CASE)
    async def case_detail(self, request: Request, reference: FromPath[str]) -> CaseDetail:
        try:
            case = await get_case(viewer_for(request.user), reference)
        except CaseNotFound:
            raise NotFoundException(f"No case {reference}") from None
        if case["restricted"]:
            await record_event(request.user, "case.viewed", "case", case["reference"], summary="Viewed a restricted case (API)")
        return case_detail_out(case)


@get("/api/bodies", name="api-body-search", opt={"roles": ALL_STAFF}, tags=["bodies"], summary="Find bodies by name or alias",
     raises=SIGNED_IN)
async def search_bodies(
    q: FromQuery[str] = "", limit: Annotated[int, QueryParameter(schema_extra={"minimum": 1, "maximum": 50})] = 10
) -> list[BodyOut]:
    if not 1 <= limit <= 50:
        raise ValidationException("limit must be between 1 and 50")
    candidates = await body_candidates()
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
