"""Audit entries about restricted cases: their details only for those with need-to-know.

Managers read the whole audit log, but an entry's summary and changes can carry a restricted case's
contents (the name of an uploaded document, a reason typed in a form). For a case, or a
recommendation on a case, the reader may not open, the page keeps who did what and when to which
record and withholds the rest, as every other page treats the case.
"""

from __future__ import annotations

from typing import Any

from investigations.access import Viewer, may_view_case
from investigations.tables import Case
from remedies.tables import Recommendation

WITHHELD = "Details withheld: a restricted case you may not open"


async def _hidden_cases(viewer: Viewer, references: set[str]) -> set[str]:
    if not references:
        return set()
    rows = await Case.select(
        Case.reference, Case.investigator, Case.investigator.manager.as_alias("manager"),
    ).where(Case.reference.is_in(list(references)) & (Case.restricted == True))  # noqa: E712
    return {r["reference"] for r in rows if not may_view_case(viewer, True, r["investigator"], r["manager"])}


async def _hidden_recommendations(viewer: Viewer, ids: set[int]) -> set[str]:
    if not ids:
        return set()
    rows = await Recommendation.select(
        Recommendation.id, Recommendation.case.investigator.as_alias("investigator"),
        Recommendation.case.investigator.manager.as_alias("manager"),
    ).where(Recommendation.id.is_in(list(ids)) & (Recommendation.case.restricted == True))  # noqa: E712
    return {str(r["id"]) for r in rows if not may_view_case(viewer, True, r["investigator"], r["manager"])}


async def withhold_restricted_details(viewer: Viewer, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The page's rows, with the summary and changes of entries the viewer may not read replaced."""
    cases = {r["record_id"] for r in rows if r["record_type"] == "case"}
    recommendations = {int(r["record_id"]) for r in rows
                       if r["record_type"] == "recommendation" and str(r["record_id"]).isdigit()}
    hidden = {("case", ref) for ref in await _hidden_cases(viewer, cases)} | {
        ("recommendation", rid) for rid in await _hidden_recommendations(viewer, recommendations)}
    return [{**r, "summary": WITHHELD, "changes": {}} if (r["record_type"], str(r["record_id"])) in hidden else r
            for r in rows]
