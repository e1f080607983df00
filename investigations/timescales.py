"""Intake time tests: the 12-month rule, prematurity, and the body's own complaint timescales.

At intake an investigator records when the complainant first knew of the problem, which local
complaint procedure applied, and the dates of each local stage.  From those this module gives three
verdicts, each with its arithmetic in plain English, because a complainant told "too late" or "go
back to the council first" is entitled to see exactly which dates that rests on:

1. ``twelve_months`` - did the complaint reach the Ombudsman within 12 months of the day the person
   first knew of the matter (LGA 1974 ss26B, 34D)?  Received *on* the anniversary counts as in time:
   the day of first knowledge is not counted, so the period ends at the end of the corresponding
   date (the Dodds v Walker reading that `WorkingDayCalendar.add_months` follows).
2. ``premature`` - has the body been told and given a reasonable chance to respond (s26(5))?  A body
   that has overrun its own deadline, or refused a stage, has had its chance.
3. ``timescales`` - did the body meet the timescales of its own procedure, stage by stage?

All working-day arithmetic goes through `workbench.workdays`; the limits are data (`PROCEDURE_LIMITS`)
so a change in the law or the Code is a one-line edit.  Pure: no database, no web framework.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from workbench.workdays import (
    DateExplanation,
    DueRule,
    Unit,
    WorkingDayCalendar,
    default_calendar,
    format_date_long,
)

__all__ = [
    "PROCEDURES",
    "PROCEDURE_LIMITS",
    "IntakeAssessment",
    "IntakeDates",
    "LocalStage",
    "StepLimit",
    "TimescaleCheck",
    "Verdict",
    "assess_intake",
]

# --------------------------------------------------------------------------
# The rules, as data
# --------------------------------------------------------------------------

TWELVE_MONTH_LIMIT = 12  # months; LGA 1974 s26B(1) (councils) and s34D(3) (adult social care)
TWELVE_MONTH_SOURCE = "Local Government Act 1974, ss26B and 34D"
PREMATURE_SOURCE = "Local Government Act 1974, s26(5)"

#: Code -> label for the intake form's select.  "none" and "unknown" have no timescales to check.
PROCEDURES: dict[str, str] = {
    "adult_social_care": "Adult social care (single stage, 2009 Regulations)",
    "childrens_statutory": "Children's social care (three stages, Children Act 1989 procedure)",
    "complaint_handling_code": "Council complaint (two stages, LGSCO Complaint Handling Code)",
    "none": "No formal local complaint procedure",
    "unknown": "Not known yet",
}


@dataclass(frozen=True)
class StepLimit:
    """One statutory or Code time limit for one step of one stage.

    ``anchor`` is "received" (the stage's complaint or request) or the ``step`` of an earlier limit
    in the same stage whose date starts the clock.  ``actual`` names the `LocalStage` field holding
    the date the step was done.  ``extended_period`` is the *total* limit once extended (None: no
    extension allowed); ``longer_by_agreement`` lets `IntakeDates.agreed_response_by` replace the
    limit.  Acknowledgements are not ``substantive``: missing one does not use up the
    body's chance to respond, so it does not make a complaint ready for us.
    """

    step: str
    title: str
    period: int
    unit: Unit
    anchor: str
    actual: str
    source: str
    extended_period: int | None = None
    substantive: bool = True
    longer_by_agreement: bool = False


_SI_2009 = "LASS and NHS Complaints (England) Regulations 2009 (SI 2009/309)"
_SI_2006 = "Children Act 1989 Representations Procedure (England) Regulations 2006 (SI 2006/1738)"
_CODE = "LGSCO Complaint Handling Code (2024)"

#: procedure -> stage number -> the limits for that stage, in the order they fall due.
PROCEDURE_LIMITS: dict[str, dict[int, tuple[StepLimit, ...]]] = {
    "adult_social_care": {
        1: (
            StepLimit("acknowledge", "Acknowledge the complaint", 3, "working_days",
                      "received", "acknowledged_on", f"{_SI_2009}, reg 13", substantive=False),
            # Six months unless a longer period is agreed before it expires (IntakeDates.agreed_response_by).
            StepLimit("respond", "Send the response", 6, "months",
                      "received", "responded_on", f"{_SI_2009}, reg 14", longer_by_agreement=True),
        ),
    },
    "childrens_statutory": {
        1: (
            StepLimit("respond", "Respond at stage 1 (local resolution)", 10, "working_days",
                      "received", "responded_on", f"{_SI_2006}, reg 14", extended_period=20),
        ),
        2: (
            StepLimit("respond", "Respond at stage 2 (investigation)", 25, "working_days",
                      "received", "responded_on", f"{_SI_2006}, reg 17", extended_period=65),
        ),
        3: (
            StepLimit("panel", "Convene the review panel", 30, "working_days",
                      "received", "panel_on", f"{_SI_2006}, reg 19"),
            StepLimit("report", "Send the panel's report", 5, "working_days",
                      "panel", "report_on", f"{_SI_2006}, reg 20"),
            StepLimit("final_response", "Send the council's final response", 15, "working_days",
                      "report", "responded_on", f"{_SI_2006}, reg 20"),
        ),
    },
    "complaint_handling_code": {
        1: (
            StepLimit("acknowledge", "Acknowledge at stage 1", 5, "working_days",
                      "received", "acknowledged_on", f"{_CODE}, stage 1", substantive=False),
            StepLimit("respond", "Respond at stage 1", 10, "working_days",
                      "acknowledge", "responded_on", f"{_CODE}, stage 1", extended_period=20),
        ),
        2: (
            StepLimit("acknowledge", "Acknowledge at stage 2", 5, "working_days",
                      "received", "acknowledged_on", f"{_CODE}, stage 2", substantive=False),
            StepLimit("respond", "Respond at stage 2", 20, "working_days",
                      "acknowledge", "responded_on", f"{_CODE}, stage 2", extended_period=40),
        ),
    },
}  # fmt: skip

_ANCHOR_WORDS = {
    "acknowledge": "acknowledgement",
    "panel": "the panel meeting",
    "report": "the panel's report",
}

_LONDON = ZoneInfo("Europe/London")
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


# --------------------------------------------------------------------------
# Small text helpers (locale-independent, like workdays)
# --------------------------------------------------------------------------


def _d(d: date) -> str:
    """'3 March 2026': the form used in the verdict sentences."""
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _check_date(value: object, what: str, *, optional: bool = True) -> None:
    # ValueError, not TypeError: the intake form shows these messages to the investigator.
    if value is None and optional:
        return
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValueError(f"{what} must be a date, not {type(value).__name__}")


def _not_before(later: date | None, earlier: date | None, message: str) -> None:
    if later is not None and earlier is not None and later < earlier:
        raise ValueError(message.format(later=_d(later), earlier=_d(earlier)))


# --------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------


_STAGE_DATE_FIELDS = (
    "received_on", "acknowledged_on", "responded_on", "panel_on", "report_on", "refused_on",
)  # fmt: skip

# (later, earlier, message): what happened at a stage cannot precede what it answers.
_STAGE_DATE_ORDER = (
    ("acknowledged_on", "received_on", "acknowledged on {later}, before it was received on {earlier}"),
    ("responded_on", "received_on", "the response on {later} is before the complaint was received on {earlier}"),
    ("panel_on", "received_on", "the panel met on {later}, before the request was received on {earlier}"),
    ("report_on", "panel_on", "the panel's report on {later} is before the panel met on {earlier}"),
    ("report_on", "received_on", "the panel's report on {later} is before the request was received on {earlier}"),
    ("responded_on", "report_on", "the final response on {later} is before the panel's report on {earlier}"),
    ("refused_on", "received_on", "refused on {later}, before it was received on {earlier}"),
)  # fmt: skip


@dataclass(frozen=True)
class LocalStage:
    """What happened at one stage of the body's own complaint procedure.

    ``received_on`` is when the body got the complaint (stage 1) or the request to escalate.
    ``responded_on`` is the body's response at this stage; for stage 3 of the children's procedure
    it is the council's final response after the panel.  ``panel_on`` and ``report_on`` are for that
    stage 3 only.  ``extended`` records that the body extended the stage as its rules allow;
    ``refused_on`` that it refused to consider the stage at all (itself likely fault).
    """

    number: int
    received_on: date | None = None
    acknowledged_on: date | None = None
    responded_on: date | None = None
    extended: bool = False
    panel_on: date | None = None
    report_on: date | None = None
    refused_on: date | None = None

    def __post_init__(self) -> None:
        if isinstance(self.number, bool) or not isinstance(self.number, int) or self.number < 1:
            raise ValueError(f"stage number must be a whole number from 1, got {self.number!r}")
        if not isinstance(self.extended, bool):
            raise ValueError(f"stage {self.number}: extended must be True or False")
        for name in _STAGE_DATE_FIELDS:
            _check_date(getattr(self, name), f"stage {self.number} {name.replace('_', ' ')}")
        for later, earlier, message in _STAGE_DATE_ORDER:
            _not_before(
                getattr(self, later), getattr(self, earlier), f"Stage {self.number}: {message}."
            )

    def dates(self) -> Iterable[tuple[str, date]]:
        """Every recorded date with a label, for the future-date check."""
        for name in _STAGE_DATE_FIELDS:
            value = getattr(self, name)
            if value is not None:
                yield f"Stage {self.number} {name.removesuffix('_on').replace('_', ' ')} date", value


@dataclass(frozen=True)
class IntakeDates:
    """The dates recorded at intake.  ``stages`` may be given in any order; they are kept sorted.

    ``received_on`` is when the complaint reached the Ombudsman.  ``agreed_response_by`` is the
    longer response period agreed under the 2009 adult social care regulations (it may lie in the
    future).  ``complainant`` and ``body_name`` only shape the wording ("Mrs X", "the Council").
    """

    first_aware_on: date | None
    received_on: date
    procedure: str = "unknown"
    stages: tuple[LocalStage, ...] = ()
    agreed_response_by: date | None = None
    complainant: str = "the complainant"
    body_name: str = "the body"

    def __post_init__(self) -> None:
        _check_date(self.first_aware_on, "The date first aware")
        _check_date(self.received_on, "The date received by the Ombudsman", optional=False)
        _check_date(self.agreed_response_by, "The agreed response date")
        if self.procedure not in PROCEDURES:
            raise ValueError(
                f"Unknown local complaint procedure {self.procedure!r}; expected one of "
                + ", ".join(PROCEDURES)
            )
        stages = tuple(self.stages)
        if not all(isinstance(s, LocalStage) for s in stages):
            raise ValueError("stages must be LocalStage records")
        stages = tuple(sorted(stages, key=lambda s: s.number))
        object.__setattr__(self, "stages", stages)
        numbers = [s.number for s in stages]
        if len(set(numbers)) != len(numbers):
            raise ValueError("Each local stage can be recorded only once.")

        limits = PROCEDURE_LIMITS.get(self.procedure)
        label = PROCEDURES[self.procedure]
        for stage in stages:
            if limits is not None and stage.number not in limits:
                raise ValueError(f"{label} has no stage {stage.number}.")
            has_panel_step = limits is not None and any(
                lim.actual in ("panel_on", "report_on") for lim in limits[stage.number]
            )
            if (stage.panel_on or stage.report_on) and not has_panel_step:
                raise ValueError(
                    f"Stage {stage.number}: panel and report dates apply only to stage 3 of the "
                    "children's statutory procedure."
                )
            can_extend = limits is not None and any(
                lim.extended_period is not None for lim in limits[stage.number]
            )
            if stage.extended and not can_extend:
                raise ValueError(f"Stage {stage.number} of {label} cannot be extended.")

        _not_before(
            self.received_on,
            self.first_aware_on,
            "The complaint reached the Ombudsman on {later}, before the complainant first knew "
            "of the matter on {earlier}.",
        )
        if self.agreed_response_by is not None:
            if not any(
                lim.longer_by_agreement for stage in (limits or {}).values() for lim in stage
            ):
                raise ValueError(
                    "An agreed response date applies only to adult social care complaints."
                )
            if stages:
                _not_before(
                    self.agreed_response_by,
                    stages[0].received_on,
                    "The agreed response date {later} is before the complaint was received on "
                    "{earlier}.",
                )

    def stage(self, number: int) -> LocalStage | None:
        return next((s for s in self.stages if s.number == number), None)


# --------------------------------------------------------------------------
# Outputs
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """One answer for the intake screen: a stable ``code``, a short ``label``, the arithmetic."""

    code: str
    label: str
    explanation: str
    deadline: date | None = None


RESULTS = ("met", "missed", "pending", "not_applicable", "unknown")

_STEP_LABELS = {
    "acknowledge": "Acknowledgement",
    "respond": "Response",
    "panel": "Review panel",
    "report": "Panel report",
    "final_response": "Final response",
    "stage": "Stage",
    "procedure": "Procedure",
}


@dataclass(frozen=True)
class TimescaleCheck:
    """One step of the body's procedure measured against its limit.

    ``result`` is one of `RESULTS`.  "missed" covers both a step done late and one still not done
    after its due date (then ``actual_on`` is None and the lateness is counted up to today).
    """

    stage: int | None
    step: str
    limit_text: str
    due_on: date | None
    actual_on: date | None
    result: str
    explanation: str
    working_days_late: int | None = None
    days_late: int | None = None

    @property
    def step_label(self) -> str:
        return _STEP_LABELS.get(self.step, self.step.replace("_", " ").capitalize())

    @property
    def label(self) -> str:
        """'Met', 'Missed by 3 working days', 'Pending: due on 5 January 2026', ..."""
        if self.result == "met":
            return "Met"
        if self.result == "missed":
            return "Missed by " + _lateness(self.working_days_late, self.days_late)
        if self.result == "pending":
            return f"Pending: due on {_d(self.due_on)}" if self.due_on else "Pending"
        if self.result == "not_applicable":
            return "Not applicable"
        return "Unknown"


@dataclass(frozen=True)
class IntakeAssessment:
    twelve_months: Verdict
    premature: Verdict
    timescales: tuple[TimescaleCheck, ...]


def _lateness(working_days: int | None, days: int | None) -> str:
    # A calendar-month deadline can fall on a weekend, so a response a day late may be late by
    # no working days at all; say so in calendar days rather than "missed by 0 working days".
    if working_days:
        return _plural(working_days, "working day")
    return _plural(days or 0, "calendar day")


# --------------------------------------------------------------------------
# 1. The 12-month rule
# --------------------------------------------------------------------------


def _elapsed(start: date, end: date, cal: WorkingDayCalendar) -> str:
    """'9 months and 5 days', counted the same way as the deadline (month-end clamping)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    while months > 0 and cal.add_months(start, months).result > end:
        months -= 1
    days = (end - cal.add_months(start, months).result).days
    parts = []
    if months:
        parts.append(_plural(months, "month"))
    if days or not months:
        parts.append(_plural(days, "day"))
    return " and ".join(parts)


def _twelve_months(dates: IntakeDates, cal: WorkingDayCalendar) -> Verdict:
    received, first, who = dates.received_on, dates.first_aware_on, dates.complainant
    if first is None:
        return Verdict(
            "unknown",
            "Unknown: date first aware not recorded",
            f"Received {_d(received)}. The date {who} first knew of the matter is not recorded, "
            f"so the 12-month time limit ({TWELVE_MONTH_SOURCE}) cannot be checked.",
        )
    deadline_exp = cal.add_months(first, TWELVE_MONTH_LIMIT)
    deadline = deadline_exp.result
    if received == first:
        head = f"Received {_d(received)}, the same day {who} first knew"
    else:
        head = (
            f"Received {_d(received)}, {_elapsed(first, received, cal)} after {who} first knew "
            f"on {_d(first)}"
        )
    clamp = f" {deadline_exp.explain()}" if deadline_exp.clamped_from_day is not None else ""
    if received <= deadline:
        return Verdict(
            "in_time",
            "Within 12 months",
            f"{head}: within 12 months (deadline {_d(deadline)}).{clamp}",
            deadline,
        )
    late = (received - deadline).days
    return Verdict(
        "late",
        f"Late by {_plural(late, 'day')}, unless there is good reason to accept it",
        f"{head}: late by {_plural(late, 'day')} (deadline {_d(deadline)}).{clamp} It is outside "
        f"the 12-month time limit ({TWELVE_MONTH_SOURCE}), so the Ombudsman will not investigate "
        "unless there is good reason to accept it.",
        deadline,
    )


# --------------------------------------------------------------------------
# 3. The body's own timescales
# --------------------------------------------------------------------------


def _stage_name(procedure: str, number: int) -> str:
    return "the complaint" if procedure == "adult_social_care" else f"stage {number}"


def _received_words(number: int) -> str:
    if number == 1:
        return "receipt of the complaint"
    return f"receipt of the stage {number} request"


_UNIT_WORDS = {"working_days": "working day", "calendar_days": "calendar day", "months": "month"}


def _period_words(n: int, unit: Unit) -> str:
    return _plural(n, _UNIT_WORDS[unit])


def _check_step(
    dates: IntakeDates,
    stage: LocalStage,
    limit: StepLimit,
    due_so_far: dict[str, date | None],
    cal: WorkingDayCalendar,
    today: date,
) -> TimescaleCheck:
    procedure, n = dates.procedure, stage.number
    by_step = {lim.step: lim for lim in PROCEDURE_LIMITS[procedure][n]}
    extended = stage.extended and limit.extended_period is not None
    period = limit.extended_period if extended else limit.period

    # Where the clock starts: the stage's receipt, or an earlier step of the same stage.
    notes: list[str] = []
    if limit.anchor == "received":
        anchor_words = _received_words(n)
        anchor = stage.received_on
        missing_anchor = f"The date {_stage_name(procedure, n)} was received is not recorded"
    else:
        anchor_words = _ANCHOR_WORDS[limit.anchor]
        anchor = getattr(stage, by_step[limit.anchor].actual)
        missing_anchor = f"The date of {anchor_words} cannot be worked out"
        if anchor is None:
            anchor = due_so_far.get(limit.anchor)
            if anchor is not None:
                notes.append(
                    f"No date for {anchor_words} is recorded, so the clock starts from "
                    f"{_d(anchor)}, the latest date it was due."
                )

    agreed = dates.agreed_response_by if limit.longer_by_agreement else None
    if agreed is not None:
        limit_text = (
            f"by {_d(agreed)}, the longer period agreed with the complainant "
            f"(otherwise {_period_words(limit.period, limit.unit)} of {anchor_words})"
        )
    else:
        limit_text = f"{_period_words(period, limit.unit)} of {anchor_words}"
        if limit.extended_period is not None:
            if extended:
                limit_text += f" (extended; normally {_period_words(limit.period, limit.unit)})"
            else:
                limit_text += f" ({_period_words(limit.extended_period, limit.unit)} if extended)"

    actual = getattr(stage, limit.actual)
    if actual is None and limit.step == "acknowledge" and stage.responded_on is not None:
        actual = stage.responded_on
        notes.append(
            "No separate acknowledgement is recorded, so the response is taken as the "
            "acknowledgement."
        )

    def check(
        result: str, due: date | None, text: str, wd: int | None = None, days: int | None = None
    ) -> TimescaleCheck:
        return TimescaleCheck(n, limit.step, limit_text, due, actual, result, text, wd, days)

    intro = f"{limit.title} within {limit_text}, under {limit.source}."
    if agreed is not None:
        due = agreed
        due_text = f"Due {format_date_long(due)}, as agreed."
    elif anchor is None:
        due_so_far[limit.step] = None
        return check("unknown", None, f"{intro} {missing_anchor}, so the due date is not known.")
    else:
        explanation: DateExplanation = DueRule(anchor, period, limit.unit).compute(cal)
        due = explanation.result
        due_text = f"Due: {explanation.explain()}"
    due_so_far[limit.step] = due
    prefix = " ".join([intro, *notes, due_text])

    if actual is not None:
        if actual <= due:
            return check("met", due, f"{prefix} Done {format_date_long(actual)}: met.")
        wd, days = cal.working_days_between(due, actual), (actual - due).days
        return check(
            "missed",
            due,
            f"{prefix} Done {format_date_long(actual)}: missed by {_lateness(wd, days)}.",
            wd,
            days,
        )
    if today <= due:
        return check("pending", due, f"{prefix} Not done yet; due on {format_date_long(due)}.")
    wd, days = cal.working_days_between(due, today), (today - due).days
    return check(
        "missed",
        due,
        f"{prefix} Not done by today ({format_date_long(today)}): already "
        f"{_lateness(wd, days)} late.",
        wd,
        days,
    )


def _timescales(dates: IntakeDates, cal: WorkingDayCalendar, today: date) -> list[TimescaleCheck]:
    procedure = dates.procedure
    limits = PROCEDURE_LIMITS.get(procedure)
    if limits is None:
        return [
            TimescaleCheck(
                None,
                "procedure",
                "none",
                None,
                None,
                "not_applicable",
                f"{PROCEDURES[procedure]}: there are no statutory or Code timescales to check.",
            )
        ]
    checks: list[TimescaleCheck] = []
    for number, stage_limits in limits.items():
        stage = dates.stage(number)
        name = _stage_name(procedure, number)
        if stage is None:
            checks.append(
                TimescaleCheck(
                    number,
                    "stage",
                    "none",
                    None,
                    None,
                    "not_applicable",
                    (
                        f"No complaint to {dates.body_name} is recorded"
                        if number == 1
                        else f"No request for stage {number} is recorded"
                    )
                    + ", so its timescales do not apply.",
                )
            )
            continue
        if stage.refused_on is not None:
            checks.append(
                TimescaleCheck(
                    number,
                    "stage",
                    "none",
                    None,
                    stage.refused_on,
                    "not_applicable",
                    f"{_cap(dates.body_name)} refused to consider {name} on "
                    f"{format_date_long(stage.refused_on)}, so its timescales do not apply; refusing "
                    "a stage of the procedure is itself likely to be fault.",
                )
            )
            continue
        due_so_far: dict[str, date | None] = {}
        for limit in stage_limits:
            checks.append(_check_step(dates, stage, limit, due_so_far, cal, today))
    return checks


# --------------------------------------------------------------------------
# 2. Prematurity
# --------------------------------------------------------------------------


def _premature(dates: IntakeDates, checks: list[TimescaleCheck], today: date) -> Verdict:
    body, who, procedure = dates.body_name, dates.complainant, dates.procedure
    source = PREMATURE_SOURCE
    if not dates.stages:
        return Verdict(
            "premature",
            "Premature: the body has not been told",
            f"No complaint to {body} is recorded. {_cap(body)} must be told about the complaint "
            f"and given a reasonable chance to investigate and respond before the Ombudsman "
            f"considers it ({source}).",
        )
    if procedure == "unknown":
        return Verdict(
            "unknown",
            "Unknown: local procedure not known",
            f"The local complaint procedure is not recorded, so it cannot be worked out whether "
            f"{body}'s procedure is finished or its time has run out ({source}). Record the "
            "procedure, or decide on the facts.",
        )
    if procedure == "none":
        answered = [s for s in dates.stages if s.responded_on is not None]
        if answered:
            last = answered[-1]
            return Verdict(
                "not_premature",
                "Not premature",
                f"{_cap(body)} has no formal complaint procedure and responded on "
                f"{_d(last.responded_on)}, so it has had a reasonable chance to respond ({source}).",
            )
        return Verdict(
            "unknown",
            "Unknown: no timescale to judge by",
            f"{_cap(body)} has no formal complaint procedure and has not responded, so there is no "
            f"timescale to judge whether it has had a reasonable chance to respond ({source}). "
            "Decide on the facts, or make enquiries of the body.",
        )

    limits = PROCEDURE_LIMITS[procedure]
    final_stage = max(limits)
    for stage in dates.stages:
        if stage.refused_on is not None:
            return Verdict(
                "not_premature",
                f"Not premature: the body refused {_stage_name(procedure, stage.number)}",
                f"{_cap(body)} refused to consider {_stage_name(procedure, stage.number)} on "
                f"{_d(stage.refused_on)}. It has had its chance to respond, so the complaint is "
                f"not premature ({source}).",
            )
    final = dates.stage(final_stage)
    if final is not None and final.responded_on is not None:
        where = "its response" if final_stage == 1 else f"its final response at stage {final_stage}"
        return Verdict(
            "not_premature",
            "Not premature: the local procedure is finished",
            f"{_cap(body)} gave {where} on {_d(final.responded_on)}, completing its complaint "
            f"procedure, so it has had a reasonable chance to respond ({source}).",
        )

    current = dates.stages[-1]
    n = current.number
    name = _stage_name(procedure, n)
    if current.responded_on is not None:
        return Verdict(
            "premature",
            f"Premature: stage {n + 1} not requested",
            f"{_cap(body)} responded at stage {n} on {_d(current.responded_on)}, but {who} has not "
            f"asked for stage {n + 1} of its procedure ({PROCEDURES[procedure]}). {_cap(body)} "
            f"should have the chance to consider it at stage {n + 1} first ({source}); the "
            "Ombudsman may use discretion to accept it anyway.",
        )
    if current.received_on is None:
        return Verdict(
            "unknown",
            f"Unknown: date {name} was received not recorded",
            f"{_cap(body)} has not finished {name}, but the date it received {name} is not "
            f"recorded, so it cannot be worked out whether its time has run out ({source}).",
        )

    stage_checks = [c for c in checks if c.stage == n]
    substantive = {lim.step for lim in limits[n] if lim.substantive}
    overrun = next(
        (c for c in stage_checks if c.step in substantive and c.result == "missed"), None
    )
    if overrun is not None:
        done = (
            f"did so late, on {_d(overrun.actual_on)}"
            if overrun.actual_on is not None
            else f"had not done so by today ({_d(today)})"
        )
        title = next(lim.title for lim in limits[n] if lim.step == overrun.step)
        return Verdict(
            "not_premature",
            "Not premature: the body overran its deadline",
            f"{_cap(body)} received {name} on {_d(current.received_on)} and should have completed "
            f"this step by {_d(overrun.due_on)}: {title.lower()} within {overrun.limit_text}. It "
            f"{done}, missing the deadline by "
            f"{_lateness(overrun.working_days_late, overrun.days_late)}. It has had its chance to "
            f"respond, so the complaint is not premature ({source}).",
            overrun.due_on,
        )
    last = stage_checks[-1]
    return Verdict(
        "premature",
        "Premature: the body's time has not run out",
        f"{_cap(body)} received {name} on {_d(current.received_on)} and has not yet responded. "
        f"Its response is not due until {_d(last.due_on)} ({last.limit_text}), so as of today "
        f"({_d(today)}) it should be given the chance to respond first ({source}). If it misses "
        "that date the complaint will no longer be premature.",
        last.due_on,
    )


# --------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------


def _check_not_future(dates: IntakeDates, today: date) -> None:
    # The agreed response date is a promise about the future, so it is exempt.
    recorded: list[tuple[str, date | None]] = [
        ("The date first aware", dates.first_aware_on),
        ("The date received by the Ombudsman", dates.received_on),
    ]
    for stage in dates.stages:
        recorded.extend(stage.dates())
    for what, value in recorded:
        if value is not None and value > today:
            raise ValueError(f"{what} ({_d(value)}) is in the future; today is {_d(today)}.")


def assess_intake(
    dates: IntakeDates,
    calendar: WorkingDayCalendar | None = None,
    today: date | None = None,
) -> IntakeAssessment:
    """The three intake verdicts for ``dates``; ``today`` defaults to the date in London.

    Raises ValueError (with a message fit for the form) when a date is in the future.
    """
    if not isinstance(dates, IntakeDates):
        raise ValueError("assess_intake needs an IntakeDates record")
    cal = calendar if calendar is not None else default_calendar()
    if today is None:
        today = datetime.now(_LONDON).date()
    _check_date(today, "today", optional=False)
    _check_not_future(dates, today)
    checks = _timescales(dates, cal, today)
    return IntakeAssessment(
        twelve_months=_twelve_months(dates, cal),
        premature=_premature(dates, checks, today),
        timescales=tuple(checks),
    )
