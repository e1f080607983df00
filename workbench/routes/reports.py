"""The Reports area: choose a document and its parameters, preview its figures and problems, generate
it in the background while the page shows progress, then download the .docx.

Thin: the documents are ``workbench.reports.catalogue()``; parameters are read and offered by
``workbench.report_parameters``; jobs run and are kept by ``workbench.report_jobs``. Need-to-know is
each kind's ``gather(params, viewer)``. Report writers, managers and administrators may produce
every document; an investigator only a document about one case (``roles_for``).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from jinja2_fragments.litestar import HTMXBlockTemplate
from litestar import Controller, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, FromQuery
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Response

from investigations.documents import content_disposition
from investigations.queries import viewer_for
from remedies.compliance import financial_year_of
from workbench.forms import form_dict
from workbench.report_jobs import Job, JobStore, TooManyJobs, preview_of, start_job
from workbench.report_parameters import (
    blank_label, chosen_body, is_multiline, matching_bodies, options_for, read_parameters, roles_for,
)
from workbench.reports import DocumentKind, ParameterError, catalogue, kind_for
from workbench.roles import CASEWORK, REPORTING, Role
from workbench.routes.dashboard import decisions_summary
from workbench.settings import get_settings
from workbench.templating import is_fragment_request, render
from workbench.word import DOCX_CONTENT_TYPE

FORM = "reports/form.html"
JOB = "reports/job.html"
PRODUCERS = REPORTING | CASEWORK  # the route-level roles; each kind narrows them (roles_for)


def job_store() -> JobStore:
    """Where jobs are kept (tests point it at their own directory)."""
    return JobStore(get_settings().generated_dir)


def _kind(request: HTMXRequest, key: str) -> DocumentKind:
    """The kind the URL names, if it exists and the user's role may produce it."""
    try:
        kind = kind_for(key)
    except ParameterError:
        raise NotFoundException(f"There is no document called {key!r}") from None
    if Role(request.user.role) not in roles_for(kind):
        raise PermissionDeniedException(f"Your role may not produce a {kind.label.lower()}")
    return kind


def _client_ip(request: HTMXRequest) -> str:
    return request.client.host if request.client else ""


async def _form_context(kind: DocumentKind, values: dict[str, str], errors: dict[str, str]) -> dict[str, Any]:
    bodies = {p.name: await chosen_body(values.get(p.name, "")) for p in kind.parameters if p.kind == "body"}
    return {
        "kind": kind, "values": values, "errors": errors, "options": await options_for(kind, date.today()),
        "chosen_bodies": bodies, "query": urlencode(values), "preview": None,
        "case": next((values[p.name] for p in kind.parameters if p.kind == "case" and p.name in values), ""),
        "multiline": {p.name for p in kind.parameters if is_multiline(p)},
        "blank_labels": {p.name: blank_label(p) for p in kind.parameters},
    }


def _raw(request: HTMXRequest) -> dict[str, Any]:
    return form_dict(request.query_params.multi_items())


async def _preview_page(request: HTMXRequest, kind: DocumentKind, raw: dict[str, Any]) -> HTMXBlockTemplate:
    params, errors = read_parameters(kind, raw)
    preview = None
    if not errors:
        try:
            preview = await preview_of(kind, params, viewer_for(request.user))
        except ParameterError as exc:
            errors.add(exc.field or _first_parameter(kind), exc.message)
    context = await _form_context(kind, params, dict(errors))
    context["preview"] = preview
    return render(request, FORM, context, block="report", status_code=400 if errors else 200)


def _first_parameter(kind: DocumentKind) -> str:
    return kind.parameters[0].name if kind.parameters else "kind"


@get("/reports", name="reports", opt={"roles": REPORTING})
async def reports_area(request: HTMXRequest) -> HTMXBlockTemplate:
    """The documents on offer, and this year's and last year's decisions by outcome."""
    start, end = financial_year_of(date.today())
    previous = await decisions_summary(request.user, date(start.year - 1, 4, 1), date(start.year, 3, 31))
    current = await decisions_summary(request.user, start, end)
    return render(request, "reports/index.html", {"current": current, "previous": previous, "kinds": catalogue()})


class ReportsController(Controller):
    path = "/reports"
    opt = {"roles": PRODUCERS}

    @get("/bodies", name="report-body-choices")
    async def body_choices(self, request: HTMXRequest, field: FromQuery[str] = "body") -> HTMXBlockTemplate:
        """Type-ahead for a body parameter: radios for the bodies matching ``<field>_query``."""
        if not field.isidentifier():
            field = "body"
        query = str(request.query_params.get(f"{field}_query", ""))
        matches = await matching_bodies(query)
        return render(request, "reports/_body_choices.html", {"field": field, "matches": matches, "query": query,
                                                                "selected": ""})

    @get("/{kind:str}", name="report-form")
    async def form(self, request: HTMXRequest, kind: FromPath[str]) -> HTMXBlockTemplate:
        """The kind's parameters; values in the query fill the form in (a case page links here with ``?case=``)."""
        document = _kind(request, kind)
        params, _errors = read_parameters(document, _raw(request))
        return render(request, FORM, await _form_context(document, params, {}))

    @get("/{kind:str}/preview", name="report-preview")
    async def preview(self, request: HTMXRequest, kind: FromPath[str]) -> HTMXBlockTemplate:
        """The headline figures, tables and problems for these parameters (htmx swaps the preview block)."""
        return await _preview_page(request, _kind(request, kind), _raw(request))

    @post("/{kind:str}/generate", name="report-generate")
    async def generate(self, request: HTMXRequest, kind: FromPath[str]) -> HTMXBlockTemplate | Redirect:
        """Start generating in the background; answer at once with the job (htmx) or a redirect to it."""
        document = _kind(request, kind)
        params, errors = read_parameters(document, form_dict((await request.form()).multi_items()))
        if not errors:
            try:
                job = start_job(job_store(), document, params, request.user, viewer_for(request.user),
                                _client_ip(request))
            except TooManyJobs as refused:
                errors.add("report-job", refused.message)
        if errors:
            context = await _form_context(document, params, dict(errors))
            retarget = {"HX-Retarget": "#report", "HX-Reswap": "innerHTML"}  # the form, not the job's place
            return render(request, FORM, context, block="report", status_code=400, headers=retarget)
        if is_fragment_request(request):
            return render(request, JOB, {"job": job}, block="job")
        return Redirect(_job_url(job), status_code=303)

    @get("/jobs/{job_id:str}", name="report-job")
    async def job(self, request: HTMXRequest, job_id: FromPath[str]) -> HTMXBlockTemplate:
        """The job's progress (htmx polls this every second until the download link appears)."""
        return render(request, JOB, {"job": _own_job(request, job_id)}, block="job")

    @get("/jobs/{job_id:str}/download", name="report-download")
    async def download(self, request: HTMXRequest, job_id: FromPath[str]) -> Response[bytes]:
        store = job_store()
        job = _own_job(request, job_id, store)
        content = store.document(job) if job.status == "done" else None
        if content is None:
            raise NotFoundException("This document is not ready, or was removed after an hour: generate it again")
        return Response(content, media_type=DOCX_CONTENT_TYPE, headers={
            "Content-Disposition": content_disposition(job.filename or f"{job.kind}.docx"),
            "Cache-Control": "no-store",
        })


def _own_job(request: HTMXRequest, job_id: str, store: JobStore | None = None) -> Job:
    """The user's own job; anyone else's, like an unknown or expired one, does not exist."""
    job = (store or job_store()).get(job_id, request.user.id)
    if job is None:
        raise NotFoundException("There is no such document: documents are kept for an hour after they are generated")
    return job


def _job_url(job: Job) -> str:
    return f"/reports/jobs/{job.id}"
