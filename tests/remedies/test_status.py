"""Status is derived from facts; due dates come from DueRule on the real calendar."""

from __future__ import annotations

from datetime import date

import pytest

from remedies.status import (
    Extension,
    RecommendationState,
    Status,
    age_working_days,
    current_due_on,
    derive_status,
    extend,
)
from workbench.workdays import DueRule, WorkingDayCalendar, default_calendar

CAL = default_calendar()


# -- due dates via DueRule -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("anchor", "period", "unit", "expected"),
    [
        # Christmas 2026: 25 Dec (Fri), Boxing Day observed Mon 28 Dec, New Year's Day Fri 1 Jan.
        (date(2026, 12, 18), 5, "working_days", date(2026, 12, 29)),
        (date(2026, 12, 18), 20, "working_days", date(2027, 1, 20)),
        # Easter 2027: Good Friday 26 Mar, Easter Monday 29 Mar.
        (date(2027, 3, 24), 3, "working_days", date(2027, 3, 31)),
        # Month ends and leap years.
        (date(2026, 1, 31), 1, "months", date(2026, 2, 28)),
        (date(2028, 1, 31), 1, "months", date(2028, 2, 29)),
        (date(2028, 2, 29), 12, "months", date(2029, 2, 28)),
        (date(2026, 8, 31), 3, "months", date(2026, 11, 30)),
    ],
)
def test_due_dates_from_rules(anchor, period, unit, expected):
    assert DueRule(anchor, period, unit).compute(CAL).result == expected


def test_christmas_due_date_skips_the_holidays():
    exp = DueRule(date(2026, 12, 18), 5, "working_days").compute(CAL)
    assert [d for d, _ in exp.skipped_holidays] == [date(2026, 12, 25), date(2026, 12, 28)]


def test_month_rule_rolled_forward_off_a_bank_holiday():
    # 25 Dec 2026 + 12 months = Sat 25 Dec 2027 → rolls past the weekend and the
    # substitute Christmas/Boxing Day holidays (Mon 27, Tue 28 Dec) to Wed 29 Dec.
    exp = DueRule(date(2026, 12, 25), 12, "months", roll_forward=True).compute(CAL)
    assert exp.result == date(2027, 12, 29)


# -- status transitions --------------------------------------------------------------------

DUE = date(2026, 3, 31)  # Tuesday


def state(**kw) -> RecommendationState:
    kw.setdefault("original_due_on", DUE)
    kw.setdefault("due_on", kw["original_due_on"])
    return RecommendationState(**kw)


def test_open_when_far_from_due():
    assert derive_status(state(), date(2026, 2, 1), CAL) is Status.OPEN


def test_due_soon_boundary_in_working_days():
    # 10 working days before Tue 31 Mar 2026 is Tue 17 Mar.
    assert CAL.working_days_between(date(2026, 3, 17), DUE) == 10
    assert derive_status(state(), date(2026, 3, 16), CAL) is Status.OPEN
    assert derive_status(state(), date(2026, 3, 17), CAL) is Status.DUE_SOON
    assert derive_status(state(), DUE, CAL) is Status.DUE_SOON
    assert derive_status(state(), date(2026, 3, 16), CAL, due_soon_working_days=11) is Status.DUE_SOON


def test_due_soon_counts_working_days_across_easter():
    # Due Thu 8 Apr 2027; Good Friday and Easter Monday fall in the window, so
    # 10 working days before is Tue 23 Mar, not Thu 25 Mar.
    due = date(2027, 4, 8)
    s = state(original_due_on=due)
    assert derive_status(s, date(2027, 3, 23), CAL) is Status.DUE_SOON
    assert derive_status(s, date(2027, 3, 22), CAL) is Status.OPEN


def test_overdue_the_day_after_due():
    assert derive_status(state(), date(2026, 4, 1), CAL) is Status.OVERDUE


def test_escalated_once_escalation_date_reached():
    s = state(escalated_on=date(2026, 4, 30))
    assert derive_status(s, date(2026, 4, 29), CAL) is Status.OVERDUE
    assert derive_status(s, date(2026, 4, 30), CAL) is Status.ESCALATED


def test_complied_on_time_and_late_by_evidence_received_date():
    assert derive_status(state(accepted_evidence_received_on=DUE), date(2026, 6, 1), CAL) is Status.COMPLIED_ON_TIME
    assert (
        derive_status(state(accepted_evidence_received_on=date(2026, 4, 1)), date(2026, 6, 1), CAL)
        is Status.COMPLIED_LATE
    )


def test_late_decided_by_original_due_date_even_after_extension():
    s = state(original_due_on=DUE, due_on=date(2026, 5, 29), accepted_evidence_received_on=date(2026, 5, 1))
    assert derive_status(s, date(2026, 5, 2), CAL) is Status.COMPLIED_LATE
    # ... while the extension does stop it being overdue before the new date.
    outstanding = state(original_due_on=DUE, due_on=date(2026, 5, 29))
    assert derive_status(outstanding, date(2026, 5, 15), CAL) is Status.DUE_SOON
    assert derive_status(outstanding, date(2026, 4, 1), CAL) is Status.OPEN


def test_complied_even_when_escalated():
    s = state(escalated_on=date(2026, 4, 30), accepted_evidence_received_on=date(2026, 5, 5))
    assert derive_status(s, date(2026, 6, 1), CAL) is Status.COMPLIED_LATE


def test_ceased_and_not_complied_are_final():
    ceased = state(ceased=True, ceased_reason="complainant died", escalated_on=date(2026, 4, 30))
    assert derive_status(ceased, date(2026, 6, 1), CAL) is Status.CEASED
    assert derive_status(ceased, date(2026, 1, 1), CAL) is Status.CEASED
    nc = state(closed_not_complied=True, escalated_on=date(2026, 4, 30))
    assert derive_status(nc, date(2027, 6, 1), CAL) is Status.NOT_COMPLIED
    assert Status.NOT_COMPLIED.label == "Remedy not complete and not satisfied"
    assert Status.NOT_COMPLIED.is_final and not Status.OVERDUE.is_final


def test_custom_calendar_holiday_changes_due_soon():
    cal = WorkingDayCalendar(extra_holidays={date(2026, 3, 30): "One-off holiday"})
    # With 30 Mar a holiday, 17 Mar is 9 working days before due, so 16 Mar is now due soon.
    assert derive_status(state(), date(2026, 3, 16), cal) is Status.DUE_SOON


@pytest.mark.parametrize(
    "kw",
    [
        {"due_on": date(2026, 3, 30)},
        {"ceased": True},
        {"ceased": True, "ceased_reason": "   "},
        {"ceased": True, "ceased_reason": "x", "closed_not_complied": True},
        {"accepted_evidence_received_on": DUE, "closed_not_complied": True},
    ],
)
def test_inconsistent_state_refused(kw):
    with pytest.raises(ValueError):
        state(**kw)


# -- extensions ----------------------------------------------------------------------------


def test_extend_returns_entry_and_leaves_history_alone():
    history: list[Extension] = []
    first = extend(history, date(2026, 4, 30), " body awaiting court order ", date(2026, 3, 20), original_due_on=DUE)
    assert first == Extension(DUE, date(2026, 4, 30), "body awaiting court order", date(2026, 3, 20))
    assert history == []
    second = extend([first], date(2026, 5, 29), "more time", date(2026, 4, 20), original_due_on=DUE)
    assert second.from_due_on == date(2026, 4, 30)
    assert current_due_on(DUE, [first, second]) == date(2026, 5, 29)
    assert current_due_on(DUE, []) == DUE


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_extend_refuses_empty_reason(reason):
    with pytest.raises(ValueError, match="reason"):
        extend([], date(2026, 4, 30), reason, date(2026, 3, 20), original_due_on=DUE)


@pytest.mark.parametrize("new", [DUE, date(2026, 3, 1)])
def test_extend_refuses_date_not_after_current(new):
    with pytest.raises(ValueError, match="must be after the current due date"):
        extend([], new, "why", date(2026, 3, 20), original_due_on=DUE)


def test_extend_compares_with_current_not_original():
    first = Extension(DUE, date(2026, 4, 30), "r", date(2026, 3, 20))
    with pytest.raises(ValueError, match="2026-04-30"):
        extend([first], date(2026, 4, 15), "r", date(2026, 3, 25), original_due_on=DUE)


# -- age -------------------------------------------------------------------------------------


def test_age_in_working_days():
    # Due Thu 24 Dec 2026; on Tue 29 Dec it is 1 working day overdue (25, 28 Dec holidays).
    assert age_working_days(date(2026, 12, 24), date(2026, 12, 29), CAL) == 1
    assert age_working_days(date(2026, 12, 29), date(2026, 12, 24), CAL) == -1
    assert age_working_days(DUE, DUE, CAL) == 0
