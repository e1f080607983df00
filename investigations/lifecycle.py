"""The stages a case passes through and the outcomes it can end with.

Held as enums with labels so that screens, the API, statistics and documents all say the same thing.
"""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    INTAKE = "intake"
    ASSESSMENT = "assessment"
    INVESTIGATION = "investigation"
    DRAFT_DECISION = "draft_decision"
    COMMENTS = "comments"
    FINAL_DECISION = "final_decision"
    CLOSED = "closed"
    PREMATURE = "premature"
    NOT_FOR_US = "not_for_us"
    CLOSED_AFTER_INITIAL_ENQUIRIES = "closed_after_initial_enquiries"
    EARLY_RESOLUTION = "early_resolution"

    @property
    def label(self) -> str:
        return STAGE_LABELS[self]

    @property
    def is_open(self) -> bool:
        return self in OPEN_STAGES


STAGE_LABELS = {
    Stage.INTAKE: "Intake",
    Stage.ASSESSMENT: "Assessment",
    Stage.INVESTIGATION: "Investigation",
    Stage.DRAFT_DECISION: "Draft decision issued",
    Stage.COMMENTS: "Comments on draft",
    Stage.FINAL_DECISION: "Final decision",
    Stage.CLOSED: "Closed",
    Stage.PREMATURE: "Premature (referred back to the body)",
    Stage.NOT_FOR_US: "Not for us",
    Stage.CLOSED_AFTER_INITIAL_ENQUIRIES: "Closed after initial enquiries",
    Stage.EARLY_RESOLUTION: "Early resolution",
}

OPEN_STAGES = frozenset(
    {Stage.INTAKE, Stage.ASSESSMENT, Stage.INVESTIGATION, Stage.DRAFT_DECISION, Stage.COMMENTS}
)


class Outcome(StrEnum):
    UPHELD_FAULT_INJUSTICE = "upheld_fault_injustice"
    UPHELD_FAULT_NO_INJUSTICE = "upheld_fault_no_injustice"
    NOT_UPHELD = "not_upheld"
    REMEDIED_BY_BODY = "remedied_by_body"
    PREMATURE = "premature"
    NOT_FOR_US = "not_for_us"
    CLOSED_AFTER_INITIAL_ENQUIRIES = "closed_after_initial_enquiries"

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self]

    @property
    def is_upheld(self) -> bool:
        """LGSCO counts a complaint as upheld when fault was found or the body had already remedied it."""
        return self in UPHELD_OUTCOMES


OUTCOME_LABELS = {
    Outcome.UPHELD_FAULT_INJUSTICE: "Upheld: fault causing injustice",
    Outcome.UPHELD_FAULT_NO_INJUSTICE: "Upheld: fault, no injustice",
    Outcome.NOT_UPHELD: "Not upheld",
    Outcome.REMEDIED_BY_BODY: "Upheld: satisfactory remedy provided by the body",
    Outcome.PREMATURE: "Premature: referred back for local resolution",
    Outcome.NOT_FOR_US: "Not for us",
    Outcome.CLOSED_AFTER_INITIAL_ENQUIRIES: "Closed after initial enquiries",
}

UPHELD_OUTCOMES = frozenset(
    {Outcome.UPHELD_FAULT_INJUSTICE, Outcome.UPHELD_FAULT_NO_INJUSTICE, Outcome.REMEDIED_BY_BODY}
)


class CareFunding(StrEnum):
    COUNCIL_ARRANGED = "council_arranged"
    SELF_FUNDED = "self_funded"

    @property
    def label(self) -> str:
        return "Council-arranged" if self is CareFunding.COUNCIL_ARRANGED else "Self-funded"
