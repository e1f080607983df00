"""Reference data the workbench seeds: taxonomy, bodies in jurisdiction, NCMG standards, demo phrases.

The lists live as plain files in ``investigations/data/`` so they can be reviewed and corrected
without touching code, and these loaders are pure (no database, no web framework) so seeding, the
demo-data generator and tests all read exactly the same data. Results are cached: the files do not
change while the process runs.
"""

from __future__ import annotations

import copy
import csv
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).parent / "data"

# The nine English regions (ONS), used to group bodies and compare like with like.
REGIONS: tuple[str, ...] = (
    "North East",
    "North West",
    "Yorkshire and the Humber",
    "East Midlands",
    "West Midlands",
    "East of England",
    "London",
    "South East",
    "South West",
)

# Body type slug -> label. Annual review letters compare a council with the average for its type,
# so the council types must be kept apart; the rest are the other bodies in jurisdiction.
BODY_TYPES: dict[str, str] = {
    "county_council": "County council",
    "district_council": "District council",
    "unitary_council": "Unitary council",
    "metropolitan_council": "Metropolitan borough council",
    "london_borough": "London borough council",
    "independent_care_provider": "Independent care provider",
    "nhs_trust": "NHS trust",
    "icb": "Integrated care board",
    "housing_association": "Housing association",  # social landlords, from the Housing Ombudsman's data
    "other": "Other body",
}

# The body types that are councils (have a resident population for per-100,000 rates).
COUNCIL_TYPES: tuple[str, ...] = (
    "county_council",
    "district_council",
    "unitary_council",
    "metropolitan_council",
    "london_borough",
)


# --------------------------------------------------------------------------- taxonomy


@dataclass(frozen=True)
class Subcategory:
    """A decision subcategory; ``key`` ("category/sub") is unique across the taxonomy."""

    name: str
    slug: str
    category_slug: str
    service_area: str
    observed: bool  # seen in published decisions (True) or expected but unconfirmed (False)

    @property
    def key(self) -> str:
        return f"{self.category_slug}/{self.slug}"


@dataclass(frozen=True)
class Category:
    """A top-level decision category and the annual-review service area it is reported under."""

    name: str
    slug: str
    service_area: str
    subcategories: tuple[Subcategory, ...]


@dataclass(frozen=True)
class Taxonomy:
    """Categories as published on decisions, plus the separate service-area list used in reports."""

    service_areas: tuple[str, ...]
    categories: tuple[Category, ...]

    def category(self, slug: str) -> Category:
        for category in self.categories:
            if category.slug == slug:
                return category
        raise KeyError(slug)

    def subcategory(self, key: str) -> Subcategory:
        """Look up by "category-slug/subcategory-slug" (subcategory slugs repeat, e.g. "other")."""
        category_slug, _, sub_slug = key.partition("/")
        for sub in self.category(category_slug).subcategories:
            if sub.slug == sub_slug:
                return sub
        raise KeyError(key)

    @property
    def subcategories(self) -> tuple[Subcategory, ...]:
        return tuple(sub for category in self.categories for sub in category.subcategories)


@cache
def load_taxonomy() -> Taxonomy:
    """The category > subcategory taxonomy with each category's service area (taxonomy.json)."""
    raw = json.loads((DATA_DIR / "taxonomy.json").read_text(encoding="utf-8"))
    service_areas = tuple(raw["service_areas"])
    categories = []
    for c in raw["categories"]:
        if c["service_area"] not in service_areas:
            raise ValueError(f"taxonomy.json: {c['name']!r} has unknown service area {c['service_area']!r}")
        subs = tuple(
            Subcategory(
                name=s["name"],
                slug=s["slug"],
                category_slug=c["slug"],
                service_area=c["service_area"],
                observed=bool(s.get("observed", True)),
            )
            for s in c["subcategories"]
        )
        categories.append(Category(name=c["name"], slug=c["slug"], service_area=c["service_area"], subcategories=subs))
    return Taxonomy(service_areas=service_areas, categories=tuple(categories))


# --------------------------------------------------------------------------- bodies


@dataclass(frozen=True)
class BodyRecord:
    """A body in jurisdiction as seeded; aliases are the short forms people actually type."""

    name: str
    aliases: tuple[str, ...]
    body_type: str
    region: str
    population: int | None

    @property
    def body_type_label(self) -> str:
        return BODY_TYPES[self.body_type]

    @property
    def is_council(self) -> bool:
        return self.body_type in COUNCIL_TYPES


@cache
def _bodies() -> tuple[BodyRecord, ...]:
    records = []
    with (DATA_DIR / "bodies.csv").open(encoding="utf-8", newline="") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):
            if row["body_type"] not in BODY_TYPES:
                raise ValueError(f"bodies.csv line {line}: unknown body_type {row['body_type']!r}")
            if row["region"] not in REGIONS:
                raise ValueError(f"bodies.csv line {line}: unknown region {row['region']!r}")
            population = row["population"].strip()
            records.append(
                BodyRecord(
                    name=row["name"].strip(),
                    aliases=tuple(a.strip() for a in row["aliases"].split("|") if a.strip()),
                    body_type=row["body_type"],
                    region=row["region"],
                    population=int(population) if population else None,
                )
            )
    return tuple(records)


def load_bodies() -> list[BodyRecord]:
    """Every seeded body (councils real, care providers fictional) from bodies.csv, in file order."""
    return list(_bodies())


def find_body(text: str) -> BodyRecord | None:
    """The body whose name or alias equals ``text`` ignoring case, else None (no fuzzy matching)."""
    return _bodies_by_label().get(text.strip().casefold())


@cache
def _bodies_by_label() -> dict[str, BodyRecord]:
    index: dict[str, BodyRecord] = {}
    for body in _bodies():
        for label in (body.name, *body.aliases):
            index.setdefault(label.casefold(), body)
    return index


# --------------------------------------------------------------------------- NCMG standards


@dataclass(frozen=True)
class NcmgStandard:
    """One NCMG standard; ``code`` is the guidance's own numbering ("3.5") so findings can cite it."""

    code: str
    text: str
    principle_code: str


@dataclass(frozen=True)
class NcmgPrinciple:
    """One of the five NCMG principles, with its service user's statement and its standards."""

    code: str
    title: str
    statement: str
    standards: tuple[NcmgStandard, ...]


@cache
def load_ncmg_standards() -> tuple[NcmgPrinciple, ...]:
    """The NCMG principles and standards (ncmg_standards.json), the benchmark for complaint handling."""
    raw = json.loads((DATA_DIR / "ncmg_standards.json").read_text(encoding="utf-8"))
    return tuple(
        NcmgPrinciple(
            code=p["code"],
            title=p["title"],
            statement=p.get("statement", ""),
            standards=tuple(NcmgStandard(code=s["code"], text=s["text"], principle_code=p["code"]) for s in p["standards"]),
        )
        for p in raw["principles"]
    )


def ncmg_standards_by_code() -> dict[str, NcmgStandard]:
    """Flat lookup "1.1" -> standard, for recording and totalling breaches."""
    return {s.code: s for p in load_ncmg_standards() for s in p.standards}


# --------------------------------------------------------------------------- demo phrases


@cache
def _demo_phrases() -> dict[str, dict[str, Any]]:
    return json.loads((DATA_DIR / "demo_phrases.json").read_text(encoding="utf-8"))


def load_demo_phrases() -> dict[str, dict[str, Any]]:
    """Synthetic complaint wording for the demo generator, keyed "category-slug/subcategory-slug".

    Each value has "summaries" and "outcomes_wanted" (lists of sentences) and, where a fault is
    meant to recur across bodies (for planting systemic patterns), "recurring_faults":
    {pattern-slug: [sentences]}. A fresh copy is returned so callers may change it freely.
    """
    return copy.deepcopy(_demo_phrases())


def recurring_fault_patterns() -> dict[str, str]:
    """Pattern slug -> the subcategory key it belongs to, e.g. "dre-not-considered" -> "adult-care-services/charging"."""
    return {
        pattern: key
        for key, entry in _demo_phrases().items()
        for pattern in entry.get("recurring_faults", {})
    }
