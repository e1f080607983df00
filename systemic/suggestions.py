"""Similar-case suggestions as people see them: need-to-know applied, dismissed pairs left out.

The API, the command line, the case page and intake all ask here, so they agree. A restricted
case is never suggested to someone who may not see it (its reference alone would tell them it
exists); a pair an investigator dismissed is not suggested again on that case.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timezone

from investigations.access import Viewer, may_view_case
from investigations.queries import CaseNotFound, get_case
from investigations.tables import Case
from systemic.matching import current_matcher
from systemic.profiles import load_profiles
from systemic.similarity import CaseProfile, Similarity
from systemic.tables import DismissedSuggestion
from systemic.text import terms
from workbench.audit import record_event
from workbench.db import write_transaction
from workbench.roles import Role
from workbench.tables import User

__all__ = ["MAX_LIMIT", "dismiss", "similar_for_case", "similar_for_draft"]

MAX_LIMIT = 50


async def _hidden_from(viewer: Viewer, case_ids: Sequence[int]) -> set[int]:
    """Of these cases, the restricted ones this viewer may not see."""
    if not case_ids:
        return set()
    rows = await Case.select(Case.id, Case.restricted, Case.investigator, Case.investigator.manager.as_alias("manager")).where(
        Case.id.is_in(list(case_ids)) & (Case.restricted == True)  # noqa: E712
    )
    return {r["id"] for r in rows if not may_view_case(viewer, True, r["investigator"], r["manager"])}


async def _visible(viewer: Viewer, found: list[Similarity], limit: int) -> list[Similarity]:
    hidden = await _hidden_from(viewer, [s.case_id for s in found])
    return [s for s in found if s.case_id not in hidden][:limit]


async def similar_for_case(viewer: Viewer, reference: str, limit: int = 10) -> tuple[dict, list[Similarity]]:
    """The case (need-to-know enforced: CaseNotFound) and its most similar cases, best first."""
    case = await get_case(viewer, reference)
    limit = max(1, min(limit, MAX_LIMIT))
    dismissed = [r["other"] for r in await DismissedSuggestion.select(DismissedSuggestion.other).where(
        DismissedSuggestion.case == case["id"])]
    matcher = await current_matcher()
    query = (await load_profiles([case["id"]]))[0]  # with its text as written, to word the reasons
    found = matcher.similar_to(query, limit + 20, exclude=dismissed)
    return case, await _visible(viewer, found, limit)


async def similar_for_draft(viewer: Viewer, text: str, subcategory: str = "", category: str = "",
                            body_ids: Sequence[int] = (), body_types: Sequence[str] = (), limit: int = 5,
                            names: Sequence[str] = ()) -> list[Similarity]:
    """Similar cases for a complaint not yet saved (intake): its words, subcategory and bodies."""
    query = CaseProfile(
        id=0, reference="", terms=tuple(terms(text, names)), category=category, subcategory=subcategory,
        body_ids=frozenset(body_ids), body_types=frozenset(body_types), when=date.today(), text=text,
    )
    if not query.terms and not subcategory:
        return []
    matcher = await current_matcher()
    return await _visible(viewer, matcher.similar_to(query, limit + 20), limit)


async def dismiss(case: dict, other_reference: str, reason: str, user: User) -> None:
    """Record "not similar" for this pair, so it is not suggested on this case again.

    The other case goes through need-to-know like any other: a restricted case the user may not
    see is "not found", so dismissing it can neither confirm that it exists nor touch it.
    """
    other = await get_case(Viewer(user.id, Role(user.role)), other_reference)
    if other["id"] == case["id"]:
        raise CaseNotFound(other_reference)
    async with write_transaction():
        exists = await DismissedSuggestion.exists().where(
            (DismissedSuggestion.case == case["id"]) & (DismissedSuggestion.other == other["id"]))
        if exists:
            return
        await DismissedSuggestion(case=case["id"], other=other["id"], reason=reason.strip(),
                                  at=datetime.now(timezone.utc), by=user.id).save()
        await record_event(user, "similar.dismissed", "case", case["reference"],
                           summary=f"Not similar to {other['reference']}", changes={"reason": reason.strip()})
