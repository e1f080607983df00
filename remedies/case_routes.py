"""Recommendations on the web: made from the case page, followed up on their own page.

Thin: every change is ``remedies.recommendations``'s, every read ``remedies.casefile``'s, and
need-to-know comes from the case (``get_case``: a recommendation on a case the viewer may not see
is a 404, like the case). htmx posts get the page's main block back (errors inline); plain posts
redirect after success, or answer the whole page with its errors (400) — so it works without
JavaScript. Making recommendations is case work; following them up is compliance work.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any, Awaitable, Callable

from jinja2_fragments.litestar import HTMXBlockTemplate
from litestar import Controller, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.plugins.htmx import HTMXRequest
from litestar.response import File, Redirect

from investigations import document_routes, documents
from investigations.casework_routes import case_page, case_url
from investigations.queries import CaseNotFound, get_case, viewer_for
from remedies import forms
from remedies.casefile import RecommendationNotFound, evidence_file, recommendation_file, visible_recommendation
from remedies.recommendations import (
    MAX_EVIDENCE_FILES, RemedyError, accept_or_reject_evidence, add_evidence, cease, close_not_complied, escalate,
    extend_due_date, make_recommendation,
)
from remedies.tables import Evidence
from workbench.audit import record_event
from workbench.forms import Errors, form_dict, parse_date, text, value
from workbench.roles import ALL_STAFF, CASEWORK, COMPLIANCE, OVERSIGHT
from workbench.templating import is_fragment_request, render

log = logging.getLogger("remedies.evidence")

PAGE_TEMPLATE = "remedies/recommendation.html"
PAGE_BLOCK = "recommendation_main"
# Several files in one post: each up to the document limit, plus the multipart framing.
EVIDENCE_REQUEST_MAX_BYTES = MAX_EVIDENCE_FILES * documents.MAX_UPLOAD_BYTES + documents.MB


def recommendation_url(recommendation_id: int) -> str:
    return f"/recommendations/{recommendation_id}"


async def _form(request: HTMXRequest) -> dict[str, Any]:
    return form_dict((await request.form()).multi_items())


def _client_ip(request: HTMXRequest) -> str:
    return request.client.host if request.client else ""


# ---------------------------------------------------------------------------------------------
# Making a recommendation, from the case page


class CaseRecommendationsController(Controller):
    path = "/cases/{reference:str}/recommendations"
    opt = {"roles": CASEWORK}

    @post("/", name="case-recommendation-make")
    async def make(self, request: HTMXRequest, reference: FromPath[str]) -> HTMXBlockTemplate | Redirect:
        try:
            case = await get_case(viewer_for(request.user), reference)
        except CaseNotFound:
            raise NotFoundException(f"No case {reference}") from None
        form = await _form(request)
        typed = {k: v for k, v in form.items() if k != "_csrf_token"}
        errors = Errors()
        new = forms.new_recommendation(form, errors, date.today())
        if new is not None:
            try:
                await make_recommendation(case, new, request.user)
            except RemedyError as refused:
                errors.add(refused.field or "remedy_type", refused.message)
        if errors:
            return await case_page(request, reference, errors={"recommendation": dict(errors)}, recommendation_form=typed)
        if is_fragment_request(request):
            return await case_page(request, reference)
        return Redirect(case_url(case["reference"]) + "#recommendations", status_code=303)


# ---------------------------------------------------------------------------------------------
# A recommendation's own page and its follow-up


async def recommendation_page(request: HTMXRequest, recommendation_id: int, errors: dict[str, str] | None = None,
                              typed: dict[str, Any] | None = None) -> HTMXBlockTemplate:
    try:
        context = await recommendation_file(viewer_for(request.user), recommendation_id)
    except RecommendationNotFound:
        raise NotFoundException(f"No recommendation {recommendation_id}") from None
    context.update(errors=errors or {}, typed=typed or {})
    failed = bool(errors)
    status = 400 if failed and not is_fragment_request(request) else 200
    headers = {} if failed else {"HX-Trigger": "recommendation-changed"}
    return render(request, PAGE_TEMPLATE, context, block=PAGE_BLOCK, status_code=status, headers=headers)


async def _visible(request: HTMXRequest, recommendation_id: int) -> dict[str, Any]:
    try:
        return (await visible_recommendation(viewer_for(request.user), recommendation_id))[0]
    except RecommendationNotFound:
        raise NotFoundException(f"No recommendation {recommendation_id}") from None


Action = Callable[[], Awaitable[Any]]


async def _run(request: HTMXRequest, recommendation_id: int, action: Action, fields: dict[str, str],
               typed: dict[str, Any]) -> HTMXBlockTemplate | Redirect:
    """Run one change; a refusal re-renders the page with the message on the form field it names
    (``fields`` maps the service's field names to this page's; anything else goes to the top)."""
    try:
        await action()
    except RemedyError as refused:
        key = fields.get(refused.field, "recommendation")
        return await recommendation_page(request, recommendation_id, errors={key: refused.message}, typed=typed)
    if is_fragment_request(request):
        return await recommendation_page(request, recommendation_id)
    return Redirect(recommendation_url(recommendation_id), status_code=303)


class RecommendationController(Controller):
    path = "/recommendations/{recommendation_id:int}"
    opt = {"roles": COMPLIANCE}

    @get("/", name="recommendation", opt={"roles": ALL_STAFF})
    async def show(self, request: HTMXRequest, recommendation_id: FromPath[int]) -> HTMXBlockTemplate:
        return await recommendation_page(request, recommendation_id)

    @post("/extension", name="recommendation-extend")
    async def extend_due_date(self, request: HTMXRequest, recommendation_id: FromPath[int]) -> HTMXBlockTemplate | Redirect:
        await _visible(request, recommendation_id)
        form = await _form(request)
        errors = Errors()
        new_due_on = parse_date(form, "new_due_on", errors, "the new due date", date.today(), required=True, allow_future=True)
        reason = text(form, "extension_reason", errors, "the reason for the extension", required=True)
        typed = {"new_due_on": value(form, "new_due_on"), "extension_reason": reason}
        if errors or new_due_on is None:
            return await recommendation_page(request, recommendation_id, errors=errors, typed=typed)
        return await _run(request, recommendation_id,
                          lambda: extend_due_date(recommendation_id, new_due_on, reason, request.user, version=forms.version(form)),
                          {"new_due_on": "new_due_on", "reason": "extension_reason"}, typed)

    @post("/evidence", name="recommendation-evidence", request_max_body_size=EVIDENCE_REQUEST_MAX_BYTES)
    async def evidence(self, request: HTMXRequest, recommendation_id: FromPath[int]) -> HTMXBlockTemplate | Redirect:
        await _visible(request, recommendation_id)
        form = await request.form()
        try:
            fields = form_dict((k, v) for k, v in form.multi_items() if not isinstance(v, UploadFile))
            uploads = [v for v in form.getall("files") if isinstance(v, UploadFile)] if "files" in form else []
            errors = Errors()
            received_on = parse_date(fields, "received_on", errors, "the date received", date.today(), required=True)
            description = text(fields, "evidence_description", errors, "what the body sent", required=True)
            typed = {"received_on": value(fields, "received_on"), "evidence_description": description}
            if errors or received_on is None:
                return await recommendation_page(request, recommendation_id, errors=errors, typed=typed)
            return await _run(
                request, recommendation_id,
                lambda: add_evidence(recommendation_id, received_on, description, [(u.filename, u.file) for u in uploads],
                                     request.user, document_routes.uploads_dir(), ip=_client_ip(request)),
                {"received_on": "received_on", "description": "evidence_description", "files": "evidence_files"}, typed)
        finally:
            for _, item in form.multi_items():
                if isinstance(item, UploadFile):
                    await item.close()

    @post("/evidence/{evidence_id:int}/verdict", name="recommendation-verdict")
    async def verdict(self, request: HTMXRequest, recommendation_id: FromPath[int],
                      evidence_id: FromPath[int]) -> HTMXBlockTemplate | Redirect:
        await _visible(request, recommendation_id)
        if not await Evidence.exists().where((Evidence.id == evidence_id) & (Evidence.recommendation == recommendation_id)):
            raise NotFoundException("No such evidence on this recommendation")
        form = await _form(request)
        verdict, reason = value(form, "verdict"), value(form, "verdict_reason")
        typed = {f"verdict-{evidence_id}": verdict, f"verdict_reason-{evidence_id}": reason}
        return await _run(request, recommendation_id,
                          lambda: accept_or_reject_evidence(evidence_id, verdict, reason, request.user),
                          {"verdict": f"verdict-{evidence_id}", "verdict_reason": f"verdict_reason-{evidence_id}"}, typed)

    @post("/cease", name="recommendation-cease")
    async def cease_follow_up(self, request: HTMXRequest, recommendation_id: FromPath[int]) -> HTMXBlockTemplate | Redirect:
        await _visible(request, recommendation_id)
        form = await _form(request)
        reason = value(form, "ceased_reason")
        return await _run(request, recommendation_id,
                          lambda: cease(recommendation_id, reason, request.user, version=forms.version(form)),
                          {"ceased_reason": "ceased_reason"}, {"ceased_reason": reason})

    @post("/not-complied", name="recommendation-not-complied", opt={"roles": OVERSIGHT})
    async def not_complied(self, request: HTMXRequest, recommendation_id: FromPath[int]) -> HTMXBlockTemplate | Redirect:
        await _visible(request, recommendation_id)
        form = await _form(request)
        reason = value(form, "not_complied_reason")
        return await _run(request, recommendation_id,
                          lambda: close_not_complied(recommendation_id, reason, request.user, version=forms.version(form)),
                          {"not_complied_reason": "not_complied_reason"}, {"not_complied_reason": reason})

    @post("/escalation", name="recommendation-escalate")
    async def escalate_by_hand(self, request: HTMXRequest, recommendation_id: FromPath[int]) -> HTMXBlockTemplate | Redirect:
        await _visible(request, recommendation_id)
        form = await _form(request)
        note = value(form, "escalation_note")

        async def action() -> None:
            if not note:
                raise RemedyError("Say why you are escalating it, and to whom", "note")
            if not await escalate(recommendation_id, note, request.user):
                raise RemedyError("This recommendation is already escalated or closed", "note")

        return await _run(request, recommendation_id, action, {"note": "escalation_note"}, {"escalation_note": note})

    @get("/evidence/{evidence_id:int}/files/{file_id:int}", name="recommendation-evidence-file", opt={"roles": ALL_STAFF})
    async def download(self, request: HTMXRequest, recommendation_id: FromPath[int], evidence_id: FromPath[int],
                       file_id: FromPath[int]) -> File:
        try:
            row, case = await evidence_file(viewer_for(request.user), recommendation_id, evidence_id, file_id)
        except RecommendationNotFound:
            raise NotFoundException("No such file on this recommendation's evidence") from None
        path = documents.stored_path(document_routes.uploads_dir(), row["stored_name"])
        if not path.is_file():
            log.error("Evidence file %s of recommendation %s is missing from the store (%s)", file_id, recommendation_id, path)
            raise NotFoundException("The file is missing from the document store; please tell an administrator")
        if case["restricted"]:
            await record_event(request.user, "evidence.downloaded", "recommendation", recommendation_id,
                               summary=f"Downloaded {row['original_name']} from a restricted case",
                               changes={"evidence_file_id": file_id, "sha256": row["sha256"]}, ip=_client_ip(request))
        return File(
            path=path,
            filename=row["original_name"],
            media_type=documents.download_content_type(row["content_type"]),
            content_disposition_type="attachment",
            headers={"content-disposition": documents.content_disposition(row["original_name"]),
                     "x-content-type-options": "nosniff"},
        )
