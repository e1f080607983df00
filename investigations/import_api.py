"""``POST /api/cases/import``: historical cases as JSON Lines in the request body; the report back.

Managers and administrators only. The body is the file itself (``application/x-ndjson``,
``application/jsonl`` or ``text/plain``; gzip-compressed bodies are recognised by their first bytes);
``application/json`` is accepted too, as one object or an array of objects (one per "line").
``?format=housing-ombudsman`` reads the Housing Ombudsman's file; ``?dry_run=true`` saves nothing.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from typing import Annotated, Any

import anyio.to_thread
from litestar import Request, post
from litestar.exceptions import HTTPException, ValidationException
from litestar.params import QueryParameter

from investigations.importing import FORMATS, import_cases
from workbench.api_responses import SIGNED_IN, PayloadTooLarge, UnsupportedMediaType
from workbench.roles import OVERSIGHT

MAX_IMPORT_BYTES = 20 * 1024 * 1024  # the request body as sent (compressed or not)
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024  # a gzip body may not expand beyond this
LINE_TYPES = ("application/x-ndjson", "application/jsonl", "application/x-jsonlines", "text/plain", "application/gzip")


@dataclass
class RejectedLine:
    line: int
    reason: str


@dataclass
class ImportReportOut:
    read: int
    inserted: int
    updated: int
    unchanged: int
    rejected: list[RejectedLine]
    created_bodies: list[str]
    created_categories: list[str]
    created_subcategories: list[str]
    recommendations_not_imported: int
    notes: dict[str, int]
    seconds: float
    dry_run: bool


def _gunzip(body: bytes) -> bytes:
    decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        data = decompressor.decompress(body, MAX_UNCOMPRESSED_BYTES + 1)
    except zlib.error as exc:
        raise ValidationException(f"The body looks gzip-compressed but is not: {exc}") from None
    if len(data) > MAX_UNCOMPRESSED_BYTES or decompressor.unconsumed_tail:
        raise HTTPException(status_code=413, detail=f"Uncompressed, the file is over {MAX_UNCOMPRESSED_BYTES // 2**20} MB")
    return data


def body_lines(body: bytes, content_type: str) -> list[str]:
    """The lines to import from a request body; JSON bodies become one line per object."""
    if body[:2] == b"\x1f\x8b":
        body = _gunzip(body)
    text = body.decode("utf-8", errors="surrogateescape")
    if content_type == "application/json":
        try:
            data: Any = json.loads(text.lstrip("\ufeff"))
        except json.JSONDecodeError:
            return text.split("\n")  # JSON Lines sent as application/json: each line is checked on its own
        items = data if isinstance(data, list) else [data]
        return [json.dumps(item, ensure_ascii=False) for item in items]
    if content_type not in LINE_TYPES and content_type:
        raise HTTPException(
            status_code=415, detail=f"Send the file as application/x-ndjson (JSON Lines), not {content_type}"
        )
    return text.split("\n")  # not splitlines(): U+2028 may sit inside a JSON string


@post(
    "/api/cases/import",
    name="api-case-import",
    opt={"roles": OVERSIGHT},
    tags=["cases"],
    summary="Import historical cases (JSON Lines)",
    status_code=200,
    request_max_body_size=MAX_IMPORT_BYTES,
    raises=[*SIGNED_IN, PayloadTooLarge, UnsupportedMediaType],
)
async def import_cases_api(
    request: Request,
    import_format: Annotated[
        str, QueryParameter(name="format", description="workbench or housing-ombudsman", schema_extra={"enum": list(FORMATS)})
    ] = "workbench",
    dry_run: Annotated[bool, QueryParameter(description="check and count, save nothing")] = False,
) -> ImportReportOut:
    if import_format not in FORMATS:
        raise ValidationException(f"Unknown format {import_format!r}; choose {' or '.join(FORMATS)}")
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    # Decompressing and splitting a 20 MB body is CPU work: off the event loop, like the parsing.
    lines = await anyio.to_thread.run_sync(body_lines, await request.body(), content_type)
    report = await import_cases(
        lines, request.user, format=import_format, dry_run=dry_run, source="upload through the API"
    )
    return ImportReportOut(
        **{k: v for k, v in report.as_dict().items() if k != "rejected"},
        rejected=[RejectedLine(n, reason) for n, reason in report.rejected],
    )
