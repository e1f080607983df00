"""SIGKILL the server in the middle of a stream of writes, start it again, and check with SQL that
every acknowledged write is there and no case is half-written.

Four clients open complaints (JSON API) and add notes to them (the case page's form) at once, with
bearer tokens. The server is killed while requests are in flight. Acknowledged means the server
answered 201 with a reference (a case) or redirected back to the case (a note); a request cut off by
the kill may or may not have committed, and either is fine, as long as it is whole.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import httpx

from investigations.tables import Case, CaseBody, CaseEvent, Note, Person, ReferenceCounter, StageChange, Subcategory
from workbench.accounts import create_token
from workbench.audit import verify_chain
from workbench.db import fetch_all
from workbench.tables import AuditEvent, User

WRITERS = 4
KILL_AFTER_CASES = 16  # acknowledged complaints before the kill (several per writer, with notes in flight)


@dataclass
class Acknowledged:
    cases: dict[str, str] = field(default_factory=dict)  # reference -> complainant's family name
    notes: dict[str, list[str]] = field(default_factory=dict)  # reference -> note texts
    cut_off: int = 0  # requests the kill interrupted
    refused: list[str] = field(default_factory=list)  # any other answer: must not happen
    lock: threading.Lock = field(default_factory=threading.Lock)


def _writer(base: str, token: str, subcategory: int, number: int, done: threading.Event, acked: Acknowledged) -> None:
    """Open complaints and note on each, until the server dies or the test says stop."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=10) as http:
        for n in range(1000):
            if done.is_set():
                return
            name = f"Writer{number}x{n}"
            try:
                created = http.post("/api/cases", json={
                    "complainant_family_name": name, "bodies": ["Hampshire County Council"], "subcategory": subcategory,
                    "summary": f"Home care visits missed ({name}).", "outcome_wanted": "An apology.",
                })
            except httpx.TransportError:
                with acked.lock:
                    acked.cut_off += 1
                return
            if created.status_code != 201:
                acked.refused.append(f"create {created.status_code}: {created.text[:200]}")
                return
            reference = created.json()["reference"]
            with acked.lock:
                acked.cases[reference] = name
            for k in range(2):
                text = f"Called {name} back ({k})"
                try:
                    noted = http.post(f"/cases/{reference.replace(' ', '-')}/notes", data={"note": text})
                except httpx.TransportError:
                    with acked.lock:
                        acked.cut_off += 1
                    return
                if noted.status_code not in (302, 303):
                    acked.refused.append(f"note {noted.status_code}: {noted.text[:200]}")
                    return
                with acked.lock:
                    acked.notes.setdefault(reference, []).append(text)


def _stream_and_kill(server, token: str, subcategory: int) -> Acknowledged:
    acked, done = Acknowledged(), threading.Event()
    threads = [threading.Thread(target=_writer, args=(server.base, token, subcategory, i, done, acked), daemon=True)
               for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while len(acked.cases) < KILL_AFTER_CASES and not acked.refused and time.monotonic() < deadline:
        time.sleep(0.01)
    server.kill()
    for thread in threads:
        thread.join(timeout=15)
    done.set()
    assert not acked.refused, (acked.refused, server.log()[-4000:])
    assert len(acked.cases) >= KILL_AFTER_CASES, server.log()[-3000:]
    return acked


def _number(reference: str) -> tuple[int, int]:
    yy, first, second = reference.split()
    return int(yy), int(first + second)


async def _half_written_cases() -> list[str]:
    """Every case must have its complainant, its body, its first stage, its 'created' event and audit entry."""
    problems = []
    for case in await Case.select(Case.id, Case.reference, Case.complainant):
        cid, reference = case["id"], case["reference"]
        if not await Person.exists().where(Person.id == case["complainant"]):
            problems.append(f"{reference}: no complainant")
        if not await CaseBody.exists().where(CaseBody.case == cid):
            problems.append(f"{reference}: no body")
        if await StageChange.count().where(StageChange.case == cid) != 1:
            problems.append(f"{reference}: not exactly one stage change")
        if await CaseEvent.count().where((CaseEvent.case == cid) & (CaseEvent.kind == "created")) != 1:
            problems.append(f"{reference}: not exactly one 'created' timeline event")
        if await AuditEvent.count().where((AuditEvent.action == "case.created") & (AuditEvent.record_id == reference)) != 1:
            problems.append(f"{reference}: not exactly one case.created audit event")
    return problems


def test_every_acknowledged_write_survives_a_sigkill_and_no_case_is_half_written(server, run):
    investigator = run(User.objects().where(User.username == "investigator").first())
    token = run(create_token(investigator, "fault test")).token
    subcategory = run(Subcategory.select(Subcategory.id).where(Subcategory.slug == "adult-care-services/charging").first())["id"]

    server.start()
    acked = _stream_and_kill(server, token, subcategory)
    server.start()  # the same database, after a crash

    # Every acknowledged complaint, with its complainant, and every acknowledged note.
    rows = run(Case.select(Case.reference, Case.complainant.family_name.as_alias("name")))
    stored = {r["reference"]: r["name"] for r in rows}
    missing = {ref: name for ref, name in acked.cases.items() if stored.get(ref) != name}
    assert not missing, f"acknowledged but lost: {missing}"
    notes = run(Note.select(Note.case.reference.as_alias("reference"), Note.text))
    for reference, texts in acked.notes.items():
        kept = [n["text"] for n in notes if n["reference"] == reference]
        assert all(text in kept for text in texts), (reference, texts, kept)
    note_events = run(CaseEvent.count().where(CaseEvent.kind == "note"))
    assert note_events == len(notes)  # each note and its timeline event committed together

    # Nothing half-written: each case whole, no person left without a case, the counter in step.
    assert run(_half_written_cases()) == []
    orphans = run(fetch_all(
        "SELECT p.id FROM investigations_person p WHERE NOT EXISTS (SELECT 1 FROM investigations_case c "
        "WHERE c.complainant = p.id OR c.person_affected = p.id OR c.representative = p.id)"))
    assert orphans == []
    numbers = sorted(_number(r) for r in stored)
    for counter in run(ReferenceCounter.select()):
        issued = [n for yy, n in numbers if yy == counter["year"]]
        assert issued == list(range(1, counter["last_number"] + 1))  # no gap, no reuse, none beyond the counter
    assert run(verify_chain()).intact

    # The restarted server serves what was acknowledged and takes new writes.
    with httpx.Client(base_url=server.base, headers={"Authorization": f"Bearer {token}"}, timeout=10) as http:
        reference = next(iter(acked.cases))
        assert http.get(f"/api/cases/{reference.replace(' ', '-')}").json()["reference"] == reference
        again = http.post("/api/cases", json={
            "complainant_family_name": "Afterwards", "bodies": ["Hampshire County Council"], "subcategory": subcategory,
            "summary": "After the restart.", "outcome_wanted": "An apology."})
        assert again.status_code == 201, again.text
        assert _number(again.json()["reference"])[1] == max(n for _, n in numbers) + 1
    print(f"{len(acked.cases)} complaints and {sum(map(len, acked.notes.values()))} notes acknowledged; "
          f"{acked.cut_off} requests cut off by the kill; {len(stored)} complaints stored")
