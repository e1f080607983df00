"""Casework statistics: complaints received, decisions by outcome and upheld rates, by any grouping.

The annual review letters, the national reviews and the screens all count cases here, so a number
in a document and the same number on a page come from one definition. As in ``remedies.compliance``
every rate is a ``Figure`` carrying its counts and formula, and a rate over fewer than ``TOO_FEW``
investigated decisions is flagged as too few to be meaningful.

Definitions (domain.md 1.9, 4.1):

* *received in a period*: the case's ``received_on`` falls in it (complaints and enquiries);
* *decided in a period*: its ``decided_on`` falls in it and it has an outcome;
* *investigated*: decided with a finding on the merits (upheld three ways, or not upheld);
* *upheld rate*: upheld ÷ investigated, where upheld is fault found (with or without injustice) or
  a satisfactory remedy already provided by the body — the LGSCO's own counting;
* a case about several bodies counts once for each of them in per-body and per-type groups (each
  body gets its own decision statement), and once in every other figure.

Need-to-know: ``load_case_facts`` with a viewer leaves out restricted cases the viewer may not see,
exactly as the dashboard's ``decided_between`` does, so aggregates never reveal them.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from investigations.access import Viewer
from investigations.lifecycle import CareFunding, Outcome
from investigations.reference_data import BODY_TYPES, COUNCIL_TYPES, load_taxonomy
from investigations.tables import Body, Category, Subcategory
from remedies.compliance import TOO_FEW, Figure, rate
from workbench.db import fetch_all, placeholder
from workbench.roles import Role

__all__ = [
    "BODY_KINDS", "INVESTIGATED", "CaseFact", "CaseFigures", "by_body", "by_body_kind", "by_body_type",
    "by_care_funding", "by_category", "by_subcategory", "case_figures", "decided_in", "group_figures", "kind_of_body",
    "load_case_facts", "load_standards_breached", "outcome_counts", "received_in", "remedied_by_body_rate",
    "service_area_categories", "standards_summary", "upheld_rate",
]

INVESTIGATED: frozenset[str] = frozenset({
    Outcome.UPHELD_FAULT_INJUSTICE, Outcome.UPHELD_FAULT_NO_INJUSTICE, Outcome.REMEDIED_BY_BODY, Outcome.NOT_UPHELD,
})
UPHELD: frozenset[str] = frozenset(o.value for o in Outcome if o.is_upheld)

#: Councils against independent care providers against everyone else (NHS bodies, housing associations),
#: as the adult social care review compares them (domain.md 4.3).
BODY_KINDS: dict[str, str] = {
    "council": "Councils",
    "independent_care_provider": "Independent care providers",
    "other": "Other bodies",
}

UPHELD_FORMULA = (
    "decisions upheld (fault causing injustice, fault without injustice, or a satisfactory remedy already "
    "provided by the body) ÷ decisions made after a detailed investigation (those three and not upheld); "
    "premature, not for us and closed after initial enquiries are left out of both"
)
REMEDIED_FORMULA = (
    "upheld decisions where the body had already provided a satisfactory remedy ÷ upheld decisions"
)
LGSCO = "LGSCO published definition, domain.md 1.9 and 4.1"
WORKBENCH = "Workbench definition"


def kind_of_body(body_type: str) -> str:
    """'council', 'independent_care_provider' or 'other': the comparison the national reviews make."""
    if body_type in COUNCIL_TYPES:
        return "council"
    if body_type == "independent_care_provider":
        return "independent_care_provider"
    return "other"


@dataclass(frozen=True)
class CaseFact:
    """One case, flattened to what the statistics need (built by ``load_case_facts``)."""

    id: int
    reference: str
    received_on: date
    decided_on: date | None
    outcome: str  # an Outcome value, or "" while undecided
    category: str
    subcategory: str
    service_area: str
    care_funding: str  # a CareFunding value, or "" when not recorded / not care
    body_ids: tuple[int, ...] = ()
    body_types: tuple[str, ...] = ()  # a BODY_TYPES key per body, in body_ids order


# --------------------------------------------------------------------------------------------
# Figures (pure)


def received_in(facts: Iterable[CaseFact], start: date, end: date) -> list[CaseFact]:
    return [f for f in facts if start <= f.received_on <= end]


def decided_in(facts: Iterable[CaseFact], start: date, end: date) -> list[CaseFact]:
    return [f for f in facts if f.outcome and f.decided_on is not None and start <= f.decided_on <= end]


def outcome_counts(decided: Iterable[CaseFact]) -> dict[str, int]:
    """Decisions per outcome, every outcome present (zeros included) in the taxonomy's order."""
    counts = {o.value: 0 for o in Outcome}
    for f in decided:
        if f.outcome in counts:
            counts[f.outcome] += 1
    return counts


def upheld_rate(by_outcome: Mapping[str, int], *, min_denominator: int = TOO_FEW) -> Figure:
    """Upheld as a share of investigated decisions (the LGSCO's upheld rate)."""
    investigated = sum(n for k, n in by_outcome.items() if k in INVESTIGATED)
    upheld = sum(n for k, n in by_outcome.items() if k in UPHELD)
    figure = rate("Upheld rate", upheld, investigated, UPHELD_FORMULA, LGSCO, min_denominator=min_denominator)
    if investigated == 0:
        return Figure(figure.name, None, 0, 0, figure.formula, figure.source, True, "no investigated decisions")
    return figure


def remedied_by_body_rate(by_outcome: Mapping[str, int], *, min_denominator: int = TOO_FEW) -> Figure:
    """Of the upheld decisions, how many the body had already put right (satisfactory remedy)."""
    upheld = sum(n for k, n in by_outcome.items() if k in UPHELD)
    remedied = by_outcome.get(Outcome.REMEDIED_BY_BODY.value, 0)
    figure = rate("Satisfactory remedy provided by the body", remedied, upheld, REMEDIED_FORMULA, LGSCO,
                  min_denominator=min_denominator)
    if upheld == 0:
        return Figure(figure.name, None, 0, 0, figure.formula, figure.source, True, "no upheld decisions")
    return figure


@dataclass(frozen=True)
class CaseFigures:
    """The casework figures for one set of cases and one period."""

    received: int
    decided: int
    by_outcome: dict[str, int]
    upheld_rate: Figure
    remedied_by_body: Figure

    @property
    def investigated(self) -> int:
        return sum(n for k, n in self.by_outcome.items() if k in INVESTIGATED)

    @property
    def upheld(self) -> int:
        return sum(n for k, n in self.by_outcome.items() if k in UPHELD)


def case_figures(facts: Iterable[CaseFact], start: date, end: date, *, min_denominator: int = TOO_FEW) -> CaseFigures:
    facts = list(facts)
    counts = outcome_counts(decided_in(facts, start, end))
    return CaseFigures(
        received=len(received_in(facts, start, end)),
        decided=sum(counts.values()),
        by_outcome=counts,
        upheld_rate=upheld_rate(counts, min_denominator=min_denominator),
        remedied_by_body=remedied_by_body_rate(counts, min_denominator=min_denominator),
    )


def group_figures(facts: Iterable[CaseFact], start: date, end: date, keys: Callable[[CaseFact], Iterable[str]],
                  *, min_denominator: int = TOO_FEW) -> dict[str, CaseFigures]:
    """Figures per group; ``keys`` gives the groups a case belongs to (several for a joint case).

    Groups come in sorted order; only groups with a case received or decided in the period appear."""
    groups: dict[str, list[CaseFact]] = defaultdict(list)
    for f in facts:
        in_period = start <= f.received_on <= end or (f.decided_on is not None and start <= f.decided_on <= end)
        if in_period:
            for key in dict.fromkeys(keys(f)):
                groups[key].append(f)
    return {k: case_figures(groups[k], start, end, min_denominator=min_denominator) for k in sorted(groups)}


def by_category(facts, start, end, **kw) -> dict[str, CaseFigures]:
    return group_figures(facts, start, end, lambda f: (f.category,), **kw)


def by_subcategory(facts, start, end, **kw) -> dict[str, CaseFigures]:
    """Keyed "Category > Subcategory" (subcategory names repeat across categories: "Other")."""
    return group_figures(facts, start, end, lambda f: (f"{f.category} > {f.subcategory}",), **kw)


def by_care_funding(facts, start, end, **kw) -> dict[str, CaseFigures]:
    """Self-funded against council-arranged care (cases with no funding recorded: "Not recorded")."""
    labels = {c.value: c.label for c in CareFunding}
    return group_figures(facts, start, end, lambda f: (labels.get(f.care_funding, "Not recorded"),), **kw)


def by_body(facts, start, end, **kw) -> dict[int, CaseFigures]:
    grouped = group_figures(facts, start, end, lambda f: (str(b) for b in f.body_ids), **kw)
    return {int(k): v for k, v in grouped.items()}


def by_body_type(facts, start, end, **kw) -> dict[str, CaseFigures]:
    """Keyed by BODY_TYPES key: the comparison groups of the annual letters (county, district, ...)."""
    return group_figures(facts, start, end, lambda f: f.body_types, **kw)


def by_body_kind(facts, start, end, **kw) -> dict[str, CaseFigures]:
    """Keyed by BODY_KINDS key: councils, independent care providers, other bodies."""
    return group_figures(facts, start, end, lambda f: (kind_of_body(t) for t in f.body_types), **kw)


def standards_summary(standard_lists: Iterable[Sequence[str]]) -> dict[str, int]:
    """How many findings cited each NCMG standard code (a finding citing one twice counts once),
    in the guidance's numbering order."""
    counts: dict[str, int] = defaultdict(int)
    for codes in standard_lists:
        for code in set(codes):
            counts[code] += 1
    return dict(sorted(counts.items(), key=lambda kv: tuple(int(p) if p.isdigit() else 0 for p in kv[0].split("."))))


def service_area_categories(service_area: str) -> list[str]:
    """The decision categories reported under an annual-review service area (taxonomy.json's mapping)."""
    return [c.name for c in load_taxonomy().categories if c.service_area == service_area]


# --------------------------------------------------------------------------------------------
# Loading (a few queries, whatever the number of cases)


class _Sql:
    """Collects a raw query's conditions and arguments with the driver's placeholders."""

    def __init__(self) -> None:
        self.conditions: list[str] = []
        self.args: list[Any] = []

    def param(self, value: Any) -> str:
        self.args.append(value)
        return placeholder(len(self.args))

    def where(self) -> str:
        return " WHERE " + " AND ".join(self.conditions) if self.conditions else ""


def _visible(sql: _Sql, viewer: Viewer | None, alias: str = "k") -> None:
    if viewer is not None and viewer.role is not Role.ADMINISTRATOR:
        sql.conditions.append(
            f"({alias}.restricted = false OR {alias}.investigator = {sql.param(viewer.user_id)} "
            f"OR {alias}.investigator IN (SELECT id FROM workbench_user WHERE manager = {sql.param(viewer.user_id)}))"
        )


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


async def load_case_facts(
    start: date, end: date, *, body_id: int | None = None, body_type: str | None = None,
    categories: Sequence[int] | None = None, viewer: Viewer | None = None,
) -> list[CaseFact]:
    """Cases received or decided between ``start`` and ``end`` (inclusive), narrowed to a body, a body
    type or some categories, with need-to-know for ``viewer``. Three small reference reads and two
    queries (cases, then their bodies), however many cases."""
    sql = _Sql()
    sql.conditions.append(
        f"((k.received_on >= {sql.param(start)} AND k.received_on <= {sql.param(end)}) "
        f"OR (k.decided_on >= {sql.param(start)} AND k.decided_on <= {sql.param(end)}))"
    )
    if body_id is not None:
        sql.conditions.append(f'k.id IN (SELECT "case" FROM investigations_case_body WHERE body = {sql.param(body_id)})')
    if body_type is not None:
        sql.conditions.append(
            'k.id IN (SELECT cb."case" FROM investigations_case_body cb JOIN investigations_body b ON b.id = cb.body '
            f"WHERE b.body_type = {sql.param(body_type)})"
        )
    if categories is not None:
        ids = ", ".join(str(int(c)) for c in categories) or "NULL"
        sql.conditions.append(f"k.category IN ({ids})")
    _visible(sql, viewer)
    where = sql.where()
    cases = await fetch_all(
        "SELECT k.id, k.reference, k.received_on, k.decided_on, k.outcome, k.category, k.subcategory, k.care_funding "
        f"FROM investigations_case k{where} ORDER BY k.id", sql.args)
    links = await fetch_all(
        'SELECT cb."case" AS case_id, cb.body AS body_id FROM investigations_case_body cb '
        f'JOIN investigations_case k ON k.id = cb."case"{where} ORDER BY cb.suffix, cb.id', sql.args)
    body_types = {r["id"]: r["body_type"] for r in await Body.select(Body.id, Body.body_type)}
    category_rows = await Category.select(Category.id, Category.name, Category.service_area)
    category_names = {r["id"]: r["name"] for r in category_rows}
    areas = {r["id"]: r["service_area"] for r in category_rows}
    subcategories = {r["id"]: r["name"] for r in await Subcategory.select(Subcategory.id, Subcategory.name)}
    bodies_of: dict[int, list[int]] = defaultdict(list)
    for link in links:
        bodies_of[link["case_id"]].append(link["body_id"])
    dates: dict[Any, date | None] = {}

    def day(value: Any) -> date | None:
        if value not in dates:
            dates[value] = _as_date(value)
        return dates[value]

    facts = []
    for row in cases:
        ids = tuple(bodies_of.get(row["id"], ()))
        facts.append(CaseFact(
            id=row["id"], reference=row["reference"], received_on=day(row["received_on"]),
            decided_on=day(row["decided_on"]), outcome=row["outcome"] or "",
            category=category_names[row["category"]], subcategory=subcategories[row["subcategory"]],
            service_area=areas[row["category"]], care_funding=row["care_funding"] or "",
            body_ids=ids, body_types=tuple(body_types[b] for b in ids),
        ))
    return facts


async def load_standards_breached(start: date, end: date, *, body_id: int, viewer: Viewer | None = None
                                  ) -> dict[str, int]:
    """NCMG standards cited in findings of fault against the body on cases decided in the period:
    code -> number of findings citing it (``standards_summary``)."""
    sql = _Sql()
    sql.conditions += [
        f"f.body = {sql.param(body_id)}", "f.fault = true",
        f"k.decided_on >= {sql.param(start)}", f"k.decided_on <= {sql.param(end)}", "k.outcome <> ''",
    ]
    _visible(sql, viewer)
    rows = await fetch_all(
        'SELECT f.standards FROM investigations_finding f JOIN investigations_case k ON k.id = f."case"'
        + sql.where(), sql.args)
    return standards_summary(_codes(r["standards"]) for r in rows)


def _codes(value: Any) -> list[str]:
    if isinstance(value, str):
        value = json.loads(value or "[]")
    return [str(code) for code in value or []]


def body_type_label(body_type: str) -> str:
    return BODY_TYPES.get(body_type, body_type)
