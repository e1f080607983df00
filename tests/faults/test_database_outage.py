"""The database becomes unreachable under a running server, then comes back.

Pages answer a GOV.UK-style 503 page that says the case system cannot reach its database (no stack
trace), the JSON API a 503 with that reason, /healthz 503; when the database returns, the same
server answers normally again, sessions and all, without a restart.

PostgreSQL: the server reaches the database through a TCP proxy the test controls; cutting it
drops every pooled connection and refuses new ones. SQLite: the database file is moved aside (a
folder takes its place, so it cannot be opened) and, separately, held locked past the busy timeout.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from investigations.tables import Subcategory
from tests.conftest import DEMO_PASSWORD, ENGINE
from tests.faults.conftest import free_port
from workbench.accounts import create_token
from workbench.tables import User

REASON = "cannot reach its database"


class TcpProxy:
    """127.0.0.1:port -> target, in a thread of its own; ``cut`` closes the port and every connection."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self.server: asyncio.AbstractServer | None = None
        self.transports: set[asyncio.StreamWriter] = set()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()

    def _call(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=10)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self.transports |= {writer, upstream_writer}
        await asyncio.gather(self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer))

    async def _listen(self) -> None:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", self.port)

    async def _cut(self) -> None:
        self.server.close()
        await self.server.wait_closed()
        for writer in self.transports:
            writer.transport.abort()
        self.transports.clear()

    def open(self) -> None:
        self._call(self._listen())

    def cut(self) -> None:
        self._call(self._cut())

    def close(self) -> None:
        if self.server is not None and self.server.is_serving():
            self.cut()
        self.loop.call_soon_threadsafe(self.loop.stop)


def _sign_in(base: str) -> httpx.Client:
    """A browser-like client with a session (cookies), signed in as the investigator."""
    browser = httpx.Client(base_url=base, timeout=30)
    browser.get("/login")
    response = browser.post("/login", data={"username": "investigator", "password": DEMO_PASSWORD,
                                            "_csrf_token": browser.cookies["workbench-csrf"]})
    assert response.status_code in (302, 303), response.text[:300]
    return browser


def _new_case(subcategory: int) -> dict:
    return {"complainant_family_name": "Outage", "bodies": ["Hampshire County Council"], "subcategory": subcategory,
            "summary": "Written while the database was away.", "outcome_wanted": "An apology."}


def _assert_unavailable_everywhere(base: str, browser: httpx.Client, api: httpx.Client, subcategory: int) -> None:
    health = httpx.get(base + "/healthz", timeout=30)
    assert health.status_code == 503 and health.json()["status"] == "unavailable"
    assert REASON in health.json()["detail"]

    for path in ("/", "/cases"):
        page = browser.get(path)
        assert page.status_code == 503, (path, page.status_code, page.text[:300])
        assert page.headers["content-type"].startswith("text/html") and page.headers["retry-after"]
        assert f'class="govuk-heading-l">Sorry, the case system {REASON}' in page.text
        assert "Traceback" not in page.text and "asyncpg" not in page.text and "sqlite3" not in page.text

    listed = api.get("/api/cases")
    assert listed.status_code == 503 and REASON in listed.json()["detail"], listed.text
    created = api.post("/api/cases", json=_new_case(subcategory))
    assert created.status_code == 503 and REASON in created.json()["detail"], created.text
    assert "Traceback" not in listed.text + created.text


def _assert_working(base: str, browser: httpx.Client, api: httpx.Client, subcategory: int) -> None:
    assert httpx.get(base + "/healthz", timeout=30).json() == {"status": "ok"}
    page = browser.get("/")
    assert page.status_code == 200 and 'data-testid="current-user"' in page.text  # still signed in
    assert api.get("/api/cases").status_code == 200
    assert api.post("/api/cases", json=_new_case(subcategory)).status_code == 201


def _wait_until_healthy(base: str, seconds: float = 15) -> float:
    started = time.monotonic()
    while httpx.get(base + "/healthz", timeout=30).status_code != 200:
        assert time.monotonic() - started < seconds, "the server did not recover"
        time.sleep(0.1)
    return time.monotonic() - started


@pytest.fixture
def api_token(run) -> tuple[str, int]:
    user = run(User.objects().where(User.username == "investigator").first())
    subcategory = run(Subcategory.select(Subcategory.id).where(Subcategory.slug == "adult-care-services/charging").first())
    return run(create_token(user, "outage test")).token, subcategory["id"]


@pytest.mark.skipif(ENGINE != "postgres", reason="the connection is cut on PostgreSQL; SQLite has its own tests below")
def test_postgres_unreachable_is_a_clear_503_and_the_server_recovers_without_a_restart(server, api_token):
    token, subcategory = api_token
    url = urlsplit(server.env["WORKBENCH_DATABASE_URL"])
    proxy = TcpProxy(url.hostname, url.port or 5432)
    try:
        proxy.open()
        netloc = (f"{url.username}@" if url.username else "") + f"127.0.0.1:{proxy.port}"
        server.env = {**server.env, "WORKBENCH_DATABASE_URL": urlunsplit(url._replace(netloc=netloc))}
        base = server.start()
        browser = _sign_in(base)
        api = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        _assert_working(base, browser, api, subcategory)

        proxy.cut()
        _assert_unavailable_everywhere(base, browser, api, subcategory)
        assert server.process.poll() is None  # still running
        assert "Unhandled error" not in server.log() and "Database unreachable (incident" in server.log()

        proxy.open()
        _wait_until_healthy(base)
        _assert_working(base, browser, api, subcategory)
    finally:
        proxy.close()


@pytest.fixture
def sqlite_file(db) -> Path:
    if ENGINE != "sqlite":
        pytest.skip("the database file is SQLite's; PostgreSQL has its own test above")
    return Path(db.path)


def test_sqlite_file_that_cannot_be_opened_is_a_clear_503_and_the_server_recovers(server, api_token, sqlite_file):
    """Without reused connections (WORKBENCH_DB_POOL=off), so every query opens the file. (With them,
    connections already open go on reading the old file until it returns; new ones fail as here.)"""
    token, subcategory = api_token
    server.env = {**server.env, "WORKBENCH_DB_POOL": "off"}
    base = server.start()
    browser = _sign_in(base)
    api = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    _assert_working(base, browser, api, subcategory)

    aside = sqlite_file.with_name(sqlite_file.name + ".aside")
    os.rename(sqlite_file, aside)
    sqlite_file.mkdir()  # a folder where the file was: opening it fails (a missing file would be created empty)
    try:
        _assert_unavailable_everywhere(base, browser, api, subcategory)
    finally:
        sqlite_file.rmdir()
        os.rename(aside, sqlite_file)
    _wait_until_healthy(base)
    _assert_working(base, browser, api, subcategory)


def test_sqlite_locked_past_the_busy_timeout_is_a_clear_503(server, api_token, sqlite_file):
    """Another process holds the write lock (a long backup, a stuck script): reads go on, a write waits
    out SQLite's busy timeout (15 s) and is then refused with the reason, and works once the lock goes."""
    token, subcategory = api_token
    base = server.start()
    api = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60)
    holder = sqlite3.connect(sqlite_file, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        assert api.get("/api/cases").status_code == 200  # WAL: readers are not blocked by a writer
        started = time.monotonic()
        created = api.post("/api/cases", json=_new_case(subcategory))
        assert created.status_code == 503 and REASON in created.json()["detail"], created.text
        assert time.monotonic() - started >= 10  # it waited for the lock before giving up
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert api.post("/api/cases", json=_new_case(subcategory)).status_code == 201


def _raised_from(cause: BaseException) -> BaseException:
    try:
        try:
            raise cause
        except BaseException as inner:
            raise RuntimeError("while running a query") from inner
    except RuntimeError as outer:
        return outer


@pytest.mark.parametrize("error, unreachable", [
    (ConnectionRefusedError(111, "Connect call failed"), True),
    (_raised_from(ConnectionResetError(104, "Connection reset by peer")), True),
    (sqlite3.OperationalError("database is locked"), True),
    (sqlite3.OperationalError("unable to open database file"), True),
    (sqlite3.OperationalError("no such column: nonsense"), False),  # a bug, not an outage: stays a 500
    (sqlite3.IntegrityError("UNIQUE constraint failed: investigations_case.reference"), False),
    (ValueError("connection"), False),
])
def test_which_errors_mean_the_database_cannot_be_reached(error, unreachable):
    from workbench.errors import is_database_unreachable

    assert is_database_unreachable(error) is unreachable


def test_postgres_errors_by_sqlstate():
    import asyncpg

    from workbench.errors import is_database_unreachable

    assert is_database_unreachable(asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"))
    assert is_database_unreachable(asyncpg.exceptions.AdminShutdownError("terminating connection"))
    assert is_database_unreachable(asyncpg.exceptions.TooManyConnectionsError("too many clients"))
    assert is_database_unreachable(asyncpg.exceptions.InterfaceError("cannot perform operation: connection is closed"))
    assert not is_database_unreachable(asyncpg.exceptions.UniqueViolationError("duplicate key"))
    assert not is_database_unreachable(asyncpg.exceptions.UndefinedColumnError("column does not exist"))
