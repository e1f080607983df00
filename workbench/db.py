"""Database lifecycle and the one way to write.

SQLite fails a read-then-write transaction at once with "database is locked" unless it takes
the write lock up front (BEGIN IMMEDIATE), so every write goes through ``write_transaction``.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Sequence

from piccolo.engine import engine_finder
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from workbench.sqlite_engine import PooledSQLiteEngine


_engine: Engine | None = None


def engine() -> Engine:
    """The configured engine, looked up once: ``placeholder`` asks for it a few dozen times a page."""
    global _engine
    if _engine is None:
        _engine = engine_finder()
        if _engine is None:  # pragma: no cover - PICCOLO_CONF is set by the package
            raise RuntimeError("No Piccolo engine configured (PICCOLO_CONF)")
    return _engine


def is_sqlite() -> bool:
    return isinstance(engine(), SQLiteEngine)


@asynccontextmanager
async def write_transaction() -> AsyncIterator[None]:
    """A transaction for writes: IMMEDIATE on SQLite; joins an enclosing transaction if there is one."""
    db = engine()
    if db.current_transaction.get() is not None:
        yield
        return
    if isinstance(db, SQLiteEngine):
        async with db.transaction(transaction_type=TransactionType.immediate):
            yield
    else:
        async with db.transaction():
            yield


async def open_database(use_pool: bool) -> None:
    """Called at start-up: WAL on SQLite (persists in the file); reused connections on either engine."""
    db = engine()
    if isinstance(db, SQLiteEngine):
        await db.run_ddl("PRAGMA journal_mode=WAL")
        if use_pool and isinstance(db, PooledSQLiteEngine):
            await db.start_connection_pool(max_size=8)
    elif isinstance(db, PostgresEngine) and use_pool:
        await db.start_connection_pool(min_size=1, max_size=10)


async def close_database() -> None:
    db = engine()
    if isinstance(db, PostgresEngine) and db.pool is not None:
        await db.close_connection_pool()
    elif isinstance(db, PooledSQLiteEngine) and db.pooled:
        await db.close_connection_pool()


async def check_database() -> None:
    """A cheap round trip to a real table, so an unreachable (or missing, or empty) database is reported.

    On SQLite a connection of its own, so a file that can no longer be opened shows here even while
    the pool's open connections still read it.
    """
    db = engine()
    sql = "SELECT 1 FROM workbench_user LIMIT 1"
    if isinstance(db, SQLiteEngine):
        await _sqlite_fetch_on_new_connection(db.path, sql, ())
    else:
        await fetch_all(sql)


async def bulk_insert(table: type, rows: list[dict]) -> None:
    """Insert many rows with the driver's executemany, inside one write transaction.

    Piccolo builds one query string per row, which costs more than the database does; bulk loads
    (demo data, imports) use this instead. Values are plain Python values: the SQLite adapters
    Piccolo registers store them exactly as Piccolo would.
    """
    if not rows:
        return
    columns = list(rows[0])
    names = ", ".join(f'"{c}"' for c in columns)
    db = engine()
    sqlite = isinstance(db, SQLiteEngine)
    placeholders = ", ".join("?" if sqlite else f"${i}" for i in range(1, len(columns) + 1))
    sql = f'INSERT INTO "{table._meta.tablename}" ({names}) VALUES ({placeholders})'
    values = [tuple(row[c] for c in columns) for row in rows]
    async with write_transaction():
        connection = db.current_transaction.get().connection
        await connection.executemany(sql, values)


async def bulk_update(table: type, rows: list[dict]) -> None:
    """Update many rows by id with executemany, inside one write transaction.

    Every row carries "id" and the same other columns (the ones to set), as plain Python values.
    """
    if not rows:
        return
    columns = [c for c in rows[0] if c != "id"]
    db = engine()
    sqlite = isinstance(db, SQLiteEngine)
    assignments = ", ".join(f'"{c}" = ' + ("?" if sqlite else f"${i}") for i, c in enumerate(columns, start=1))
    key = "?" if sqlite else f"${len(columns) + 1}"
    sql = f'UPDATE "{table._meta.tablename}" SET {assignments} WHERE "id" = {key}'
    values = [tuple(row[c] for c in columns) + (row["id"],) for row in rows]
    async with write_transaction():
        connection = db.current_transaction.get().connection
        await connection.executemany(sql, values)


def placeholder(position: int) -> str:
    """The driver's parameter marker for the ``position``-th (1-based) argument of a raw query."""
    return "?" if is_sqlite() else f"${position}"


async def fetch_all(sql: str, args: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """Run a read-only query straight on the driver and return plain dicts.

    For the big reads (statistics over every recommendation, the similarity index over every case)
    where Piccolo's per-row conversion costs more than the database does. SQLite returns dates as
    ISO strings here; callers convert what they use.
    """
    db = engine()
    if isinstance(db, SQLiteEngine):
        if isinstance(db, PooledSQLiteEngine) and db.pooled:
            return await db.fetch(sql, args, plain=True)
        return await _sqlite_fetch_on_new_connection(db.path, sql, args)
    return await _postgres_fetch(db, sql, args)


async def fetch_rows(sql: str, args: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """A raw read whose rows are typed as Piccolo's selects return them (dates, datetimes, booleans).

    For the pages read on every request (the case page, the user behind a session), where building a
    query in Piccolo costs ten times running it. On the app's pooled connections, or inside the
    current transaction when there is one (so it sees that transaction's writes). Columns keep their
    declared type on SQLite only when selected as they are (``x.col`` or ``x.col AS alias``).
    """
    db = engine()
    transaction = db.current_transaction.get()
    if isinstance(db, SQLiteEngine):
        if transaction is not None:
            return await transaction.connection.execute_fetchall(sql, tuple(args))
        if isinstance(db, PooledSQLiteEngine):
            return await db.fetch(sql, args)
        return await db._run_in_new_connection(sql, list(args))  # pragma: no cover - the app's engine is pooled
    if transaction is not None:
        return [dict(row) for row in await transaction.connection.fetch(sql, *args)]
    return await _postgres_fetch(db, sql, args)


async def _postgres_fetch(db: Any, sql: str, args: Sequence[Any]) -> list[dict[str, Any]]:
    """On the pool when the app has one; otherwise (the command line, tests) on a connection of its own."""
    if getattr(db, "pool", None) is not None:
        async with db.pool.acquire() as connection:
            return [dict(row) for row in await connection.fetch(sql, *args)]
    import asyncpg

    connection = await asyncpg.connect(**db.config)
    try:
        return [dict(row) for row in await connection.fetch(sql, *args)]
    finally:
        await connection.close()


def in_list(values: Sequence[Any], first: int = 1) -> str:
    """The placeholders of an ``IN (...)`` list whose values start at argument ``first``."""
    return ", ".join(placeholder(first + i) for i in range(len(values))) or "NULL"


async def _sqlite_fetch_on_new_connection(path: str, sql: str, args: Sequence[Any]) -> list[dict[str, Any]]:
    import aiosqlite

    async with aiosqlite.connect(path) as connection:
        connection.row_factory = aiosqlite.Row
        async with connection.execute(sql, tuple(args)) as cursor:
            return [dict(row) for row in await cursor.fetchall()]


def contains_text(column, text: str):
    """A case-insensitive substring condition on both engines.

    PostgreSQL needs ILIKE; SQLite has no ILIKE, but its LIKE already ignores case (for ASCII).
    """
    pattern = f"%{text}%"
    return column.like(pattern) if is_sqlite() else column.ilike(pattern)
