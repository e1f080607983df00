"""Cleaning text for matching: what is removed, and what words meet after stemming."""

from systemic.text import clean, stem, surface_words, terms, tokens


def test_names_titles_references_postcodes_and_sums_are_removed():
    text = "Mrs Patel complained (ref 23 004 567, SO23 8UG) that the Council charged Patel's mother £1,250."
    cleaned = clean(text, names=["Patel"])
    for gone in ("patel", "23 004 567", "so23", "1,250", "£"):
        assert gone not in cleaned
    assert "charged" in cleaned


def test_boilerplate_and_stop_words_leave_only_the_fault():
    words = tokens("In accordance with paragraph 52 of the Housing Ombudsman Scheme, the landlord failed to repair the leak.")
    assert words == ["fail", "repair", "leak"]


def test_inflections_meet_and_short_or_latin_words_are_left_alone():
    assert stem("charging") == stem("charges") == stem("charged") == "charg"
    assert stem("assessments") == stem("assessment") == "assess"
    assert stem("homelessness") == "homelessness"
    assert stem("bus") == "bus" and stem("status") == "status"


def test_terms_add_word_pairs_and_surface_words_map_stems_back():
    found = terms("Disability related expenditure was not considered in the financial assessment")
    assert "disability relat" in found and "financial assess" in found
    assert surface_words("the charges were wrong")["charg"] == "charges"


def test_empty_and_odd_text_is_harmless():
    assert terms("") == [] and terms("   ") == [] and terms("Mr X, Mrs Y.") == []
