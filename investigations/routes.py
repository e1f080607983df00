"""The investigator's pages: the case list with search, and a case's page."""

from __future__ import annotations

from litestar import Controller, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.plugins.htmx import HTMXRequest
from jinja2_fragments.litestar import HTMXBlockTemplate

from investigations.casework_routes import case_page
from investigations.lifecycle import Stage
from investigations.queries import CaseFilters, CaseNotFound, get_case, list_cases, viewer_for
from workbench.audit import record_event
from workbench.roles import ALL_STAFF
from workbench.templating import render


class CasePagesController(Controller):
    path = "/cases"
    opt = {"roles": ALL_STAFF}

    @get("/", name="case-list")
    async def case_list(
        self,
        request: HTMXRequest,
        q: FromQuery[str] = "",
        stage: FromQuery[str] = "",
        mine: FromQuery[bool] = False,
        page: FromQuery[int] = 1,
    ) -> HTMXBlockTemplate:
        if stage and stage not in Stage.__members__.values():
            stage = ""
        filters = CaseFilters(q=q[:200], stage=stage, mine=mine, page=max(1, min(page, 100_000)))
        result = await list_cases(viewer_for(request.user), filters)
        context = {"result": result, "filters": filters, "stages": list(Stage)}
        return render(request, "investigations/case_list.html", context, block="case_results")

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
