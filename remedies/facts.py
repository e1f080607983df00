"""Recommendations flattened to ``RecommendationFact``: the one loader every statistic reads from.

The dashboard, the body page, the stats API, the annual letters and the benchmark all compute
their figures with ``remedies.compliance`` over facts loaded here, so a figure on a screen and the
same figure in a document can never disagree. One SQL query straight on the driver (no per-row ORM
objects), names looked up once, facts built without the dataclass constructor's per-field cost.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

from investigations.access import Viewer
from investigations.tables import Body, Category
from remedies.compliance import OUTCOMES, REMEDY_TYPES, RecommendationFact, financial_year_start
from remedies.tables import Recommendation
from workbench.db import engine, is_sqlite

CENTS = Decimal("0.01")

# Names come from the small body and category tables (looked up once), not joined onto every row:
# the rows stay narrow and each name is one shared string.
_SQL = """
SELECT r.body, k.category, r.remedy_type, r.original_due_on, r.outcome, r.amount, r.others_affected, r.decided_on
FROM remedies_recommendation r
JOIN investigations_case k ON k.id = r."case"
"""
_FIELDS = ("body", "body_type", "category", "remedy_type", "original_due_on", "outcome", "amount", "others_remedied",
           "decided_on")


async def load_facts(
    *, body_id: int | None = None, financial_year: int | None = None, category_id: int | None = None,
    viewer: Viewer | None = None,
) -> list[RecommendationFact]:
    """Facts for the recommendations matching the filters.

    ``financial_year`` is the start year (2025 for 2025-26) and selects by ORIGINAL due date, as
    ``compliance.by_financial_year`` groups. With a ``viewer``, recommendations on restricted cases
    they may not see are left out (figures are aggregate, but counts still must not leak).
    """
    conditions, args = [], []

    def param(value) -> str:
        args.append(value)
        return "?" if is_sqlite() else f"${len(args)}"

    if body_id is not None:
        conditions.append(f"r.body = {param(body_id)}")
    if category_id is not None:
        conditions.append(f"k.category = {param(category_id)}")
    if financial_year is not None:
        conditions.append(f"r.original_due_on >= {param(date(financial_year, 4, 1))}")
        conditions.append(f"r.original_due_on <= {param(date(financial_year + 1, 3, 31))}")
    if viewer is not None and viewer.role.value != "administrator":
        conditions.append(
            f"(k.restricted = false OR k.investigator = {param(viewer.user_id)} "
            f"OR k.investigator IN (SELECT id FROM workbench_user WHERE manager = {param(viewer.user_id)}))"
        )
    sql = _SQL + (" WHERE " + " AND ".join(conditions) if conditions else "")
    bodies = {r["id"]: (r["name"], r["body_type"]) for r in await Body.select(Body.id, Body.name, Body.body_type)}
    categories = {r["id"]: r["name"] for r in await Category.select(Category.id, Category.name)}
    with _collector_paused():
        return _facts(await _fetch(sql, args), bodies, categories)


@contextmanager
def _collector_paused():
    """Pause the cyclic garbage collector while hundreds of thousands of rows and facts are made.

    None of them forms a reference cycle, yet each allocation burst sets off full collections
    that walk every object made so far: over half the load time at 300,000 recommendations.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _facts(rows: list, bodies: dict[int, tuple[str, str]], categories: dict[int, str]) -> list[RecommendationFact]:
    """Rows (tuples in _SQL's column order) to facts, as fast as Python allows.

    300,000 facts through the dataclass constructor take over a second, most of it the frozen
    dataclass's per-field ``object.__setattr__``; filling each new instance's ``__dict__`` makes the
    same objects (equal, hashable, frozen) in a third of the time. What ``__post_init__`` would check
    per row is checked once over the distinct codes, and dates and amounts, which repeat, are
    converted once per distinct value.
    """
    types = {row[2] for row in rows}
    outcomes = {row[4] for row in rows} - {"", None}
    if types - REMEDY_TYPES.keys() or outcomes - set(OUTCOMES):
        raise ValueError(f"unknown remedy type or outcome in the database: {sorted((types - REMEDY_TYPES.keys()) | (outcomes - set(OUTCOMES)))}")
    dates: dict = {None: None}
    amounts: dict = {None: None}
    new, cls, fields = object.__new__, RecommendationFact, _FIELDS
    facts = []
    append = facts.append
    for body, category, remedy_type, due, outcome, amount, others, decided in rows:
        due_on = dates.get(due)
        if due_on is None:
            due_on = dates[due] = due if isinstance(due, date) else date.fromisoformat(due)
        decided_on = dates.get(decided)
        if decided_on is None and decided is not None:
            decided_on = dates[decided] = decided if isinstance(decided, date) else date.fromisoformat(decided)
        money = amounts.get(amount)
        if money is None and amount is not None:
            money = amounts[amount] = Decimal(str(amount)).quantize(CENTS)
        name, body_type = bodies[body]
        fact = new(cls)
        fact.__dict__.update(zip(fields, (name, body_type, categories[category], remedy_type, due_on, outcome or None,
                                          money, others or 0, decided_on)))
        append(fact)
    return facts


async def _fetch(sql: str, args: list) -> list:
    """Run a read-only query straight on the driver (Piccolo's per-row conversion is the slow part);
    rows come back as tuples (SQLite) or records (PostgreSQL), both indexable in column order."""
    db = engine()
    if is_sqlite():
        import aiosqlite

        async with aiosqlite.connect(db.path) as connection:
            async with connection.execute(sql, args) as cursor:
                return await cursor.fetchall()
    if db.pool is not None:
        async with db.pool.acquire() as connection:
            return await connection.fetch(sql, *args)
    import asyncpg

    connection = await asyncpg.connect(**db.config)
    try:
        return await connection.fetch(sql, *args)
    finally:
        await connection.close()


def financial_years_with_data(facts: list[RecommendationFact]) -> list[int]:
    """Start years present in the facts, newest first (for year pickers)."""
    return sorted({financial_year_start(f.original_due_on) for f in facts}, reverse=True)


__all__ = ["Recommendation", "financial_years_with_data", "load_facts"]
