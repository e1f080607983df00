"""The audit log: events from sign-in, the hash chain, tamper detection, and who may read it."""

from __future__ import annotations

import re

import pytest

# Every test gets its own database, including those that only talk to it through ``run``.
pytestmark = pytest.mark.usefixtures("db")


def _events(run, **where):
    from workbench.tables import AuditEvent

    query = AuditEvent.select().order_by(AuditEvent.sequence)
    for name, value in where.items():
        query = query.where(getattr(AuditEvent, name) == value)
    return run(query)


def _verify(run):
    from workbench.audit import verify_chain

    return run(verify_chain())


def _add_events(run, count: int) -> list[int]:
    """Append ``count`` events through the real service; returns their sequence numbers."""
    from workbench.audit import record_event

    sequences = []
    for i in range(count):
        event = run(record_event(None, "test.event", "case", f"R{i}", summary=f"event {i}", changes={"after": {"n": i}}))
        sequences.append(event.sequence)
    return sequences


async def _behind_the_apps_back(query) -> None:
    """Run a write the way someone with direct database access would, past any append-only triggers.

    SQLite: this test's own database copy loses its triggers on the audit table. PostgreSQL: the
    triggers are skipped for this one transaction (session_replication_role; the test role is a superuser).
    """
    from workbench.db import engine
    from workbench.tables import AuditEvent

    db = engine()
    if db.engine_type == "sqlite":
        triggers = await AuditEvent.raw(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'workbench_audit_event'"
        )
        for trigger in triggers:
            await db.run_ddl(f'DROP TRIGGER "{trigger["name"]}"')
        await query
        return
    async with db.transaction():
        await AuditEvent.raw("SET LOCAL session_replication_role = replica")
        await query


def _tamper(run, query) -> None:
    run(_behind_the_apps_back(query))


def _entries_shown(page_text: str) -> int:
    match = re.search(r"([\d,]+) entries</p>", page_text)
    assert match, "no entry count on the page"
    return int(match.group(1).replace(",", ""))


# ---------------------------------------------------------------------------------------------
# Events


def test_sign_in_is_recorded(client, run):
    from workbench.tables import User

    before = len(_events(run, action="login"))
    client.sign_in_as("investigator")
    events = _events(run, action="login")
    assert len(events) == before + 1
    event = events[-1]
    user = run(User.objects().where(User.username == "investigator").first())
    assert event["actor_name"] == "investigator"
    assert event["actor"] == user.id
    assert event["record_type"] == "user" and event["record_id"] == str(user.id)
    assert event["ip"]  # the client's address is kept


def test_failed_sign_in_is_recorded_without_the_password(client, run):
    response = client.post_form("/login", {"username": "Compliance", "password": "not-the-password-7"})
    assert response.status_code == 400
    events = _events(run, action="login.failed")
    assert len(events) == 1
    event = events[0]
    assert event["actor"] is None and event["actor_name"] == "system"
    assert event["record_id"] == "compliance"
    assert "not-the-password-7" not in str(event)


def test_sign_out_is_recorded(client, run):
    client.sign_in_as("manager")
    client.post_form("/logout", {}, follow_redirects=False)
    assert [e["actor_name"] for e in _events(run, action="logout")] == ["manager"]


def test_form_with_missing_fields_is_not_a_failed_sign_in(client, run):
    client.post_form("/login", {"username": "", "password": ""})
    assert _events(run, action="login.failed") == []


# ---------------------------------------------------------------------------------------------
# The chain


def test_chain_is_intact_after_several_events(client, anonymous, run):
    client.sign_in_as("investigator")
    anonymous.post_form("/login", {"username": "manager", "password": "wrong-password-99"})
    anonymous.sign_in_as("manager")
    client.post_form("/logout", {}, follow_redirects=False)
    _add_events(run, 3)
    events = _events(run)
    assert len(events) >= 6
    assert [e["sequence"] for e in events] == list(range(1, len(events) + 1))
    for previous, current in zip(events, events[1:]):
        assert current["prev_hash"] == previous["hash"]
    report = _verify(run)
    assert report.intact
    assert report.checked == len(events)


def test_verify_chain_reads_in_batches(run):
    from workbench.audit import verify_chain

    _add_events(run, 7)
    total = len(_events(run))
    report = run(verify_chain(batch=2))
    assert report.intact and report.checked == total


def test_editing_a_summary_breaks_the_chain_at_that_entry(run):
    from workbench.tables import AuditEvent

    sequences = _add_events(run, 5)
    target = sequences[2]
    _tamper(run, AuditEvent.update({AuditEvent.summary: "nothing to see here"}).where(AuditEvent.sequence == target))
    report = _verify(run)
    assert not report.intact
    assert report.first_broken_sequence == target
    assert report.checked == target - 1


@pytest.mark.parametrize(
    "column, value",
    [("actor_name", "someone-else"), ("action", "login"), ("record_id", "R999"), ("ip", "10.0.0.1"),
     ("changes", '{"after": {"n": 1000}}')],
)
def test_editing_any_recorded_field_is_detected(run, column, value):
    from workbench.tables import AuditEvent

    target = _add_events(run, 3)[1]
    _tamper(run, AuditEvent.update({getattr(AuditEvent, column): value}).where(AuditEvent.sequence == target))
    assert _verify(run).first_broken_sequence == target


def test_rewriting_a_hash_to_match_is_still_detected_by_the_next_entry(run):
    """Recomputing the edited row's own hash does not help: the next row chains to the old one."""
    from workbench.audit import _hashed_fields, event_hash
    from workbench.tables import AuditEvent

    sequences = _add_events(run, 4)
    target = sequences[1]
    _tamper(run, AuditEvent.update({AuditEvent.summary: "rewritten"}).where(AuditEvent.sequence == target))
    row = run(AuditEvent.select().where(AuditEvent.sequence == target).first())
    _tamper(run, AuditEvent.update({AuditEvent.hash: event_hash(row["prev_hash"], _hashed_fields(row))})
            .where(AuditEvent.sequence == target))
    assert _verify(run).first_broken_sequence == target + 1


def test_deleting_a_middle_entry_is_detected(run):
    from workbench.tables import AuditEvent

    sequences = _add_events(run, 5)
    removed = sequences[2]
    _tamper(run, AuditEvent.delete().where(AuditEvent.sequence == removed))
    report = _verify(run)
    assert not report.intact
    assert report.first_broken_sequence == removed + 1


def test_deleting_the_first_entry_is_detected(run):
    from workbench.tables import AuditEvent

    _add_events(run, 3)
    _tamper(run, AuditEvent.delete().where(AuditEvent.sequence == 1))
    assert _verify(run).first_broken_sequence == 2


@pytest.mark.parametrize("change", ["update", "delete"])
def test_the_database_refuses_to_change_audit_rows(run, change):
    """The app's own database account cannot edit or delete entries (append-only triggers)."""
    from workbench.tables import AuditEvent

    target = _add_events(run, 2)[0]
    before = _events(run)
    if change == "update":
        query = AuditEvent.update({AuditEvent.summary: "edited"}).where(AuditEvent.sequence == target)
    else:
        query = AuditEvent.delete().where(AuditEvent.sequence == target)
    with pytest.raises(Exception, match="append-only"):
        run(query)
    assert _events(run) == before
    assert _verify(run).intact


def test_new_events_after_a_verified_chain_keep_it_intact(run):
    _add_events(run, 2)
    assert _verify(run).intact
    _add_events(run, 2)
    assert _verify(run).intact


def test_a_batch_of_events_chains_on_like_single_ones(run):
    """record_events (bulk jobs such as the chase scan): one event per record, in order, chain intact."""
    from workbench.audit import Entry, record_events
    from workbench.tables import AuditEvent

    before = len(_events(run))
    _add_events(run, 2)
    added = run(record_events(None, [Entry("test.batch", "recommendation", n, f"batch {n}", {"n": n}) for n in range(3)]))
    assert added == 3
    _add_events(run, 1)
    events = _events(run)[before:]
    assert [e["sequence"] for e in events] == list(range(before + 1, before + 7))
    assert [(e["action"], e["record_id"]) for e in events[2:5]] == [("test.batch", "0"), ("test.batch", "1"),
                                                                    ("test.batch", "2")]
    assert events[3]["prev_hash"] == events[2]["hash"] and events[5]["prev_hash"] == events[4]["hash"]
    assert _verify(run).intact
    _tamper(run, AuditEvent.update({AuditEvent.summary: "edited"}).where(AuditEvent.sequence == before + 4))
    assert _verify(run).first_broken_sequence == before + 4


# ---------------------------------------------------------------------------------------------
# The audit page


@pytest.mark.parametrize("role", ["manager", "administrator"])
def test_audit_page_is_visible_to_oversight_roles(client, role):
    client.sign_in_as(role)
    response = client.get("/audit")
    assert response.status_code == 200
    assert "Audit log" in response.text
    assert _entries_shown(response.text) >= 1  # at least this sign-in


@pytest.mark.parametrize("role", ["investigator", "compliance_officer", "report_writer"])
def test_audit_page_is_refused_to_other_roles(client, role):
    client.sign_in_as(role)
    response = client.get("/audit")
    assert response.status_code == 403
    assert "Audit log" not in response.text
    assert "You do not have access to this page" in response.text


def test_audit_page_needs_a_login(anonymous):
    response = anonymous.get("/audit", follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"].startswith("/login")


def test_check_the_chain_shows_intact(client, run):
    _add_events(run, 3)
    client.sign_in_as("manager")
    response = client.get("/audit?verify=true")
    assert response.status_code == 200
    assert "The chain is intact" in response.text
    total = len(_events(run))
    assert f"{total:,} entries checked" in response.text


def test_chain_status_is_shown_only_when_asked(client):
    client.sign_in_as("manager")
    assert 'data-testid="chain-status"' not in client.get("/audit").text


def test_check_the_chain_shows_where_it_is_broken(client, run):
    from workbench.tables import AuditEvent

    target = _add_events(run, 4)[2]
    _tamper(run, AuditEvent.update({AuditEvent.summary: "edited"}).where(AuditEvent.sequence == target))
    client.sign_in_as("administrator")
    response = client.get("/audit?verify=true")
    assert response.status_code == 200
    assert "The chain is intact" not in response.text
    assert f"The audit chain is broken at entry {target}" in response.text


def test_filter_by_actor(client, anonymous, run):
    anonymous.sign_in_as("compliance_officer")
    anonymous.sign_in_as("compliance_officer")
    client.sign_in_as("manager")
    response = client.get("/audit", params={"actor": "compliance"})
    assert response.status_code == 200
    assert _entries_shown(response.text) == 2
    cells = re.findall(r'<td class="govuk-table__cell">([^<]*)</td>', response.text)
    assert cells.count("compliance") == 2
    assert "manager" not in cells  # the manager's own sign-in is filtered out
    unfiltered = client.get("/audit").text
    assert _entries_shown(unfiltered) == len(_events(run))


def test_filter_by_action(client, run):
    client.post_form("/login", {"username": "ghost", "password": "wrong-password-99"})
    client.sign_in_as("manager")
    response = client.get("/audit", params={"action": "login.failed"})
    assert _entries_shown(response.text) == 1
    assert "ghost" in response.text


def test_htmx_filter_returns_only_the_results(client):
    client.sign_in_as("manager")
    response = client.get("/audit", params={"actor": "manager"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "govuk-template" not in response.text
    assert "<table" in response.text
    assert "HX-Request" in response.headers.get("vary", "")


# ---------------------------------------------------------------------------------------------
# Nothing edits the log


def test_no_route_can_modify_audit_rows(app):
    from litestar.routes import HTTPRoute

    audit_routes = [route for route in app.routes if "audit" in route.path.lower()]
    assert audit_routes, "the audit page route was not found"
    for route in audit_routes:
        assert isinstance(route, HTTPRoute)
        unsafe = set(route.methods) & {"POST", "PUT", "PATCH", "DELETE"}
        assert not unsafe, f"{route.path} accepts {sorted(unsafe)}"


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_writing_to_the_audit_page_is_not_allowed(client, run, method):
    client.sign_in_as("administrator")
    before = _events(run)
    response = client.request(method, "/audit", headers={"x-csrftoken": client.csrf_token()})
    assert response.status_code == 405
    assert _events(run) == before


def test_no_code_updates_or_deletes_audit_rows():
    """A grep over the application and its commands: the audit table is only ever inserted into.

    Tests are left out (they tamper on purpose, past the triggers), and so are migrations (they
    create the triggers that refuse such statements).
    """
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = []
    for folder in ("workbench", "investigations", "remedies", "systemic", "benchmarks"):
        for path in (root / folder).rglob("*.py"):
            if "piccolo_migrations" in path.parts:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if AUDIT_WRITE.search(line):
                    offenders.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    assert offenders == []


AUDIT_WRITE = re.compile(
    r"AuditEvent\s*\.\s*(update|delete|alter)\b"
    r"|\b(UPDATE|DELETE\s+FROM|TRUNCATE(\s+TABLE)?)\s+\"?workbench_audit_event"
    r"|\bDROP\s+TRIGGER\b.*workbench_audit"
    r"|\bsession_replication_role\b",
    re.IGNORECASE,
)


@pytest.mark.parametrize("line, caught", [
    ("await AuditEvent.update({AuditEvent.summary: 'x'})", True),
    ("AuditEvent.delete(force=True)", True),
    ('await db.run_ddl("DELETE FROM workbench_audit_event WHERE id = 1")', True),
    ("UPDATE \"workbench_audit_event\" SET summary = ''", True),
    ("TRUNCATE workbench_audit_event", True),
    ("DROP TRIGGER workbench_audit_no_update", True),
    ("await AuditEvent.select().where(AuditEvent.sequence > 1)", False),
    ("await bulk_insert(AuditEvent, rows)", False),
])
def test_the_grep_catches_what_it_looks_for(line, caught):
    assert bool(AUDIT_WRITE.search(line)) is caught


def test_workbench_audit_verify_reports_an_intact_chain(run, capsys):
    from workbench.cli import main

    _add_events(run, 3)
    main(["audit", "verify"])
    assert capsys.readouterr().out.strip() == f"The audit chain is intact: {len(_events(run))} entries checked."


def test_workbench_audit_verify_exits_1_naming_the_tampered_entry(run):
    from workbench.cli import main
    from workbench.tables import AuditEvent

    target = _add_events(run, 4)[2]
    _tamper(run, AuditEvent.update({AuditEvent.summary: "nothing happened"}).where(AuditEvent.sequence == target))
    with pytest.raises(SystemExit) as exited:
        main(["audit", "verify"])
    assert f"broken at entry {target}" in str(exited.value.code)


def test_workbench_audit_verify_detects_a_deleted_entry(run):
    from workbench.cli import main
    from workbench.tables import AuditEvent

    removed = _add_events(run, 4)[1]
    _tamper(run, AuditEvent.delete().where(AuditEvent.sequence == removed))
    with pytest.raises(SystemExit) as exited:
        main(["audit", "verify"])
    assert f"broken at entry {removed + 1}" in str(exited.value.code)
