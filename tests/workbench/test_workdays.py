"""Unit tests for the working-day calendar (no database, no web)."""

from dataclasses import asdict
from datetime import date, datetime, timedelta

import holidays
import pytest

from workbench.workdays import (
    DateExplanation,
    DueRule,
    WorkingDayCalendar,
    default_calendar,
    parse_unit,
)


@pytest.fixture(scope="module")
def cal() -> WorkingDayCalendar:
    return default_calendar()


def daterange(start: date, end: date, step: int = 1):
    d = start
    while d <= end:
        yield d
        d += timedelta(days=step)


# -- the headline example -------------------------------------------------


def test_twenty_working_days_over_christmas(cal):
    e = cal.add_working_days(date(2026, 12, 18), 20)
    assert e.result == date(2027, 1, 20)
    assert e.rule == "20 working days after 18 December 2026"
    assert e.skipped_holidays == (
        (date(2026, 12, 25), "Christmas Day"),
        (date(2026, 12, 28), "Boxing Day (observed)"),
        (date(2027, 1, 1), "New Year's Day"),
    )
    # Boxing Day itself (Sat 26 Dec) counts as a weekend day, not a holiday.
    assert date(2026, 12, 26) in e.skipped_weekend_days
    assert len(e.skipped_weekend_days) == 10
    assert e.explain() == (
        "Wednesday 20 January 2027 is 20 working days after Friday 18 December 2026, "
        "skipping 10 weekend days and 3 bank holidays: Christmas Day (25 Dec 2026), "
        "Boxing Day (observed) (28 Dec 2026), New Year's Day (1 Jan 2027)."
    )


def test_convention_matches_holidays_package_for_positive_n(cal):
    ref = holidays.country_holidays("GB", subdiv="ENG")
    for start in daterange(date(2026, 1, 1), date(2027, 12, 31), step=3):
        for n in (1, 5, 20, 41):
            assert cal.add_working_days(start, n).result == ref.get_nth_working_day(start, n)
        if ref.is_working_day(start):
            assert cal.add_working_days(start, -7).result == ref.get_nth_working_day(start, -7)


# -- specific holidays ----------------------------------------------------


def test_easter_2027_is_skipped(cal):
    assert cal.holiday_name(date(2027, 3, 26)) == "Good Friday"
    assert cal.holiday_name(date(2027, 3, 29)) == "Easter Monday"
    e = cal.add_working_days(date(2027, 3, 25), 1)  # Thursday before Easter
    assert e.result == date(2027, 3, 30)
    assert [d for d, _ in e.skipped_holidays] == [date(2027, 3, 26), date(2027, 3, 29)]
    assert e.skipped_weekend_days == (date(2027, 3, 27), date(2027, 3, 28))


def test_one_off_holidays_are_known(cal):
    for d in (date(2022, 6, 3), date(2022, 9, 19), date(2023, 5, 8)):
        assert not cal.is_working_day(d)
    e = cal.add_working_days(date(2023, 5, 5), 1)  # Friday before the coronation
    assert e.result == date(2023, 5, 9)
    assert e.skipped_holidays == ((date(2023, 5, 8), "Coronation of Charles III"),)
    assert "Coronation of Charles III (8 May 2023)" in e.explain()


def test_working_day_basics(cal):
    assert cal.is_working_day(date(2026, 12, 18))
    assert not cal.is_working_day(date(2026, 12, 19))  # Saturday
    assert cal.holiday_name(date(2026, 12, 19)) is None
    assert cal.holiday_name(date(2026, 12, 26)) == "Boxing Day"  # on a Saturday
    assert cal.holiday_name(date(2026, 8, 31)) == "Late Summer Bank Holiday"


# -- edge cases -----------------------------------------------------------


def test_weekend_start_counts_first_working_day_as_day_one(cal):
    e = cal.add_working_days(date(2027, 1, 16), 1)  # Saturday
    assert e.result == date(2027, 1, 18)
    assert e.skipped_weekend_days == (date(2027, 1, 17),)
    assert cal.add_working_days(date(2027, 1, 17), 5).result == date(2027, 1, 22)


def test_zero_returns_start_unchanged(cal):
    assert cal.add_working_days(date(2027, 1, 20), 0).result == date(2027, 1, 20)
    e = cal.add_working_days(date(2026, 12, 26), 0)
    assert e.result == date(2026, 12, 26)
    assert e.landed_on == "a Saturday"
    assert "no adjustment has been made" in e.explain()


def test_negative_and_subtract(cal):
    e = cal.add_working_days(date(2027, 1, 20), -20)
    assert e.result == date(2026, 12, 18)
    assert e.rule == "20 working days before 20 January 2027"
    assert [d for d, _ in e.skipped_holidays] == [
        date(2026, 12, 25), date(2026, 12, 28), date(2027, 1, 1)
    ]  # fmt: skip
    assert list(e.skipped_weekend_days) == sorted(e.skipped_weekend_days)
    assert cal.subtract_working_days(date(2027, 1, 20), 20) == e
    assert cal.add_working_days(date(2027, 1, 4), -1).result == date(2026, 12, 31)


def test_round_trip_with_working_days_between(cal):
    for start in daterange(date(2025, 12, 1), date(2028, 1, 31)):
        for n in (0, 1, 2, 9, 20, 65):
            end = cal.add_working_days(start, n).result
            assert cal.working_days_between(start, end) == n, (start, n)
            if cal.is_working_day(start):
                back = cal.add_working_days(start, -n).result
                assert cal.working_days_between(start, back) == -n, (start, n)


def test_working_days_between_matches_brute_force_and_is_antisymmetric(cal):
    def brute(a, b):
        return sum(cal.is_working_day(d) for d in daterange(a + timedelta(days=1), b))

    pairs = [
        (date(2019, 3, 2), date(2029, 11, 17)),
        (date(2022, 6, 1), date(2022, 9, 30)),
        (date(2026, 12, 24), date(2027, 1, 4)),
        (date(2027, 1, 1), date(2027, 1, 1)),
    ]
    for a, b in pairs:
        assert cal.working_days_between(a, b) == brute(a, b)
        assert cal.working_days_between(b, a) == -brute(a, b)
    assert cal.working_days_between(date(2026, 12, 18), date(2027, 1, 20)) == 20


# -- administrator changes ------------------------------------------------


def test_extra_holiday_moves_due_date_and_is_explained():
    announced = WorkingDayCalendar(extra_holidays={date(2027, 1, 15): "Extra bank holiday"})
    e = announced.add_working_days(date(2026, 12, 18), 20)
    assert e.result == date(2027, 1, 21)
    assert (date(2027, 1, 15), "Extra bank holiday") in e.skipped_holidays
    assert "Extra bank holiday (15 Jan 2027)" in e.explain()
    assert "4 bank holidays" in e.explain()
    assert announced.working_days_between(date(2026, 12, 18), date(2027, 1, 21)) == 20
    # the shared default calendar is unaffected
    assert default_calendar().add_working_days(date(2026, 12, 18), 20).result == date(2027, 1, 20)


def test_removed_holiday_becomes_working_day():
    moved = WorkingDayCalendar(
        extra_holidays={date(2027, 5, 7): "Early May bank holiday (moved)"},
        removed=[date(2027, 5, 3)],
    )
    assert moved.is_working_day(date(2027, 5, 3))
    assert not moved.is_working_day(date(2027, 5, 7))
    assert moved.holiday_name(date(2027, 5, 7)) == "Early May bank holiday (moved)"


def test_extra_holiday_validation():
    with pytest.raises(ValueError, match="both added and removed"):
        WorkingDayCalendar(extra_holidays={date(2027, 1, 15): "X"}, removed=[date(2027, 1, 15)])
    with pytest.raises(ValueError, match="non-empty name"):
        WorkingDayCalendar(extra_holidays={date(2027, 1, 15): " "})
    with pytest.raises(TypeError, match="datetime"):
        WorkingDayCalendar(extra_holidays={datetime(2027, 1, 15): "X"})


def test_datetimes_are_rejected(cal):
    with pytest.raises(TypeError, match="Europe/London"):
        cal.add_working_days(datetime(2027, 1, 15, 9), 1)
    with pytest.raises(TypeError):
        cal.add_working_days(date(2027, 1, 15), 1.0)


def test_default_calendar_is_cached():
    assert default_calendar() is default_calendar()


# -- calendar days and months ---------------------------------------------


def test_add_calendar_days_notes_non_working_result(cal):
    e = cal.add_calendar_days(date(2026, 11, 28), 28)
    assert e.result == date(2026, 12, 26)
    assert e.rule == "28 calendar days after 28 November 2026"
    assert e.explain() == (
        "Saturday 26 December 2026 is 28 calendar days after Saturday 28 November 2026 "
        "(weekends and bank holidays count). It falls on a Saturday; no adjustment has "
        "been made."
    )
    e = cal.add_calendar_days(date(2026, 11, 27), 28)
    assert e.landed_on == "a bank holiday (Christmas Day)"
    ok = cal.add_calendar_days(date(2027, 1, 1), 28)
    assert ok.landed_on is None and "no adjustment" not in ok.explain()


@pytest.mark.parametrize(
    ("start", "n", "expected", "clamped"),
    [
        (date(2027, 1, 31), 1, date(2027, 2, 28), True),
        (date(2028, 1, 31), 1, date(2028, 2, 29), True),
        (date(2028, 2, 29), 12, date(2029, 2, 28), True),
        (date(2027, 1, 15), 3, date(2027, 4, 15), False),
        (date(2026, 11, 30), 3, date(2027, 2, 28), True),
        (date(2027, 3, 31), -1, date(2027, 2, 28), True),
        (date(2027, 12, 31), 0, date(2027, 12, 31), False),
    ],
)
def test_add_months_clamps_to_month_end(cal, start, n, expected, clamped):
    e = cal.add_months(start, n)
    assert e.result == expected
    assert (e.clamped_from_day is not None) == clamped


def test_add_months_explanation(cal):
    e = cal.add_months(date(2027, 1, 31), 1)
    assert e.rule == "1 month after 31 January 2027"
    text = e.explain()
    assert text.startswith("Sunday 28 February 2027 is 1 month after Sunday 31 January 2027.")
    assert "February 2027 has no 31st day, so the last day of the month is used." in text
    assert "It falls on a Sunday" in text


def test_next_working_day(cal):
    same = cal.next_working_day(date(2027, 1, 20))
    assert same.result == date(2027, 1, 20)
    assert same.explain() == "Wednesday 20 January 2027 is already a working day."
    e = cal.next_working_day(date(2026, 12, 25))
    assert e.result == date(2026, 12, 29)
    assert e.skipped_holidays == (
        (date(2026, 12, 25), "Christmas Day"),
        (date(2026, 12, 28), "Boxing Day (observed)"),
    )
    assert e.explain().startswith(
        "Tuesday 29 December 2026 is the first working day on or after Friday 25 December 2026"
    )


# -- due rules ------------------------------------------------------------


def test_due_rule_dispatches(cal):
    assert DueRule(date(2026, 12, 18), 20, "working_days").compute(cal).result == date(2027, 1, 20)
    assert DueRule(date(2026, 12, 18), 28, "calendar_days").compute(cal).result == date(2027, 1, 15)
    assert DueRule(date(2027, 1, 31), 3, "months").compute().result == date(2027, 4, 30)


def test_due_rule_roll_forward(cal):
    plain = DueRule(date(2026, 11, 28), 28, "calendar_days").compute(cal)
    assert plain.result == date(2026, 12, 26) and not plain.was_rolled_forward
    rolled = DueRule(date(2026, 11, 28), 28, "calendar_days", roll_forward=True).compute(cal)
    assert rolled.result == date(2026, 12, 29)
    assert rolled.unrolled_result == date(2026, 12, 26)
    assert rolled.rule.endswith(", rolled forward to the next working day")
    assert "rolls forward to Tuesday 29 December 2026" in rolled.explain()
    assert "Boxing Day (observed) (28 Dec 2026)" in rolled.explain()
    # A working-day result is left alone.
    kept = DueRule(date(2026, 12, 18), 20, "working_days", roll_forward=True).compute(cal)
    assert kept.result == date(2027, 1, 20) and not kept.was_rolled_forward


def test_due_rule_normalises_unit():
    assert DueRule(date(2027, 1, 1), 3, "Working days").unit == "working_days"
    assert parse_unit(" calendar-days ") == "calendar_days"
    assert parse_unit("month") == "months"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"unit": "weeks"}, "unknown unit 'weeks'; expected one of working_days"),
        ({"unit": "days"}, "ambiguous"),
        ({"unit": None}, "unit must be a string"),
        ({"period": -1}, "period must be zero or positive, got -1"),
        ({"period": 2.5}, "whole number"),
        ({"period": True}, "whole number"),
        ({"anchor": datetime(2027, 1, 1, 12)}, "anchor must be a datetime.date"),
        ({"anchor": "2027-01-01"}, "anchor must be a datetime.date"),
    ],
)
def test_due_rule_validation(kwargs, message):
    args = {"anchor": date(2027, 1, 1), "period": 5, "unit": "working_days"} | kwargs
    with pytest.raises(ValueError, match=message):
        DueRule(**args)


def test_explanation_is_serialisable_and_frozen(cal):
    e = cal.add_working_days(date(2026, 12, 18), 1)
    data = asdict(e)
    assert data["rule"] == "1 working day after 18 December 2026"
    assert data["result"] == date(2026, 12, 21)
    assert isinstance(e, DateExplanation)
    with pytest.raises(AttributeError):
        e.result = date(2030, 1, 1)  # type: ignore[misc]
    assert cal.add_working_days(date(2026, 12, 21), 1).explain() == (
        "Tuesday 22 December 2026 is 1 working day after Monday 21 December 2026."
    )
