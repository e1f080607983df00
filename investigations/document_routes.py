"""The case file on the web: the documents panel, uploads and downloads.

Thin: need-to-know comes from ``get_case`` (404 for a case the user may not see), checking and
storing from ``investigations.documents``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from jinja2_fragments.litestar import HTMXBlockTemplate
from litestar import Controller, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.plugins.htmx import HTMXRequest
from litestar.response import File, Redirect

from investigations import documents
from investigations.queries import CaseNotFound, get_case, viewer_for
from workbench.audit import record_event
from workbench.roles import ALL_STAFF, CASEWORK
from workbench.settings import get_settings
from workbench.templating import is_fragment_request, render

log = logging.getLogger("investigations.documents")

PANEL_TEMPLATE = "investigations/documents_panel.html"
PANEL_BLOCK = "documents_panel"
# The app refuses bodies over 1 MB; an upload may be 20 MB plus the multipart framing.
UPLOAD_REQUEST_MAX_BYTES = documents.MAX_UPLOAD_BYTES + documents.MB


def uploads_dir() -> Path:
    return get_settings().uploads_dir


def _case_url(case: dict[str, Any]) -> str:
    return "/cases/" + case["reference"].replace(" ", "-")


def _client_ip(request: HTMXRequest) -> str:
    return request.client.host if request.client else ""


async def _visible_case(request: HTMXRequest, reference: str) -> dict[str, Any]:
    try:
        return await get_case(viewer_for(request.user), reference)
    except CaseNotFound:
        raise NotFoundException(f"No case {reference}") from None


async def _panel(
    request: HTMXRequest,
    case: dict[str, Any],
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    kind: str = "",
    added: str = "",
) -> HTMXBlockTemplate:
    context = await documents.panel_context(case, request.user.role, errors=errors, kind=kind)
    context["document_added"] = added
    context["documents_page"] = not is_fragment_request(request)  # the panel on a page of its own
    return render(request, PANEL_TEMPLATE, context, block=PANEL_BLOCK, status_code=status_code)


class CaseDocumentsController(Controller):
    path = "/cases/{reference:str}/documents"

    @get("/", name="case-documents", opt={"roles": ALL_STAFF})
    async def documents_panel(self, request: HTMXRequest, reference: FromPath[str]) -> HTMXBlockTemplate:
        """The case file: the panel for htmx, or a page of its own."""
        case = await _visible_case(request, reference)
        return await _panel(request, case)

    @post(
        "/",
        name="case-document-upload",
        opt={"roles": CASEWORK},
        request_max_body_size=UPLOAD_REQUEST_MAX_BYTES,
    )
    async def upload(self, request: HTMXRequest, reference: FromPath[str]) -> HTMXBlockTemplate | Redirect:
        case = await _visible_case(request, reference)
        form = await request.form()
        kind = form.get("kind") if isinstance(form.get("kind"), str) else ""
        upload = form.get("file")
        try:
            if not isinstance(upload, UploadFile):
                errors = {"kind": "Select what kind of document this is"} if kind not in documents.DOCUMENT_KINDS else {}
                return await _panel(request, case, 400, {**errors, "file": "Select a file to upload"}, kind)
            try:
                await documents.add_document(
                    case_id=case["id"],
                    case_reference=case["reference"],
                    user=request.user,
                    kind=kind,
                    filename=upload.filename,
                    file=upload.file,
                    uploads_dir=uploads_dir(),
                    ip=_client_ip(request),
                )
            except documents.UploadRefused as refused:
                return await _panel(request, case, 400, {refused.field: refused.message}, kind)
        finally:
            for _, value in form.multi_items():
                if isinstance(value, UploadFile):
                    await value.close()
        added = documents.clean_filename(upload.filename)
        if is_fragment_request(request):
            return await _panel(request, case, added=added)
        flash(request, f"{added} was added to the case file", category="success")
        return Redirect(_case_url(case) + "#case-documents", status_code=303)

    @get("/{document_id:int}", name="case-document-download", opt={"roles": ALL_STAFF})
    async def download(self, request: HTMXRequest, reference: FromPath[str], document_id: FromPath[int]) -> File:
        case = await _visible_case(request, reference)
        document = await documents.find_document(case["id"], document_id)
        if document is None:
            raise NotFoundException("No such document on this case")
        path = documents.stored_path(uploads_dir(), document["stored_name"])
        if not path.is_file():
            log.error("Document %s of case %s is missing from the store (%s)", document_id, case["reference"], path)
            raise NotFoundException("The file is missing from the document store; please tell an administrator")
        if case["restricted"]:
            await record_event(
                request.user, "document.downloaded", "case", case["reference"],
                summary=f"Downloaded {document['original_name']} from a restricted case",
                changes={"document_id": document["id"], "sha256": document["sha256"]},
                ip=_client_ip(request),
            )
        return File(
            path=path,
            filename=document["original_name"],
            media_type=documents.download_content_type(document["content_type"]),
            content_disposition_type="attachment",
            headers={
                "content-disposition": documents.content_disposition(document["original_name"]),
                "x-content-type-options": "nosniff",
            },
        )
