"""Login throttling through the real app: per account, per address, across workers, audited;
and bad API tokens per address."""

from __future__ import annotations

from datetime import timedelta

import pytest

from workbench import login_throttle
from workbench.login_throttle import ACCOUNT_LIMIT, ADDRESS_LIMIT, TOKEN_ADDRESS_LIMIT

pytestmark = pytest.mark.usefixtures("db")

WRONG = "not-the-password-1"
LOCKED = "Too many failed sign-in attempts"


def _attempt(client, username: str, password: str = WRONG):
    return client.post_form("/login", {"username": username, "password": password}, follow_redirects=False)


def _fail(client, username: str, times: int) -> None:
    for _ in range(times):
        assert _attempt(client, username).status_code == 400


def _events(run, action: str):
    from workbench.tables import AuditEvent

    return run(AuditEvent.select().where(AuditEvent.action == action).order_by(AuditEvent.sequence))


def _shift_clock(monkeypatch, minutes: float) -> None:
    real = login_throttle._now
    monkeypatch.setattr(login_throttle, "_now", lambda: real() + timedelta(minutes=minutes))


def test_an_account_is_locked_after_five_failures_even_for_the_right_password(client, run, monkeypatch):
    _fail(client, "investigator", ACCOUNT_LIMIT)
    checked = []
    monkeypatch.setattr("workbench.routes.login._check_credentials", lambda *a: checked.append(a))
    response = _attempt(client, "investigator", "workbench-demo")
    assert response.status_code == 429
    assert LOCKED in response.text and "Wait 15 minutes" in response.text
    assert 'name="username"' in response.text  # the form again, with the username kept
    assert checked == []  # no password is even checked while locked
    assert client.get("/api/me").status_code == 401


def test_a_locked_attempt_is_audited(client, run):
    _fail(client, "Compliance", ACCOUNT_LIMIT)
    _attempt(client, "compliance", "workbench-demo")
    events = _events(run, "login.throttled")
    assert len(events) == 1
    assert events[0]["record_id"] == "compliance" and events[0]["ip"]
    assert "too many failures for this account" in events[0]["summary"]
    assert "workbench-demo" not in str(events[0])
    assert len(_events(run, "login.failed")) == ACCOUNT_LIMIT  # the refused attempt is not a failure too


def test_an_unknown_account_locks_exactly_like_a_real_one(client):
    """The refusal must not tell an attacker which usernames exist."""
    _fail(client, "investigator", ACCOUNT_LIMIT)
    _fail(client, "no-such-person", ACCOUNT_LIMIT)
    real = _attempt(client, "investigator")
    unknown = _attempt(client, "no-such-person")
    assert real.status_code == unknown.status_code == 429
    assert real.text.replace("investigator", "NAME") == unknown.text.replace("no-such-person", "NAME")


def test_other_accounts_from_the_same_address_still_sign_in(client, anonymous):
    _fail(client, "investigator", ACCOUNT_LIMIT)
    anonymous.sign_in_as("manager")
    assert anonymous.get("/api/me").json()["username"] == "manager"


def test_a_success_clears_the_accounts_count(client, anonymous):
    _fail(client, "manager", ACCOUNT_LIMIT - 1)
    client.sign_in_as("manager")
    _fail(anonymous, "manager", ACCOUNT_LIMIT - 1)  # 8 failures in all, but only 4 since the success
    anonymous.sign_in_as("manager")


def test_the_lock_lifts_when_the_failures_are_older_than_the_window(client, monkeypatch):
    _fail(client, "reports", ACCOUNT_LIMIT)
    _shift_clock(monkeypatch, 10)
    response = _attempt(client, "reports", "workbench-demo")
    assert response.status_code == 429 and "Wait 5 minutes" in response.text
    _shift_clock(monkeypatch, 16)
    client.sign_in_as("report_writer")


def test_an_address_is_locked_after_many_failures_across_accounts(client, run):
    for n in range(ADDRESS_LIMIT):
        assert _attempt(client, f"guess-{n // ACCOUNT_LIMIT}-{n}").status_code == 400  # never 5 for one name
    response = _attempt(client, "admin", "workbench-demo")
    assert response.status_code == 429 and LOCKED in response.text
    assert "too many failures for this address" in _events(run, "login.throttled")[-1]["summary"]


def test_the_address_count_is_per_address(run):
    for _ in range(ADDRESS_LIMIT):
        run(login_throttle.record_failure(login_throttle.PASSWORD, "someone", "10.0.0.1"))
    assert run(login_throttle.sign_in_refusal("someone-else", "10.0.0.1")).scope == "address"
    assert run(login_throttle.sign_in_refusal("someone-else", "10.0.0.2")) is None


def test_empty_forms_are_not_failures(client):
    for _ in range(ACCOUNT_LIMIT + 1):
        client.post_form("/login", {"username": "investigator", "password": ""})
    client.sign_in_as("investigator")


def test_failures_are_counted_across_workers(db):
    """Two app instances (two workers) share the count: it lives in the database."""
    from litestar.testing import TestClient

    from tests.conftest import WebClient
    from workbench.app import create_app
    from workbench.settings import load_settings

    with TestClient(create_app(load_settings()), base_url="http://testserver.local") as first, \
            TestClient(create_app(load_settings()), base_url="http://testserver.local") as second:
        first, second = WebClient(first), WebClient(second)
        _fail(first, "investigator", 3)
        _fail(second, "investigator", ACCOUNT_LIMIT - 3)
        assert _attempt(first, "investigator", "workbench-demo").status_code == 429


def test_old_failures_are_forgotten(run, monkeypatch):
    from workbench.tables import SignInFailure

    run(login_throttle.record_failure(login_throttle.PASSWORD, "someone", "10.0.0.1"))
    _shift_clock(monkeypatch, 20)
    run(login_throttle.record_failure(login_throttle.PASSWORD, "someone", "10.0.0.1"))
    assert run(SignInFailure.count()) == 1


# ---------------------------------------------------------------------------------------------
# API tokens


def _token(run, username: str = "compliance") -> str:
    from workbench.accounts import create_token
    from workbench.tables import User

    user = run(User.objects().where(User.username == username).first())
    return run(create_token(user)).token


def test_an_address_sending_bad_tokens_is_refused_for_a_while(anonymous, run, monkeypatch):
    good = {"Authorization": f"Bearer {_token(run)}"}
    assert anonymous.get("/api/me", headers=good).status_code == 200
    for n in range(TOKEN_ADDRESS_LIMIT):
        assert anonymous.get("/api/me", headers={"Authorization": f"Bearer wbk_guess{n}"}).status_code == 401
    refused = anonymous.get("/api/me", headers={"Authorization": "Bearer wbk_one_more_guess"})
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/json")
    assert "Too many requests with a bad API token" in refused.json()["detail"]
    assert 0 < int(refused.headers["retry-after"]) <= 15 * 60 + 1
    assert _events(run, "token.throttled")[-1]["ip"]
    # A good token still works from that address (tokens cannot be guessed; a shared address stays usable).
    assert anonymous.get("/api/me", headers=good).status_code == 200
    _shift_clock(monkeypatch, 16)
    assert anonymous.get("/api/me", headers={"Authorization": "Bearer wbk_later"}).status_code == 401


def test_good_tokens_and_sessions_are_not_counted(client, anonymous, run):
    from workbench.tables import SignInFailure

    good = {"Authorization": f"Bearer {_token(run)}"}
    for _ in range(TOKEN_ADDRESS_LIMIT + 1):
        assert anonymous.get("/api/me", headers=good).status_code == 200
    client.sign_in_as("manager")
    assert run(SignInFailure.count()) == 0
