"""The database session store (PostgreSQL deployments), tested on both engines, and the app's choice of store."""

from __future__ import annotations

from datetime import timedelta

import pytest
from litestar.stores.file import FileStore

from tests.conftest import ENGINE
from workbench.session_store import DatabaseSessionStore, purge_expired_sessions, session_store
from workbench.settings import load_settings
from workbench.tables import WebSession


@pytest.fixture
def store(db):
    return DatabaseSessionStore()


def test_set_get_replace_delete(store, run):
    assert run(store.get("a")) is None
    run(store.set("a", b"one", expires_in=3600))
    assert run(store.get("a")) == b"one"
    run(store.set("a", "two", expires_in=timedelta(hours=1)))  # an upsert: same key, new value
    assert run(store.get("a")) == b"two"
    assert run(store.exists("a"))
    assert 3590 <= run(store.expires_in("a")) <= 3600
    run(store.delete("a"))
    run(store.delete("a"))  # deleting what is gone is not an error
    assert run(store.get("a")) is None and not run(store.exists("a"))


def test_expired_sessions_are_not_read_and_are_purged(store, run):
    run(store.set("old", b"x", expires_in=-5))
    run(store.set("now", b"x", expires_in=0))
    run(store.set("live", b"y", expires_in=600))
    run(store.set("forever", b"z"))
    assert run(store.get("old")) is None and run(store.get("now")) is None and not run(store.exists("old"))
    assert run(store.expires_in("forever")) is None
    assert run(store.count()) == 2
    assert run(store.delete_expired()) == 2
    assert sorted(r["key"] for r in run(WebSession.select(WebSession.key))) == ["forever", "live"]


def test_get_renews_when_asked(store, run):
    run(store.set("k", b"v", expires_in=10))
    assert run(store.get("k", renew_for=3600)) == b"v"
    assert run(store.expires_in("k")) > 3000
    run(store.set("n", b"v"))
    assert run(store.get("n", renew_for=3600)) == b"v" and run(store.expires_in("n")) is None  # never expires stays so


def test_delete_all(store, run):
    for key in "abc":
        run(store.set(key, b"v", expires_in=60))
    run(store.delete_all())
    assert run(store.count()) == 0


def test_the_app_keeps_sessions_in_the_database_on_postgresql_and_in_files_on_sqlite(db):
    chosen = session_store(load_settings())
    assert isinstance(chosen, FileStore if ENGINE == "sqlite" else DatabaseSessionStore)


@pytest.mark.skipif(ENGINE != "postgres", reason="the database store is PostgreSQL's")
def test_sign_in_writes_one_row_that_a_second_app_reads_and_sign_out_removes(app, client, run):
    from litestar.testing import TestClient

    from workbench.app import create_app

    client.sign_in_as("manager")
    rows = run(WebSession.select(WebSession.key, WebSession.expires_at))
    assert len(rows) == 1
    cookie = client.http.cookies["workbench-session"]
    assert rows[0]["key"] == cookie
    # Another worker: a second app with its own store object sees the same session.
    with TestClient(create_app(load_settings()), base_url="http://testserver.local") as other:
        other.cookies.set("workbench-session", cookie)
        assert other.get("/api/me").json()["username"] == "manager"
    client.post_form("/logout", {}, follow_redirects=False)
    assert run(WebSession.count()) == 0


def test_purge_job_runs_on_either_store(db, run):
    run(DatabaseSessionStore().set("old", b"x", expires_in=-1))
    run(purge_expired_sessions(load_settings()))
    if ENGINE == "postgres":
        assert run(WebSession.count()) == 0


@pytest.mark.skipif(ENGINE != "postgres", reason="the database store is PostgreSQL's (test_login checks the files)")
def test_anonymous_requests_leave_no_session_rows(client, run):
    for _ in range(3):
        client.http.cookies.clear()
        client.get("/login")
        client.get("/static/css/app.css")
        client.get("/api/me")
    assert run(WebSession.count()) == 0
