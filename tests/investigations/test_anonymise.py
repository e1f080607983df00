"""Anonymisation for publication, adversarially: names and identifiers in odd places never survive.

Pure: no database. Each test feeds text written the way people really write (possessives, capitals,
quotes, hyphens, line breaks, invisible characters) and checks both the output and the list a
report writer checks before publishing.
"""

import re
from datetime import date

import pytest

from investigations.anonymise import (
    Anonymiser,
    BodyDetails,
    PersonDetails,
    anonymise,
    person_from_name,
)

ADA = PersonDetails("Lovelace", "Ada", "Mrs", "complainant", address="12 Acacia Avenue\nWinchester\nHampshire",
                    postcode="SO23 8UG", date_of_birth=date(1950, 3, 12), email="ada.lovelace@example.org",
                    phone="01962 846000")
CHARLES = PersonDetails("Lovelace", "Charles", "Mr", "person affected")
GRACE = PersonDetails("Brown", "Grace", "Ms", "representative")
HAMPSHIRE = BodyDetails("Hampshire County Council", "county_council", ("HCC", "Hampshire CC", "Hampshire"))
PEOPLE = (ADA, CHARLES, GRACE)


def run(text, people=PEOPLE, bodies=(HAMPSHIRE,), **kwargs):
    return anonymise(text, people, bodies, "25 900 001", **kwargs)


def words(text):
    return re.findall(r"[^\W_]+", text.casefold())


# ---------------------------------------------------------------------------------------------
# Letters


def test_each_person_is_one_consistent_letter_with_their_title():
    result = run("Mrs Ada Lovelace wrote. Ada's husband Mr Lovelace agreed; Charles said Ms Brown helped. Grace "
                 "wrote again for Mrs Lovelace.")
    assert result.text == ("Mrs X wrote. Mrs X's husband Mr Y agreed; Mr Y said Ms Z helped. Ms Z "
                           "wrote again for Mrs X.")
    assert result.letters == (("Mrs Ada Lovelace (complainant)", "Mrs X"), ("Mr Charles Lovelace (person affected)", "Mr Y"),
                              ("Ms Grace Brown (representative)", "Ms Z"))


def test_letters_avoid_real_initials_a_i_o_and_letters_the_text_already_uses():
    xavier = PersonDetails("Young", "Xavier", "Mr")  # X and Y are his initials
    zoe = PersonDetails("Wood", "Zoe", "Ms")  # Z and W hers
    result = anonymise("Mr Young and Ms Wood met Mrs V about it.", [xavier, zoe])
    # The titled letters run X, Y, Z, W, V, U, T: X, Y, Z, W are initials and V is already in the text.
    assert result.text == "Mr U and Ms T met Mrs V about it."
    assert any("already uses" in w for w in result.warnings)
    untitled = anonymise("Bob and Ian", [PersonDetails("Brown", "Bob"), PersonDetails("Adams", "Ian")])
    assert untitled.text == "C and D"  # B is Bob Brown's initial and A, I are never used


def test_children_and_people_without_a_kept_title_are_a_bare_letter():
    child = PersonDetails("Lovelace", "Tom", "Master", date_of_birth=date(2014, 5, 1))
    reverend = PersonDetails("Green", "Joan", "Revd")  # a rare title would identify her
    adult_no_title = PersonDetails("Hale", "Sam")
    result = anonymise("Tom Lovelace, Revd Green and Sam Hale", [child, reverend, adult_no_title], as_of=date(2026, 1, 5))
    assert result.text == "B, C and D"
    grown_up = anonymise("Master Tom Lovelace", [PersonDetails("Lovelace", "Tom", "Mr", date_of_birth=date(2000, 1, 1))],
                         as_of=date(2026, 1, 5))
    assert grown_up.text == "Mr X"


def test_the_same_input_always_gives_the_same_output():
    text = "Ada Lovelace, Grace Brown and Charles Lovelace of Hampshire County Council."
    assert run(text) == run(text)
    assert [run(text).text for _ in range(3)] == [run(text).text] * 3


def test_one_anonymiser_keeps_letters_across_many_texts_and_counts_them_all():
    result = anonymise(["Mrs Lovelace wrote.", "Ms Brown replied to Mrs Lovelace.", "LOVELACE."], PEOPLE, (HAMPSHIRE,))
    assert result.texts == ("Mrs X wrote.", "Ms Z replied to Mrs X.", "Mrs X.")
    counts = {(r.original, r.replacement): r.count for r in result.replacements}
    assert counts[("Mrs Lovelace", "Mrs X")] == 2
    assert counts[("Ms Brown", "Ms Z")] == 1


# ---------------------------------------------------------------------------------------------
# Names in odd places


@pytest.mark.parametrize("text, expected", [
    ("Lovelace's son", "Mrs X's son"),  # possessive (the first Lovelace in case order: flagged)
    ("LOVELACE'S LETTER", "Mrs X's LETTER"),  # upper-case possessive
    ("Ms Brown’s reply", "Ms Z’s reply"),  # curly apostrophe kept
    ("Charles' view", "Mr Y's view"),  # s-apostrophe possessive
    ("MRS ADA LOVELACE", "Mrs X"),
    ("LOVELACE, Ada", "Mrs X"),  # surname first
    ("A. Lovelace signed", "Mrs X signed"),  # initial
    ("She said “Ada” twice", "She said “Mrs X” twice"),  # inside quotes
    ("'Grace'", "'Ms Z'"),
    ("the Lovelace-run home", "the Mrs X-run home"),  # inside a hyphenated word
    ("Love-\nlace wrote", "Mrs X wrote"),  # broken by a line-end hyphen
    ("Love\u00adlace and Gr\u200bace", "Mrs X and Ms Z"),  # soft hyphen, zero-width space
    ("Mrs\u00a0Lovelace", "Mrs X"),  # non-breaking space
    ("ada wrote in lower case", "Mrs X wrote in lower case"),  # not a common word: any case
    ("Ms Lovelace (the wrong title) wrote", "Mrs X (the wrong title) wrote"),
])
def test_names_written_oddly_are_still_replaced(text, expected):
    assert run(text).text == expected


def test_a_given_name_alone_is_replaced():
    assert run("Charles told Ada that Grace had called.").text == "Mr Y told Mrs X that Ms Z had called."


def test_shared_family_names_go_by_title_and_otherwise_to_the_first_person_flagged():
    result = run("Mrs Lovelace and Mr Lovelace; then Lovelace alone.")
    assert result.text == "Mrs X and Mr Y; then Mrs X alone."
    flagged = [r for r in result.replacements if r.note.startswith("ambiguous")]
    assert [r.original for r in flagged] == ["Lovelace"]
    assert any("Shared names" in w for w in result.warnings)


def test_double_barrelled_names_each_part_and_the_whole():
    tom = PersonDetails("Lovelace-Byron", "Tom", role="person affected")
    result = anonymise("Tom Lovelace-Byron, Byron's mother, the Lovelace - Byron file, BYRON.", [tom])
    assert result.text == "C, C's mother, the C file, C."  # B is his initial


def test_a_surname_that_is_a_common_word_is_replaced_with_a_capital_and_kept_in_lower_case():
    """The rule: "Brown" / "BROWN" are the name; "brown" in lower case is the colour (and is listed as kept)."""
    result = run("Ms Brown put it in a brown envelope. BROWN phoned. Brown said the brown one was hers.")
    assert result.text == "Ms Z put it in a brown envelope. Ms Z phoned. Ms Z said the brown one was hers."
    assert [(k.original, k.count) for k in result.kept] == [("brown", 2)]
    assert "lower case" in result.kept[0].note


def test_a_given_name_that_is_a_month_is_kept_next_to_a_number():
    may = PersonDetails("Green", "May", "Mrs")
    result = anonymise("In May 2024 May wrote; on 5 May and the 6th of May she phoned. May agreed.", [may])
    assert result.text == "In May 2024 Mrs X wrote; on 5 May and the 6th of May she phoned. Mrs X agreed."
    assert {k.original for k in result.kept} == {"May"}


def test_accents_and_apostrophes_in_names():
    zoe = PersonDetails("O’Brien", "Zoë", "Ms")
    assert anonymise("Zoe O'Brien, Zoë, O’BRIEN's and OBrien", [zoe]).text == "Ms X, Ms X, Ms X's and OBrien"


def test_a_title_needs_its_capital_so_ordinary_words_are_not_swallowed():
    assert run("She did not miss Lovelace's deadline.").text == "She did not miss Mrs X's deadline."


def test_other_names_the_investigator_supplies():
    result = run("Dr Priya Shah examined Ada. Shah's notes and Jo said so.", other_names=["Dr Priya Shah", "Jo Bloggs"])
    assert result.text == "Dr W examined Mrs X. Dr W's notes and D said so."
    assert person_from_name("Dr Priya Shah") == PersonDetails("Shah", "Priya", "Dr", "named in the text")
    assert person_from_name("Shah").family_name == "Shah"
    assert person_from_name("   ") is None


# ---------------------------------------------------------------------------------------------
# Bodies


def test_the_body_becomes_the_council_with_the_and_capital_handled():
    result = run("Hampshire County Council's officer wrote. Then the Hampshire County Council replied, as did HCC "
                 "and Hampshire CC. She lives in Hampshire.")
    assert result.text == ("The Council's officer wrote. Then the Council replied, as did the Council "
                           "and the Council. She lives in Hampshire.")  # a bare place name is not the council


@pytest.mark.parametrize("body_type, label", [
    ("independent_care_provider", "the Care Provider"), ("nhs_trust", "the Trust"), ("icb", "the ICB"),
    ("district_council", "the Council"), ("other", "the Organisation"),
])
def test_generic_names_by_body_type(body_type, label):
    body = BodyDetails("Meadowbank Care Homes Ltd", body_type, ("Meadowbank",))
    assert anonymise("I wrote to Meadowbank Care Homes Ltd.", [], [body]).text == f"I wrote to {label}."


def test_two_bodies_of_the_same_kind_are_told_apart():
    county = BodyDetails("Kent County Council", "county_council")
    district = BodyDetails("Dover District Council", "district_council")
    other_district = BodyDetails("Thanet District Council", "district_council")
    result = anonymise("Kent County Council, Dover District Council and Thanet District Council.", [],
                       [county, district, other_district])
    assert result.text == "The County Council, the District Council and the second District Council."


# ---------------------------------------------------------------------------------------------
# Identifiers


@pytest.mark.parametrize("text, expected", [
    ("Write to ada.lovelace@example.org or a.n.other+x@council.gov.uk.", "Write to [email removed] or [email removed]."),
    ("Call 01962 846000, (01962) 846 000, +44 1962 846000 or 07700 900123.",
     "Call [phone number removed], [phone number removed], [phone number removed] or [phone number removed]."),
    ("At SO23 8UG, so238ug and SW1A 1AA.", "At [postcode removed], [postcode removed] and [postcode removed]."),
    ("Our reference 25 900 001, 25-900-001a, 25900001 and 24 123 456.",
     "Our reference [reference removed], [reference removed], [reference removed] and [reference removed]."),
    ("NHS number 943 476 5919, NI number QQ 12 34 56 C.", "NHS number [NHS number removed], NI number [National Insurance number removed]."),
    ("She was born on 12/03/1950 (12.3.50, 1950-03-12, 12th March 1950, March 12, 1950, 12 Mar 1950).",
     "She was born on [date of birth removed] ([date of birth removed], [date of birth removed], [date of birth removed], "
     "[date of birth removed], [date of birth removed])."),
    ("Date of birth: 4 July 1931. DOB 01/02/1940.", "Date of birth: [date of birth removed]. DOB [date of birth removed]."),
    ("She lives at 12 Acacia Avenue, Winchester, Hampshire SO23 8UG.", "She lives at [address removed]."),
    ("Visits to 12 ACACIA AVENUE and to Acacia Avenue generally.", "Visits to [address removed] and to [address removed] generally."),
    ("See www.example.org/lovelace-family and https://www.legislation.gov.uk/ukpga/1974/7.",
     "See [link removed] and https://www.legislation.gov.uk/ukpga/1974/7."),
])
def test_identifiers_are_removed(text, expected):
    assert run(text).text == expected


def test_dates_that_are_not_a_birth_date_stay():
    text = "On 12 March 2025 I wrote; the decision is due by 5 February 2026."
    assert run(text).text == text


def test_replacements_list_what_was_replaced_in_order_with_counts():
    result = run("Mrs Lovelace (ada.lovelace@example.org) and Mrs Lovelace again; Hampshire County Council too.")
    assert [(r.original, r.replacement, r.count, r.kind) for r in result.replacements] == [
        ("Mrs Lovelace", "Mrs X", 2, "name"),
        ("ada.lovelace@example.org", "[email removed]", 1, "email"),
        ("Hampshire County Council", "the Council", 1, "body"),
    ]


def test_nothing_identifying_survives_a_hostile_paragraph():
    text = ("MRS LOVELACE's son and “Ada” met Ms Brown (BROWN) at 12 Acacia Avenue, Winchester SO23 8UG on the day "
            "after her birthday (DOB 12/03/1950). Love-\nlace phoned 01962 846 000 from ada.lovelace@example.org "
            "about 25 900 001. Grace's note and Charles' reply were filed by Hampshire County Council.")
    result = run(text)
    found = set(words(result.text))
    for word in ("lovelace", "ada", "grace", "charles", "acacia", "so23", "8ug", "1950", "846", "example", "900", "hampshire"):
        assert word not in found, (word, result.text)
    assert "Brown" not in result.text and "BROWN" not in result.text


def test_replacements_never_cascade():
    """A replacement's own text ("Mrs X") is never matched again, even for a person named X."""
    x = PersonDetails("X", "Malcolm", "Mr")
    result = anonymise("Malcolm X met Mrs Lovelace.", [x, ADA])
    assert result.text == "Mr Y met Mrs Z."


def test_label_lookups():
    anonymiser = Anonymiser(PEOPLE, [HAMPSHIRE])
    assert anonymiser.label_for(GRACE) == "Ms Z"
    assert anonymiser.body_label_for("Hampshire County Council") == "the Council"


# ---------------------------------------------------------------------------------------------
# Initials: a lone capital before the family name, never the end of the word before it


@pytest.mark.parametrize("text, expected", [
    ("ignored the DRE. Lovelace said", "ignored the DRE. Mrs X said"),  # an abbreviation ending in a full stop
    ("the NHS Lovelace file", "the NHS Mrs X file"),  # an abbreviation, no full stop
    ("paid the DWP.Lovelace then", "paid the DWP.Mrs X then"),  # no space after the full stop
    ("It was late. Lovelace said so.", "It was late. Mrs X said so."),  # a sentence end
    ("under Plan B. Lovelace agreed", "under Plan B. Mrs X agreed"),  # a sentence ending in a capital letter
    ("rang at 9 A.M. Lovelace answered", "rang at 9 A.M. Mrs X answered"),  # a time, though A is her initial
    ("A. Lovelace signed", "Mrs X signed"),
    ("A Lovelace signed", "Mrs X signed"),
    ("A.B. Lovelace signed", "Mrs X signed"),  # her initial, then a middle one we do not know
    ("A. B. C. Lovelace signed", "Mrs X signed"),
    ("Mrs A. Lovelace wrote", "Mrs X wrote"),  # title and initial: one replacement, not "Mrs Mrs X"
    ("Dr. C. Lovelace replied", "Mr Y replied"),  # C is Charles's initial: him, not Ada
    ("a letter from A.Lovelace", "a letter from Mrs X"),
    ("J. Lovelace's note", "J. Mrs X's note"),  # not their initial: the name still goes, the letter J stays
])
def test_initials_are_lone_capitals_that_belong_to_the_person(text, expected):
    assert run(text).text == expected


def test_run_together_initials_only_as_exactly_the_given_names_initials():
    mary = PersonDetails("Lovelace", "Mary Ann", "Mrs")
    assert anonymise("MA Lovelace wrote; M.A. Lovelace signed.", [mary]).text == "Mrs X wrote; Mrs X signed."
    assert anonymise("the MOD Lovelace file", [mary]).text == "the MOD Mrs X file"


def test_without_a_given_name_any_lone_initial_is_hers_but_never_part_of_a_word():
    nameless = PersonDetails("Lovelace", "", "Mrs")
    assert anonymise("J. Lovelace and the DRE. Lovelace form", [nameless]).text == "Mrs X and the DRE. Mrs X form"
