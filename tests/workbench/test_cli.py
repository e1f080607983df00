"""The ``workbench`` command, run in-process: creating users and issuing tokens."""

from __future__ import annotations

import io

import pytest

from workbench.cli import main

pytestmark = pytest.mark.usefixtures("db")

GOOD_PASSWORD = "river-lantern-4812"


def _stdin(monkeypatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


def _user(run, username: str):
    from workbench.tables import User

    return run(User.objects().where(User.username == username).first())


def _createuser(monkeypatch, username: str, role: str, password: str = GOOD_PASSWORD, *extra: str) -> None:
    _stdin(monkeypatch, password + "\n")
    main(["createuser", username, "--role", role, "--password-stdin", *extra])


def test_createuser_reads_the_password_from_stdin_and_the_user_can_sign_in(client, monkeypatch, capsys, run):
    _createuser(monkeypatch, "alice", "compliance officer", GOOD_PASSWORD, "--full-name", "Alice Moreno")
    assert capsys.readouterr().out.strip() == "Created alice (Compliance officer)."

    user = _user(run, "alice")
    assert user is not None
    assert user.role == "compliance_officer"
    assert user.full_name == "Alice Moreno"
    assert user.active
    assert GOOD_PASSWORD not in user.password_hash  # stored as a hash

    client.sign_in("alice", GOOD_PASSWORD)
    me = client.get("/api/me").json()
    assert me["username"] == "alice" and me["role_label"] == "Compliance officer"


def test_createuser_records_an_audit_event(monkeypatch, run):
    from workbench.tables import AuditEvent

    _createuser(monkeypatch, "alice", "investigator")
    events = run(AuditEvent.select().where(AuditEvent.action == "user.created").order_by(AuditEvent.sequence))
    assert events[-1]["summary"] == "Created alice as Investigator"


def test_wrong_password_for_a_new_user_is_refused(monkeypatch, client):
    _createuser(monkeypatch, "alice", "investigator")
    response = client.post_form("/login", {"username": "alice", "password": "river-lantern-0000"})
    assert response.status_code == 400


@pytest.mark.parametrize("spelling", ["compliance_officer", "Compliance-Officer", "  compliance officer "])
def test_role_spellings_are_accepted(monkeypatch, run, spelling):
    _createuser(monkeypatch, "alice", spelling)
    assert _user(run, "alice").role == "compliance_officer"


def test_username_is_normalised_to_lower_case(monkeypatch, run):
    _createuser(monkeypatch, "Alice", "manager")
    assert _user(run, "alice").role == "manager"


def test_too_short_password_is_refused_with_a_clear_message(monkeypatch, run):
    with pytest.raises(SystemExit) as exit_info:
        _createuser(monkeypatch, "alice", "investigator", "short-1")
    message = str(exit_info.value.code)
    assert message.startswith("workbench: ")
    assert "at least 12 characters" in message
    assert _user(run, "alice") is None


def test_password_containing_the_username_is_refused(monkeypatch, run):
    with pytest.raises(SystemExit) as exit_info:
        _createuser(monkeypatch, "alice", "investigator", "alice-in-wonderland-9")
    assert "must not contain the username" in str(exit_info.value.code)
    assert _user(run, "alice") is None


def test_empty_stdin_is_refused(monkeypatch, run):
    with pytest.raises(SystemExit) as exit_info:
        _createuser(monkeypatch, "alice", "investigator", "")
    assert "at least 12 characters" in str(exit_info.value.code)
    assert _user(run, "alice") is None


def test_unknown_role_is_refused_listing_the_roles(monkeypatch, run):
    with pytest.raises(SystemExit) as exit_info:
        _createuser(monkeypatch, "alice", "superuser")
    message = str(exit_info.value.code)
    assert "superuser" in message
    for role in ("investigator", "compliance_officer", "report_writer", "manager", "administrator"):
        assert role in message
    assert _user(run, "alice") is None


def test_existing_username_is_refused(monkeypatch, run):
    with pytest.raises(SystemExit) as exit_info:
        _createuser(monkeypatch, "manager", "administrator")
    assert "already exists" in str(exit_info.value.code)
    assert _user(run, "manager").role == "manager"  # unchanged


def test_invalid_username_is_refused(monkeypatch, run):
    from workbench.tables import User

    before = run(User.count())
    with pytest.raises(SystemExit) as exit_info:
        _createuser(monkeypatch, "bad name!", "investigator")
    assert "Username" in str(exit_info.value.code)
    assert run(User.count()) == before


def test_createuser_without_a_role_is_a_usage_error(monkeypatch, capsys):
    _stdin(monkeypatch, GOOD_PASSWORD + "\n")
    with pytest.raises(SystemExit) as exit_info:
        main(["createuser", "alice", "--password-stdin"])
    assert exit_info.value.code == 2
    assert "--role" in capsys.readouterr().err


def test_token_create_prints_a_token_that_works_as_bearer(anonymous, monkeypatch, capsys, run):
    from workbench.tables import ApiToken

    _createuser(monkeypatch, "alice", "compliance officer")
    capsys.readouterr()
    main(["token", "create", "alice", "--name", "nightly export"])
    token = capsys.readouterr().out.strip()
    assert token.startswith("wbk_") and "\n" not in token

    response = anonymous.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json()["username"] == "alice"
    assert [r["name"] for r in run(ApiToken.select(ApiToken.name))] == ["nightly export"]


def test_each_token_is_different(capsys):
    main(["token", "create", "reports"])
    main(["token", "create", "reports"])
    first, second = capsys.readouterr().out.split()
    assert first != second


def test_token_for_unknown_user_is_refused(run):
    from workbench.tables import ApiToken

    with pytest.raises(SystemExit) as exit_info:
        main(["token", "create", "nobody"])
    assert "No active user 'nobody'" in str(exit_info.value.code)
    assert run(ApiToken.count()) == 0


def test_token_for_a_deactivated_user_is_refused(run):
    from workbench.tables import ApiToken, User

    run(User.update({User.active: False}).where(User.username == "jpatel"))
    with pytest.raises(SystemExit) as exit_info:
        main(["token", "create", "jpatel"])
    assert "No active user" in str(exit_info.value.code)
    assert run(ApiToken.count()) == 0
