"""Synthetic, deterministic casework for demonstrations, tests and benchmarks.

The same seed and anchor date give the same data. Cases spread over four years, across the
taxonomy and the stages, with realistic proportions (most complaints close at assessment; most
investigated ones are upheld). Rows go in by the thousand inside write transactions, with ids
assigned here, so 100,000 cases load in well under two minutes on SQLite.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterator

from investigations.demo_wording import CaseWording, compose
from investigations.lifecycle import CareFunding, Outcome, Stage
from investigations.reference_data import load_demo_phrases
from investigations.references import body_suffix, format_reference
from investigations.tables import Body, Case, CaseBody, Category, Finding, Person, ReferenceCounter, Subcategory
from workbench.accounts import create_user
from workbench.audit import record_event
from workbench.db import bulk_insert, engine, write_transaction
from workbench.roles import Role
from workbench.tables import User

DEMO_PASSWORD = "workbench-demo"
BATCH = 5000
YEARS = 4

# (username, full name, role, manager username)
DEMO_STAFF = [
    ("manager", "Morgan Hale", Role.MANAGER, None),
    ("admin", "Avery Quinn", Role.ADMINISTRATOR, None),
    ("investigator", "Isla Carter", Role.INVESTIGATOR, "manager"),
    ("compliance", "Colin Marsh", Role.COMPLIANCE_OFFICER, "manager"),
    ("reports", "Rhiannon Price", Role.REPORT_WRITER, "manager"),
    ("manager2", "Nadia Okafor", Role.MANAGER, None),
    ("ibrooks", "Imran Brooks", Role.INVESTIGATOR, "manager"),
    ("jpatel", "Jaya Patel", Role.INVESTIGATOR, "manager"),
    ("tnguyen", "Tom Nguyen", Role.INVESTIGATOR, "manager2"),
    ("ewilliams", "Eleri Williams", Role.INVESTIGATOR, "manager2"),
    ("sokoro", "Sam Okoro", Role.INVESTIGATOR, "manager2"),
]

# Share of complaints by category slug: care and education dominate the ombudsman's caseload.
CATEGORY_WEIGHTS = {
    "adult-care-services": 20, "children-s-care-services": 8, "education": 14, "benefits-and-tax": 9,
    "environment-and-regulation": 7, "housing": 14, "planning": 10, "transport-and-highways": 8,
    "health": 3, "other-categories": 4,
}

GIVEN = ["Aisha", "Ben", "Carys", "David", "Elif", "Fiona", "George", "Hannah", "Ian", "Jasmine", "Kwame",
         "Laura", "Mohammed", "Niamh", "Owen", "Priya", "Rhys", "Sarah", "Tariq", "Una", "Victor", "Wendy",
         "Yusuf", "Zoe", "Margaret", "Peter", "Joan", "Brian", "Maureen", "Derek"]
FAMILY = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Robinson",
          "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Khan", "Wood", "Clarke",
          "Hughes", "Edwards", "Hussain", "Begum", "Ali", "Lewis", "Harris", "Martin", "Jackson", "Ahmed", "Kaur",
          "Okonkwo", "Nowak", "Murphy", "O'Brien", "Kowalski", "Singh", "Chen", "Morris"]
TITLES = ["Mr", "Mrs", "Ms", "Miss", "Mx", "Dr"]
STREETS = ["High Street", "Station Road", "Church Lane", "Mill Road", "Park Avenue", "Victoria Road", "Green Lane",
           "Manor Way", "The Crescent", "Queens Road", "Kings Drive", "Orchard Close"]
TOWNS = ["Ashford", "Bexley", "Carlisle", "Dudley", "Exeter", "Fareham", "Grimsby", "Harrogate", "Ipswich",
         "Kendal", "Luton", "Margate", "Norwich", "Oldham", "Preston", "Reading", "Stockport", "Truro", "Walsall", "York"]


@dataclass(frozen=True)
class DemoResult:
    cases: int
    people: int
    users_created: int
    seconds: float
    recommendations: int = 0


def _stage_for_age(rng: random.Random, age_days: int) -> Stage:
    if age_days < 20:
        table = [(Stage.INTAKE, 40), (Stage.ASSESSMENT, 60)]
    elif age_days < 90:
        table = [(Stage.ASSESSMENT, 40), (Stage.INVESTIGATION, 40), (Stage.CLOSED_AFTER_INITIAL_ENQUIRIES, 10),
                 (Stage.PREMATURE, 5), (Stage.NOT_FOR_US, 5)]
    elif age_days < 180:
        table = [(Stage.INVESTIGATION, 45), (Stage.DRAFT_DECISION, 12), (Stage.COMMENTS, 8),
                 (Stage.FINAL_DECISION, 15), (Stage.CLOSED_AFTER_INITIAL_ENQUIRIES, 15), (Stage.PREMATURE, 5)]
    else:
        table = [(Stage.CLOSED, 45), (Stage.CLOSED_AFTER_INITIAL_ENQUIRIES, 28), (Stage.PREMATURE, 11),
                 (Stage.NOT_FOR_US, 8), (Stage.EARLY_RESOLUTION, 5), (Stage.INVESTIGATION, 3)]
    stages, weights = zip(*table)
    return rng.choices(stages, weights)[0]


STAGE_OUTCOMES = {
    Stage.CLOSED_AFTER_INITIAL_ENQUIRIES: Outcome.CLOSED_AFTER_INITIAL_ENQUIRIES,
    Stage.PREMATURE: Outcome.PREMATURE,
    Stage.NOT_FOR_US: Outcome.NOT_FOR_US,
    Stage.EARLY_RESOLUTION: Outcome.REMEDIED_BY_BODY,
}
INVESTIGATED_OUTCOMES = [
    (Outcome.UPHELD_FAULT_INJUSTICE, 55), (Outcome.UPHELD_FAULT_NO_INJUSTICE, 10),
    (Outcome.REMEDIED_BY_BODY, 13), (Outcome.NOT_UPHELD, 22),
]


def _outcome(rng: random.Random, stage: Stage) -> Outcome | None:
    if stage in STAGE_OUTCOMES:
        return STAGE_OUTCOMES[stage]
    if stage in (Stage.FINAL_DECISION, Stage.CLOSED):
        outcomes, weights = zip(*INVESTIGATED_OUTCOMES)
        return rng.choices(outcomes, weights)[0]
    return None


def _postcode(rng: random.Random) -> str:
    letters = "ABCDEFGHJKLMNPRSTUWYZ"
    return f"{rng.choice(letters)}{rng.choice(letters)}{rng.randint(1, 29)} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"


def _person(rng: random.Random, person_id: int) -> dict[str, Any]:
    given, family = rng.choice(GIVEN), rng.choice(FAMILY)
    return {
        "id": person_id,
        "title": rng.choice(TITLES),
        "given_name": given,
        "family_name": family,
        "address": f"{rng.randint(1, 180)} {rng.choice(STREETS)}, {rng.choice(TOWNS)}",
        "postcode": _postcode(rng),
        "email": f"{given}.{family}{rng.randint(1, 99)}@example.org".lower().replace("'", ""),
        "phone": f"07{rng.randint(100000000, 999999999)}",
        "date_of_birth": None,
    }


async def ensure_demo_staff() -> tuple[dict[str, int], int]:
    """The demo logins; created once, with managers linked to their investigators."""
    created = 0
    for username, full_name, role, _ in DEMO_STAFF:
        if not await User.exists().where(User.username == username):
            await create_user(username, DEMO_PASSWORD, role, full_name=full_name)
            created += 1
    ids = {r["username"]: r["id"] for r in await User.select(User.id, User.username)}
    async with write_transaction():
        for username, _, _, manager in DEMO_STAFF:
            if manager:
                await User.update({User.manager: ids[manager]}).where(User.id == ids[username])
    return ids, created


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def _next_id(table) -> int:
    row = await table.select(table.id).order_by(table.id, ascending=False).first()
    return (row["id"] if row else 0) + 1


async def _insert(table, rows: list[dict[str, Any]]) -> None:
    for chunk in _chunks(rows, BATCH):
        await bulk_insert(table, chunk)


async def _reset_sequences(*tables) -> None:
    """Ids were assigned here; PostgreSQL's sequences must be moved past them."""
    if engine().engine_type != "postgres":
        return
    for table in tables:
        name = table._meta.tablename
        await table.raw(
            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), COALESCE((SELECT MAX(id) FROM {name}), 1))"
        )


@dataclass(frozen=True)
class DemoInputs:
    """What the generator draws from: ids already in the database, and where numbering resumes."""

    categories: dict[str, int]  # slug -> id
    subcategories: dict[int, list[tuple[int, str]]]  # category id -> [(id, "cat/sub")]
    councils: list[int]
    providers: list[int]
    nhs: list[int]
    investigators: list[int]
    counters: dict[int, int]  # two-digit year -> last reference number issued
    first_person_id: int = 1
    first_case_id: int = 1
    first_link_id: int = 1


@dataclass
class DemoPlan:
    people: list[dict[str, Any]]
    cases: list[dict[str, Any]]
    links: list[dict[str, Any]]
    counters: dict[int, int]
    findings: list[dict[str, Any]] = field(default_factory=list)


FINDING_STAGES = {Stage.DRAFT_DECISION, Stage.COMMENTS, Stage.FINAL_DECISION, Stage.CLOSED, Stage.EARLY_RESOLUTION}
NCMG_CODES = ("1.1", "1.4", "2.2", "2.5", "3.1", "3.5", "4.1", "4.4", "5.2", "5.4")


def _findings_for(rng: random.Random, case: dict[str, Any], body_ids: list[int], now: datetime,
                  wording: CaseWording) -> list[dict[str, Any]]:
    """One finding per body for cases past investigation, agreeing with the case's outcome, worded as
    the decision would put it (not a copy of the complaint's summary)."""
    stage = Stage(case["stage"])
    if stage not in FINDING_STAGES:
        return []
    outcome = case["outcome"]
    upheld = outcome in {o.value for o in Outcome if o.is_upheld} or (not outcome and rng.random() < 0.75)
    rows = []
    for position, body_id in enumerate(body_ids):
        fault = upheld and (position == 0 or rng.random() < 0.5)
        injustice = fault and outcome != Outcome.UPHELD_FAULT_NO_INJUSTICE.value
        standards = sorted(rng.sample(NCMG_CODES, rng.randint(0, 2))) if fault else []
        rows.append({
            "case": case["id"], "body": body_id, "fault": fault, "injustice": injustice,
            "description": wording.finding if fault else wording.cleared,
            "standards": json.dumps(standards), "updated_at": now, "version": 1,
        })
    return rows


def _stage_entered(rng: random.Random, stage: Stage, received: date, decided: date | None, anchor: date) -> date:
    """When the case entered its current stage: after it was received, never after the anchor date."""
    age = (anchor - received).days
    if stage is Stage.INTAKE:
        entered = received
    elif stage is Stage.ASSESSMENT:
        entered = received + timedelta(days=rng.randint(0, min(age, 12)))  # a few days in intake
    elif stage is Stage.INVESTIGATION:
        entered = received + timedelta(days=rng.randint(min(age, 15), min(age, 70)))
    elif decided is not None:
        entered = decided
    else:  # draft decision, comments: recently
        entered = anchor - timedelta(days=rng.randint(0, min(age, 40)))
    return min(anchor, max(received, entered))


def plan_demo(inputs: DemoInputs, cases: int, seed: int, anchor: date, now: datetime) -> DemoPlan:
    """The rows to insert: a pure function of its arguments, so the same seed gives the same casework."""
    rng = random.Random(seed)
    entry_rng = random.Random(seed * 1_000_003 + 7)  # its own stream: the rest of the plan is unchanged
    finding_rng = random.Random(seed * 1_000_003 + 11)
    wording_rng = random.Random(seed * 1_000_003 + 13)  # the words: their own stream too
    findings: list[dict[str, Any]] = []
    phrases = load_demo_phrases()
    weighted = [(slug, w) for slug, w in CATEGORY_WEIGHTS.items() if slug in inputs.categories]
    slugs, weights = zip(*weighted) if weighted else (tuple(inputs.categories), (1,) * len(inputs.categories))
    counters = dict(inputs.counters)
    person_id, case_id, link_id = inputs.first_person_id, inputs.first_case_id, inputs.first_link_id
    people: list[dict[str, Any]] = []
    case_rows: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    received_dates = sorted(anchor - timedelta(days=rng.randint(0, 365 * YEARS)) for _ in range(cases))
    recent_complainants: list[int] = []

    for received in received_dates:
        age = (anchor - received).days
        stage = _stage_for_age(rng, age)
        outcome = _outcome(rng, stage)
        category_slug = rng.choices(slugs, weights)[0]
        category_id = inputs.categories[category_slug]
        subcategory_id, sub_slug = rng.choice(inputs.subcategories[category_id])
        text = phrases.get(sub_slug) or {"summaries": ["The body did not deal properly with the complaint."], "outcomes_wanted": [""]}

        if recent_complainants and rng.random() < 0.04:  # some people complain again
            complainant = rng.choice(recent_complainants)
        else:
            people.append(_person(rng, person_id))
            complainant = person_id
            person_id += 1
            recent_complainants = (recent_complainants + [complainant])[-500:]
        affected = representative = None
        consent_on = None
        if rng.random() < 0.25:
            people.append(_person(rng, person_id))
            affected = person_id
            person_id += 1
        if rng.random() < 0.08:
            people.append(_person(rng, person_id))
            representative = person_id
            person_id += 1
            consent_on = received + timedelta(days=rng.randint(0, 20)) if rng.random() < 0.85 else None
        care_funding = ""
        body_ids = [rng.choice(inputs.councils)]
        if category_slug == "adult-care-services":
            care_funding = CareFunding.SELF_FUNDED.value if rng.random() < 0.3 else CareFunding.COUNCIL_ARRANGED.value
            if care_funding == CareFunding.SELF_FUNDED.value:
                body_ids = [rng.choice(inputs.providers)]
        if category_slug == "health" or rng.random() < 0.02:
            body_ids.append(rng.choice(inputs.nhs))
        body_ids = list(dict.fromkeys(body_ids))
        wording = compose(wording_rng, sub_slug, "care provider" if care_funding == CareFunding.SELF_FUNDED.value else "Council")

        decided = None
        if outcome is not None:
            decided = min(anchor, received + timedelta(days=rng.randint(15, 200)))
        investigator = None
        if stage not in (Stage.INTAKE,) and (stage is not Stage.ASSESSMENT or rng.random() < 0.5):
            investigator = rng.choice(inputs.investigators)
        yy = received.year % 100
        counters[yy] = counters.get(yy, 0) + 1
        case_rows.append({
            "id": case_id,
            "reference": format_reference(yy, counters[yy]),
            "received_on": received,
            "decided_on": decided,
            "category": category_id,
            "subcategory": subcategory_id,
            "stage": stage.value,
            "stage_entered_on": _stage_entered(entry_rng, stage, received, decided, anchor),
            "outcome": outcome.value if outcome else "",
            "investigator": investigator,
            "restricted": rng.random() < 0.02,
            "care_funding": care_funding,
            "summary": rng.choice(text["summaries"]),  # replaced below; still drawn, so the plan keeps its stream
            "outcome_wanted": rng.choice(text.get("outcomes_wanted") or [""]),
            "complainant": complainant,
            "person_affected": affected,
            "representative": representative,
            "representative_consent_on": consent_on,
            "representative_consent_note": "Signed consent form received" if consent_on else "",
            "created_at": now,
            "updated_at": now,
            "version": 1,
        })
        for position, body_id in enumerate(body_ids):
            links.append({"id": link_id, "case": case_id, "body": body_id, "suffix": body_suffix(position) if len(body_ids) > 1 else ""})
            link_id += 1
        case = case_rows[-1]
        case["summary"] = wording.summary  # composed: stock sentences repeated word for word across councils
        findings.extend(_findings_for(finding_rng, case, body_ids, now, wording))
        if case["stage"] in (Stage.DRAFT_DECISION.value, Stage.COMMENTS.value):
            case["draft_issued_on"] = case["stage_entered_on"]
            case["comments_due_on"] = case["stage_entered_on"] + timedelta(days=21)
        else:
            case["draft_issued_on"] = case["comments_due_on"] = None
        case_id += 1

    return DemoPlan(people=people, cases=case_rows, links=links, counters=counters, findings=findings)


async def gather_inputs(staff: dict[str, int]) -> DemoInputs:
    categories = {r["slug"]: r["id"] for r in await Category.select(Category.id, Category.slug)}
    subcategories: dict[int, list[tuple[int, str]]] = {}
    for r in await Subcategory.select(Subcategory.id, Subcategory.slug, Subcategory.category).order_by(Subcategory.id):
        subcategories.setdefault(r["category"], []).append((r["id"], r["slug"]))
    bodies = await Body.select(Body.id, Body.body_type).where(Body.active == True).order_by(Body.id)  # noqa: E712
    if not categories or not bodies:
        raise RuntimeError("Reference data is missing: run `workbench migrate` first")
    councils = [b["id"] for b in bodies if b["body_type"].endswith("council") or b["body_type"] == "london_borough"]
    return DemoInputs(
        categories=categories,
        subcategories=subcategories,
        councils=councils,
        providers=[b["id"] for b in bodies if b["body_type"] == "independent_care_provider"] or councils,
        nhs=[b["id"] for b in bodies if b["body_type"] in ("nhs_trust", "icb")] or councils,
        investigators=[staff[u] for u, _, role, _ in DEMO_STAFF if role is Role.INVESTIGATOR],
        counters={r["year"]: r["last_number"] for r in await ReferenceCounter.select()},
        first_person_id=await _next_id(Person),
        first_case_id=await _next_id(Case),
        first_link_id=await _next_id(CaseBody),
    )


async def load_demo(
    cases: int = 2000, seed: int = 1, anchor: date | None = None, only_if_empty: bool = False, quiet: bool = False,
    recommendations_per_case: float = 2.5, patterns: bool = True,
) -> DemoResult:
    """``cases`` demo cases; from ``systemic.demo.PLANT_FROM`` cases on, ``patterns`` plants that
    module's systemic fault patterns among them (left out where planted cases would skew a measure)."""
    started = time.perf_counter()
    if only_if_empty and await Case.count() > 0:
        if not quiet:
            print("Demo data already loaded; nothing to do.")
        return DemoResult(0, 0, 0, 0.0)
    staff, users_created = await ensure_demo_staff()
    anchor = anchor or date.today()
    now = datetime.now(timezone.utc)
    inputs = await gather_inputs(staff)
    from systemic.demo import PLANT_FROM, planted_case_count, plant_patterns  # systemic builds on the casework

    planting = patterns and cases >= PLANT_FROM
    plan = plan_demo(inputs, cases - planted_case_count() if planting else cases, seed, anchor, now)
    if planting:
        plan = plant_patterns(plan, inputs, seed, anchor, now).plan
    await _insert(Person, plan.people)
    await _insert(Case, plan.cases)
    await _insert(CaseBody, plan.links)
    await _insert(Finding, plan.findings)
    await _reset_sequences(Person, Case, CaseBody)
    from remedies.demo import load_remedies_demo  # remedies builds on the cases just loaded

    remedies = await load_remedies_demo(plan.cases, plan.people, seed=seed, anchor=anchor, now=now,
                                        per_case=recommendations_per_case)
    async with write_transaction():
        existing = {r["year"] for r in await ReferenceCounter.select(ReferenceCounter.year)}
        for year, last in plan.counters.items():
            if year in existing:
                await ReferenceCounter.update({ReferenceCounter.last_number: last}).where(ReferenceCounter.year == year)
            else:
                await ReferenceCounter(year=year, last_number=last).save()
        await record_event(None, "demo.loaded", "case", "*", summary=f"Loaded {cases} demo cases (seed {seed})",
                           changes={"after": {"cases": cases, "seed": seed, "anchor": anchor.isoformat()}})
    seconds = time.perf_counter() - started
    if not quiet:
        print(f"Loaded {cases:,} demo cases, {len(plan.people):,} people and {remedies.recommendations:,} "
              f"recommendations in {seconds:.1f} s.")
        if planting:
            print(f"Among them {planted_case_count()} cases plant systemic patterns for the scan to find "
                  "(systemic/demo.py).")
    return DemoResult(cases, len(plan.people), users_created, seconds, remedies.recommendations)


def demo_logins() -> list[tuple[str, str, str]]:
    return [(u, DEMO_PASSWORD, role.label) for u, _, role, _ in DEMO_STAFF[:5]]

