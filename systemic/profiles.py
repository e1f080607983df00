"""Cases as ``CaseProfile``s: what similarity matching knows of each, loaded in a few big queries.

A case's matching text is its summary and the descriptions of its findings; the names of its own
people are removed from it (``systemic.text``). Loading is by batch of case ids, or everything
changed since a moment, so the in-memory index can be built once and then kept current.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import anyio.to_thread

from systemic.similarity import CaseProfile
from systemic.text import terms
from workbench.db import fetch_all, placeholder

_CASES = """
SELECT k.id, k.reference, k.summary, k.decided_on, k.received_on, k.updated_at,
       c.name AS category, s.slug AS subcategory, s.name AS subcategory_name,
       p.given_name AS p1_given, p.family_name AS p1_family, a.given_name AS p2_given, a.family_name AS p2_family
FROM investigations_case k
JOIN investigations_category c ON c.id = k.category
JOIN investigations_subcategory s ON s.id = k.subcategory
LEFT JOIN investigations_person p ON p.id = k.complainant
LEFT JOIN investigations_person a ON a.id = k.person_affected
"""
_BODIES = """
SELECT cb."case" AS case_id, b.id AS body_id, b.name, b.body_type
FROM investigations_case_body cb JOIN investigations_body b ON b.id = cb.body
"""
_FINDINGS = 'SELECT "case" AS case_id, description, fault FROM investigations_finding'
_REMEDIES = 'SELECT "case" AS case_id, remedy_type FROM remedies_recommendation'


def _day(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _in(column: str, ids: Sequence[int]) -> tuple[str, list[int]]:
    marks = ", ".join(placeholder(i) for i in range(1, len(ids) + 1))
    return f" WHERE {column} IN ({marks})", list(ids)


async def load_profiles(case_ids: Sequence[int] | None = None, keep_text: bool = True) -> list[CaseProfile]:
    """Profiles of the given cases (all cases when None), in id order.

    ``keep_text=False`` leaves out the text as written (only needed to word the reasons for a
    query): the in-memory index of 200,000 cases is then a third smaller."""
    if case_ids is not None and not case_ids:
        return []
    if case_ids is None:
        cases = await fetch_all(_CASES + " ORDER BY k.id")
        bodies, findings, remedies = await fetch_all(_BODIES), await fetch_all(_FINDINGS), await fetch_all(_REMEDIES)
    else:
        out: list[CaseProfile] = []
        for start in range(0, len(case_ids), 500):  # keep the IN lists short on both engines
            out += await _load_batch(list(case_ids[start:start + 500]), keep_text)
        return out
    return await _built(cases, bodies, findings, remedies, keep_text)


async def _built(cases: list[dict], bodies: list[dict], findings: list[dict], remedies: list[dict],
                 keep_text: bool) -> list[CaseProfile]:
    """``build_profiles`` in a worker thread: tokenising 20,000 cases is seconds of CPU, and the event
    loop must go on answering requests meanwhile (the index is warmed at start-up, in the background)."""
    return await anyio.to_thread.run_sync(build_profiles, cases, bodies, findings, remedies, keep_text)


async def _load_batch(ids: list[int], keep_text: bool) -> list[CaseProfile]:
    where, args = _in("k.id", ids)
    cases = await fetch_all(_CASES + where + " ORDER BY k.id", args)
    bodies = await fetch_all(_BODIES + _in('cb."case"', ids)[0], args)
    findings = await fetch_all(_FINDINGS + _in('"case"', ids)[0], args)
    remedies = await fetch_all(_REMEDIES + _in('"case"', ids)[0], args)
    return await _built(cases, bodies, findings, remedies, keep_text)


async def changed_since(moment: datetime) -> list[int]:
    """Ids of cases whose own row or findings changed after ``moment`` (to keep an index current)."""
    rows = await fetch_all(
        f"SELECT id FROM investigations_case WHERE updated_at > {placeholder(1)} "
        f'UNION SELECT "case" FROM investigations_finding WHERE updated_at > {placeholder(2)}',
        [moment, moment],
    )
    return sorted({next(iter(r.values())) for r in rows})


def build_profiles(cases: list[dict], bodies: list[dict], findings: list[dict], remedies: list[dict],
                   keep_text: bool = True) -> list[CaseProfile]:
    """Pure: rows from the four queries into profiles. Terms are interned: 200,000 cases share a
    vocabulary of tens of thousands of words, held once."""
    bodies_of: dict[int, list[dict]] = defaultdict(list)
    for row in bodies:
        bodies_of[row["case_id"]].append(row)
    texts_of: dict[int, list[str]] = defaultdict(list)
    fault_of: dict[int, bool] = defaultdict(bool)
    for row in findings:
        if row["description"]:
            texts_of[row["case_id"]].append(row["description"])
        fault_of[row["case_id"]] |= bool(row["fault"])
    remedies_of: dict[int, set[str]] = defaultdict(set)
    for row in remedies:
        remedies_of[row["case_id"]].add(row["remedy_type"])
    profiles = []
    for row in cases:
        names = [n for n in (row["p1_given"], row["p1_family"], row["p2_given"], row["p2_family"]) if n]
        text = " ".join([row["summary"] or "", *texts_of.get(row["id"], [])])
        case_terms = tuple(map(sys.intern, terms(text, names)))
        linked = bodies_of.get(row["id"], [])
        profiles.append(CaseProfile(
            id=row["id"], reference=row["reference"], terms=case_terms,
            category=row["category"], subcategory=row["subcategory"], subcategory_name=row["subcategory_name"],
            body_ids=frozenset(b["body_id"] for b in linked), body_names=tuple(b["name"] for b in linked),
            body_types=frozenset(b["body_type"] for b in linked), remedy_types=frozenset(remedies_of.get(row["id"], ())),
            when=_day(row["decided_on"]) or _day(row["received_on"]), fault=fault_of.get(row["id"], False),
            text=text if keep_text else "",
        ))
    return profiles
