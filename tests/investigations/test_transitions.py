from datetime import date

import pytest

from investigations.lifecycle import Outcome, Stage
from investigations.transitions import ALLOWED, TransitionError, TransitionRequest, allowed_targets, plan_transition

TODAY = date(2026, 11, 20)
RECEIVED = date(2026, 6, 1)


def plan(current, target, **kwargs):
    return plan_transition(current, RECEIVED, TransitionRequest(target=target, reason="because", today=TODAY, **kwargs))


def test_the_main_path_is_allowed():
    path = [Stage.INTAKE, Stage.ASSESSMENT, Stage.INVESTIGATION, Stage.DRAFT_DECISION, Stage.COMMENTS,
            Stage.FINAL_DECISION, Stage.CLOSED]
    for current, target in zip(path, path[1:]):
        assert target in allowed_targets(current)


def test_every_stage_has_rules_and_exits_are_terminal():
    assert set(ALLOWED) == set(Stage)
    for stage in (Stage.CLOSED, Stage.PREMATURE, Stage.NOT_FOR_US, Stage.CLOSED_AFTER_INITIAL_ENQUIRIES, Stage.EARLY_RESOLUTION):
        assert ALLOWED[stage] == ()


@pytest.mark.parametrize("current, target", [
    (Stage.INTAKE, Stage.INVESTIGATION), (Stage.INTAKE, Stage.FINAL_DECISION), (Stage.ASSESSMENT, Stage.CLOSED),
    (Stage.CLOSED, Stage.INVESTIGATION), (Stage.FINAL_DECISION, Stage.INVESTIGATION),
])
def test_invalid_transitions_are_refused_with_the_allowed_moves(current, target):
    with pytest.raises(TransitionError, match="cannot move to") as error:
        plan(current, target)
    assert error.value.field == "target"


def test_reason_required():
    with pytest.raises(TransitionError, match="reason"):
        plan_transition(Stage.INTAKE, RECEIVED, TransitionRequest(target=Stage.ASSESSMENT, reason="  ", today=TODAY))


def test_move_records_stage_entry_date():
    result = plan(Stage.INTAKE, Stage.ASSESSMENT)
    assert result.updates == {"stage": "assessment", "stage_entered_on": TODAY}


def test_exits_set_their_outcome_and_decision_date():
    result = plan(Stage.INTAKE, Stage.PREMATURE)
    assert result.updates["outcome"] == Outcome.PREMATURE.value
    assert result.updates["decided_on"] == TODAY
    assert plan(Stage.ASSESSMENT, Stage.EARLY_RESOLUTION).updates["outcome"] == Outcome.REMEDIED_BY_BODY.value


def test_closing_after_initial_enquiries_needs_a_statutory_reason():
    with pytest.raises(TransitionError, match="statutory reason"):
        plan(Stage.ASSESSMENT, Stage.CLOSED_AFTER_INITIAL_ENQUIRIES)
    result = plan(Stage.ASSESSMENT, Stage.CLOSED_AFTER_INITIAL_ENQUIRIES, closure_reason="late")
    assert result.updates["closure_reason"] == "late"


def test_draft_needs_findings_and_a_future_comments_deadline():
    with pytest.raises(TransitionError, match="finding"):
        plan(Stage.INVESTIGATION, Stage.DRAFT_DECISION, comments_due_on=date(2026, 12, 11))
    with pytest.raises(TransitionError, match="deadline"):
        plan(Stage.INVESTIGATION, Stage.DRAFT_DECISION, findings=1)
    with pytest.raises(TransitionError, match="after today"):
        plan(Stage.INVESTIGATION, Stage.DRAFT_DECISION, findings=1, comments_due_on=TODAY)
    result = plan(Stage.INVESTIGATION, Stage.DRAFT_DECISION, findings=1, comments_due_on=date(2026, 12, 11))
    assert result.updates["draft_issued_on"] == TODAY and result.updates["comments_due_on"] == date(2026, 12, 11)


def test_final_decision_outcome_must_agree_with_findings():
    with pytest.raises(TransitionError, match="Choose the outcome"):
        plan(Stage.COMMENTS, Stage.FINAL_DECISION, findings=1)
    with pytest.raises(TransitionError, match="finding of fault"):
        plan(Stage.COMMENTS, Stage.FINAL_DECISION, outcome=Outcome.UPHELD_FAULT_INJUSTICE, findings=1)
    with pytest.raises(TransitionError, match="cannot be 'not upheld'"):
        plan(Stage.COMMENTS, Stage.FINAL_DECISION, outcome=Outcome.NOT_UPHELD, findings=1, findings_with_fault=1)
    with pytest.raises(TransitionError, match="Choose the outcome"):
        plan(Stage.COMMENTS, Stage.FINAL_DECISION, outcome=Outcome.PREMATURE, findings=1)
    result = plan(Stage.COMMENTS, Stage.FINAL_DECISION, outcome=Outcome.UPHELD_FAULT_INJUSTICE, findings=2, findings_with_fault=1)
    assert result.updates["outcome"] == "upheld_fault_injustice"


def test_decision_date_checks():
    with pytest.raises(TransitionError, match="future"):
        plan(Stage.INTAKE, Stage.NOT_FOR_US, decided_on=date(2026, 11, 21))
    with pytest.raises(TransitionError, match="before the complaint was received"):
        plan(Stage.INTAKE, Stage.NOT_FOR_US, decided_on=date(2026, 5, 31))
