"""A session is written back only when a request changed it (workbench.sessions), not after every request."""

from __future__ import annotations

import time
from types import SimpleNamespace

from workbench.sessions import RotatingSessionBackend


def _count_writes(monkeypatch) -> list[str]:
    writes: list[str] = []
    real = RotatingSessionBackend.set

    async def counted(self, session_id, data, store):
        writes.append(session_id)
        return await real(self, session_id, data, store)

    monkeypatch.setattr(RotatingSessionBackend, "set", counted)
    return writes


def _session_cookies(response) -> list[str]:
    return [c for c in response.headers.get_list("set-cookie") if c.startswith("workbench-session=")]


def test_reading_pages_does_not_rewrite_the_session(client, monkeypatch):
    writes = _count_writes(monkeypatch)
    client.sign_in_as("investigator")
    assert len(writes) == 1
    for url in ("/", "/cases", "/api/me"):
        response = client.get(url)
        assert response.status_code == 200 and not _session_cookies(response)
    assert len(writes) == 1


def test_a_touched_session_is_written_once_and_keeps_its_id(client, monkeypatch):
    writes = _count_writes(monkeypatch)
    client.sign_in_as("investigator")
    session_id = client.cookies["workbench-session"]
    real = time.time
    monkeypatch.setattr("workbench.auth.time", SimpleNamespace(time=lambda: real() + 120))  # past the minute's touch
    touched = client.get("/api/me")
    assert touched.status_code == 200 and _session_cookies(touched)
    assert client.get("/api/me").status_code == 200
    assert writes == [session_id, session_id]


def test_signing_in_again_still_rotates_the_id(client, monkeypatch):
    client.sign_in_as("investigator")
    first = client.cookies["workbench-session"]
    client.get("/")
    client.sign_in_as("manager")
    assert client.cookies["workbench-session"] != first
    assert client.get("/api/me").json()["username"] == "manager"
