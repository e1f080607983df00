"""The similar-cases panels: on a case page (with "Not similar" and "Link to a systemic issue") and
at intake ("Similar cases already with us").

Suggestions come from ``systemic.suggestions`` (need-to-know and dismissed pairs applied there);
this adds what a person needs to judge each one at a glance: its bodies, subcategory, stage and
outcome, and whether it already shares a systemic issue with this case. Two queries for the lot.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from investigations.access import Viewer
from investigations.tables import Body, Case, Subcategory
from systemic.issue_queries import case_bodies, issues_of_case, open_issues
from systemic.similarity import Similarity
from systemic.suggestions import similar_for_case, similar_for_draft

__all__ = ["CASE_LIMIT", "INTAKE_LIMIT", "case_panel", "describe", "intake_panel"]

CASE_LIMIT = 10
INTAKE_LIMIT = 5
MIN_DRAFT_WORDS = 3  # fewer typed words than this say too little to look for similar cases


async def describe(found: Sequence[Similarity]) -> list[dict[str, Any]]:
    """Each suggestion with the case's bodies, subcategory, stage and outcome, best first."""
    if not found:
        return []
    rows = await Case.select(
        Case.id, Case.reference, Case.stage, Case.outcome, Case.received_on, Case.decided_on,
        Case.category.name.as_alias("category"), Case.subcategory.name.as_alias("subcategory"),
    ).where(Case.id.is_in([s.case_id for s in found]))
    by_id = {r["id"]: r for r in rows}
    bodies = await case_bodies(list(by_id))
    described = []
    for s in found:
        row = by_id.get(s.case_id)
        if row is None:  # pragma: no cover - the index only holds saved cases
            continue
        described.append({**row, "score": s.score, "reasons": list(s.reasons),
                          "bodies": [b["name"] for b in bodies.get(s.case_id, [])]})
    return described


async def case_panel(viewer: Viewer, reference: str, limit: int = CASE_LIMIT) -> dict[str, Any]:
    """The case page's panel (CaseNotFound when the viewer may not see the case)."""
    case, found = await similar_for_case(viewer, reference, limit)
    suggestions = await describe(found)
    issues = await issues_of_case(case["id"])
    for suggestion in suggestions:
        suggestion["shared_issues"] = [i for i in issues if suggestion["id"] in i["case_ids"]]
    return {"case": case, "suggestions": suggestions, "case_issues": issues, "open_issues": await open_issues()}


async def intake_panel(viewer: Viewer, summary: str, subcategory_id: int | None, body_ids: Sequence[int],
                       limit: int = INTAKE_LIMIT) -> dict[str, Any]:
    """Similar cases for a complaint being typed in: its words, its subcategory and its bodies."""
    subcategory = None
    if subcategory_id is not None:
        subcategory = await Subcategory.select(
            Subcategory.slug, Subcategory.category.name.as_alias("category")).where(Subcategory.id == subcategory_id).first()
    bodies = await Body.select(Body.id, Body.body_type).where(Body.id.is_in(list(body_ids))) if body_ids else []
    if len(summary.split()) < MIN_DRAFT_WORDS:
        return {"suggestions": [], "asked": False}
    found = await similar_for_draft(
        viewer, summary, subcategory=subcategory["slug"] if subcategory else "",
        category=subcategory["category"] if subcategory else "",
        body_ids=[b["id"] for b in bodies], body_types=[b["body_type"] for b in bodies], limit=limit,
    )
    return {"suggestions": await describe(found), "asked": True}
