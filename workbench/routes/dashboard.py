"""The home page: a dashboard for the signed-in user's role (the Reports area is workbench.routes.reports;
Compliance is remedies.compliance_routes)."""

from __future__ import annotations

from datetime import date, timedelta

from jinja2_fragments.litestar import HTMXBlockTemplate
from litestar import get
from litestar.plugins.htmx import HTMXRequest

from investigations import statistics
from investigations.lifecycle import OPEN_STAGES, Outcome, Stage
from investigations.queries import CaseFilters, decided_between, list_cases, stage_counts, unassigned_count, viewer_for
from remedies.compliance import financial_year_of
from workbench.roles import ALL_STAFF, Role
from workbench.tables import User
from workbench.templating import render


def upheld_rate(by_outcome: dict[str, int]) -> float | None:
    """Upheld as a share of investigated decisions (``investigations.statistics.upheld_rate``, the one
    definition the annual letters and national reviews use too)."""
    figure = statistics.upheld_rate(by_outcome)
    return None if figure.value is None else round(figure.value, 1)


async def decisions_summary(user: User, start: date, end: date) -> dict:
    by_outcome = await decided_between(viewer_for(user), start, end)
    rows = [(Outcome(k).label, n) for k, n in sorted(by_outcome.items(), key=lambda kv: -kv[1])]
    return {"start": start, "end": end, "rows": rows, "total": sum(by_outcome.values()), "upheld_rate": upheld_rate(by_outcome)}


@get("/", name="home", opt={"roles": ALL_STAFF})
async def home(request: HTMXRequest) -> HTMXBlockTemplate:
    user: User = request.user
    role = Role(user.role)
    viewer = viewer_for(user)
    context: dict = {"role": role}
    if role is Role.INVESTIGATOR:
        counts = await stage_counts(viewer, mine=True)
        context["my_stages"] = [(s, counts.get(s.value, 0)) for s in Stage if s in OPEN_STAGES]
        context["my_cases"] = (await list_cases(viewer, CaseFilters(mine=True, open_only=True))).rows[:10]
    elif role in (Role.MANAGER, Role.ADMINISTRATOR):
        counts = await stage_counts(viewer)
        context["office_stages"] = [(s, counts.get(s.value, 0)) for s in Stage]
        context["unassigned"] = await unassigned_count()
    elif role is Role.COMPLIANCE_OFFICER:
        today = date.today()
        context["decisions"] = await decisions_summary(user, today - timedelta(days=90), today)
    elif role is Role.REPORT_WRITER:
        context["decisions"] = await decisions_summary(user, *financial_year_of(date.today()))
    return render(request, "dashboard/home.html", context)
