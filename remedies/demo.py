"""Synthetic, deterministic recommendations for the demo casework: every status, with its history.

``plan_remedies`` is a pure function of the decided cases, the seed and "today" (the demo's anchor
date): the same inputs give the same recommendations, evidence, extensions and history. Upheld
cases carry recommendations due 1 or 3 months or 20 working days after the decision; their fate is
drawn by how long ago they fell due (most old ones complied, a few late, not complied or ceased;
recent ones still open or due soon), and the most recently due ones showcase every status and
every path through the follow-up (evidence awaiting a verdict, insufficient then accepted, an
extension, an escalation...). ``plan_contacts`` gives every body its link officer and chief
executive (and councils their monitoring officer). ``load_remedies_demo`` bulk-inserts it all.
"""

from __future__ import annotations

import gc
import random
import re
from bisect import bisect
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from functools import lru_cache
from itertools import accumulate
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

from remedies.compliance import REMEDY_TYPES, RemedyKind
from remedies.status import RecommendationState, Status, derive_status
from workbench.db import bulk_insert, write_transaction
from workbench.workdays import DueRule, WorkingDayCalendar, format_date_long

#: Outcome of the case -> share of such cases that carry recommendations. Fault causing injustice
#: always does; fault without injustice and "remedied by the body" sometimes add service improvements.
RECOMMENDING_OUTCOMES = {"upheld_fault_injustice": 1.0, "upheld_fault_no_injustice": 0.5, "remedied_by_body": 0.5}
RECOMMENDING_STAGES = {"final_decision", "closed", "early_resolution"}
DEFAULT_PER_CASE = 2.5  # 1 to 4 each
#: (period, unit, weight): the LGSCO drafts most remedies as "within one month" (domain.md 3.4).
RULES = ((1, "months", 45), (3, "months", 25), (20, "working_days", 30))

PERSONAL = [k for k, t in REMEDY_TYPES.items() if t.kind is RemedyKind.PERSONAL]
IMPROVEMENTS = [k for k, t in REMEDY_TYPES.items() if t.kind is RemedyKind.SERVICE_IMPROVEMENT]
TYPE_WEIGHTS = {
    "apology": 30, "financial_quantifiable_loss": 6, "financial_avoidable_distress": 18, "financial_time_and_trouble": 8,
    "financial_loss_of_service": 4, "refund_or_waiver": 6, "reassessment_or_new_decision": 9, "provide_service": 5,
    "correct_records": 3, "procedure_or_policy_change": 14, "staff_training": 16, "review_others_affected": 4,
}
#: (low, high, step) in pounds for each monetary type.
AMOUNTS = {
    "financial_quantifiable_loss": (40, 6000, None), "financial_avoidable_distress": (100, 1500, 50),
    "financial_time_and_trouble": (100, 350, 50), "financial_loss_of_service": (200, 3000, 50),
    "refund_or_waiver": (20, 4000, None),
}

DESCRIPTIONS = {
    "apology": "Apologise in writing to {name} for the faults identified in our decision, following our guidance on remedies.",
    "financial_quantifiable_loss": "Pay {name} £{amount} to reimburse the costs incurred because of the fault.",
    "financial_avoidable_distress": "Pay {name} £{amount} to acknowledge the avoidable distress caused by the fault.",
    "financial_time_and_trouble": "Pay {name} £{amount} for the time and trouble of pursuing the complaint.",
    "financial_loss_of_service": "Pay {name} £{amount} to acknowledge the service {name} went without.",
    "refund_or_waiver": "Refund or waive £{amount} of the charges made to {name}.",
    "reassessment_or_new_decision": "Reconsider the decision about {name} without the fault, and tell {name} the outcome in writing with the right to complain.",
    "provide_service": "Provide the service {name} is entitled to and confirm the start date to us.",
    "correct_records": "Correct the records held about {name} and send {name} a copy.",
    "procedure_or_policy_change": "Review its {area} procedures so the same fault does not recur, and tell us what it has changed.",
    "staff_training": "Remind relevant {area} staff of the law and guidance, using a copy of our decision.",
    "review_others_affected": "Identify others affected by the same {area} fault in the last two years and offer them a remedy.",
}
PUBLIC_SUMMARIES = {
    "apology": "The body agreed to apologise to the complainant.",
    "financial_quantifiable_loss": "The body agreed to reimburse the complainant's costs.",
    "financial_avoidable_distress": "The body agreed to make a payment for avoidable distress.",
    "financial_time_and_trouble": "The body agreed to make a payment for the complainant's time and trouble.",
    "financial_loss_of_service": "The body agreed to make a payment for the service the complainant went without.",
    "refund_or_waiver": "The body agreed to refund or waive charges.",
    "reassessment_or_new_decision": "The body agreed to reconsider its decision without the fault.",
    "provide_service": "The body agreed to provide the service the complainant was entitled to.",
    "correct_records": "The body agreed to correct its records.",
    "procedure_or_policy_change": "The body agreed to review its {area} procedures so the fault does not recur.",
    "staff_training": "The body agreed to remind its {area} staff of the law and guidance.",
    "review_others_affected": "The body agreed to find others affected by the same {area} fault and remedy them.",
}
EVIDENCE = {
    "apology": "Copy of the apology letter sent to the complainant.",
    "refund_or_waiver": "Statement of account showing the charges refunded or waived.",
    "reassessment_or_new_decision": "Copy of the new decision letter.",
    "provide_service": "Confirmation that the service has started, with the care plan.",
    "correct_records": "Copy of the corrected record.",
    "procedure_or_policy_change": "The revised procedure, with a note of the changes made.",
    "staff_training": "Briefing note sent to staff, with the attendance list.",
    "review_others_affected": "Report of the review: people identified, and the remedy offered to each.",
}
PAYMENT_EVIDENCE = "Remittance advice showing the payment made."
INSUFFICIENT = [
    "The letter does not apologise for the faults we found; ask for a full apology.",
    "The remittance shows a different amount; ask for proof of the full payment.",
    "A draft only: ask for the procedure as adopted.",
    "No evidence the briefing reached the staff concerned; ask for the attendance list.",
]
EXTENSION_REASONS = [
    "The body asked for more time: the review panel meets next month.",
    "Complainant in hospital; the payment details could not be confirmed.",
    "Awaiting the cabinet decision needed to change the policy.",
    "The officer responsible is on long-term leave; the link officer asked for more time.",
]
CEASED_REASONS = [
    "The complainant died; the estate did not want the remedy pursued.",
    "Superseded: the body replaced the procedure nationally.",
    "The complainant withdrew and asked us to take no further action.",
    "The complainant declined the payment.",
]
NOT_COMPLIED_REASONS = [
    "The body refused to make the payment after repeated chasers; the Director of Investigation decided not to pursue.",
    "No evidence received after escalation to the chief executive.",
]

# The scenarios, and what each leaves the recommendation as. Showcased (one each) on the most
# recently due recommendations so a demo of any size shows every status and path.
SHOWCASE = (
    "extended_far", "extended_soon", "outstanding", "escalated", "on_time", "late", "awaiting_verdict",
    "insufficient_then_accepted", "extended_then_complied", "not_complied", "ceased", "insufficient",
)
#: Fate of a recommendation that fell due long enough ago to have one: weight by scenario.
PAST_DUE = {
    "on_time": 62, "late": 11, "insufficient_then_accepted": 6, "extended_then_complied": 5, "not_complied": 2,
    "ceased": 3, "outstanding": 4, "escalated": 3, "awaiting_verdict": 2, "insufficient": 1, "extended_far": 1,
}
#: Of those not yet due: most still open, some already done.
NOT_YET_DUE = {"outstanding": 70, "on_time": 18, "awaiting_verdict": 8, "ceased": 2, "insufficient": 2}


class _Weighted:
    """A weighted draw with its cumulative weights worked out once (the plan draws millions)."""

    def __init__(self, weights: Mapping[Any, float]):
        self.keys = list(weights)
        self.cumulative = list(accumulate(weights.values()))
        self.total = self.cumulative[-1]

    def draw(self, rng: random.Random):
        return self.keys[bisect(self.cumulative, rng.random() * self.total)]


@dataclass(frozen=True)
class Staff:
    """Who acts in the history: the investigator who made it and the compliance officer who follows up."""

    compliance_id: int | None
    compliance_name: str
    names: Mapping[int, str]  # user id -> full name, for investigators


@dataclass
class RemediesPlan:
    recommendations: list[dict[str, Any]] = field(default_factory=list)
    extensions: list[dict[str, Any]] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)


def recommendation_count(rng: random.Random, per_case: float) -> int:
    """1 or more, averaging ``per_case``: uniform over 1 .. 2*per_case - 1 (1 to 4 for 2.5)."""
    return max(1, round(rng.uniform(0.5, 2 * per_case - 0.5)))


def _amount(rng: random.Random, remedy_type: str) -> Decimal | None:
    if remedy_type not in AMOUNTS:
        return None
    low, high, step = AMOUNTS[remedy_type]
    if step is None:
        return Decimal(rng.randint(low * 100, high * 100)) / 100
    return Decimal(rng.randrange(low, high + 1, step))


_RULES = _Weighted({(period, unit): weight for period, unit, weight in RULES})
_PERSONAL = _Weighted({k: TYPE_WEIGHTS[k] for k in PERSONAL})


def _types(rng: random.Random, outcome: str, n: int) -> list[str]:
    """Distinct remedy types for one case: a personal remedy first where there was injustice."""
    pool = IMPROVEMENTS if outcome == "upheld_fault_no_injustice" else list(REMEDY_TYPES)
    chosen: list[str] = []
    if outcome == "upheld_fault_injustice":
        chosen.append(_PERSONAL.draw(rng))
    while len(chosen) < n:
        left = [k for k in pool if k not in chosen] or pool
        chosen.append(rng.choices(left, [TYPE_WEIGHTS[k] for k in left])[0])
    return chosen


@lru_cache(maxsize=20_000)
def _at(d: date, hour: int = 10) -> datetime:
    return datetime.combine(d, time(hour), tzinfo=timezone.utc)


_long_date = lru_cache(maxsize=20_000)(format_date_long)


def _between(rng: random.Random, start: date, end: date) -> date:
    """A day from start to end inclusive (start when end is not after it)."""
    days = (end - start).days
    return start if days <= 0 else start + _DAYS[int(rng.random() * (days + 1))]


_DAYS = [timedelta(days=n) for n in range(3000)]




class _Planner:
    """Builds the rows for one recommendation at a time; keeps the caches and id counters."""

    def __init__(self, plan: RemediesPlan, calendar: WorkingDayCalendar, anchor: date, now: datetime, staff: Staff):
        self.plan, self.calendar, self.anchor, self.now, self.staff = plan, calendar, anchor, now, staff
        self._due: dict[tuple[date, int, str], tuple[date, str]] = {}
        self._working: dict[tuple[date, int], date] = {}

    def due(self, anchor_on: date, period: int, unit: str) -> tuple[date, str]:
        key = (anchor_on, period, unit)
        if key not in self._due:
            explanation = DueRule(anchor_on, period, unit, roll_forward=unit != "working_days").compute(self.calendar)
            self._due[key] = (explanation.result, explanation.explain())
        return self._due[key]

    def working_days_after(self, start: date, n: int) -> date:
        key = (start, n)
        if key not in self._working:
            self._working[key] = self.calendar.add_working_days(start, n).result
        return self._working[key]

    def event(self, rec: dict, on: date, kind: str, title: str, detail: str = "", by: int | None = None,
              name: str | None = None) -> None:
        if name is None:
            by, name = self.staff.compliance_id, self.staff.compliance_name
        self.plan.events.append({
            "recommendation": rec["id"], "at": _at(on if on < self.anchor else self.anchor), "by": by,
            "actor_name": name, "kind": kind, "title": title, "detail": detail,
        })
        rec["version"] += 1

    def evidence(self, rec: dict, received: date, verdict: str, reason: str = "", verdict_on: date | None = None) -> None:
        remedy = rec["remedy_type"]
        text = PAYMENT_EVIDENCE if REMEDY_TYPES[remedy].monetary and remedy != "refund_or_waiver" else EVIDENCE[remedy]
        self.plan.evidence.append({
            "recommendation": rec["id"], "received_on": received, "description": text, "verdict": verdict,
            "verdict_reason": reason, "verdict_on": verdict_on if verdict else None,
            "verdict_by": self.staff.compliance_id if verdict else None, "created_at": _at(received, 11),
            "created_by": self.staff.compliance_id,
        })
        self.event(rec, received, "evidence", f"Evidence received {_long_date(received)}", text)
        if verdict == "accepted":
            status = Status.COMPLIED_ON_TIME if received <= rec["original_due_on"] else Status.COMPLIED_LATE
            rec["outcome"], rec["outcome_on"] = status.value, received
            self.event(rec, verdict_on, "verdict", f"Evidence accepted: {status.label.lower()}")
        elif verdict == "insufficient":
            self.event(rec, verdict_on, "verdict", "Evidence insufficient", reason)

    def extend(self, rec: dict, to: date, granted: date, reason: str) -> None:
        self.plan.extensions.append({
            "recommendation": rec["id"], "from_due_on": rec["due_on"], "to_due_on": to, "reason": reason,
            "granted_on": granted, "at": _at(granted, 14), "by": self.staff.compliance_id,
        })
        rec["due_explanation"] = f"Extended from {_long_date(rec['due_on'])}: {reason}"
        rec["due_on"] = to
        self.event(rec, granted, "extended", f"Due date extended to {_long_date(to)}", reason)

    def close(self, rec: dict, outcome: str, on: date, reason: str) -> None:
        rec["outcome"], rec["outcome_on"] = outcome, on
        if outcome == "ceased":
            rec["ceased_reason"] = reason
            self.event(rec, on, "ceased", "Follow-up ceased", reason)
        else:
            self.event(rec, on, "not_complied", "Recorded as remedy not complete and not satisfied", reason)

    def chase(self, rec: dict, on: date) -> None:
        rec["last_chased_on"] = on
        self.event(rec, on, "chased", "Chaser sent", "Reminder emailed to the link officer.")


def _scenario_fits(scenario: str, original_due: date, decided: date, anchor: date) -> bool:
    """Whether a recommendation's dates leave room for a scenario (else it is simply outstanding)."""
    past = original_due < anchor
    if scenario in ("late", "extended_then_complied", "escalated", "insufficient_then_accepted"):
        return past and (anchor - original_due).days >= 10
    if scenario == "insufficient":
        return (anchor - decided).days >= 5
    if scenario == "not_complied":
        return (anchor - original_due).days >= 60
    if scenario in ("extended_far", "extended_soon"):
        return past
    if scenario in ("on_time", "ceased", "awaiting_verdict"):
        return (anchor - decided).days >= 3
    return True


def _play(p: _Planner, rng: random.Random, rec: dict, scenario: str) -> None:
    """Write the history of ``scenario`` onto ``rec`` (dates never after the anchor, "today")."""
    anchor, decided, due = p.anchor, rec["decided_on"], rec["original_due_on"]
    if scenario == "on_time":
        received = _between(rng, decided + timedelta(days=2), min(due, anchor))
        p.evidence(rec, received, "accepted", verdict_on=_between(rng, received, min(received + timedelta(days=7), anchor)))
    elif scenario == "late":
        received = _between(rng, due + timedelta(days=1), min(due + timedelta(days=120), anchor))
        p.chase(rec, _between(rng, due + timedelta(days=1), received))
        p.evidence(rec, received, "accepted", verdict_on=_between(rng, received, min(received + timedelta(days=7), anchor)))
    elif scenario == "insufficient_then_accepted":
        first = _between(rng, decided + timedelta(days=2), due)
        verdict = min(first + timedelta(days=rng.randint(1, 6)), anchor)
        p.evidence(rec, first, "insufficient", rng.choice(INSUFFICIENT), verdict)
        second = _between(rng, verdict, min(verdict + timedelta(days=40), anchor))
        p.evidence(rec, second, "accepted", verdict_on=_between(rng, second, min(second + timedelta(days=5), anchor)))
    elif scenario == "extended_then_complied":
        granted = _between(rng, due - timedelta(days=7), min(due, anchor))
        to = p.working_days_after(due, rng.choice((10, 20, 30)))
        p.extend(rec, to, granted, rng.choice(EXTENSION_REASONS))
        received = _between(rng, due + timedelta(days=1), min(to, anchor))
        p.evidence(rec, received, "accepted", verdict_on=_between(rng, received, min(received + timedelta(days=5), anchor)))
    elif scenario in ("extended_far", "extended_soon"):
        granted = _between(rng, max(due, anchor - timedelta(days=20)), anchor)
        if scenario == "extended_soon":  # within the next 10 working days: due soon
            to = p.calendar.add_working_days(anchor, rng.randint(2, 8)).result
        else:
            to = p.calendar.next_working_day(anchor + timedelta(days=rng.randint(30, 90))).result
        p.extend(rec, to, granted, rng.choice(EXTENSION_REASONS))
    elif scenario == "escalated":
        p.chase(rec, min(due + timedelta(days=7), anchor))
        escalated = min(p.working_days_after(due, 20), anchor)
        rec["escalated_on"] = escalated
        p.event(rec, escalated, "escalated", "Escalated", "Letter to the chief executive: no evidence after two chasers.")
    elif scenario == "awaiting_verdict":
        received = _between(rng, max(decided + timedelta(days=1), anchor - timedelta(days=10)), anchor)
        p.evidence(rec, received, "")
    elif scenario == "insufficient":
        received = _between(rng, decided + timedelta(days=2), min(due + timedelta(days=30), anchor))
        verdict_on = min(received + timedelta(days=rng.randint(1, 6)), anchor)
        p.evidence(rec, received, "insufficient", rng.choice(INSUFFICIENT), verdict_on)
    elif scenario == "not_complied":
        p.chase(rec, due + timedelta(days=7))
        p.close(rec, "not_complied", _between(rng, due + timedelta(days=60), min(due + timedelta(days=240), anchor)),
                rng.choice(NOT_COMPLIED_REASONS))
    elif scenario == "ceased":
        p.close(rec, "ceased", _between(rng, decided + timedelta(days=3), min(due + timedelta(days=90), anchor)),
                rng.choice(CEASED_REASONS))
    elif scenario == "outstanding" and due < anchor and rng.random() < 0.6:
        p.chase(rec, _between(rng, due + timedelta(days=1), anchor))
    if not rec["outcome"] and rng.random() < 0.5:
        rec["assigned_to"] = p.staff.compliance_id


def _skeleton(rng: random.Random, p: _Planner, rec_id: int, case: dict, body_id: int, finding_id: int | None,
              remedy_type: str, names: Mapping[int, str], areas: Mapping[int, str]) -> dict[str, Any]:
    """The recommendation as made at the final decision."""
    period, unit = _RULES.draw(rng)
    if REMEDY_TYPES[remedy_type].kind is RemedyKind.SERVICE_IMPROVEMENT and rng.random() < 0.6:
        period, unit = 3, "months"
    decided = case["decided_on"]
    due, explanation = p.due(decided, period, unit)
    amount = _amount(rng, remedy_type)
    full = names.get(case["complainant"]) or "the complainant"
    area = areas.get(case["category"], "complaint-handling")
    personal = REMEDY_TYPES[remedy_type].kind is RemedyKind.PERSONAL
    fill = {"name": full, "amount": f"{amount:,.2f}" if amount else "", "area": area}
    return {
        "id": rec_id, "case": case["id"], "body": body_id, "finding": finding_id, "remedy_type": remedy_type,
        "description": DESCRIPTIONS[remedy_type].format(**fill), "evidence_expected": "",
        "public_summary": PUBLIC_SUMMARIES[remedy_type].format(**fill), "amount": amount,
        "beneficiary": full if personal else "",
        "others_affected": 0, "anchor_event": "final_decision", "anchor_on": decided, "period": period, "unit": unit,
        "original_due_on": due, "due_on": due, "due_explanation": explanation, "decided_on": decided, "outcome": "",
        "outcome_on": None, "ceased_reason": "", "escalated_on": None, "assigned_to": None, "last_chased_on": None,
        "created_at": _at(decided, 9), "created_by": case["investigator"], "updated_at": p.now, "version": 0,
    }


def plan_remedies(
    cases: Iterable[dict[str, Any]], fault_findings: Mapping[int, list[tuple[int, int | None]]], *,
    names: Mapping[int, str], areas: Mapping[int, str], staff: Staff, calendar: WorkingDayCalendar,
    seed: int, anchor: date, now: datetime, first_id: int = 1, per_case: float = DEFAULT_PER_CASE,
) -> RemediesPlan:
    """The rows to insert for the decided, upheld ``cases`` (rows as ``investigations.demo`` plans them).

    ``fault_findings``: case id -> [(body id, finding id)] where fault was found (a recommendation is
    made to a body at fault); ``names``: person id -> "Mrs Smith" for descriptions;
    ``areas``: category id -> words for the service ("adult care"). Pure: same inputs, same plan.
    """
    if per_case < 1:
        raise ValueError("recommendations per case must be 1 or more")
    rng = random.Random(seed * 7_919 + 3)
    plan = RemediesPlan()
    p = _Planner(plan, calendar, anchor, now, staff)
    made: list[dict[str, Any]] = []
    rec_id = first_id
    for case in cases:
        share = RECOMMENDING_OUTCOMES.get(case["outcome"])
        bodies = fault_findings.get(case["id"])
        if (share is None or case["stage"] not in RECOMMENDING_STAGES or case["decided_on"] is None or not bodies
                or rng.random() >= share):
            continue
        for remedy_type in _types(rng, case["outcome"], recommendation_count(rng, per_case)):
            body_id, finding_id = bodies[0] if len(bodies) == 1 or rng.random() < 0.8 else rng.choice(bodies)
            made.append(_skeleton(rng, p, rec_id, case, body_id, finding_id, remedy_type, names, areas))
            rec_id += 1

    showcase = _showcase_slots(made, anchor)
    for index, rec in enumerate(made):
        investigator = rec["created_by"]
        p.event(rec, rec["decided_on"], "made", f"Recommendation made: {REMEDY_TYPES[rec['remedy_type']].label}",
                f"Due {_long_date(rec['original_due_on'])}. {rec['due_explanation']}",
                by=investigator, name=staff.names.get(investigator, "System"))
        scenario = showcase.get(index) or _draw(rng, rec, anchor)
        if not _scenario_fits(scenario, rec["original_due_on"], rec["decided_on"], anchor):
            scenario = "outstanding"
        _play(p, rng, rec, scenario)
        if rec["remedy_type"] == "review_others_affected" and rec["outcome"] in ("complied_on_time", "complied_late"):
            rec["others_affected"] = rng.randint(1, 60)
    plan.recommendations = made
    return plan


_PAST_DUE = _Weighted(PAST_DUE)
_NOT_YET_DUE = _Weighted(NOT_YET_DUE)
#: Due more than about 13 months ago: settled one way or another, but for a few.
_LONG_PAST_DUE = _Weighted({k: w for k, w in PAST_DUE.items()
                            if k not in ("outstanding", "escalated", "awaiting_verdict", "insufficient", "extended_far")})


def _draw(rng: random.Random, rec: dict, anchor: date) -> str:
    age = (anchor - rec["original_due_on"]).days
    if age > 400 and rng.random() < 0.95:  # a few still outstanding after a year: the ladder's referral rung
        return _LONG_PAST_DUE.draw(rng)
    return (_PAST_DUE if age > 10 else _NOT_YET_DUE).draw(rng)


def _showcase_slots(made: list[dict], anchor: date) -> dict[int, str]:
    """One recommendation per showcased scenario: the most recently due ones that fell due at least
    two months ago (so every scenario fits), newest first."""
    eligible = [i for i, r in enumerate(made) if (anchor - r["original_due_on"]).days >= 60]
    eligible.sort(key=lambda i: (made[i]["original_due_on"], i), reverse=True)
    return {index: scenario for index, scenario in zip(eligible, SHOWCASE)}


def status_on(rec: dict, anchor: date, calendar: WorkingDayCalendar) -> Status:
    """The derived status of a planned row (what the app will show on ``anchor``)."""
    outcome = rec["outcome"]
    return derive_status(RecommendationState(
        original_due_on=rec["original_due_on"], due_on=rec["due_on"],
        accepted_evidence_received_on=rec["outcome_on"] if outcome in ("complied_on_time", "complied_late") else None,
        escalated_on=rec["escalated_on"], ceased=outcome == "ceased", ceased_reason=rec["ceased_reason"] or "-",
        closed_not_complied=outcome == "not_complied",
    ), anchor, calendar)


# ---------------------------------------------------------------------------------------------
# Named contacts

GIVEN = ["Alison", "Bernard", "Catherine", "Daniel", "Eleanor", "Farah", "Gareth", "Helen", "Imogen", "James",
         "Karen", "Leon", "Mandeep", "Nicola", "Oliver", "Paula", "Rajesh", "Siobhan", "Trevor", "Valerie"]
FAMILY = ["Ashworth", "Bennett", "Chowdhury", "Dalton", "Ellis", "Fletcher", "Gill", "Holloway", "Iqbal", "Jenkins",
          "Kerr", "Lloyd", "Mahmood", "Norris", "Osei", "Pearson", "Quinn", "Rowe", "Sharma", "Turner"]
COUNCIL_TYPES = ("county_council", "district_council", "metropolitan_council", "unitary_council", "london_borough")
CONTACTS = (
    ("link_officer", "Complaints and Information Governance Manager"),
    ("chief_executive", "Chief Executive"),
    ("monitoring_officer", "Monitoring Officer and Head of Legal Services"),
)


def email_domain(body_name: str) -> str:
    """'Brighton & Hove City Council' -> 'brighton-hove-city-council.example' (reserved: never delivered)."""
    return re.sub(r"[^a-z0-9]+", "-", body_name.lower()).strip("-") + ".example"


def plan_contacts(bodies: Iterable[dict[str, Any]], seed: int) -> list[dict[str, Any]]:
    """A link officer and chief executive for every body, and a monitoring officer for councils."""
    rng = random.Random(seed * 104_729 + 5)
    rows = []
    for body in bodies:
        domain = email_domain(body["name"])
        for role, job_title in CONTACTS:
            if role == "monitoring_officer" and body["body_type"] not in COUNCIL_TYPES:
                continue
            given, family = rng.choice(GIVEN), rng.choice(FAMILY)
            rows.append({"body": body["id"], "role": role, "name": f"{given} {family}", "job_title": job_title,
                         "email": f"{given}.{family}@{domain}".lower(), "active": True})
    return rows


# ---------------------------------------------------------------------------------------------
# Loading


@dataclass(frozen=True)
class RemediesResult:
    recommendations: int
    evidence: int
    extensions: int
    events: int
    contacts: int


def area_words(category_name: str) -> str:
    """'Adult care services' -> 'adult care', 'Health (joint working)' -> 'health': the service, for descriptions."""
    words = re.sub(r"\s*\(.*\)", "", category_name).lower().removesuffix(" services")
    return "complaint-handling" if not words or words.startswith("other") else words


@contextmanager
def _collector_paused():
    """Pause the cyclic garbage collector while millions of rows are made: none forms a cycle, yet
    each allocation burst would set off collections walking every row made so far."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


async def _move_sequence_on(table) -> None:
    """Ids were assigned here; PostgreSQL's sequence must be moved past them."""
    from workbench.db import is_sqlite

    if not is_sqlite():
        name = table._meta.tablename
        await table.raw(
            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), COALESCE((SELECT MAX(id) FROM {name}), 1))"
        )


async def load_remedies_demo(cases: list[dict[str, Any]], people: list[dict[str, Any]], *, seed: int, anchor: date,
                             now: datetime, per_case: float = DEFAULT_PER_CASE) -> RemediesResult:
    """Recommendations for the demo cases just inserted, and contacts for bodies that have none."""
    from investigations.demo import DEMO_STAFF
    from investigations.tables import Body, BodyContact, Category, Finding
    from remedies.calendar import office_calendar
    from remedies.tables import Evidence, Extension, Recommendation, RecommendationEvent
    from workbench.tables import User

    async def bulk(table, rows: list[dict]) -> None:
        for start in range(0, len(rows), 5000):
            await bulk_insert(table, rows[start:start + 5000])

    users = {r["username"]: r for r in await User.select(User.id, User.username, User.full_name)}
    compliance = users.get(next(u for u, _, role, _ in DEMO_STAFF if role.value == "compliance_officer"))
    staff = Staff(compliance["id"] if compliance else None, compliance["full_name"] if compliance else "System",
                  {u["id"]: u["full_name"] for u in users.values()})
    if cases:
        first_case = min(c["id"] for c in cases)
        findings: dict[int, list[tuple[int, int]]] = {}
        for row in await Finding.select(Finding.id, Finding.case, Finding.body).where(
                (Finding.case >= first_case) & (Finding.fault == True)).order_by(Finding.id):  # noqa: E712
            findings.setdefault(row["case"], []).append((row["body"], row["id"]))
        names = {p["id"]: f"{p['title']} {p['family_name']}".strip() for p in people}
        last = await Recommendation.select(Recommendation.id).order_by(Recommendation.id, ascending=False).first()
        areas = {c["id"]: area_words(c["name"]) for c in await Category.select(Category.id, Category.name)}
        calendar = await office_calendar()
        with _collector_paused():
            plan = plan_remedies(cases, findings, names=names, areas=areas, staff=staff, calendar=calendar, seed=seed,
                                 anchor=anchor, now=now, first_id=(last["id"] if last else 0) + 1, per_case=per_case)
    else:
        plan = RemediesPlan()
    with_contacts = {r["body"] for r in await BodyContact.select(BodyContact.body).distinct()}
    bodies = [b for b in await Body.select(Body.id, Body.name, Body.body_type).order_by(Body.id) if b["id"] not in with_contacts]
    contacts = plan_contacts(bodies, seed)
    # One transaction: all or nothing, and one commit instead of hundreds.
    with _collector_paused():
        async with write_transaction():
            await bulk(Recommendation, plan.recommendations)
            await _move_sequence_on(Recommendation)
            await bulk(Extension, plan.extensions)
            await bulk(Evidence, plan.evidence)
            await bulk(RecommendationEvent, plan.events)
            await bulk(BodyContact, contacts)
    return RemediesResult(len(plan.recommendations), len(plan.evidence), len(plan.extensions), len(plan.events), len(contacts))
