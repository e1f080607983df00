"""Casework statistics and cohort positions by hand: pure functions, counts worked out in the test."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from investigations.statistics import (
    CaseFact, by_body, by_body_kind, by_body_type, by_care_funding, by_subcategory, case_figures, kind_of_body,
    remedied_by_body_rate, standards_summary, upheld_rate,
)
from systemic.cohort_statistics import cohorts_in_year, position_on, totals
from systemic.cohorts import CohortFigures

START, END = date(2025, 4, 1), date(2026, 3, 31)


def fact(i: int, outcome: str = "", received: date = date(2025, 5, 1), decided: date | None = date(2025, 6, 1),
         bodies: tuple[tuple[int, str], ...] = ((1, "county_council"),), sub: str = "Charging",
         funding: str = "") -> CaseFact:
    return CaseFact(i, f"25 000 {i:03d}", received, decided if outcome else None, outcome, "Adult care services", sub,
                    "Adult social care", funding, tuple(b for b, _ in bodies), tuple(t for _, t in bodies))


def test_upheld_rate_counts_investigated_decisions_only():
    figure = upheld_rate({"upheld_fault_injustice": 3, "upheld_fault_no_injustice": 1, "remedied_by_body": 1,
                          "not_upheld": 5, "premature": 40, "not_for_us": 7, "closed_after_initial_enquiries": 9})
    assert (figure.numerator, figure.denominator, figure.display) == (5, 10, "50.0% (5 of 10)")
    assert not figure.too_few
    thin = upheld_rate({"upheld_fault_injustice": 2, "not_upheld": 1})
    assert thin.too_few and thin.display == "66.7% (2 of 3)"
    none = upheld_rate({"premature": 4})
    assert none.value is None and none.display == "no investigated decisions"
    assert remedied_by_body_rate({"remedied_by_body": 1, "upheld_fault_injustice": 3}).display == "25.0% (1 of 4)"


def test_received_and_decided_belong_to_their_own_periods():
    facts = [
        fact(1, "upheld_fault_injustice", received=date(2025, 1, 1), decided=date(2025, 4, 1)),  # decided in, received before
        fact(2, received=date(2026, 3, 31)),  # received in, undecided
        fact(3, "not_upheld", received=date(2025, 3, 1), decided=date(2025, 3, 31)),  # neither
        fact(4, "premature"),  # both
    ]
    figures = case_figures(facts, START, END)
    assert (figures.received, figures.decided, figures.investigated, figures.upheld) == (2, 2, 1, 1)
    assert figures.by_outcome["upheld_fault_injustice"] == 1 and figures.by_outcome["not_upheld"] == 0
    assert list(figures.by_outcome)[0] == "upheld_fault_injustice"  # every outcome, in the taxonomy's order


def test_a_joint_case_counts_once_per_body_and_once_per_kind():
    joint = fact(1, "upheld_fault_injustice", bodies=((1, "county_council"), (2, "nhs_trust"), (3, "county_council")))
    provider = fact(2, "not_upheld", bodies=((4, "independent_care_provider"),), funding="self_funded")
    facts = [joint, provider, fact(3, "upheld_fault_no_injustice", funding="council_arranged")]
    assert {b: f.decided for b, f in by_body(facts, START, END).items()} == {1: 2, 2: 1, 3: 1, 4: 1}
    assert {t: f.decided for t, f in by_body_type(facts, START, END).items()} == {
        "county_council": 2, "independent_care_provider": 1, "nhs_trust": 1}
    kinds = by_body_kind(facts, START, END)
    assert {k: f.decided for k, f in kinds.items()} == {"council": 2, "independent_care_provider": 1, "other": 1}
    assert kinds["council"].upheld_rate.display == "100.0% (2 of 2)"
    assert {k: f.decided for k, f in by_care_funding(facts, START, END).items()} == {
        "Council-arranged": 1, "Not recorded": 1, "Self-funded": 1}
    assert list(by_subcategory(facts, START, END)) == ["Adult care services > Charging"]
    assert [kind_of_body(t) for t in ("london_borough", "independent_care_provider", "icb")] == [
        "council", "independent_care_provider", "other"]


def test_standards_summary_counts_findings_in_guidance_order():
    assert standards_summary([["3.5", "1.1"], ["3.5", "3.5"], ["10.2"], ["2.10", "2.9"]]) == {
        "1.1": 1, "2.9": 1, "2.10": 1, "3.5": 2, "10.2": 1}


def test_cohort_positions_over_a_year():
    reports = {7: [(date(2025, 3, 1), CohortFigures(10, 5, 1, 1, Decimal("100"))),
                   (date(2025, 9, 1), CohortFigures(60, 40, 30, 20, Decimal("2000.50"))),
                   (date(2025, 9, 1), CohortFigures(60, 45, 30, 25, Decimal("2500.50"))),  # later the same day wins
                   (date(2026, 5, 1), CohortFigures(60, 60, 60, 60, Decimal("9000")))],
               8: [(date(2024, 6, 1), CohortFigures(5, 5, 5, 5, Decimal("50")))]}  # no report in the year
    assert position_on(reports[7], date(2025, 2, 28)) == CohortFigures()
    cohorts = [{"id": 7, "issue": 1, "issue_title": "Joint capital", "body_name": "Kent"},
               {"id": 8, "issue": 1, "issue_title": "Joint capital", "body_name": "Essex"}]
    [year] = cohorts_in_year(cohorts, reports, START, END)
    assert year.at_end == CohortFigures(60, 45, 30, 25, Decimal("2500.50"))
    assert year.in_year == CohortFigures(50, 40, 29, 24, Decimal("2400.50"))
    at_end, in_year = totals([year, year])
    assert (at_end.remedied, in_year.amount_paid) == (50, Decimal("4801.00"))
