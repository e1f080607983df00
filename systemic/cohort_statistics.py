"""Others affected over a financial year: where each cohort stood at the year's end and what changed in it.

A body reports a cohort's position cumulatively (``systemic.cohorts``), so the position on a day is
its latest report on or before that day, and what happened in a year is the position at the year's
end less the position the day before it began. A cohort counts in a year when the body reported on
it during the year. A cohort belongs to a service area through the recommendation it follows (that
recommendation's case), or, failing that, through the cases bundled into its issue.

Cohorts describe bodies, not complainants, so everyone sees their figures (as on the issue pages).
Pure figures; one loader of a few queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from systemic.cohorts import CohortFigures, total
from systemic.tables import Cohort, CohortUpdate, SystemicIssueCase

__all__ = ["CohortYear", "cohorts_in_year", "load_cohort_years", "position_on", "totals"]


@dataclass(frozen=True)
class CohortYear:
    cohort_id: int
    issue_id: int
    issue_title: str
    body_name: str
    at_end: CohortFigures  # the position at the end of the year
    in_year: CohortFigures  # the change over the year


def position_on(reports: Sequence[tuple[date, CohortFigures]], day: date) -> CohortFigures:
    """The latest position reported on or before ``day`` (nothing reported: all zero). ``reports`` in
    the order they were made (a later report on the same day wins)."""
    found = CohortFigures()
    for reported_on, figures in reports:
        if reported_on <= day:
            found = figures
    return found


def _less(a: CohortFigures, b: CohortFigures) -> CohortFigures:
    return CohortFigures(identified=a.identified - b.identified, contacted=a.contacted - b.contacted,
                         reviewed=a.reviewed - b.reviewed, remedied=a.remedied - b.remedied,
                         amount_paid=a.amount_paid - b.amount_paid)


def cohorts_in_year(cohorts: Iterable[dict[str, Any]], reports: dict[int, list[tuple[date, CohortFigures]]],
                    start: date, end: date) -> list[CohortYear]:
    """Each cohort reported on in the year, with its year-end position and its change over the year."""
    found = []
    for cohort in cohorts:
        history = reports.get(cohort["id"], [])
        if not any(start <= reported_on <= end for reported_on, _ in history):
            continue
        at_end = position_on(history, end)
        found.append(CohortYear(cohort["id"], cohort["issue"], cohort["issue_title"], cohort["body_name"], at_end,
                                _less(at_end, position_on(history, start - timedelta(days=1)))))
    return sorted(found, key=lambda c: (c.issue_title, c.body_name, c.cohort_id))


def totals(cohorts: Iterable[CohortYear]) -> tuple[CohortFigures, CohortFigures]:
    """(Year-end positions added up, changes over the year added up.)"""
    cohorts = list(cohorts)
    return total(c.at_end for c in cohorts), total(c.in_year for c in cohorts)


async def load_cohort_years(start: date, end: date, category_ids: Sequence[int] | None = None) -> list[CohortYear]:
    """Cohorts reported on between ``start`` and ``end``, in these categories (all when None)."""
    reported = await CohortUpdate.select(CohortUpdate.cohort).where(
        (CohortUpdate.reported_on >= start) & (CohortUpdate.reported_on <= end)).distinct()
    if not reported:
        return []
    rows = await Cohort.select(
        Cohort.id, Cohort.issue, Cohort.issue.title.as_alias("issue_title"), Cohort.body.name.as_alias("body_name"),
        Cohort.recommendation.case.category.as_alias("recommendation_category"),
    ).where(Cohort.id.is_in(sorted({r["cohort"] for r in reported})))
    if category_ids is not None:
        wanted = set(category_ids)
        issue_categories: dict[int, set[int]] = defaultdict(set)
        for link in await SystemicIssueCase.select(
            SystemicIssueCase.issue, SystemicIssueCase.case.category.as_alias("category"),
        ).where(SystemicIssueCase.issue.is_in(list({r["issue"] for r in rows}))):
            issue_categories[link["issue"]].add(link["category"])
        rows = [r for r in rows if (r["recommendation_category"] in wanted if r["recommendation_category"] is not None
                                    else bool(issue_categories[r["issue"]] & wanted))]
    reports: dict[int, list[tuple[date, CohortFigures]]] = defaultdict(list)
    for update in await CohortUpdate.select().where(
        CohortUpdate.cohort.is_in([r["id"] for r in rows] or [0]) & (CohortUpdate.reported_on <= end)
    ).order_by(CohortUpdate.reported_on).order_by(CohortUpdate.id):
        reports[update["cohort"]].append((update["reported_on"], CohortFigures.of(update)))
    return cohorts_in_year(rows, reports, start, end)
