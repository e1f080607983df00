"""A recommendation's status, derived from facts and never set by hand.

Status is a function of dates and recorded outcomes (original and current due
date, accepted evidence, escalation, ceasing, a "not complied" closure) and of
*today*.  Deriving it means it can never drift from the facts: a stored
"overdue" flag would be wrong the morning after an extension, a stored
"open" wrong the morning after the due date.

Pure: no database, no web framework.  Working-day arithmetic comes from
`workbench.workdays`; nothing here counts days itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum

from workbench.workdays import WorkingDayCalendar, default_calendar

__all__ = [
    "FINAL_STATUSES",
    "OUTSTANDING_STATUSES",
    "Extension",
    "RecommendationState",
    "Status",
    "age_working_days",
    "current_due_on",
    "derive_status",
    "extend",
]


class Status(str, Enum):
    """Where a recommendation stands; the value is what APIs and CSVs carry."""

    OPEN = "open"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    ESCALATED = "escalated"
    COMPLIED_ON_TIME = "complied_on_time"
    COMPLIED_LATE = "complied_late"
    NOT_COMPLIED = "not_complied"
    CEASED = "ceased"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATUSES


_LABELS: dict[Status, str] = {
    Status.OPEN: "Open",
    Status.DUE_SOON: "Due soon",
    Status.OVERDUE: "Overdue",
    Status.ESCALATED: "Escalated",
    Status.COMPLIED_ON_TIME: "Complied on time",
    Status.COMPLIED_LATE: "Complied late",
    # The LGSCO's own wording, recorded by the Director of Investigation.
    Status.NOT_COMPLIED: "Remedy not complete and not satisfied",
    Status.CEASED: "Ceased",
}

FINAL_STATUSES: frozenset[Status] = frozenset(
    {Status.COMPLIED_ON_TIME, Status.COMPLIED_LATE, Status.NOT_COMPLIED, Status.CEASED}
)
#: Still being chased: the chase ladder only acts on these.
OUTSTANDING_STATUSES: frozenset[Status] = frozenset(
    {Status.OPEN, Status.DUE_SOON, Status.OVERDUE, Status.ESCALATED}
)


@dataclass(frozen=True)
class RecommendationState:
    """The facts a status is derived from.

    ``original_due_on`` is the due date set at the final decision; it never
    changes and still decides "late" after an extension (domain.md 3.4:
    action after the deadline is recorded as late).  ``due_on`` is the
    current due date after extensions and drives overdue / due soon.

    ``accepted_evidence_received_on`` is the date the *body's* evidence was
    received, for the piece of evidence the compliance officer accepted, not
    the date of the verdict: as at the LGSCO, a body that sent good evidence
    on time is not made late by our own time taken to review it.

    At most one final outcome may be recorded (accepted evidence, ceased,
    closed not complied): two would contradict each other.
    """

    original_due_on: date
    due_on: date
    accepted_evidence_received_on: date | None = None
    escalated_on: date | None = None
    ceased: bool = False
    ceased_reason: str = ""
    closed_not_complied: bool = False

    def __post_init__(self) -> None:
        if self.due_on < self.original_due_on:
            raise ValueError(
                f"current due date {self.due_on.isoformat()} is before the original due date "
                f"{self.original_due_on.isoformat()}; extensions only move a due date later"
            )
        if self.ceased and not self.ceased_reason.strip():
            raise ValueError("a ceased recommendation needs a reason")
        outcomes = [
            name
            for name, present in (
                ("accepted evidence", self.accepted_evidence_received_on is not None),
                ("ceased", self.ceased),
                ("closed not complied", self.closed_not_complied),
            )
            if present
        ]
        if len(outcomes) > 1:
            raise ValueError(
                "a recommendation can have only one final outcome, got: " + ", ".join(outcomes)
            )


def derive_status(
    state: RecommendationState,
    today: date,
    calendar: WorkingDayCalendar | None = None,
    due_soon_working_days: int = 10,
) -> Status:
    """The status on ``today``.

    Final outcomes win: complied (only through accepted evidence; on time when
    the evidence was received on or before the ORIGINAL due date), ceased,
    not complied.  Otherwise: escalated once an escalation date has passed;
    overdue after the current due date; due soon when the current due date is
    at most ``due_soon_working_days`` working days away (the dashboard's "due in
    the next 10 working days"); else open.
    """
    if due_soon_working_days < 0:
        raise ValueError("due_soon_working_days must be zero or positive")
    if state.accepted_evidence_received_on is not None:
        if state.accepted_evidence_received_on <= state.original_due_on:
            return Status.COMPLIED_ON_TIME
        return Status.COMPLIED_LATE
    if state.ceased:
        return Status.CEASED
    if state.closed_not_complied:
        return Status.NOT_COMPLIED
    if state.escalated_on is not None and state.escalated_on <= today:
        return Status.ESCALATED
    if today > state.due_on:
        return Status.OVERDUE
    cal = calendar if calendar is not None else default_calendar()
    if cal.working_days_between(today, state.due_on) <= due_soon_working_days:
        return Status.DUE_SOON
    return Status.OPEN


@dataclass(frozen=True)
class Extension:
    """One agreed change of due date, kept as history (domain.md 3.4)."""

    from_due_on: date
    to_due_on: date
    reason: str
    granted_on: date


def current_due_on(original_due_on: date, history: Sequence[Extension]) -> date:
    """The due date in force: the last extension's, else the original."""
    return history[-1].to_due_on if history else original_due_on


def extend(
    history: Sequence[Extension],
    new_due_on: date,
    reason: str,
    today: date,
    *,
    original_due_on: date,
) -> Extension:
    """A new history entry moving the due date to ``new_due_on``.

    Pure: returns the entry for the caller to append; ``history`` and the
    original due date are left alone (the original still decides "late").
    Refuses an empty reason (extensions are exceptional and must be
    justified) and a date not after the current due date (that would be a
    shortening, or no change at all, disguised as an extension).
    """
    if not isinstance(reason, str) or not reason.strip():
        raise ValueError("an extension needs a reason")
    current = current_due_on(original_due_on, history)
    if new_due_on <= current:
        raise ValueError(
            f"new due date {new_due_on.isoformat()} must be after the current due date "
            f"{current.isoformat()}"
        )
    return Extension(from_due_on=current, to_due_on=new_due_on, reason=reason.strip(), granted_on=today)


def age_working_days(
    due_on: date, today: date, calendar: WorkingDayCalendar | None = None
) -> int:
    """Working days overdue (positive) or still left (negative); 0 on the due date."""
    cal = calendar if calendar is not None else default_calendar()
    return cal.working_days_between(due_on, today)
