"""Finding groups of similar cases without comparing every pair."""

from datetime import date

from systemic.patterns import PatternSettings, find_groups, signature
from systemic.similarity import CaseProfile
from systemic.text import terms

DRE = [
    "The Council did not take account of disability related expenditure when assessing care charges.",
    "Care charges were assessed without considering disability related expenditure.",
    "Disability related expenditure was ignored in the financial assessment of care charges.",
]
NOISE = [
    "Planning permission granted without notifying neighbours about the extension.",
    "The school transport application was refused without considering the walking route.",
    "Council tax bailiff fees were added while the resident was in hospital.",
]


def profile(i, text, body, fault=True, sub="adult-care-services/charging"):
    t = tuple(terms(text))
    return CaseProfile(id=100 + i, reference=f"25 000 {i:03d}", terms=t, category="Adult care services",
                       subcategory=sub, subcategory_name="Charging", body_ids=frozenset({body}),
                       body_names=(f"Council {body}",), body_types=frozenset({"county_council"}),
                       when=date(2025, 6, 1), fault=fault, text=text)


def test_a_fault_across_three_bodies_is_one_group_and_unrelated_cases_are_not():
    profiles = [profile(i, t, body=i) for i, t in enumerate(DRE)]
    profiles += [profile(10 + i, t, body=1, sub=f"other/{i}") for i, t in enumerate(NOISE)]
    groups = find_groups(profiles, PatternSettings(threshold=50, min_cosine=0.15))
    assert len(groups) == 1
    group = groups[0]
    assert group.kind == "across_bodies"
    assert set(group.case_ids) == {100, 101, 102} and len(group.body_ids) == 3
    assert "disability related expenditure" in group.title
    assert group.signature == signature([102, 101, 100])


def test_the_same_fault_found_twice_at_one_body_is_a_repeat():
    profiles = [profile(0, DRE[0], body=7), profile(1, DRE[1], body=7)]
    groups = find_groups(profiles, PatternSettings(threshold=50, min_cosine=0.15))
    assert [g.kind for g in groups] == ["repeat_at_body"]
    assert any("Fault found 2 times at Council 7" in r for r in groups[0].reasons)


def test_without_fault_two_cases_at_one_body_are_not_a_pattern():
    profiles = [profile(0, DRE[0], body=7, fault=False), profile(1, DRE[1], body=7, fault=False)]
    assert find_groups(profiles, PatternSettings(threshold=50, min_cosine=0.15)) == []
