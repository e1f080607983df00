"""The office's working-day calendar: England's bank holidays plus the days an administrator added.

Every due date the workbench stores is computed with this calendar, so adding a holiday (a new
bank holiday announced) must recompute the open ones: see ``remedies.recompute``.
"""

from __future__ import annotations

from workbench.db import fetch_rows, placeholder
from workbench.workdays import WorkingDayCalendar, default_calendar

_cache: dict[tuple, WorkingDayCalendar] = {}


async def office_calendar() -> WorkingDayCalendar:
    """The calendar in force now; one instance per distinct set of office holidays (cheap to reuse)."""
    rows = await fetch_rows(f'SELECT "on", name FROM remedies_office_holiday WHERE active = {placeholder(1)}', [True])
    if not rows:
        return default_calendar()
    key = tuple(sorted((r["on"], r["name"]) for r in rows))
    calendar = _cache.get(key)
    if calendar is None:
        _cache.clear()  # only the current set is ever useful
        calendar = _cache[key] = WorkingDayCalendar(extra_holidays=dict(key))
    return calendar
