"""The JSON API for similar cases."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from litestar import Request, get
from litestar.exceptions import NotFoundException, ValidationException
from litestar.params import FromPath, QueryParameter

from investigations.queries import CaseNotFound, viewer_for
from systemic.suggestions import MAX_LIMIT, similar_for_case
from workbench.api_responses import ONE_CASE
from workbench.roles import ALL_STAFF


@dataclass
class SimilarCase:
    reference: str
    score: int  # 0-100
    reasons: list[str]


@get("/api/cases/{reference:str}/similar", name="api-similar-cases", opt={"roles": ALL_STAFF}, tags=["cases"],
     summary="The cases most similar to this one, best first, with the reasons", raises=ONE_CASE)
async def similar_cases_api(
    request: Request,
    reference: FromPath[str],
    limit: Annotated[int, QueryParameter(description=f"how many, 1 to {MAX_LIMIT}",
                                         schema_extra={"minimum": 1, "maximum": MAX_LIMIT})] = 10,
) -> list[SimilarCase]:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationException(f"limit must be between 1 and {MAX_LIMIT}")
    try:
        _, found = await similar_for_case(viewer_for(request.user), reference, limit)
    except CaseNotFound:
        raise NotFoundException(f"No case {reference}") from None
    return [SimilarCase(s.reference, s.score, list(s.reasons)) for s in found]
