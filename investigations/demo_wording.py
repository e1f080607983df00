"""The words of an ordinary demo case: its summary, and what a finding of fault (or of none) says.

Real complaints about the same subcategory rarely share a sentence: each names its own service,
relative, length of delay, sum of money, circumstances and consequences. Demo cases that drew one
of a few stock sentences repeated each other word for word across councils, and the pattern scan
saw "patterns" in them. Here a case's text is composed from fragments (``data/demo_wording.json``):
an opening that carries one of the subcategory's many faults (15 to 30 actions, each usually with a
detail, and always naming one of a dozen services), then the effect on the family, the complainant's
circumstances, the office that handled it and how the complaint went, each drawn from pools large
enough that their words stay rare. Only the fault and its service are specific to a subcategory, and
with hundreds of combinations in each, two unrelated cases share one only by rare coincidence. A finding of fault
says what kind of fault it was in a decision's words (delay, no reasons, poor records...), not the
complaint again: a retold fault counted twice and made every pair with the same action look alike.
Pure: same random stream, same words.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from investigations.reference_data import DATA_DIR

__all__ = ["CaseWording", "compose"]

FEMALE = {"mother", "wife", "aunt", "grandmother", "daughter", "granddaughter", "niece", "stepdaughter", "sister"}
PLURAL_OR_UNKNOWN = {"children", "partner", "neighbour"}
# complainant's title -> (possessive, object, subject)
PRONOUNS = {"Mr": ("his", "him", "he"), "Mx": ("their", "them", "they")}
SHE = ("her", "her", "she")


@dataclass(frozen=True)
class CaseWording:
    summary: str
    finding: str  # a finding of fault, in the decision's words
    cleared: str  # a finding of no fault


@lru_cache(maxsize=1)
def _wording() -> dict[str, Any]:
    return json.loads((DATA_DIR / "demo_wording.json").read_text(encoding="utf-8"))


def _sentence(template: str, slots: dict[str, str]) -> str:
    text = template.format_map(slots)
    return text[:1].upper() + text[1:]


def _relative(kin: str) -> tuple[str, str, str]:
    if kin in PLURAL_OR_UNKNOWN:
        return "their", "them", "they"
    return SHE if kin in FEMALE else ("his", "him", "he")


def _slots(rng: random.Random, common: dict, category: dict, services: list[str], body: str) -> dict[str, str]:
    """The case's own details: who complains, about whom, which service, when, how long, how much."""
    name = rng.choice(common["names"])
    poss, obj, sub = PRONOUNS.get(name.split()[0], SHE)
    kin = rng.choice(category["kin"])
    rel_poss, rel_obj, rel_sub = _relative(kin)
    service = rng.choice(services)
    slots = {
        "name": name, "body": body, "poss": poss, "poss_obj": obj, "poss_sub": sub, "kin2": rng.choice(common["kin2"]),
        "relative": f"{poss} {kin}", "rel_poss": rel_poss, "rel_obj": rel_obj, "rel_sub": rel_sub,
        "service": service, "period": rng.choice(common["periods"]),
        "when": rng.choice(common["whens"]), "amount": f"£{rng.randint(4, 480) * 25:,}",
        "town": rng.choice(common["towns"]), "team": rng.choice(common["teams"]), "team2": rng.choice(common["teams"]),
    }
    slots["event"] = rng.choice(common["events"]).format_map(slots)
    return slots


def _fault(rng: random.Random, entry: dict, common: dict) -> str:
    """What went wrong: an action of the subcategory, usually with a detail (its own or a common one),
    so two cases about the same service seldom tell it in the same words."""
    action = rng.choice(entry["actions"])
    roll = rng.random()
    if roll < 0.5 and entry["details"]:
        return f"{action} {rng.choice(entry['details'])}"
    if roll < 0.8:
        return f"{action} {rng.choice(common['details'])}"
    return action


FALLBACK_CATEGORY = "other-categories"


@lru_cache(maxsize=None)
def _category_pool(category_slug: str) -> dict[str, list[str]]:
    """Wording for a subcategory the file does not know (one an import or an administrator added):
    everything its category's known subcategories say, or the catch-all category's."""
    entries = [e for key, e in _wording()["subcategories"].items() if key.split("/")[0] == category_slug]
    if not entries:
        entries = [e for key, e in _wording()["subcategories"].items() if key.split("/")[0] == FALLBACK_CATEGORY]
    return {part: [x for e in entries for x in e[part]] for part in ("services", "actions", "details")}


def compose(rng: random.Random, subcategory: str, body: str = "Council") -> CaseWording:
    """A case's wording for its "category/subcategory" key; ``body`` is how the text names the body."""
    wording = _wording()
    common = wording["common"]
    category_slug = subcategory.split("/")[0]
    category = wording["categories"].get(category_slug) or wording["categories"][FALLBACK_CATEGORY]
    entry = wording["subcategories"].get(subcategory) or _category_pool(category_slug)
    slots = _slots(rng, common, category, entry["services"], body)
    fault = _fault(rng, entry, common)
    openings = common["openings"] if "{service}" in fault else common["service_openings"]  # every case names its service
    parts = [_sentence(rng.choice(openings), {**slots, "fault": fault.format_map(slots)})]
    effects = rng.sample(category["effects"], 2)
    for chance, template in ((0.9, effects[0]), (0.95, rng.choice(common["circumstances"])),
                             (0.9, rng.choice(common["specifics"])), (0.8, rng.choice(common["handling"])),
                             (0.6, effects[1])):
        if rng.random() < chance:
            parts.append(_sentence(template, slots))
    finding = _sentence(rng.choice(common["finding_leads"]), slots)
    effect = _sentence(rng.choice(common["finding_effects"]), slots)
    return CaseWording(
        summary=" ".join(parts),
        finding=f"{finding} {effect}".strip(),
        cleared=_sentence(rng.choice(common["cleared"]), slots),
    )
