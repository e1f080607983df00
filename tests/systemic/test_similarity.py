"""Scoring two cases: the text decides most, structure adds, and every part is a reason."""

from datetime import date

from systemic.index import SimilarityIndex
from systemic.similarity import CaseProfile, rank, score
from systemic.text import terms

DRE = "The Council did not take account of disability related expenditure when assessing her care charges."
DRE2 = "Care charges were assessed without considering his disability related expenditure."
VISITS = "Home care visits were missed and carers arrived late for months."


def profile(i, text, sub="adult-care-services/charging", body=1, when=date(2025, 1, 1), remedies=()):
    t = tuple(terms(text))
    return CaseProfile(id=i, reference=f"25 000 00{i}", terms=t, category="Adult care services", subcategory=sub,
                       subcategory_name=sub.split("/")[1].title(), body_ids=frozenset({body}), body_names=(f"Body {body}",),
                       body_types=frozenset({"county_council"}), remedy_types=frozenset(remedies), when=when, text=text)


def test_same_fault_in_other_words_beats_a_different_fault_in_the_same_subcategory():
    a, b, c = profile(1, DRE), profile(2, DRE2, body=2), profile(3, VISITS, body=1)
    index = SimilarityIndex([(p.id, p.terms) for p in (a, b, c)])
    cosines = {cand.doc_id: cand.cosine for cand in index.query(a.terms, exclude=1)}
    good, bad = score(a, b, cosines[2]), score(a, c, cosines.get(3, 0.0))
    assert good.score > bad.score
    assert good.reasons[0].startswith("Similar account of the fault")
    assert "disability related expenditure" in good.reasons[0]
    assert any(r.startswith("Same subcategory") for r in good.reasons)
    assert any(r.startswith("Same body") for r in bad.reasons)


def test_scores_are_bounded_and_ranked_best_first_without_the_case_itself():
    a = profile(1, DRE, remedies={"refund_or_waiver"})
    twin = profile(2, DRE, remedies={"refund_or_waiver"})
    far = profile(3, "Planning permission granted without notifying neighbours", sub="planning/planning-applications",
                  when=date(2020, 1, 1), body=9)
    ranked = rank(a, [(a, 1.0), (twin, 1.0), (far, 0.0)], limit=5)
    assert [s.reference for s in ranked] == [twin.reference, far.reference]
    assert ranked[0].score == 100 and 0 <= ranked[1].score < 30
    assert "Similar remedies: refund or waiver" in ranked[0].reasons


def test_index_upsert_and_remove_keep_results_current():
    index = SimilarityIndex([(1, terms(DRE)), (2, terms(VISITS))])
    index.upsert(3, terms(DRE2))
    assert [c.doc_id for c in index.query(terms(DRE), limit=2, exclude=1)][0] == 3
    index.upsert(3, terms(VISITS))  # edited: now about visits
    assert 3 not in [c.doc_id for c in index.query(terms(DRE), limit=5, exclude=1, min_cosine=0.2)]
    index.remove(2)
    assert 2 not in [c.doc_id for c in index.query(terms(VISITS), limit=5)]
