"""Downloading a chase letter: rebuilt from the stored firing, never kept as a file.

Thin: need-to-know comes from ``get_case`` (a case the user may not see is 404, like a firing
that does not exist or belongs to another recommendation); the letter from ``remedies.letters``.
"""

from __future__ import annotations

from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Response

from investigations.documents import content_disposition
from investigations.queries import CaseNotFound, get_case, viewer_for
from remedies import letters
from remedies.calendar import office_calendar
from remedies.chasing import configured_ladder
from remedies.tables import Recommendation
from workbench.roles import CASEWORK, COMPLIANCE
from workbench.word import DOCX_CONTENT_TYPE


def letter_url(recommendation_id: int, firing_id: int) -> str:
    return f"/recommendations/{recommendation_id}/letters/{firing_id}"


@get("/recommendations/{recommendation_id:int}/letters/{firing_id:int}", name="chase-letter",
     opt={"roles": COMPLIANCE | CASEWORK})
async def chase_letter(request: Request, recommendation_id: FromPath[int], firing_id: FromPath[int]) -> Response[bytes]:
    """The .docx a fired rung produced, as it was sent."""
    row = await Recommendation.select(Recommendation.case.reference.as_alias("reference")).where(
        Recommendation.id == recommendation_id).first()
    if row is None:
        raise NotFoundException("No such recommendation")
    try:
        await get_case(viewer_for(request.user), row["reference"])
    except CaseNotFound:
        raise NotFoundException("No such recommendation") from None
    facts = await letters.load_letter(recommendation_id, firing_id, configured_ladder(), await office_calendar())
    if facts is None:
        raise NotFoundException("No such letter on this recommendation")
    return Response(
        letters.build_letter(facts),
        media_type=DOCX_CONTENT_TYPE,
        headers={"content-disposition": content_disposition(letters.letter_filename(facts)),
                 "x-content-type-options": "nosniff", "cache-control": "no-store"},
    )
