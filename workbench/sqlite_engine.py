"""SQLite with reused connections for the queries run outside a transaction.

Piccolo opens a new aiosqlite connection (and so a new thread) for every such query and closes it
after: 1 to 2 ms each, and a case page makes a dozen, so on a busy server more time went to
opening connections than to the queries. Between ``start_connection_pool`` and
``close_connection_pool`` (the app's lifespan, as the asyncpg pool on PostgreSQL) this engine keeps
up to ``max_size`` of them open and lends one to each query instead.

A reused connection reads exactly what a new one would: Piccolo opens them in autocommit mode
(``isolation_level=None``), so no transaction outlives its statement and each read sees the latest
commit. Transactions (``write_transaction``) still get a connection of their own. A connection
whose query failed or was cancelled is closed, not lent again.
"""

from __future__ import annotations

import asyncio
from typing import Any, Optional, Sequence

import aiosqlite
from piccolo.engine.sqlite import SQLiteEngine, dict_factory


class PooledSQLiteEngine(SQLiteEngine):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._idle: list = []  # open connections nobody is using, most recently used last
        self._idle_plain: list = []  # the same for ``fetch(plain=True)``: no type conversion, as sqlite3 reads
        self._slots: asyncio.Semaphore | None = None  # None: no pool, a connection per query
        self._idle_path = self.path

    @property
    def pooled(self) -> bool:
        return self._slots is not None

    async def start_connection_pool(self, max_size: int = 8, **_: Any) -> None:
        """Lend up to ``max_size`` kept-open connections (more queries at once wait for one)."""
        self._slots = asyncio.Semaphore(max_size)

    async def close_connection_pool(self) -> None:
        self._slots = None
        idle, self._idle, self._idle_plain = self._idle + self._idle_plain, [], []
        for connection in idle:
            await connection.close()

    async def _run_in_new_connection(
        self, query: str, args: Optional[list[Any]] = None, query_type: str = "generic", table: Any = None,
    ):
        if self._slots is None or (query_type == "insert" and self.get_version_sync() < 3.35):
            return await super()._run_in_new_connection(query, args, query_type, table)
        return await self._on_pooled_connection(query, args or [])

    async def fetch(self, query: str, args: Sequence[Any] = (), plain: bool = False) -> list[dict[str, Any]]:
        """Rows of a raw read, typed as Piccolo's own queries are (``plain``: as sqlite3 returns them,
        dates as ISO strings), on a pooled connection when there is one."""
        if self._slots is None:
            connection = await self._connect(plain)
            try:
                return list(await connection.execute_fetchall(query, tuple(args)))
            finally:
                await connection.close()
        return await self._on_pooled_connection(query, args, plain)

    async def _connect(self, plain: bool):
        if not plain:
            return await self.get_connection()
        connection = await aiosqlite.connect(self.path)
        connection.row_factory = dict_factory
        return connection

    async def _on_pooled_connection(self, query: str, args: Sequence[Any], plain: bool = False):
        """Run on a lent connection; ``execute_fetchall`` is one trip to its thread (execute, fetch
        and close as three would cost three thread switches)."""
        slots = self._slots
        async with slots:
            if (self._idle or self._idle_plain) and self._idle_path != self.path:  # pointed at another file (tests do that)
                stale, self._idle, self._idle_plain = self._idle + self._idle_plain, [], []
                for connection in stale:
                    connection.stop()
            self._idle_path = self.path
            idle = self._idle_plain if plain else self._idle
            connection = idle.pop() if idle else await self._connect(plain)
            try:
                rows = await connection.execute_fetchall(query, tuple(args))
            except BaseException:
                connection.stop()  # queued behind the query still running in its thread, if any
                raise
            if self._slots is slots:
                idle.append(connection)
            else:  # the pool was closed while the query ran
                await connection.close()
            return rows
