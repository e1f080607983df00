"""Systemic fault patterns planted in the demo casework, so the pattern scan has something real to find.

The demo's ordinary cases are noise, each worded from fragments (``investigations.demo_wording``). Planted here
are a handful of faults modelled on ../shared/domain.md section 3.8 and the labelled set
(``systemic/data/labelled_cases.jsonl``): the same fault found at several bodies, or at one body
again and again, each told in its own words as real complainants and investigators would. Every
planted case is decided with fault causing injustice within the twelve months before the demo's
anchor date, so the nightly scan (the last twelve months) covers it.

``PLANTED_PATTERNS`` names them (tests and the README use it). ``plant_patterns`` is pure: the
same plan, seed and anchor give the same planted rows.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from investigations.demo import DemoInputs, DemoPlan, _person
from investigations.lifecycle import CareFunding, Outcome, Stage
from investigations.reference_data import load_demo_phrases
from investigations.references import format_reference

__all__ = ["PLANTED_PATTERNS", "PLANT_FROM", "PlantedPattern", "Planting", "plant_patterns", "planted_case_count"]

#: Demos smaller than this get no planted patterns (a handful of cases is for route and API tests).
PLANT_FROM = 100


@dataclass(frozen=True)
class PlantedPattern:
    """One fault found on several cases; ``bodies`` 1 means the same body repeatedly."""

    slug: str
    fault: str
    subcategory: str  # "category-slug/subcategory-slug", as in investigations/data/taxonomy.json
    bodies: int
    body_kind: str  # "council" or "provider" (independent care providers: self-funded care)
    summaries: tuple[str, ...]  # one case each, every one worded differently
    findings: tuple[str, ...]  # the fault as the decision records it, drawn per case

    @property
    def cases(self) -> int:
        return len(self.summaries)


PLANTED_PATTERNS: tuple[PlantedPattern, ...] = (
    PlantedPattern(
        "dre-not-considered", "Disability-related expenditure not considered in care charges",
        "adult-care-services/charging", 4, "council",
        (
            "Mrs X complained the Council ignored the extra costs of her disability, such as a special diet and extra "
            "laundry, when it worked out what she should pay towards her home care.",
            "The Council's financial assessment allowed Mr Y nothing for disability-related expenditure although he "
            "had listed his higher heating bills and incontinence products, so his weekly care charge was too high.",
            "Ms Z said the Council set her contribution to her care package without asking about her DRE; its "
            "financial assessment form had no section for the costs of her disability.",
            "The Council refused to count B's gardening, cleaning and taxi costs as disability-related expenditure "
            "when assessing his care charge, and gave no reasons.",
            "Mr X complained that when the Council reassessed his contribution to the cost of his care it removed "
            "his disability-related expenditure allowance without looking at what his disability actually costs him.",
        ),
        ("Did not consider disability-related expenditure in the financial assessment for care charges",
         "Care charge worked out without asking about the costs of the person's disability",
         "Refused disability-related expenditure without giving reasons, so the care charge was too high"),
    ),
    PlantedPattern(
        "missed-home-care-visits", "Home-care visits missed, late or cut short by care providers",
        "adult-care-services/domiciliary-care", 4, "provider",
        (
            "Care workers from the Care Provider often arrived hours late for Mrs X's morning home-care visit or did "
            "not come at all, so she was left in bed without her medication.",
            "Mr Y complained that the Care Provider missed nine of his mother's home care calls in one month and "
            "did not tell the family.",
            "The Care Provider cut Ms Z's 45-minute care visits to 15 minutes but still charged her for the full "
            "time.",
            "B's daughter said the agency repeatedly failed to send a carer for the lunchtime call, leaving B without "
            "food or drink until the evening visit.",
            "Mrs X complained that carers from the Care Provider missed several visits over Christmas and the office "
            "did not answer her calls about the missed care.",
        ),
        ("Missed and late home-care visits", "Care visits cut short but charged in full",
         "Did not deliver the visits in the care plan or tell the family they were missed"),
    ),
    PlantedPattern(
        "ehcp-annual-review-late", "EHC plan annual reviews late or not followed through",
        "education/special-educational-needs", 4, "council",
        (
            "Ms X complained the Council did not issue its decision after the annual review of her son's EHC plan for "
            "seven months, so the plan still named provision he no longer needed.",
            "The Council held no annual review of D's Education, Health and Care plan for over 18 months.",
            "Mr Y said the Council took five months to send an amended EHC plan after the annual review meeting, so "
            "he could not appeal to the tribunal.",
            "Mrs Z complained the Council missed the statutory deadline to finish her daughter's EHCP annual review "
            "before she moved up to secondary school.",
            "The Council failed to review F's EHC plan within twelve months and then took four more months to amend "
            "it.",
        ),
        ("EHC plan annual review not completed within the statutory timescale",
         "Delay in amending the EHC plan after its annual review",
         "Decision after the annual review not given within four weeks"),
    ),
    PlantedPattern(
        "respite-flat-rate-charge", "Respite care charged at a flat rate without a financial assessment",
        "adult-care-services/charging", 1, "council",
        (
            "Mrs X complained the Council charged a flat weekly rate for her husband's respite stays without a "
            "financial assessment.",
            "Mr Y was charged the Council's standard fee for each short stay in a care home, although under the "
            "charging rules his income was too low for him to pay anything.",
            "The Council billed Ms Z a fixed charge for every week of respite care her son had instead of assessing "
            "what he could afford.",
            "Mrs X complained she was charged a set rate for her mother's short-term residential care without any "
            "means test, and the Council would not reconsider.",
        ),
        ("Charged a flat rate for respite care without a means-tested financial assessment",
         "Short stays charged at a standard rate contrary to the charging regulations"),
    ),
    PlantedPattern(
        "unsuitable-temporary-accommodation", "Families left in bed and breakfast beyond six weeks",
        "housing/homelessness", 3, "council",
        (
            "The Council kept Mrs X and her three children in a single room in a bed and breakfast hotel for eleven "
            "weeks, well past the six-week legal limit.",
            "Ms Y complained that the Council placed her family in a B&B with a shared kitchen and bathroom for four "
            "months.",
            "Mr Z said the Council placed him and his two children in bed and breakfast accommodation with no "
            "cooking facilities as their temporary accommodation, and they stayed there for over three months.",
            "The Council left Mrs X, who was pregnant, and her toddler in shared bed and breakfast accommodation "
            "beyond six weeks and never reviewed whether it was suitable.",
        ),
        ("Family kept in bed and breakfast accommodation beyond six weeks",
         "Did not review whether the temporary accommodation was suitable for the family"),
    ),
    PlantedPattern(
        "neighbour-not-notified", "Neighbours not notified of planning applications",
        "planning/planning-applications", 3, "council",
        (
            "Mr X complained the Council did not notify him of his neighbour's application for a two-storey "
            "extension, so he could not comment before it was approved.",
            "The Council failed to send Mrs Y a neighbour notification letter or put up a site notice about the new "
            "house built next to her garden.",
            "Ms Z said she only found out about the planning application for the flats behind her home when building "
            "started, because the Council never consulted the adjoining properties.",
            "The Council publicised an application for a rear extension only on its website and did not write to "
            "Mr Y, whose home adjoins the site.",
        ),
        ("Adjoining neighbour not notified of the planning application",
         "Did not publicise the application as its own procedures require"),
    ),
    PlantedPattern(
        "pcn-representations-ignored", "Challenges to parking penalty charges ignored",
        "transport-and-highways/parking-and-other-penalties", 1, "council",
        (
            "Mr X complained the Council ignored his formal representations against a penalty charge notice and "
            "sent him a charge certificate.",
            "Ms Y sent the Council evidence that her car had been stolen when the parking ticket was issued, but it "
            "never replied and added a 50% surcharge.",
            "The Council did not consider Mrs Z's challenge to her PCN and passed the debt to enforcement agents.",
            "Mr Y complained that the Council's parking service lost his appeal against a penalty charge and then "
            "registered the debt at the Traffic Enforcement Centre.",
        ),
        ("Representations against the penalty charge notice not considered",
         "Increased the penalty charge without replying to the challenge"),
    ),
    PlantedPattern(
        "council-tax-enforcement-vulnerable", "Enforcement agents sent to vulnerable council taxpayers",
        "benefits-and-tax/council-tax", 3, "council",
        (
            "The Council sent enforcement agents to collect Mrs X's council tax arrears although it knew she had "
            "severe mental health problems.",
            "Mr Y complained the Council passed his council tax debt to enforcement agents (bailiffs), adding fees, "
            "without considering that he was in hospital and vulnerable.",
            "Ms Z, who has a learning disability, was referred to enforcement agents for unpaid council tax without "
            "the Council checking whether she needed support or was entitled to a reduction.",
            "The Council did not take Mr X's terminal illness into account before instructing enforcement agents to "
            "recover his council tax arrears, although he had told it he was vulnerable.",
        ),
        ("Used enforcement agents without considering the person's vulnerability",
         "Did not follow its own policy on collecting debts from vulnerable people"),
    ),
)


@dataclass(frozen=True)
class Planting:
    plan: DemoPlan  # the demo's plan with the planted rows added
    references: dict[str, list[str]]  # pattern slug -> its cases' references


def _bodies(rng: random.Random, pattern: PlantedPattern, inputs: DemoInputs) -> list[int]:
    pool = inputs.providers if pattern.body_kind == "provider" else inputs.councils
    return rng.sample(pool, min(pattern.bodies, len(pool)))


def _subcategory_ids(inputs: DemoInputs) -> dict[str, tuple[int, int]]:
    """"category/subcategory" -> (category id, subcategory id)."""
    return {key: (category, sub) for category, subs in inputs.subcategories.items() for sub, key in subs}


def plant_patterns(plan: DemoPlan, inputs: DemoInputs, seed: int, anchor: date, now: datetime) -> Planting:
    """The demo plan with every pattern's cases added after its own rows (ids and references carry on).

    A pattern's cases go round its bodies, so each body has at least one. Patterns whose
    subcategory is not in the reference data are left out."""
    rng = random.Random(seed * 1_000_003 + 17)  # its own stream: the ordinary cases are unchanged
    where = _subcategory_ids(inputs)
    wanted = {key: entry.get("outcomes_wanted") or [""] for key, entry in load_demo_phrases().items()}
    people, cases, links, findings = list(plan.people), list(plan.cases), list(plan.links), list(plan.findings)
    counters = dict(plan.counters)
    person_id = max((p["id"] for p in people), default=inputs.first_person_id - 1) + 1
    case_id = max((c["id"] for c in cases), default=inputs.first_case_id - 1) + 1
    link_id = max((link["id"] for link in links), default=inputs.first_link_id - 1) + 1
    references: dict[str, list[str]] = {}
    for pattern in PLANTED_PATTERNS:
        if pattern.subcategory not in where:
            continue
        bodies = _bodies(rng, pattern, inputs)
        for n, summary in enumerate(pattern.summaries):
            body = bodies[n % len(bodies)]
            case = _case(rng, pattern, summary, where[pattern.subcategory], inputs, anchor, now)
            yy = case["received_on"].year % 100
            counters[yy] = counters.get(yy, 0) + 1
            case.update(id=case_id, reference=format_reference(yy, counters[yy]), complainant=person_id,
                        outcome_wanted=rng.choice(wanted.get(pattern.subcategory, [""])))
            people.append(_person(rng, person_id))
            cases.append(case)
            links.append({"id": link_id, "case": case_id, "body": body, "suffix": ""})
            findings.append({"case": case_id, "body": body, "fault": True, "injustice": True,
                             "description": rng.choice(pattern.findings), "standards": json.dumps([]),
                             "updated_at": now, "version": 1})
            references.setdefault(pattern.slug, []).append(case["reference"])
            person_id, case_id, link_id = person_id + 1, case_id + 1, link_id + 1
    planted = replace(plan, people=people, cases=cases, links=links, findings=findings, counters=counters)
    return Planting(planted, references)


def _case(rng: random.Random, pattern: PlantedPattern, summary: str, where: tuple[int, int], inputs: DemoInputs,
          anchor: date, now: datetime) -> dict[str, Any]:
    """A case row (without its id, reference and people) decided with fault causing injustice 2 to 50
    weeks before ``anchor``: inside the nightly scan's twelve months, and recent enough to matter."""
    decided = anchor - timedelta(days=rng.randint(14, 350))
    received = decided - timedelta(days=rng.randint(60, 240))
    category_id, subcategory_id = where
    return {
        "received_on": received, "decided_on": decided, "category": category_id, "subcategory": subcategory_id,
        "stage": (Stage.CLOSED if (anchor - decided).days > 40 else Stage.FINAL_DECISION).value,
        "stage_entered_on": decided, "outcome": Outcome.UPHELD_FAULT_INJUSTICE.value,
        "investigator": rng.choice(inputs.investigators) if inputs.investigators else None,
        "restricted": False, "care_funding": _care_funding(pattern), "summary": summary,
        "person_affected": None, "representative": None, "representative_consent_on": None,
        "representative_consent_note": "", "created_at": now, "updated_at": now, "version": 1,
        "draft_issued_on": None, "comments_due_on": None,
    }


def _care_funding(pattern: PlantedPattern) -> str:
    """Adult care cases say who arranged the care: a provider's customer funds it, a council arranges it."""
    if not pattern.subcategory.startswith("adult-care-services/"):
        return ""
    return (CareFunding.SELF_FUNDED if pattern.body_kind == "provider" else CareFunding.COUNCIL_ARRANGED).value


def planted_case_count() -> int:
    """How many of the demo's cases the patterns take (they count within ``workbench demo --cases``)."""
    return sum(p.cases for p in PLANTED_PATTERNS)
