"""Every statistic against hand-computed counts, including ceased and outstanding items."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest

from remedies.compliance import (
    LGSCO,
    REMEDY_TYPES,
    WORKBENCH,
    Figure,
    RecommendationFact,
    RemedyKind,
    amounts_paid,
    by_body,
    by_category,
    by_financial_year,
    compliance_rate,
    financial_year_label,
    financial_year_of,
    late_compliance_rate,
    people_remedied_beyond_complainant,
    remedies_by_type,
    service_improvements,
    statistics,
)


def fact(outcome, remedy_type="apology", *, body="Barsetshire CC", category="Adult care", due=date(2024, 6, 3),
         amount=None, others=0) -> RecommendationFact:
    return RecommendationFact(
        body=body, body_type="County", category=category, remedy_type=remedy_type, original_due_on=due,
        outcome=outcome, amount=amount, others_remedied=others, decided_on=date(2024, 5, 1),
    )


def mix(on_time=0, late=0, not_complied=0, ceased=0, outstanding=0, **kw) -> list[RecommendationFact]:
    return (
        [fact("complied_on_time", **kw)] * on_time + [fact("complied_late", **kw)] * late
        + [fact("not_complied", **kw)] * not_complied + [fact("ceased", **kw)] * ceased + [fact(None, **kw)] * outstanding
    )


# --- compliance rate -------------------------------------------------------------------------


def test_compliance_rate_counts_late_as_compliant_and_ignores_ceased_and_outstanding():
    # 20 on time + 7 late = 27 complied; + 1 not complied = 28 verdicts; 3 ceased, 5 outstanding excluded.
    fig = compliance_rate(mix(on_time=20, late=7, not_complied=1, ceased=3, outstanding=5))
    assert (fig.numerator, fig.denominator) == (27, 28)
    assert fig.value == pytest.approx(100 * 27 / 28)
    assert fig.display == "96.4% (27 of 28)"
    assert fig.source == LGSCO
    assert not fig.too_few
    assert "ceased" in fig.formula and "outstanding" in fig.formula


def test_compliance_rate_not_complied_lowers_the_rate():
    fig = compliance_rate(mix(on_time=9, not_complied=1))
    assert fig.display == "90.0% (9 of 10)"


def test_compliance_rate_never_shows_100_when_one_failed():
    fig = compliance_rate(mix(on_time=1999, not_complied=1))
    assert fig.display == "99.9% (1999 of 2000)"
    assert fig.value < 100


def test_compliance_rate_never_shows_0_when_one_complied():
    assert compliance_rate(mix(on_time=1, not_complied=1999)).display.startswith("0.1%")


@pytest.mark.parametrize("facts", [[], mix(ceased=4, outstanding=6)], ids=["empty", "only ceased and outstanding"])
def test_zero_denominator_gives_none(facts):
    for fig in (compliance_rate(facts), late_compliance_rate(facts)):
        assert fig.value is None
        assert fig.denominator == 0
        assert fig.display == "no recommendations"
        assert fig.too_few


def test_too_few_flag_threshold():
    assert compliance_rate(mix(on_time=9)).too_few
    assert not compliance_rate(mix(on_time=10)).too_few
    assert not compliance_rate(mix(on_time=9), min_denominator=5).too_few
    # outstanding ones do not make a denominator big enough
    assert compliance_rate(mix(on_time=5, outstanding=50)).too_few


# --- late compliance rate --------------------------------------------------------------------


def test_late_compliance_rate_is_over_complied_only():
    # 3 late of 3 + 9 = 12 complied; not complied, ceased and outstanding don't count either side.
    fig = late_compliance_rate(mix(on_time=9, late=3, not_complied=4, ceased=2, outstanding=7))
    assert (fig.numerator, fig.denominator) == (3, 12)
    assert fig.display == "25.0% (3 of 12)"
    assert fig.source == WORKBENCH


# --- counts and sums -------------------------------------------------------------------------


def test_remedies_by_type_counts_every_type_including_zeros_and_all_outcomes():
    facts = [fact("complied_on_time", "apology"), fact(None, "apology"), fact("ceased", "staff_training")]
    counts = remedies_by_type(facts)
    assert list(counts) == list(REMEDY_TYPES)
    assert counts["apology"] == 2
    assert counts["staff_training"] == 1
    assert sum(counts.values()) == 3


def test_service_improvements_counts_only_service_improvement_types():
    facts = [
        fact("complied_on_time", "procedure_or_policy_change"),
        fact(None, "staff_training"),
        fact("not_complied", "review_others_affected"),
        fact("complied_on_time", "apology"),
        fact("complied_on_time", "financial_time_and_trouble", amount=Decimal("150")),
    ]
    fig = service_improvements(facts)
    assert fig.value == 3 and fig.numerator == 3 and fig.denominator is None
    assert fig.display == "3"


def test_people_remedied_beyond_complainant_sums_complied_only():
    facts = [
        fact("complied_on_time", "review_others_affected", others=63),
        fact("complied_late", "refund_or_waiver", others=1400, amount=Decimal("10")),
        fact(None, "review_others_affected", others=500),
        fact("not_complied", "review_others_affected", others=7),
        fact("ceased", "review_others_affected", others=2),
    ]
    fig = people_remedied_beyond_complainant(facts)
    assert fig.numerator == 1463
    assert fig.display == "1,463"


def test_amounts_paid_sums_decimals_exactly_for_complied_monetary_remedies():
    facts = [fact("complied_on_time", "financial_quantifiable_loss", amount=Decimal("0.10"))] * 3 + [
        fact("complied_late", "financial_avoidable_distress", amount=Decimal("1000.00")),
        fact("complied_on_time", "refund_or_waiver", amount=Decimal("364000.05")),
        fact(None, "financial_time_and_trouble", amount=Decimal("300")),  # outstanding
        fact("not_complied", "financial_loss_of_service", amount=Decimal("250")),
        fact("ceased", "financial_quantifiable_loss", amount=Decimal("99")),
        fact("complied_on_time", "financial_time_and_trouble", amount=None),  # no amount recorded
        fact("complied_on_time", "apology", amount=Decimal("5")),  # not a monetary type
    ]
    fig = amounts_paid(facts)
    assert fig.value == Decimal("365000.35")  # 0.1 + 0.1 + 0.1 is exact in Decimal
    assert isinstance(fig.value, Decimal)
    assert fig.numerator == 5
    assert fig.display == "£365,000.35 (5 payments)"


def test_amounts_paid_empty():
    fig = amounts_paid([])
    assert fig.value == Decimal("0") and fig.display == "£0.00 (0 payments)"


# --- validation and the types table ----------------------------------------------------------


def test_every_remedy_type_is_personal_or_service_improvement():
    assert REMEDY_TYPES
    kinds = {t.kind for t in REMEDY_TYPES.values()}
    assert kinds == {RemedyKind.PERSONAL, RemedyKind.SERVICE_IMPROVEMENT}
    assert len({t.label for t in REMEDY_TYPES.values()}) == len(REMEDY_TYPES)
    monetary = {k for k, t in REMEDY_TYPES.items() if t.monetary}
    assert monetary == {
        "financial_quantifiable_loss", "financial_avoidable_distress", "financial_time_and_trouble",
        "financial_loss_of_service", "refund_or_waiver",
    }
    assert all(REMEDY_TYPES[k].kind is RemedyKind.PERSONAL for k in monetary)


@pytest.mark.parametrize("change", [{"remedy_type": "hug"}, {"outcome": "complied"}, {"others_remedied": -1}, {"amount": 1.5}])
def test_fact_rejects_bad_values(change):
    with pytest.raises((ValueError, TypeError)):
        dataclasses.replace(fact("complied_on_time", "financial_quantifiable_loss", amount=Decimal("1")), **change)


def test_figure_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        compliance_rate([]).value = 1  # type: ignore[misc]


# --- financial years -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("d", "start"),
    [
        (date(2025, 3, 31), 2024),
        (date(2025, 4, 1), 2025),
        (date(2024, 2, 29), 2023),  # leap day belongs to the year that started the April before
        (date(2024, 1, 1), 2023),
        (date(2024, 12, 31), 2024),
    ],
)
def test_financial_year_of_boundaries(d, start):
    assert financial_year_of(d) == (date(start, 4, 1), date(start + 1, 3, 31))


def test_financial_year_label():
    assert financial_year_label(2025) == "2025-26"
    assert financial_year_label(1999) == "1999-00"
    assert financial_year_label(2009) == "2009-10"


def test_by_financial_year_uses_original_due_date():
    facts = [
        fact("complied_on_time", due=date(2025, 3, 31)),
        fact("complied_late", due=date(2025, 4, 1)),
        fact("not_complied", due=date(2024, 2, 29)),
    ]
    groups = by_financial_year(facts)
    assert list(groups) == ["2023-24", "2024-25", "2025-26"]
    assert groups["2024-25"]["compliance_rate"].display == "100.0% (1 of 1)"
    assert groups["2025-26"]["late_compliance_rate"].display == "100.0% (1 of 1)"
    assert groups["2023-24"]["compliance_rate"].display == "0.0% (0 of 1)"


# --- grouping --------------------------------------------------------------------------------


def test_by_body_and_by_category_keys_and_counts():
    facts = (
        mix(on_time=3, not_complied=1, body="Wessex DC", category="Housing")
        + mix(on_time=2, outstanding=4, body="Barsetshire CC", category="Adult care")
        + mix(late=1, body="Barsetshire CC", category="Housing")
    )
    bodies = by_body(facts)
    assert list(bodies) == ["Barsetshire CC", "Wessex DC"]
    assert bodies["Wessex DC"]["compliance_rate"].display == "75.0% (3 of 4)"
    assert bodies["Barsetshire CC"]["compliance_rate"].display == "100.0% (3 of 3)"
    assert bodies["Barsetshire CC"]["remedies.apology"].value == 7
    categories = by_category(facts)
    assert list(categories) == ["Adult care", "Housing"]
    assert categories["Housing"]["compliance_rate"].display == "80.0% (4 of 5)"
    assert all(isinstance(f, Figure) for stats in categories.values() for f in stats.values())


def test_statistics_covers_every_figure_with_formula_and_source():
    stats = statistics(mix(on_time=1))
    assert {"compliance_rate", "late_compliance_rate", "service_improvements",
            "people_remedied_beyond_complainant", "amounts_paid"} <= set(stats)
    assert {f"remedies.{k}" for k in REMEDY_TYPES} <= set(stats)
    for fig in stats.values():
        assert fig.formula and fig.source in (LGSCO, WORKBENCH)
