"""The compliance statistics page: the year's figures, per body, per category and per year.

Every figure shows its formula, the counts behind it and where its definition comes from, and is
flagged when too few recommendations lie behind it. The page reads the same report as
``GET /api/stats/compliance`` (``remedies.compliance_report``), so the two never disagree.
"""

from __future__ import annotations

from typing import Annotated

from jinja2_fragments.litestar import HTMXBlockTemplate
from litestar import get
from litestar.params import FromQuery, QueryParameter
from litestar.plugins.htmx import HTMXRequest

from investigations.queries import viewer_for
from investigations.worklists import london_today
from remedies import compliance_report as cr
from remedies.compliance import LGSCO, REMEDY_TYPES, Figure, by_body, by_category, by_financial_year, financial_year_label, statistics
from remedies.facts import financial_years_with_data
from workbench.roles import COMPLIANCE, REPORTING
from workbench.templating import is_fragment_request, render

#: The headline figures, in the order the page shows them; remedies by type follow in their own table.
HEADLINE = ("compliance_rate", "late_compliance_rate", "service_improvements", "people_remedied_beyond_complainant",
            "amounts_paid")
#: The columns of the per-body, per-category and per-year tables.
COLUMNS = (("compliance_rate", "Compliance rate"), ("late_compliance_rate", "Late compliance rate"),
           ("service_improvements", "Service improvements"), ("people_remedied_beyond_complainant", "People remedied"),
           ("amounts_paid", "Amounts paid"))


def recommendations_in(stats: dict[str, Figure]) -> int:
    """How many recommendations a set of statistics is about: every one has exactly one remedy type."""
    return sum(int(figure.numerator) for key, figure in stats.items() if key.startswith("remedies."))


def table(groups: dict[str, dict[str, Figure]]) -> list[dict]:
    return [{"group": name, "recommendations": recommendations_in(stats), "figures": stats} for name, stats in groups.items()]


def category_slug(chosen: cr.Choice | None, options: list[tuple[str, str]]) -> str:
    """The select's value for the chosen category (it may have been asked for by id or name)."""
    return next((slug for slug, name in options if chosen and name == chosen.name), "")


@get("/compliance/statistics", name="compliance-statistics", opt={"roles": COMPLIANCE | REPORTING})
async def statistics_page(
    request: HTMXRequest,
    year: FromQuery[str] = "",
    body_name: Annotated[str, QueryParameter(name="body")] = "",
    category: FromQuery[str] = "",
) -> HTMXBlockTemplate:
    """Choose a financial year (this one unless asked) and optionally a body or a category."""
    current = cr.current_financial_year(london_today())
    filters, problems = await cr.read_filters(body=body_name, year=year or str(current), category=category)
    context = {
        "query": {"year": year or str(current), "body": body_name, "category": category},
        "problems": problems.messages, "lgsco": LGSCO, "remedy_types": REMEDY_TYPES, "columns": COLUMNS,
        "body_options": [(name, name) for _id, (name,) in await cr.body_choices()],
        "category_options": [(names[1], names[0]) for _id, names in await cr.category_choices()],
    }
    if problems:
        context["years"] = [(str(current), financial_year_label(current))]
        headers = {"HX-Redirect": str(request.url)} if is_fragment_request(request) else {}
        return render(request, "remedies/statistics.html", context, status_code=400, headers=headers)

    # All years (for the per-year table and the year picker), then the chosen year's share.
    every_year = await cr.load_report_facts(cr.ReportFilters(filters.body, filters.category, None), viewer_for(request.user))
    facts = cr.in_year(every_year, filters.year)
    years = sorted(set(financial_years_with_data(every_year)) | {current, filters.year}, reverse=True)
    stats = statistics(facts)
    context["query"].update(year=str(filters.year), body=filters.body.name if filters.body else "",
                            category=category_slug(filters.category, context["category_options"]))
    context.update({
        "filters": filters,
        "years": [(str(y), financial_year_label(y)) for y in years],
        "recommendations": len(facts),
        "headline": [(key, stats[key]) for key in HEADLINE],
        "by_type": [(key, REMEDY_TYPES[key.removeprefix("remedies.")], figure)
                    for key, figure in stats.items() if key.startswith("remedies.")],
        "per_body": None if filters.body else table(by_body(facts)),
        "per_category": None if filters.category else table(by_category(facts)),
        "per_year": table(by_financial_year(every_year)),
    })
    return render(request, "remedies/statistics.html", context, block="statistics_results")
