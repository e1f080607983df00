"""The JSON API for case work: stage moves and findings (PATCH of the case lives with GET in ``api``).

Refusals are 400 with the field at fault in ``extra``; a stale ``version`` is 409 with what changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, get, post, put
from litestar.exceptions import NotFoundException, ValidationException
from litestar.openapi.spec import Example
from litestar.params import Body, FromPath

from investigations.casefile import load_case_file
from investigations.casework import CaseConflict, CaseworkError, save_finding, transition_case
from investigations.lifecycle import Outcome, Stage
from investigations.queries import CaseNotFound, viewer_for
from investigations.reference_data import ncmg_standards_by_code
from investigations.transitions import TransitionError, TransitionRequest
from workbench.api_responses import CASE_CHANGE, ONE_CASE, Conflict
from workbench.roles import ALL_STAFF, CASEWORK


@dataclass
class TransitionIn:
    target: str
    reason: str
    version: int
    outcome: str | None = None
    decided_on: date | None = None
    comments_due_on: date | None = None
    closure_reason: str = ""


@dataclass
class TransitionOut:
    reference: str
    stage: str
    outcome: str
    version: int


@dataclass
class FindingIn:
    fault: bool
    injustice: bool
    description: str = ""
    standards: list[str] = field(default_factory=list)


@dataclass
class FindingOut:
    body_id: int
    body: str
    fault: bool
    injustice: bool
    description: str
    standards: list[str]


TRANSITION_EXAMPLE = Example(summary="Issue a draft decision", value={
    "target": "draft_decision", "reason": "Enquiries complete", "version": 4, "comments_due_on": "2026-12-16"})
FINDING_EXAMPLE = Example(summary="Fault causing injustice", value={
    "fault": True, "injustice": True, "description": "Disability-related expenditure was not considered.",
    "standards": ["3.5", "4.1"]})


def conflict(exc: CaseConflict) -> Conflict:
    return Conflict(f"Someone else changed this case ({exc.by}); reload it and try again", extra={"changes": exc.changes})


async def _case_file(request: Request, reference: str) -> dict[str, Any]:
    try:
        return await load_case_file(viewer_for(request.user), reference)
    except CaseNotFound:
        raise NotFoundException(f"No case {reference}") from None


def _findings(file: dict[str, Any]) -> list[FindingOut]:
    names = {b["body_id"]: b["name"] for b in file["case"]["bodies"]}
    return [FindingOut(body_id, names.get(body_id, ""), f["fault"], f["injustice"], f["description"], list(f["standards"]))
            for body_id, f in file["findings"].items()]


class CaseworkApiController(Controller):
    path = "/api/cases/{reference:str}"
    tags = ["cases"]
    opt = {"roles": CASEWORK}

    @post("/transitions", name="api-case-transition", summary="Move a case to another stage", status_code=200,
          raises=CASE_CHANGE)
    async def transition(self, request: Request, reference: FromPath[str],
                         data: Annotated[TransitionIn, Body(examples=[TRANSITION_EXAMPLE])]) -> TransitionOut:
        file = await _case_file(request, reference)
        if data.target not in Stage.__members__.values():
            raise ValidationException(f"Unknown stage {data.target!r}", extra={"target": "unknown stage"})
        if data.outcome and data.outcome not in Outcome.__members__.values():
            raise ValidationException(f"Unknown outcome {data.outcome!r}", extra={"outcome": "unknown outcome"})
        transition = TransitionRequest(
            target=Stage(data.target), reason=data.reason, outcome=Outcome(data.outcome) if data.outcome else None,
            decided_on=data.decided_on, comments_due_on=data.comments_due_on, closure_reason=data.closure_reason,
        )
        try:
            await transition_case(file["case"], data.version, transition, request.user)
        except TransitionError as exc:
            raise ValidationException(str(exc), extra={exc.field or "target": str(exc)}) from None
        except CaseConflict as exc:
            raise conflict(exc) from None
        case = (await _case_file(request, reference))["case"]
        return TransitionOut(case["reference"], case["stage"], case["outcome"], case["version"])

    @get("/findings", name="api-case-findings", summary="The findings on a case, per body", opt={"roles": ALL_STAFF},
         raises=ONE_CASE)
    async def findings(self, request: Request, reference: FromPath[str]) -> list[FindingOut]:
        return _findings(await _case_file(request, reference))

    @put("/findings/{body_id:int}", name="api-case-finding-save", summary="Record or change the finding about one body",
         raises=CASE_CHANGE)
    async def save(self, request: Request, reference: FromPath[str], body_id: FromPath[int],
                   data: Annotated[FindingIn, Body(examples=[FINDING_EXAMPLE])]) -> FindingOut:
        file = await _case_file(request, reference)
        try:
            await save_finding(file["case"], body_id, data.fault, data.injustice, data.description, data.standards,
                               set(ncmg_standards_by_code()), request.user)
        except CaseworkError as exc:
            raise ValidationException(str(exc), extra={exc.field or "finding": str(exc)}) from None
        return next(f for f in _findings(await _case_file(request, reference)) if f.body_id == body_id)


