from investigations.body_search import BodyCandidate, rank_bodies

BODIES = [
    BodyCandidate(1, "Hampshire County Council", ("Hants CC", "Hampshire CC"), "county_council"),
    BodyCandidate(2, "Hammersmith and Fulham Council", ("LBHF",), "london_borough"),
    BodyCandidate(3, "Havant Borough Council", (), "district_council"),
    BodyCandidate(4, "Meadowbank Care Homes Ltd", (), "independent_care_provider"),
]


def test_alias_finds_body():
    assert rank_bodies("Hants CC", BODIES)[0].body.name == "Hampshire County Council"


def test_misspelling_finds_body():
    assert rank_bodies("Hampshir county council", BODIES)[0].body.id == 1


def test_prefix_typeahead():
    assert rank_bodies("Meadowb", BODIES)[0].body.id == 4


def test_each_body_once_and_limit():
    matches = rank_bodies("Ham", BODIES, limit=2)
    assert len(matches) <= 2
    assert len({m.body.id for m in matches}) == len(matches)


def test_blank_query_matches_nothing():
    assert rank_bodies("   ", BODIES) == []
