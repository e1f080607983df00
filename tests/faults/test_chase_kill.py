"""Kill the chase scan part-way (SIGKILL to `workbench chase`), run it again, and show that no rung
fired twice, every due rung fired once, and no letter was emailed twice.

Two places to die: while the firings are being written (a batch of 200 at a time), and while the
letters are being emailed (after every firing is committed). The scan's promise for email is "at
most once": a firing whose letter was not sent when the process died stands without a delivery
record, and the next scan does not send it again.

The SMTP server is aiosmtpd in the test; it can kill the scan itself on the n-th message it
receives, so the second kill lands in the middle of sending every time.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from email import message_from_bytes, policy

import pytest

from investigations.contacts import NewContact, add_contact
from investigations.tables import CaseEvent
from remedies.chasing import chase
from remedies.tables import ChaseFiring, EmailDelivery, Recommendation, RecommendationEvent
from tests.faults.conftest import CLI, free_port
from tests.remedies import factories
from workbench.audit import verify_chain
from workbench.db import bulk_insert
from workbench.tables import AuditEvent

AS_OF = date(2027, 6, 1)  # every recommendation was decided 14 to 16 months earlier: all five rungs are due
WRITING_BODY = "Hampshire County Council"  # has a link officer and a chief executive with email addresses
SILENT_BODY = "Kent County Council"  # no contacts: its letters are recorded as "no contact", not emailed


class Inbox:
    """The test's SMTP server; ``kill_at`` SIGKILLs ``pid`` when that many messages have arrived."""

    def __init__(self) -> None:
        self.messages: list[dict] = []
        self.pid: int | None = None
        self.kill_at: int | None = None

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        message = message_from_bytes(envelope.content, policy=policy.default)
        [attachment] = list(message.iter_attachments())
        self.messages.append({"to": tuple(envelope.rcpt_tos), "letter": attachment.get_filename()})
        if self.kill_at is not None and len(self.messages) == self.kill_at and self.pid:
            os.kill(self.pid, signal.SIGKILL)  # before the scan hears "250": it cannot know this one went
        return "250 OK"


@pytest.fixture
def smtp(child_env):
    from aiosmtpd.controller import Controller

    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    env = {**child_env, "WORKBENCH_SMTP_URL": f"smtp://127.0.0.1:{port}", "WORKBENCH_MAIL_FROM": "chase@ombudsman.test"}
    try:
        yield inbox, env
    finally:
        controller.stop()


async def _seed(writing: int, silent: int) -> None:
    """``writing`` recommendations at a body with contacts (one per case, so each letter names its firing),
    and ``silent`` at a body without (spread over a few cases)."""
    rng = random.Random(7)
    admin = await factories.user("admin")
    writing_cases = [await factories.decided_case(WRITING_BODY, decided_on=date(2026, 2, 2) + timedelta(days=i))
                     for i in range(writing)]
    silent_cases = [await factories.decided_case(SILENT_BODY, decided_on=date(2026, 2, 2) + timedelta(days=i))
                    for i in range(min(silent, 20))]
    await add_contact(writing_cases[0]["body_id"], NewContact("link_officer", "Lina Officer", "Complaints manager",
                                                             "lina@hants.example"), admin)
    await add_contact(writing_cases[0]["body_id"], NewContact("chief_executive", "Carol Exec", "Chief Executive",
                                                             "carol@hants.example"), admin)
    creator, now = (await factories.user("investigator")).id, datetime.now(timezone.utc)
    rows = []
    for case in writing_cases + [rng.choice(silent_cases) for _ in range(silent)]:
        decided = date(2026, 2, 1) + timedelta(days=rng.randrange(0, 60))
        due = decided + timedelta(days=30)
        rows.append({
            "case": case["id"], "body": case["body_id"], "finding": None, "remedy_type": "apology",
            "description": "Apologise in writing.", "evidence_expected": "A copy of the letter", "public_summary": "",
            "amount": None, "beneficiary": "", "others_affected": 0, "anchor_event": "final_decision",
            "anchor_on": decided, "period": 30, "unit": "calendar_days", "original_due_on": due, "due_on": due,
            "due_explanation": "30 days after the final decision", "decided_on": decided, "outcome": "",
            "outcome_on": None, "ceased_reason": "", "escalated_on": None, "assigned_to": None, "last_chased_on": None,
            "created_at": now, "created_by": creator, "updated_at": now, "version": 1,
        })
    await bulk_insert(Recommendation, rows)


async def _expected() -> set[tuple[int, str, date]]:
    report = await chase(AS_OF, dry_run=True)
    return {(f.recommendation_id, f.rung.key, f.key_on) for f in report.fired}


async def _fired() -> list[tuple[int, str, date]]:
    rows = await ChaseFiring.select(ChaseFiring.recommendation, ChaseFiring.rung, ChaseFiring.key_on)
    return [(r["recommendation"], r["rung"], r["key_on"]) for r in rows]


def _start_scan(env) -> subprocess.Popen:
    return subprocess.Popen([*CLI, "chase", "--as-of", AS_OF.isoformat()], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _finish(scan: subprocess.Popen) -> str:
    output, _ = scan.communicate(timeout=120)
    assert scan.returncode == 0, output
    return output


def _letter_of(firing: dict) -> str:
    return f"{firing['case_reference'].replace(' ', '-')}-{firing['rung']}-{firing['fire_on'].isoformat()}.docx"


async def _firing_rows() -> list[dict]:
    return await ChaseFiring.select(
        ChaseFiring.id, ChaseFiring.rung, ChaseFiring.fire_on,
        ChaseFiring.recommendation.case.reference.as_alias("case_reference"))


def _assert_each_fired_once_with_its_records(run, expected: set) -> None:
    """The firings are exactly what was due; each has one history line, one timeline line and one audit entry."""
    fired = run(_fired())
    assert len(fired) == len(set(fired)) and set(fired) == expected
    assert run(RecommendationEvent.count().where(RecommendationEvent.kind == "chased")) == len(fired)
    assert run(CaseEvent.count().where(CaseEvent.title.like("Chase ladder:%"))) == len(fired)
    audited = run(AuditEvent.select(AuditEvent.changes).where(AuditEvent.action == "recommendation.chase_fired")
                  .output(load_json=True))
    ids = [row["changes"]["firing_id"] for row in audited]
    assert sorted(ids) == sorted(r["id"] for r in run(ChaseFiring.select(ChaseFiring.id)))
    escalations = run(AuditEvent.select(AuditEvent.record_id).where(AuditEvent.action == "recommendation.escalated"))
    assert Counter(r["record_id"] for r in escalations).most_common(1)[0][1] == 1  # each escalated once
    assert run(verify_chain()).intact


def test_a_scan_killed_while_writing_firings_is_finished_by_the_next_without_firing_twice(smtp, run):
    inbox, env = smtp
    run(_seed(writing=8, silent=400))
    expected = run(_expected())
    assert len(expected) == 408 * 5

    scan = _start_scan(env)
    deadline = time.monotonic() + 60
    while run(ChaseFiring.count()) == 0:  # the first batch of 200 is committed: kill it now
        assert scan.poll() is None and time.monotonic() < deadline, scan.stdout.read()
        time.sleep(0.005)
    scan.send_signal(signal.SIGKILL)
    scan.wait(timeout=10)
    part = len(run(_fired()))
    assert 0 < part < len(expected), "the scan was not killed part-way"
    assert inbox.messages == []  # letters go out after every firing is written: none yet

    output = _finish(_start_scan(env))
    assert f"{len(expected) - part} fired" in output, output
    _assert_each_fired_once_with_its_records(run, expected)

    # The firings of the killed scan have no delivery and were never emailed; the second scan's were, once each.
    firings = {r["id"]: r for r in run(_firing_rows())}
    deliveries = run(EmailDelivery.select(EmailDelivery.firing, EmailDelivery.status, EmailDelivery.to_address))
    assert len(firings) - len({d["firing"] for d in deliveries}) == part
    sent = sorted((_letter_of(firings[d["firing"]]), d["to_address"]) for d in deliveries if d["status"] == "sent")
    received = sorted((m["letter"], m["to"][0]) for m in inbox.messages)
    assert sent == received and len(set(received)) == len(received) and sent

    assert "0 fired" in _finish(_start_scan(env))  # a third scan: nothing left to fire or send
    assert len(inbox.messages) == len(received)


def test_a_scan_killed_while_emailing_sends_nothing_twice(smtp, run):
    inbox, env = smtp
    run(_seed(writing=30, silent=0))  # 90 letters by email (reminder, chaser, escalation), 60 to nobody
    expected = run(_expected())

    scan = _start_scan(env)
    inbox.pid, inbox.kill_at = scan.pid, 60  # the SMTP server kills the scan on the 60th letter
    scan.wait(timeout=120)
    assert scan.returncode == -signal.SIGKILL, scan.stdout.read()
    assert len(inbox.messages) == 60
    _assert_each_fired_once_with_its_records(run, expected)  # every firing was committed before sending began

    firings = {r["id"]: r for r in run(_firing_rows())}
    deliveries = run(EmailDelivery.select(EmailDelivery.firing, EmailDelivery.status, EmailDelivery.to_address))
    sent = [(_letter_of(firings[d["firing"]]), d["to_address"]) for d in deliveries if d["status"] == "sent"]
    received = [(m["letter"], m["to"][0]) for m in inbox.messages]
    assert sent and len(sent) < 60 and set(sent) <= set(received)  # a batch recorded as sent, then the kill

    inbox.kill_at = None
    output = _finish(_start_scan(env))
    assert "0 fired" in output, output
    assert len(inbox.messages) == 60  # nothing sent again, whether or not its delivery was recorded
    assert len(set(received)) == len(received)
    assert len(run(_fired())) == len(expected)
