"""The daily chase scan: each due rung of the ladder fires exactly once, with its letter and email.

Exactly once is the database's job, not the scheduler's: a firing is a row unique on
(recommendation, rung, key_on), inserted with ``INSERT ... ON CONFLICT DO NOTHING RETURNING id``.
Only the rows a scan actually inserted get their history, timeline and audit events (in the same
transaction) and, after commit, their letter and email. So a repeated scan, two scans racing (two
web workers, the job and ``workbench chase`` by hand) or a scan after downtime sends nothing twice,
and a scan after downtime fires each missed rung once, in date order.

Email is sent after the commit, at most once: if the process dies between the commit and the send,
the firing stands without a delivery record (visible as such) rather than risk a second letter.

``remedies.ladder.rungs_due`` decides what is due (pure); this module loads, inserts and sends.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from piccolo.engine.postgres import PostgresEngine

from investigations.contacts import CONTACT_ROLES, choose_contact, contacts_by_body
from investigations.tables import Case, CaseEvent
from investigations.timeline import event_row
from remedies import letters
from remedies.calendar import office_calendar
from remedies.ladder import DEFAULT_LADDER, RecipientRole, Rung, RungFiring, rungs_due, validate_ladder
from remedies.recommendations import escalate_many, history_row, status_of
from remedies.tables import ChaseFiring, EmailDelivery, Recommendation, RecommendationEvent
from workbench import mail
from workbench.audit import Entry, record_events
from workbench.db import bulk_insert, engine, write_transaction
from workbench.roles import Role
from workbench.settings import Settings, get_settings
from workbench.tables import User
from workbench.workdays import WorkingDayCalendar, format_date_long

__all__ = ["ChaseReport", "Fired", "chase", "configured_ladder", "run_daily_chase", "today_in_office"]

log = logging.getLogger("remedies.chasing")

LOAD_BATCH = 5000  # recommendations read per query
WRITE_BATCH = 200  # firings per write transaction: short enough not to hold up the web app's writes
SEND_BATCH = 50  # emails per SMTP connection
RECORD_BATCH = 1000  # firings per delivery-record batch when there is no mail server
CHASE_LOCK_KEY = 774_004  # pg advisory lock: concurrent scans take turns per write batch
OFFICE_TIMEZONE = ZoneInfo("Europe/London")

LOAD_COLUMNS = (
    Recommendation.id, Recommendation.case, Recommendation.body, Recommendation.original_due_on,
    Recommendation.due_on, Recommendation.decided_on, Recommendation.outcome, Recommendation.outcome_on,
    Recommendation.escalated_on, Recommendation.case.reference.as_alias("case_reference"),
    Recommendation.body.name.as_alias("body_name"),
)


@dataclass(frozen=True)
class Fired:
    """One rung that fired in this scan (or would, in a dry run)."""

    recommendation_id: int
    case_id: int
    case_reference: str
    body_id: int
    body_name: str
    rung: Rung
    fire_on: date
    due_on: date
    key_on: date
    firing_id: int | None = None


@dataclass
class ChaseReport:
    as_of: date
    dry_run: bool
    considered: int = 0  # outstanding recommendations looked at
    fired: list[Fired] = field(default_factory=list)  # inserted by this scan (would be, in a dry run)
    already_fired: int = 0  # due, but another scan inserted it first
    deliveries: Counter = field(default_factory=Counter)  # status -> count
    seconds: float = 0.0

    def summary(self) -> str:
        verb = "would fire" if self.dry_run else "fired"
        parts = [f"{len(self.fired)} {verb} ({', '.join(f'{n} {k}' for k, n in sorted(self.by_rung().items())) or 'none'})",
                 f"{self.considered} outstanding recommendations checked"]
        if self.already_fired:
            parts.append(f"{self.already_fired} already fired by another scan")
        if self.deliveries:
            parts.append("emails: " + ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in sorted(self.deliveries.items())))
        return f"Chase scan as of {self.as_of.isoformat()}: " + "; ".join(parts) + f"; {self.seconds:.2f} s"

    def by_rung(self) -> Counter:
        return Counter(f.rung.key for f in self.fired)


def configured_ladder(settings: Settings | None = None) -> tuple[Rung, ...]:
    """The ladder in force: WORKBENCH_CHASE_LADDER's file (checked at start-up), else the default."""
    settings = settings or get_settings()
    return tuple(settings.chase_ladder) if settings.chase_ladder else DEFAULT_LADDER


def today_in_office() -> date:
    return datetime.now(OFFICE_TIMEZONE).date()


# ---------------------------------------------------------------------------------------------
# Loading


async def _fired_keys() -> dict[int, set[tuple[str, date]]]:
    """Every firing of every outstanding recommendation, in one query, by recommendation."""
    rows = await ChaseFiring.select(ChaseFiring.recommendation, ChaseFiring.rung, ChaseFiring.key_on).where(
        ChaseFiring.recommendation.outcome == ""
    )
    keys: dict[int, set[tuple[str, date]]] = defaultdict(set)
    for row in rows:
        keys[row["recommendation"]].add((row["rung"], row["key_on"]))
    return keys


async def _outstanding() -> AsyncIterator[list[dict[str, Any]]]:
    """Outstanding recommendations in id order, a batch at a time (keyset pagination)."""
    last = 0
    while True:
        rows = await Recommendation.select(*LOAD_COLUMNS).where(
            (Recommendation.outcome == "") & (Recommendation.id > last)
        ).order_by(Recommendation.id).limit(LOAD_BATCH)
        if not rows:
            return
        yield rows
        last = rows[-1]["id"]


class _RememberingCalendar:
    """The office calendar, its answers remembered for one scan.

    30,000 recommendations share a few hundred due and decision dates, so each rung's date is
    worked out once per date instead of once per recommendation (most of a scan's time otherwise).
    """

    def __init__(self, calendar: WorkingDayCalendar) -> None:
        self._calendar = calendar
        self.add_working_days = cache(calendar.add_working_days)
        self.add_months = cache(calendar.add_months)
        self.roll_forward = cache(calendar.roll_forward)
        self.working_days_between = cache(calendar.working_days_between)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._calendar, name)


async def due_firings(as_of: date, ladder: Sequence[Rung], calendar: WorkingDayCalendar,
                      report: ChaseReport) -> list[Fired]:
    """What the ladder says is due and not yet fired, oldest first (a catch-up fires in date order)."""
    fired = await _fired_keys()  # read before the recommendations: anything newer is caught by the unique key
    remembering: Any = _RememberingCalendar(calendar)
    order = {rung.key: index for index, rung in enumerate(ladder)}
    due: list[Fired] = []
    async for rows in _outstanding():
        report.considered += len(rows)
        for row in rows:
            status = status_of(row, as_of, remembering)
            found: list[RungFiring] = rungs_due(ladder, row["due_on"], row["decided_on"], status, as_of,
                                                fired.get(row["id"], ()), remembering)
            due.extend(
                Fired(recommendation_id=row["id"], case_id=row["case"], case_reference=row["case_reference"],
                      body_id=row["body"], body_name=row["body_name"], rung=f.rung, fire_on=f.fire_on,
                      due_on=f.due_on, key_on=f.key[1])
                for f in found
            )
    due.sort(key=lambda f: (f.fire_on, f.recommendation_id, order[f.rung.key]))
    return due


# ---------------------------------------------------------------------------------------------
# Writing: insert what is due; only the rows inserted get their events


def _history_text(item: Fired) -> tuple[str, str]:
    role = item.rung.recipient
    to = "our casework manager" if role == RecipientRole.CASEWORK_MANAGER else \
        f"the body's {CONTACT_ROLES.get(role.value, role.value).lower()}"
    title = f"Chase ladder: {item.rung.label}"
    detail = f"Letter to {to}. Due date {format_date_long(item.due_on)}; step due {format_date_long(item.fire_on)}."
    return title, detail


async def _insert(batch: list[Fired], as_of: date, now: datetime) -> dict[tuple[int, str], int]:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING: the ids of the rows this scan inserted."""
    rows = [
        ChaseFiring(recommendation=f.recommendation_id, rung=f.rung.key, key_on=f.key_on, fire_on=f.fire_on,
                    due_on=f.due_on, recipient_role=f.rung.recipient.value, fired_at=now, scan_as_of=as_of)
        for f in batch
    ]
    inserted = await ChaseFiring.insert(*rows).on_conflict(
        target=(ChaseFiring.recommendation, ChaseFiring.rung, ChaseFiring.key_on), action="DO NOTHING",
    ).returning(ChaseFiring.id, ChaseFiring.recommendation, ChaseFiring.rung)
    return {(r["recommendation"], r["rung"]): r["id"] for r in inserted}


async def _lock_for_batch(batch: list[Fired]) -> None:
    """PostgreSQL: concurrent scans take turns, and rows to escalate are locked before the audit lock.

    (SQLite's BEGIN IMMEDIATE already serialises writers.) Locking the recommendations that will
    be escalated first keeps the lock order row-then-audit, the same as every web request's.
    """
    if not isinstance(engine(), PostgresEngine):
        return
    await ChaseFiring.raw("SELECT pg_advisory_xact_lock({})", CHASE_LOCK_KEY)
    escalating = sorted({f.recommendation_id for f in batch if f.rung.recipient == RecipientRole.CHIEF_EXECUTIVE})
    if escalating:
        await Recommendation.raw(
            "SELECT id FROM remedies_recommendation WHERE id = ANY({}) ORDER BY id FOR UPDATE", escalating
        )


async def _fire(batch: list[Fired], as_of: date) -> list[Fired]:
    """One write transaction for a batch; returns the firings this scan inserted (with their ids).

    Only inserted rows get a history line, a timeline event and an audit event (each record its
    own, written in bulk), and the escalation rung escalates through the service.
    """
    now = datetime.now(timezone.utc)
    async with write_transaction():
        await _lock_for_batch(batch)
        ids = await _insert(batch, as_of, now)
        new = [replace(item, firing_id=ids[(item.recommendation_id, item.rung.key)])
               for item in batch if (item.recommendation_id, item.rung.key) in ids]
        if not new:
            return []
        texts = [_history_text(item) for item in new]
        await bulk_insert(RecommendationEvent, [history_row(item.recommendation_id, None, "chased", title, detail, at=now)
                                                for item, (title, detail) in zip(new, texts)])
        await bulk_insert(CaseEvent, [event_row(item.case_id, None, "recommendation", title, detail, at=now)
                                      for item, (title, detail) in zip(new, texts)])
        for rung in {item.rung for item in new if item.rung.recipient == RecipientRole.CHIEF_EXECUTIVE}:
            await escalate_many([item.recommendation_id for item in new if item.rung == rung],
                                f"By the chase ladder: {rung.label}", None, today=as_of)
        await record_events(None, [
            Entry("recommendation.chase_fired", "recommendation", item.recommendation_id,
                  summary=f"{item.rung.label} on {item.case_reference} ({item.body_name})",
                  changes={"firing_id": item.firing_id, "rung": item.rung.key, "key_on": item.key_on.isoformat(),
                           "fire_on": item.fire_on.isoformat(), "scan_as_of": as_of.isoformat()})
            for item in new
        ])
    return new


# ---------------------------------------------------------------------------------------------
# Sending: after commit, only for the rows this scan inserted


@dataclass(frozen=True)
class _Outgoing:
    firing_id: int
    to_name: str
    to_address: str
    email: mail.Email | None  # None: nothing to send (no contact); see status/detail
    status: str = ""
    detail: str = ""


async def _casework_managers(case_ids: set[int]) -> tuple[dict[int, dict[str, Any]], list[dict[str, Any]]]:
    """Each case's investigator's manager (if active with an email), and every active manager as a fallback."""
    own: dict[int, dict[str, Any]] = {}
    ids = sorted(case_ids)
    for start in range(0, len(ids), 1000):
        rows = await Case.select(
            Case.id, Case.investigator.manager.full_name.as_alias("name"),
            Case.investigator.manager.email.as_alias("email"), Case.investigator.manager.active.as_alias("active"),
        ).where(Case.id.is_in(ids[start:start + 1000]))
        own.update({r["id"]: r for r in rows if r["email"] and r["active"]})
    everyone = await User.select(User.full_name.as_alias("name"), User.email).where(
        (User.role == Role.MANAGER.value) & (User.active == True) & (User.email != "")  # noqa: E712
    ).order_by(User.id)
    return own, everyone


async def _details(new: list[Fired]) -> dict[int, dict[str, Any]]:
    """The letter's columns (description, evidence expected...) for the recommendations that fired."""
    ids = sorted({f.recommendation_id for f in new})
    out: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), 1000):
        rows = await Recommendation.select(*letters.RECOMMENDATION_COLUMNS).where(
            Recommendation.id.is_in(ids[start:start + 1000]))
        out.update({r["id"]: r for r in rows})
    return out


async def _outgoing(new: list[Fired], as_of: date, ladder: Sequence[Rung], calendar: WorkingDayCalendar,
                    build: bool) -> list[_Outgoing]:
    """For each new firing: its letter, and who it goes to (or why it cannot go)."""
    details = await _details(new)
    contacts = await contacts_by_body({f.body_id for f in new})
    internal = [f for f in new if f.rung.recipient == RecipientRole.CASEWORK_MANAGER]
    own_managers, all_managers = await _casework_managers({f.case_id for f in internal}) if internal else ({}, [])
    out: list[_Outgoing] = []
    for item in new:
        recommendation = details[item.recommendation_id]
        firing = {"id": item.firing_id, "rung": item.rung.key, "recipient_role": item.rung.recipient.value,
                  "scan_as_of": as_of, "fire_on": item.fire_on, "due_on": item.due_on}
        if item.rung.recipient == RecipientRole.CASEWORK_MANAGER:
            recipient = letters.internal_recipient()
            manager = own_managers.get(item.case_id)
            targets = [(manager["name"], manager["email"])] if manager else [(m["name"], m["email"]) for m in all_managers]
            missing = "No active casework manager has an email address"
        else:
            contact = choose_contact(contacts.get(item.body_id, []), item.rung.recipient.value)
            recipient = letters.recipient_from_contact(contact, item.body_name)
            targets = [(recipient.name, recipient.email)] if recipient.email else []
            missing = (f"{recipient.name} at {item.body_name} has no email address" if contact is not None
                       else f"{item.body_name} has no active contact to write to")
        if not targets:
            out.append(_Outgoing(item.firing_id, recipient.name, "", None, "no_contact", missing))
            continue
        if not build:  # no mail server: record who it would have gone to, without building the letter
            out.extend(_Outgoing(item.firing_id, name, address, None, "not_configured",
                                 "No mail server is configured (WORKBENCH_SMTP_URL); print and post the letter")
                       for name, address in targets)
            continue
        facts = letters.letter_facts(firing, recommendation, recipient, ladder, calendar)
        content = letters.build_letter(facts)
        out.extend(_Outgoing(item.firing_id, name, address, letters.letter_email(facts, name, address, content))
                   for name, address in targets)
    return out


async def _send_and_record(new: list[Fired], as_of: date, ladder: Sequence[Rung], calendar: WorkingDayCalendar,
                           settings: Settings, report: ChaseReport) -> None:
    size = SEND_BATCH if settings.smtp is not None else RECORD_BATCH
    for start in range(0, len(new), size):
        outgoing = await _outgoing(new[start:start + size], as_of, ladder, calendar, settings.smtp is not None)
        to_send = [o for o in outgoing if o.email is not None]
        results = iter(await mail.send([o.email for o in to_send], config=settings.smtp, sender=settings.mail_from)
                       if to_send else [])
        now = datetime.now(timezone.utc)
        rows = []
        for item in outgoing:
            status, detail = (item.status, item.detail)
            if item.email is not None:
                result = next(results)
                status, detail = result.status, result.detail
            report.deliveries[status] += 1
            rows.append({"firing": item.firing_id, "to_name": item.to_name[:200], "to_address": item.to_address[:254],
                         "status": status, "detail": detail, "at": now})
        await bulk_insert(EmailDelivery, rows)


# ---------------------------------------------------------------------------------------------
# The scan


async def chase(as_of: date, *, dry_run: bool = False, ladder: Sequence[Rung] | None = None,
                settings: Settings | None = None) -> ChaseReport:
    """Fire every rung due on or before ``as_of`` that has not fired; send its letter once.

    ``dry_run`` writes and sends nothing and reports what would fire. ``ladder`` defaults to the
    configured one; ``settings`` (for the mail server) to the process's settings.
    """
    started = time.perf_counter()
    settings = settings or get_settings()
    ladder = tuple(ladder) if ladder is not None else configured_ladder(settings)
    validate_ladder(ladder)
    calendar = await office_calendar()
    report = ChaseReport(as_of=as_of, dry_run=dry_run)
    due = await due_firings(as_of, ladder, calendar, report)
    if dry_run:
        report.fired = due
    else:
        for start in range(0, len(due), WRITE_BATCH):
            batch = due[start:start + WRITE_BATCH]
            new = await _fire(batch, as_of)
            report.fired.extend(new)
            report.already_fired += len(batch) - len(new)
        await _send_and_record(report.fired, as_of, ladder, calendar, settings, report)
    report.seconds = time.perf_counter() - started
    log.info(report.summary())
    return report


async def run_daily_chase() -> None:
    """The scheduled job: today's scan in the office's time zone; failures are logged, not raised."""
    try:
        await chase(today_in_office())
    except Exception:  # a failed scan must not stop the scheduler; tomorrow's catches up
        log.exception("chase scan failed")
