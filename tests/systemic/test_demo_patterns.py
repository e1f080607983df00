"""The systemic patterns planted in the demo (systemic.demo): planted as described, deterministic, and
found again by the pattern scan and the similar-cases API among the demo's ordinary cases."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta, timezone

import pytest

from investigations.demo import DemoInputs, load_demo, plan_demo
from investigations.reference_data import load_taxonomy
from systemic.demo import PLANT_FROM, PLANTED_PATTERNS, plant_patterns, planted_case_count
from systemic.scan import last_twelve_months, run_scan
from tests.investigations.demo_inputs import offline_demo_inputs

ANCHOR = date(2026, 11, 2)
NOW = datetime(2026, 11, 2, 9, tzinfo=timezone.utc)
DEMO_CASES = 300  # about 120 cases in the scan's twelve months, 35 of them planted
MAX_NOISE_GROUPS = 5  # groups without a planted case: the ordinary cases' stock wording repeats a little


@pytest.fixture(scope="module")
def inputs() -> DemoInputs:
    return offline_demo_inputs()


# ---------------------------------------------------------------------------------------------
# Pure: what is planted


def test_the_planted_patterns_are_described_and_worded_differently():
    assert 6 <= len(PLANTED_PATTERNS) <= 8
    assert len({p.slug for p in PLANTED_PATTERNS}) == len(PLANTED_PATTERNS)
    assert any(p.bodies == 1 for p in PLANTED_PATTERNS) and any(p.body_kind == "provider" for p in PLANTED_PATTERNS)
    keys = {s.key for s in load_taxonomy().subcategories}
    summaries = [s for p in PLANTED_PATTERNS for s in p.summaries]
    assert len(set(summaries)) == len(summaries) == planted_case_count()
    for pattern in PLANTED_PATTERNS:
        assert pattern.subcategory in keys, pattern.slug
        assert pattern.cases >= 3 and pattern.bodies <= pattern.cases, pattern.slug  # 1 body: the same one repeatedly


def test_planting_adds_decided_fault_cases_of_the_last_twelve_months(inputs):
    base = plan_demo(inputs, 200, seed=4, anchor=ANCHOR, now=NOW)
    planting = plant_patterns(base, inputs, seed=4, anchor=ANCHOR, now=NOW)
    plan = planting.plan
    added = plan.cases[len(base.cases):]
    assert plan.cases[:len(base.cases)] == base.cases  # the ordinary cases are unchanged
    assert len(added) == planted_case_count()
    references = [c["reference"] for c in plan.cases]
    assert len(set(references)) == len(references)
    assert len({c["id"] for c in plan.cases}) == len(plan.cases)
    assert len({p["id"] for p in plan.people}) == len(plan.people)
    start, end = last_twelve_months(ANCHOR)
    for case in added:
        assert start <= case["decided_on"] <= end and case["received_on"] < case["decided_on"]
        assert case["outcome"] == "upheld_fault_injustice" and case["stage"] in ("closed", "final_decision")
    by_case = {c["id"]: c for c in added}
    bodies_of = {link["case"]: link["body"] for link in plan.links if link["case"] in by_case}
    faults = [f for f in plan.findings if f["case"] in by_case]
    assert len(faults) == len(added) and all(f["fault"] and f["description"] for f in faults)
    for pattern in PLANTED_PATTERNS:
        refs = set(planting.references[pattern.slug])
        ids = [c["id"] for c in added if c["reference"] in refs]
        assert len(ids) == pattern.cases
        assert len({bodies_of[i] for i in ids}) == pattern.bodies, pattern.slug
        pool = inputs.providers if pattern.body_kind == "provider" else inputs.councils
        assert all(bodies_of[i] in pool for i in ids)


def test_planting_is_deterministic_by_seed(inputs):
    base = plan_demo(inputs, 150, seed=2, anchor=ANCHOR, now=NOW)
    first = plant_patterns(base, inputs, seed=2, anchor=ANCHOR, now=NOW)
    assert plant_patterns(base, inputs, seed=2, anchor=ANCHOR, now=NOW) == first
    other = plant_patterns(base, inputs, seed=3, anchor=ANCHOR, now=NOW)
    assert other.plan.links != first.plan.links


# ---------------------------------------------------------------------------------------------
# In the database: the scan and the similar-cases API find them


async def _planted() -> dict[str, dict[int, str]]:
    """Pattern slug -> {case id: reference} of the demo's planted cases (their wording is theirs alone)."""
    from investigations.tables import Case

    found = {}
    for pattern in PLANTED_PATTERNS:
        rows = await Case.select(Case.id, Case.reference).where(Case.summary.is_in(list(pattern.summaries)))
        found[pattern.slug] = {r["id"]: r["reference"] for r in rows}
    return found


def test_the_demo_plants_patterns_only_from_a_useful_size(db, run):
    from investigations.tables import Case

    assert run(load_demo(cases=PLANT_FROM - 1, seed=1, anchor=ANCHOR, quiet=True)).cases == PLANT_FROM - 1
    assert not any(run(_planted()).values())
    assert run(load_demo(cases=PLANT_FROM, seed=1, anchor=ANCHOR, quiet=True)).cases == PLANT_FROM
    assert run(Case.count()) == 2 * PLANT_FROM - 1  # planted cases count among the cases asked for
    assert sum(len(ids) for ids in run(_planted()).values()) == planted_case_count()


def test_the_scan_finds_every_planted_pattern_and_little_else(db, run):
    from systemic.tables import CandidateGroup

    run(load_demo(cases=DEMO_CASES, seed=1, anchor=ANCHOR, quiet=True))
    planted = run(_planted())
    assert {slug: len(ids) for slug, ids in planted.items()} == {p.slug: p.cases for p in PLANTED_PATTERNS}
    run(run_scan(*last_twelve_months(ANCHOR)))
    groups = run(CandidateGroup.select().where(CandidateGroup.status == "new").output(load_json=True))
    every_planted = {i for ids in planted.values() for i in ids}
    for pattern in PLANTED_PATTERNS:
        ids = set(planted[pattern.slug])
        best = max(groups, key=lambda g: len(ids & set(g["case_ids"])))
        caught = ids & set(best["case_ids"])
        assert len(caught) >= pattern.cases - 1, (pattern.slug, len(caught), best["title"])
        assert len(best["case_ids"]) <= 3 * pattern.cases, (pattern.slug, best["title"])  # not lost in a heap
        if pattern.bodies > 1:
            assert len(best["body_ids"]) >= 2
    noise = [g for g in groups if not every_planted & set(g["case_ids"])]
    assert len(noise) <= MAX_NOISE_GROUPS, [g["title"] for g in noise]


def test_similar_cases_of_a_planted_case_are_its_siblings(db, run, client):
    from systemic.matching import current_matcher

    run(load_demo(cases=DEMO_CASES, seed=1, anchor=ANCHOR, quiet=True))
    planted = run(_planted())
    client.sign_in_as("investigator")
    for slug, cases in planted.items():  # over HTTP, the first of each pattern: all its siblings but one at most
        reference = min(cases.values())
        response = client.get(f"/api/cases/{reference.replace(' ', '-')}/similar?limit=5")
        assert response.status_code == 200, response.text
        top = {r["reference"] for r in response.json()}
        siblings = set(cases.values()) - {reference}
        assert len(siblings & top) >= len(siblings) - 1, (slug, reference, top)
    matcher = run(current_matcher())  # every planted case, in process: the siblings recalled in the top five
    recalled = Counter()
    for cases in planted.values():
        for case_id in cases:
            top = {s.case_id for s in matcher.similar(case_id, 5)}
            recalled["found"] += len(top & (set(cases) - {case_id}))
            recalled["siblings"] += len(cases) - 1
    assert recalled["found"] / recalled["siblings"] >= 0.85, recalled


LARGE_DEMO = 3000  # about 975 cases in the scan's twelve months: ordinary wording must not pair up by chance
MAX_LARGE_NOISE = 3  # benchmarks/planted_patterns.py: 1 at seed 1


def test_at_three_thousand_cases_the_planted_patterns_are_the_strongest_groups(db, run):
    """The ordinary cases' wording (investigations.demo_wording) is varied enough that a caseload ten
    times the size of the test above still yields every planted pattern, hardly anything else, and
    the review page's strongest-first order puts the planted groups before the rest."""
    from investigations.access import Viewer
    from systemic.candidates import groups_of_scan
    from workbench.roles import Role

    run(load_demo(cases=LARGE_DEMO, seed=1, anchor=ANCHOR, quiet=True))
    planted = run(_planted())
    scan_id = run(run_scan(*last_twelve_months(ANCHOR)))
    ranked = run(groups_of_scan(scan_id, Viewer(user_id=0, role=Role.ADMINISTRATOR)))
    groups = run(_groups_of(scan_id))
    every_planted = {i for ids in planted.values() for i in ids}
    catching = set()
    for pattern in PLANTED_PATTERNS:
        ids = set(planted[pattern.slug])
        caught = [g for g in groups if len(ids & set(g["case_ids"])) >= pattern.cases - 1
                  and len(g["case_ids"]) <= 3 * pattern.cases]
        assert caught, (pattern.slug, [g["title"] for g in groups if ids & set(g["case_ids"])])
        catching |= {g["id"] for g in caught}
    noise = [g for g in groups if not every_planted & set(g["case_ids"])]
    assert len(noise) <= MAX_LARGE_NOISE, [g["title"] for g in noise]
    first = {c.id for c in ranked[:len(catching)]}
    assert first == catching, [(c.title, c.strength.value) for c in ranked]


async def _groups_of(scan_id: int) -> list[dict]:
    from systemic.tables import CandidateGroup

    return await CandidateGroup.select().where(CandidateGroup.scan == scan_id).output(load_json=True)
