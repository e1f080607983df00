"""Service improvements a body agreed: the publishable list behind the "service improvements" figure.

The figure itself is ``remedies.compliance.service_improvements`` over ``remedies.facts.load_facts``;
this reads the same recommendations (same body, same financial year by ORIGINAL due date, same
need-to-know) with their public summaries, so a letter's list always has as many lines as its figure
says. Public summaries carry no names or dates (they are written to be published), so they are what
an annual letter or the interactive map shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from investigations.access import Viewer
from remedies.compliance import REMEDY_TYPES, RemedyKind
from workbench.db import fetch_all, placeholder
from workbench.roles import Role

__all__ = ["ServiceImprovement", "SERVICE_IMPROVEMENT_TYPES", "load_service_improvements"]

SERVICE_IMPROVEMENT_TYPES = tuple(k for k, t in REMEDY_TYPES.items() if t.kind is RemedyKind.SERVICE_IMPROVEMENT)


@dataclass(frozen=True)
class ServiceImprovement:
    id: int
    case_reference: str
    remedy_type: str
    public_summary: str  # "" when none was written (a problem for a published letter)
    original_due_on: date
    outcome: str  # "" while outstanding

    @property
    def remedy_label(self) -> str:
        return REMEDY_TYPES[self.remedy_type].label


async def load_service_improvements(*, body_id: int, financial_year: int, viewer: Viewer | None = None
                                    ) -> list[ServiceImprovement]:
    """The body's service-improvement recommendations whose original due date falls in the financial
    year (``load_facts``' selection), oldest first."""
    args: list = []

    def param(value) -> str:
        args.append(value)
        return placeholder(len(args))

    # Placeholders in the order they appear in the text: SQLite's "?" are positional.
    conditions = [f"r.body = {param(body_id)}"]
    conditions += [
        "r.remedy_type IN (" + ", ".join(param(t) for t in SERVICE_IMPROVEMENT_TYPES) + ")",
        f"r.original_due_on >= {param(date(financial_year, 4, 1))}",
        f"r.original_due_on <= {param(date(financial_year + 1, 3, 31))}",
    ]
    if viewer is not None and viewer.role is not Role.ADMINISTRATOR:
        conditions.append(
            f"(k.restricted = false OR k.investigator = {param(viewer.user_id)} "
            f"OR k.investigator IN (SELECT id FROM workbench_user WHERE manager = {param(viewer.user_id)}))"
        )
    rows = await fetch_all(
        "SELECT r.id, k.reference, r.remedy_type, r.public_summary, r.original_due_on, r.outcome "
        'FROM remedies_recommendation r JOIN investigations_case k ON k.id = r."case" WHERE '
        + " AND ".join(conditions) + " ORDER BY r.original_due_on, r.id", args)
    return [
        ServiceImprovement(
            id=r["id"], case_reference=r["reference"], remedy_type=r["remedy_type"],
            public_summary=(r["public_summary"] or "").strip(),
            original_due_on=r["original_due_on"] if isinstance(r["original_due_on"], date)
            else date.fromisoformat(str(r["original_due_on"])[:10]),
            outcome=r["outcome"] or "",
        )
        for r in rows
    ]
