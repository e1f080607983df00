"""The pattern scan on the web: candidate groups for a manager to review, and scans with a progress bar.

Managers and administrators (oversight) review: promote a group to a systemic issue, or dismiss
it with a reason. "Scan now" starts a scan in the background (an asyncio task this process holds,
stopped with the app) and answers at once with the scan's page, whose progress bar asks for its
own block every second (htmx ``every 1s``) until the scan has finished or failed. Plain forms:
success redirects; a refusal re-renders the page with the error (400).

Thin: scanning and reviewing are ``systemic.scan``'s, reading ``systemic.candidates``'s.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from contextlib import asynccontextmanager
from datetime import date
from typing import Annotated, Any, AsyncIterator

from jinja2_fragments.litestar import HTMXBlockTemplate
from litestar import Controller, Litestar, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, QueryParameter
from litestar.plugins.flash import flash
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect

from investigations.queries import viewer_for
from systemic.candidates import candidate_page, latest_scan, scan_view
from systemic.scan import (
    GroupNotFound, ReviewError, ScanBusy, begin_scan, carry_out, dismiss_group, last_twelve_months, promote,
)
from workbench.forms import Errors, form_dict, parse_date, text
from workbench.roles import OVERSIGHT
from workbench.templating import render

log = logging.getLogger("systemic.scan_routes")

CANDIDATES = "/systemic/candidates"
PAGE_SIZE = 25


def scan_url(scan_id: int) -> str:
    return f"/systemic/scans/{scan_id}"


class BackgroundScans:
    """The scans this process started for the web. The tasks are held here (the event loop keeps
    only weak references), and stopped when the app stops: each gives up at its next block and
    records that it was interrupted."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task] = set()
        self.stop = threading.Event()

    def start(self, scan_id: int) -> None:
        task = asyncio.get_running_loop().create_task(self._run(scan_id), name=f"scan-{scan_id}")
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _run(self, scan_id: int) -> None:
        try:
            await carry_out(scan_id, stop=self.stop)
        except Exception:  # already recorded on the scan as failed, with the reason
            log.exception("scan %s failed", scan_id)

    async def close(self, grace: float = 10.0) -> None:
        self.stop.set()
        if not self.tasks:
            return
        _, pending = await asyncio.wait(set(self.tasks), timeout=grace)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)


@asynccontextmanager
async def background_scans(app: Litestar) -> AsyncIterator[None]:
    """Lifespan: the holder of web-started scans (after the database opens, closed before it closes)."""
    app.state.background_scans = BackgroundScans()
    try:
        yield
    finally:
        await app.state.background_scans.close()


def _scans(request: HTMXRequest) -> BackgroundScans:
    holder = getattr(request.app.state, "background_scans", None)
    if holder is None:  # an app built without the lifespan (never in production)
        holder = request.app.state.background_scans = BackgroundScans()
    return holder


async def candidates_page(request: HTMXRequest, page: int = 1, form: dict[str, Any] | None = None,
                          errors: dict[str, str] | None = None, group_id: int | None = None) -> HTMXBlockTemplate:
    """The review list, with the latest scan's progress; ``group_id`` names the group an error belongs to."""
    start, end = last_twelve_months(date.today())
    context = {
        "result": await candidate_page(viewer_for(request.user), page, PAGE_SIZE),
        "scan": await latest_scan(), "default_start": start, "default_end": end,
        "form": form or {}, "errors": errors or {}, "error_group": group_id,
    }
    return render(request, "systemic/candidates.html", context, status_code=400 if errors else 200)


async def _form(request: HTMXRequest) -> dict[str, Any]:
    return {k: v for k, v in form_dict((await request.form()).multi_items()).items() if k != "_csrf_token"}


class ScanController(Controller):
    path = "/systemic"
    opt = {"roles": OVERSIGHT}

    @get("/candidates", name="systemic-candidates")
    async def candidates(self, request: HTMXRequest,
                         page: Annotated[int, QueryParameter(ge=1, le=100_000)] = 1) -> HTMXBlockTemplate:
        return await candidates_page(request, page)

    @post("/candidates/{group_id:int}/promote", name="systemic-candidate-promote")
    async def promote(self, request: HTMXRequest, group_id: FromPath[int]) -> HTMXBlockTemplate | Redirect:
        form = await _form(request)
        errors = Errors()
        title = text(form, "title", errors, "a title for the systemic issue", required=True, max_length=200)
        description = text(form, "description", errors, "the description")
        if errors:
            return await candidates_page(request, form=form, errors=errors, group_id=group_id)
        try:
            issue_id = await promote(group_id, title, description, request.user)
        except GroupNotFound:
            raise NotFoundException(f"No candidate group {group_id}") from None
        except ReviewError as refused:
            return await candidates_page(request, form=form, errors={refused.field or "title": refused.message},
                                         group_id=group_id)
        flash(request, f"Systemic issue {issue_id} made from the candidate group: {title}", category="success")
        return Redirect(f"/systemic/{issue_id}", status_code=303)

    @post("/candidates/{group_id:int}/dismiss", name="systemic-candidate-dismiss")
    async def dismiss(self, request: HTMXRequest, group_id: FromPath[int]) -> HTMXBlockTemplate | Redirect:
        form = await _form(request)
        try:
            await dismiss_group(group_id, str(form.get("note", "")), request.user)
        except GroupNotFound:
            raise NotFoundException(f"No candidate group {group_id}") from None
        except ReviewError as refused:
            return await candidates_page(request, form=form, errors={refused.field or "note": refused.message},
                                         group_id=group_id)
        flash(request, "Candidate group dismissed. It will not come back unless new cases join it.", category="success")
        return Redirect(CANDIDATES, status_code=303)

    @post("/scans", name="systemic-scan-start")
    async def start_scan(self, request: HTMXRequest) -> HTMXBlockTemplate | Redirect:
        form = await _form(request)
        errors = Errors()
        today = date.today()
        default_start, default_end = last_twelve_months(today)
        start = parse_date(form, "period_start", errors, "the first day of the period", today, allow_future=True)
        end = parse_date(form, "period_end", errors, "the last day of the period", today, allow_future=True)
        start, end = start or default_start, end or default_end
        if not errors and start > end:
            errors.add("period_start", "The period must start on or before the day it ends")
        if errors:
            return await candidates_page(request, form=form, errors=errors)
        try:
            scan_id = await begin_scan(start, end, request.user)
        except ScanBusy as busy:
            return await candidates_page(request, form=form, errors={"scan": str(busy)})
        _scans(request).start(scan_id)
        return Redirect(scan_url(scan_id), status_code=303)

    @get("/scans/{scan_id:int}", name="systemic-scan")
    async def scan(self, request: HTMXRequest, scan_id: FromPath[int]) -> HTMXBlockTemplate:
        """The scan's page; htmx asks for just its progress block every second while it runs."""
        scan = await scan_view(scan_id)
        if scan is None:
            raise NotFoundException(f"No scan {scan_id}")
        return render(request, "systemic/scan.html", {"scan": scan}, block="scan_progress")


HANDLERS = [ScanController]
