"""The remedies JSON API: compliance statistics with their working, and recommendations by status.

Who may ask:

* ``GET /api/stats/compliance`` — compliance officers, report writers, managers and administrators
  (the people who see the Compliance and Reports areas). Investigators work case by case and have
  no reports area, so they are refused, as on the statistics page.
* ``GET /api/recommendations`` — all staff: an investigator follows up their own cases' remedies.

Both apply need-to-know: recommendations on restricted cases the caller may not see are neither
listed nor counted. Bad parameters are a 400 whose ``detail`` says which and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated

from litestar import Request, get
from litestar.exceptions import ValidationException
from litestar.params import FromQuery, QueryParameter

from investigations.queries import viewer_for
from investigations.worklists import london_today
from remedies import compliance_report, recommendation_list
from remedies.calendar import office_calendar
from remedies.compliance import REMEDY_TYPES, Figure
from workbench.api_responses import SIGNED_IN
from workbench.roles import ALL_STAFF, COMPLIANCE, OVERSIGHT, REPORTING

STATS_ROLES = COMPLIANCE | REPORTING | OVERSIGHT


# ---------------------------------------------------------------------------------------------
# Statistics


@dataclass
class FigureOut:
    key: str  # stable: compliance_rate, late_compliance_rate, remedies.apology, ...
    name: str
    # a percentage for rates, a count, or pounds as a string ("1234.50"); `number` in the schema, so
    # that a whole percentage (90.0) matches one type, not both integer and number
    value: float | str | None
    numerator: int
    denominator: int | None  # None for counts and sums
    formula: str
    source: str  # the LGSCO's published definition, or the workbench's own
    too_few: bool  # denominator below 10: too few to be meaningful
    display: str


@dataclass
class ChoiceOut:
    id: int
    name: str


@dataclass
class YearOut:
    start: int
    label: str
    first_day: date
    last_day: date


@dataclass
class FiltersOut:
    body: ChoiceOut | None
    category: ChoiceOut | None
    year: YearOut | None


@dataclass
class GroupFigureOut:
    """A figure in a breakdown: its formula, name and source are those of the same key in ``statistics``."""

    key: str
    value: float | str | None  # as FigureOut.value
    numerator: int
    denominator: int | None
    too_few: bool
    display: str


@dataclass
class GroupOut:
    group: str  # the body's name, the category's name or the financial year's label
    recommendations: int
    statistics: list[GroupFigureOut]


@dataclass
class ComplianceStats:
    filters: FiltersOut
    recommendations: int  # how many recommendations the figures describe
    statistics: list[FigureOut]
    breakdowns: dict[str, list[GroupOut]]  # "body", "category", "year": as asked for with ?by=
    # (each group's figures carry their counts; the formula of each key is given once, in statistics)


def figure_out(key: str, figure: Figure) -> FigureOut:
    value = figure.value
    if isinstance(value, Decimal):
        value = f"{value:.2f}"
    elif key.startswith("remedies.") or figure.denominator is None:
        value = int(value) if value is not None else None
    elif value is not None:
        value = round(value, 2)
    return FigureOut(key, figure.name, value, int(figure.numerator), figure.denominator, figure.formula,
                     figure.source, figure.too_few, figure.display)


def figures_out(stats: dict[str, Figure]) -> list[FigureOut]:
    return [figure_out(key, figure) for key, figure in stats.items()]


def group_out(group: str, stats: dict[str, Figure]) -> GroupOut:
    figures = [figure_out(key, figure) for key, figure in stats.items()]
    return GroupOut(
        group=group,
        recommendations=sum(f.numerator for f in figures if f.key.startswith("remedies.")),
        statistics=[GroupFigureOut(f.key, f.value, f.numerator, f.denominator, f.too_few, f.display) for f in figures],
    )


def stats_out(report: compliance_report.Report) -> ComplianceStats:
    f = report.filters
    year = None
    if f.year is not None:
        year = YearOut(f.year, f.year_label, date(f.year, 4, 1), date(f.year + 1, 3, 31))
    return ComplianceStats(
        filters=FiltersOut(
            body=ChoiceOut(f.body.id, f.body.name) if f.body else None,
            category=ChoiceOut(f.category.id, f.category.name) if f.category else None,
            year=year,
        ),
        recommendations=report.recommendations,
        statistics=figures_out(report.statistics),
        breakdowns={
            name: [group_out(group, stats) for group, stats in groups.items()]
            for name, groups in report.breakdowns.items()
        },
    )


@get(
    "/api/stats/compliance", name="api-compliance-stats", opt={"roles": STATS_ROLES}, tags=["statistics"],
    summary="Compliance statistics, each with its formula and counts",
    description=(
        "Every compliance statistic (compliance rate, late-compliance rate, remedies by type, service "
        "improvements, people remedied beyond the complainant, amounts paid) with its value, numerator, "
        "denominator, formula, source (LGSCO definition or ours) and a too_few flag. Filters: body (id or exact "
        "name), year (financial year, 1 April to 31 March, by original due date: 2025 or 2025-26), category "
        "(id, slug or name). by=body,category,year adds per-group breakdowns (each figure's counts; its formula "
        "is the same key's in statistics); a breakdown cannot be asked for what its own filter fixes. Restricted cases the caller may not see are not counted. For "
        "compliance officers, report writers, managers and administrators."
    ),
    raises=SIGNED_IN,
)
async def compliance_stats(
    request: Request,
    body_name: Annotated[str, QueryParameter(name="body")] = "",
    year: FromQuery[str] = "",
    category: FromQuery[str] = "",
    by: FromQuery[str] = "",
) -> ComplianceStats:
    filters, problems = await compliance_report.read_filters(body=body_name, year=year, category=category)
    breakdowns = compliance_report.parse_breakdowns(by, filters, problems)
    if problems:
        raise ValidationException(problems.reason(), extra=problems.messages)
    report = await compliance_report.compliance_report(filters, viewer_for(request.user), breakdowns)
    return stats_out(report)


# ---------------------------------------------------------------------------------------------
# Recommendations


@dataclass
class RemedyTypeOut:
    key: str
    label: str


@dataclass
class DueRuleOut:
    anchor_event: str
    anchor_on: date
    period: int
    unit: str  # working_days, calendar_days or months


@dataclass
class RecommendationOut:
    id: int
    case_reference: str
    body: ChoiceOut
    remedy_type: RemedyTypeOut
    kind: str  # personal or service_improvement
    description: str
    public_summary: str
    amount: str | None  # pounds, two decimal places ("250.00")
    beneficiary: str
    due_rule: DueRuleOut
    original_due_on: date  # decides "late"; extensions do not move it
    due_on: date  # in force after extensions
    due_explanation: str
    decided_on: date
    status: str  # derived today: open, due_soon, overdue, escalated, complied_on_time, ...
    status_label: str
    outcome_on: date | None
    escalated_on: date | None
    assigned_to: ChoiceOut | None


@dataclass
class RecommendationList:
    items: list[RecommendationOut]
    total: int
    limit: int
    offset: int


def recommendation_out(row: dict) -> RecommendationOut:
    remedy = REMEDY_TYPES[row["remedy_type"]]
    return RecommendationOut(
        id=row["id"],
        case_reference=row["case_reference"],
        body=ChoiceOut(row["body"], row["body_name"]),
        remedy_type=RemedyTypeOut(row["remedy_type"], remedy.label),
        kind=remedy.kind.value,
        description=row["description"],
        public_summary=row["public_summary"],
        amount=None if row["amount"] is None else f"{row['amount']:.2f}",
        beneficiary=row["beneficiary"],
        due_rule=DueRuleOut(row["anchor_event"], row["anchor_on"], row["period"], row["unit"]),
        original_due_on=row["original_due_on"],
        due_on=row["due_on"],
        due_explanation=row["due_explanation"],
        decided_on=row["decided_on"],
        status=row["status"].value,
        status_label=row["status"].label,
        outcome_on=row["outcome_on"],
        escalated_on=row["escalated_on"],
        assigned_to=ChoiceOut(row["assigned_to"], row["assigned_to_name"] or "") if row["assigned_to"] else None,
    )


@get(
    "/api/recommendations", name="api-recommendation-list", opt={"roles": ALL_STAFF}, tags=["recommendations"],
    summary="List recommendations by status, body, due date or case",
    description=(
        "Filters: status (open, due_soon, overdue, escalated, complied_on_time, complied_late, not_complied, "
        "ceased; several joined by commas), body (id or exact name), due_before (YYYY-MM-DD: due date in force "
        "strictly before it), case (reference in any spelling), limit (1 to 200, default 50) and offset. "
        "Soonest due first. Status is derived today with the office's working-day calendar (due soon: "
        "within 10 working days). Restricted cases the caller may not see are left out."
    ),
    raises=SIGNED_IN,
)
async def recommendations(
    request: Request,
    status: FromQuery[str] = "",
    body_name: Annotated[str, QueryParameter(name="body")] = "",
    due_before: FromQuery[str] = "",
    case: FromQuery[str] = "",
    limit: FromQuery[str] = "",
    offset: FromQuery[str] = "",
) -> RecommendationList:
    filters, problems = await recommendation_list.read_filters(
        status=status, body=body_name, due_before=due_before, case=case, limit=limit, offset=offset,
    )
    if problems:
        raise ValidationException(problems.reason(), extra=problems.messages)
    page = await recommendation_list.list_recommendations(
        viewer_for(request.user), filters, london_today(), await office_calendar(),
    )
    return RecommendationList([recommendation_out(r) for r in page.rows], page.total, page.limit, page.offset)


HANDLERS = [compliance_stats, recommendations]
