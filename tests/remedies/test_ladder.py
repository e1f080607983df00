"""The chase ladder fires each rung once per due date, and only while outstanding."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from remedies.ladder import DEFAULT_LADDER, RecipientRole, Rung, rung_date, rungs_due, validate_ladder
from remedies.status import Status
from workbench.workdays import default_calendar

CAL = default_calendar()
DECIDED = date(2026, 1, 15)
DUE = date(2026, 4, 15)  # Wednesday
# Default rung dates for DUE (Easter 2026: Good Friday 3 Apr, Easter Monday 6 Apr):
REMINDER = date(2026, 4, 8)  # 5 working days before, skipping Easter Monday
CHASER = date(2026, 4, 22)
ESCALATION = date(2026, 5, 14)  # 20 working days after, skipping 4 May bank holiday
CWM = date(2027, 1, 15)  # 12 months after decision (a Friday)
REPORT = date(2027, 2, 15)


def scan(today, fired, *, due=DUE, status=Status.OVERDUE, ladder=DEFAULT_LADDER):
    """Run a scan and record what fired, as the caller's unique constraint would."""
    firings = rungs_due(ladder, due, DECIDED, status, today, fired, CAL)
    for f in firings:
        assert f.key not in fired
        fired.add(f.key)
    return firings


def test_default_rung_dates():
    got = {r.key: rung_date(r, DUE, DECIDED, CAL).result for r in DEFAULT_LADDER}
    assert got == {
        "reminder": REMINDER,
        "chaser": CHASER,
        "escalation": ESCALATION,
        "casework_manager": CWM,
        "public_report_flag": REPORT,
    }
    by_key = {r.key: r for r in DEFAULT_LADDER}
    assert by_key["escalation"].recipient is RecipientRole.CHIEF_EXECUTIVE
    assert by_key["reminder"].recipient is RecipientRole.LINK_OFFICER
    assert by_key["casework_manager"].recipient is RecipientRole.CASEWORK_MANAGER


def test_twelve_month_rung_rolls_off_a_weekend_and_handles_leap_day():
    rung = next(r for r in DEFAULT_LADDER if r.key == "casework_manager")
    # 29 Feb 2028 + 12 months = 28 Feb 2029 (Wednesday).
    assert rung_date(rung, DUE, date(2028, 2, 29), CAL).result == date(2029, 2, 28)
    # 27 Dec 2026 + 12 months = Mon 27 Dec 2027, a substitute bank holiday → Wed 29 Dec.
    assert rung_date(rung, DUE, date(2026, 12, 27), CAL).result == date(2027, 12, 29)


def test_daily_scans_fire_each_rung_once_on_its_day():
    fired: set = set()
    log: dict = {}
    day = DECIDED
    while day <= date(2027, 3, 31):
        status = Status.OPEN if day <= DUE else Status.OVERDUE
        for f in scan(day, fired, status=status):
            log[f.rung.key] = day
        day += timedelta(days=1)
    assert log == {
        "reminder": REMINDER,
        "chaser": CHASER,
        "escalation": ESCALATION,
        "casework_manager": CWM,
        "public_report_flag": REPORT,
    }


def test_repeated_scan_same_day_fires_nothing_more():
    fired: set = set()
    assert [f.rung.key for f in scan(CHASER, fired)] == ["reminder", "chaser"]
    assert scan(CHASER, fired) == []


def test_catch_up_after_30_day_outage_returns_each_missed_rung_once():
    fired: set = set()
    assert [f.rung.key for f in scan(date(2026, 4, 10), fired)] == ["reminder"]
    # Down from 11 Apr to 10 May; the first scan afterwards is 20 May.
    missed = scan(date(2026, 5, 20), fired)
    assert [(f.rung.key, f.fire_on) for f in missed] == [("chaser", CHASER), ("escalation", ESCALATION)]
    assert all(f.key == (f.rung.key, DUE) and f.due_on == DUE for f in missed)
    assert scan(date(2026, 5, 21), fired) == []


def test_catch_up_everything_at_once_in_date_order():
    firings = scan(date(2027, 6, 1), set())
    assert [f.fire_on for f in firings] == [REMINDER, CHASER, ESCALATION, CWM, REPORT]


@pytest.mark.parametrize(
    "status", [Status.COMPLIED_ON_TIME, Status.COMPLIED_LATE, Status.CEASED, Status.NOT_COMPLIED]
)
def test_nothing_fires_once_no_longer_outstanding(status):
    assert scan(date(2027, 6, 1), set(), status=status) == []


@pytest.mark.parametrize("status", [Status.OPEN, Status.DUE_SOON, Status.OVERDUE, Status.ESCALATED])
def test_fires_while_outstanding(status):
    assert scan(date(2027, 6, 1), set(), status=status)


def test_extension_rearms_due_relative_rungs_but_not_twelve_month_rung():
    fired: set = set()
    scan(date(2027, 2, 20), fired)  # every rung has fired for the old due date
    assert ("casework_manager", DECIDED) in fired and ("public_report_flag", DECIDED) in fired
    new_due = date(2027, 3, 1)
    assert scan(date(2027, 2, 21), fired, due=new_due, status=Status.DUE_SOON) == []
    refired = scan(date(2027, 3, 8), fired, due=new_due)
    # Reminder (22 Feb) and chaser (8 Mar) for the new date; the 12-month rung and the
    # public report flag fired already (keyed by decision date) and do not come back.
    assert [(f.rung.key, f.key) for f in refired] == [
        ("reminder", ("reminder", new_due)),
        ("chaser", ("chaser", new_due)),
    ]


def test_public_report_flag_not_before_its_date():
    keys = [f.rung.key for f in scan(date(2027, 2, 12), set())]
    assert "casework_manager" in keys and "public_report_flag" not in keys


# -- validation ------------------------------------------------------------------------------


def test_default_ladder_is_valid():
    validate_ladder(DEFAULT_LADDER)


def test_duplicate_keys_refused():
    ladder = (
        Rung("chaser", "A", RecipientRole.LINK_OFFICER, offset_working_days=5),
        Rung("chaser", "B", RecipientRole.LINK_OFFICER, offset_working_days=10),
    )
    with pytest.raises(ValueError, match="duplicate"):
        validate_ladder(ladder)
    with pytest.raises(ValueError, match="duplicate"):
        rungs_due(ladder, DUE, DECIDED, Status.OVERDUE, DUE, set(), CAL)


@pytest.mark.parametrize(
    "ladder",
    [
        (
            Rung("a", "A", RecipientRole.LINK_OFFICER, offset_working_days=10),
            Rung("b", "B", RecipientRole.LINK_OFFICER, offset_working_days=5),
        ),
        (
            Rung("a", "A", RecipientRole.LINK_OFFICER, offset_working_days=5),
            Rung("b", "B", RecipientRole.LINK_OFFICER, offset_working_days=5),
        ),
        (
            Rung("a", "A", RecipientRole.CASEWORK_MANAGER, months_after_decision=13),
            Rung("b", "B", RecipientRole.CASEWORK_MANAGER, months_after_decision=12),
        ),
    ],
)
def test_unsorted_offsets_refused(ladder):
    with pytest.raises(ValueError, match="increasing"):
        validate_ladder(ladder)


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"offset_working_days": 5, "months_after_decision": 12},
        {"months_after_decision": 0},
    ],
)
def test_rung_needs_exactly_one_schedule(kw):
    with pytest.raises(ValueError):
        Rung("x", "X", RecipientRole.LINK_OFFICER, **kw)
