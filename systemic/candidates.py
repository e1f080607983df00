"""What the review page and the command line read about scans and candidate groups.

Need-to-know holds here too: a restricted case the viewer may not open is counted in its group
but never named (its reference alone would say it exists).

Groups awaiting review are shown strongest first (``systemic.strength``): the cases with fault found,
their share of the group, how alike the cases are and how many bodies the fault was found at, so
the real patterns come before groups of complaints that are merely worded alike.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from investigations.access import Viewer, may_view_case
from investigations.tables import Body, Case
from systemic.strength import Strength, group_strength, strongest_first
from systemic.tables import CandidateGroup, ScanRun
from workbench.db import fetch_all, placeholder

__all__ = ["KIND_LABELS", "Candidate", "CandidatePage", "ScanView", "candidate_page", "groups_of_scan",
           "latest_scan", "scan_view"]

KIND_LABELS = {"across_bodies": "Across bodies", "repeat_at_body": "Repeat at one body"}


@dataclass(frozen=True)
class Candidate:
    id: int
    kind: str
    title: str
    score: int
    reasons: list[str]
    references: list[str]  # the cases this viewer may open, in reference order
    hidden: int  # restricted cases this viewer may not open
    bodies: list[str]
    found_at: datetime | None
    status: str = "new"
    strength: Strength = Strength(0, ())

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def size(self) -> int:
        return len(self.references) + self.hidden


@dataclass(frozen=True)
class CandidatePage:
    candidates: list[Candidate]
    total: int
    page: int
    pages: int


@dataclass(frozen=True)
class ScanView:
    id: int
    status: str  # running, finished, failed
    detail: str
    done: int
    total: int
    groups_found: int
    period_start: date
    period_end: date
    started_at: datetime
    finished_at: datetime | None
    requested_by: str
    new_groups: int = 0

    @property
    def percent(self) -> int:
        if self.status == "finished":
            return 100
        return int(100 * self.done / self.total) if self.total else 0


def _ids(value: Any) -> list[int]:
    return json.loads(value or "[]") if isinstance(value, str) else list(value or [])


async def _fault_bodies(case_ids: set[int]) -> dict[int, set[int]]:
    """Case id -> the bodies its findings of fault are about (cases without fault left out)."""
    ids = sorted(case_ids)
    out: dict[int, set[int]] = defaultdict(set)
    for start in range(0, len(ids), 500):  # short IN lists on both engines
        batch = ids[start:start + 500]
        marks = ", ".join(placeholder(i) for i in range(1, len(batch) + 1))
        for row in await fetch_all(f'SELECT "case" AS case_id, body FROM investigations_finding '
                                   f'WHERE fault AND "case" IN ({marks})', batch):
            out[row["case_id"]].add(row["body"])
    return out


async def _strengths(rows: list[dict[str, Any]]) -> dict[int, Strength]:
    """Each group's strength (by group id), from its cases' findings of fault as they stand now."""
    faulted = await _fault_bodies({i for r in rows for i in _ids(r["case_ids"])})
    out = {}
    for row in rows:
        cases = _ids(row["case_ids"])
        with_fault = [faulted[c] for c in cases if c in faulted]
        bodies = set(_ids(row["body_ids"])) & set().union(*with_fault) if with_fault else set()
        out[row["id"]] = group_strength(len(cases), len(with_fault), len(bodies), row["score"])
    return out


async def _describe(rows: list[dict[str, Any]], viewer: Viewer) -> list[Candidate]:
    case_ids = {i for r in rows for i in _ids(r["case_ids"])}
    body_ids = {i for r in rows for i in _ids(r["body_ids"])}
    cases = {c["id"]: c for c in await Case.select(
        Case.id, Case.reference, Case.restricted, Case.investigator, Case.investigator.manager.as_alias("manager"),
    ).where(Case.id.is_in(list(case_ids)))} if case_ids else {}
    bodies = {b["id"]: b["name"] for b in await Body.select(Body.id, Body.name).where(
        Body.id.is_in(list(body_ids)))} if body_ids else {}
    strengths = await _strengths(rows)
    out = []
    for row in rows:
        seen = [cases[i] for i in _ids(row["case_ids"]) if i in cases]
        visible = sorted(c["reference"] for c in seen
                         if may_view_case(viewer, c["restricted"], c["investigator"], c["manager"]))
        out.append(Candidate(
            id=row["id"], kind=row["kind"], title=row["title"], score=row["score"],
            reasons=[str(r) for r in _ids(row["reasons"])], references=visible, hidden=len(seen) - len(visible),
            bodies=sorted(bodies[b] for b in _ids(row["body_ids"]) if b in bodies), found_at=row["found_at"],
            status=row["status"], strength=strengths[row["id"]],
        ))
    return out


_COLUMNS = (CandidateGroup.id, CandidateGroup.kind, CandidateGroup.title, CandidateGroup.score, CandidateGroup.reasons,
            CandidateGroup.case_ids, CandidateGroup.body_ids, CandidateGroup.found_at, CandidateGroup.status)


async def candidate_page(viewer: Viewer, page: int = 1, size: int = 25) -> CandidatePage:
    """The groups awaiting review, strongest first (then the most alike, then the most recently found).

    Strength needs every waiting group's findings, so all of them are ranked (a few hundred at
    most: reviewed groups leave the list) and only the page's are described."""
    ranking = await CandidateGroup.select(CandidateGroup.id, CandidateGroup.score, CandidateGroup.case_ids,
                                          CandidateGroup.body_ids, CandidateGroup.found_at).where(
        CandidateGroup.status == "new")
    strengths = await _strengths(ranking)
    ordered = strongest_first(ranking, lambda r: strengths[r["id"]],
                              lambda r: (-r["score"], -(r["found_at"].timestamp() if r["found_at"] else 0), r["id"]))
    total = len(ordered)
    pages = max(1, -(-total // size))
    page = min(max(1, page), pages)
    wanted = [r["id"] for r in ordered[(page - 1) * size:page * size]]
    rows = await CandidateGroup.select(*_COLUMNS).where(CandidateGroup.id.is_in(wanted)) if wanted else []
    position = {group_id: n for n, group_id in enumerate(wanted)}
    described = sorted(await _describe(rows, viewer), key=lambda c: position[c.id])
    return CandidatePage(described, total, page, pages)


async def groups_of_scan(scan_id: int, viewer: Viewer) -> list[Candidate]:
    """The candidate groups a scan added, strongest first, as on the review page (the command line prints them)."""
    rows = await CandidateGroup.select(*_COLUMNS).where(CandidateGroup.scan == scan_id).order_by(CandidateGroup.id)
    found = await _describe(rows, viewer)
    return strongest_first(found, lambda c: c.strength, lambda c: (-c.score, c.id))


async def scan_view(scan_id: int) -> ScanView | None:
    row = await ScanRun.select(ScanRun.all_columns(), ScanRun.requested_by.full_name.as_alias("requested_by_name")).where(
        ScanRun.id == scan_id).first()
    if row is None:
        return None
    new = await CandidateGroup.count().where((CandidateGroup.scan == scan_id) & (CandidateGroup.status == "new"))
    return ScanView(
        id=row["id"], status=row["status"], detail=row["detail"], done=row["done"], total=row["total"],
        groups_found=row["groups_found"], period_start=row["period_start"], period_end=row["period_end"],
        started_at=row["started_at"], finished_at=row["finished_at"],
        requested_by=row["requested_by_name"] or "the nightly schedule", new_groups=new,
    )


async def latest_scan() -> ScanView | None:
    row = await ScanRun.select(ScanRun.id).order_by(ScanRun.id, ascending=False).first()
    return await scan_view(row["id"]) if row else None
