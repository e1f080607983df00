"""The seeded reference data is internally consistent and matches the domain brief."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter

import pytest

from investigations.reference_data import (
    BODY_TYPES,
    COUNCIL_TYPES,
    REGIONS,
    BodyRecord,
    find_body,
    load_bodies,
    load_demo_phrases,
    load_ncmg_standards,
    load_taxonomy,
    ncmg_standards_by_code,
    recurring_fault_patterns,
)

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


# --------------------------------------------------------------------------- taxonomy


def test_taxonomy_names_and_slugs_are_unique_and_well_formed():
    taxonomy = load_taxonomy()
    names = [c.name for c in taxonomy.categories]
    slugs = [c.slug for c in taxonomy.categories]
    assert len(names) == len(set(names)) == 10
    assert len(slugs) == len(set(slugs))
    for category in taxonomy.categories:
        assert SLUG.match(category.slug), category.slug
        sub_names = [s.name for s in category.subcategories]
        sub_slugs = [s.slug for s in category.subcategories]
        assert len(sub_names) == len(set(sub_names)), category.name
        assert len(sub_slugs) == len(set(sub_slugs)), category.name
        assert all(SLUG.match(s) for s in sub_slugs), sub_slugs
    keys = [s.key for s in taxonomy.subcategories]
    assert len(keys) == len(set(keys))


def test_every_category_has_other_and_a_known_service_area():
    taxonomy = load_taxonomy()
    assert len(taxonomy.service_areas) == 8
    for category in taxonomy.categories:
        assert category.service_area in taxonomy.service_areas
        assert "Other" in [s.name for s in category.subcategories], category.name
        assert all(s.service_area == category.service_area for s in category.subcategories)


def test_taxonomy_keeps_lgsco_url_slugs_and_unconfirmed_subcategories():
    taxonomy = load_taxonomy()
    assert taxonomy.subcategory("adult-care-services/charging").name == "Charging"
    assert taxonomy.subcategory("children-s-care-services/disabled-children").observed
    assert not taxonomy.subcategory("adult-care-services/domiciliary-care").observed
    assert not taxonomy.subcategory("education/school-transport").observed
    assert taxonomy.category("health").service_area == "Adult social care"
    assert taxonomy.category("other-categories").service_area == "Corporate and other services"
    with pytest.raises(KeyError):
        taxonomy.subcategory("housing/no-such-thing")


def test_loaded_objects_are_immutable_and_cached():
    taxonomy = load_taxonomy()
    assert load_taxonomy() is taxonomy
    with pytest.raises(dataclasses.FrozenInstanceError):
        taxonomy.categories[0].name = "changed"  # type: ignore[misc]
    body = load_bodies()[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        body.name = "changed"  # type: ignore[misc]


# --------------------------------------------------------------------------- bodies


def test_body_names_unique_and_types_and_regions_valid():
    bodies = load_bodies()
    names = [b.name for b in bodies]
    assert len(names) == len(set(names))
    assert len({n.casefold() for n in names}) == len(names)
    for body in bodies:
        assert isinstance(body, BodyRecord)
        assert body.body_type in BODY_TYPES, body
        assert body.region in REGIONS, body
        assert body.name == body.name.strip() and body.name


def test_every_alias_points_to_exactly_one_body():
    owner: dict[str, str] = {b.name.casefold(): b.name for b in load_bodies()}
    for body in load_bodies():
        assert len({a.casefold() for a in body.aliases}) == len(body.aliases), body.name
        for alias in body.aliases:
            key = alias.casefold()
            assert owner.get(key, body.name) == body.name, f"{alias!r} used by {owner[key]!r} and {body.name!r}"
            owner[key] = body.name


def test_councils_have_a_positive_population_and_others_none_or_positive():
    for body in load_bodies():
        if body.body_type in COUNCIL_TYPES:
            assert body.population is not None and body.population > 0, body.name
        elif body.body_type == "independent_care_provider":
            assert body.population is None, body.name
        else:
            assert body.population is None or body.population > 0, body.name


def test_council_counts_match_england_2024():
    counts = Counter(b.body_type for b in load_bodies())
    assert counts["county_council"] == 21
    assert counts["metropolitan_council"] == 36
    assert counts["london_borough"] == 33  # 32 boroughs plus the City of London Corporation
    assert 62 <= counts["unitary_council"] <= 63  # 63 counts the Council of the Isles of Scilly
    assert counts["district_council"] >= 60
    assert counts["independent_care_provider"] >= 25
    assert counts["nhs_trust"] >= 10
    assert counts["icb"] >= 5
    assert counts["other"] >= 2


def test_recent_reorganisations_are_reflected():
    names = {b.name for b in load_bodies()}
    for current in ("Cumberland Council", "Westmorland and Furness Council", "North Yorkshire Council",
                    "Somerset Council", "Buckinghamshire Council", "Dorset Council",
                    "Bournemouth, Christchurch and Poole Council", "North Northamptonshire Council",
                    "West Northamptonshire Council", "City of London Corporation"):
        assert current in names
    for abolished in ("Harrogate Borough Council", "Carlisle City Council", "Mendip District Council",
                      "Northamptonshire County Council", "Cumbria County Council", "Somerset County Council",
                      "Aylesbury Vale District Council"):
        assert abolished not in names


def test_common_aliases_resolve():
    hampshire = next(b for b in load_bodies() if b.name == "Hampshire County Council")
    assert "Hants CC" in hampshire.aliases
    assert find_body("hants cc") == hampshire
    assert find_body("RBKC").name == "Royal Borough of Kensington and Chelsea"
    assert find_body("Bristol CC").name == "Bristol City Council"
    assert find_body("  Bristol City Council ").body_type == "unitary_council"
    assert find_body("Nowhere Borough Council") is None


def test_body_labels():
    assert BODY_TYPES["county_council"] == "County council"
    assert set(COUNCIL_TYPES) <= set(BODY_TYPES)
    kent = find_body("KCC")
    assert kent.body_type_label == "County council" and kent.is_council
    assert not find_body("LTHT").is_council
    assert len(REGIONS) == len(set(REGIONS)) == 9


def test_load_bodies_returns_a_fresh_list():
    first = load_bodies()
    first.clear()
    assert load_bodies()


# --------------------------------------------------------------------------- NCMG


def test_ncmg_principles_and_standards_match_the_guidance_summary():
    # ncmg-principles.md says "33 standards" in its prose but lists 41 numbered items (12+10+7+6+6);
    # the data follows the numbered list, which is what findings cite.
    principles = load_ncmg_standards()
    assert [p.code for p in principles] == ["1", "2", "3", "4", "5"]
    assert [len(p.standards) for p in principles] == [12, 10, 7, 6, 6]
    by_code = ncmg_standards_by_code()
    assert len(by_code) == 41
    for principle in principles:
        assert principle.title and principle.statement
        for number, standard in enumerate(principle.standards, start=1):
            assert standard.code == f"{principle.code}.{number}"
            assert standard.principle_code == principle.code
            assert standard.text.endswith(".")
    assert by_code["3.5"].text.startswith("Complainants are told the response timescale")


# --------------------------------------------------------------------------- demo phrases


def test_every_subcategory_has_demo_phrases():
    phrases = load_demo_phrases()
    keys = {s.key for s in load_taxonomy().subcategories}
    assert set(phrases) == keys
    for key, entry in phrases.items():
        assert 4 <= len(entry["summaries"]) <= 8, key
        assert 2 <= len(entry["outcomes_wanted"]) <= 4, key
        assert len(set(entry["summaries"])) == len(entry["summaries"]), key
        for sentence in entry["summaries"] + entry["outcomes_wanted"]:
            assert sentence and sentence[0].isupper() and sentence.endswith("."), (key, sentence)
        for pattern, variants in entry.get("recurring_faults", {}).items():
            assert SLUG.match(pattern) and len(variants) >= 2, (key, pattern)


def test_demo_phrases_use_anonymised_forms():
    # Real-looking names must not leak into synthetic summaries; "A" is avoided as an initial.
    for key, entry in load_demo_phrases().items():
        for sentence in entry["summaries"]:
            assert not re.search(r"\b(Mr|Mrs|Ms|Miss) [A-Z][a-z]", sentence), sentence
            assert not re.search(r"\b(Mr|Mrs|Ms|Miss) A\b", sentence), sentence


def test_planted_systemic_patterns_are_available():
    patterns = recurring_fault_patterns()
    assert patterns["missed-home-care-visits"] == "adult-care-services/domiciliary-care"
    assert patterns["ehcp-annual-review-late"] == "education/special-educational-needs"
    assert patterns["dre-not-considered"] == "adult-care-services/charging"
    assert patterns["homelessness-duty-delayed"] == "housing/homelessness"
    assert patterns["ctr-miscalculated"] == "benefits-and-tax/council-tax-support"


def test_load_demo_phrases_returns_a_copy():
    phrases = load_demo_phrases()
    phrases["housing/homelessness"]["summaries"].clear()
    assert load_demo_phrases()["housing/homelessness"]["summaries"]
