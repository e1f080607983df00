"""Recomputing open due dates when the working-day calendar changes.

Every due date is stored with its rule (anchor, period, unit), so when a holiday is announced (an
administrator adds one, or an upgrade of the ``holidays`` package brings one) each outstanding
recommendation's date is worked out again from its rule, and any move is recorded on the
recommendation's history and in the audit log.

``decide_changes`` is pure: rows and calendars in, changes out. ``recompute_due_dates`` loads the
outstanding rows, writes the changes in one transaction and records them. Rules are few (the
anchors are decision dates, the periods a handful), so each distinct rule is computed once however
many recommendations share it.

An extended recommendation keeps its agreed ``due_on`` (an explicit date, not a rule); only its
``original_due_on``, which decides "late", moves — unless the rule's date overtakes the extension,
when the later date is the one in force.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from contextlib import nullcontext
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from typing import Any, Collection, Iterable, Mapping

from remedies.calendar import office_calendar
from remedies.recommendations import due_rule_of, history_row
from remedies.tables import Extension, Recommendation, RecommendationEvent
from workbench.audit import record_event
from workbench.db import bulk_insert, bulk_update, is_sqlite, write_transaction
from workbench.tables import User
from workbench.workdays import DueRule, WorkingDayCalendar, default_calendar, format_date_long, format_date_short

__all__ = [
    "DueDateChange",
    "HolidayChange",
    "RecomputeReport",
    "decide_changes",
    "recompute_due_dates",
    "recompute_nightly",
]

log = logging.getLogger("remedies.recompute")

#: The audit event lists at most this many moved recommendations; each one's history has the rest.
AUDIT_LIST_LIMIT = 500


@dataclass(frozen=True)
class HolidayChange:
    """A non-working day that is new in the calendar (``added``) or no longer in it."""

    on: date
    name: str
    added: bool

    def describe(self) -> str:
        what = "new holiday" if self.added else "holiday removed"
        return f"{what}: {self.name} ({format_date_short(self.on)})"


@dataclass(frozen=True)
class DueDateChange:
    """One recommendation whose rule gives a different date under the new calendar."""

    recommendation_id: int
    case_id: int
    old_original_due_on: date
    new_original_due_on: date
    old_due_on: date
    new_due_on: date
    old_explanation: str
    rule_explanation: str  # how the new original due date follows from the rule
    extended: bool
    causes: tuple[HolidayChange, ...]

    @property
    def due_explanation(self) -> str:
        """What to store: the rule's explanation when it gives the date in force, else the extension's."""
        return self.rule_explanation if self.new_due_on == self.new_original_due_on else self.old_explanation

    @property
    def cause(self) -> str:
        if not self.causes:
            return "The bank holiday calendar changed"
        return "Because of a " + "; a ".join(c.describe() for c in self.causes)

    def history(self) -> tuple[str, str]:
        """Title and detail of the line on the recommendation's history."""
        old, new = format_date_long(self.old_original_due_on), format_date_long(self.new_original_due_on)
        if not self.extended:
            return f"Due date moved from {old} to {new}", f"{self.cause}. {self.rule_explanation}"
        title = f"Original due date moved from {old} to {new}"
        if self.new_due_on == self.old_due_on:
            kept = f"The extended due date, {format_date_long(self.new_due_on)}, stands."
        else:
            kept = (f"The extended due date, {format_date_long(self.old_due_on)}, is now earlier than the rule's date, "
                    f"so the due date is {format_date_long(self.new_due_on)}.")
        return title, f"{self.cause}. {self.rule_explanation} {kept}"


@dataclass(frozen=True)
class RecomputeReport:
    as_of: date
    checked: int  # outstanding recommendations looked at
    rules: int  # distinct due rules computed
    changes: tuple[DueDateChange, ...]
    dry_run: bool = False

    @property
    def moved(self) -> int:
        return len(self.changes)

    @property
    def extended_kept(self) -> int:
        """Extended recommendations whose agreed due date stayed while the original moved."""
        return sum(1 for c in self.changes if c.extended and c.new_due_on == c.old_due_on)

    @property
    def causes(self) -> list[HolidayChange]:
        return sorted({cause for c in self.changes for cause in c.causes}, key=lambda c: (c.on, c.added))

    def summary(self) -> str:
        would = "would move" if self.dry_run else "moved"
        if not self.moved:
            return f"No open due date {would} ({_count(self.checked, 'open recommendation')} checked)."
        text = f"{_count(self.moved, 'open due date')} {would} ({_count(self.checked, 'open recommendation')} checked)"
        if self.extended_kept:
            text += f"; {self.extended_kept} extended kept their agreed due date"
        if self.causes:
            text += ". " + "; ".join(c.describe() for c in self.causes)
        return text + "."


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


# ---------------------------------------------------------------------------------------------
# Deciding (pure)


def decide_changes(
    rows: Iterable[Mapping[str, Any]],
    calendar: WorkingDayCalendar,
    extended: Collection[int] = (),
    previous: WorkingDayCalendar | None = None,
) -> list[DueDateChange]:
    """The due dates that move under ``calendar``; closed recommendations are never touched.

    ``rows`` are recommendation rows (id, case, outcome, anchor_on, period, unit, original_due_on,
    due_on, due_explanation); ``extended`` the ids that have an extension. ``previous``, when
    known, is the calendar the dates were computed with, so the holidays that caused a move are
    exact; without it (after a package upgrade) the cause is found by taking each holiday near
    the date out again.
    """
    groups: dict[tuple, list[Mapping[str, Any]]] = defaultdict(list)
    for row in rows:
        if not row["outcome"]:
            groups[(row["anchor_on"], row["period"], row["unit"])].append(row)
    finder = _CauseFinder(calendar, previous)
    changes: list[DueDateChange] = []
    for group in groups.values():
        rule = due_rule_of(group[0])
        explanation = rule.compute(calendar)
        new = explanation.result
        for row in group:
            old = row["original_due_on"]
            if new == old:
                continue
            was_extended = row["id"] in extended
            due_on = max(row["due_on"], new) if was_extended else new
            changes.append(DueDateChange(
                recommendation_id=row["id"], case_id=row["case"], old_original_due_on=old, new_original_due_on=new,
                old_due_on=row["due_on"], new_due_on=due_on, old_explanation=row.get("due_explanation") or "",
                rule_explanation=explanation.explain(), extended=was_extended, causes=finder.causes(rule, old, new),
            ))
    changes.sort(key=lambda c: c.recommendation_id)
    return changes


class _CauseFinder:
    """Which calendar changes moved a rule's date from ``old`` to ``new``; memoised per rule."""

    def __init__(self, calendar: WorkingDayCalendar, previous: WorkingDayCalendar | None) -> None:
        self.calendar = calendar
        self.previous = previous
        self._found: dict[tuple, tuple[HolidayChange, ...]] = {}
        self._without: dict[date, WorkingDayCalendar] = {}

    def causes(self, rule: DueRule, old: date, new: date) -> tuple[HolidayChange, ...]:
        key = (rule, old)
        if key not in self._found:
            found = self._diff(rule, old, new) if self.previous is not None else self._search(rule, old, new)
            self._found[key] = found
        return self._found[key]

    def _window(self, rule: DueRule, old: date, new: date) -> tuple[date, date]:
        """Where a holiday can move the date: any day counted for working days; for calendar days
        and months, only the days between the plain date and the working day it rolls to."""
        if rule.unit == "working_days":
            return rule.anchor + timedelta(days=1), max(old, new)
        return replace(rule, roll_forward=False).compute(self.calendar).result, max(old, new)

    def _diff(self, rule: DueRule, old: date, new: date) -> tuple[HolidayChange, ...]:
        start, end = self._window(rule, old, new)
        now = {d: n for d, n in self.calendar.holidays_between(start, end) if d.weekday() < 5}
        before = {d: n for d, n in self.previous.holidays_between(start, end) if d.weekday() < 5}
        added = [HolidayChange(d, now[d], True) for d in now.keys() - before.keys()]
        removed = [HolidayChange(d, before[d], False) for d in before.keys() - now.keys()]
        return tuple(sorted(added + removed, key=lambda c: c.on))

    def _search(self, rule: DueRule, old: date, new: date) -> tuple[HolidayChange, ...]:
        """A holiday whose absence gives back the old date is the new one that moved it."""
        start, end = self._window(rule, old, new)
        for day, name in self.calendar.holidays_between(start, end):
            if day.weekday() < 5 and rule.compute(self._calendar_without(day)).result == old:
                return (HolidayChange(day, name, True),)
        return ()

    def _calendar_without(self, day: date) -> WorkingDayCalendar:
        if day not in self._without:
            extras = {d: n for d, n in self.calendar.extra_holidays.items() if d != day}
            removed = set(self.calendar.removed)
            if default_calendar().holiday_name(day) is not None:
                removed.add(day)
            self._without[day] = WorkingDayCalendar(extra_holidays=extras, removed=removed)
        return self._without[day]


# ---------------------------------------------------------------------------------------------
# Loading, writing, recording


async def _outstanding_rows(lock: bool) -> list[dict[str, Any]]:
    query = Recommendation.select(
        Recommendation.id, Recommendation.case, Recommendation.outcome, Recommendation.anchor_on,
        Recommendation.period, Recommendation.unit, Recommendation.original_due_on, Recommendation.due_on,
        Recommendation.due_explanation, Recommendation.version,
    ).where(Recommendation.outcome == "")
    if lock and not is_sqlite():  # SQLite's IMMEDIATE transaction already excludes other writers
        query = query.lock_rows()  # an extension saved meanwhile waits, then sees the new date
    return await query


async def _extended_ids() -> set[int]:
    rows = await Extension.select(Extension.recommendation).where(Extension.recommendation.outcome == "").distinct()
    return {r["recommendation"] for r in rows}


async def _apply(changes: list[DueDateChange], versions: dict[int, int], user: User | None) -> None:
    now = datetime.now(timezone.utc)
    await bulk_update(Recommendation, [
        {"id": c.recommendation_id, "original_due_on": c.new_original_due_on, "due_on": c.new_due_on,
         "due_explanation": c.due_explanation, "updated_at": now, "version": versions[c.recommendation_id] + 1}
        for c in changes
    ])
    await bulk_insert(RecommendationEvent, [
        history_row(c.recommendation_id, user, "recomputed", *c.history(), at=now) for c in changes
    ])


async def _record(report: RecomputeReport, user: User | None) -> None:
    moved = {str(c.recommendation_id): [c.old_original_due_on.isoformat(), c.new_original_due_on.isoformat()]
             for c in report.changes[:AUDIT_LIST_LIMIT]}
    await record_event(
        user, "due_dates.recomputed", "recommendation", "open", summary=report.summary(),
        changes={"as_of": report.as_of.isoformat(), "checked": report.checked, "moved": report.moved,
                 "extended_kept": report.extended_kept, "holidays": [c.describe() for c in report.causes],
                 "recommendations": moved, "more": max(0, report.moved - AUDIT_LIST_LIMIT)},
    )


async def recompute_due_dates(calendar: WorkingDayCalendar, user: User | None = None, today: date | None = None,
                              *, previous: WorkingDayCalendar | None = None, dry_run: bool = False) -> RecomputeReport:
    """Recompute every outstanding recommendation's due date with ``calendar``, in one transaction.

    Each move is a "recomputed" line on the recommendation's history with the old and new dates
    and the holiday that caused it; the run is one audit event (when something moved, or when a
    person asked for it). ``dry_run`` decides and reports without writing.
    """
    today = today or date.today()
    async with nullcontext() if dry_run else write_transaction():
        rows = await _outstanding_rows(lock=not dry_run)
        changes = decide_changes(rows, calendar, await _extended_ids(), previous)
        report = RecomputeReport(
            as_of=today, checked=len(rows), rules=len({(r["anchor_on"], r["period"], r["unit"]) for r in rows}),
            changes=tuple(changes), dry_run=dry_run,
        )
        if not dry_run:
            if changes:
                await _apply(changes, {r["id"]: r["version"] for r in rows}, user)
            if changes or user is not None:
                await _record(report, user)
    return report


async def recompute_nightly() -> RecomputeReport:
    """The scheduled run: catches a holiday that arrived with an upgrade of the ``holidays`` package."""
    report = await recompute_due_dates(await office_calendar())
    log.info("due dates recomputed: %s", report.summary())
    return report
