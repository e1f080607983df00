"""What the body page says about a body: its compliance figures and its repeat faults.

Figures come from the one loader (``remedies.facts.load_facts``) and the one set of formulas
(``remedies.compliance``), so the body page can never disagree with the statistics pages or the
annual letter. Repeat faults are the complaint subcategories in which we found fault against the
body on two or more cases decided in the last 12 months: the pattern a casework manager looks for
before escalating (domain.md 3.5).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from investigations.access import Viewer
from investigations.tables import Body, Finding
from remedies.compliance import Figure, by_financial_year, statistics
from remedies.facts import load_facts
from workbench.roles import Role

REPEAT_MINIMUM = 2
REPEAT_MONTHS = 12


async def find_body(body_id: int) -> dict[str, Any] | None:
    return await Body.select(Body.id, Body.name, Body.body_type, Body.region, Body.active).where(
        Body.id == body_id).first()


@dataclass(frozen=True)
class YearFigures:
    label: str  # "2025-26", or "All years"
    compliance: Figure
    late: Figure


@dataclass(frozen=True)
class BodyFigures:
    overall: YearFigures
    years: list[YearFigures]  # newest first
    recommendations: int


async def body_figures(body_id: int, viewer: Viewer) -> BodyFigures:
    """The body's compliance and late-compliance rates, over all years and per financial year."""
    facts = await load_facts(body_id=body_id, viewer=viewer)
    overall = statistics(facts)
    years = by_financial_year(facts)
    return BodyFigures(
        overall=YearFigures("All years", overall["compliance_rate"], overall["late_compliance_rate"]),
        years=[YearFigures(label, figures["compliance_rate"], figures["late_compliance_rate"])
               for label, figures in sorted(years.items(), reverse=True)],
        recommendations=len(facts),
    )


def twelve_months_before(today: date) -> date:
    """The same day a year earlier (28 February for 29 February)."""
    try:
        return today.replace(year=today.year - 1)
    except ValueError:
        return today.replace(year=today.year - 1, day=28)


@dataclass(frozen=True)
class RepeatFault:
    category: str
    subcategory: str
    cases: int
    references: list[str]


def repeat_faults_from(rows: Iterable[dict[str, Any]], minimum: int = REPEAT_MINIMUM) -> list[RepeatFault]:
    """Group (subcategory, case) rows into repeats seen at least ``minimum`` times, most first (pure)."""
    groups: dict[int, dict[str, Any]] = {}
    for row in rows:
        group = groups.setdefault(row["subcategory_id"], {
            "category": row["category"], "subcategory": row["subcategory"], "references": []})
        if row["reference"] not in group["references"]:
            group["references"].append(row["reference"])
    found = [
        RepeatFault(g["category"], g["subcategory"], len(g["references"]), sorted(g["references"]))
        for g in groups.values() if len(g["references"]) >= minimum
    ]
    return sorted(found, key=lambda r: (-r.cases, r.category, r.subcategory))


async def repeat_faults(body_id: int, viewer: Viewer, today: date, minimum: int = REPEAT_MINIMUM) -> list[RepeatFault]:
    """Subcategories with fault found against the body on ``minimum`` or more cases decided in the last
    12 months: counted in SQL by subcategory (HAVING), then the few repeated ones' cases listed."""
    where = ('f.body = {} AND f.fault = true AND k.decided_on IS NOT NULL AND k.decided_on >= {} '
             'AND k.decided_on <= {}')
    args: list[Any] = [body_id, twelve_months_before(today), today]
    if viewer.role is not Role.ADMINISTRATOR:
        where += (" AND (k.restricted = false OR k.investigator = {} "
                  "OR k.investigator IN (SELECT id FROM workbench_user WHERE manager = {}))")
        args += [viewer.user_id, viewer.user_id]
    cases = 'FROM investigations_finding f JOIN investigations_case k ON k.id = f."case"'
    repeated = await Finding.raw(
        f"SELECT k.subcategory AS subcategory_id {cases} WHERE {where} "
        "GROUP BY k.subcategory HAVING COUNT(DISTINCT k.id) >= {}",
        *args, minimum,
    )
    if not repeated:
        return []
    listed = ", ".join(str(int(r["subcategory_id"])) for r in repeated)
    names = ("JOIN investigations_subcategory s ON s.id = k.subcategory "
             "JOIN investigations_category c ON c.id = s.category")
    rows = await Finding.raw(
        "SELECT k.subcategory AS subcategory_id, c.name AS category, s.name AS subcategory, k.reference AS reference "
        f"{cases} {names} WHERE {where} AND k.subcategory IN ({listed})",
        *args,
    )
    return repeat_faults_from(rows, minimum)
