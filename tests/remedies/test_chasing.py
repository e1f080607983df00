"""The daily chase scan: each rung fires exactly once, with its letter and email, on both engines.

Real service, real database, a real SMTP server (aiosmtpd) started by the test. The fixture
recommendation is due Thursday 5 February 2026 (one month after a final decision on 5 January
2026), so with the default ladder: reminder 29 January, chaser 12 February, escalation 5 March,
casework manager 5 January 2027, public report flag 5 February 2027.
"""

from __future__ import annotations

import asyncio
import io
import json
import socket
from dataclasses import replace
from datetime import date
from email import message_from_bytes, policy

import docx
import pytest

from investigations.contacts import NewContact, add_contact
from remedies import chasing
from remedies.chasing import chase
from remedies.ladder import DEFAULT_LADDER, RecipientRole, Rung
from remedies.recommendations import cease, extend_due_date
from remedies.tables import ChaseFiring, EmailDelivery, Recommendation, RecommendationEvent
from investigations.tables import CaseEvent
from tests.remedies import factories
from workbench.settings import SettingsError, SmtpConfig, get_settings, load_chase_ladder
from workbench.audit import verify_chain
from workbench.tables import AuditEvent, User

DUE = date(2026, 2, 5)
REMINDER, CHASER, ESCALATION = date(2026, 1, 29), date(2026, 2, 12), date(2026, 3, 5)
TWELVE_MONTHS, THIRTEEN_MONTHS = date(2027, 1, 5), date(2027, 2, 5)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# ---------------------------------------------------------------------------------------------
# Fixtures


class Inbox:
    """What the test's SMTP server received."""

    def __init__(self) -> None:
        self.messages: list[dict] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        self.messages.append({"to": list(envelope.rcpt_tos), "from": envelope.mail_from,
                              "message": message_from_bytes(envelope.content, policy=policy.default)})
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    """A local SMTP server for the test, and settings that send to it."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings = replace(get_settings(), smtp=SmtpConfig("127.0.0.1", port), mail_from="compliance@ombudsman.test")
    try:
        yield inbox, settings
    finally:
        controller.stop()


@pytest.fixture
def no_smtp():
    return replace(get_settings(), smtp=None)


@pytest.fixture
def setup(db, run):
    """A decided case with one recommendation due 5 February 2026, and the body's link officer and CEO."""
    async def make():
        case = await factories.decided_case()
        rid = await factories.recommendation(case)
        admin = await factories.user("admin")
        await add_contact(case["body_id"], NewContact("link_officer", "Lina Officer", "Complaints manager",
                                                     "lina@hants.example"), admin)
        await add_contact(case["body_id"], NewContact("chief_executive", "Carol Exec", "Chief Executive",
                                                     "carol@hants.example"), admin)
        return {"case": case, "recommendation": rid}

    return run(make())


@pytest.fixture
def manager_email(db, run):
    """The investigator's manager gets the casework-manager referrals; restored afterwards (PostgreSQL keeps users)."""
    run(User.update({User.email: "morgan@ombudsman.test"}).where(User.username == "manager"))
    yield "morgan@ombudsman.test"
    run(User.update({User.email: ""}).where(User.username == "manager"))


async def _firings(rid=None):
    query = ChaseFiring.select().order_by(ChaseFiring.id)
    if rid is not None:
        query = query.where(ChaseFiring.recommendation == rid)
    return await query


async def _deliveries():
    return await EmailDelivery.select(EmailDelivery.all_columns(), EmailDelivery.firing.rung.as_alias("rung")).order_by(
        EmailDelivery.id)


# ---------------------------------------------------------------------------------------------
# Firing exactly once


def test_each_rung_fires_once_on_its_day_and_a_second_scan_inserts_nothing(setup, run, no_smtp):
    rid = setup["recommendation"]
    assert run(chase(date(2026, 1, 28), settings=no_smtp)).fired == []
    report = run(chase(REMINDER, settings=no_smtp))
    assert [(f.rung.key, f.fire_on, f.key_on) for f in report.fired] == [("reminder", REMINDER, DUE)]
    assert report.fired[0].firing_id is not None
    assert run(chase(REMINDER, settings=no_smtp)).fired == []  # the same day again
    assert run(chase(date(2026, 2, 11), settings=no_smtp)).fired == []
    assert [f.rung.key for f in run(chase(CHASER, settings=no_smtp)).fired] == ["chaser"]
    assert [f.rung.key for f in run(chase(ESCALATION, settings=no_smtp)).fired] == ["escalation"]
    assert [f.rung.key for f in run(chase(TWELVE_MONTHS, settings=no_smtp)).fired] == ["casework_manager"]
    assert [f.rung.key for f in run(chase(THIRTEEN_MONTHS, settings=no_smtp)).fired] == ["public_report_flag"]
    assert run(chase(date(2027, 6, 1), settings=no_smtp)).fired == []
    firings = run(_firings(rid))
    assert [(f["rung"], f["fire_on"], f["scan_as_of"]) for f in firings] == [
        ("reminder", REMINDER, REMINDER), ("chaser", CHASER, CHASER), ("escalation", ESCALATION, ESCALATION),
        ("casework_manager", TWELVE_MONTHS, TWELVE_MONTHS), ("public_report_flag", THIRTEEN_MONTHS, THIRTEEN_MONTHS),
    ]
    assert [f["recipient_role"] for f in firings] == ["link_officer", "link_officer", "chief_executive",
                                                      "casework_manager", "casework_manager"]


def test_each_firing_writes_history_timeline_and_audit_and_escalation_escalates(setup, run, no_smtp):
    rid, case = setup["recommendation"], setup["case"]
    run(chase(CHASER, settings=no_smtp))
    history = run(RecommendationEvent.select().where(
        (RecommendationEvent.recommendation == rid) & (RecommendationEvent.kind == "chased")).order_by(RecommendationEvent.id))
    assert [h["title"] for h in history] == ["Chase ladder: Reminder before due date",
                                             "Chase ladder: Chaser: evidence overdue"]
    assert history[0]["actor_name"] == "System"
    assert "the body's link officer" in history[0]["detail"]
    timeline = run(CaseEvent.select(CaseEvent.title).where(CaseEvent.case == case["id"]))
    assert sum(1 for t in timeline if t["title"].startswith("Chase ladder:")) == 2
    audits = run(AuditEvent.select().where(AuditEvent.action == "recommendation.chase_fired"))
    assert len(audits) == 2 and all(a["record_id"] == str(rid) for a in audits)
    assert run(Recommendation.select(Recommendation.escalated_on).where(Recommendation.id == rid).first())[
        "escalated_on"] is None

    run(chase(date(2026, 3, 9), settings=no_smtp))  # the escalation rung, four days late
    row = run(Recommendation.select(Recommendation.escalated_on).where(Recommendation.id == rid).first())
    assert row["escalated_on"] == date(2026, 3, 9)
    titles = [h["title"] for h in run(RecommendationEvent.select().where(RecommendationEvent.recommendation == rid))]
    assert "Escalated" in titles
    assert len(run(AuditEvent.select().where(AuditEvent.action == "recommendation.chase_fired"))) == 3
    # nothing is written twice on another scan
    run(chase(date(2026, 3, 10), settings=no_smtp))
    assert len(run(AuditEvent.select().where(AuditEvent.action == "recommendation.chase_fired"))) == 3
    assert len(run(RecommendationEvent.select().where(RecommendationEvent.kind == "chased"))) == 3


def test_a_scan_after_an_outage_catches_up_each_missed_rung_once_in_date_order(setup, run, no_smtp):
    rid = setup["recommendation"]
    report = run(chase(date(2026, 1, 20), settings=no_smtp))
    assert report.fired == []
    # The server was down from 20 January until 1 April: reminder, chaser and escalation all missed.
    report = run(chase(date(2026, 4, 1), settings=no_smtp))
    assert [(f.rung.key, f.fire_on) for f in report.fired] == [
        ("reminder", REMINDER), ("chaser", CHASER), ("escalation", ESCALATION)]
    firings = run(_firings(rid))
    assert [f["rung"] for f in firings] == ["reminder", "chaser", "escalation"]  # inserted in date order
    assert {f["scan_as_of"] for f in firings} == {date(2026, 4, 1)}
    assert run(chase(date(2026, 4, 2), settings=no_smtp)).fired == []
    assert len(run(_firings(rid))) == 3


@pytest.fixture
def lockstep(monkeypatch):
    """Hold every scan at its first write until all ``n`` have worked out what is due: a certain race."""
    def arm(n: int) -> None:
        barrier = asyncio.Barrier(n)
        real = chasing._fire
        waited: set[int] = set()

        async def fire(batch, as_of):
            task = id(asyncio.current_task())
            if task not in waited:
                waited.add(task)
                await barrier.wait()
            return await real(batch, as_of)

        monkeypatch.setattr(chasing, "_fire", fire)

    return arm


def test_two_concurrent_scans_fire_each_rung_exactly_once_and_send_each_email_once(setup, run, smtp, manager_email,
                                                                                  lockstep):
    inbox, settings = smtp
    lockstep(2)
    more = run(factories.recommendation(setup["case"], description="Pay Mrs X £200", remedy_type="financial_time_and_trouble",
                                        amount=200))

    async def race():
        return await asyncio.gather(chase(TWELVE_MONTHS, settings=settings), chase(TWELVE_MONTHS, settings=settings))

    first, second = run(race())
    fired = [(f.recommendation_id, f.rung.key) for f in first.fired + second.fired]
    expected = {(rid, key) for rid in (setup["recommendation"], more)
                for key in ("reminder", "chaser", "escalation", "casework_manager")}
    assert sorted(fired) == sorted(expected)  # each rung once, between the two scans
    assert len(run(_firings())) == 8
    assert first.already_fired + second.already_fired == 8  # the loser tried every one: the unique key refused them
    assert len(inbox.messages) == 8  # one email per firing: nobody chased twice
    deliveries = run(_deliveries())
    assert len(deliveries) == 8 and {d["status"] for d in deliveries} == {"sent"}
    assert len({d["firing"] for d in deliveries}) == 8
    # a third scan, later, sends nothing more
    assert run(chase(date(2027, 1, 6), settings=settings)).fired == []
    assert len(inbox.messages) == 8


def test_concurrent_scans_on_separate_connections_really_race(setup, run, no_smtp, lockstep):
    """Many recommendations, three scans at once: the unique key, not luck, keeps it to one firing each."""
    lockstep(3)
    async def make_more():
        return [await factories.recommendation(setup["case"], description=f"Step {i}") for i in range(30)]

    ids = run(make_more()) + [setup["recommendation"]]

    async def race():
        return await asyncio.gather(*(chase(ESCALATION, settings=no_smtp) for _ in range(3)))

    reports = run(race())
    fired = [(f.recommendation_id, f.rung.key) for r in reports for f in r.fired]
    assert len(fired) == len(set(fired)) == len(ids) * 3
    assert sum(r.already_fired for r in reports) == len(ids) * 3 * 2  # the two losers inserted nothing
    rows = run(_firings())
    assert len(rows) == len(ids) * 3
    assert len(run(EmailDelivery.select())) == len(ids) * 3  # one delivery record per firing, no more
    assert len(run(AuditEvent.select().where(AuditEvent.action == "recommendation.chase_fired"))) == len(ids) * 3
    assert len(run(AuditEvent.select().where(AuditEvent.action == "recommendation.escalated"))) == len(ids)
    assert run(verify_chain()).intact  # the scans' audit events chain on, whoever wrote first


def test_an_extension_rearms_the_due_date_rungs_but_not_the_months_rung(setup, run, no_smtp):
    rid = setup["recommendation"]
    run(chase(TWELVE_MONTHS, settings=no_smtp))  # everything up to the 12-month referral has fired
    assert [f["rung"] for f in run(_firings(rid))] == ["reminder", "chaser", "escalation", "casework_manager"]
    new_due = date(2027, 3, 1)
    run(extend_due_date(rid, new_due, "The council is rebuilding its charging system", run(factories.user()),
                        today=TWELVE_MONTHS))
    report = run(chase(date(2027, 3, 8), settings=no_smtp))
    # new reminder (22 Feb 2027) and chaser (8 Mar 2027) for the new date; the 12-month rung never again;
    # the 13-month public-report flag (5 Feb 2027) fires once, keyed on the decision date.
    assert [(f.rung.key, f.key_on) for f in report.fired] == [
        ("public_report_flag", date(2026, 1, 5)), ("reminder", new_due), ("chaser", new_due)]
    report = run(chase(date(2027, 4, 30), settings=no_smtp))
    assert [(f.rung.key, f.key_on) for f in report.fired] == [("escalation", new_due)]
    keys = [(f["rung"], f["key_on"]) for f in run(_firings(rid))]
    assert keys.count(("casework_manager", date(2026, 1, 5))) == 1
    assert len(keys) == len(set(keys)) == 8


def test_complied_ceased_and_not_complied_recommendations_are_not_chased(setup, run, no_smtp):
    from remedies.recommendations import accept_or_reject_evidence, add_evidence, close_not_complied

    case = setup["case"]
    user = run(factories.user())
    ceased = setup["recommendation"]
    complied = run(factories.recommendation(case, description="Apologise again"))
    closed = run(factories.recommendation(case, description="Review the policy"))
    open_one = run(factories.recommendation(case, description="Train staff"))
    run(cease(ceased, "The complainant has died", user, today=date(2026, 1, 20)))
    evidence = run(add_evidence(complied, date(2026, 1, 20), "Apology sent", [], user, factories.uploads(),
                                today=date(2026, 1, 20)))
    run(accept_or_reject_evidence(evidence, "accepted", "", user, today=date(2026, 1, 21)))
    run(close_not_complied(closed, "The council refused", user, today=date(2026, 1, 22)))
    report = run(chase(date(2027, 6, 1), settings=no_smtp))
    assert {f.recommendation_id for f in report.fired} == {open_one}
    assert report.considered == 1


def test_dry_run_reports_what_would_fire_and_writes_nothing(setup, run, no_smtp):
    report = run(chase(CHASER, dry_run=True, settings=no_smtp))
    assert [(f.rung.key, f.firing_id) for f in report.fired] == [("reminder", None), ("chaser", None)]
    assert run(_firings()) == []
    assert run(RecommendationEvent.select().where(RecommendationEvent.kind == "chased")) == []
    assert run(AuditEvent.select().where(AuditEvent.action == "recommendation.chase_fired")) == []
    assert run(EmailDelivery.select()) == []
    assert "would fire" in report.summary()


def test_a_configured_ladder_is_used(setup, run, no_smtp):
    ladder = (Rung("nudge", "Friendly nudge", RecipientRole.LINK_OFFICER, offset_working_days=-1),
              Rung("ceo", "Letter to the chief executive", RecipientRole.CHIEF_EXECUTIVE, offset_working_days=1))
    report = run(chase(date(2026, 2, 6), ladder=ladder, settings=no_smtp))
    assert [(f.rung.key, f.fire_on) for f in report.fired] == [("nudge", date(2026, 2, 4)), ("ceo", date(2026, 2, 6))]
    escalated = run(Recommendation.select(Recommendation.escalated_on).where(
        Recommendation.id == setup["recommendation"]).first())["escalated_on"]
    assert escalated == date(2026, 2, 6)  # a chief-executive rung escalates, whatever its key


def test_escalate_many_leaves_closed_and_already_escalated_ones_alone(setup, run):
    from remedies.recommendations import escalate, escalate_many

    case, user = setup["case"], run(factories.user())
    open_one = setup["recommendation"]
    escalated = run(factories.recommendation(case, description="Already escalated"))
    closed = run(factories.recommendation(case, description="Ceased"))
    run(escalate(escalated, "By hand", user, today=date(2026, 3, 1)))
    run(cease(closed, "Superseded", user))
    assert run(escalate_many([open_one, escalated, closed, open_one], "By the ladder", None,
                             today=date(2026, 3, 5))) == [open_one]
    rows = {r["id"]: r for r in run(Recommendation.select(Recommendation.id, Recommendation.escalated_on,
                                                            Recommendation.version))}
    assert rows[open_one]["escalated_on"] == date(2026, 3, 5) and rows[open_one]["version"] == 2
    assert rows[escalated]["escalated_on"] == date(2026, 3, 1)
    assert rows[closed]["escalated_on"] is None
    history = run(RecommendationEvent.select().where(RecommendationEvent.kind == "escalated"))
    assert sorted((h["recommendation"], h["detail"]) for h in history) == [(open_one, "By the ladder"),
                                                                           (escalated, "By hand")]


# ---------------------------------------------------------------------------------------------
# Letters and email


def _attachment(message):
    parts = [p for p in message.iter_attachments()]
    assert len(parts) == 1
    return parts[0]


def _letter_text(content: bytes) -> str:
    document = docx.Document(io.BytesIO(content))
    texts = [p.text for p in document.paragraphs]
    for table in document.tables:
        texts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(texts)


def test_emails_carry_the_letter_to_the_named_contact_and_the_delivery_is_recorded(setup, run, smtp):
    inbox, settings = smtp
    case = setup["case"]
    report = run(chase(CHASER, settings=settings))
    assert report.deliveries == {"sent": 2}
    assert [m["to"] for m in inbox.messages] == [["lina@hants.example"], ["lina@hants.example"]]
    reminder = inbox.messages[0]["message"]
    assert reminder["From"] == "compliance@ombudsman.test"
    assert reminder["Subject"] == f"Reminder before due date: complaint {case['reference']}"
    assert "Lina Officer" in reminder["To"]
    attachment = _attachment(reminder)
    assert attachment.get_content_type() == DOCX
    assert attachment.get_filename() == f"{case['reference'].replace(' ', '-')}-reminder-2026-01-29.docx"
    text = _letter_text(attachment.get_content())
    assert "Lina Officer" in text and "Complaints manager" in text and "Hampshire County Council" in text
    assert case["reference"] in text
    assert "Thursday 5 February 2026" in text  # the due date
    assert "Apologise to Mrs X" in text
    assert "Dear Lina Officer," in text
    deliveries = run(_deliveries())
    assert [(d["rung"], d["status"], d["to_name"], d["to_address"]) for d in deliveries] == [
        ("reminder", "sent", "Lina Officer", "lina@hants.example"),
        ("chaser", "sent", "Lina Officer", "lina@hants.example")]


def test_escalation_goes_to_the_chief_executive_falling_back_to_the_monitoring_officer(setup, run, smtp, db):
    from investigations.contacts import deactivate_contact
    from investigations.tables import BodyContact

    inbox, settings = smtp
    body = setup["case"]["body_id"]
    admin = run(factories.user("admin"))
    ceo = run(BodyContact.select(BodyContact.id).where(BodyContact.role == "chief_executive").first())["id"]
    run(deactivate_contact(body, ceo, admin))
    run(add_contact(body, NewContact("monitoring_officer", "Mo Nitor", "Monitoring Officer", "mo@hants.example"), admin))
    run(chase(ESCALATION, settings=settings))
    assert [m["to"] for m in inbox.messages] == [["lina@hants.example"], ["lina@hants.example"], ["mo@hants.example"]]
    text = _letter_text(_attachment(inbox.messages[2]["message"]).get_content())
    assert "Dear Mo Nitor," in text and "Monitoring Officer" in text


def test_referral_to_the_casework_manager_goes_to_the_investigators_manager(setup, run, smtp, manager_email):
    inbox, settings = smtp
    run(chase(ESCALATION, settings=settings))
    inbox.messages.clear()
    run(chase(TWELVE_MONTHS, settings=settings))
    assert [m["to"] for m in inbox.messages] == [[manager_email]]
    text = _letter_text(_attachment(inbox.messages[0]["message"]).get_content())
    assert "outstanding for 12 months" in text and "Casework manager" in text


def test_no_contact_and_no_mail_server_are_recorded(setup, run, no_smtp, smtp):
    inbox, settings = smtp
    other = run(factories.decided_case(body="Kent County Council"))
    run(factories.recommendation(other))  # Kent has no contacts
    run(chase(REMINDER, settings=settings))
    by_body = {(d["to_address"], d["status"]) for d in run(_deliveries())}
    assert by_body == {("lina@hants.example", "sent"), ("", "no_contact")}
    no_contact = next(d for d in run(_deliveries()) if d["status"] == "no_contact")
    assert "Kent County Council has no active contact" in no_contact["detail"]
    run(chase(CHASER, settings=no_smtp))
    latest = [d for d in run(_deliveries()) if d["rung"] == "chaser"]
    assert {(d["to_address"], d["status"]) for d in latest} == {("lina@hants.example", "not_configured"),
                                                               ("", "no_contact")}
    assert len(inbox.messages) == 1


def test_an_unreachable_mail_server_records_failed_and_the_firing_stands(setup, run):
    settings = replace(get_settings(), smtp=SmtpConfig("127.0.0.1", _free_port()))
    report = run(chase(REMINDER, settings=settings))
    assert [f.rung.key for f in report.fired] == ["reminder"]
    assert report.deliveries == {"failed": 1}
    delivery = run(_deliveries())[0]
    assert delivery["status"] == "failed"
    assert "could not connect" in delivery["detail"] and "refused" in delivery["detail"]
    assert len(run(_firings())) == 1
    assert run(chase(REMINDER, settings=settings)).fired == []  # not retried: at most once


def test_letters_are_rebuilt_identically_from_the_stored_firing(setup, run, smtp):
    from remedies.calendar import office_calendar
    from remedies.letters import build_letter, load_letter

    inbox, settings = smtp
    rid = setup["recommendation"]
    run(chase(REMINDER, settings=settings))
    firing = run(_firings(rid))[0]
    facts = run(load_letter(rid, firing["id"], DEFAULT_LADDER, run(office_calendar())))
    assert build_letter(facts) == _attachment(inbox.messages[0]["message"]).get_content()
    assert run(load_letter(rid + 999, firing["id"], DEFAULT_LADDER, None)) is None


# ---------------------------------------------------------------------------------------------
# The download route


def test_the_letter_downloads_for_compliance_and_casework_but_not_reporting(setup, run, client, no_smtp):
    rid = setup["recommendation"]
    run(chase(EXTENDED := REMINDER, settings=no_smtp))  # noqa: F841
    firing = run(_firings(rid))[0]["id"]
    url = f"/recommendations/{rid}/letters/{firing}"
    client.sign_in_as("compliance_officer")
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(DOCX)
    assert "attachment" in response.headers["content-disposition"]
    assert "-reminder-2026-01-29.docx" in response.headers["content-disposition"]
    text = _letter_text(response.content)
    assert "Lina Officer" in text and setup["case"]["reference"] in text and "5 February 2026" in text
    assert client.get(url).content == response.content  # deterministic
    assert client.get(f"/recommendations/{rid}/letters/{firing + 999}").status_code == 404
    assert client.get(f"/recommendations/{rid + 999}/letters/{firing}").status_code == 404


def test_the_letter_of_a_restricted_case_is_404_without_need_to_know(db, run, client, no_smtp):
    async def make():
        case = await factories.decided_case(restricted=True, investigator="ibrooks")
        return await factories.recommendation(case)

    rid = run(make())
    run(chase(REMINDER, settings=no_smtp))
    firing = run(_firings(rid))[0]["id"]
    client.sign_in_as("investigator")  # not this case's investigator
    assert client.get(f"/recommendations/{rid}/letters/{firing}").status_code == 404


# ---------------------------------------------------------------------------------------------
# The command line


def test_cli_dry_run_prints_and_writes_nothing_then_a_real_run_fires(setup, run, capsys, monkeypatch):
    from workbench import cli

    monkeypatch.setattr(chasing, "get_settings", lambda: replace(get_settings(), smtp=None))
    cli.main(["chase", "--dry-run", "--as-of", "2026-02-12"])
    out = capsys.readouterr().out
    reference = setup["case"]["reference"]
    assert f"Would fire: {reference}  Hampshire County Council  reminder  2026-01-29" in out
    assert f"Would fire: {reference}  Hampshire County Council  chaser  2026-02-12" in out
    assert "2 would fire" in out and "Dry run: nothing was written or sent." in out
    assert run(_firings()) == []
    cli.main(["chase", "--as-of", "2026-02-12"])
    out = capsys.readouterr().out
    assert f"Fired: {reference}  Hampshire County Council  reminder  2026-01-29" in out
    assert "2 fired (1 chaser, 1 reminder)" in out and "emails: 2 not configured" in out
    assert len(run(_firings())) == 2
    cli.main(["chase", "--as-of", "2026-02-12"])
    assert "0 fired (none)" in capsys.readouterr().out


def test_cli_refuses_a_bad_date():
    from workbench import cli

    with pytest.raises(SystemExit):
        cli.main(["chase", "--as-of", "12/02/2026"])


def test_the_daily_job_is_scheduled_at_the_configured_time():
    from workbench.scheduler import jobs

    job = next(j for j in jobs() if j.id == "chase")
    assert job.func is chasing.run_daily_chase
    assert str(job.trigger.fields[5]) == "6" and str(job.trigger.fields[6]) == "30"  # hour, minute


# ---------------------------------------------------------------------------------------------
# The configured ladder file


def _ladder_file(tmp_path, data) -> str:
    path = tmp_path / "ladder.json"
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return str(path)


def test_a_ladder_file_is_read_and_checked(tmp_path):
    rungs = [
        {"key": "reminder", "label": "Reminder", "recipient": "link_officer", "offset_working_days": -10},
        {"key": "ceo", "label": "To the chief executive", "recipient": "chief_executive", "offset_working_days": 15},
        {"key": "year", "label": "A year on", "recipient": "casework_manager", "months_after_decision": 12},
    ]
    ladder = load_chase_ladder(_ladder_file(tmp_path, rungs))
    assert [(r.key, r.offset_working_days, r.months_after_decision) for r in ladder] == [
        ("reminder", -10, None), ("ceo", 15, None), ("year", None, 12)]
    assert load_chase_ladder("") is None


@pytest.mark.parametrize("data, message", [
    ("not json", "is not valid JSON"),
    ([], "non-empty list of rungs"),
    ([{"key": "a", "label": "A", "recipient": "mayor", "offset_working_days": 1}], "recipient must be one of"),
    ([{"key": "a", "label": "A", "recipient": "link_officer"}], "exactly one of offset_working_days"),
    ([{"key": "a", "label": "A", "recipient": "link_officer", "offset_working_days": "5"}], "must be a whole number"),
    ([{"key": "a", "label": "A", "recipient": "link_officer", "offset_working_days": 5},
      {"key": "b", "label": "B", "recipient": "link_officer", "offset_working_days": 1}], "strictly increasing"),
    ([{"key": "a", "label": "A", "recipient": "link_officer", "offset_working_days": 1},
      {"key": "a", "label": "B", "recipient": "link_officer", "offset_working_days": 5}], "duplicate rung key"),
    ([{"key": "a", "label": "A", "recipient": "link_officer", "offset_working_days": 1, "colour": "red"}],
     "unknown field 'colour'"),
    ([{"label": "A", "recipient": "link_officer", "offset_working_days": 1}], "needs a key"),
])
def test_a_bad_ladder_file_is_refused_with_a_clear_message(tmp_path, data, message):
    with pytest.raises(SettingsError, match=message) as error:
        load_chase_ladder(_ladder_file(tmp_path, data))
    assert "WORKBENCH_CHASE_LADDER" in str(error.value)


def test_a_missing_ladder_file_is_refused(tmp_path):
    with pytest.raises(SettingsError, match="cannot read"):
        load_chase_ladder(str(tmp_path / "nowhere.json"))
