"""The scan for emerging patterns: the whole caseload of a period, grouped, for a manager to review.

A scan is a ``ScanRun`` row that says how far it has got (the UI's progress bar and ``workbench
scan`` read it), then ``CandidateGroup`` rows. One scan runs at a time: a second is refused while
one started less than an hour ago is still running (an older "running" scan died with its process
and is marked failed). A scan never stays "running": it finishes, or fails with the reason.

What a manager has already decided is remembered. A group whose cases were all in a dismissed
group does not come back; it does when a new case joins (its case set is then no longer a subset).
A group already promoted, or already awaiting review, is not added twice; a "new" group that a
bigger group now contains is superseded by it.

The work is ``systemic.patterns.find_groups`` (pure, CPU-bound) in a worker thread, so the web
app's event loop keeps answering, the progress bar included.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import partial
from typing import Any

import anyio.from_thread
import anyio.to_thread

from investigations.tables import Case
from systemic.issues import create_issue
from systemic.patterns import Group, PatternSettings, find_groups
from systemic.profiles import load_profiles
from systemic.tables import CandidateGroup, ScanRun
from workbench.audit import record_event
from workbench.db import fetch_all, is_sqlite, placeholder, write_transaction
from workbench.tables import User

__all__ = [
    "ABANDONED_AFTER", "GroupNotFound", "Known", "ReviewError", "ScanBusy", "ScanInterrupted", "begin_scan", "carry_out",
    "case_ids_in", "dismiss_group", "last_twelve_months", "promote", "reconcile", "run_scan", "scan_nightly",
]

log = logging.getLogger("systemic.scan")

ABANDONED_AFTER = timedelta(hours=1)  # a "running" scan older than this died with its process
PROGRESS_EVERY = 0.5  # seconds between progress writes
LOAD_CHUNK = 5000  # cases read between progress writes
SCAN_LOCK_KEY = 774_005  # pg advisory lock: two processes never both start a scan
MAX_NOTE = 2000

Progress = Callable[[str, int, int], None]  # (phase, done, total), called on the event loop


class ScanBusy(Exception):
    """Another scan is running; the message says since when."""


class ScanInterrupted(Exception):
    """The app is stopping: the scan gives up at the next block."""


class GroupNotFound(LookupError):
    pass


class ReviewError(ValueError):
    """A promotion or dismissal refused for a reason the user can fix; ``field`` names the form field."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def _now() -> datetime:
    return datetime.now(timezone.utc)


def last_twelve_months(today: date) -> tuple[date, date]:
    """The default period: the twelve months up to and including today."""
    try:
        year_ago = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        year_ago = today.replace(year=today.year - 1, day=28)
    return year_ago + timedelta(days=1), today


# ---------------------------------------------------------------------------------------------
# Running a scan


async def begin_scan(period_start: date, period_end: date, user: User | None = None, now: datetime | None = None) -> int:
    """The ScanRun row (status running), or ScanBusy if a scan is already under way."""
    if period_start > period_end:
        raise ReviewError("The period must start on or before the day it ends", "period_start")
    now = now or _now()
    async with write_transaction():
        if not is_sqlite():  # SQLite's IMMEDIATE transaction already lets one writer in at a time
            await ScanRun.raw("SELECT pg_advisory_xact_lock({})", SCAN_LOCK_KEY)
        running = await ScanRun.select(ScanRun.id, ScanRun.started_at).where(ScanRun.status == "running")
        current = [r for r in running if now - r["started_at"] < ABANDONED_AFTER]
        if current:
            since = current[0]["started_at"].astimezone(timezone.utc)
            raise ScanBusy(f"A scan is already running (started {since:%H:%M} UTC, scan {current[0]['id']}): "
                           "wait for it to finish")
        if running:
            await ScanRun.update({ScanRun.status: "failed", ScanRun.finished_at: now,
                                  ScanRun.detail: "Stopped: it did not finish within an hour (its process ended)"}).where(
                ScanRun.id.is_in([r["id"] for r in running]))
        scan = ScanRun(started_at=now, status="running", period_start=period_start, period_end=period_end,
                       detail="Starting", requested_by=user.id if user else None)
        await scan.save()
        await record_event(user, "systemic.scan_started", "scan", scan.id,
                           summary=f"Pattern scan of cases from {period_start.isoformat()} to {period_end.isoformat()}",
                           changes={"period_start": period_start.isoformat(), "period_end": period_end.isoformat()})
    return scan.id


async def run_scan(period_start: date, period_end: date, user: User | None = None,
                   settings: PatternSettings = PatternSettings(), *, on_progress: Progress | None = None,
                   stop: threading.Event | None = None) -> int:
    """Scan the cases of the period for candidate groups; the ScanRun's id (finished or failed)."""
    scan_id = await begin_scan(period_start, period_end, user)
    await carry_out(scan_id, settings, on_progress=on_progress, stop=stop)
    return scan_id


async def carry_out(scan_id: int, settings: PatternSettings = PatternSettings(), *,
                    on_progress: Progress | None = None, stop: threading.Event | None = None) -> None:
    """Do a begun scan: read the cases, find the groups, save what is new. Never leaves it running."""
    stop = stop or threading.Event()
    try:
        scan = await ScanRun.select(ScanRun.period_start, ScanRun.period_end).where(ScanRun.id == scan_id).first()
        ids = await case_ids_in(scan["period_start"], scan["period_end"])
        profiles = await _read_profiles(scan_id, ids, on_progress, stop)
        reporter = _ThreadProgress(scan_id, "Comparing cases", on_progress, stop)
        await _record(scan_id, "Comparing cases", 0, len(profiles), on_progress)
        groups = await anyio.to_thread.run_sync(partial(find_groups, profiles, settings, progress=reporter))
        await _record(scan_id, "Saving groups", len(profiles), len(profiles), on_progress)
        await _save(scan_id, groups, len(profiles))
    except BaseException as exc:  # noqa: BLE001 - cancelled too: the row must not stay "running"
        await _fail(scan_id, exc)
        raise


def _summary(cases: int, found: int, added: int, skipped: int) -> str:
    text = f"Compared {cases:,} case{'' if cases == 1 else 's'}: {found:,} group{'' if found == 1 else 's'} found, " \
           f"{added:,} new for review"
    if skipped:
        text += f" ({skipped:,} already reviewed or awaiting review)"
    return text + "."


async def _fail(scan_id: int, exc: BaseException) -> None:
    if isinstance(exc, (ScanInterrupted, asyncio.CancelledError)):
        reason = "Interrupted: the workbench stopped before the scan finished"
    else:
        reason = f"Failed: {type(exc).__name__}: {exc}"[:2000]
    log.warning("scan %s: %s", scan_id, reason)
    try:
        async with write_transaction():
            await ScanRun.update({ScanRun.status: "failed", ScanRun.finished_at: _now(), ScanRun.detail: reason}).where(
                ScanRun.id == scan_id)
    except Exception:  # pragma: no cover - the database itself is gone; the hour rule frees the next scan
        log.exception("scan %s: could not record the failure", scan_id)


async def case_ids_in(period_start: date, period_end: date) -> list[int]:
    """Cases of the period: decided in it, or, while undecided, received in it."""
    start, end = (period_start.isoformat(), period_end.isoformat()) if is_sqlite() else (period_start, period_end)
    rows = await fetch_all(
        "SELECT id FROM investigations_case WHERE "
        f"(decided_on IS NOT NULL AND decided_on BETWEEN {placeholder(1)} AND {placeholder(2)}) OR "
        f"(decided_on IS NULL AND received_on BETWEEN {placeholder(3)} AND {placeholder(4)}) ORDER BY id",
        [start, end, start, end],
    )
    return [r["id"] for r in rows]


async def _read_profiles(scan_id: int, ids: list[int], on_progress: Progress | None, stop: threading.Event) -> list:
    await _record(scan_id, "Reading cases", 0, len(ids), on_progress)
    profiles: list = []
    last = time.monotonic()
    for start in range(0, len(ids), LOAD_CHUNK):
        if stop.is_set():
            raise ScanInterrupted()
        profiles += await load_profiles(ids[start:start + LOAD_CHUNK])
        if time.monotonic() - last >= PROGRESS_EVERY:
            await _record(scan_id, "Reading cases", len(profiles), len(ids), on_progress)
            last = time.monotonic()
    return profiles


async def _record(scan_id: int, phase: str, done: int, total: int, on_progress: Progress | None) -> None:
    async with write_transaction():
        await ScanRun.update({ScanRun.detail: phase, ScanRun.done: done, ScanRun.total: total}).where(
            (ScanRun.id == scan_id) & (ScanRun.status == "running"))
    if on_progress:
        on_progress(phase, done, total)


class _ThreadProgress:
    """find_groups' progress callback. It runs in the worker thread: it hands the write back to the
    event loop (at most every PROGRESS_EVERY seconds), and stops the work when the app is stopping."""

    def __init__(self, scan_id: int, phase: str, on_progress: Progress | None, stop: threading.Event) -> None:
        self.scan_id, self.phase, self.on_progress, self.stop = scan_id, phase, on_progress, stop
        self.last = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        if self.stop.is_set():
            raise ScanInterrupted()
        now = time.monotonic()
        if done < total and now - self.last < PROGRESS_EVERY:
            return
        self.last = now
        anyio.from_thread.run(_record, self.scan_id, self.phase, done, total, self.on_progress)


# ---------------------------------------------------------------------------------------------
# Saving: what is new, what a manager already decided


@dataclass(frozen=True)
class Known:
    """A candidate group already saved (new, promoted or dismissed)."""

    id: int
    status: str
    signature: str
    case_ids: frozenset[int]


def reconcile(found: Sequence[Group], known: Sequence[Known]) -> tuple[list[Group], list[int]]:
    """Pure: of the groups found, those to save; and the ids of "new" groups they supersede.

    Skipped: a group whose cases all lie in one dismissed or promoted group (nothing new joined),
    or in one group already awaiting review (it is shown there). A "new" group all of whose
    cases a saved group contains is superseded by it.
    """
    containing: dict[int, list[Known]] = defaultdict(list)
    for group in known:
        for case_id in group.case_ids:
            containing[case_id].append(group)
    signatures = {k.signature for k in known if k.status in ("new", "promoted")}
    keep: list[Group] = []
    superseded: set[int] = set()
    for group in found:
        cases = frozenset(group.case_ids)
        if group.signature in signatures or not cases:
            continue
        some_case = next(iter(cases))
        if any(cases <= k.case_ids for k in containing.get(some_case, ())):
            continue
        keep.append(group)
        touching = {k for c in cases for k in containing.get(c, ()) if k.status == "new"}
        superseded |= {k.id for k in touching if k.case_ids <= cases}
    return keep, sorted(superseded)


def _json_list(value: Any) -> list:
    if isinstance(value, str):
        return json.loads(value or "[]")
    return list(value or [])


async def _known() -> list[Known]:
    rows = await CandidateGroup.select(CandidateGroup.id, CandidateGroup.status, CandidateGroup.signature,
                                       CandidateGroup.case_ids).where(
        CandidateGroup.status.is_in(["new", "promoted", "dismissed"]))
    return [Known(r["id"], r["status"], r["signature"], frozenset(_json_list(r["case_ids"]))) for r in rows]


async def _save(scan_id: int, groups: Sequence[Group], compared: int) -> None:
    """Save the new candidate groups and finish the scan, in one transaction."""
    now = _now()
    async with write_transaction():
        if not is_sqlite():
            await ScanRun.raw("SELECT pg_advisory_xact_lock({})", SCAN_LOCK_KEY)
        keep, superseded = reconcile(groups, await _known())
        if superseded:
            await CandidateGroup.update({CandidateGroup.status: "superseded"}).where(
                CandidateGroup.id.is_in(superseded) & (CandidateGroup.status == "new"))
        rows = [CandidateGroup(kind=g.kind, signature=g.signature, case_ids=list(g.case_ids), body_ids=list(g.body_ids),
                               title=g.title[:200], reasons=list(g.reasons), score=g.score, status="new",
                               found_at=now, scan=scan_id) for g in keep]
        for start in range(0, len(rows), 200):
            await CandidateGroup.insert(*rows[start:start + 200])
        await ScanRun.update({
            ScanRun.status: "finished", ScanRun.finished_at: now, ScanRun.groups_found: len(groups),
            ScanRun.done: compared, ScanRun.total: compared,
            ScanRun.detail: _summary(compared, len(groups), len(keep), len(groups) - len(keep)),
        }).where(ScanRun.id == scan_id)


# ---------------------------------------------------------------------------------------------
# Review by a manager


async def _claim(group_id: int, status: str, user: User, note: str) -> dict[str, Any]:
    """Move a "new" group to ``status`` (inside the caller's transaction); refused if already reviewed."""
    group = await CandidateGroup.select().where(CandidateGroup.id == group_id).first()
    if group is None:
        raise GroupNotFound(group_id)
    claimed = await CandidateGroup.update({
        CandidateGroup.status: status, CandidateGroup.reviewed_at: _now(), CandidateGroup.reviewed_by: user.id,
        CandidateGroup.review_note: note,
    }).where((CandidateGroup.id == group_id) & (CandidateGroup.status == "new")).returning(CandidateGroup.id)
    if not claimed:
        raise ReviewError(f"This group has already been reviewed ({group['status']})", "group")
    return group


def _note(note: str) -> str:
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise ReviewError(f"The note must be {MAX_NOTE:,} characters or fewer", "note")
    return note


async def promote(group_id: int, title: str, description: str, user: User) -> int:
    """Make a systemic issue of a candidate group, its cases bundled in; the issue's id.

    One transaction: the group is marked promoted, the issue made with every case linked (each
    case's timeline says so), and the review audited; or nothing at all.
    """
    async with write_transaction():
        group = await _claim(group_id, "promoted", user, "")
        case_ids = _json_list(group["case_ids"])
        cases = await Case.select(Case.id, Case.reference).where(Case.id.is_in(case_ids)) if case_ids else []
        try:
            issue_id = await create_issue(title, description, user, cases=cases,
                                          note=f"Found by the pattern scan (candidate group {group_id})")
        except ValueError as refused:  # IssueError: the title
            raise ReviewError(getattr(refused, "message", str(refused)), getattr(refused, "field", "title")) from None
        await CandidateGroup.update({CandidateGroup.issue: issue_id}).where(CandidateGroup.id == group_id)
        await record_event(user, "systemic.group_promoted", "candidate_group", group_id,
                           summary=f"Candidate group promoted to systemic issue {issue_id}",
                           changes={"issue": issue_id, "cases": len(cases), "kind": group["kind"]})
    return issue_id


async def dismiss_group(group_id: int, note: str, user: User) -> None:
    """Not a pattern: the group leaves the review list and does not come back unless new cases join."""
    note = _note(note)
    if not note:
        raise ReviewError("Say why this is not a pattern", "note")
    async with write_transaction():
        group = await _claim(group_id, "dismissed", user, note)
        await record_event(user, "systemic.group_dismissed", "candidate_group", group_id,
                           summary=f"Candidate group dismissed: {group['title']}", changes={"note": note})


# ---------------------------------------------------------------------------------------------
# The nightly job


async def scan_nightly(today: date | None = None) -> int | None:
    """The scheduled scan of the last twelve months; skipped (None) while another scan runs."""
    start, end = last_twelve_months(today or date.today())
    try:
        scan_id = await run_scan(start, end)
    except ScanBusy as busy:
        log.info("nightly scan skipped: %s", busy)
        return None
    log.info("nightly scan %s finished", scan_id)
    return scan_id

