"""The case state machine: which moves are allowed, and what each needs.

intake → assessment → investigation → draft decision → comments → final decision → closed, with
exits along the way (premature, not for us, closed after initial enquiries, early resolution).
Pure: it decides and explains; ``services`` applies the result in one write transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from investigations.lifecycle import Outcome, Stage

S = Stage
ALLOWED: dict[Stage, tuple[Stage, ...]] = {
    S.INTAKE: (S.ASSESSMENT, S.PREMATURE, S.NOT_FOR_US),
    S.ASSESSMENT: (S.INVESTIGATION, S.PREMATURE, S.NOT_FOR_US, S.CLOSED_AFTER_INITIAL_ENQUIRIES, S.EARLY_RESOLUTION),
    S.INVESTIGATION: (S.DRAFT_DECISION, S.EARLY_RESOLUTION, S.CLOSED_AFTER_INITIAL_ENQUIRIES),
    S.DRAFT_DECISION: (S.COMMENTS, S.INVESTIGATION),
    S.COMMENTS: (S.FINAL_DECISION, S.DRAFT_DECISION),
    S.FINAL_DECISION: (S.CLOSED,),
    S.CLOSED: (),
    S.PREMATURE: (),
    S.NOT_FOR_US: (),
    S.CLOSED_AFTER_INITIAL_ENQUIRIES: (),
    S.EARLY_RESOLUTION: (),
}

# Statutory reasons for closing after initial enquiries (Local Government Act 1974), held as data.
CLOSURE_REASONS: dict[str, str] = {
    "late": "Late complaint: more than 12 months after the person knew of the matter (ss26B, 34D)",
    "tribunal": "Alternative remedy: a right of appeal to a tribunal (s26(6)(a))",
    "court": "Alternative remedy: could go to court (s26(6)(c))",
    "insufficient_fault": "Not enough evidence of fault to justify investigating (s24A(6))",
    "insufficient_injustice": "Injustice not significant enough to justify investigating (s24A(6))",
    "no_worthwhile_outcome": "Investigation could not achieve the outcome sought or a worthwhile outcome (s24A(6))",
    "better_placed": "Another body is better placed to consider it (s24A(6))",
    "merits": "Cannot question the merits of a decision taken without fault (s34(3))",
    "all_inhabitants": "Affects all or most of the area's inhabitants (s26(7)(c))",
    "insufficient_information": "Insufficient information to proceed and the person affected advised",
}

FINAL_OUTCOMES = (
    Outcome.UPHELD_FAULT_INJUSTICE,
    Outcome.UPHELD_FAULT_NO_INJUSTICE,
    Outcome.NOT_UPHELD,
    Outcome.REMEDIED_BY_BODY,
)
EXIT_OUTCOMES = {
    S.PREMATURE: Outcome.PREMATURE,
    S.NOT_FOR_US: Outcome.NOT_FOR_US,
    S.CLOSED_AFTER_INITIAL_ENQUIRIES: Outcome.CLOSED_AFTER_INITIAL_ENQUIRIES,
    S.EARLY_RESOLUTION: Outcome.REMEDIED_BY_BODY,
}
DECIDING = set(EXIT_OUTCOMES) | {S.FINAL_DECISION}


class TransitionError(ValueError):
    """A move the rules refuse; ``field`` names the form field to mark, if any."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class TransitionRequest:
    target: Stage
    reason: str = ""
    today: date = field(default_factory=date.today)
    outcome: Outcome | None = None
    decided_on: date | None = None
    comments_due_on: date | None = None
    closure_reason: str = ""
    findings_with_fault: int = 0
    findings: int = 0


@dataclass(frozen=True)
class TransitionPlan:
    """The changes to make to the case, all at once."""

    stage: Stage
    updates: dict


def allowed_targets(current: Stage) -> tuple[Stage, ...]:
    return ALLOWED[current]


def plan_transition(current: Stage, received_on: date, request: TransitionRequest) -> TransitionPlan:
    target = request.target
    if target not in ALLOWED[current]:
        options = ", ".join(s.label for s in ALLOWED[current]) or "none: the case is finished"
        raise TransitionError(f"A case at {current.label} cannot move to {target.label}. Allowed: {options}.", "target")
    if not request.reason.strip():
        raise TransitionError("Give a reason for the change", "reason")
    updates: dict = {"stage": target.value, "stage_entered_on": request.today}

    if target in DECIDING:
        decided_on = request.decided_on or request.today
        if decided_on > request.today:
            raise TransitionError("The decision date cannot be in the future", "decided_on")
        if decided_on < received_on:
            raise TransitionError("The decision date cannot be before the complaint was received", "decided_on")
        updates["decided_on"] = decided_on
        updates["outcome"] = _decision_outcome(target, request).value

    if target is S.CLOSED_AFTER_INITIAL_ENQUIRIES:
        if request.closure_reason not in CLOSURE_REASONS:
            raise TransitionError("Choose the statutory reason for closing the case", "closure_reason")
        updates["closure_reason"] = request.closure_reason

    if target is S.DRAFT_DECISION:
        if request.findings == 0:
            raise TransitionError("Record a finding for each body before issuing a draft decision", "target")
        if request.comments_due_on is None:
            raise TransitionError("Set the deadline for comments on the draft", "comments_due_on")
        if request.comments_due_on <= request.today:
            raise TransitionError("The comments deadline must be after today", "comments_due_on")
        updates["draft_issued_on"] = request.today
        updates["comments_due_on"] = request.comments_due_on
    return TransitionPlan(stage=target, updates=updates)


def _decision_outcome(target: Stage, request: TransitionRequest) -> Outcome:
    if target in EXIT_OUTCOMES:
        return EXIT_OUTCOMES[target]
    outcome = request.outcome
    if outcome not in FINAL_OUTCOMES:
        raise TransitionError("Choose the outcome of the final decision", "outcome")
    if outcome in (Outcome.UPHELD_FAULT_INJUSTICE, Outcome.UPHELD_FAULT_NO_INJUSTICE, Outcome.REMEDIED_BY_BODY):
        if request.findings_with_fault == 0:
            raise TransitionError("An upheld decision needs a finding of fault against at least one body", "outcome")
    elif request.findings_with_fault > 0:
        raise TransitionError("A finding of fault is recorded, so the complaint cannot be 'not upheld'", "outcome")
    return outcome
