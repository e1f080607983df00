"""Test set-up shared by every suite.

The suite runs once per engine (WORKBENCH_TEST_ENGINE=sqlite|postgres). The environment is set
before any application module is imported, because settings and the Piccolo engine are read once.

- SQLite: the real migrations run once into a template file; each test gets its own copy (~1 ms).
- PostgreSQL: the run creates its own database, migrates it once, empties the case tables before
  each test, and drops the database at the end.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest

ENGINE = os.environ.get("WORKBENCH_TEST_ENGINE", "sqlite")
PG_ADMIN_URL = os.environ.get("WORKBENCH_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
RUN_DIR = Path(tempfile.mkdtemp(prefix="workbench-tests-"))
PG_DATABASE = f"workbench_test_{uuid.uuid4().hex[:10]}"

os.environ.update(
    {
        "WORKBENCH_SECRET_KEY": secrets.token_urlsafe(48),
        "WORKBENCH_DATA_DIR": str(RUN_DIR / "data"),
        "WORKBENCH_SCHEDULER": "off",
        "WORKBENCH_WARM_SIMILARITY_INDEX": "off",  # each test's database differs: built when first asked
        "WORKBENCH_COOKIE_SECURE": "off",
        "WORKBENCH_DB_POOL": "off",  # the test client runs the app on its own event loop
        "WORKBENCH_ALLOWED_HOSTS": "testserver,testserver.local,127.0.0.1,localhost",
        "WORKBENCH_DEMO": "off",
    }
)
if ENGINE == "postgres":
    os.environ["WORKBENCH_DATABASE_URL"] = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + PG_DATABASE
else:
    os.environ["WORKBENCH_DATABASE_URL"] = f"sqlite:///{RUN_DIR / 'template.sqlite3'}"

import workbench  # noqa: E402,F401  (PICCOLO_CONF)
from argon2 import PasswordHasher  # noqa: E402

from workbench import passwords  # noqa: E402

# Production cost is ~0.2 s a hash; the suite signs in hundreds of times.
passwords.use_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))

# Tables whose rows tests create; emptied between tests on PostgreSQL (order respects foreign keys).
CASE_DATA_TABLES = [
    "workbench_audit_event",
    "workbench_api_token",
    "workbench_sign_in_failure",
    "workbench_session",
    "investigations_case_body",
    "investigations_case",
    "investigations_person",
    "investigations_reference_counter",
    "investigations_body_contact",
    "remedies_office_holiday",
    "systemic_issue",
    "systemic_scan_run",
]


async def _create_pg_database() -> None:
    import asyncpg

    connection = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await connection.execute(f'CREATE DATABASE "{PG_DATABASE}"')
    finally:
        await connection.close()


async def _drop_pg_database() -> None:
    import asyncpg

    connection = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
    finally:
        await connection.close()


async def _prepare_database() -> None:
    from investigations.demo import ensure_demo_staff
    from workbench.cli import migrate_database

    await migrate_database()
    await ensure_demo_staff()


@pytest.fixture(scope="session")
def migrated_database():
    """Migrate once per run: a template file on SQLite, the run's own database on PostgreSQL."""
    if ENGINE == "postgres":
        asyncio.run(_create_pg_database())
    asyncio.run(_prepare_database())
    from piccolo.engine import engine_finder

    db = engine_finder()
    yield db
    if ENGINE == "postgres":
        asyncio.run(_drop_pg_database())
    shutil.rmtree(RUN_DIR, ignore_errors=True)


async def _empty_case_tables() -> None:
    from piccolo.engine import engine_finder

    from investigations.demo import DEMO_STAFF

    db = engine_finder()
    await db.run_ddl(f"TRUNCATE {', '.join(CASE_DATA_TABLES)} RESTART IDENTITY CASCADE")
    names = ", ".join(f"'{u}'" for u, *_ in DEMO_STAFF)
    await db.run_ddl(f"DELETE FROM workbench_user WHERE username NOT IN ({names})")
    await db.run_ddl("UPDATE workbench_user SET active = true, last_login_at = NULL")


@pytest.fixture
def db(migrated_database, tmp_path):
    """A database of the test's own: a copy of the template on SQLite, emptied case tables on PostgreSQL."""
    from systemic.matching import forget_matcher

    forget_matcher()  # the similar-cases index describes one database: never carry it into the next test
    if ENGINE == "postgres":
        asyncio.run(_empty_case_tables())
        yield migrated_database
        return
    template = migrated_database.path
    migrated_database.path = str(tmp_path / "test.sqlite3")
    shutil.copyfile(template, migrated_database.path)
    yield migrated_database
    migrated_database.path = template


async def _awaited(awaitable):
    return await awaitable


def run_async(awaitable):
    """Await a coroutine or a Piccolo query from synchronous code."""
    return asyncio.run(_awaited(awaitable))


@pytest.fixture
def run():
    """Run a coroutine or query from a synchronous test (set-up and checks straight against the database)."""
    return run_async


# ---------------------------------------------------------------------------------------------
# Driving the real app over HTTP.

CSRF_COOKIE = "workbench-csrf"
DEMO_PASSWORD = "workbench-demo"

# One demo login per role (created in the template database by ensure_demo_staff).
USERS_BY_ROLE = {
    "investigator": "investigator",
    "compliance_officer": "compliance",
    "report_writer": "reports",
    "manager": "manager",
    "administrator": "admin",
}


class WebClient:
    """A thin wrapper over Litestar's TestClient that knows how to sign in and send the CSRF token."""

    def __init__(self, client) -> None:
        self.http = client

    def __getattr__(self, name):
        return getattr(self.http, name)

    def csrf_token(self) -> str:
        if CSRF_COOKIE not in self.http.cookies:
            self.http.get("/login")
        return self.http.cookies[CSRF_COOKIE]

    def post_form(self, url: str, data: dict, **kwargs):
        return self.http.post(url, data={**data, "_csrf_token": self.csrf_token()}, **kwargs)

    def post_json(self, url: str, json, **kwargs):
        headers = {"x-csrftoken": self.csrf_token(), **kwargs.pop("headers", {})}
        return self.http.post(url, json=json, headers=headers, **kwargs)

    def sign_in(self, username: str, password: str = DEMO_PASSWORD):
        response = self.post_form("/login", {"username": username, "password": password}, follow_redirects=False)
        assert response.status_code == 302, response.text
        return response

    def sign_in_as(self, role: str):
        return self.sign_in(USERS_BY_ROLE[role])


@pytest.fixture
def app(db):
    from workbench.app import create_app
    from workbench.settings import load_settings

    return create_app(load_settings())


@pytest.fixture
def client(app):
    from litestar.testing import TestClient

    with TestClient(app, base_url="http://testserver.local") as test_client:
        yield WebClient(test_client)


@pytest.fixture
def anonymous(app):
    """A second, independent browser (no shared cookies)."""
    from litestar.testing import TestClient

    with TestClient(app, base_url="http://testserver.local") as test_client:
        yield WebClient(test_client)
