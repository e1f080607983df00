"""Working-list rules: ages against targets in working days (bank holidays included), the intake
priority flag, allocation order, sorting, filter values and page numbers."""

from datetime import date, datetime, timedelta, timezone

import pytest

from investigations import worklists
from investigations.demo import DemoInputs, plan_demo
from investigations.lifecycle import Stage
from investigations.worklists import (
    AgeStatus,
    Queue,
    SortKey,
    StageTarget,
    case_age,
    check_date_range,
    clock_start,
    intake_priority,
    next_sort,
    page_numbers,
    parse_filter_date,
    parse_queue,
    parse_sort,
    partial_reference,
    read_list_params,
    sort_cases,
)
from workbench.workdays import WorkingDayCalendar

CAL = WorkingDayCalendar()

# Easter 2026: Good Friday 3 April and Easter Monday 6 April; May Day Monday 4 May.
ENTERED_BEFORE_EASTER = date(2026, 4, 2)  # a Thursday


def test_assessment_target_counts_working_days_across_bank_holidays():
    # 20 working days after Thu 2 April 2026 skip Easter and May Day: Tue 5 May, not Thu 30 April.
    day_20 = date(2026, 5, 5)
    assert CAL.add_working_days(ENTERED_BEFORE_EASTER, 20).result == day_20
    on_day_20 = case_age("assessment", date(2026, 3, 30), ENTERED_BEFORE_EASTER, day_20, calendar=CAL)
    assert on_day_20.age_working_days == 20 and on_day_20.working_days_left == 0
    assert on_day_20.status is AgeStatus.DUE_SOON  # reaching the target is still within it
    next_day = case_age("assessment", date(2026, 3, 30), ENTERED_BEFORE_EASTER, date(2026, 5, 6), calendar=CAL)
    assert next_day.status is AgeStatus.OVER_TARGET and next_day.working_days_left == -1
    assert next_day.summary == "21 of 20 working days (1 over)"
    # Thu 30 April: 20 weekdays after 2 April, but 18 working days (Good Friday, Easter Monday).
    thirtieth = case_age("assessment", date(2026, 3, 30), ENTERED_BEFORE_EASTER, date(2026, 4, 30), calendar=CAL)
    assert thirtieth.age_working_days == 18 and thirtieth.status is AgeStatus.DUE_SOON
    early = case_age("assessment", date(2026, 3, 30), ENTERED_BEFORE_EASTER, date(2026, 4, 21), calendar=CAL)
    assert early.age_working_days == 11 and early.status is AgeStatus.ON_TRACK
    assert early.summary == "11 of 20 working days (9 left)"
    assert early.clock_from == ENTERED_BEFORE_EASTER and early.target_working_days == 20


def test_assessment_due_soon_boundary():
    # Due soon from five working days left (age 15); on track at six left.
    fourteen = CAL.add_working_days(date(2026, 6, 1), 14).result
    fifteen = CAL.add_working_days(date(2026, 6, 1), 15).result
    assert case_age("assessment", date(2026, 6, 1), date(2026, 6, 1), fourteen, calendar=CAL).status is AgeStatus.ON_TRACK
    assert case_age("assessment", date(2026, 6, 1), date(2026, 6, 1), fifteen, calendar=CAL).status is AgeStatus.DUE_SOON


def test_assessment_clock_falls_back_to_received_without_a_stage_date():
    age = case_age("assessment", date(2026, 6, 1), None, date(2026, 6, 8), calendar=CAL)
    assert age.clock_from == date(2026, 6, 1) and age.age_working_days == 5


def test_intake_priority_at_five_working_days_over_christmas():
    received = date(2026, 12, 24)  # Christmas Day, Boxing Day (observed Mon 28) and New Year's Day follow
    four = case_age("intake", received, received, date(2027, 1, 4), calendar=CAL)
    assert four.age_working_days == 4 and four.status is AgeStatus.DUE_SOON and not four.intake_priority
    five = case_age("intake", received, received, date(2027, 1, 5), calendar=CAL)
    assert five.age_working_days == 5 and five.status is AgeStatus.PRIORITY and five.intake_priority
    # Counting weekdays only would have flagged it on Thu 31 December.
    assert case_age("intake", received, received, date(2026, 12, 31), calendar=CAL).status is not AgeStatus.PRIORITY


def test_forwarded_from_intake_at_five_working_days_is_priority_while_unallocated():
    received = date(2026, 12, 24)
    late, prompt = date(2027, 1, 5), date(2027, 1, 4)  # 5 and 4 working days after receipt
    assert intake_priority("assessment", received, late, date(2027, 1, 6), CAL)
    assert not intake_priority("assessment", received, prompt, date(2027, 1, 6), CAL)
    unallocated = case_age("assessment", received, late, date(2027, 1, 6), allocated=False, calendar=CAL)
    assert unallocated.status is AgeStatus.PRIORITY and unallocated.intake_priority
    allocated = case_age("assessment", received, late, date(2027, 1, 6), allocated=True, calendar=CAL)
    assert allocated.status is AgeStatus.ON_TRACK and allocated.intake_priority
    not_late = case_age("assessment", received, prompt, date(2027, 1, 6), allocated=False, calendar=CAL)
    assert not_late.status is AgeStatus.ON_TRACK
    # Over the assessment target outranks the priority flag.
    over = case_age("assessment", received, late, date(2027, 3, 1), allocated=False, calendar=CAL)
    assert over.status is AgeStatus.OVER_TARGET and over.intake_priority


def test_investigation_target_runs_from_receipt_and_is_a_secondary_source():
    target = worklists.STAGE_TARGETS[Stage.INVESTIGATION]
    assert target.working_days == 130 and target.clock == "received" and target.secondary_source
    assert worklists.STAGE_TARGETS[Stage.DRAFT_DECISION] is target and worklists.STAGE_TARGETS[Stage.COMMENTS] is target
    received = date(2026, 1, 5)
    day_130 = CAL.add_working_days(received, 130).result
    on_time = case_age("investigation", received, date(2026, 2, 20), day_130, calendar=CAL)
    assert on_time.age_working_days == 130 and on_time.status is AgeStatus.DUE_SOON
    assert day_130.weekday() == 4  # a Friday: the next working day is the Monday
    assert case_age("investigation", received, None, day_130 + timedelta(days=1), calendar=CAL).status is AgeStatus.DUE_SOON
    assert case_age("investigation", received, None, day_130 + timedelta(days=3), calendar=CAL).status is AgeStatus.OVER_TARGET
    assert case_age("comments", received, date(2026, 5, 1), received + timedelta(days=30), calendar=CAL).status is AgeStatus.ON_TRACK


def test_targets_are_configurable():
    shorter = {**worklists.STAGE_TARGETS, Stage.INVESTIGATION: StageTarget(
        10, "received", 2, AgeStatus.OVER_TARGET, False, "local policy")}
    received = date(2026, 6, 1)
    assert case_age("investigation", received, None, date(2026, 6, 16), calendar=CAL, targets=shorter).status is AgeStatus.OVER_TARGET
    assert case_age("investigation", received, None, date(2026, 6, 16), calendar=CAL).status is AgeStatus.ON_TRACK
    no_intake_target = {k: v for k, v in worklists.STAGE_TARGETS.items() if k is not Stage.INTAKE}
    age = case_age("intake", received, received, date(2026, 6, 30), calendar=CAL, targets=no_intake_target)
    assert age.status is AgeStatus.NO_TARGET and age.target_working_days is None and age.summary == "21 working days"


def test_closed_case_shows_time_to_decision_and_urgent_is_carried():
    age = case_age("closed", date(2026, 3, 30), date(2026, 5, 6), date(2026, 11, 1), decided_on=date(2026, 5, 6), calendar=CAL)
    assert age.status is AgeStatus.CLOSED and age.age_working_days == 24 and age.target_working_days is None
    assert age.summary == "Decided after 24 working days"
    assert case_age("assessment", date(2026, 6, 1), date(2026, 6, 1), date(2026, 6, 2), urgent=True, calendar=CAL).urgent


def test_status_labels_and_colours_cover_every_status():
    for status in AgeStatus:
        assert status.label and status.colour
    assert AgeStatus.OVER_TARGET.colour == "red" and AgeStatus.ON_TRACK.colour == "green"


def _key(id, stage="assessment", received=date(2026, 6, 1), entered=None, urgent=False, reference=None):
    return SortKey(id, reference or f"26 000 {id:03d}", received, stage, entered, urgent)


def test_allocation_order_urgent_then_intake_priority_then_oldest():
    today = date(2026, 7, 1)
    old = _key(1, received=date(2026, 5, 1), entered=date(2026, 5, 4))  # oldest, forwarded promptly
    late = _key(2, received=date(2026, 6, 1), entered=date(2026, 6, 10))  # forwarded at 7 working days
    urgent = _key(3, received=date(2026, 6, 20), entered=date(2026, 6, 22), urgent=True)
    newer = _key(4, received=date(2026, 6, 2), entered=date(2026, 6, 3))
    ordered = sort_cases([newer, old, late, urgent], "priority", today, CAL)
    assert [k.id for k in ordered] == [3, 2, 1, 4]


def test_sorting_by_age_uses_each_stages_clock():
    # Assessment ages run from entering assessment, investigation ages from receipt.
    a = _key(1, "assessment", received=date(2026, 1, 5), entered=date(2026, 6, 1))  # young in assessment
    b = _key(2, "investigation", received=date(2026, 3, 2), entered=date(2026, 4, 1))  # older: from receipt
    c = _key(3, "intake", received=date(2026, 6, 15))
    assert clock_start("assessment", a.received_on, a.stage_entered_on) == date(2026, 6, 1)
    assert clock_start("investigation", b.received_on, b.stage_entered_on) == date(2026, 3, 2)
    assert [k.id for k in sort_cases([a, b, c], "-age", date(2026, 7, 1))] == [2, 1, 3]  # oldest first
    assert [k.id for k in sort_cases([a, b, c], "age", date(2026, 7, 1))] == [3, 1, 2]


def test_other_sorts_and_ties_broken_by_id():
    keys = [
        _key(5, "investigation", received=date(2026, 6, 1), reference="25 000 002"),
        _key(2, "intake", received=date(2026, 6, 1), reference="26 000 001"),
        _key(9, "closed", received=date(2026, 5, 1), reference="24 999 999"),
    ]
    assert [k.id for k in sort_cases(keys, "received", date(2026, 7, 1))] == [9, 2, 5]
    assert [k.id for k in sort_cases(keys, "-received", date(2026, 7, 1))] == [5, 2, 9]
    assert [k.id for k in sort_cases(keys, "reference", date(2026, 7, 1))] == [9, 5, 2]
    assert [k.id for k in sort_cases(keys, "stage", date(2026, 7, 1))] == [2, 5, 9]  # lifecycle order
    assert [k.id for k in sort_cases(keys, "-stage", date(2026, 7, 1))] == [9, 5, 2]
    with pytest.raises(ValueError):
        sort_cases(keys, "summary", date(2026, 7, 1))


def test_sort_and_queue_values_are_whitelisted():
    assert parse_sort("", Queue.ALL) == "-received"
    assert parse_sort("", Queue.MINE) == "-age"
    assert parse_sort("", Queue.UNALLOCATED) == "priority"
    assert parse_sort("-stage", Queue.ALL) == "-stage"
    for bad in ("summary", "received; DROP TABLE", "--age"):
        with pytest.raises(ValueError):
            parse_sort(bad, Queue.ALL)
    assert parse_queue("") is Queue.ALL and parse_queue("mine") is Queue.MINE
    with pytest.raises(ValueError, match="unallocated"):
        parse_queue("everything")


def test_sort_links_toggle_direction():
    assert next_sort("received", "-received") == "received"
    assert next_sort("received", "received") == "-received"
    assert next_sort("received", "reference") == "-received"  # newest first on the first click
    assert next_sort("reference", "-received") == "reference"
    assert worklists.aria_sort("age", "-age") == "descending"
    assert worklists.aria_sort("age", "priority") == "none"


def test_filter_dates_in_iso_and_uk_forms():
    assert parse_filter_date("2025-03-27") == date(2025, 3, 27)
    assert parse_filter_date("27/3/2025") == date(2025, 3, 27)
    assert parse_filter_date(" 27.03.2025 ") == date(2025, 3, 27)
    assert parse_filter_date("27 3 2025") == date(2025, 3, 27)
    assert parse_filter_date("") is None
    for bad in ("31/2/2025", "2025-13-01", "yesterday", "27/3/25", "1/1/2025'--"):
        with pytest.raises(ValueError):
            parse_filter_date(bad)


def test_date_range_errors_read_like_govuk_messages():
    today = date(2026, 6, 1)
    ok = check_date_range("1/1/2026", "2026-05-31", today)
    assert ok.start == date(2026, 1, 1) and ok.end == date(2026, 5, 31) and not ok.errors
    assert check_date_range("1/6/2026", "1/6/2026", today).errors == {}  # one day, today
    backwards = check_date_range("2/5/2026", "1/5/2026", today)
    assert backwards.errors == {"received_from": "Received from date must be the same as or before the received to date"}
    future = check_date_range("", "2/6/2026", today)
    assert future.errors == {"received_to": "Received to date must be today or in the past"}
    nonsense = check_date_range("30/2/2026", "", today)
    assert nonsense.errors["received_from"].startswith("Received from date must be a real date")


def test_partial_references():
    assert partial_reference("26") == "26"
    assert partial_reference("26 02") == "26 02"
    assert partial_reference("2602253") == "26 022 53"
    assert partial_reference("26-022-5") == "26 022 5"
    assert partial_reference("2") is None
    assert partial_reference("Smith") is None
    assert partial_reference("260225331") is None


def test_page_numbers_follow_govuk_pagination():
    assert page_numbers(1, 1) == [1]
    assert page_numbers(1, 3) == [1, 2, 3]
    assert page_numbers(5, 20) == [1, None, 4, 5, 6, None, 20]
    assert page_numbers(1, 20) == [1, 2, None, 20]
    assert page_numbers(3, 20) == [1, 2, 3, 4, None, 20]  # no ellipsis for a single missing page
    assert page_numbers(20, 20) == [1, None, 19, 20]
    assert worklists.page_count(0, 50) == 1 and worklists.page_count(101, 50) == 3


def _read(strict, **values):
    return read_list_params(today=date(2026, 6, 1), category_slugs=["housing", "planning"], strict=strict, **values)


def test_list_params_strict_for_the_api_and_forgiving_on_the_page():
    bad = dict(queue="nobody", stage="limbo", category="cheese", investigator="Bob", sort="summary", q="x")
    strict = _read(True, **bad)
    assert set(strict.errors) == {"queue", "stage", "category", "investigator", "sort", "q"}
    page = _read(False, **bad)
    assert page.errors == {}
    assert (page.queue, page.stage, page.category, page.investigator, page.sort) == (Queue.ALL, "", "", None, "")
    assert page.q == "x" and page.search == ""  # shown in the box, not searched
    dates = _read(False, received_from="2/5/2026", received_to="1/5/2026")
    assert set(dates.errors) == {"received_from"}  # a person can mistype these, so the page says so
    legacy = _read(False, mine=True, stage="assessment")
    assert legacy.queue is Queue.MINE and legacy.effective_sort == "-age"


def test_list_urls_are_short_and_keep_the_filters():
    params = _read(False, queue="mine", q="Smith & sons", stage="assessment", received_from="1/1/2026", sort="-age")
    assert params.query() == "queue=mine&q=Smith+%26+sons&stage=assessment&received_from=1%2F1%2F2026"  # -age is mine's default
    assert params.query(page=3).endswith("&page=3")
    assert "page" not in params.query(page=1)
    assert params.query(sort="reference").endswith("&sort=reference")
    assert _read(False).query() == ""


def test_demo_cases_enter_their_stage_between_receipt_and_the_anchor_date():
    inputs = DemoInputs(
        categories={"housing": 1}, subcategories={1: [(1, "housing/allocations")]}, councils=list(range(1, 20)),
        providers=[20], nhs=[21], investigators=[1, 2], counters={},
    )
    anchor = date(2026, 11, 1)
    plan = plan_demo(inputs, 2000, seed=3, anchor=anchor, now=datetime(2026, 11, 1, tzinfo=timezone.utc))
    assert all(c["received_on"] <= c["stage_entered_on"] <= anchor for c in plan.cases)
    assert all(c["stage_entered_on"] == c["received_on"] for c in plan.cases if c["stage"] == "intake")
    assert all(c["stage_entered_on"] == c["decided_on"] for c in plan.cases if c["decided_on"])
    assessment = [c for c in plan.cases if c["stage"] == "assessment"]
    late = [c for c in assessment if intake_priority("assessment", c["received_on"], c["stage_entered_on"], anchor, CAL)]
    assert assessment and 0 < len(late) < len(assessment)  # some forwarded late from intake, not all
