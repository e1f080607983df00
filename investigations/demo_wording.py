"""The words of an ordinary demo case: its summary, and what a finding of fault (or of none) says.

Real complaints about the same subcategory rarely share a sentence: each names its own service,
relative, length of delay, sum of money, circumstances and consequences. Demo cases that drew one
of a few stock sentences repeated each other word for word across councils, and the pattern scan
saw "patterns" in them. Here a case's text is composed from fragments (``data/demo_wording.json``):
an opening that carries a fault of the subcategory, its effect, the complainant's circumstances and
how the complaint was handled, each filled with case-specific details. A finding of fault re-tells
the same fault in the investigator's words. Pure: same random stream, same words.
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


def compose(rng: random.Random, subcategory: str, body: str = "Council") -> CaseWording:
    """A case's wording for its "category/subcategory" key; ``body`` is how the text names the body."""
    wording = _wording()
    common = wording["common"]
    category = wording["categories"][subcategory.split("/")[0]]
    entry = wording["subcategories"][subcategory]
    slots = _slots(rng, common, category, entry["services"], body)
    fault = _fault(rng, entry, common)
    parts = [_sentence(rng.choice(common["openings"]), {**slots, "fault": fault.format_map(slots)})]
    if rng.random() < 0.7:
        parts.append(_sentence(rng.choice(category["effects"]), slots))
    if rng.random() < 0.4:
        parts.append(_sentence(rng.choice(common["circumstances"]), slots))
    if rng.random() < 0.8:
        parts.append(_sentence(rng.choice(common["specifics"]), slots))
    if rng.random() < 0.3:
        parts.append(_sentence(rng.choice(common["handling"]), slots))
    retold = {**slots, "period": rng.choice(common["periods"]), "when": rng.choice(common["whens"])}
    finding = _sentence(rng.choice(common["finding_leads"]), {**retold, "fault": fault.format_map(retold)})
    effect = _sentence(rng.choice(common["finding_effects"]), slots)
    return CaseWording(
        summary=" ".join(parts),
        finding=f"{finding} {effect}".strip(),
        cleared=_sentence(rng.choice(common["cleared"]), slots),
    )
