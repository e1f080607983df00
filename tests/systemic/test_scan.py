"""The pattern scan over the real database: groups found, progress, memory of reviews, refusals,
the review pages over HTTP and the command line."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from datetime import date, datetime, timedelta, timezone

import pytest

from investigations.tables import Body, Case
from systemic import scan as scan_module
from systemic.patterns import Group, signature
from systemic.scan import (
    Known, ReviewError, ScanBusy, begin_scan, dismiss_group, last_twelve_months, promote, reconcile, run_scan,
)
from systemic.tables import CandidateGroup, ScanRun, SystemicIssue, SystemicIssueCase
from tests.remedies import factories
from workbench.cli import main
from workbench.tables import AuditEvent

START, END = date(2025, 7, 1), date(2026, 6, 30)

DRE = [
    "The council did not take account of disability related expenditure when it assessed her contribution to "
    "the cost of her home care, so she was overcharged for her care.",
    "The council did not take account of disability related expenditure when it assessed his contribution to "
    "the cost of his home care, so he was overcharged for his care.",
    "The council did not take account of disability related expenditure when it assessed their contribution to "
    "the cost of home care, so they were overcharged for care.",
]
DRE_LATE = ("The council did not take account of disability related expenditure when it assessed the contribution "
            "to the cost of home care, so the family was overcharged for care.")
BINS = [
    "The council's contractor repeatedly missed the assisted bin collection for a disabled resident and the "
    "council failed to put it right despite many complaints.",
    "The council's contractor repeatedly missed the assisted bin collection for an elderly resident and the "
    "council failed to put it right despite many complaints.",
]
BINS_MORE = ("The council's contractor repeatedly missed the assisted bin collection for a housebound resident and "
             "the council failed to put it right despite many complaints.")
NOISE = [
    "Planning permission was granted for a rear extension without notifying the neighbours or considering overlooking.",
    "School transport was refused without considering whether the walking route to school was available and safe.",
]
REPEAT_BODY = "Hampshire County Council"


async def _bodies() -> list[str]:
    rows = await Body.select(Body.name).where(Body.name.like("%County Council")).order_by(Body.name).limit(8)
    return [r["name"] for r in rows if r["name"] != REPEAT_BODY]


async def _case(text: str, body: str, decided_on: date = date(2026, 1, 5), restricted: bool = False,
                investigator: str = "investigator") -> dict:
    case = await factories.decided_case(body=body, decided_on=decided_on, restricted=restricted, investigator=investigator)
    await Case.update({Case.summary: text}).where(Case.id == case["id"])
    return case


async def _plant() -> dict[str, list[dict]]:
    """Three cases about one fault at three bodies, the same fault twice at one body, two unrelated
    cases, and a case like the first three decided before the period."""
    bodies = await _bodies()
    planted = {
        "across": [await _case(text, bodies[i]) for i, text in enumerate(DRE)],
        "repeat": [await _case(text, REPEAT_BODY, date(2026, 2, 1 + i)) for i, text in enumerate(BINS)],
        "noise": [await _case(NOISE[0], bodies[3]), await _case(NOISE[1], REPEAT_BODY)],
    }
    planted["old"] = [await _case(DRE[0], bodies[4], date(2024, 3, 1))]
    return planted


def _ids(cases: list[dict]) -> set[int]:
    return {c["id"] for c in cases}


async def _groups(status: str | None = None) -> list[dict]:
    query = CandidateGroup.select().order_by(CandidateGroup.id).output(load_json=True)
    if status:
        query = query.where(CandidateGroup.status == status)
    return await query


async def _scan(scan_id: int) -> dict:
    return await ScanRun.select().where(ScanRun.id == scan_id).first()


# ---------------------------------------------------------------------------------------------
# Pure: what a scan keeps of what it found


def _group(case_ids, kind="across_bodies") -> Group:
    return Group(kind, tuple(sorted(case_ids)), (1, 2), "t", ("r",), 80)


def _known(id_, status, case_ids) -> Known:
    return Known(id_, status, signature(sorted(case_ids)), frozenset(case_ids))


def test_reconcile_remembers_reviews_and_supersedes_smaller_groups():
    known = [_known(1, "dismissed", {1, 2, 3}), _known(2, "promoted", {10, 11, 12}), _known(3, "new", {20, 21}),
             _known(4, "new", {30, 31, 32})]
    found = [
        _group({1, 2, 3}),           # dismissed, nothing new: stays away
        _group({1, 2}),              # part of a dismissed group: stays away
        _group({1, 2, 3, 4}),        # a new case joined the dismissed group: back for review
        _group({10, 11, 12}),        # already promoted
        _group({20, 21}, "repeat_at_body"),  # already awaiting review, unchanged
        _group({20, 21, 22}),        # contains the "new" group 3: saved, and 3 is superseded
        _group({30, 31}),            # inside a group awaiting review: shown there already
        _group({40, 41, 42}),        # never seen
    ]
    keep, superseded = reconcile(found, known)
    assert [set(g.case_ids) for g in keep] == [{1, 2, 3, 4}, {20, 21, 22}, {40, 41, 42}]
    assert superseded == [3]


def test_last_twelve_months_ends_today_and_survives_a_leap_day():
    assert last_twelve_months(date(2026, 11, 25)) == (date(2025, 11, 26), date(2026, 11, 25))
    assert last_twelve_months(date(2028, 2, 29)) == (date(2027, 3, 1), date(2028, 2, 29))


# ---------------------------------------------------------------------------------------------
# The scan over the database


def test_a_scan_finds_the_planted_groups_records_progress_and_finishes(db, run):
    planted = run(_plant())
    seen: list[tuple[str, int, int]] = []
    scan_id = run(run_scan(START, END, on_progress=lambda phase, done, total: seen.append((phase, done, total))))

    scan = run(_scan(scan_id))
    in_period = 7  # the planted cases but the one decided in 2024
    assert scan["status"] == "finished" and scan["finished_at"] is not None
    assert (scan["done"], scan["total"]) == (in_period, in_period)
    assert scan["groups_found"] == 2
    assert "Compared 7 cases: 2 groups found, 2 new for review" in scan["detail"]
    phases = [phase for phase, _, _ in seen]
    assert phases[0] == "Reading cases" and "Comparing cases" in phases and phases[-1] == "Saving groups"
    assert ("Comparing cases", in_period, in_period) in seen

    groups = run(_groups("new"))
    by_kind = {g["kind"]: g for g in groups}
    assert set(by_kind) == {"across_bodies", "repeat_at_body"}
    across, repeat = by_kind["across_bodies"], by_kind["repeat_at_body"]
    assert set(across["case_ids"]) == _ids(planted["across"])  # not the 2024 case: outside the period
    assert len(across["body_ids"]) == 3 and across["scan"] == scan_id
    assert set(repeat["case_ids"]) == _ids(planted["repeat"])
    assert any(f"Fault found 2 times at {REPEAT_BODY}" in r for r in repeat["reasons"])
    assert across["signature"] == signature(sorted(across["case_ids"]))
    assert 0 < across["score"] <= 100 and across["title"]
    events = run(AuditEvent.select(AuditEvent.action).where(AuditEvent.action == "systemic.scan_started"))
    assert len(events) == 1


def test_a_dismissed_group_stays_away_until_a_new_case_joins(db, run):
    planted = run(_plant())
    manager = run(factories.user("manager"))
    run(run_scan(START, END))
    across = next(g for g in run(_groups("new")) if g["kind"] == "across_bodies")
    run(dismiss_group(across["id"], "Different charging policies: not one fault", manager))

    second = run(run_scan(START, END))
    assert run(_scan(second))["groups_found"] == 2
    assert not [g for g in run(_groups()) if g["scan"] == second]  # neither the dismissed nor the repeat again
    assert [g["status"] for g in run(_groups()) if g["kind"] == "across_bodies"] == ["dismissed"]

    bodies = run(_bodies())
    late = run(_case(DRE_LATE, bodies[5], date(2026, 3, 1)))
    third = run(run_scan(START, END))
    back = [g for g in run(_groups()) if g["scan"] == third]
    assert len(back) == 1 and back[0]["status"] == "new"
    assert set(back[0]["case_ids"]) == _ids(planted["across"]) | {late["id"]}


def test_a_bigger_group_supersedes_the_one_awaiting_review(db, run):
    planted = run(_plant())
    run(run_scan(START, END))
    repeat = next(g for g in run(_groups("new")) if g["kind"] == "repeat_at_body")
    more = run(_case(BINS_MORE, REPEAT_BODY, date(2026, 2, 20)))
    run(run_scan(START, END))
    statuses = {g["id"]: g["status"] for g in run(_groups())}
    assert statuses[repeat["id"]] == "superseded"
    current = [g for g in run(_groups("new")) if g["kind"] == "repeat_at_body"]
    assert [set(g["case_ids"]) for g in current] == [_ids(planted["repeat"]) | {more["id"]}]


def test_promote_makes_an_issue_with_the_cases_linked(db, run):
    planted = run(_plant())
    manager = run(factories.user("manager"))
    run(run_scan(START, END))
    across = next(g for g in run(_groups("new")) if g["kind"] == "across_bodies")

    with pytest.raises(ReviewError, match="title"):
        run(promote(across["id"], "   ", "", manager))
    assert run(SystemicIssue.count()) == 0 and run(_groups("new"))[0]["status"] == "new"  # nothing written

    issue_id = run(promote(across["id"], "Disability-related expenditure ignored in care charges",
                           "Councils leave DRE out of the financial assessment.", manager))
    issue = run(SystemicIssue.select().where(SystemicIssue.id == issue_id).first())
    assert issue["title"] == "Disability-related expenditure ignored in care charges"
    assert issue["status"] == "open" and not issue["own_initiative"] and issue["created_by"] == manager.id
    linked = run(SystemicIssueCase.select(SystemicIssueCase.case).where(SystemicIssueCase.issue == issue_id))
    assert {r["case"] for r in linked} == _ids(planted["across"])
    group = run(CandidateGroup.select().where(CandidateGroup.id == across["id"]).first())
    assert (group["status"], group["issue"], group["reviewed_by"]) == ("promoted", issue_id, manager.id)
    actions = {r["action"] for r in run(AuditEvent.select(AuditEvent.action))}
    assert {"systemic.group_promoted", "systemic.created", "systemic.case_linked"} <= actions

    with pytest.raises(ReviewError, match="already been reviewed"):
        run(promote(across["id"], "Again", "", manager))
    with pytest.raises(ReviewError, match="already been reviewed"):
        run(dismiss_group(across["id"], "No", manager))
    assert run(SystemicIssue.count()) == 1
    run(run_scan(START, END))  # a promoted group is not proposed again
    assert [g["kind"] for g in run(_groups("new"))] == ["repeat_at_body"]


def test_dismissing_needs_a_reason(db, run):
    run(_plant())
    manager = run(factories.user("manager"))
    run(run_scan(START, END))
    group = run(_groups("new"))[0]
    with pytest.raises(ReviewError, match="not a pattern"):
        run(dismiss_group(group["id"], "  ", manager))
    assert run(_groups("new"))[0]["status"] == "new"


def test_a_failed_scan_is_marked_failed_with_the_reason(db, run, monkeypatch):
    run(_plant())

    def broken(*args, **kwargs):
        raise RuntimeError("index exploded")

    monkeypatch.setattr(scan_module, "find_groups", broken)
    with pytest.raises(RuntimeError):
        run(run_scan(START, END))
    scan = run(ScanRun.select().first())
    assert scan["status"] == "failed" and scan["finished_at"] is not None
    assert "index exploded" in scan["detail"]
    assert run(CandidateGroup.count()) == 0
    monkeypatch.undo()
    assert run(_scan(run(run_scan(START, END))))["status"] == "finished"  # the failure does not block the next


def test_a_stopping_app_interrupts_the_scan_and_says_so(db, run):
    run(_plant())
    stop = threading.Event()
    stop.set()
    with pytest.raises(scan_module.ScanInterrupted):
        run(run_scan(START, END, stop=stop))
    scan = run(ScanRun.select().first())
    assert scan["status"] == "failed" and scan["detail"].startswith("Interrupted")


def _hold_find_groups(monkeypatch) -> threading.Event:
    """find_groups waits in its worker thread until the event is set (a scan caught while running)."""
    release = threading.Event()
    real = scan_module.find_groups

    def held(profiles, settings, progress=None):
        release.wait(20)
        return real(profiles, settings, progress=progress)

    monkeypatch.setattr(scan_module, "find_groups", held)
    return release


def test_a_second_scan_is_refused_while_one_runs(db, run, monkeypatch):
    run(_plant())
    release = _hold_find_groups(monkeypatch)

    async def two_at_once() -> int:
        first = asyncio.create_task(run_scan(START, END))
        for _ in range(500):
            row = await ScanRun.select(ScanRun.detail).first()
            if row and row["detail"] == "Comparing cases":
                break
            await asyncio.sleep(0.01)
        with pytest.raises(ScanBusy, match="already running"):
            await run_scan(START, END)
        release.set()
        return await first

    scan_id = run(two_at_once())
    assert run(ScanRun.count()) == 1
    assert run(_scan(scan_id))["status"] == "finished"


def test_a_scan_left_running_for_over_an_hour_does_not_block_the_next(db, run):
    run(_plant())
    run(ScanRun(started_at=datetime.now(timezone.utc) - timedelta(hours=2), status="running",
                period_start=START, period_end=END).save())
    scan_id = run(run_scan(START, END))
    rows = {r["id"]: r for r in run(ScanRun.select())}
    assert rows[scan_id]["status"] == "finished"
    stale = next(r for i, r in rows.items() if i != scan_id)
    assert stale["status"] == "failed" and "did not finish within an hour" in stale["detail"]


def test_a_period_that_ends_before_it_starts_is_refused(db, run):
    with pytest.raises(ReviewError, match="start on or before"):
        run(begin_scan(END, START))
    assert run(ScanRun.count()) == 0


# ---------------------------------------------------------------------------------------------
# The pages over HTTP


def _wait_for(client, url: str, seconds: float = 30.0) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        block = client.get(url, headers={"HX-Request": "true"}).text
        if 'data-status="running"' not in block:
            return block
        time.sleep(0.1)
    raise AssertionError("the scan did not finish")


def test_scan_now_shows_a_progress_bar_that_polls_until_the_scan_finishes(client, run, monkeypatch):
    planted = run(_plant())
    release = _hold_find_groups(monkeypatch)
    client.sign_in_as("manager")
    page = client.get("/systemic/candidates")
    assert page.status_code == 200 and 'data-testid="no-candidates"' in page.text

    started = client.post_form("/systemic/scans", {"period_start": START.isoformat(), "period_end": END.isoformat()},
                               follow_redirects=False)
    assert started.status_code == 303
    url = started.headers["location"]
    assert re.fullmatch(r"/systemic/scans/\d+", url)

    running = client.get(url)
    assert running.status_code == 200 and "<script>" not in running.text
    assert 'hx-trigger="every 1s"' in running.text and f'hx-get="{url}"' in running.text
    assert "<progress" in running.text
    block = client.get(url, headers={"HX-Request": "true"})
    assert block.text.lstrip().startswith("<div") and "<html" not in block.text  # just the block
    busy = client.post_form("/systemic/scans", {})
    assert busy.status_code == 400 and "already running" in busy.text
    listed = client.get("/systemic/candidates").text
    assert 'hx-trigger="every 1s"' in listed  # the list shows the running scan too

    release.set()
    finished = _wait_for(client, url)
    assert 'data-status="finished"' in finished and "hx-trigger" not in finished  # polling stops
    assert "2 groups found" in finished

    page = client.get("/systemic/candidates").text
    for case in planted["across"] + planted["repeat"]:
        assert f'href="/cases/{case["reference"].replace(" ", "-")}"' in page
    assert "Across bodies" in page and "Repeat at one body" in page
    assert REPEAT_BODY in page and "Fault found 2 times" in page


def test_managers_promote_and_dismiss_from_the_page(client, run):
    planted = run(_plant())
    run(run_scan(START, END))
    groups = {g["kind"]: g for g in run(_groups("new"))}
    client.sign_in_as("manager")

    refused = client.post_form(f"/systemic/candidates/{groups['across_bodies']['id']}/promote", {"title": ""})
    assert refused.status_code == 400 and "Enter a title for the systemic issue" in refused.text
    assert f'href="#group-{groups["across_bodies"]["id"]}-title"' in refused.text

    promoted = client.post_form(f"/systemic/candidates/{groups['across_bodies']['id']}/promote",
                                {"title": "DRE left out of care charges", "description": "Across three councils."},
                                follow_redirects=False)
    assert promoted.status_code == 303
    issue_id = int(promoted.headers["location"].rsplit("/", 1)[1])
    linked = run(SystemicIssueCase.select(SystemicIssueCase.case).where(SystemicIssueCase.issue == issue_id))
    assert {r["case"] for r in linked} == _ids(planted["across"])

    no_reason = client.post_form(f"/systemic/candidates/{groups['repeat_at_body']['id']}/dismiss", {"note": ""})
    assert no_reason.status_code == 400 and "Say why this is not a pattern" in no_reason.text
    dismissed = client.post_form(f"/systemic/candidates/{groups['repeat_at_body']['id']}/dismiss",
                                 {"note": "The contractor changed in March"}, follow_redirects=False)
    assert dismissed.status_code == 303 and dismissed.headers["location"] == "/systemic/candidates"
    page = client.get("/systemic/candidates").text
    assert 'data-testid="no-candidates"' in page and "It will not come back unless new cases join it" in page

    again = client.post_form(f"/systemic/candidates/{groups['repeat_at_body']['id']}/dismiss", {"note": "again"})
    assert again.status_code == 400 and "already been reviewed" in again.text
    assert client.post_form("/systemic/candidates/999999/dismiss", {"note": "x"}).status_code == 404
    assert client.get("/systemic/scans/999999").status_code == 404


def test_a_restricted_case_is_counted_but_not_named_to_a_manager_who_may_not_open_it(client, run):
    bodies = run(_bodies())
    hidden = run(_case(DRE[0], bodies[0], restricted=True, investigator="tnguyen"))  # managed by manager2, not "manager"
    shown = [run(_case(text, bodies[i + 1])) for i, text in enumerate(DRE[1:])] + [run(_case(DRE_LATE, bodies[3]))]
    run(run_scan(START, END))
    client.sign_in_as("manager")
    page = client.get("/systemic/candidates").text
    assert hidden["reference"].replace(" ", "-") not in page and hidden["reference"] not in page
    assert "1 restricted case you cannot open" in page
    assert all(c["reference"].replace(" ", "-") in page for c in shown)


@pytest.mark.parametrize("role", ["investigator", "compliance_officer", "report_writer"])
def test_only_managers_and_administrators_review_candidates(client, role):
    client.sign_in_as(role)
    assert client.get("/systemic/candidates").status_code == 403
    assert client.post_form("/systemic/scans", {}).status_code == 403


def test_bad_dates_re_render_the_page_with_the_error(client):
    client.sign_in_as("administrator")
    response = client.post_form("/systemic/scans", {"period_start": "2026-13-40"})
    assert response.status_code == 400 and "must be a real date" in response.text
    response = client.post_form("/systemic/scans", {"period_start": "2026-06-01", "period_end": "2026-01-01"})
    assert response.status_code == 400 and "start on or before" in response.text


# ---------------------------------------------------------------------------------------------
# The command line


def test_workbench_scan_prints_progress_and_the_groups(db, run, capsys):
    run(_plant())
    main(["scan", "--from", START.isoformat(), "--to", END.isoformat()])
    out = capsys.readouterr().out
    assert f"Scanning cases from {START.isoformat()} to {END.isoformat()}" in out
    assert "Comparing cases: 7 of 7 (100%)" in out
    assert "2 groups found, 2 new for review" in out
    assert re.search(r"\[Across bodies\] 3 cases, 3 bodies \(.+\), score \d+, strength \d+: ", out)
    assert re.search(rf"\[Repeat at one body\] 2 cases, 1 body \({REPEAT_BODY}\), score \d+, strength \d+: ", out)


def test_workbench_scan_refuses_while_another_runs(db, run, capsys):
    run(begin_scan(START, END))
    with pytest.raises(SystemExit) as exit_info:
        main(["scan"])
    assert exit_info.value.code == 1
    assert "already running" in capsys.readouterr().err


def test_workbench_similar_prints_the_similar_cases_and_refuses_an_unknown_reference(db, run, capsys):
    planted = run(_plant())
    first, *others = planted["across"]
    main(["similar", first["reference"], "--limit", "3"])
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"Cases most similar to {first['reference']}:"
    lines = out[1:]
    assert len(lines) == 3
    assert {o["reference"] for o in others} <= {" ".join(line.split()[:3]) for line in lines}  # the same fault, first
    for line in lines:
        assert re.match(r"  \S+ \S+ \S+\s+\d{1,3}  .+", line)

    with pytest.raises(SystemExit) as exit_info:
        main(["similar", "99 999 999"])
    assert exit_info.value.code == 1
    assert "no case '99 999 999'" in capsys.readouterr().err


def test_the_systemic_issues_page_links_managers_to_the_candidates(client, anonymous):
    client.sign_in_as("manager")
    assert 'href="/systemic/candidates"' in client.get("/systemic").text
    anonymous.sign_in_as("investigator")
    assert 'href="/systemic/candidates"' not in anonymous.get("/systemic").text


def test_the_nightly_job_scans_the_last_twelve_months_and_skips_while_a_scan_runs(db, run):
    from systemic.scan import scan_nightly
    from workbench.scheduler import jobs

    assert any(job.func is scan_nightly for job in jobs())
    run(_plant())
    scan = run(_scan(run(scan_nightly(today=END))))
    assert (scan["period_start"], scan["period_end"]) == (START, END)
    assert scan["status"] == "finished" and scan["groups_found"] == 2 and scan["requested_by"] is None
    run(begin_scan(START, END))
    assert run(scan_nightly(today=END)) is None  # another scan is running: this night's is skipped
