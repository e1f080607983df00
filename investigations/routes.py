"""The investigator's pages: the case list with search, and a case's page."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.plugins.htmx import HTMXRequest
from jinja2_fragments.litestar import HTMXBlockTemplate

from investigations.casework_routes import case_page
from investigations.lifecycle import Stage
from investigations import worklists
from investigations.queries import (
    CaseFilters, active_investigators, categories, list_cases, viewer_for,
)
from workbench.audit import record_event
from workbench.roles import ALL_STAFF
from workbench.templating import is_fragment_request, render


class CasePagesController(Controller):
    path = "/cases"
    opt = {"roles": ALL_STAFF}

    @get("/", name="case-list")
    async def case_list(
        self,
        request: HTMXRequest,
        queue: FromQuery[str] = "",
        q: FromQuery[str] = "",
        stage: FromQuery[str] = "",
        body_name: Annotated[str, QueryParameter(name="body")] = "",
        category: FromQuery[str] = "",
        investigator: FromQuery[str] = "",
        received_from: FromQuery[str] = "",
        received_to: FromQuery[str] = "",
        sort: FromQuery[str] = "",
        page: FromQuery[str] = "",
        mine: FromQuery[str] = "",
    ) -> HTMXBlockTemplate:
        """The working lists: a queue (tabs), filters and search (htmx swaps the results block)."""
        today = worklists.london_today()
        params = worklists.read_list_params(
            today=today, category_slugs=None, strict=False,
            queue=queue, q=q, stage=stage, body=body_name, category=category, investigator=investigator,
            received_from=received_from, received_to=received_to, sort=sort,
            mine=mine.lower() in ("true", "1", "on", "yes"),
        )
        page_number = worklists.parse_page(page)
        fragment = is_fragment_request(request)
        context = {"params": params, "result": None, "sort": params.effective_sort, "worklists": worklists}
        if not fragment or params.errors:
            context["queues"] = list(worklists.Queue)
            context["options"] = {  # (value, text) for each select
                "category": [(c["slug"], c["name"]) for c in await categories()],
                "stage": [(s.value, s.label) for s in Stage],
                "investigator": [(str(u["id"]), u["full_name"] or u["username"]) for u in await active_investigators()],
            }
        if params.errors:
            # The GOV.UK way: the form again with an error summary, and no list. htmx does not swap
            # a 400, so an htmx request is sent on to the full page, which shows the errors.
            headers = {"HX-Redirect": f"/cases?{params.query()}"} if fragment else {}
            return render(request, "investigations/case_list.html", context, status_code=400, headers=headers)
        filters = CaseFilters(
            q=params.search, stage=params.stage, queue=params.queue, body=params.body, category=params.category,
            investigator=params.investigator, received_from=params.received_from, received_to=params.received_to,
            sort=params.effective_sort, limit=worklists.PAGE_SIZE, offset=(page_number - 1) * worklists.PAGE_SIZE,
            today=today,
        )
        context["result"] = await list_cases(viewer_for(request.user), filters)
        headers = {"HX-Push-Url": f"/cases?{params.query(page=page_number)}".rstrip("?")} if fragment else {}
        return render(request, "investigations/case_list.html", context, block="case_results", headers=headers)

    @get("/{reference:str}", name="case-detail")
    async def case_detail(
        self, request: HTMXRequest, reference: FromPath[str], created: FromQuery[bool] = False, edit: FromQuery[str] = ""
    ) -> HTMXBlockTemplate:
        response = await case_page(request, reference, created=created, editing="details" if edit == "details" else "")
        case = response.context["case"]
        if case["restricted"]:
            await record_event(
                request.user, "case.viewed", "case", case["reference"], summary="Viewed a restricted case",
                ip=request.client.host if request.client else "",
            )
        return response
