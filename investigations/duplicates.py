"""Possible previous or linked complaints, caught at the door.

Today staff run a postcode search by hand. Here a new case is compared with earlier ones on the
people (same name and postcode, same email) and on the matter (same body, similar account of
what went wrong), and each suggestion says why it was made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from rapidfuzz import fuzz, utils

from investigations.tables import Case, CaseBody, Person

SIMILAR_TEXT = 70  # token_set_ratio at or above which two summaries describe the same matter
MATTER_WINDOW_DAYS = 3 * 365
LIMIT = 10


@dataclass(frozen=True)
class LinkedCase:
    reference: str
    received_on: date
    stage: str
    summary: str
    reasons: tuple[str, ...]
    score: int


def same_person(a: dict, b: dict) -> list[str]:
    """Why two person records look like the same person (pure)."""
    reasons = []
    name_a, name_b = a["family_name"].strip().lower(), b["family_name"].strip().lower()
    if name_a and name_a == name_b and a["postcode"] and a["postcode"].replace(" ", "") == b["postcode"].replace(" ", ""):
        reasons.append(f"same name and postcode ({b['family_name']}, {b['postcode']})")
    if a["email"] and a["email"].strip().lower() == (b["email"] or "").strip().lower():
        reasons.append(f"same email ({b['email']})")
    return reasons


def similar_matter(summary_a: str, summary_b: str) -> int:
    return int(fuzz.token_set_ratio(summary_a, summary_b, processor=utils.default_process))


async def linked_cases(case_id: int) -> list[LinkedCase]:
    case = await Case.select(Case.id, Case.summary, Case.received_on, Case.complainant, Case.person_affected).where(
        Case.id == case_id
    ).first()
    if case is None:
        return []
    found: dict[int, dict] = {}

    people_ids = [p for p in (case["complainant"], case["person_affected"]) if p]
    matches: dict[int, list[str]] = {pid: ["same person on record"] for pid in people_ids}
    for person in await Person.select().where(Person.id.is_in(people_ids)) if people_ids else []:
        condition = None
        if person["postcode"] and person["family_name"]:
            condition = (Person.postcode == person["postcode"]) & (Person.family_name == person["family_name"])
        if person["email"]:
            by_email = Person.email == person["email"]
            condition = by_email if condition is None else condition | by_email
        if condition is None:
            continue
        for other in await Person.select().where(condition & (Person.id != person["id"])).limit(100):
            matches.setdefault(other["id"], []).extend(same_person(person, other))
    if matches:
        ids = list(matches)
        for row in await Case.select(Case.id, Case.complainant, Case.person_affected).where(
            (Case.complainant.is_in(ids) | Case.person_affected.is_in(ids)) & (Case.id != case_id)
        ).limit(50):
            reasons = matches.get(row["complainant"]) or matches.get(row["person_affected"]) or []
            found[row["id"]] = {"reasons": list(dict.fromkeys(reasons)), "score": 100}

    body_ids = [r["body"] for r in await CaseBody.select(CaseBody.body).where(CaseBody.case == case_id)]
    since = case["received_on"] - timedelta(days=MATTER_WINDOW_DAYS)
    if body_ids and case["summary"]:
        candidates = await _same_body_cases(body_ids, since, case_id)
        for other in candidates:
            score = similar_matter(case["summary"], other["summary"])
            if score >= SIMILAR_TEXT:
                entry = found.setdefault(other["id"], {"reasons": [], "score": 0})
                entry["reasons"].append(f"same body ({other['body_name']}) and a similar account ({score}%)")
                entry["score"] = max(entry["score"], score)

    if not found:
        return []
    rows = {r["id"]: r for r in await Case.select(Case.id, Case.reference, Case.received_on, Case.stage, Case.summary).where(
        Case.id.is_in(list(found))
    )}
    result = [
        LinkedCase(rows[i]["reference"], rows[i]["received_on"], rows[i]["stage"], rows[i]["summary"],
                   tuple(found[i]["reasons"]), found[i]["score"])
        for i in found if i in rows
    ]
    result.sort(key=lambda c: (-c.score, c.received_on))
    return result[:LIMIT]


async def _same_body_cases(body_ids: list[int], since: date, case_id: int) -> list[dict]:
    return await CaseBody.select(
        CaseBody.case.id.as_alias("id"),
        CaseBody.case.summary.as_alias("summary"),
        CaseBody.body.name.as_alias("body_name"),
    ).where(
        CaseBody.body.is_in(body_ids) & (CaseBody.case.received_on >= since) & (CaseBody.case != case_id)
    ).limit(2000)
