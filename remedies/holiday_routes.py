"""The administrator's holidays page: the published bank holidays, and the office's own, added or removed.

Adding or removing a holiday moves open due dates (``remedies.holidays``); the page says how many.
Plain forms: success redirects back with a message; a refusal re-renders the page with the error (400).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from jinja2_fragments.litestar import HTMXBlockTemplate
from litestar import Controller, get, post
from litestar.plugins.flash import flash
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect

from remedies.holidays import HolidayError, add_holiday, bank_holidays, office_holidays, remove_holiday
from remedies.recompute import RecomputeReport
from workbench.forms import Errors, form_dict, parse_date, text
from workbench.roles import ADMINISTRATION
from workbench.templating import render
from workbench.workdays import format_date_long

PAGE = "/admin/holidays"


async def holidays_page(request: HTMXRequest, form: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                        today: date | None = None) -> HTMXBlockTemplate:
    year = (today or date.today()).year
    context = {
        "years": (year, year + 1), "bank_holidays": bank_holidays(year, year + 1),
        "office_holidays": await office_holidays(), "form": form or {}, "errors": errors or {},
    }
    return render(request, "remedies/holidays.html", context, status_code=400 if errors else 200)


def _moved(report: RecomputeReport) -> str:
    if not report.moved:
        return "No open due dates moved."
    return f"{report.moved:,} open due date{'' if report.moved == 1 else 's'} moved."


class HolidaysController(Controller):
    path = PAGE
    opt = {"roles": ADMINISTRATION}

    @get("/", name="admin-holidays")
    async def page(self, request: HTMXRequest) -> HTMXBlockTemplate:
        return await holidays_page(request)

    @post("/", name="admin-holiday-add")
    async def add(self, request: HTMXRequest) -> HTMXBlockTemplate | Redirect:
        form = form_dict((await request.form()).multi_items())
        errors = Errors()
        on = parse_date(form, "on", errors, "the date", date.today(), required=True, allow_future=True)
        name = text(form, "name", errors, "the name of the holiday", required=True, max_length=200)
        if errors:
            return await holidays_page(request, form, errors)
        try:
            report = await add_holiday(on, name, request.user)
        except HolidayError as refused:
            return await holidays_page(request, form, {refused.field or "on": refused.message})
        flash(request, f"{name} on {format_date_long(on)} is now a holiday. {_moved(report)}", category="success")
        return Redirect(PAGE, status_code=303)

    @post("/remove", name="admin-holiday-remove")
    async def remove(self, request: HTMXRequest) -> HTMXBlockTemplate | Redirect:
        form = form_dict((await request.form()).multi_items())
        errors = Errors()
        on = parse_date(form, "on", errors, "the holiday to remove", date.today(), required=True, allow_future=True)
        if errors:
            return await holidays_page(request, errors={"remove": "Choose an office holiday to remove"})
        try:
            report = await remove_holiday(on, request.user)
        except HolidayError as refused:
            return await holidays_page(request, errors={"remove": refused.message})
        flash(request, f"{format_date_long(on)} is a working day again. {_moved(report)}", category="success")
        return Redirect(PAGE, status_code=303)
