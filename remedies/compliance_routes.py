"""The compliance officer's screens: the dashboard with its bulk actions, CSV exports, a body's page.

Thin: lists and their filters come from ``remedies.worklist``, bulk actions from
``remedies.bulk_actions`` (all or nothing), a body's figures and repeat faults from
``remedies.body_profile``, contacts from ``investigations.contacts``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any
from urllib.parse import urlencode

from jinja2_fragments.litestar import HTMXBlockTemplate
from litestar import Controller, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.plugins.flash import flash
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Stream

from investigations import contacts
from investigations.queries import viewer_for
from investigations.worklists import london_today, page_numbers
from remedies import body_profile, bulk_actions, worklist
from remedies.calendar import office_calendar
from workbench.forms import form_dict, value, values, whole_number
from workbench.roles import ALL_STAFF, COMPLIANCE, OVERSIGHT
from workbench.templating import is_fragment_request, render

DASHBOARD_TEMPLATE = "remedies/compliance_dashboard.html"
BODY_TEMPLATE = "remedies/body.html"
CONTACT_EDITORS = COMPLIANCE | OVERSIGHT
GROUP_LIMIT = 10  # rows of each "grouped by" table; the filters reach the rest


def _ip(request: HTMXRequest) -> str:
    return request.client.host if request.client else ""


def _view_from(data: dict[str, Any]) -> worklist.ListView:
    """The list a form was posted from (hidden fields), to return to it."""
    return worklist.read_view(
        worklist=value(data, "list"), page=value(data, "page"), body=value(data, "body"),
        investigator=value(data, "investigator"), officer=value(data, "officer"),
        remedy_type=value(data, "remedy_type"), kind=value(data, "kind"),
    )


def _csv(chunks: AsyncIterator[str], filename: str) -> Stream:
    async def encoded() -> AsyncIterator[bytes]:
        async for chunk in chunks:
            yield chunk.encode("utf-8")

    return Stream(encoded(), media_type="text/csv; charset=utf-8",
                  headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


async def _dashboard_page(request: HTMXRequest, view: worklist.ListView, *, errors: dict[str, str] | None = None,
                          form: dict[str, Any] | None = None, status_code: int = 200) -> HTMXBlockTemplate:
    today = london_today()
    viewer = viewer_for(request.user)
    data = await worklist.dashboard(view, viewer, today, await office_calendar())
    fragment = is_fragment_request(request) and not errors
    context = {
        "board": data, "view": data.view, "today": today, "lists": list(worklist.WorkList),
        "page_numbers": page_numbers(data.view.page, data.pages), "errors": errors or {}, "form": form or {},
        "ticked": {n for i in values(form or {}, "ids") if (n := whole_number(i)) is not None},
        "officers": await worklist.compliance_officers(), "kinds": worklist.KINDS, "MINE": worklist.MINE,
        "UNASSIGNED": worklist.UNASSIGNED, "group_limit": GROUP_LIMIT,
    }
    if not fragment:
        context["options"] = await worklist.filter_options(viewer)
    headers = {"HX-Push-Url": f"/compliance?{data.view.query()}".rstrip("?")} if fragment else {}
    return render(request, DASHBOARD_TEMPLATE, context, block="results" if fragment else None,
                  status_code=status_code, headers=headers)


class ComplianceController(Controller):
    path = "/compliance"
    opt = {"roles": COMPLIANCE}

    @get("/", name="compliance")
    async def dashboard(
        self,
        request: HTMXRequest,
        list_name: Annotated[str, QueryParameter(name="list")] = "",
        body_id: Annotated[str, QueryParameter(name="body")] = "",
        investigator: FromQuery[str] = "",
        officer: FromQuery[str] = "",
        remedy_type: FromQuery[str] = "",
        kind: FromQuery[str] = "",
        page: FromQuery[str] = "",
    ) -> HTMXBlockTemplate:
        """Overdue, due soon, escalated and awaiting a verdict: counts, groups, one page of the chosen list."""
        view = worklist.read_view(worklist=list_name, page=page, body=body_id, investigator=investigator,
                                  officer=officer, remedy_type=remedy_type, kind=kind)
        return await _dashboard_page(request, view)

    @get("/export.csv", name="compliance-export")
    async def export(
        self,
        request: HTMXRequest,
        list_name: Annotated[str, QueryParameter(name="list")] = "",
        body_id: Annotated[str, QueryParameter(name="body")] = "",
        investigator: FromQuery[str] = "",
        officer: FromQuery[str] = "",
        remedy_type: FromQuery[str] = "",
        kind: FromQuery[str] = "",
    ) -> Stream:
        """Every row of the list as filtered (not just a page), as CSV."""
        view = worklist.read_view(worklist=list_name, body=body_id, investigator=investigator, officer=officer,
                                  remedy_type=remedy_type, kind=kind)
        today, calendar = london_today(), await office_calendar()
        conditions = [worklist.list_condition(view.worklist, today, calendar),
                      *worklist.filter_conditions(view.filters, viewer_for(request.user), today, calendar)]
        name = f"recommendations-{view.worklist.value.replace('_', '-')}-{today.isoformat()}.csv"
        return _csv(worklist.export_csv(conditions, today, calendar), name)

    async def _bulk(self, request: HTMXRequest, action) -> HTMXBlockTemplate | Redirect:
        form = form_dict((await request.form()).multi_items())
        view = _view_from(form)
        try:
            message = await action(form)
        except bulk_actions.BulkRefused as refused:
            return await _dashboard_page(request, view, errors=refused.errors, form=form, status_code=400)
        flash(request, message, category="success")
        return Redirect(f"/compliance?{view.query()}".rstrip("?"), status_code=303)

    @post("/chasers", name="compliance-chasers")
    async def chasers(self, request: HTMXRequest) -> HTMXBlockTemplate | Redirect:
        """Record a chaser sent by hand on each ticked recommendation."""
        async def action(form: dict[str, Any]) -> str:
            done = await bulk_actions.chase(values(form, "ids"), value(form, "note"), request.user,
                                            viewer_for(request.user), london_today())
            return f"Chaser recorded on {done.changed} recommendation{'s' if done.changed != 1 else ''}: {done.names}"

        return await self._bulk(request, action)

    @post("/extensions", name="compliance-extensions")
    async def extensions(self, request: HTMXRequest) -> HTMXBlockTemplate | Redirect:
        """Extend each ticked recommendation, with one reason; all or nothing."""
        async def action(form: dict[str, Any]) -> str:
            done = await bulk_actions.extend(
                values(form, "ids"), value(form, "new_due_on"), value(form, "working_days"), value(form, "reason"),
                request.user, viewer_for(request.user), london_today(), await office_calendar(),
            )
            return f"Due date extended on {done.changed} recommendation{'s' if done.changed != 1 else ''}: {done.names}"

        return await self._bulk(request, action)

    @post("/assignments", name="compliance-assignments")
    async def assignments(self, request: HTMXRequest) -> HTMXBlockTemplate | Redirect:
        """Assign the ticked recommendations to a compliance officer, or unassign them."""
        async def action(form: dict[str, Any]) -> str:
            done, name = await bulk_actions.assign_to(values(form, "ids"), value(form, "assignee"), request.user,
                                                      viewer_for(request.user))
            count = len(done.references)
            return f"{count} recommendation{'s' if count != 1 else ''} assigned to {name}: {done.names}"

        return await self._bulk(request, action)


# ---------------------------------------------------------------------------------------------
# A body's page


async def _body_or_404(body_id: int) -> dict[str, Any]:
    body = await body_profile.find_body(body_id)
    if body is None:
        raise NotFoundException(f"No body {body_id}")
    return body


async def _body_page(request: HTMXRequest, body: dict[str, Any], status: str = "", page: str = "", *,
                     errors: dict[str, str] | None = None, form: dict[str, Any] | None = None,
                     status_code: int = 200) -> HTMXBlockTemplate:
    today = london_today()
    calendar = await office_calendar()
    viewer = viewer_for(request.user)
    filters = worklist.read_filters(body=str(body["id"]), status=status)
    conditions = worklist.filter_conditions(filters, viewer, today, calendar)
    total = await worklist.count(conditions)
    pages = worklist.page_count(total)
    page_number = min(worklist.read_page(page), pages)
    rows = await worklist.page_rows(conditions, today, calendar, offset=(page_number - 1) * worklist.PAGE_SIZE,
                                    newest_first=True) if total else []
    fragment = is_fragment_request(request) and not errors
    context = {
        "body": body, "status": filters.status, "rows": rows, "total": total, "page": page_number, "pages": pages,
        "page_numbers": page_numbers(page_number, pages), "errors": errors or {}, "form": form or {},
        "statuses": [(s.value, s.label) for s in worklist.Status], "today": today,
        "body_query": lambda page=1: urlencode([(k, str(v)) for k, v in (("status", filters.status), ("page", page))
                                                if v not in ("", None, 1)]),
    }
    if not fragment:
        context.update({
            "contacts": await contacts.contacts_of(body["id"]), "contact_roles": contacts.CONTACT_ROLES,
            "can_edit_contacts": request.user.role in {r.value for r in CONTACT_EDITORS},
            "figures": await body_profile.body_figures(body["id"], viewer),
            "repeats": await body_profile.repeat_faults(body["id"], viewer, today),
            "repeat_since": body_profile.twelve_months_before(today),
        })
    return render(request, BODY_TEMPLATE, context, block="recommendations" if fragment else None,
                  status_code=status_code)


class BodyPagesController(Controller):
    path = "/bodies"

    @get("/{body_id:int}", name="body-detail", opt={"roles": ALL_STAFF})
    async def body_detail(self, request: HTMXRequest, body_id: FromPath[int], status: FromQuery[str] = "",
                          page: FromQuery[str] = "") -> HTMXBlockTemplate:
        """A body: its contacts, compliance figures with their formulas, repeat faults and recommendations."""
        return await _body_page(request, await _body_or_404(body_id), status, page)

    @get("/{body_id:int}/export.csv", name="body-export", opt={"roles": ALL_STAFF})
    async def export(self, request: HTMXRequest, body_id: FromPath[int], status: FromQuery[str] = "") -> Stream:
        """All the body's recommendations (with the status filter) as CSV."""
        body = await _body_or_404(body_id)
        today, calendar = london_today(), await office_calendar()
        filters = worklist.read_filters(body=str(body_id), status=status)
        conditions = worklist.filter_conditions(filters, viewer_for(request.user), today, calendar)
        name = f"recommendations-body-{body_id}{'-' + filters.status if filters.status else ''}-{today.isoformat()}.csv"
        return _csv(worklist.export_csv(conditions, today, calendar, newest_first=True), name)

    @post("/{body_id:int}/contacts", name="body-contact-add", opt={"roles": CONTACT_EDITORS})
    async def add_contact(self, request: HTMXRequest, body_id: FromPath[int]) -> HTMXBlockTemplate | Redirect:
        body = await _body_or_404(body_id)
        form = form_dict((await request.form()).multi_items())
        new = contacts.NewContact(role=value(form, "role"), name=value(form, "name"),
                                  job_title=value(form, "job_title"), email=value(form, "email"))
        errors = contacts.check_contact(new)
        if not errors:
            try:
                await contacts.add_contact(body_id, new, request.user, ip=_ip(request))
            except contacts.ContactError as refused:
                errors = {refused.field or "name": refused.message}
        if errors:
            return await _body_page(request, body, errors={f"contact_{k}": v for k, v in errors.items()}, form=form,
                                    status_code=400)
        flash(request, f"{contacts.CONTACT_ROLES[new.role]} {new.name.strip()} added", category="success")
        return Redirect(f"/bodies/{body_id}#contacts", status_code=303)

    @post("/{body_id:int}/contacts/{contact_id:int}/deactivate", name="body-contact-deactivate",
          opt={"roles": CONTACT_EDITORS})
    async def deactivate_contact(self, request: HTMXRequest, body_id: FromPath[int],
                                 contact_id: FromPath[int]) -> HTMXBlockTemplate | Redirect:
        body = await _body_or_404(body_id)
        try:
            await contacts.deactivate_contact(body_id, contact_id, request.user, ip=_ip(request))
        except contacts.ContactError as refused:
            return await _body_page(request, body, errors={"contacts": refused.message}, status_code=400)
        flash(request, "Contact deactivated: chasers will no longer go to them", category="success")
        return Redirect(f"/bodies/{body_id}#contacts", status_code=303)

