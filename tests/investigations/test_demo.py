"""Demo data: deterministic, realistic in its proportions, and loadable on both engines."""

from collections import Counter
from datetime import date, datetime, timezone

import pytest

from investigations.demo import DemoInputs, load_demo, plan_demo
from investigations.lifecycle import OPEN_STAGES, Outcome, Stage
from investigations.references import parse_reference
from tests.investigations.demo_inputs import offline_demo_inputs

ANCHOR = date(2026, 11, 1)
NOW = datetime(2026, 11, 1, 9, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def inputs():
    return offline_demo_inputs()


def test_same_seed_same_casework(inputs):
    first = plan_demo(inputs, 500, seed=4, anchor=ANCHOR, now=NOW)
    second = plan_demo(inputs, 500, seed=4, anchor=ANCHOR, now=NOW)
    assert first.cases == second.cases and first.people == second.people and first.links == second.links
    other = plan_demo(inputs, 500, seed=5, anchor=ANCHOR, now=NOW)
    assert other.cases != first.cases


def test_references_unique_and_well_formed(inputs):
    plan = plan_demo(inputs, 3000, seed=1, anchor=ANCHOR, now=NOW)
    references = [c["reference"] for c in plan.cases]
    assert len(set(references)) == len(references)
    for case in plan.cases:
        assert parse_reference(case["reference"])[0] == case["reference"]
        assert case["reference"].startswith(f"{case['received_on'].year % 100:02d} ")


def test_numbering_resumes_after_existing_references(inputs):
    resumed = DemoInputs(**{**inputs.__dict__, "counters": {26: 41}})
    plan = plan_demo(resumed, 2000, seed=2, anchor=ANCHOR, now=NOW)
    numbers_2026 = sorted(int(c["reference"].replace(" ", "")[2:]) for c in plan.cases if c["received_on"].year == 2026)
    assert numbers_2026[0] == 42


def test_realistic_proportions(inputs):
    plan = plan_demo(inputs, 5000, seed=1, anchor=ANCHOR, now=NOW)
    stages = Counter(c["stage"] for c in plan.cases)
    assert len(stages) >= 9  # cases across the stages
    decided = [c for c in plan.cases if c["outcome"]]
    investigated = [c for c in decided if c["outcome"] in {o.value for o in Outcome if o.is_upheld} | {"not_upheld"}]
    upheld = [c for c in investigated if Outcome(c["outcome"]).is_upheld]
    assert 0.65 < len(upheld) / len(investigated) < 0.9  # LGSCO upholds most investigated complaints
    assert all(c["decided_on"] >= c["received_on"] for c in decided)
    assert all(not c["outcome"] for c in plan.cases if Stage(c["stage"]) in OPEN_STAGES)
    years = {c["received_on"].year for c in plan.cases}
    assert len(years) >= 4
    joint = Counter(link["case"] for link in plan.links)
    assert any(n > 1 for n in joint.values())  # some joint cases
    assert {c["care_funding"] for c in plan.cases} >= {"", "council_arranged", "self_funded"}


def test_load_demo_into_database(run, db):
    from investigations.tables import Case, CaseBody, Person

    result = run(load_demo(cases=250, seed=9, quiet=True))
    assert run(Case.count()) == 250
    assert run(CaseBody.count()) >= 250
    assert run(Person.count()) == result.people
    # ids assigned in bulk: the next ordinary insert still gets a fresh id (sequences moved on PostgreSQL)
    person = Person(family_name="After-Demo")
    run(person.save())
    assert person.id > result.people
    # loading again adds more cases with new references
    run(load_demo(cases=10, seed=10, quiet=True))
    references = run(Case.select(Case.reference))
    assert len({r["reference"] for r in references}) == 260


def test_only_if_empty_does_nothing_the_second_time(run, db):
    from investigations.tables import Case

    run(load_demo(cases=20, seed=1, quiet=True, only_if_empty=True))
    run(load_demo(cases=20, seed=1, quiet=True, only_if_empty=True))
    assert run(Case.count()) == 20


def test_findings_agree_with_outcomes(inputs):
    plan = plan_demo(inputs, 3000, seed=3, anchor=ANCHOR, now=NOW)
    by_case = {}
    for finding in plan.findings:
        by_case.setdefault(finding["case"], []).append(finding)
    assert by_case  # cases past investigation carry findings
    for case in plan.cases:
        findings = by_case.get(case["id"], [])
        if case["stage"] in ("intake", "assessment", "investigation", "premature", "not_for_us",
                             "closed_after_initial_enquiries"):
            assert not findings
        elif case["outcome"] == "not_upheld":
            assert findings and not any(f["fault"] for f in findings)
        elif case["outcome"] in ("upheld_fault_injustice", "upheld_fault_no_injustice", "remedied_by_body"):
            assert any(f["fault"] for f in findings)
        assert all(f["fault"] or not f["injustice"] for f in findings)
    drafts = [c for c in plan.cases if c["stage"] == "draft_decision"]
    assert drafts and all(c["comments_due_on"] > c["draft_issued_on"] for c in drafts)


def test_wording_for_a_subcategory_the_wording_file_does_not_know():
    """An import or an administrator can add subcategories: the demo words them from their category."""
    import random

    from investigations.demo_wording import compose

    for key in ("housing/pest-control", "no-such-category/anything"):
        first = compose(random.Random(3), key)
        assert first.summary and first.finding and first.cleared
        assert compose(random.Random(3), key) == first
