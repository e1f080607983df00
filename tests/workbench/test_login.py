"""Signing in and out through the real app."""

import pytest


def test_every_page_needs_a_login(client):
    response = client.get("/cases", follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"] == "/login?next=/cases"


def test_api_without_login_is_401_json(client):
    response = client.get("/api/me")
    assert response.status_code == 401
    assert response.json()["detail"]


def test_sign_in_shows_dashboard_with_user_and_role(client):
    client.sign_in_as("investigator")
    page = client.get("/")
    assert page.status_code == 200
    assert "Isla Carter" in page.text
    assert "(Investigator)" in page.text


def test_wrong_password_gives_message_and_no_session(client):
    response = client.post_form("/login", {"username": "investigator", "password": "wrong-password-1"})
    assert response.status_code == 400
    assert "The username or password is not right" in response.text
    assert client.get("/api/me").status_code == 401


def test_unknown_user_gives_same_message(client):
    response = client.post_form("/login", {"username": "nobody", "password": "wrong-password-1"})
    assert response.status_code == 400
    assert "The username or password is not right" in response.text


def test_empty_form_names_each_missing_field(client):
    response = client.post_form("/login", {"username": "", "password": ""})
    assert response.status_code == 400
    assert "Enter your username" in response.text and "Enter your password" in response.text


def test_login_without_csrf_token_is_refused(client):
    client.get("/login")
    response = client.post("/login", data={"username": "investigator", "password": "workbench-demo"})
    assert response.status_code == 403


def test_sign_out_ends_the_session(client):
    client.sign_in_as("manager")
    assert client.get("/api/me").json()["username"] == "manager"
    response = client.post_form("/logout", {}, follow_redirects=False)
    assert response.status_code == 302
    assert client.get("/api/me").status_code == 401


def test_session_id_changes_at_login(client):
    """A session cookie planted before login must not become the logged-in session (fixation)."""
    client.get("/login")
    planted = "attacker-chosen-id-" + "x" * 40
    client.http.cookies.set("workbench-session", planted)
    response = client.sign_in_as("investigator")
    issued = response.cookies.get("workbench-session")
    assert issued and issued != planted
    # the planted id grants nothing
    with_planted = client.http.__class__(app=client.http.app, base_url="http://testserver.local")
    with_planted.cookies.set("workbench-session", planted)
    assert with_planted.get("/api/me").status_code == 401


def test_next_parameter_is_followed_only_for_local_paths(client):
    response = client.post_form(
        "/login", {"username": "investigator", "password": "workbench-demo", "next": "//evil.example/x"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_deactivated_user_loses_session(client, run):
    from workbench.tables import User

    client.sign_in_as("investigator")
    run(User.update({User.active: False}).where(User.username == "investigator"))
    assert client.get("/api/me").status_code == 401


@pytest.mark.parametrize("role", ["investigator", "compliance_officer", "report_writer", "manager", "administrator"])
def test_each_role_has_a_dashboard(client, role):
    client.sign_in_as(role)
    page = client.get("/")
    assert page.status_code == 200
    assert "Welcome," in page.text


def test_anonymous_requests_leave_no_session_files(client):
    from workbench.settings import load_settings

    sessions = load_settings().sessions_dir
    before = set(sessions.glob("*")) if sessions.exists() else set()
    for _ in range(3):
        client.http.cookies.clear()
        client.get("/login")
        client.get("/static/css/app.css")
    after = set(sessions.glob("*")) if sessions.exists() else set()
    assert after == before
