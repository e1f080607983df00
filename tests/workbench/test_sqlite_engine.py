"""The SQLite engine's reused connections (workbench.sqlite_engine): what a new connection would read."""

from __future__ import annotations

import sqlite3

import pytest
from piccolo.engine.sqlite import TransactionType

from workbench.sqlite_engine import PooledSQLiteEngine


@pytest.fixture
async def engine(tmp_path):
    db = PooledSQLiteEngine(path=str(tmp_path / "pool.sqlite3"), timeout=15)
    await db.run_ddl("PRAGMA journal_mode=WAL")
    await db.run_ddl('CREATE TABLE "thing" ("id" INTEGER PRIMARY KEY, "name" TEXT NOT NULL UNIQUE)')
    opened = []
    connect = db.get_connection

    async def counted():
        opened.append(await connect())
        return opened[-1]

    db.get_connection = counted
    db.opened = opened
    await db.start_connection_pool(max_size=2)
    yield db
    await db.close_connection_pool()


async def test_reads_reuse_one_connection(engine):
    for n in range(5):
        assert await engine.run_ddl(f"SELECT {n} AS n") == [{"n": n}]
    assert len(engine.opened) == 1


async def test_a_reused_connection_sees_every_later_commit(engine, tmp_path):
    assert await engine.run_ddl('SELECT count(*) AS n FROM "thing"') == [{"n": 0}]
    with sqlite3.connect(engine.path) as other:  # another process's write
        other.execute("INSERT INTO thing (name) VALUES ('written elsewhere')")
    assert await engine.run_ddl('SELECT name FROM "thing"') == [{"name": "written elsewhere"}]
    async with engine.transaction(transaction_type=TransactionType.immediate):  # a write transaction of its own
        await engine.run_ddl("INSERT INTO thing (name) VALUES ('in a transaction')")
    assert await engine.run_ddl('SELECT count(*) AS n FROM "thing"') == [{"n": 2}]
    assert len(engine.opened) == 2  # the pooled one, and the transaction's


async def test_a_failed_query_closes_its_connection(engine):
    await engine.run_ddl("INSERT INTO thing (name) VALUES ('once')")
    with pytest.raises(sqlite3.IntegrityError):
        await engine.run_ddl("INSERT INTO thing (name) VALUES ('once')")
    assert await engine.run_ddl('SELECT count(*) AS n FROM "thing"') == [{"n": 1}]
    assert len(engine.opened) == 2  # the failed one was not lent again


async def test_without_the_pool_each_query_opens_its_own(engine):
    await engine.close_connection_pool()
    await engine.run_ddl("SELECT 1")
    assert not engine.pooled and engine.opened == []  # Piccolo's own path: not through get_connection


async def test_another_database_file_gets_new_connections(engine, tmp_path):
    await engine.run_ddl("SELECT 1")
    engine.path = str(tmp_path / "other.sqlite3")
    assert await engine.run_ddl("SELECT count(*) AS n FROM sqlite_master") == [{"n": 0}]
    assert len(engine.opened) == 2
