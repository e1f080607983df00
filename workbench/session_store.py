"""Where server-side sessions live: a database table on PostgreSQL, files under the data dir on SQLite.

Web workers are separate processes, possibly on separate hosts, so a session written by one must be
read by every other and outlive any of them. On PostgreSQL that is the ``workbench_session`` table.
An SQLite deployment is one host by nature (the database is a local file), so the file store there is
already shared by every worker, and session writes stay off SQLite's single write lock.

Expired rows are ignored when read and removed by the scheduler's ``purge-expired-sessions`` job.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from litestar.stores.base import Store
from litestar.stores.file import FileStore

from workbench.db import write_transaction
from workbench.settings import Settings, get_settings
from workbench.tables import WebSession

log = logging.getLogger("workbench.sessions")


def _seconds(value: int | timedelta | None) -> int | None:
    if value is None:
        return None
    return int(value.total_seconds()) if isinstance(value, timedelta) else int(value)


class DatabaseSessionStore(Store):
    """A Litestar ``Store`` over one table: key, value bytes, expiry in Unix seconds (NULL: never)."""

    __slots__ = ()

    @staticmethod
    def _live(key: str):
        now = int(time.time())
        return (WebSession.key == key) & (WebSession.expires_at.is_null() | (WebSession.expires_at > now))

    async def set(self, key: str, value: str | bytes, expires_in: int | timedelta | None = None) -> None:
        data = value.encode() if isinstance(value, str) else value
        seconds = _seconds(expires_in)
        expires_at = None if seconds is None else int(time.time()) + seconds
        async with write_transaction():
            await WebSession.insert(WebSession(key=key, value=data, expires_at=expires_at)).on_conflict(
                target=WebSession.key, action="DO UPDATE", values=[WebSession.value, WebSession.expires_at]
            )

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        row = await WebSession.select(WebSession.value, WebSession.expires_at).where(self._live(key)).first()
        if row is None:
            return None
        seconds = _seconds(renew_for)
        if seconds and row["expires_at"] is not None:
            async with write_transaction():
                await WebSession.update({WebSession.expires_at: int(time.time()) + seconds}).where(WebSession.key == key)
        return bytes(row["value"])

    async def delete(self, key: str) -> None:
        async with write_transaction():
            await WebSession.delete().where(WebSession.key == key)

    async def delete_all(self) -> None:
        async with write_transaction():
            await WebSession.delete(force=True)

    async def exists(self, key: str) -> bool:
        return await WebSession.exists().where(self._live(key))

    async def expires_in(self, key: str) -> int | None:
        row = await WebSession.select(WebSession.expires_at).where(self._live(key)).first()
        if row is None or row["expires_at"] is None:
            return None
        return max(0, row["expires_at"] - int(time.time()))

    async def delete_expired(self) -> int:
        """Remove expired sessions; returns how many (reads already ignore them)."""
        now = int(time.time())
        async with write_transaction():
            gone = await WebSession.delete().where(WebSession.expires_at <= now).returning(WebSession.id)
        return len(gone)

    async def count(self) -> int:
        """Live sessions (for tests and the purge job's log line)."""
        now = int(time.time())
        return await WebSession.count().where(WebSession.expires_at.is_null() | (WebSession.expires_at > now))


def session_store(settings: Settings) -> Store:
    """The store for this deployment: the table on PostgreSQL, files under the data dir on SQLite."""
    if settings.is_sqlite:
        return FileStore(path=settings.sessions_dir, create_directories=True)
    return DatabaseSessionStore()


async def purge_expired_sessions(settings: Settings | None = None) -> None:
    """Scheduled: expired sessions are only skipped when read, so clear them out now and then."""
    store = session_store(settings or get_settings())
    if isinstance(store, FileStore):
        if await store.path.exists():
            await store.delete_expired()
        log.info("expired session files removed")
        return
    log.info("%s expired sessions removed", await store.delete_expired())
