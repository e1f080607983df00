"""Working-day calendar for England & Wales, and plain-English due-date explanations.

Deadlines in ombudsman work are set in working days (a body must reply to an
enquiry within 20 working days), calendar days ("within 28 days") or months
("remedy within 3 months of the final decision").  Getting these wrong is a
fairness problem, and staff and complainants need to see *why* a date was
chosen, so every calculation returns a `DateExplanation` rather than a bare
date.

Counting conventions (shared by all three units, and matching how statutory
deadlines are read, e.g. FOIA s.10 "the twentieth working day following the
date of receipt"):

* The start (anchor) day is day 0 and is never counted.  "20 working days after
  Fri 18 Dec 2026" is Wed 20 Jan 2027, the same answer as the holidays
  package's ``get_nth_working_day``.
* A start on a weekend or bank holiday is fine: the first working day after it
  is day 1.
* ``n == 0`` returns the start unchanged, even when it is not a working day
  (``holidays`` would roll it forward; we leave rolling to an explicit
  `next_working_day` / ``DueRule(roll_forward=True)`` so it is always visible).
* Calendar days and months are never adjusted unless asked; the explanation
  says when the result falls on a weekend or bank holiday.
* Months use the corresponding date; where the month is too short the last
  day of that month is used (31 Jan + 1 month = 28/29 Feb).

Pure Python: no database, no web framework.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import cache
from types import MappingProxyType
from typing import Literal, get_args

import holidays

__all__ = [
    "DateExplanation",
    "DueRule",
    "Unit",
    "WorkingDayCalendar",
    "default_calendar",
    "format_date_long",
    "format_date_short",
    "parse_unit",
]

Unit = Literal["working_days", "calendar_days", "months"]
ExplanationKind = Literal["working_days", "calendar_days", "months", "next_working_day"]

UNITS: tuple[str, ...] = get_args(Unit)

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_ONE_DAY = timedelta(days=1)


# --------------------------------------------------------------------------
# Formatting (locale-independent, so server locale can't change UI wording)
# --------------------------------------------------------------------------


def format_date_long(d: date) -> str:
    """'Friday 18 December 2026' - the form used in letters and the UI."""
    return f"{_WEEKDAYS[d.weekday()]} {d.day} {_MONTHS[d.month - 1]} {d.year}"


def _format_date_plain(d: date) -> str:
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def format_date_short(d: date) -> str:
    """'25 Dec 2026' - compact form for lists of skipped holidays."""
    return f"{d.day} {_MONTHS[d.month - 1][:3]} {d.year}"


def _ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _plural(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"


def _check_date(d: object, what: str = "date") -> date:
    # datetime is a subclass of date; letting one through would silently miss
    # holiday lookups and hide which timezone the day was taken in.
    if isinstance(d, datetime) or not isinstance(d, date):
        raise TypeError(
            f"{what} must be a datetime.date, not {type(d).__name__}; "
            "convert timestamps to a local (Europe/London) date first"
        )
    return d


def _check_int(n: object, what: str = "n") -> int:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"{what} must be an int, not {type(n).__name__}")
    return n


# --------------------------------------------------------------------------
# Explanation
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class DateExplanation:
    """A computed date plus everything needed to justify it to a complainant.

    ``skipped_*`` list the days passed over (chronological, start excluded).
    ``landed_on`` says why the unadjusted result is not a working day (e.g.
    "a Saturday"), so the UI can warn even when no rolling was asked for.
    ``unrolled_result`` is set only when the date was rolled forward.
    """

    start: date
    result: date
    kind: ExplanationKind
    period: int = 0
    skipped_weekend_days: tuple[date, ...] = ()
    skipped_holidays: tuple[tuple[date, str], ...] = ()
    landed_on: str | None = None
    unrolled_result: date | None = None
    clamped_from_day: int | None = None
    rule: str = field(init=False)

    def __post_init__(self) -> None:
        # Stored (not a property) so dataclasses.asdict() keeps it for audit logs.
        object.__setattr__(self, "rule", self._rule_text())

    # -- derived text ------------------------------------------------------

    def _period_phrase(self, when: str) -> str:
        n = abs(self.period)
        direction = "before" if self.period < 0 else "after"
        if self.kind == "working_days":
            amount = _plural(n, "working day")
        elif self.kind == "calendar_days":
            amount = _plural(n, "calendar day")
        else:
            amount = _plural(n, "month")
        return f"{amount} {direction} {when}"

    def _rule_text(self) -> str:
        if self.kind == "next_working_day":
            return f"the first working day on or after {_format_date_plain(self.start)}"
        text = self._period_phrase(_format_date_plain(self.start))
        if self.unrolled_result is not None:
            text += ", rolled forward to the next working day"
        return text

    @property
    def was_rolled_forward(self) -> bool:
        return self.unrolled_result is not None

    def _skipping_clause(self) -> str:
        parts = []
        if self.skipped_weekend_days:
            parts.append(_plural(len(self.skipped_weekend_days), "weekend day"))
        if self.skipped_holidays:
            parts.append(_plural(len(self.skipped_holidays), "bank holiday"))
        if not parts:
            return ""
        clause = ", skipping " + " and ".join(parts)
        if self.skipped_holidays:
            clause += ": " + ", ".join(
                f"{name} ({format_date_short(d)})" for d, name in self.skipped_holidays
            )
        return clause

    def explain(self) -> str:
        """One or two plain-English sentences for the UI and letters."""
        if self.kind == "next_working_day":
            if self.result == self.start:
                return f"{format_date_long(self.result)} is already a working day."
            return (
                f"{format_date_long(self.result)} is the first working day on or after "
                f"{format_date_long(self.start)}{self._skipping_clause()}."
            )

        base = self.unrolled_result if self.unrolled_result is not None else self.result
        head = f"{format_date_long(base)} is {self._period_phrase(format_date_long(self.start))}"
        if self.kind == "working_days":
            # Rolling can only follow a zero-day working-day rule, whose own
            # skip lists are empty, so the skip lists always describe one step.
            if self.unrolled_result is None:
                head += self._skipping_clause()
            sentences = [head + "."]
        elif self.kind == "calendar_days":
            sentences = [head + " (weekends and bank holidays count)."]
        else:
            sentences = [head + "."]
            if self.clamped_from_day is not None:
                sentences.append(
                    f"{_MONTHS[base.month - 1]} {base.year} has no "
                    f"{_ordinal(self.clamped_from_day)} day, so the last day of the "
                    "month is used."
                )

        if self.unrolled_result is not None:
            sentences.append(
                f"That is {self.landed_on}, not a working day, so the date rolls "
                f"forward to {format_date_long(self.result)}{self._skipping_clause()}."
            )
        elif self.landed_on is not None:
            sentences.append(f"It falls on {self.landed_on}; no adjustment has been made.")
        return " ".join(sentences)


# --------------------------------------------------------------------------
# Calendar
# --------------------------------------------------------------------------


def _weekdays_up_to(ordinal: int) -> int:
    """Mon-Fri days among proleptic ordinals 1..ordinal (ordinal 1 is a Monday)."""
    weeks, rest = divmod(ordinal, 7)
    return weeks * 5 + min(rest, 5)


class WorkingDayCalendar:
    """England & Wales working days: Mon-Fri minus bank holidays.

    ``extra_holidays`` lets an administrator add a newly announced one-off
    holiday (jubilee, state funeral) before the holidays package knows it;
    ``removed`` drops a base holiday that was moved.  Removing a date that is
    not a holiday is ignored, so a package upgrade that already knows about
    the move doesn't break start-up.

    Holidays are resolved once per year and cached, so lookups are dict hits.
    Instances are safe to share between threads.
    """

    def __init__(
        self,
        extra_holidays: Mapping[date, str] | None = None,
        removed: Iterable[date] = (),
    ) -> None:
        extras: dict[date, str] = {}
        for d, name in (extra_holidays or {}).items():
            _check_date(d, "extra holiday date")
            if not isinstance(name, str) or not name.strip():
                raise ValueError(f"extra holiday on {d.isoformat()} needs a non-empty name")
            extras[d] = name.strip()
        removed_set = frozenset(_check_date(d, "removed holiday date") for d in removed)
        clash = sorted(removed_set & extras.keys())
        if clash:
            raise ValueError(
                "dates cannot be both added and removed as holidays: "
                + ", ".join(d.isoformat() for d in clash)
            )
        self._extra = MappingProxyType(extras)
        self._removed = removed_set
        # Never pass years=: the object expands lazily to whatever year is asked.
        # subdiv="ENG" is essential; plain "GB" lacks Easter Monday and August.
        self._base = holidays.country_holidays("GB", subdiv="ENG")
        self._years: dict[int, dict[date, str]] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return (
            f"WorkingDayCalendar(extra_holidays={dict(self._extra)!r}, "
            f"removed={sorted(self._removed)!r})"
        )

    @property
    def extra_holidays(self) -> Mapping[date, str]:
        return self._extra

    @property
    def removed(self) -> frozenset[date]:
        return self._removed

    # -- holiday lookup ----------------------------------------------------

    def _year(self, year: int) -> dict[date, str]:
        cached = self._years.get(year)
        if cached is not None:
            return cached
        # The holidays object mutates itself while expanding, so guard it.
        with self._lock:
            cached = self._years.get(year)
            if cached is not None:
                return cached
            # Populate neighbours too in case a rule for one year lands in the next.
            for y in (year - 1, year, year + 1):
                if date.min.year <= y <= date.max.year:
                    date(y, 1, 1) in self._base  # noqa: B015 - triggers lazy expansion
            merged = {
                d: name
                for d, name in self._base.items()
                if d.year == year and d not in self._removed
            }
            for d, name in self._extra.items():
                if d.year == year:
                    existing = merged.get(d)
                    merged[d] = name if existing is None else f"{existing}; {name}"
            self._years[year] = merged
            return merged

    def holiday_name(self, d: date) -> str | None:
        """Name of the bank holiday on ``d`` (weekends included), else None."""
        _check_date(d)
        return self._year(d.year).get(d)

    def is_working_day(self, d: date) -> bool:
        _check_date(d)
        return d.weekday() < 5 and d not in self._year(d.year)

    def _non_working_reason(self, d: date) -> str | None:
        if d.weekday() >= 5:
            return f"a {_WEEKDAYS[d.weekday()]}"
        name = self._year(d.year).get(d)
        if name is not None:
            return f"a bank holiday ({name})"
        return None

    def holidays_between(self, start: date, end: date) -> list[tuple[date, str]]:
        """Bank holidays in [start, end], for calendars and 'office closed' notices."""
        _check_date(start, "start")
        _check_date(end, "end")
        out: list[tuple[date, str]] = []
        for y in range(start.year, end.year + 1):
            out.extend((d, n) for d, n in self._year(y).items() if start <= d <= end)
        return sorted(out)

    # -- working days ------------------------------------------------------

    def add_working_days(self, start: date, n: int) -> DateExplanation:
        """The n-th working day after ``start`` (before, if n < 0); start is day 0."""
        _check_date(start, "start")
        _check_int(n)
        step = _ONE_DAY if n > 0 else -_ONE_DAY
        remaining = abs(n)
        d = start
        weekends: list[date] = []
        hols: list[tuple[date, str]] = []
        year_no = None
        year_hols: dict[date, str] = {}
        while remaining:
            d += step
            if d.weekday() >= 5:
                weekends.append(d)
                continue
            if d.year != year_no:
                year_no, year_hols = d.year, self._year(d.year)
            name = year_hols.get(d)
            if name is not None:
                hols.append((d, name))
                continue
            remaining -= 1
        if n < 0:
            weekends.reverse()
            hols.reverse()
        return DateExplanation(
            start=start,
            result=d,
            kind="working_days",
            period=n,
            skipped_weekend_days=tuple(weekends),
            skipped_holidays=tuple(hols),
            landed_on=self._non_working_reason(d),  # only possible when n == 0
        )

    def subtract_working_days(self, start: date, n: int) -> DateExplanation:
        """The n-th working day before ``start``; same convention as add."""
        return self.add_working_days(start, -_check_int(n))

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end``.

        Negative (``-working_days_between(end, start)``) when end is earlier,
        so it is antisymmetric.  For a working-day ``start`` it inverts
        `add_working_days` in both directions.  Counts weekdays arithmetically
        and subtracts holidays, so multi-year spans cost O(years), not O(days).
        """
        _check_date(start, "start")
        _check_date(end, "end")
        if end < start:
            return -self.working_days_between(end, start)
        count = _weekdays_up_to(end.toordinal()) - _weekdays_up_to(start.toordinal())
        for y in range(start.year, end.year + 1):
            for d in self._year(y):
                if start < d <= end and d.weekday() < 5:
                    count -= 1
        return count

    def next_working_day(self, d: date) -> DateExplanation:
        """``d`` itself if it is a working day, else the first working day after.

        "On or after" because rules that roll forward ("if the deadline falls on
        a bank holiday, the next working day") must not move a valid date.
        """
        _check_date(d)
        weekends: list[date] = []
        hols: list[tuple[date, str]] = []
        cur = d
        while True:
            if cur.weekday() >= 5:
                weekends.append(cur)
            else:
                name = self._year(cur.year).get(cur)
                if name is None:
                    break
                hols.append((cur, name))
            cur += _ONE_DAY
        return DateExplanation(
            start=d,
            result=cur,
            kind="next_working_day",
            skipped_weekend_days=tuple(weekends),
            skipped_holidays=tuple(hols),
            landed_on=self._non_working_reason(d),
        )

    def roll_forward(self, explanation: DateExplanation) -> DateExplanation:
        """Move an explanation's result to the next working day, keeping the story."""
        if explanation.unrolled_result is not None or self.is_working_day(explanation.result):
            return explanation
        rolled = self.next_working_day(explanation.result)
        return replace(
            explanation,
            result=rolled.result,
            unrolled_result=explanation.result,
            skipped_weekend_days=rolled.skipped_weekend_days,
            skipped_holidays=rolled.skipped_holidays,
            landed_on=rolled.landed_on,
        )

    # -- calendar days and months -----------------------------------------

    def add_calendar_days(self, start: date, n: int) -> DateExplanation:
        """``start + n`` days, unadjusted ("within 28 days": start excluded)."""
        _check_date(start, "start")
        _check_int(n)
        result = start + timedelta(days=n)
        return DateExplanation(
            start=start,
            result=result,
            kind="calendar_days",
            period=n,
            landed_on=self._non_working_reason(result),
        )

    def add_months(self, start: date, n: int) -> DateExplanation:
        """Corresponding date n months on, clamped to month end (Dodds v Walker rule)."""
        _check_date(start, "start")
        _check_int(n)
        year, month0 = divmod(start.year * 12 + (start.month - 1) + n, 12)
        last_day = _stdlib_calendar.monthrange(year, month0 + 1)[1]
        day = min(start.day, last_day)
        result = date(year, month0 + 1, day)
        return DateExplanation(
            start=start,
            result=result,
            kind="months",
            period=n,
            clamped_from_day=start.day if day != start.day else None,
            landed_on=self._non_working_reason(result),
        )


@cache
def default_calendar() -> WorkingDayCalendar:
    """Shared calendar without administrator changes; cached so holidays load once."""
    return WorkingDayCalendar()


# --------------------------------------------------------------------------
# Due rules
# --------------------------------------------------------------------------

_UNIT_ALIASES: dict[str, Unit] = {
    "working_days": "working_days",
    "working_day": "working_days",
    "workingdays": "working_days",
    "business_days": "working_days",
    "calendar_days": "calendar_days",
    "calendar_day": "calendar_days",
    "months": "months",
    "month": "months",
    "calendar_months": "months",
}


def parse_unit(value: object) -> Unit:
    """Normalise a unit from forms/config; refuse bare "days" as ambiguous."""
    if not isinstance(value, str):
        raise ValueError(
            f"unit must be a string, one of {', '.join(UNITS)}; got {value!r}"
        )
    key = "_".join(value.strip().lower().replace("-", " ").replace("_", " ").split())
    unit = _UNIT_ALIASES.get(key)
    if unit is not None:
        return unit
    hint = (
        ' ("days" is ambiguous: say working_days or calendar_days)'
        if key in {"day", "days"}
        else ""
    )
    raise ValueError(f"unknown unit {value!r}; expected one of {', '.join(UNITS)}{hint}")


@dataclass(frozen=True)
class DueRule:
    """A deadline as the rule states it, so it can be recomputed and explained.

    ``period`` must be >= 0: due dates follow their anchor.  ``unit`` accepts
    the aliases `parse_unit` does and is stored in canonical form.
    """

    anchor: date
    period: int
    unit: Unit
    roll_forward: bool = False

    def __post_init__(self) -> None:
        try:
            _check_date(self.anchor, "anchor")
        except TypeError as exc:
            raise ValueError(str(exc)) from None
        if isinstance(self.period, bool) or not isinstance(self.period, int):
            raise ValueError(f"period must be a whole number, got {self.period!r}")
        if self.period < 0:
            raise ValueError(
                f"period must be zero or positive, got {self.period}; "
                "a due date cannot be before its anchor"
            )
        if not isinstance(self.roll_forward, bool):
            raise ValueError(f"roll_forward must be True or False, got {self.roll_forward!r}")
        object.__setattr__(self, "unit", parse_unit(self.unit))

    def compute(self, calendar: WorkingDayCalendar | None = None) -> DateExplanation:
        cal = calendar if calendar is not None else default_calendar()
        if self.unit == "working_days":
            explanation = cal.add_working_days(self.anchor, self.period)
        elif self.unit == "calendar_days":
            explanation = cal.add_calendar_days(self.anchor, self.period)
        else:
            explanation = cal.add_months(self.anchor, self.period)
        if self.roll_forward:
            explanation = cal.roll_forward(explanation)
        return explanation
