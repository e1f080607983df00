"""Compliance statistics, each shown with its formula and the counts behind it.

Pure functions over plain `RecommendationFact` records: no database, no web framework, so the
same code serves the dashboard, the stats API, the annual-letter export and the benchmark, and
every statistic can be unit-tested with hand-computed counts.

A statistic is never a bare number: it is a `Figure` carrying its numerator, denominator, the
formula in plain English and where the definition comes from (the LGSCO's published definition,
domain.md 3.7, or ours where the LGSCO publishes none), so no figure is a black box.

Outcomes of a recommendation (`RecommendationFact.outcome`):

* ``complied_on_time`` — the LGSCO recorded itself satisfied, by the due date;
* ``complied_late``    — satisfied, but after the (original) due date;
* ``not_complied``     — the LGSCO recorded that the body failed to comply;
* ``ceased``           — follow-up stopped without a compliance verdict (e.g. the complainant
  died or withdrew, or the recommendation was superseded); not a compliance outcome;
* ``None``             — still outstanding, no verdict yet.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum

# --------------------------------------------------------------------------------------------
# Reference data
# --------------------------------------------------------------------------------------------


class RemedyKind(str, Enum):
    """The two boxes on the LGSCO remedies screen (domain.md 3.2): private personal remedies and
    publishable service improvements. Service improvements are what the interactive map counts."""

    PERSONAL = "personal"
    SERVICE_IMPROVEMENT = "service_improvement"


@dataclass(frozen=True)
class RemedyType:
    """A remedy category as data, so reports, forms and statistics share one list."""

    label: str
    kind: RemedyKind
    monetary: bool  # counted in amounts paid (financial redress and refunds/waivers)


# Order follows the Compliance Manual, Appendix 1: personal remedies first (domain.md 3.2).
REMEDY_TYPES: dict[str, RemedyType] = {
    "apology": RemedyType("Apology", RemedyKind.PERSONAL, False),
    "financial_quantifiable_loss": RemedyType("Financial redress: quantifiable loss", RemedyKind.PERSONAL, True),
    "financial_avoidable_distress": RemedyType("Financial redress: avoidable distress", RemedyKind.PERSONAL, True),
    "financial_time_and_trouble": RemedyType("Financial redress: time and trouble", RemedyKind.PERSONAL, True),
    "financial_loss_of_service": RemedyType("Financial redress: loss of service", RemedyKind.PERSONAL, True),
    "refund_or_waiver": RemedyType("Refund or waiver of charges", RemedyKind.PERSONAL, True),
    "reassessment_or_new_decision": RemedyType("Reassessment or new decision", RemedyKind.PERSONAL, False),
    "provide_service": RemedyType("Provide a service", RemedyKind.PERSONAL, False),
    "correct_records": RemedyType("Add or correct records", RemedyKind.PERSONAL, False),
    "procedure_or_policy_change": RemedyType("Procedure or policy change", RemedyKind.SERVICE_IMPROVEMENT, False),
    "staff_training": RemedyType("Staff training or reminders", RemedyKind.SERVICE_IMPROVEMENT, False),
    # Systemic: it reaches people beyond the complainant, so it is a service improvement.
    "review_others_affected": RemedyType("Review of others affected", RemedyKind.SERVICE_IMPROVEMENT, False),
}

OUTCOMES: tuple[str, ...] = ("complied_on_time", "complied_late", "not_complied", "ceased")
COMPLIED: frozenset[str] = frozenset({"complied_on_time", "complied_late"})
VERDICTS: frozenset[str] = COMPLIED | {"not_complied"}  # outcomes where the LGSCO gave a compliance verdict

TOO_FEW = 10
"""Below this many in the denominator a rate is flagged: too few cases to be meaningful."""

LGSCO = "LGSCO published definition, domain.md 3.7"
WORKBENCH = "Workbench definition"


@dataclass(frozen=True)
class RecommendationFact:
    """One recommendation, flattened to what the statistics need (built by the caller from the DB)."""

    body: str
    body_type: str  # County, District, Metropolitan, Unitary, London Borough (annual letters compare these)
    category: str
    remedy_type: str  # a key of REMEDY_TYPES
    original_due_on: date  # extensions do not move it: lateness and the reporting year use the original
    outcome: str | None  # one of OUTCOMES, or None while outstanding
    amount: Decimal | None = None
    others_remedied: int = 0  # people beyond the complainant
    decided_on: date | None = None

    def __post_init__(self) -> None:
        """Reject unknown codes at the boundary, so a typo cannot silently drop out of every figure."""
        if self.remedy_type not in REMEDY_TYPES:
            raise ValueError(f"unknown remedy type {self.remedy_type!r}")
        if self.outcome is not None and self.outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {self.outcome!r}")
        if self.others_remedied < 0:
            raise ValueError("others_remedied cannot be negative")
        if self.amount is not None and not isinstance(self.amount, Decimal):
            raise TypeError("amount must be a Decimal (money is never a float)")


# --------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """A statistic with its working shown.

    `value` is a percentage for rates, a count for counts and a Decimal sum of pounds for money;
    None when a rate's denominator is zero (a rate of nothing is not 0% or 100%).
    """

    name: str
    value: float | Decimal | None
    numerator: int | Decimal
    denominator: int | None  # None for counts and sums, which have no denominator
    formula: str
    source: str
    too_few: bool
    display: str


def _percent(numerator: int, denominator: int) -> str:
    """One decimal place, but never rounded up to 100% or down to 0% when that would be untrue:
    the letters read 'below 100% means a failure to comply', so 999 of 1000 must not show 100.0%."""
    pct = round(100 * numerator / denominator, 1)
    if pct == 100.0 and numerator < denominator:
        pct = 99.9
    elif pct == 0.0 and numerator > 0:
        pct = 0.1
    return f"{pct:.1f}%"


def rate(name: str, numerator: int, denominator: int, formula: str, source: str, *, min_denominator: int = TOO_FEW) -> Figure:
    """Build a rate Figure; shared so every rate treats zero and small denominators the same way."""
    if denominator == 0:
        return Figure(name, None, numerator, 0, formula, source, True, "no recommendations")
    return Figure(
        name,
        100 * numerator / denominator,
        numerator,
        denominator,
        formula,
        source,
        denominator < min_denominator,
        f"{_percent(numerator, denominator)} ({numerator} of {denominator})",
    )


def count(name: str, n: int, formula: str, source: str = WORKBENCH) -> Figure:
    """Build a count Figure (no denominator, so never 'too few')."""
    return Figure(name, float(n), n, None, formula, source, False, f"{n:,}")


# --------------------------------------------------------------------------------------------
# Statistics
# --------------------------------------------------------------------------------------------

COMPLIANCE_FORMULA = (
    "recommendations complied with (on time or late) ÷ recommendations with a due date in the period "
    "that have reached a compliance verdict (complied on time, complied late or not complied); "
    "ceased and still-outstanding recommendations are left out of both"
)


def compliance_rate(facts: Iterable[RecommendationFact], *, min_denominator: int = TOO_FEW) -> Figure:
    """Share of compliance verdicts where the LGSCO was satisfied (domain.md 3.7).

    Numerator: complied_on_time + complied_late — late-but-satisfied still counts as compliant,
    lateness is reported separately by `late_compliance_rate`.
    Denominator: complied_on_time + complied_late + not_complied — every recorded compliance
    outcome. `ceased` is not a compliance outcome (no verdict was reached) and outstanding ones
    have none yet, so both are excluded from numerator and denominator: counting outstanding as
    failures would punish a body for recommendations not yet due a verdict.
    domain.md marks the exact LGSCO formula [unverified]; this is its stated adoption.
    """
    facts = list(facts)
    complied = sum(1 for f in facts if f.outcome in COMPLIED)
    verdicts = sum(1 for f in facts if f.outcome in VERDICTS)
    return rate("Compliance rate", complied, verdicts, COMPLIANCE_FORMULA, LGSCO, min_denominator=min_denominator)


LATE_FORMULA = (
    "recommendations complied with late ÷ recommendations complied with (on time or late); "
    "late means after the original due date; not complied, ceased and outstanding ones are left out"
)


def late_compliance_rate(facts: Iterable[RecommendationFact], *, min_denominator: int = TOO_FEW) -> Figure:
    """Of the remedies the body did carry out, how many were late (cf. '18% implemented late', 3.7).

    The LGSCO publishes the figure but not its denominator, so this is our definition: denominator
    is complied remedies only, so the two rates answer separate questions (did they comply? were
    they on time?) and a non-complied remedy is not double-counted as 'late'.
    """
    facts = list(facts)
    late = sum(1 for f in facts if f.outcome == "complied_late")
    complied = sum(1 for f in facts if f.outcome in COMPLIED)
    return rate("Late compliance rate", late, complied, LATE_FORMULA, WORKBENCH, min_denominator=min_denominator)


def remedies_by_type(facts: Iterable[RecommendationFact]) -> dict[str, int]:
    """Count of recommendations per remedy type, every type present (zeros included) in table order,
    so tables line up across bodies and years. Counts every recommendation whatever its outcome."""
    counts = dict.fromkeys(REMEDY_TYPES, 0)
    for f in facts:
        counts[f.remedy_type] += 1
    return counts


def service_improvements(facts: Iterable[RecommendationFact]) -> Figure:
    """Service improvements agreed — what the interactive map and annual letters list (3.2, 3.7)."""
    n = sum(1 for f in facts if REMEDY_TYPES[f.remedy_type].kind is RemedyKind.SERVICE_IMPROVEMENT)
    return count(
        "Service improvements",
        n,
        "number of recommendations whose remedy type is a service improvement "
        "(procedure or policy change, staff training, review of others affected), whatever their outcome",
    )


def people_remedied_beyond_complainant(facts: Iterable[RecommendationFact]) -> Figure:
    """People beyond the complainant who got a remedy (systemic remedies, domain.md 3.8).

    Only complied recommendations count: people are 'remedied' when the remedy was carried out,
    not when it was agreed."""
    n = sum(f.others_remedied for f in facts if f.outcome in COMPLIED)
    return count(
        "People remedied beyond the complainant",
        n,
        "sum of people beyond the complainant remedied, over recommendations complied with (on time or late)",
    )


def amounts_paid(facts: Iterable[RecommendationFact]) -> Figure:
    """Money paid, refunded or waived, summed as Decimal so pennies never drift.

    Counts monetary remedy types (financial redress and refunds/waivers) that were complied with
    and carry an amount; the numerator is the number of such payments."""
    paid = [f.amount for f in facts if REMEDY_TYPES[f.remedy_type].monetary and f.outcome in COMPLIED and f.amount is not None]
    total = sum(paid, Decimal("0"))
    return Figure(
        "Amounts paid",
        total,
        len(paid),
        None,
        "sum of amounts of financial remedies and refunds or waivers complied with (on time or late); "
        "outstanding, not complied and ceased ones, and ones without an amount, are left out",
        WORKBENCH,
        False,
        f"£{total:,.2f} ({len(paid)} payment{'' if len(paid) == 1 else 's'})",
    )


def statistics(facts: Iterable[RecommendationFact], *, min_denominator: int = TOO_FEW) -> dict[str, Figure]:
    """Every statistic for one set of facts, keyed by a stable name (remedy counts as 'remedies.<type>')."""
    facts = list(facts)
    stats = {
        "compliance_rate": compliance_rate(facts, min_denominator=min_denominator),
        "late_compliance_rate": late_compliance_rate(facts, min_denominator=min_denominator),
        "service_improvements": service_improvements(facts),
        "people_remedied_beyond_complainant": people_remedied_beyond_complainant(facts),
        "amounts_paid": amounts_paid(facts),
    }
    for key, n in remedies_by_type(facts).items():
        stats[f"remedies.{key}"] = count(
            f"Remedies: {REMEDY_TYPES[key].label}", n, f"number of recommendations of type '{REMEDY_TYPES[key].label}', whatever their outcome"
        )
    return stats


# --------------------------------------------------------------------------------------------
# Financial years and grouping
# --------------------------------------------------------------------------------------------


def financial_year_start(d: date) -> int:
    """The calendar year in which d's financial year (1 April to 31 March) starts."""
    return d.year if d >= date(d.year, 4, 1) else d.year - 1


def financial_year_of(d: date) -> tuple[date, date]:
    """First and last day of d's financial year: the LGSCO reports 1 April to 31 March."""
    start = financial_year_start(d)
    return date(start, 4, 1), date(start + 1, 3, 31)


def financial_year_label(start_year: int) -> str:
    """'2025-26' style, as the LGSCO writes years; 1999 gives '1999-00'."""
    return f"{start_year}-{(start_year + 1) % 100:02d}"


def group_by(
    facts: Iterable[RecommendationFact], key: Callable[[RecommendationFact], str], *, min_denominator: int = TOO_FEW
) -> dict[str, dict[str, Figure]]:
    """Statistics per group, groups in sorted key order; only groups with at least one fact appear."""
    groups: dict[str, list[RecommendationFact]] = defaultdict(list)
    for f in facts:
        groups[key(f)].append(f)
    return {k: statistics(groups[k], min_denominator=min_denominator) for k in sorted(groups)}


def by_body(facts: Iterable[RecommendationFact], **kw) -> dict[str, dict[str, Figure]]:
    """Per body, as in its annual review letter (domain.md 4.1)."""
    return group_by(facts, lambda f: f.body, **kw)


def by_body_type(facts: Iterable[RecommendationFact], **kw) -> dict[str, dict[str, Figure]]:
    """Per kind of council, the comparison groups of the annual letters (domain.md 4.1)."""
    return group_by(facts, lambda f: f.body_type, **kw)


def by_category(facts: Iterable[RecommendationFact], **kw) -> dict[str, dict[str, Figure]]:
    """Per complaint category (domain.md 2.5)."""
    return group_by(facts, lambda f: f.category, **kw)


def by_financial_year(facts: Iterable[RecommendationFact], **kw) -> dict[str, dict[str, Figure]]:
    """Per financial year ('2024-25'), by the recommendation's ORIGINAL DUE DATE, not the decision date.

    Why: compliance is judged against the due date, so a recommendation belongs to the year its
    compliance fell due — a decision made in March with a remedy due in May counts in the new year,
    which is the year the body's compliance (and any lateness) happened. The LGSCO text available
    (domain.md 3.7) says 'outcomes recorded in the period' and is marked [unverified]; the facts do
    not carry the verdict date, and the original due date is fixed (extensions do not move a
    recommendation between years). Counts of remedies and service improvements use the same key so
    every figure in one year describes the same recommendations.
    """
    return group_by(facts, lambda f: financial_year_label(financial_year_start(f.original_due_on)), **kw)


__all__: Sequence[str] = (
    "REMEDY_TYPES", "OUTCOMES", "TOO_FEW", "RemedyKind", "RemedyType", "RecommendationFact", "Figure",
    "compliance_rate", "late_compliance_rate", "remedies_by_type", "service_improvements",
    "people_remedied_beyond_complainant", "amounts_paid", "statistics", "financial_year_start",
    "financial_year_of", "financial_year_label", "group_by", "by_body", "by_body_type", "by_category",
    "by_financial_year",
)
