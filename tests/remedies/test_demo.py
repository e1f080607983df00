"""Demo recommendations: every status and every path through the follow-up, deterministic, consistent."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timezone

import pytest

from investigations.demo import load_demo, plan_demo
from remedies.compliance import REMEDY_TYPES
from remedies.demo import Staff, area_words, email_domain, plan_contacts, plan_remedies, recommendation_count, status_on
from remedies.status import Status
from tests.investigations.test_demo import ANCHOR, NOW, inputs  # noqa: F401  (fixture)
from workbench.workdays import default_calendar

STAFF = Staff(compliance_id=4, compliance_name="Colin Marsh", names={1: "Isla Carter", 2: "Imran Brooks", 3: "Jaya Patel"})


def plan_for(inputs, cases=3000, seed=1, per_case=2.5):  # noqa: F811
    casework = plan_demo(inputs, cases, seed=seed, anchor=ANCHOR, now=NOW)
    findings: dict[int, list] = {}
    for number, finding in enumerate(casework.findings, start=1):
        if finding["fault"]:
            findings.setdefault(finding["case"], []).append((finding["body"], number))
    names = {p["id"]: f"{p['title']} {p['family_name']}" for p in casework.people}
    plan = plan_remedies(casework.cases, findings, names=names, areas={1: "adult care"}, staff=STAFF,
                         calendar=default_calendar(), seed=seed, anchor=ANCHOR, now=NOW, per_case=per_case)
    return casework, plan


def test_same_seed_same_recommendations(inputs):  # noqa: F811
    _, first = plan_for(inputs, 1500, seed=4)
    _, second = plan_for(inputs, 1500, seed=4)
    assert first.recommendations and first == second
    _, other = plan_for(inputs, 1500, seed=5)
    assert other.recommendations != first.recommendations


def test_every_status_and_path_is_present_and_consistent(inputs):  # noqa: F811
    casework, plan = plan_for(inputs)
    statuses = Counter(status_on(r, ANCHOR, default_calendar()) for r in plan.recommendations)
    assert set(statuses) == set(Status), statuses
    # Most old recommendations were complied with; the compliance rate is realistic (LGSCO: ~99%).
    verdicts = statuses[Status.COMPLIED_ON_TIME] + statuses[Status.COMPLIED_LATE] + statuses[Status.NOT_COMPLIED]
    assert 0.9 < (verdicts - statuses[Status.NOT_COMPLIED]) / verdicts < 1
    cases = {c["id"]: c for c in casework.cases}
    evidence: dict[int, list] = {}
    for row in plan.evidence:
        evidence.setdefault(row["recommendation"], []).append(row)
    extensions: dict[int, list] = {}
    for row in plan.extensions:
        extensions.setdefault(row["recommendation"], []).append(row)
    events: dict[int, list] = {}
    for row in plan.events:
        events.setdefault(row["recommendation"], []).append(row)
    for rec in plan.recommendations:
        case = cases[rec["case"]]
        assert case["outcome"] in ("upheld_fault_injustice", "upheld_fault_no_injustice", "remedied_by_body")
        assert rec["decided_on"] == rec["anchor_on"] == case["decided_on"] and rec["original_due_on"] > rec["decided_on"]
        assert (rec["period"], rec["unit"]) in {(1, "months"), (3, "months"), (20, "working_days")}
        assert rec["due_explanation"] and rec["public_summary"] and rec["description"]
        assert (rec["amount"] is not None) == REMEDY_TYPES[rec["remedy_type"]].monetary
        accepted = [e for e in evidence.get(rec["id"], []) if e["verdict"] == "accepted"]
        if rec["outcome"] in ("complied_on_time", "complied_late"):
            assert len(accepted) == 1 and accepted[0]["received_on"] == rec["outcome_on"]
            assert (rec["outcome"] == "complied_late") == (rec["outcome_on"] > rec["original_due_on"])
        else:
            assert not accepted
        if rec["outcome"] == "ceased":
            assert rec["ceased_reason"]
        history = extensions.get(rec["id"], [])
        if history:
            assert rec["due_on"] > rec["original_due_on"] and rec["due_on"] == history[-1]["to_due_on"]
            assert history[0]["from_due_on"] == rec["original_due_on"] and all(e["reason"] for e in history)
        else:
            assert rec["due_on"] == rec["original_due_on"]
        kinds = [e["kind"] for e in events[rec["id"]]]
        assert kinds[0] == "made" and rec["version"] == len(kinds)
        assert all(e["at"].date() <= ANCHOR for e in events[rec["id"]])
        for row in evidence.get(rec["id"], []):
            assert row["received_on"] <= ANCHOR and (row["verdict_on"] is None or row["received_on"] <= row["verdict_on"] <= ANCHOR)
    paths = Counter()
    for rid, rows in evidence.items():
        verdicts = [r["verdict"] for r in rows]
        if "" in verdicts:
            paths["awaiting verdict"] += 1
        if verdicts[:2] == ["insufficient", "accepted"]:
            paths["insufficient then accepted"] += 1
    complied_extended = [r for r in plan.recommendations if r["id"] in extensions and r["outcome"] == "complied_late"]
    assert paths["awaiting verdict"] and paths["insufficient then accepted"] and complied_extended


def test_a_small_demo_still_shows_every_status(inputs):  # noqa: F811
    _, plan = plan_for(inputs, 400, seed=2)
    assert {status_on(r, ANCHOR, default_calendar()) for r in plan.recommendations} == set(Status)


def test_recommendations_per_case_sets_the_volume(inputs):  # noqa: F811
    import random

    rng = random.Random(1)
    counts = [recommendation_count(rng, 2.5) for _ in range(4000)]
    assert set(counts) == {1, 2, 3, 4} and 2.4 < sum(counts) / len(counts) < 2.6
    _, few = plan_for(inputs, 1000, per_case=2.5)
    _, many = plan_for(inputs, 1000, per_case=10)
    assert 3.5 < len(many.recommendations) / len(few.recommendations) < 4.5
    with pytest.raises(ValueError):
        plan_for(inputs, 10, per_case=0.5)


def test_contacts_for_every_body():
    bodies = [{"id": 1, "name": "Brighton & Hove City Council", "body_type": "unitary_council"},
              {"id": 2, "name": "Sunrise Care Homes Ltd", "body_type": "independent_care_provider"}]
    rows = plan_contacts(bodies, seed=1)
    assert [(r["body"], r["role"]) for r in rows] == [
        (1, "link_officer"), (1, "chief_executive"), (1, "monitoring_officer"), (2, "link_officer"), (2, "chief_executive")]
    assert all(r["email"].endswith("@" + email_domain(b["name"])) for r in rows for b in bodies if b["id"] == r["body"])
    assert email_domain("Brighton & Hove City Council") == "brighton-hove-city-council.example"
    assert plan_contacts(bodies, seed=1) == rows
    assert area_words("Adult care services") == "adult care" and area_words("Health (joint working)") == "health"
    assert area_words("Other Categories") == "complaint-handling"


def test_load_demo_brings_every_status_into_the_database(run, db):
    from investigations.tables import Body, BodyContact
    from remedies.calendar import office_calendar
    from remedies.queries import status_condition
    from remedies.tables import Evidence, Extension, Recommendation, RecommendationEvent

    anchor = date(2026, 11, 2)
    result = run(load_demo(cases=400, seed=3, anchor=anchor, quiet=True))
    assert result.recommendations == run(Recommendation.count()) > 50
    calendar = run(office_calendar())
    for status in Status:  # the SQL twin of derive_status finds each one
        assert run(Recommendation.count().where(status_condition(status, anchor, calendar))) > 0, status
    complied = run(Recommendation.select(Recommendation.id, Recommendation.outcome_on).where(
        Recommendation.outcome.is_in(["complied_on_time", "complied_late"])))
    accepted = {r["recommendation"]: r["received_on"] for r in run(
        Evidence.select(Evidence.recommendation, Evidence.received_on).where(Evidence.verdict == "accepted"))}
    assert all(accepted[r["id"]] == r["outcome_on"] for r in complied)
    assert run(Evidence.count().where(Evidence.verdict == "")) > 0
    extended = run(Recommendation.select(Recommendation.id, Recommendation.due_on, Recommendation.original_due_on).where(
        Recommendation.id.is_in(run(Extension.select(Extension.recommendation).distinct().output(as_list=True)))))
    assert extended and all(r["due_on"] > r["original_due_on"] for r in extended)
    assert run(RecommendationEvent.count()) >= result.recommendations
    bodies = run(Body.count())
    assert len(run(BodyContact.select(BodyContact.body).distinct())) == bodies
    assert run(BodyContact.count().where(BodyContact.email.like("%.example"))) == run(BodyContact.count())
    # A second load adds new recommendations after the first (ids carry on) and no second set of contacts.
    contacts = run(BodyContact.count())
    second = run(load_demo(cases=50, seed=4, anchor=anchor, quiet=True))
    assert run(Recommendation.count()) == result.recommendations + second.recommendations
    assert run(BodyContact.count()) == contacts
    from tests.remedies import factories

    case = run(factories.decided_case())
    rid = run(factories.recommendation(case))  # the sequence moved past the demo's ids (PostgreSQL)
    assert rid > result.recommendations + second.recommendations - 1


def test_workbench_demo_takes_recommendations_per_case(run, db, capsys):
    from remedies.tables import Recommendation
    from workbench.cli import main

    main(["demo", "--cases", "300", "--seed", "6", "--recommendations-per-case", "6"])
    many = run(Recommendation.count())
    assert f"{many:,} recommendations" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="1 or more"):
        main(["demo", "--cases", "10", "--recommendations-per-case", "0.5"])
    main(["demo", "--cases", "300", "--seed", "6"])  # the same cases again, 2.5 a case
    assert 1.8 < many / (run(Recommendation.count()) - many) < 3.2
