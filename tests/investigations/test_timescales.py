"""Intake time tests: 12-month rule, prematurity and the body's own timescales.

Expected dates are worked out by hand (and noted beside each test), not with the calendar under
test, so a wrong holiday table or an off-by-one in the counting shows up here.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import FrozenInstanceError
from datetime import date, datetime

import pytest

from investigations.timescales import (
    PROCEDURE_LIMITS,
    PROCEDURES,
    IntakeDates,
    LocalStage,
    TimescaleCheck,
    assess_intake,
)
from workbench.workdays import WorkingDayCalendar

D = date
TODAY = D(2026, 3, 3)


def assess(
    first=D(2025, 5, 26),
    received=TODAY,
    procedure="complaint_handling_code",
    stages=(),
    today=TODAY,
    **kw,
):
    dates = IntakeDates(
        first,
        received,
        procedure,
        tuple(stages),
        complainant="Mrs X",
        body_name="the Council",
        **kw,
    )
    return assess_intake(dates, today=today)


def checks(result, stage=None):
    return {c.step: c for c in result.timescales if stage is None or c.stage == stage}


# --------------------------------------------------------------------------
# 1. Twelve months
# --------------------------------------------------------------------------


def test_within_twelve_months_explains_the_arithmetic():
    v = assess(first=D(2025, 5, 26), received=D(2026, 3, 3)).twelve_months
    assert v.code == "in_time"
    assert v.label == "Within 12 months"
    assert v.explanation == (
        "Received 3 March 2026, 9 months and 5 days after Mrs X first knew on 26 May 2025: "
        "within 12 months (deadline 26 May 2026)."
    )
    assert v.deadline == D(2026, 5, 26)


def test_received_on_the_anniversary_is_in_time():
    # Decision: the day of first knowledge is not counted, so the corresponding date is the last day.
    v = assess(first=D(2025, 3, 3), received=D(2026, 3, 3)).twelve_months
    assert v.code == "in_time"
    assert "12 months after Mrs X first knew on 3 March 2025" in v.explanation


def test_the_day_after_the_anniversary_is_late_unless_good_reason():
    v = assess(first=D(2025, 3, 2), received=D(2026, 3, 3)).twelve_months
    assert v.code == "late"
    assert v.label == "Late by 1 day, unless there is good reason to accept it"
    assert "12 months and 1 day after Mrs X first knew on 2 March 2025" in v.explanation
    assert "late by 1 day (deadline 2 March 2026)" in v.explanation
    assert "unless there is good reason to accept it" in v.explanation
    assert "ss26B and 34D" in v.explanation


def test_late_counts_calendar_days_past_the_deadline():
    v = assess(first=D(2024, 12, 1), received=D(2026, 1, 31), today=D(2026, 1, 31)).twelve_months
    assert v.code == "late"
    assert v.label.startswith("Late by 61 days")  # 1 Dec 2025 -> 31 Jan 2026


def test_leap_day_deadline_clamps_to_month_end():
    in_time = assess(first=D(2024, 2, 29), received=D(2025, 2, 28), today=D(2025, 3, 1))
    late = assess(first=D(2024, 2, 29), received=D(2025, 3, 1), today=D(2025, 3, 1))
    assert in_time.twelve_months.code == "in_time"
    assert in_time.twelve_months.deadline == D(2025, 2, 28)
    assert "February 2025 has no 29th day" in in_time.twelve_months.explanation
    assert late.twelve_months.code == "late"
    assert "late by 1 day (deadline 28 February 2025)" in late.twelve_months.explanation


def test_same_day_and_short_gaps_read_naturally():
    same = assess(first=TODAY, received=TODAY).twelve_months
    assert same.explanation.startswith("Received 3 March 2026, the same day Mrs X first knew:")
    short = assess(first=D(2026, 2, 26), received=TODAY).twelve_months
    assert "5 days after Mrs X first knew on 26 February 2026" in short.explanation


def test_no_first_aware_date_is_unknown():
    v = assess(first=None).twelve_months
    assert v.code == "unknown"
    assert v.deadline is None
    assert "Received 3 March 2026" in v.explanation
    assert "not recorded" in v.explanation


# --------------------------------------------------------------------------
# 2. Prematurity
# --------------------------------------------------------------------------


def test_never_complained_to_the_body_is_premature():
    v = assess(stages=()).premature
    assert v.code == "premature"
    assert "No complaint to the Council is recorded" in v.explanation
    assert "s26(5)" in v.explanation


def test_stage_pending_within_its_time_is_premature_and_says_when_it_is_due():
    # Code stage 1 received Mon 16 Feb 2026, acknowledged Tue 17 Feb: response due 10 WD later,
    # Tue 3 Mar 2026 - which is today, so the body still has time.
    stages = [LocalStage(1, D(2026, 2, 16), D(2026, 2, 17))]
    v = assess(stages=stages).premature
    assert v.code == "premature"
    assert v.deadline == D(2026, 3, 3)
    assert "not due until 3 March 2026" in v.explanation
    assert "received stage 1 on 16 February 2026" in v.explanation


def test_overrun_is_not_premature_and_says_so():
    # Same complaint, one working day later (Wed 4 Mar 2026): the body has had its chance.
    stages = [LocalStage(1, D(2026, 2, 16), D(2026, 2, 17))]
    v = assess(stages=stages, today=D(2026, 3, 4), received=D(2026, 3, 4)).premature
    assert v.code == "not_premature"
    assert "overran" in v.label
    assert "should have completed this step by 3 March 2026" in v.explanation
    assert "had not done so by today (4 March 2026)" in v.explanation
    assert "missing the deadline by 1 working day" in v.explanation
    assert "not premature" in v.explanation


def test_extension_gives_the_body_more_time_before_it_overruns():
    # Ack Mon 1 Sep 2025; respond 10 WD -> Mon 15 Sep, extended 20 WD -> Mon 29 Sep 2025.
    today = D(2025, 9, 22)
    plain = [LocalStage(1, D(2025, 9, 1), D(2025, 9, 1))]
    extended = [LocalStage(1, D(2025, 9, 1), D(2025, 9, 1), extended=True)]
    assert (
        assess(first=D(2025, 8, 1), received=today, stages=plain, today=today).premature.code
        == "not_premature"
    )
    v = assess(first=D(2025, 8, 1), received=today, stages=extended, today=today).premature
    assert v.code == "premature"
    assert v.deadline == D(2025, 9, 29)


def test_late_acknowledgement_alone_does_not_end_prematurity():
    # Received Mon 16 Feb 2026, never acknowledged: ack was due Mon 23 Feb (missed), but the
    # response is due 10 WD after that, Mon 9 Mar 2026, so the body still has time.
    result = assess(stages=[LocalStage(1, D(2026, 2, 16))])
    assert checks(result, 1)["acknowledge"].result == "missed"
    assert result.premature.code == "premature"
    assert result.premature.deadline == D(2026, 3, 9)


def test_final_stage_response_is_not_premature():
    stages = [
        LocalStage(1, D(2025, 9, 1), D(2025, 9, 2), D(2025, 9, 10)),
        LocalStage(2, D(2025, 9, 20), D(2025, 9, 22), D(2025, 10, 10)),
    ]
    v = assess(stages=stages).premature
    assert v.code == "not_premature"
    assert "final response at stage 2 on 10 October 2025" in v.explanation


def test_response_at_an_earlier_stage_without_escalation_is_premature():
    stages = [LocalStage(1, D(2026, 1, 5), D(2026, 1, 6), D(2026, 1, 19))]
    v = assess(stages=stages).premature
    assert v.code == "premature"
    assert "stage 2 not requested" in v.label
    assert "responded at stage 1 on 19 January 2026" in v.explanation
    assert "discretion" in v.explanation


def test_late_earlier_stage_does_not_make_a_pending_later_stage_ready():
    # Stage 1 reply was late, but stage 2 (ack Tue 24 Feb 2026, due 20 WD later) is still in time.
    stages = [
        LocalStage(1, D(2026, 1, 5), D(2026, 1, 6), D(2026, 2, 16)),
        LocalStage(2, D(2026, 2, 23), D(2026, 2, 24)),
    ]
    result = assess(stages=stages)
    assert checks(result, 1)["respond"].result == "missed"
    assert result.premature.code == "premature"
    assert result.premature.deadline == D(2026, 3, 24)


def test_adult_social_care_pending_within_six_months_is_premature():
    stages = [LocalStage(1, D(2025, 10, 1), D(2025, 10, 2))]
    v = assess(procedure="adult_social_care", stages=stages).premature
    assert v.code == "premature"
    assert v.deadline == D(2026, 4, 1)
    assert "received the complaint on 1 October 2025" in v.explanation


def test_adult_social_care_past_six_months_is_not_premature():
    stages = [LocalStage(1, D(2025, 8, 29), D(2025, 9, 1))]
    v = assess(procedure="adult_social_care", stages=stages).premature
    assert v.code == "not_premature"
    assert v.deadline == D(2026, 2, 28)  # 29 Feb 2026 does not exist


def test_childrens_stage_three_finished_only_by_the_final_response():
    base = dict(
        procedure="childrens_statutory",
        first=D(2025, 6, 1),
        today=D(2025, 12, 30),
        received=D(2025, 12, 30),
    )
    s1 = LocalStage(1, D(2025, 9, 1), responded_on=D(2025, 9, 12))
    s2 = LocalStage(2, D(2025, 9, 22), responded_on=D(2025, 10, 24))
    pending = LocalStage(3, D(2025, 11, 3), panel_on=D(2025, 12, 12), report_on=D(2025, 12, 19))
    v = assess(stages=[s1, s2, pending], **base).premature
    assert v.code == "premature"  # final response due Wed 14 Jan 2026
    assert v.deadline == D(2026, 1, 14)
    done = LocalStage(
        3,
        D(2025, 11, 3),
        panel_on=D(2025, 12, 12),
        report_on=D(2025, 12, 19),
        responded_on=D(2025, 12, 30),
    )
    assert assess(stages=[s1, s2, done], **base).premature.code == "not_premature"


def test_childrens_delayed_panel_is_not_premature():
    # Stage 3 requested Mon 3 Nov 2025; panel due Mon 15 Dec 2025, still not held on 16 Dec.
    stages = [LocalStage(3, D(2025, 11, 3))]
    v = assess(
        procedure="childrens_statutory",
        first=D(2025, 6, 1),
        stages=stages,
        today=D(2025, 12, 16),
        received=D(2025, 12, 16),
    ).premature
    assert v.code == "not_premature"
    assert "convene the review panel" in v.explanation
    assert "15 December 2025" in v.explanation


def test_body_refusing_a_stage_is_not_premature():
    stages = [
        LocalStage(1, D(2025, 9, 1), responded_on=D(2025, 9, 12)),
        LocalStage(2, D(2025, 9, 22), responded_on=D(2025, 10, 24)),
        LocalStage(3, D(2025, 11, 3), refused_on=D(2025, 11, 10)),
    ]
    result = assess(procedure="childrens_statutory", first=D(2025, 6, 1), stages=stages)
    assert result.premature.code == "not_premature"
    assert "refused to consider stage 3 on 10 November 2025" in result.premature.explanation
    row = checks(result, 3)["stage"]
    assert row.result == "not_applicable"
    assert "likely to be fault" in row.explanation


def test_missing_received_date_makes_prematurity_unknown():
    v = assess(stages=[LocalStage(1, acknowledged_on=None)]).premature
    assert v.code == "unknown"
    assert "not recorded" in v.explanation


def test_unknown_procedure_makes_prematurity_unknown():
    v = assess(procedure="unknown", stages=[LocalStage(1, D(2025, 9, 1))]).premature
    assert v.code == "unknown"


def test_no_formal_procedure_depends_on_whether_the_body_replied():
    replied = assess(
        procedure="none", stages=[LocalStage(1, D(2025, 9, 1), responded_on=D(2025, 9, 20))]
    )
    silent = assess(procedure="none", stages=[LocalStage(1, D(2025, 9, 1))])
    assert replied.premature.code == "not_premature"
    assert "20 September 2025" in replied.premature.explanation
    assert silent.premature.code == "unknown"


# --------------------------------------------------------------------------
# 3. Timescales: working days across Christmas 2025
# --------------------------------------------------------------------------


def test_working_days_skip_christmas_bank_holidays():
    # Received Fri 19 Dec 2025. 5 WD: Mon 22, Tue 23, Wed 24, (Thu 25, Fri 26 bank holidays,
    # weekend) Mon 29, Tue 30 -> due Tue 30 Dec. Counting weekdays only would say Fri 26 Dec.
    stages = [LocalStage(1, D(2025, 12, 19), D(2025, 12, 30), D(2026, 1, 14))]
    result = assess(stages=stages)
    ack, respond = checks(result, 1)["acknowledge"], checks(result, 1)["respond"]
    assert ack.due_on == D(2025, 12, 30)
    assert ack.result == "met"
    assert "Christmas Day (25 Dec 2025)" in ack.explanation
    assert "Boxing Day (26 Dec 2025)" in ack.explanation
    # 10 WD from Tue 30 Dec: 31 Dec, (1 Jan holiday) 2, 5, 6, 7, 8, 9, 12, 13, 14 Jan -> Wed 14 Jan.
    assert respond.due_on == D(2026, 1, 14)
    assert respond.result == "met"
    assert "New Year's Day (1 Jan 2026)" in respond.explanation
    assert "Wednesday 14 January 2026" in respond.explanation


def test_missed_by_counts_working_days_not_calendar_days():
    # Ack due Tue 30 Dec 2025; acknowledged Fri 2 Jan 2026 is 2 working days late (1 Jan is a holiday).
    stages = [LocalStage(1, D(2025, 12, 19), D(2026, 1, 2))]
    ack = checks(assess(stages=stages), 1)["acknowledge"]
    assert ack.result == "missed"
    assert ack.working_days_late == 2
    assert ack.label == "Missed by 2 working days"
    assert "Done Friday 2 January 2026: missed by 2 working days." in ack.explanation


def test_calendar_can_be_passed_in():
    # An administrator-added holiday on Mon 22 Dec 2025 pushes the acknowledgement to Wed 31 Dec.
    cal = WorkingDayCalendar(extra_holidays={D(2025, 12, 22): "Extra closure day"})
    dates = IntakeDates(
        D(2025, 5, 26),
        TODAY,
        "complaint_handling_code",
        (LocalStage(1, D(2025, 12, 19), D(2025, 12, 31)),),
    )
    ack = checks(assess_intake(dates, calendar=cal, today=TODAY), 1)["acknowledge"]
    assert ack.due_on == D(2025, 12, 31)
    assert ack.result == "met"


# --------------------------------------------------------------------------
# 3. Timescales per procedure
# --------------------------------------------------------------------------


def test_complaint_handling_code_stages_and_extensions():
    stages = [
        # Ack Mon 1 Sep 2025 -> respond by Mon 15 Sep; replied Tue 16 Sep: 1 WD late.
        LocalStage(1, D(2025, 9, 1), D(2025, 9, 1), D(2025, 9, 16)),
        # Stage 2 received Mon 6 Oct, ack Wed 8 Oct (due Mon 13 Oct); 20 WD -> Wed 5 Nov,
        # extended 40 WD -> Wed 3 Dec 2025; replied Fri 28 Nov: met only thanks to the extension.
        LocalStage(2, D(2025, 10, 6), D(2025, 10, 8), D(2025, 11, 28), extended=True),
    ]
    result = assess(stages=stages)
    s1, s2 = checks(result, 1), checks(result, 2)
    assert s1["respond"].due_on == D(2025, 9, 15)
    assert s1["respond"].result == "missed"
    assert s1["respond"].label == "Missed by 1 working day"
    assert (
        s1["respond"].limit_text
        == "10 working days of acknowledgement (20 working days if extended)"
    )
    assert s2["acknowledge"].due_on == D(2025, 10, 13)
    assert s2["acknowledge"].result == "met"
    assert s2["respond"].due_on == D(2025, 12, 3)
    assert s2["respond"].result == "met"
    assert "extended; normally 20 working days" in s2["respond"].limit_text


def test_code_stage_one_extension_is_capped_at_ten_more_working_days():
    # Extended: 20 WD after ack Mon 1 Sep 2025 -> Mon 29 Sep; Tue 30 Sep is still late.
    stages = [LocalStage(1, D(2025, 9, 1), D(2025, 9, 1), D(2025, 9, 30), extended=True)]
    respond = checks(assess(stages=stages), 1)["respond"]
    assert respond.due_on == D(2025, 9, 29)
    assert respond.result == "missed"
    assert respond.working_days_late == 1


def test_code_response_counts_from_the_acknowledgement_due_date_when_none_recorded():
    # Received Mon 2 Feb 2026, no acknowledgement: ack due Mon 9 Feb; response due 10 WD later, Mon 23 Feb.
    stages = [LocalStage(1, D(2026, 2, 2))]
    result = assess(stages=stages)
    s1 = checks(result, 1)
    assert s1["acknowledge"].result == "missed"
    assert s1["acknowledge"].actual_on is None
    assert "Not done by today (Tuesday 3 March 2026)" in s1["acknowledge"].explanation
    assert s1["respond"].due_on == D(2026, 2, 23)
    assert "the clock starts from 9 February 2026" in s1["respond"].explanation
    assert s1["respond"].working_days_late == 6
    assert checks(result, 2)["stage"].result == "not_applicable"


def test_response_without_separate_acknowledgement_counts_as_acknowledgement():
    stages = [LocalStage(1, D(2026, 2, 2), responded_on=D(2026, 2, 4))]
    ack = checks(assess(stages=stages), 1)["acknowledge"]
    assert ack.result == "met"
    assert ack.actual_on == D(2026, 2, 4)
    assert "taken as the acknowledgement" in ack.explanation


def test_pending_step_label_gives_the_due_date():
    stages = [LocalStage(1, D(2026, 3, 2))]
    ack = checks(assess(stages=stages), 1)["acknowledge"]
    assert ack.result == "pending"
    assert ack.label == "Pending: due on 9 March 2026"
    assert "Not done yet; due on Monday 9 March 2026." in ack.explanation


def test_adult_social_care_three_days_and_six_months():
    # Received Fri 19 Dec 2025: 3 WD -> Mon 22, Tue 23, Wed 24 Dec; reply due 19 Jun 2026.
    stages = [LocalStage(1, D(2025, 12, 19), D(2025, 12, 29))]
    result = assess(procedure="adult_social_care", stages=stages)
    s = checks(result, 1)
    assert s["acknowledge"].due_on == D(2025, 12, 24)
    assert s["acknowledge"].result == "missed"
    assert s["acknowledge"].working_days_late == 1  # 25, 26 Dec holidays, 27-28 weekend
    assert s["respond"].due_on == D(2026, 6, 19)
    assert s["respond"].result == "pending"
    assert s["respond"].limit_text == "6 months of receipt of the complaint"
    assert "reg 14" in s["respond"].explanation
    assert [c.stage for c in result.timescales] == [1, 1]


def test_adult_social_care_agreed_longer_period_overrides_six_months():
    stages = [LocalStage(1, D(2025, 6, 2), D(2025, 6, 3))]
    agreed = D(2026, 4, 30)  # in the future: allowed, it is a promise
    result = assess(procedure="adult_social_care", stages=stages, agreed_response_by=agreed)
    respond = checks(result, 1)["respond"]
    assert respond.due_on == agreed
    assert respond.result == "pending"
    assert "by 30 April 2026, the longer period agreed" in respond.limit_text
    assert result.premature.code == "premature"
    without = assess(procedure="adult_social_care", stages=stages)
    assert checks(without, 1)["respond"].result == "missed"  # due 2 Dec 2025
    assert without.premature.code == "not_premature"


def test_adult_month_deadline_on_a_weekend_reports_calendar_days():
    # Received Sun 31 Aug 2025 -> 6 months is Sat 28 Feb 2026; reply Sun 1 Mar is 1 day late.
    stages = [LocalStage(1, D(2025, 8, 31), D(2025, 9, 1), D(2026, 3, 1))]
    respond = checks(assess(procedure="adult_social_care", stages=stages), 1)["respond"]
    assert respond.due_on == D(2026, 2, 28)
    assert respond.result == "missed"
    assert respond.label == "Missed by 1 calendar day"


def test_childrens_statutory_limits_for_all_three_stages():
    stages = [
        # Stage 1 received Mon 1 Sep 2025: 10 WD -> Mon 15 Sep; replied Tue 16 Sep, not extended.
        LocalStage(1, D(2025, 9, 1), responded_on=D(2025, 9, 16)),
        # Stage 2 received Mon 6 Oct 2025: extended 65 WD -> 13 weeks (Mon 5 Jan 2026) plus
        # 25 Dec, 26 Dec, 1 Jan -> Thu 8 Jan 2026.
        LocalStage(2, D(2025, 10, 6), responded_on=D(2026, 1, 8), extended=True),
        # Stage 3 request Mon 12 Jan 2026: panel 30 WD -> Mon 23 Feb; held Tue 24 Feb (late);
        # report 5 WD after the panel -> Tue 3 Mar, still pending today.
        LocalStage(3, D(2026, 1, 12), panel_on=D(2026, 2, 24)),
    ]
    result = assess(procedure="childrens_statutory", stages=stages)
    s1, s2, s3 = checks(result, 1), checks(result, 2), checks(result, 3)
    assert (s1["respond"].due_on, s1["respond"].result) == (D(2025, 9, 15), "missed")
    assert (
        s1["respond"].limit_text
        == "10 working days of receipt of the complaint (20 working days if extended)"
    )
    assert (s2["respond"].due_on, s2["respond"].result) == (D(2026, 1, 8), "met")
    assert s2["respond"].limit_text.startswith("65 working days of receipt of the stage 2 request")
    assert (s3["panel"].due_on, s3["panel"].result) == (D(2026, 2, 23), "missed")
    assert (s3["report"].due_on, s3["report"].result) == (D(2026, 3, 3), "pending")
    # Final response: 15 WD from the report's due date, Tue 3 Mar -> Tue 24 Mar 2026.
    assert (s3["final_response"].due_on, s3["final_response"].result) == (D(2026, 3, 24), "pending")
    # A late panel is delay at stage 3: not premature.
    assert result.premature.code == "not_premature"


def test_childrens_stage_two_standard_limit_is_25_working_days():
    # Mon 6 Oct 2025 + 25 WD = Mon 10 Nov 2025.
    stages = [LocalStage(2, D(2025, 10, 6), responded_on=D(2025, 11, 10))]
    respond = checks(assess(procedure="childrens_statutory", stages=stages), 2)["respond"]
    assert respond.due_on == D(2025, 11, 10)
    assert respond.result == "met"


def test_childrens_stage_three_report_and_final_response_from_actual_dates():
    # Panel Fri 12 Dec 2025 -> report by Fri 19 Dec; report Fri 19 Dec -> response by Wed 14 Jan 2026.
    stages = [
        LocalStage(
            3,
            D(2025, 11, 3),
            panel_on=D(2025, 12, 12),
            report_on=D(2025, 12, 19),
            responded_on=D(2026, 1, 15),
        )
    ]
    s3 = checks(assess(procedure="childrens_statutory", stages=stages), 3)
    assert (s3["panel"].due_on, s3["panel"].result) == (D(2025, 12, 15), "met")
    assert (s3["report"].due_on, s3["report"].result) == (D(2025, 12, 19), "met")
    assert (s3["final_response"].due_on, s3["final_response"].result) == (D(2026, 1, 14), "missed")
    assert s3["final_response"].working_days_late == 1


@pytest.mark.parametrize("procedure", ["none", "unknown"])
def test_no_procedure_means_timescales_not_applicable(procedure):
    result = assess(procedure=procedure, stages=[LocalStage(1, D(2025, 9, 1))])
    assert [c.result for c in result.timescales] == ["not_applicable"]
    assert result.timescales[0].label == "Not applicable"


def test_unrecorded_stages_are_listed_as_not_applicable():
    result = assess(procedure="childrens_statutory", stages=[])
    assert [(c.stage, c.result) for c in result.timescales] == [
        (1, "not_applicable"),
        (2, "not_applicable"),
        (3, "not_applicable"),
    ]


def test_missing_stage_receipt_makes_checks_unknown():
    s1 = checks(assess(stages=[LocalStage(1)]), 1)
    assert s1["acknowledge"].result == "unknown"
    assert s1["acknowledge"].due_on is None
    assert "not recorded" in s1["acknowledge"].explanation
    assert s1["respond"].result == "unknown"
    assert s1["respond"].label == "Unknown"


def test_recorded_acknowledgement_still_dates_the_response_without_a_receipt_date():
    # Ack Mon 5 Jan 2026 + 10 WD = Mon 19 Jan; nothing sent by today.
    s1 = checks(assess(stages=[LocalStage(1, acknowledged_on=D(2026, 1, 5))]), 1)
    assert s1["acknowledge"].result == "unknown"
    assert (s1["respond"].due_on, s1["respond"].result) == (D(2026, 1, 19), "missed")


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------


def test_response_before_receipt_is_rejected():
    with pytest.raises(
        ValueError,
        match="Stage 1: the response on 1 March 2026 is before the "
        "complaint was received on 2 March 2026",
    ):
        LocalStage(1, D(2026, 3, 2), responded_on=D(2026, 3, 1))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            dict(received_on=D(2026, 3, 2), acknowledged_on=D(2026, 3, 1)),
            "acknowledged on 1 March 2026",
        ),
        (dict(received_on=D(2026, 3, 2), panel_on=D(2026, 3, 1)), "panel met on 1 March 2026"),
        (dict(panel_on=D(2026, 3, 2), report_on=D(2026, 3, 1)), "report on 1 March 2026"),
        (
            dict(report_on=D(2026, 3, 2), responded_on=D(2026, 3, 1)),
            "final response on 1 March 2026",
        ),
        (dict(received_on=D(2026, 3, 2), refused_on=D(2026, 3, 1)), "refused on 1 March 2026"),
        (dict(received_on=datetime(2026, 3, 2, 9, 0)), "must be a date"),
        (dict(extended="yes"), "True or False"),
    ],
)
def test_stage_dates_must_be_in_order(kwargs, message):
    with pytest.raises(ValueError, match=message):
        LocalStage(3, **kwargs)


@pytest.mark.parametrize(
    "stage, today, message",
    [
        (
            LocalStage(1, D(2026, 3, 4)),
            TODAY,
            r"Stage 1 received date \(4 March 2026\) is in the future",
        ),
        (
            LocalStage(1, D(2026, 3, 2), responded_on=D(2026, 3, 10)),
            TODAY,
            "Stage 1 responded date",
        ),
    ],
)
def test_future_dates_are_rejected(stage, today, message):
    with pytest.raises(ValueError, match=message):
        assess(stages=[stage], today=today)


def test_future_ombudsman_receipt_and_first_aware_are_rejected():
    with pytest.raises(ValueError, match="received by the Ombudsman .* is in the future"):
        assess(received=D(2026, 3, 4))
    with pytest.raises(ValueError, match="first aware .* is in the future; today is 3 March 2026"):
        assess(first=D(2026, 3, 5), received=D(2026, 3, 6), today=TODAY)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(first=D(2026, 3, 4), received=D(2026, 3, 3)), "before the complainant first knew"),
        (dict(procedure="housing"), "Unknown local complaint procedure 'housing'"),
        (
            dict(procedure="adult_social_care", stages=[LocalStage(2, D(2025, 9, 1))]),
            "has no stage 2",
        ),
        (dict(procedure="childrens_statutory", stages=[LocalStage(4)]), "has no stage 4"),
        (dict(stages=[LocalStage(2, panel_on=D(2025, 9, 1))]), "only to stage 3 of the children's"),
        (
            dict(procedure="adult_social_care", stages=[LocalStage(1, extended=True)]),
            "cannot be extended",
        ),
        (dict(agreed_response_by=D(2026, 6, 1)), "only to adult social care"),
        (
            dict(
                procedure="adult_social_care",
                stages=[LocalStage(1, D(2025, 9, 1))],
                agreed_response_by=D(2025, 8, 1),
            ),
            "agreed response date 1 August 2025 is before",
        ),
        (dict(stages=[LocalStage(1), LocalStage(1)]), "only once"),
    ],
)
def test_intake_dates_are_validated(kwargs, message):
    with pytest.raises(ValueError, match=message):
        assess(**kwargs)


def test_stages_are_sorted_and_records_are_frozen():
    dates = IntakeDates(
        None,
        TODAY,
        "complaint_handling_code",
        [LocalStage(2, D(2026, 2, 1)), LocalStage(1, D(2026, 1, 5))],
    )
    assert [s.number for s in dates.stages] == [1, 2]
    assert isinstance(dates.stages, tuple)
    with pytest.raises(FrozenInstanceError):
        dates.procedure = "none"  # type: ignore[misc]


def test_today_defaults_to_the_current_date():
    result = assess_intake(IntakeDates(None, D(2020, 1, 1), "none"))
    assert result.twelve_months.code == "unknown"


# --------------------------------------------------------------------------
# Shape of the module
# --------------------------------------------------------------------------


def test_procedures_cover_the_limit_table():
    assert set(PROCEDURE_LIMITS) <= set(PROCEDURES)
    assert set(PROCEDURES) - set(PROCEDURE_LIMITS) == {"none", "unknown"}
    assert PROCEDURES["adult_social_care"] == "Adult social care (single stage, 2009 Regulations)"
    for stages in PROCEDURE_LIMITS.values():
        for limits in stages.values():
            for limit in limits:
                assert limit.source, limit
                assert limit.extended_period is None or limit.extended_period > limit.period


def test_timescale_check_labels():
    def check(result, **kw):
        return TimescaleCheck(1, "respond", "x", None, None, result, "", **kw)

    assert check("met").label == "Met"
    assert check("missed", working_days_late=3, days_late=5).label == "Missed by 3 working days"
    assert check("not_applicable").label == "Not applicable"
    assert check("respond").step_label == "Response"


def test_module_is_pure():
    code = (
        "import sys, investigations.timescales as t; "
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('litestar', 'piccolo', 'jinja2', 'uvicorn', 'sqlite3', 'asyncpg')]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
