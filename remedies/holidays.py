"""Office holidays: the non-working days an administrator adds to the published bank holidays.

A new bank holiday is announced months ahead, before the ``holidays`` package knows it; an office
may close for a day. Adding or removing one changes the working-day calendar, so every open due
date is recomputed in the same transaction: the holiday, its audit event and the moved due dates
commit together or not at all.

Published bank holidays are not edited here (a weekend or a day that already is one is refused);
a removed office holiday is kept, inactive, so re-adding the date reactivates it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from remedies.calendar import office_calendar
from remedies.recompute import RecomputeReport, recompute_due_dates
from remedies.tables import OfficeHoliday
from workbench.audit import record_event
from workbench.db import write_transaction
from workbench.tables import User
from workbench.workdays import default_calendar, format_date_long

__all__ = ["HolidayError", "OfficeHolidayRow", "add_holiday", "bank_holidays", "office_holidays", "remove_holiday"]

MAX_NAME = 200
YEARS_AROUND = 10  # how far from today a holiday may be added: catches a mistyped year


class HolidayError(ValueError):
    """A refused change, with the form field it belongs to."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class OfficeHolidayRow:
    on: date
    name: str
    added_at: datetime
    added_by: str


def bank_holidays(first_year: int, last_year: int) -> list[tuple[date, str]]:
    """The published bank holidays (England and Wales) in those years, as the calendar has them."""
    return default_calendar().holidays_between(date(first_year, 1, 1), date(last_year, 12, 31))


async def office_holidays() -> list[OfficeHolidayRow]:
    """Every holiday an administrator added and has not removed, in date order."""
    rows = await OfficeHoliday.select(
        OfficeHoliday.on, OfficeHoliday.name, OfficeHoliday.added_at,
        OfficeHoliday.added_by.full_name.as_alias("added_by_name"),
    ).where(OfficeHoliday.active == True).order_by(OfficeHoliday.on)  # noqa: E712
    return [OfficeHolidayRow(r["on"], r["name"], r["added_at"], r["added_by_name"] or "System") for r in rows]


def _check_new(on: date, name: str, today: date) -> str:
    name = " ".join(name.split())
    if not name:
        raise HolidayError("Enter the name of the holiday", "name")
    if len(name) > MAX_NAME:
        raise HolidayError(f"The name must be {MAX_NAME} characters or fewer", "name")
    if abs(on.year - today.year) > YEARS_AROUND:
        raise HolidayError(f"The date must be within {YEARS_AROUND} years of today", "on")
    if on.weekday() >= 5:
        raise HolidayError(f"{format_date_long(on)} is a weekend day: it is not a working day already", "on")
    bank = default_calendar().holiday_name(on)
    if bank is not None:
        raise HolidayError(f"{format_date_long(on)} is already a bank holiday ({bank})", "on")
    return name


async def add_holiday(on: date, name: str, user: User | None, today: date | None = None) -> RecomputeReport:
    """Make ``on`` a non-working day and move the open due dates it affects."""
    today = today or date.today()
    name = _check_new(on, name, today)
    async with write_transaction():
        previous = await office_calendar()
        existing: dict[str, Any] | None = await OfficeHoliday.select().where(OfficeHoliday.on == on).first()
        if existing is not None and existing["active"]:
            raise HolidayError(f"{format_date_long(on)} is already an office holiday ({existing['name']})", "on")
        values = {"name": name, "active": True, "added_at": datetime.now(timezone.utc), "added_by": user.id if user else None}
        if existing is None:
            await OfficeHoliday(on=on, **values).save()
        else:
            await OfficeHoliday.update({getattr(OfficeHoliday, k): v for k, v in values.items()}).where(OfficeHoliday.on == on)
        await record_event(user, "holiday.added", "office_holiday", on.isoformat(),
                           summary=f"Office holiday added: {name} on {format_date_long(on)}",
                           changes={"on": on.isoformat(), "name": name})
        return await recompute_due_dates(await office_calendar(), user, today, previous=previous)


async def remove_holiday(on: date, user: User | None, today: date | None = None) -> RecomputeReport:
    """Make an office holiday a working day again (kept, inactive) and move the due dates back."""
    async with write_transaction():
        previous = await office_calendar()
        existing = await OfficeHoliday.select().where((OfficeHoliday.on == on) & (OfficeHoliday.active == True)).first()  # noqa: E712
        if existing is None:
            bank = default_calendar().holiday_name(on)
            if bank is not None:
                raise HolidayError(f"{format_date_long(on)} is a published bank holiday ({bank}); only office holidays can be removed", "on")
            raise HolidayError(f"There is no office holiday on {format_date_long(on)}", "on")
        await OfficeHoliday.update({OfficeHoliday.active: False}).where(OfficeHoliday.on == on)
        await record_event(user, "holiday.removed", "office_holiday", on.isoformat(),
                           summary=f"Office holiday removed: {existing['name']} on {format_date_long(on)}",
                           changes={"on": on.isoformat(), "name": existing["name"]})
        return await recompute_due_dates(await office_calendar(), user, today, previous=previous)
