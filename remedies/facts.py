"""Recommendations flattened to ``RecommendationFact``: the one loader every statistic reads from.

The dashboard, the body page, the stats API, the annual letters and the benchmark all compute
their figures with ``remedies.compliance`` over facts loaded here, so a figure on a screen and the
same figure in a document can never disagree. One SQL query (no per-row ORM objects): 300,000
recommendations load in well under a second.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from investigations.access import Viewer
from remedies.compliance import RecommendationFact, financial_year_start
from remedies.tables import Recommendation
from workbench.db import engine, is_sqlite

_SQL = """
SELECT b.name AS body, b.body_type AS body_type, c.name AS category, r.remedy_type AS remedy_type,
       r.original_due_on AS original_due_on, r.outcome AS outcome, r.amount AS amount,
       r.others_affected AS others_affected, r.decided_on AS decided_on
FROM remedies_recommendation r
JOIN investigations_body b ON b.id = r.body
JOIN investigations_case k ON k.id = r."case"
JOIN investigations_category c ON c.id = k.category
"""


def _date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


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
    rows = await _fetch(sql, args)
    return [
        RecommendationFact(
            body=row["body"], body_type=row["body_type"], category=row["category"], remedy_type=row["remedy_type"],
            original_due_on=_date(row["original_due_on"]), outcome=row["outcome"] or None,
            amount=None if row["amount"] is None else Decimal(str(row["amount"])),
            others_remedied=row["others_affected"] or 0,
            decided_on=_date(row["decided_on"]) if row["decided_on"] is not None else None,
        )
        for row in rows
    ]


async def _fetch(sql: str, args: list) -> list[dict]:
    """Run a read-only query straight on the driver (Piccolo's per-row conversion is the slow part)."""
    db = engine()
    if is_sqlite():
        import aiosqlite

        async with aiosqlite.connect(db.path) as connection:
            connection.row_factory = aiosqlite.Row
            async with connection.execute(sql, args) as cursor:
                return [dict(row) for row in await cursor.fetchall()]
    if db.pool is not None:
        async with db.pool.acquire() as connection:
            return [dict(row) for row in await connection.fetch(sql, *args)]
    import asyncpg

    connection = await asyncpg.connect(**db.config)
    try:
        return [dict(row) for row in await connection.fetch(sql, *args)]
    finally:
        await connection.close()


def financial_years_with_data(facts: list[RecommendationFact]) -> list[int]:
    """Start years present in the facts, newest first (for year pickers)."""
    return sorted({financial_year_start(f.original_due_on) for f in facts}, reverse=True)


__all__ = ["Recommendation", "financial_years_with_data", "load_facts"]
