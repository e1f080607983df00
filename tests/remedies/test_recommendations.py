"""The recommendation service against the real database: due rules, extensions, evidence, verdicts,
closing, and the SQL status filter agreeing with ``derive_status``."""

from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest

from remedies.queries import status_condition
from remedies.recommendations import (
    RemedyError, accept_or_reject_evidence, add_evidence, cease, close_not_complied, escalate,
    extend_due_date, status_of,
)
from remedies.status import Status
from remedies.tables import Evidence, EvidenceFile, Extension, Recommendation, RecommendationEvent
from workbench.tables import AuditEvent
from workbench.workdays import default_calendar
from tests.remedies import factories as f

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_due_date_is_computed_from_its_rule_and_explained(run, db):
    case = run(f.decided_case(decided_on=date(2026, 12, 18)))
    rid = run(f.recommendation(case, period=20, unit="working_days"))
    row = run(Recommendation.select().where(Recommendation.id == rid).first())
    # 20 working days after Fri 18 Dec 2026 skips Christmas, Boxing Day (substitute) and New Year's Day.
    assert row["due_on"] == row["original_due_on"] == date(2027, 1, 20)
    assert "Christmas Day" in row["due_explanation"]
    assert (row["anchor_on"], row["period"], row["unit"]) == (date(2026, 12, 18), 20, "working_days")
    assert run(RecommendationEvent.count().where(RecommendationEvent.recommendation == rid)) == 1
    assert run(AuditEvent.count().where(AuditEvent.action == "recommendation.made")) == 1


def test_a_month_rule_rolls_forward_off_a_weekend(run, db):
    case = run(f.decided_case(decided_on=date(2026, 1, 31)))
    rid = run(f.recommendation(case, period=1, unit="months"))
    row = run(Recommendation.select().where(Recommendation.id == rid).first())
    assert row["due_on"] == date(2026, 3, 2)  # 28 Feb 2026 is a Saturday


@pytest.mark.parametrize("fields, field", [
    ({"remedy_type": "bribe"}, "remedy_type"),
    ({"remedy_type": "financial_avoidable_distress"}, "amount"),
    ({"period": 0}, "period"),
    ({"unit": "days"}, "unit"),
    ({"description": "  "}, "description"),
])
def test_bad_recommendations_are_refused_and_nothing_is_written(run, db, fields, field):
    case = run(f.decided_case())
    with pytest.raises(RemedyError) as refused:
        run(f.recommendation(case, **fields))
    assert refused.value.field == field
    assert run(Recommendation.count()) == 0


def test_extension_keeps_history_and_the_original_date_still_decides_late(run, db):
    case = run(f.decided_case(decided_on=date(2026, 1, 5)))
    rid = run(f.recommendation(case, period=1, unit="months"))  # due Thu 5 Feb 2026
    officer = run(f.user("compliance"))
    with pytest.raises(RemedyError) as refused:
        run(extend_due_date(rid, date(2026, 3, 5), "  ", officer))
    assert refused.value.field == "reason"
    run(extend_due_date(rid, date(2026, 3, 5), "Council's payments system down", officer, today=date(2026, 2, 1)))
    row = run(Recommendation.select().where(Recommendation.id == rid).first())
    assert (row["original_due_on"], row["due_on"]) == (date(2026, 2, 5), date(2026, 3, 5))
    assert status_of(row, date(2026, 2, 20)) is Status.DUE_SOON
    assert run(Extension.count().where(Extension.recommendation == rid)) == 1
    evidence = run(add_evidence(rid, date(2026, 3, 1), "Letter of apology", [("apology.pdf", BytesIO(PDF))],
                                officer, f.uploads(), today=date(2026, 3, 2)))
    assert run(accept_or_reject_evidence(evidence, "accepted", "", officer)) is Status.COMPLIED_LATE


def test_complied_only_through_accepted_evidence(run, db, tmp_path):
    case = run(f.decided_case(decided_on=date(2026, 1, 5)))
    rid = run(f.recommendation(case, period=1, unit="months"))
    officer = run(f.user("compliance"))
    first = run(add_evidence(rid, date(2026, 1, 20), "Draft letter only", [], officer, tmp_path, today=date(2026, 1, 21)))
    with pytest.raises(RemedyError):
        run(accept_or_reject_evidence(first, "insufficient", "", officer))
    run(accept_or_reject_evidence(first, "insufficient", "Send the signed letter", officer))
    row = run(Recommendation.select().where(Recommendation.id == rid).first())
    assert row["outcome"] == ""
    second = run(add_evidence(rid, date(2026, 2, 4), "Signed letter", [("letter.pdf", BytesIO(PDF))], officer,
                              tmp_path, today=date(2026, 2, 10)))
    assert run(accept_or_reject_evidence(second, "accepted", "", officer)) is Status.COMPLIED_ON_TIME
    row = run(Recommendation.select().where(Recommendation.id == rid).first())
    assert status_of(row, date(2026, 6, 1)) is Status.COMPLIED_ON_TIME
    assert run(EvidenceFile.count()) == 1
    with pytest.raises(RemedyError):  # closed: nothing more
        run(add_evidence(rid, date(2026, 2, 5), "More", [], officer, tmp_path))


def test_a_refused_file_stores_nothing(run, db, tmp_path):
    store = tmp_path / "uploads"
    store.mkdir()
    case = run(f.decided_case())
    rid = run(f.recommendation(case))
    officer = run(f.user("compliance"))
    with pytest.raises(RemedyError) as refused:
        run(add_evidence(rid, date(2026, 1, 20), "Apology", [("ok.pdf", BytesIO(PDF)), ("evil.pdf", BytesIO(b"MZ\x90"))],
                         officer, store, today=date(2026, 2, 1)))
    assert "evil.pdf" in refused.value.message
    assert run(Evidence.count()) == 0
    assert not [p for p in store.rglob("*") if p.is_file()]


def test_cease_and_not_complied_need_reasons(run, db):
    case = run(f.decided_case())
    a, b = run(f.recommendation(case)), run(f.recommendation(case))
    manager = run(f.user("manager"))
    with pytest.raises(RemedyError):
        run(cease(a, "", manager))
    run(cease(a, "Complainant died; family asked us to stop", manager))
    run(close_not_complied(b, "Council refused after a further report", manager))
    rows = {r["id"]: r for r in run(Recommendation.select())}
    assert status_of(rows[a], date(2026, 6, 1)) is Status.CEASED
    assert status_of(rows[b], date(2026, 6, 1)) is Status.NOT_COMPLIED
    with pytest.raises(RemedyError):
        run(cease(b, "again", manager))


def test_sql_status_filter_agrees_with_derive_status(run, db):
    """Every status, on rows built to land in each, selected by SQL exactly as derive_status says."""
    today = date(2026, 6, 15)
    officer = run(f.user("compliance"))
    ids = []
    for decided in (date(2026, 6, 12), date(2026, 5, 15), date(2026, 4, 1), date(2026, 3, 1), date(2026, 1, 10)):
        case = run(f.decided_case(decided_on=decided))
        ids += [run(f.recommendation(case, period=p, unit="working_days")) for p in (1, 10, 20, 40)]
    run(escalate(ids[-1], "no reply", officer, today=date(2026, 5, 1)))
    run(escalate(ids[-2], "future escalation", officer, today=date(2026, 7, 1)))
    run(cease(ids[0], "superseded", officer))
    run(close_not_complied(ids[1], "refused", officer))
    ev = run(add_evidence(ids[2], date(2026, 6, 1), "done", [], officer, f.uploads(), today=today))
    run(accept_or_reject_evidence(ev, "accepted", "", officer))
    rows = run(Recommendation.select())
    expected = {r["id"]: status_of(r, today) for r in rows}
    assert len(set(expected.values())) >= 6
    calendar = default_calendar()
    for status in Status:
        selected = {r["id"] for r in run(Recommendation.select(Recommendation.id).where(status_condition(status, today, calendar)))}
        assert selected == {i for i, s in expected.items() if s is status}, status


def test_bulk_assign_and_chase_audit_each_recommendation_and_keep_the_chain(run, db):
    """Thirty ids joined by commas overflow the audit log's 64-character record_id (PostgreSQL refuses it)."""
    from remedies.recommendations import assign, record_chaser_sent
    from workbench.audit import verify_chain

    case = run(f.decided_case())
    ids = [run(f.recommendation(case)) for _ in range(30)]
    officer = run(f.user("compliance"))
    manager = run(f.user("manager"))
    assert run(assign(ids, officer.id, manager)) == 30
    assert run(assign(ids, officer.id, manager)) == 0  # nothing changed, nothing audited
    assert run(record_chaser_sent(ids, "Phoned the link officer", officer)) == 30
    for action in ("recommendation.assigned", "recommendation.chased"):
        events = run(AuditEvent.select(AuditEvent.record_id, AuditEvent.summary).where(AuditEvent.action == action))
        assert sorted(int(e["record_id"]) for e in events) == sorted(ids), action
    assert run(verify_chain()).intact
