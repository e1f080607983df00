"""A compliance report: the filters people ask for, read and checked, and the figures for them.

The statistics page and ``GET /api/stats/compliance`` both go through here, so a figure on the page
and the same figure in the API come from the same facts (``remedies.facts.load_facts``) and the
same formulas (``remedies.compliance``). Filters name things as people do: a body by id or exact
name, a financial year by its start year (2025) or its label ("2025-26"), a category by id, slug
or name. Anything unreadable is reported as a ``FilterProblem`` per field, never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from investigations.access import Viewer
from investigations.tables import Body, Category
from remedies.compliance import (
    Figure,
    RecommendationFact,
    by_body,
    by_category,
    by_financial_year,
    financial_year_label,
    financial_year_start,
    statistics,
)
from remedies.facts import load_facts
from workbench.forms import whole_number

#: The breakdowns on offer and the statistic grouping each uses.
BREAKDOWNS = {"body": by_body, "category": by_category, "year": by_financial_year}
BREAKDOWN_LABELS = {"body": "Body", "category": "Category", "year": "Financial year"}
_YEAR_LABEL = re.compile(r"^(\d{4})\s*[-/–]\s*(\d{2}|\d{4})$")
FIRST_YEAR, LAST_YEAR = 1990, 2100


@dataclass(frozen=True)
class Choice:
    """A body or category the report is narrowed to."""

    id: int
    name: str


@dataclass(frozen=True)
class ReportFilters:
    body: Choice | None = None
    category: Choice | None = None
    year: int | None = None  # financial year start: 2025 for 2025-26

    @property
    def year_label(self) -> str | None:
        return None if self.year is None else financial_year_label(self.year)


@dataclass
class FilterProblems:
    """Field name -> what is wrong with it, in words the person can act on."""

    messages: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.messages.setdefault(name, message)

    def __bool__(self) -> bool:
        return bool(self.messages)

    def reason(self) -> str:
        return "; ".join(f"{name}: {message}" for name, message in self.messages.items())


# ---------------------------------------------------------------------------------------------
# Reading filters (pure)


def parse_year(text: str) -> int:
    """'2025' or '2025-26' (also '2025/26', '2025-2026') -> 2025; ValueError with the reason otherwise."""
    text = text.strip()
    if re.fullmatch(r"[0-9]{4}", text):
        start = int(text)
    elif match := _YEAR_LABEL.match(text):
        start, end = int(match.group(1)), match.group(2)
        if int(end) != ((start + 1) % 100 if len(end) == 2 else start + 1):
            raise ValueError(f"{text!r} is not a financial year: it runs 1 April to 31 March, like "
                             f"{financial_year_label(start)}")
    else:
        raise ValueError(f"{text!r} is not a financial year: give its first year (2025) or its label (2025-26)")
    if not FIRST_YEAR <= start <= LAST_YEAR:
        raise ValueError(f"the financial year must start between {FIRST_YEAR} and {LAST_YEAR}")
    return start


def match_choice(text: str, choices: Iterable[tuple[int, Sequence[str]]], what: str) -> Choice:
    """Find a body or category by id or by one of its exact names (case and spacing ignored).

    ``choices`` are (id, names) with the display name first."""
    text = " ".join(text.split())
    choices = list(choices)
    if (wanted_id := whole_number(text)) is not None:
        for cid, names in choices:
            if cid == wanted_id:
                return Choice(cid, names[0])
        raise ValueError(f"there is no {what} with id {text}")
    wanted = text.casefold()
    for cid, names in choices:
        if any(wanted == " ".join(name.split()).casefold() for name in names):
            return Choice(cid, names[0])
    raise ValueError(f"there is no {what} named {text!r}: give its id or its exact name")


def parse_breakdowns(text: str, filters: ReportFilters, problems: FilterProblems) -> list[str]:
    """'body', 'category', 'year' or several joined by commas; refuse one that its own filter fixes."""
    wanted: list[str] = []
    for part in (p.strip().lower() for p in text.split(",")):
        if not part:
            continue
        if part not in BREAKDOWNS:
            problems.add("by", f"{part!r} is not a breakdown: use body, category or year")
            continue
        if getattr(filters, part) is not None:
            problems.add("by", f"a breakdown by {part} needs all of them: leave out the {part} filter")
            continue
        if part not in wanted:
            wanted.append(part)
    return wanted


async def body_choices() -> list[tuple[int, list[str]]]:
    rows = await Body.select(Body.id, Body.name).order_by(Body.name)
    return [(r["id"], [r["name"]]) for r in rows]


async def category_choices() -> list[tuple[int, list[str]]]:
    rows = await Category.select(Category.id, Category.name, Category.slug).order_by(Category.name)
    return [(r["id"], [r["name"], r["slug"]]) for r in rows]


async def read_filters(body: str = "", year: str = "", category: str = "") -> tuple[ReportFilters, FilterProblems]:
    """The filters from query text; empty text means "all". Problems name the field and the fix."""
    problems = FilterProblems()
    chosen_body = chosen_category = chosen_year = None
    if body.strip():
        try:
            chosen_body = match_choice(body, await body_choices(), "body")
        except ValueError as exc:
            problems.add("body", str(exc))
    if category.strip():
        try:
            chosen_category = match_choice(category, await category_choices(), "category")
        except ValueError as exc:
            problems.add("category", str(exc))
    if year.strip():
        try:
            chosen_year = parse_year(year)
        except ValueError as exc:
            problems.add("year", str(exc))
    return ReportFilters(chosen_body, chosen_category, chosen_year), problems


# ---------------------------------------------------------------------------------------------
# The report


@dataclass(frozen=True)
class Report:
    filters: ReportFilters
    recommendations: int  # how many recommendations the figures are about
    statistics: dict[str, Figure]
    breakdowns: dict[str, dict[str, dict[str, Figure]]]  # "body" -> group name -> statistics


def in_year(facts: Iterable[RecommendationFact], year: int) -> list[RecommendationFact]:
    """The facts of one financial year, by original due date (as ``load_facts`` and ``by_financial_year`` do)."""
    return [f for f in facts if financial_year_start(f.original_due_on) == year]


def build_report(facts: Sequence[RecommendationFact], filters: ReportFilters, by: Sequence[str] = ()) -> Report:
    """Every statistic over ``facts`` (already filtered), plus the breakdowns asked for."""
    return Report(
        filters=filters,
        recommendations=len(facts),
        statistics=statistics(facts),
        breakdowns={name: BREAKDOWNS[name](facts) for name in by},
    )


async def load_report_facts(filters: ReportFilters, viewer: Viewer) -> list[RecommendationFact]:
    """The facts behind a report, with need-to-know applied (restricted cases the viewer may not see
    are left out, so aggregate counts cannot reveal them)."""
    return await load_facts(
        body_id=filters.body.id if filters.body else None,
        category_id=filters.category.id if filters.category else None,
        financial_year=filters.year,
        viewer=viewer,
    )


async def compliance_report(filters: ReportFilters, viewer: Viewer, by: Sequence[str] = ()) -> Report:
    return build_report(await load_report_facts(filters, viewer), filters, by)


def current_financial_year(today: date) -> int:
    return financial_year_start(today)


def __getattr__(name: str):
    """The Word document of this name (overdue and escalated recommendations by body, with their
    history) lives in ``remedies.overdue_report``; the Reports catalogue finds it here. Imported on
    first use, because that module reads its parameters with this one's helpers."""
    if name == "ComplianceReport":
        from remedies.overdue_report import ComplianceReport

        return ComplianceReport
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
