"""``GET /api/cases/{reference}/statement.docx``: a case's decision statement as a Word file.

Thin: the document kind (``investigations.statement.DecisionStatement``) gathers the case with
need-to-know (a case the caller may not see is 404, as one that does not exist), and the .docx is
built in a worker thread so a long statement never holds up the event loop. A bad version or body
is a 400 that says what to choose.
"""

from __future__ import annotations

from typing import Annotated

import anyio
from litestar import Request, get
from litestar.exceptions import NotFoundException, ValidationException
from litestar.params import FromPath, QueryParameter
from litestar.response import Response

from investigations.documents import content_disposition
from investigations.queries import viewer_for
from investigations.statement import DecisionStatement, filename
from workbench.api_responses import ONE_CASE
from workbench.audit import record_event
from workbench.reports import ParameterError
from workbench.roles import ALL_STAFF
from workbench.word import DOCX_CONTENT_TYPE


@get("/api/cases/{reference:str}/statement.docx", name="api-case-statement", opt={"roles": ALL_STAFF},
     summary="A case's decision statement (.docx)",
     description="version=public (anonymised, for publication) or parties (names and reference); body= when "
                 "the case concerns more than one body; other_names= anyone else the text names (public version), "
                 "separated by semicolons.",
     raises=ONE_CASE)
async def statement_docx(
    request: Request,
    reference: FromPath[str],
    version: Annotated[str, QueryParameter(name="version", schema_extra={"enum": ["public", "parties"]})] = "",
    body_name: Annotated[str, QueryParameter(name="body")] = "",  # "body" is Litestar's raw request body
    other_names: Annotated[str, QueryParameter(name="other_names")] = "",
) -> Response[bytes]:
    kind = DecisionStatement()
    params = {"reference": reference, "version": version, "body": body_name, "other_names": other_names}
    try:
        data = await kind.gather(params, viewer_for(request.user))
    except ParameterError as exc:
        if exc.field == "reference":
            raise NotFoundException(exc.message) from None
        raise ValidationException(exc.message, extra={exc.field: exc.message}) from None
    content = await anyio.to_thread.run_sync(kind.build, data)
    await record_event(request.user, "statement.downloaded", "case", data.reference,
                       summary=f"Decision statement ({data.version} version) for {data.body.name}")
    return Response(
        content,
        media_type=DOCX_CONTENT_TYPE,
        headers={"content-disposition": content_disposition(filename(data)),
                 "x-content-type-options": "nosniff", "cache-control": "no-store"},
    )
