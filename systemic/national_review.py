"""The national review of one service area for one financial year (domain.md 4.2, 4.3), with charts.

Tables by category and subcategory, the outcome mix and the upheld rate, self-funded against
council-arranged care, councils against independent care providers (and every body type), remedies
by type (procedure changes and staff training counted), others affected and amounts refunded (the
systemic cohorts), compliance, charts of the main tables, the case studies the report writer picked,
and data tables by body.

One source of truth: casework figures from ``investigations.statistics``, remedy and compliance
figures from ``remedies.compliance`` over ``remedies.facts.load_facts``, cohort figures from
``systemic.cohort_statistics``; charts from ``workbench.charts`` and the document from
``workbench.word``. Everything is read in ``gather`` with a handful of queries (cases and their
bodies, recommendations, cohorts, names); the figures are worked out once, in pure code, so the
preview and the document agree.

Case studies are the case references the writer picks, each rendered as its anonymised summary
(``investigations.case_summaries``: the publication anonymiser when installed).

Need-to-know: as on every screen, figures count only the cases the producer may open; a case study
the producer may not open is refused as if it did not exist. The preview says so to anyone but an
administrator, because the published review should count every case.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from investigations.access import Viewer
from investigations.case_summaries import STAND_IN, CaseSummary, anonymised_summary
from investigations.lifecycle import CareFunding, Outcome
from investigations.reference_data import BODY_TYPES, load_taxonomy
from investigations.statistics import (
    BODY_KINDS, CaseFact, CaseFigures, by_body, by_body_kind, by_body_type, by_care_funding, by_category,
    by_subcategory, case_figures, kind_of_body, load_case_facts, service_area_categories,
)
from investigations.tables import Body, Category
from remedies.compliance import (
    REMEDY_TYPES, Figure, RecommendationFact, RemedyKind, financial_year_label, remedies_by_type, statistics,
)
from remedies.document_parameters import (
    ALL_SERVICE_AREAS, read_case_references, read_service_area, read_year, service_area_choices,
)
from remedies.facts import load_facts
from systemic.cohort_statistics import CohortYear, load_cohort_years, totals
from systemic.cohorts import CohortFigures
from workbench.reports import DocumentKind, Parameter, Preview, Problem
from workbench.roles import Role
from workbench.word import WordDocument, strong
from workbench.workdays import format_date_long

__all__ = ["NationalReview", "ReviewData", "ReviewFigures", "review_figures"]

OFFICE = "Ombudsman Workbench"
NEED_TO_KNOW = ("Figures count only the cases you may open: restricted cases you are not cleared for are left out. "
                "The review that is published should be produced by an administrator, who sees every case.")
TOO_FEW_MARK = "*"
CARE_CATEGORY_SLUG = "adult-care-services"
MOST_SUBCATEGORIES = 15  # bars in the complaints-received chart


@dataclass(frozen=True)
class ReviewFigures:
    overall: CaseFigures
    by_category: dict[str, CaseFigures]
    by_subcategory: dict[str, CaseFigures]
    by_care_funding: dict[str, CaseFigures]
    by_body_kind: dict[str, CaseFigures]
    by_body_type: dict[str, CaseFigures]
    by_body: list[tuple[str, str, CaseFigures]]  # (name, BODY_KINDS key, figures), by name
    compliance: dict[str, Figure]
    remedies: dict[str, int]
    recommendations: int
    cohorts: tuple[CohortYear, ...]
    cohorts_at_end: CohortFigures
    cohorts_in_year: CohortFigures
    unrecorded_funding: int  # adult care complaints received in the year with no care funding recorded


@dataclass(frozen=True)
class ReviewData:
    year: int
    service_area: str
    categories: tuple[str, ...]
    written_on: date
    figures: ReviewFigures
    case_studies: tuple[tuple[CaseSummary, Mapping[str, Any]], ...]  # (summary, case facts for its heading)
    viewer_sees_everything: bool

    @property
    def label(self) -> str:
        return financial_year_label(self.year)

    @property
    def start(self) -> date:
        return date(self.year, 4, 1)

    @property
    def end(self) -> date:
        return date(self.year + 1, 3, 31)

    @property
    def everything(self) -> bool:
        return self.service_area == ALL_SERVICE_AREAS

    @property
    def title(self) -> str:
        if self.everything:
            return f"Review of local government complaints {self.label}"
        return f"Review of {self.service_area[:1].lower() + self.service_area[1:]} complaints {self.label}"

    @property
    def scope(self) -> str:
        """'adult social care', or 'all service areas'."""
        return self.service_area[:1].lower() + self.service_area[1:]


# --------------------------------------------------------------------------------------------
# The figures (pure)


def review_figures(cases: Sequence[CaseFact], recommendations: Sequence[RecommendationFact], cohorts: Sequence[CohortYear],
                   body_names: Mapping[int, str], start: date, end: date) -> ReviewFigures:
    at_end, in_year = totals(cohorts)
    care = [f for f in cases if f.category == care_category()]
    per_body = by_body(cases, start, end)
    body_types = {b: t for f in cases for b, t in zip(f.body_ids, f.body_types)}
    return ReviewFigures(
        overall=case_figures(cases, start, end),
        by_category=by_category(cases, start, end),
        by_subcategory=by_subcategory(cases, start, end),
        by_care_funding=by_care_funding(care, start, end),
        by_body_kind=by_body_kind(cases, start, end),
        by_body_type=by_body_type(cases, start, end),
        by_body=sorted(((body_names.get(b, str(b)), kind_of_body(body_types.get(b, "")), figures)
                        for b, figures in per_body.items()), key=lambda r: r[0].casefold()),
        compliance=statistics(recommendations),
        remedies=remedies_by_type(recommendations),
        recommendations=len(recommendations),
        cohorts=tuple(cohorts),
        cohorts_at_end=at_end,
        cohorts_in_year=in_year,
        unrecorded_funding=sum(1 for f in care if start <= f.received_on <= end and not f.care_funding),
    )


def care_category() -> str:
    """The decision category whose complaints record how the care is funded (intake asks only for adult care)."""
    return load_taxonomy().category(CARE_CATEGORY_SLUG).name


def rate_text(figure: Figure) -> str:
    """The percentage alone (the counts are in their own columns), marked when too few to be meaningful."""
    if figure.value is None:
        return "\u2013"
    return figure.display.split(" (")[0] + (TOO_FEW_MARK if figure.too_few else "")


FIGURE_HEADER = ["Received", "Decided", "Investigated", "Upheld", "Upheld rate"]
FIGURE_WIDTHS = [5.1, 2.2, 2.0, 2.8, 1.9, 2.0]  # a label column, then FIGURE_HEADER (wide enough not to break a word)
SUBCATEGORY_MARK = "\u2013 "


def figure_cells(figures: CaseFigures) -> list[str]:
    return [f"{figures.received:,}", f"{figures.decided:,}", f"{figures.investigated:,}", f"{figures.upheld:,}",
            rate_text(figures.upheld_rate)]


def subcategory_rows(data: ReviewData) -> list[list[str]]:
    """Each category's total, then its subcategories (labelled with a leading dash in the preview)."""
    rows = []
    for category, figures in data.figures.by_category.items():
        rows.append([category, *figure_cells(figures)])
        for key, sub in data.figures.by_subcategory.items():
            name, _, subcategory = key.partition(" > ")
            if name == category:
                rows.append([SUBCATEGORY_MARK + subcategory, *figure_cells(sub)])
    return rows


def _category_rows_in_bold(rows: list[list[str]]) -> list[list[Any]]:
    """In the document a category's total is bold and its subcategories are plain beneath it."""
    return [[row[0].removeprefix(SUBCATEGORY_MARK), *row[1:]] if row[0].startswith(SUBCATEGORY_MARK)
            else [strong(cell) for cell in row] for row in rows]


def outcome_rows(figures: CaseFigures) -> list[list[str]]:
    total = figures.decided
    return [[Outcome(k).label, f"{n:,}", f"{100 * n / total:.1f}%" if total else "\u2013"]
            for k, n in figures.by_outcome.items()]


def funding_rows(data: ReviewData) -> list[list[str]]:
    order = [c.label for c in (CareFunding.SELF_FUNDED, CareFunding.COUNCIL_ARRANGED)] + ["Not recorded"]
    groups = data.figures.by_care_funding
    return [[name, *figure_cells(groups[name])] for name in order if name in groups]


def kind_rows(data: ReviewData) -> list[list[str]]:
    groups = data.figures.by_body_kind
    return [[label, *figure_cells(groups[key])] for key, label in BODY_KINDS.items() if key in groups]


def type_rows(data: ReviewData) -> list[list[str]]:
    groups = data.figures.by_body_type
    return [[label, *figure_cells(groups[key])] for key, label in BODY_TYPES.items() if key in groups]


def remedy_rows(data: ReviewData) -> list[list[str]]:
    kinds = {RemedyKind.PERSONAL: "Personal remedy", RemedyKind.SERVICE_IMPROVEMENT: "Service improvement"}
    return [[t.label, kinds[t.kind], f"{data.figures.remedies[k]:,}"] for k, t in REMEDY_TYPES.items()]


COHORT_HEADER = ["Issue", "Body", "Identified", "Contacted", "Reviewed", "Remedied", "Refunded or paid"]


def cohort_rows(data: ReviewData) -> list[list[str]]:
    rows = [[c.issue_title, c.body_name, f"{c.at_end.identified:,}", f"{c.at_end.contacted:,}",
             f"{c.at_end.reviewed:,}", f"{c.at_end.remedied:,}", _money(c.at_end.amount_paid)]
            for c in data.figures.cohorts]
    end = data.figures.cohorts_at_end
    if rows:
        rows.append(["Total", "", f"{end.identified:,}", f"{end.contacted:,}", f"{end.reviewed:,}",
                     f"{end.remedied:,}", _money(end.amount_paid)])
    return rows


def body_rows(data: ReviewData, kind: str | None = None) -> list[list[str]]:
    """A row per body (of one BODY_KINDS kind, or of all)."""
    return [[name, *figure_cells(figures)] for name, body_kind, figures in data.figures.by_body
            if kind is None or body_kind == kind]


def _money(amount: Decimal) -> str:
    return f"\u00a3{amount:,.2f}"


def headline(data: ReviewData) -> list[tuple[str, str]]:
    f = data.figures
    return [
        ("Complaints and enquiries received", f"{f.overall.received:,}"),
        ("Decisions made", f"{f.overall.decided:,}"),
        ("Detailed investigations", f"{f.overall.investigated:,}"),
        ("Upheld rate", f.overall.upheld_rate.display),
        ("Upheld complaints the body had already put right", f.overall.remedied_by_body.display),
        ("Recommendations due in the year", f"{f.recommendations:,}"),
        ("Procedure or policy changes", f"{f.remedies['procedure_or_policy_change']:,}"),
        ("Staff training or reminders", f"{f.remedies['staff_training']:,}"),
        ("Compliance rate", f.compliance["compliance_rate"].display),
        ("Late compliance rate", f.compliance["late_compliance_rate"].display),
        ("People remedied beyond the complainant", f.compliance["people_remedied_beyond_complainant"].display),
        ("Amounts paid on complied remedies", f.compliance["amounts_paid"].display),
        ("Others affected: people identified (cohorts)", f"{f.cohorts_at_end.identified:,}"),
        ("Others affected: refunded or paid (cohorts)", _money(f.cohorts_at_end.amount_paid)),
    ]


def problems(data: ReviewData) -> list[Problem]:
    f = data.figures
    found: list[Problem] = []
    if f.overall.received == 0 and f.overall.decided == 0:
        found.append(Problem(f"There are no complaints about {data.scope} received or decided in {data.label}: "
                             "the review will be empty."))
    elif f.overall.decided == 0:
        found.append(Problem(f"No decisions about {data.scope} were made in {data.label}."))
    if f.overall.upheld_rate.denominator and f.overall.upheld_rate.too_few:
        found.append(Problem(f"The upheld rate rests on only {f.overall.upheld_rate.denominator} investigated "
                             "decisions: too few to be meaningful."))
    thin = [key for key, figures in f.by_subcategory.items() if figures.upheld_rate.denominator and figures.upheld_rate.too_few]
    if thin:
        found.append(Problem(f"Upheld rates for {len(thin)} subcategor{'y' if len(thin) == 1 else 'ies'} rest on fewer "
                             f"than ten investigations (marked {TOO_FEW_MARK} in the tables): " + "; ".join(thin) + "."))
    compliance = f.compliance["compliance_rate"]
    if compliance.denominator and compliance.too_few:
        found.append(Problem(f"The compliance rate rests on only {compliance.denominator} compliance verdicts: "
                             "too few to be meaningful."))
    if f.unrecorded_funding:
        found.append(Problem(f"{f.unrecorded_funding:,} {care_category().lower()} complaints received in the year have no "
                             "care funding recorded: they are counted as \u201cNot recorded\u201d, not as self-funded "
                             "or council-arranged."))
    if not data.case_studies:
        found.append(Problem("No case studies were picked: the Case studies section says so. Add case references "
                             "to include some."))
    for summary, case in data.case_studies:
        if not data.everything and case["service_area"] != data.service_area:
            found.append(Problem(f"Case study {summary.reference} is about {case['category']}, which is reported under "
                                 f"{case['service_area']}, not {data.service_area}."))
        if not case["decided_on"] or not data.start <= case["decided_on"] <= data.end:
            found.append(Problem(f"Case study {summary.reference} was not decided in {data.label}."))
        if not summary.text:
            found.append(Problem(f"Case study {summary.reference} has no summary to show."))
    if any(summary.method == STAND_IN for summary, _ in data.case_studies):
        found.append(Problem("The publication anonymiser is not installed: case studies show the summary's first "
                             "sentences with the case's names removed. Check each one by hand before publishing."))
    if not data.viewer_sees_everything:
        found.append(Problem(NEED_TO_KNOW))
    return found


def filename(data: ReviewData) -> str:
    slug = "-".join("".join(ch if ch.isalnum() else " " for ch in data.service_area).lower().split())
    return f"national-review-{slug}-{data.label}.docx"


# --------------------------------------------------------------------------------------------
# The document (pure)


def charts(data: ReviewData) -> list[tuple[str, str, bytes]]:
    """(caption, alt text, PNG) for each chart; matplotlib is imported only when a review is built."""
    from workbench.charts import bar_chart, grouped_bar_chart

    f = data.figures
    made: list[tuple[str, str, bytes]] = []
    subs = sorted(f.by_subcategory.items(), key=lambda kv: (-kv[1].received, kv[0]))
    shown = subs[:MOST_SUBCATEGORIES]
    if shown and any(figures.received for _, figures in shown):
        labels = [key.partition(" > ")[2] if len(f.by_category) == 1 else key for key, _ in shown]
        made.append((
            "Complaints and enquiries received, by subcategory" + (
                f" (the {MOST_SUBCATEGORIES} with most)" if len(subs) > MOST_SUBCATEGORIES else ""),
            "Bar chart of complaints received by subcategory: "
            + "; ".join(f"{label} {figures.received:,}" for label, (_, figures) in zip(labels, shown)) + ".",
            bar_chart(labels, [figures.received for _, figures in shown], value_label="Complaints received"),
        ))
    if f.overall.decided:
        outcomes = [(Outcome(k).label, n) for k, n in f.overall.by_outcome.items()]
        made.append((
            "Decisions by outcome",
            "Bar chart of decisions by outcome: " + "; ".join(f"{label} {n:,}" for label, n in outcomes) + ".",
            bar_chart([label for label, _ in outcomes], [n for _, n in outcomes], value_label="Decisions"),
        ))
    # Upheld rates by subcategory, or by category when there are too many subcategories for one chart.
    level, grouped = ("subcategory", f.by_subcategory) if len(f.by_subcategory) <= MOST_SUBCATEGORIES \
        else ("category", f.by_category)
    rated = [(key.partition(" > ")[2] if level == "subcategory" and len(f.by_category) == 1 else key,
              figures.upheld_rate.value) for key, figures in grouped.items() if figures.upheld_rate.value is not None]
    if rated:
        made.append((
            f"Upheld rate of investigated complaints, by {level}",
            f"Bar chart of upheld rates by {level}: " + "; ".join(f"{label} {value:.0f}%" for label, value in rated) + ".",
            bar_chart([label for label, _ in rated], [value for _, value in rated], percent=True,
                      value_label="Upheld rate (%)", colour="#003078"),
        ))
    groups = [(label, f.by_body_kind[key]) for key, label in BODY_KINDS.items() if key in f.by_body_kind]
    if any(figures.investigated for _, figures in groups):
        made.append((
            "Investigations and upheld complaints: councils and independent care providers",
            "Grouped bar chart of investigated and upheld complaints by kind of body: "
            + "; ".join(f"{label} {figures.investigated:,} investigated, {figures.upheld:,} upheld"
                        for label, figures in groups) + ".",
            grouped_bar_chart([label for label, _ in groups],
                              [("Investigated", [figures.investigated for _, figures in groups]),
                               ("Upheld", [figures.upheld for _, figures in groups])], value_label="Complaints"),
        ))
    return made


def build_review(data: ReviewData) -> bytes:
    f = data.figures
    word = WordDocument(data.title, created=data.written_on, subject=f"{data.service_area} {data.label}", author=OFFICE)
    word.header(data.title)
    word.footer(f"{OFFICE} \u00b7 {data.title}")
    pictures = iter(charts(data))
    figure_number = 0

    def chart() -> None:
        nonlocal figure_number
        picture = next(pictures, None)
        if picture is not None:
            figure_number += 1
            caption, alt, png = picture
            word.image(png, 15.5, alt_text=alt, caption=f"Figure {figure_number}: {caption}")

    word.title(data.title)
    word.paragraph(f"Complaints about {data.scope} ({', '.join(data.categories)}) received or decided "
                   f"between {format_date_long(data.start)} and {format_date_long(data.end)}.")

    word.heading("Summary", 1)
    word.key_values(headline(data))

    word.heading("Complaints and decisions", 1)
    word.heading("By category and subcategory", 2)
    if f.by_category:
        word.table(["Category and subcategory", *FIGURE_HEADER], _category_rows_in_bold(subcategory_rows(data)),
                   widths_cm=FIGURE_WIDTHS)
        word.small(f"{TOO_FEW_MARK} fewer than ten detailed investigations: too few for the rate to be meaningful.")
        if f.overall.received:
            chart()
    else:
        word.paragraph("No complaints were received or decided in the year.")
    word.heading("Outcomes", 2)
    if f.overall.decided:
        word.table(["Outcome", "Decisions", "Share"], [*outcome_rows(f.overall), [strong("Total"), strong(f"{f.overall.decided:,}"), "100%"]],
                   widths_cm=[10, 3, 3])
        chart()
    else:
        word.paragraph("No decisions were made in the year.")
    word.heading("Upheld rate", 2)
    word.paragraph(f"We upheld {f.overall.upheld_rate.display} of the complaints we investigated in detail. "
                   f"In {f.overall.remedied_by_body.display} of upheld complaints the body had already provided a "
                   "satisfactory remedy before the complaint reached us.")
    if any(figures.upheld_rate.value is not None for figures in f.by_subcategory.values()):
        chart()

    word.heading("Who the complaints were about", 1)
    word.heading("Self-funded and council-arranged care", 2)
    rows = funding_rows(data)
    if rows:
        word.paragraph(f"Complaints about {care_category().lower()}, by how the care was paid for.")
        word.table(["Care funding", *FIGURE_HEADER], rows, widths_cm=FIGURE_WIDTHS)
    else:
        word.paragraph(f"There were no complaints about {care_category().lower()} in the year.")
    word.heading("Councils and independent care providers", 2)
    if kind_rows(data):
        word.table(["Bodies", *FIGURE_HEADER], kind_rows(data), widths_cm=FIGURE_WIDTHS)
        chart()
        word.table(["Body type", *FIGURE_HEADER], type_rows(data), widths_cm=FIGURE_WIDTHS)
        word.small("A complaint about several bodies is counted once for each of them in these two tables.")
    else:
        word.paragraph("No complaints in the year.")

    word.heading("Remedies", 1)
    word.heading("Remedies by type", 2)
    word.paragraph(f"Of the {f.recommendations:,} recommendations due in the year, "
                   f"{f.remedies['procedure_or_policy_change']:,} asked for a change of procedure or policy and "
                   f"{f.remedies['staff_training']:,} for staff training or reminders.")
    word.table(["Remedy", "Kind", "Recommendations"], remedy_rows(data), widths_cm=[7.5, 4.5, 4.0])
    word.heading("Others affected and amounts refunded", 2)
    word.paragraph(f"Bodies found and put right {f.compliance['people_remedied_beyond_complainant'].display} people "
                   f"beyond the complainants, and paid, refunded or waived {f.compliance['amounts_paid'].display} on "
                   "remedies they carried out.")
    if f.cohorts:
        word.paragraph("Where a fault reached beyond one complaint we asked the body to find everyone affected. "
                       f"Their position at {format_date_long(data.end)}:")
        word.table(COHORT_HEADER, cohort_rows(data), widths_cm=[2.3, 2.3, 2.2, 2.35, 2.25, 2.3, 2.3])
        word.small(f"In the year: {f.cohorts_in_year.remedied:,} more people remedied and "
                   f"{_money(f.cohorts_in_year.amount_paid)} more refunded or paid, as the bodies reported.")
    else:
        word.paragraph("No body reported on a review of others affected in the year.")
    word.heading("Compliance", 2)
    compliance, late = f.compliance["compliance_rate"], f.compliance["late_compliance_rate"]
    word.key_values([("Compliance rate", compliance.display), ("Late compliance rate", late.display)])
    word.small(f"Compliance rate: {compliance.formula}. Late compliance rate: {late.formula}.")

    word.heading("Case studies", 1)
    if data.case_studies:
        for summary, case in data.case_studies:
            word.heading(f"{case['subcategory']} ({summary.reference})", 2)
            word.paragraph(summary.text or "(no summary recorded)")
            if case["outcome"]:
                word.paragraph([strong("Decision: "), Outcome(case["outcome"]).label])
    else:
        word.paragraph("No case studies were chosen for this review.")

    word.heading("Data tables", 1)
    if not f.by_body:
        word.paragraph("No complaints in the year.")
    for kind, label in BODY_KINDS.items():
        rows = body_rows(data, kind)
        if rows:
            word.heading(label, 2)
            word.table([label[:-1] if label.endswith("s") else label, *FIGURE_HEADER], rows, widths_cm=FIGURE_WIDTHS)

    word.heading("About these figures", 1)
    word.small(f"Upheld rate: {f.overall.upheld_rate.formula}.")
    word.small("Received counts complaints and enquiries received in the year; decided counts decisions made in the "
               "year, whenever the complaint arrived. Recommendations are counted in the year their original due date "
               "falls in; extensions do not move them.")
    word.small(f"Figures as recorded on {format_date_long(data.written_on)}.")
    return word.to_bytes()


# --------------------------------------------------------------------------------------------
# Reading (the only step that touches the database), then working the figures out (pure)


@dataclass(frozen=True)
class ReviewInputs:
    """What the review reads: the year's case facts, recommendations and cohorts, and the picked cases."""

    year: int
    service_area: str
    categories: tuple[str, ...]
    written_on: date
    cases: Sequence[CaseFact]
    recommendations: Sequence[RecommendationFact]
    cohorts: Sequence[CohortYear]
    body_names: Mapping[int, str]
    studies: Sequence[Mapping[str, Any]]  # cases as ``get_case`` returns them
    viewer_sees_everything: bool


async def read_review(year: int, service_area: str, studies: Sequence[Mapping[str, Any]], viewer: Viewer,
                      written_on: date) -> ReviewInputs:
    start, end = date(year, 4, 1), date(year + 1, 3, 31)
    names = ([c.name for c in load_taxonomy().categories] if service_area == ALL_SERVICE_AREAS
             else service_area_categories(service_area))
    category_rows = await Category.select(Category.id, Category.name).where(Category.name.is_in(names or [""]))
    category_ids = [r["id"] for r in category_rows]
    cases = await load_case_facts(start, end, categories=category_ids, viewer=viewer)
    wanted = set(names)
    recommendations = [f for f in await load_facts(financial_year=year, viewer=viewer) if f.category in wanted]
    cohorts = await load_cohort_years(start, end, category_ids)
    body_ids = sorted({b for f in cases for b in f.body_ids})
    body_names = {r["id"]: r["name"] for r in await Body.select(Body.id, Body.name).where(Body.id.is_in(body_ids or [0]))}
    return ReviewInputs(
        year=year, service_area=service_area, categories=tuple(r["name"] for r in category_rows), written_on=written_on,
        cases=cases, recommendations=recommendations, cohorts=cohorts, body_names=body_names, studies=tuple(studies),
        viewer_sees_everything=viewer.role is Role.ADMINISTRATOR,
    )


def review_data(inputs: ReviewInputs) -> ReviewData:
    """The figures over ~20,000 cases and the anonymised case studies: CPU work, run off the event loop."""
    start, end = date(inputs.year, 4, 1), date(inputs.year + 1, 3, 31)
    areas = {c.name: c.service_area for c in load_taxonomy().categories}
    chosen = tuple(
        (anonymised_summary(case), {"category": case["category_name"], "subcategory": case["subcategory_name"],
                                    "service_area": areas.get(case["category_name"], ""),
                                    "decided_on": case["decided_on"], "outcome": case["outcome"]})
        for case in inputs.studies
    )
    return ReviewData(
        year=inputs.year, service_area=inputs.service_area, categories=inputs.categories, written_on=inputs.written_on,
        figures=review_figures(inputs.cases, inputs.recommendations, inputs.cohorts, inputs.body_names, start, end),
        case_studies=chosen, viewer_sees_everything=inputs.viewer_sees_everything,
    )


class NationalReview(DocumentKind):
    key = "national-review"
    label = "National review"
    description = ("A year of complaints in one service area: categories, outcomes, upheld rates, care funding, "
                   "councils and providers, remedies, others affected, compliance, charts and case studies.")
    parameters = (
        Parameter("year", "Financial year", "year", required=False,
                  hint="Its first year or its label, like 2025-26; blank for the last complete year"),
        Parameter("service_area", "Service area", "service_area", choices=service_area_choices()),
        Parameter("case_studies", "Case studies", "text", required=False,
                  hint="Case references separated by commas, like 25 001 239, 25 004 112"),
    )

    async def read(self, params: Mapping[str, str], viewer: Viewer) -> ReviewInputs:
        today = date.today()
        year = read_year(params, today=today)
        area = read_service_area(params)
        studies = await read_case_references(params, viewer)
        return await read_review(year, area, studies, viewer, today)

    def work_out(self, read: ReviewInputs) -> ReviewData:
        return review_data(read)

    def preview(self, data: ReviewData) -> Preview:
        f = data.figures
        return Preview(
            title=data.title,
            summary=headline(data),
            tables=[
                ("By category and subcategory", ["Category and subcategory", *FIGURE_HEADER], subcategory_rows(data)),
                ("Decisions by outcome", ["Outcome", "Decisions", "Share"], outcome_rows(f.overall)),
                ("Self-funded and council-arranged care", ["Care funding", *FIGURE_HEADER], funding_rows(data)),
                ("Councils and independent care providers", ["Bodies", *FIGURE_HEADER], kind_rows(data)),
                ("Remedies by type", ["Remedy", "Kind", "Recommendations"], remedy_rows(data)),
                ("Others affected", COHORT_HEADER, cohort_rows(data)),
                ("Case studies", ["Case", "Summary"], [[s.reference, s.text] for s, _ in data.case_studies]),
            ],
            problems=problems(data),
            filename=filename(data),
        )

    def build(self, data: ReviewData) -> bytes:
        return build_review(data)
