"""The chase ladder: rungs as data, and pure decisions about which are due.

A rung is a step in chasing a body for an outstanding recommendation: a
reminder before the due date, a chaser after it, escalation to the chief
executive or monitoring officer, referral to a casework manager at about 12
months outstanding (domain.md 3.5), a flag for a public report.  Keeping the
ladder as data lets an administrator configure it; keeping the decision pure
lets the daily scan, ``workbench chase --dry-run`` and the tests share it.

Exactly-once firing is the caller's job (a unique constraint on the firing
key); this module says *what* is due and gives each firing its key:

* due-relative rungs are keyed ``(rung.key, due_on)``, so an extension (a new
  due date) re-arms them for the new date;
* the months-after-decision rung is keyed ``(rung.key, decided_on)``: the
  decision date never changes, so "12 months outstanding" fires once however
  often the due date moves.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum

from remedies.status import OUTSTANDING_STATUSES, Status
from workbench.workdays import DateExplanation, DueRule, WorkingDayCalendar, default_calendar

__all__ = [
    "DEFAULT_LADDER",
    "RecipientRole",
    "Rung",
    "RungFiring",
    "rung_date",
    "rungs_due",
    "validate_ladder",
]


class RecipientRole(str, Enum):
    """Who a rung's letter goes to (a body's named contact, or our own staff)."""

    LINK_OFFICER = "link_officer"
    CHIEF_EXECUTIVE = "chief_executive"  # or the monitoring officer
    CASEWORK_MANAGER = "casework_manager"


@dataclass(frozen=True)
class Rung:
    """One step of the ladder.

    Exactly one of ``offset_working_days`` (relative to the due date,
    negative = before it) and ``months_after_decision`` (calendar months from
    the final decision, for "outstanding 12 months") is set.
    """

    key: str
    label: str
    recipient: RecipientRole
    offset_working_days: int | None = None
    months_after_decision: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.key, str) or not self.key.strip():
            raise ValueError("a rung needs a key")
        if (self.offset_working_days is None) == (self.months_after_decision is None):
            raise ValueError(
                f"rung {self.key!r} needs exactly one of offset_working_days "
                "and months_after_decision"
            )
        if self.months_after_decision is not None and self.months_after_decision <= 0:
            raise ValueError(f"rung {self.key!r}: months_after_decision must be positive")

    @property
    def due_relative(self) -> bool:
        return self.offset_working_days is not None


#: Configurable defaults, not LGSCO rules.  The reminder, chaser and
#: escalation offsets are our choices (the LGSCO says only that it chases when
#: it hears nothing); "about 12 months outstanding" comes from its compliance
#: manual (domain.md 3.5); the 13-month public report flag is ours and
#: unverified.
DEFAULT_LADDER: tuple[Rung, ...] = (
    Rung("reminder", "Reminder before due date", RecipientRole.LINK_OFFICER, offset_working_days=-5),
    Rung("chaser", "Chaser: evidence overdue", RecipientRole.LINK_OFFICER, offset_working_days=5),
    Rung(
        "escalation",
        "Escalation to chief executive / monitoring officer",
        RecipientRole.CHIEF_EXECUTIVE,
        offset_working_days=20,
    ),
    Rung(
        "casework_manager",
        "Referral to casework manager: outstanding 12 months",
        RecipientRole.CASEWORK_MANAGER,
        months_after_decision=12,
    ),
    Rung(
        "public_report_flag",
        "Flag for consideration of a public report",
        RecipientRole.CASEWORK_MANAGER,
        months_after_decision=13,
    ),
)


def validate_ladder(ladder: Sequence[Rung]) -> None:
    """Refuse duplicate keys and rungs out of order (ValueError).

    Order is checked separately for due-relative rungs (by working-day
    offset) and months-after-decision rungs (by months), strictly
    increasing, so the ladder reads top to bottom as it will fire.
    """
    seen: set[str] = set()
    for rung in ladder:
        if rung.key in seen:
            raise ValueError(f"duplicate rung key {rung.key!r}")
        seen.add(rung.key)
    for what, values in (
        ("offset_working_days", [r.offset_working_days for r in ladder if r.due_relative]),
        ("months_after_decision", [r.months_after_decision for r in ladder if not r.due_relative]),
    ):
        for a, b in zip(values, values[1:]):
            if b <= a:  # type: ignore[operator]
                raise ValueError(f"rungs must be in strictly increasing {what}: {a} then {b}")


def rung_date(
    rung: Rung,
    due_on: date,
    decided_on: date,
    calendar: WorkingDayCalendar | None = None,
) -> DateExplanation:
    """When ``rung`` fires, with the explanation of how the date was computed.

    Month rungs roll forward to a working day so the letter goes out on a day
    the office is open.
    """
    cal = calendar if calendar is not None else default_calendar()
    if rung.offset_working_days is not None:
        # DueRule refuses negative periods (due dates follow anchors), so a
        # "before due" rung uses the calendar directly; same arithmetic.
        return cal.add_working_days(due_on, rung.offset_working_days)
    return DueRule(decided_on, rung.months_after_decision, "months", roll_forward=True).compute(cal)


@dataclass(frozen=True)
class RungFiring:
    """A rung that is due now; ``key`` is what the caller stores uniquely."""

    rung: Rung
    fire_on: date
    due_on: date
    key: tuple[str, date]


def rungs_due(
    ladder: Sequence[Rung],
    due_on: date,
    decided_on: date,
    status: Status,
    today: date,
    already_fired: Collection[tuple[str, date]],
    calendar: WorkingDayCalendar | None = None,
) -> list[RungFiring]:
    """Every rung whose date is on or before ``today`` and not yet fired.

    Only while the recommendation is outstanding: nothing fires once it is
    complied, ceased or closed not complied.  After downtime every missed
    rung comes back at once, each once (in date order); the caller records
    each key so the next scan skips it.
    """
    validate_ladder(ladder)
    if status not in OUTSTANDING_STATUSES:
        return []
    out: list[RungFiring] = []
    for rung in ladder:
        fire_on = rung_date(rung, due_on, decided_on, calendar).result
        key = (rung.key, due_on if rung.due_relative else decided_on)
        if fire_on <= today and key not in already_fired:
            out.append(RungFiring(rung=rung, fire_on=fire_on, due_on=due_on, key=key))
    out.sort(key=lambda f: f.fire_on)  # stable: ladder order on the same day
    return out
