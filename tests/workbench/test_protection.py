"""Protections every request and response gets: CSRF, bearer tokens, security headers, allowed
hosts, errors in the house style without internals, session cookie flags and timeouts."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

CSRF_HEADER = "x-csrftoken"


def _user(run, username: str):
    from workbench.tables import User

    user = run(User.objects().where(User.username == username).first())
    assert user is not None
    return user


def _bearer(run, username: str) -> dict[str, str]:
    from workbench.accounts import create_token

    issued = run(create_token(_user(run, username)))
    return {"Authorization": f"Bearer {issued.token}"}


def _token_count(run) -> int:
    from workbench.tables import ApiToken

    return run(ApiToken.count())


# ---------------------------------------------------------------------------------------------
# CSRF


def test_logout_without_csrf_token_is_refused_and_session_survives(client):
    client.sign_in_as("investigator")
    response = client.post("/logout", follow_redirects=False)
    assert response.status_code == 403
    assert "govuk-template" in response.text  # a page for people, not JSON
    assert client.get("/api/me").status_code == 200


def test_logout_with_csrf_token_in_header_works(client):
    client.sign_in_as("investigator")
    response = client.post("/logout", headers={CSRF_HEADER: client.csrf_token()}, follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"] == "/login?signed_out=true"
    assert client.get("/api/me").status_code == 401


def test_api_post_with_session_but_no_csrf_token_is_refused(client, run):
    client.sign_in_as("manager")
    before = _token_count(run)
    response = client.post("/api/tokens", json={"name": "laptop"})
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["detail"]
    assert _token_count(run) == before


def test_api_post_with_a_wrong_csrf_token_is_refused(client, run):
    client.sign_in_as("manager")
    before = _token_count(run)
    response = client.post("/api/tokens", json={"name": "laptop"}, headers={CSRF_HEADER: "0" * 128})
    assert response.status_code == 403
    assert _token_count(run) == before


def test_api_post_with_session_and_csrf_header_works(client, run):
    client.sign_in_as("manager")
    before = _token_count(run)
    response = client.post_json("/api/tokens", {"name": "laptop"})
    assert response.status_code == 201, response.text
    assert response.json()["name"] == "laptop"
    assert _token_count(run) == before + 1


def test_bearer_token_needs_no_csrf_token(anonymous, run):
    headers = _bearer(run, "compliance")
    before = _token_count(run)
    response = anonymous.post("/api/tokens", json={"name": "script"}, headers=headers)
    assert response.status_code == 201, response.text
    assert response.json()["token"].startswith("wbk_")
    assert _token_count(run) == before + 1
    assert anonymous.get("/api/me", headers=headers).json()["username"] == "compliance"


@pytest.mark.parametrize("value", ["Bearer wbk_not-a-real-token", "Bearer nonsense", "Bearer "])
def test_invalid_bearer_token_is_401_json(anonymous, value):
    response = anonymous.get("/api/me", headers={"Authorization": value})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["detail"]


def test_invalid_bearer_token_does_not_fall_back_to_the_session(client):
    client.sign_in_as("manager")
    response = client.get("/api/me", headers={"Authorization": "Bearer wbk_forged"})
    assert response.status_code == 401


def test_revoked_token_no_longer_works(anonymous, run):
    from datetime import datetime, timezone

    from workbench.tables import ApiToken

    headers = _bearer(run, "reports")
    assert anonymous.get("/api/me", headers=headers).status_code == 200
    run(ApiToken.update({ApiToken.revoked_at: datetime.now(timezone.utc)}).where(ApiToken.id > 0))
    assert anonymous.get("/api/me", headers=headers).status_code == 401


# ---------------------------------------------------------------------------------------------
# Security headers


def _assert_security_headers(response, *, static: bool = False) -> None:
    csp = response.headers.get("content-security-policy")
    assert csp, f"no CSP on {response.url} ({response.status_code})"
    directives = {d.strip().split(" ", 1)[0]: d.strip() for d in csp.split(";") if d.strip()}
    assert "'unsafe-inline'" not in csp
    assert "'unsafe-eval'" not in csp
    assert directives.get("object-src") == "object-src 'none'"
    assert directives.get("frame-ancestors") == "frame-ancestors 'none'"
    assert directives.get("base-uri") == "base-uri 'none'"
    assert "default-src" in directives
    assert response.headers.get("x-frame-options") == "DENY"
    assert response.headers.get("x-content-type-options") == "nosniff"
    assert response.headers.get("referrer-policy") == "same-origin"
    if static:
        assert "no-store" not in response.headers.get("cache-control", "")
    else:
        assert "no-store" in response.headers.get("cache-control", "")


def test_security_headers_on_a_page(client):
    _assert_security_headers(client.get("/login"))
    client.sign_in_as("manager")
    page = client.get("/")
    assert page.status_code == 200
    _assert_security_headers(page)


def test_security_headers_on_api_responses(client):
    client.sign_in_as("manager")
    _assert_security_headers(client.get("/api/me"))


def test_security_headers_on_a_static_file_without_no_store(anonymous):
    response = anonymous.get("/static/css/app.css")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    _assert_security_headers(response, static=True)


def test_security_headers_on_unknown_route_error_pages(client):
    client.sign_in_as("manager")
    page = client.get("/no-such-page")
    assert page.status_code == 404
    _assert_security_headers(page)
    api = client.get("/api/nope")
    assert api.status_code == 404
    _assert_security_headers(api)


def test_security_headers_on_errors_raised_before_the_handler(client, anonymous):
    """401 from authentication and 403 from the CSRF check are raised in middleware."""
    unauthenticated = anonymous.get("/", headers={"HX-Request": "true"})
    assert unauthenticated.status_code == 401
    _assert_security_headers(unauthenticated)
    bad_token = anonymous.get("/api/me", headers={"Authorization": "Bearer wbk_nope"})
    assert bad_token.status_code == 401
    _assert_security_headers(bad_token)
    client.sign_in_as("manager")
    forged = client.post("/logout")
    assert forged.status_code == 403
    _assert_security_headers(forged)


def test_security_headers_on_a_server_error(client, monkeypatch):
    async def boom(*args, **kwargs):
        raise RuntimeError("kaboom")

    monkeypatch.setattr("workbench.routes.dashboard.stage_counts", boom)
    client.sign_in_as("manager")
    response = client.get("/")
    assert response.status_code == 500
    _assert_security_headers(response)


# ---------------------------------------------------------------------------------------------
# Hosts


@pytest.mark.parametrize("path", ["/login", "/api/me", "/static/css/app.css"])
def test_foreign_host_header_is_refused(anonymous, path):
    response = anonymous.get(path, headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert "evil.example" not in response.text


def test_allowed_host_with_a_port_is_accepted(anonymous):
    assert anonymous.get("/login", headers={"Host": "localhost:8000"}).status_code == 200
    assert anonymous.get("/login", headers={"Host": "evil.example:8000"}).status_code == 400


# ---------------------------------------------------------------------------------------------
# Errors in the house style


def test_unknown_route_is_a_house_style_404_page(client):
    client.sign_in_as("investigator")
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Page not found" in response.text
    assert "govuk-template" in response.text


def test_unknown_api_route_is_404_json(client):
    client.sign_in_as("investigator")
    response = client.get("/api/nope")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["status_code"] == 404
    assert body["detail"]


@pytest.mark.parametrize("body", [b'{"name": "laptop",', b"{not json}", b"name=laptop"])
def test_malformed_json_is_400_with_a_reason_and_creates_nothing(client, run, body):
    client.sign_in_as("manager")
    before = _token_count(run)
    response = client.post(
        "/api/tokens",
        content=body,
        headers={CSRF_HEADER: client.csrf_token(), "content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/json")
    detail = response.json()["detail"]
    # a reason from the parser, not just the status phrase
    assert isinstance(detail, str) and len(detail) > len("Bad Request")
    assert detail.lower() not in {"bad request", "validation failed"}
    assert _token_count(run) == before


def test_json_of_the_wrong_shape_is_400_naming_the_field(client, run):
    client.sign_in_as("manager")
    before = _token_count(run)
    response = client.post_json("/api/tokens", {"title": "laptop"})
    assert response.status_code == 400
    assert "name" in response.text
    assert _token_count(run) == before


def test_unexpected_exception_on_a_page_is_500_without_internals(client, monkeypatch):
    async def boom(*args, **kwargs):
        raise RuntimeError("secret-internal-detail-42")

    monkeypatch.setattr("workbench.routes.dashboard.stage_counts", boom)
    client.sign_in_as("manager")
    response = client.get("/")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert "govuk-template" in response.text
    assert "Traceback" not in response.text
    assert "secret-internal-detail-42" not in response.text
    assert "RuntimeError" not in response.text
    assert "incident" in response.text
    import re

    assert re.search(r"incident [0-9a-f]{8}", response.text)


def test_unexpected_exception_on_the_api_is_500_json(client, monkeypatch):
    async def boom(*args, **kwargs):
        raise RuntimeError("secret-internal-detail-42")

    # CaseApiController.list_cases calls the module-level name imported from investigations.queries.
    monkeypatch.setattr("investigations.api.list_cases", boom)
    client.sign_in_as("manager")
    response = client.get("/api/cases")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["status_code"] == 500
    assert "incident" in body["detail"]
    assert "secret-internal-detail-42" not in response.text
    assert "Traceback" not in response.text


def test_each_incident_has_its_own_id(client, monkeypatch):
    import re

    async def boom(*args, **kwargs):
        raise RuntimeError("x")

    monkeypatch.setattr("investigations.api.list_cases", boom)
    client.sign_in_as("manager")
    ids = {re.search(r"incident ([0-9a-f]{8})", client.get("/api/cases").json()["detail"]).group(1) for _ in range(3)}
    assert len(ids) == 3


# ---------------------------------------------------------------------------------------------
# Sessions


def _session_set_cookie(response) -> str:
    cookies = [v for k, v in response.headers.multi_items() if k.lower() == "set-cookie"]
    matching = [c for c in cookies if c.startswith("workbench-session=") and not c.startswith("workbench-session=null")]
    assert matching, cookies
    return matching[-1]


def test_session_cookie_is_httponly_and_samesite_lax(client):
    response = client.sign_in_as("investigator")
    cookie = _session_set_cookie(response)
    attributes = {part.strip().split("=", 1)[0].lower(): part.strip() for part in cookie.split(";")[1:]}
    assert "httponly" in attributes
    assert attributes.get("samesite", "").lower() == "samesite=lax"
    assert attributes.get("path") == "Path=/"


def test_htmx_request_without_session_gets_401_with_hx_redirect(anonymous):
    response = anonymous.get("/cases", headers={"HX-Request": "true"}, follow_redirects=False)
    assert response.status_code == 401
    assert response.headers.get("hx-redirect") == "/login"


def test_plain_browser_request_without_session_is_redirected_not_hx(anonymous):
    response = anonymous.get("/cases", follow_redirects=False)
    assert response.status_code == 302
    assert "hx-redirect" not in response.headers


def _clock(monkeypatch, offset_seconds: float) -> None:
    """Move the clock the authentication middleware sees (only there)."""
    real = time.time
    monkeypatch.setattr("workbench.auth.time", SimpleNamespace(time=lambda: real() + offset_seconds))


def test_session_expires_after_30_idle_minutes(client, monkeypatch):
    client.sign_in_as("investigator")
    assert client.get("/api/me").status_code == 200
    _clock(monkeypatch, 31 * 60)
    response = client.get("/api/me")
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]
    # the session is gone for good: going back to the present does not revive it
    monkeypatch.undo()
    assert client.get("/api/me").status_code == 401


def test_session_of_a_disabled_account_is_destroyed_not_just_refused(client, run):
    """Re-enabling an account (say after a password reset) must not revive sessions from before."""
    from workbench.tables import User

    client.sign_in_as("investigator")
    run(User.update({User.active: False}).where(User.username == "investigator"))
    assert client.get("/api/me").status_code == 401
    run(User.update({User.active: True}).where(User.username == "investigator"))
    assert client.get("/api/me").status_code == 401


def test_activity_keeps_the_session_alive(client, monkeypatch):
    client.sign_in_as("investigator")
    _clock(monkeypatch, 29 * 60)
    assert client.get("/api/me").status_code == 200
    _clock(monkeypatch, 58 * 60)  # 58 minutes after sign-in, but only 29 since the last request
    assert client.get("/api/me").status_code == 200


def test_session_ends_after_the_absolute_limit_despite_activity(client, monkeypatch):
    client.sign_in_as("investigator")
    hours = 0
    for minutes in range(25, 12 * 60 + 60, 25):  # a request every 25 minutes for 13 hours
        _clock(monkeypatch, minutes * 60)
        hours = minutes / 60
        if client.get("/api/me").status_code == 401:
            break
    assert 12 <= hours <= 12.5
