"""The compliance officer's screens over HTTP: the dashboard's lists, filters, groups and ages, its bulk
actions (and their refusals, which change nothing), CSV exports, and a body's page with its figures,
repeat faults and contacts. Need-to-know throughout."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from investigations.tables import BodyContact, Case, Finding, Subcategory
from investigations.worklists import london_today
from remedies import bulk_actions, worklist
from remedies.recommendations import RemedyError, accept_or_reject_evidence, add_evidence, status_of
from remedies.status import Status
from remedies.tables import Extension, Recommendation, RecommendationEvent
from tests.remedies import factories as f
from workbench.db import bulk_insert
from workbench.tables import AuditEvent, User
from workbench.workdays import default_calendar

CAL = default_calendar()
TODAY = london_today()
KENT = "Kent County Council"
HAMPSHIRE = "Hampshire County Council"


def working_days_ago(n: int) -> date:
    return CAL.subtract_working_days(TODAY, n).result


def working_days_ahead(n: int) -> date:
    return CAL.add_working_days(TODAY, n).result


async def made(case: dict, due_on: date, *, original_due_on: date | None = None, outcome: str = "",
               outcome_on: date | None = None, escalated_on: date | None = None, assigned_to: str | None = None,
               remedy_type: str = "apology", amount: Decimal | None = None, description: str = "Apologise to Mrs X") -> int:
    """A recommendation made through the service, then moved to the dates and state the test needs."""
    rid = await f.recommendation(case, remedy_type=remedy_type, amount=amount, description=description)
    officer = (await f.user(assigned_to)).id if assigned_to else None
    await Recommendation.update({
        Recommendation.original_due_on: original_due_on or due_on, Recommendation.due_on: due_on,
        Recommendation.outcome: outcome, Recommendation.outcome_on: outcome_on,
        Recommendation.escalated_on: escalated_on, Recommendation.assigned_to: officer,
    }).where(Recommendation.id == rid)
    return rid


def listed(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-recommendation="(\d+)"', html)]


def tab_count(html: str, name: str) -> int:
    return int(re.search(rf'data-testid="count-{name}">([\d,]+)<', html).group(1).replace(",", ""))


def groups(html: str, key: str) -> dict[str, int]:
    """The 'grouped by' table: data-group id -> count."""
    rows = re.findall(rf'data-group="{key}-(\w+)">.*?govuk-table__cell--numeric">(?:<a[^>]*>)?([\d,]+)', html, re.S)
    return {group: int(n.replace(",", "")) for group, n in rows}


def rows_of(response) -> list[dict[str, str]]:
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


@pytest.fixture
def states(run, db):
    """One recommendation in each state the dashboard cares about, on two bodies and two investigators."""
    hants = run(f.decided_case(HAMPSHIRE))
    kent = run(f.decided_case(KENT, investigator="ibrooks"))
    officer = run(f.user("compliance"))
    ids = {
        "overdue": run(made(hants, working_days_ago(7), assigned_to="compliance")),
        "overdue_kent": run(made(kent, working_days_ago(2), remedy_type="staff_training")),
        "due_soon": run(made(hants, working_days_ahead(3), remedy_type="financial_avoidable_distress",
                             amount=Decimal("250.00"))),
        "due_today": run(made(kent, TODAY)),
        "open": run(made(hants, working_days_ahead(30))),
        "escalated": run(made(kent, working_days_ago(40), escalated_on=working_days_ago(20))),
        "escalated_later": run(made(hants, working_days_ago(3), escalated_on=working_days_ahead(2))),
        "complied": run(made(hants, working_days_ago(30), outcome="complied_on_time", outcome_on=working_days_ago(31))),
        "ceased": run(made(kent, working_days_ago(30), outcome="ceased", outcome_on=working_days_ago(1))),
        "awaiting": run(made(kent, working_days_ahead(20))),
        "rejected": run(made(hants, working_days_ahead(25))),
    }
    run(add_evidence(ids["awaiting"], TODAY, "Copy of the apology letter", [], officer, f.uploads()))
    rejected = run(add_evidence(ids["rejected"], TODAY, "Draft letter only", [], officer, f.uploads()))
    run(accept_or_reject_evidence(rejected, "insufficient", "Not signed", officer))
    return {"ids": ids, "hants": hants, "kent": kent}


# ---------------------------------------------------------------------------------------------
# The lists


def test_each_list_holds_what_the_derived_status_says(client, run, states):
    ids = states["ids"]
    client.sign_in_as("compliance_officer")
    expected = {
        "overdue": {ids["overdue"], ids["overdue_kent"], ids["escalated_later"]},  # escalation not reached yet
        "due_soon": {ids["due_soon"], ids["due_today"]},
        "escalated": {ids["escalated"]},
        "awaiting": {ids["awaiting"]},  # evidence with no verdict; a rejected one is not waiting
    }
    for name, wanted in expected.items():
        page = client.get("/compliance", params={"list": name} if name != "overdue" else {})
        assert page.status_code == 200
        assert set(listed(page.text)) == wanted, name
        assert {tab: tab_count(page.text, tab) for tab in expected} == {k: len(v) for k, v in expected.items()}
    # The lists agree with derive_status row by row.
    rows = run(Recommendation.select().where(Recommendation.id.is_in(list(ids.values()))))
    status = {r["id"]: status_of(r, TODAY, CAL) for r in rows}
    assert {i for i in ids.values() if status[i] is Status.OVERDUE} == expected["overdue"]
    assert {i for i in ids.values() if status[i] is Status.DUE_SOON} == expected["due_soon"]
    assert {i for i in ids.values() if status[i] is Status.ESCALATED} == expected["escalated"]


def test_rows_show_age_in_working_days_status_and_links(client, states):
    ids = states["ids"]
    client.sign_in_as("compliance_officer")
    overdue = client.get("/compliance").text
    row = overdue.split(f'data-recommendation="{ids["overdue"]}"', 1)[1].split("</tr>", 1)[0]
    age = CAL.working_days_between(working_days_ago(7), TODAY)  # 7 on a working day
    assert f'data-age="{age}"' in row and f"{age} working days overdue" in row
    assert "govuk-tag--red" in row and "Overdue" in row
    assert f'href="/bodies/{states["hants"]["body_id"]}"' in row and HAMPSHIRE in row
    assert f'href="/recommendations/{ids["overdue"]}"' in row
    assert f'href="/cases/{states["hants"]["reference"].replace(" ", "-")}"' in row
    assert "Colin Marsh" in row  # the assigned officer
    soon = client.get("/compliance?list=due_soon").text
    row = soon.split(f'data-recommendation="{ids["due_soon"]}"', 1)[1].split("</tr>", 1)[0]
    left = CAL.working_days_between(TODAY, working_days_ahead(3))
    assert f'data-age="{-left}"' in row and f"{left} working days left" in row and "£250.00" in row
    today_row = soon.split(f'data-recommendation="{ids["due_today"]}"', 1)[1].split("</tr>", 1)[0]
    assert "Due today" in today_row and "Unassigned" in today_row
    # Oldest due date first.
    assert listed(overdue) == [ids["overdue"], ids["escalated_later"], ids["overdue_kent"]]


def test_age_counts_working_days_across_a_bank_holiday():
    # Due on Christmas Eve 2026 (Thursday): Christmas Day and the Boxing Day substitute do not count.
    assert worklist.age_working_days(date(2026, 12, 24), date(2026, 12, 31), CAL) == 3
    assert worklist.age_text(3) == "3 working days overdue"
    assert worklist.age_text(-1) == "1 working day left"
    assert worklist.age_text(0) == "Due today"


def test_filters_narrow_every_list_and_the_counts(client, run, states):
    ids = states["ids"]
    client.sign_in_as("compliance_officer")
    kent_body = states["kent"]["body_id"]
    ibrooks = run(f.user("ibrooks")).id
    me = run(f.user("compliance")).id
    cases = [
        ({"body": kent_body}, {ids["overdue_kent"]}, 1),
        ({"investigator": ibrooks}, {ids["overdue_kent"]}, 1),
        ({"officer": "mine"}, {ids["overdue"]}, 0),
        ({"officer": str(me)}, {ids["overdue"]}, 0),
        ({"officer": "none"}, {ids["overdue_kent"], ids["escalated_later"]}, 2),
        ({"remedy_type": "staff_training"}, {ids["overdue_kent"]}, 0),
        ({"kind": "service_improvement"}, {ids["overdue_kent"]}, 0),
        ({"kind": "personal"}, {ids["overdue"], ids["escalated_later"]}, 2),
    ]
    for params, wanted, due_soon in cases:
        page = client.get("/compliance", params=params).text
        assert set(listed(page)) == wanted, params
        assert tab_count(page, "overdue") == len(wanted), params
        assert tab_count(page, "due_soon") == due_soon, params
    # Nonsense values are left out rather than failing: the list shows, less narrowed.
    assert set(listed(client.get("/compliance?officer=someone&kind=x&body=abc&list=nope").text)) == \
        {ids["overdue"], ids["overdue_kent"], ids["escalated_later"]}


def test_grouped_by_body_and_investigator_with_counts(client, run, states):
    client.sign_in_as("compliance_officer")
    page = client.get("/compliance").text
    hants, kent = states["hants"]["body_id"], states["kent"]["body_id"]
    assert groups(page, "body") == {str(hants): 2, str(kent): 1}
    investigator, ibrooks = run(f.user("investigator")).id, run(f.user("ibrooks")).id
    assert groups(page, "investigator") == {str(investigator): 2, str(ibrooks): 1}
    # A group's count links to the list filtered to it.
    assert f'href="/compliance?body={kent}"' in page


def test_filter_changes_swap_only_the_results_block(client, states):
    client.sign_in_as("compliance_officer")
    response = client.get("/compliance?list=due_soon&kind=personal", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text and 'data-testid="list-heading"' in response.text
    assert response.headers["HX-Push-Url"] == "/compliance?list=due_soon&kind=personal"
    assert set(listed(response.text)) == {states["ids"]["due_soon"], states["ids"]["due_today"]}


def _copies(run, rid: int, n: int, **changes) -> list[int]:
    """n more rows like recommendation ``rid`` (bulk inserted: the dashboard reads rows, not history)."""
    row = run(Recommendation.select().where(Recommendation.id == rid).first())
    row.pop("id")
    run(bulk_insert(Recommendation, [{**row, **changes} for _ in range(n)]))
    return run(Recommendation.select(Recommendation.id).where(Recommendation.id > rid).output(as_list=True))


def test_lists_are_paginated_fifty_a_page(client, run, db):
    case = run(f.decided_case())
    first = run(made(case, working_days_ago(5)))
    _copies(run, first, 54)
    client.sign_in_as("compliance_officer")
    page1 = client.get("/compliance").text
    page2 = client.get("/compliance?page=2").text
    assert len(listed(page1)) == 50 and len(listed(page2)) == 5
    assert set(listed(page1)).isdisjoint(listed(page2)) and tab_count(page1, "overdue") == 55
    assert 'aria-label="Page 2"' in page1
    assert len(listed(client.get("/compliance?page=99").text)) == 5  # past the end: the last page


# ---------------------------------------------------------------------------------------------
# Bulk actions


def _history(run, rid: int, kind: str) -> int:
    return run(RecommendationEvent.count().where(
        (RecommendationEvent.recommendation == rid) & (RecommendationEvent.kind == kind)))


def test_record_a_chaser_sent_on_ticked_rows(client, run, states):
    ids = states["ids"]
    client.sign_in_as("compliance_officer")
    ticked = [ids["overdue"], ids["overdue_kent"]]
    response = client.post_form("/compliance/chasers", {"ids": [str(i) for i in ticked], "note": "Phoned the link officer",
                                                        "kind": "personal"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/compliance?kind=personal"
    page = client.get(response.headers["location"]).text
    assert "Chaser recorded on 2 recommendations" in page and states["kent"]["reference"] in page
    for rid in ticked:
        row = run(Recommendation.select(Recommendation.last_chased_on).where(Recommendation.id == rid).first())
        assert row["last_chased_on"] == TODAY
        assert _history(run, rid, "chased") == 1
    chased = run(AuditEvent.select(AuditEvent.record_id).where(AuditEvent.action == "recommendation.chased"))
    assert sorted(int(e["record_id"]) for e in chased) == sorted(ticked)  # one event per row


def test_a_refused_chaser_names_the_rows_and_changes_nothing(client, run, states):
    ids = states["ids"]
    client.sign_in_as("compliance_officer")
    events = run(RecommendationEvent.count())
    response = client.post_form("/compliance/chasers", {"ids": [str(ids["overdue"]), str(ids["complied"])],
                                                        "note": "Emailed"})
    assert response.status_code == 400
    assert 'data-testid="error-summary"' in response.text and "already closed" in response.text
    assert states["hants"]["reference"] in response.text.split("There is a problem", 1)[1].split("</ul>", 1)[0]
    assert f'id="tick-{ids["overdue"]}" name="ids" type="checkbox" value="{ids["overdue"]}" checked' in response.text
    assert run(RecommendationEvent.count()) == events
    assert run(Recommendation.select(Recommendation.last_chased_on).where(
        Recommendation.id == ids["overdue"]).first())["last_chased_on"] is None
    # Nothing ticked, no note: both said at once.
    empty = client.post_form("/compliance/chasers", {"note": ""})
    assert empty.status_code == 400
    assert "Select at least one recommendation" in empty.text and "Say how the chaser was sent" in empty.text


def test_extend_ticked_rows_by_working_days_from_each_own_due_date(client, run, states):
    ids = states["ids"]
    client.sign_in_as("compliance_officer")
    ticked = [ids["overdue"], ids["overdue_kent"]]
    before = {r["id"]: r for r in run(Recommendation.select().where(Recommendation.id.is_in(ticked)))}
    response = client.post_form("/compliance/extensions", {"ids": [str(i) for i in ticked], "working_days": "10",
                                                           "reason": "Council's payments system down"},
                                follow_redirects=False)
    assert response.status_code == 303
    assert "Due date extended on 2 recommendations" in client.get("/compliance").text
    for rid in ticked:
        row = run(Recommendation.select().where(Recommendation.id == rid).first())
        assert row["due_on"] == CAL.add_working_days(before[rid]["due_on"], 10).result
        assert row["original_due_on"] == before[rid]["original_due_on"]  # still decides "late"
        assert run(Extension.count().where(Extension.recommendation == rid)) == 1


def test_extend_to_a_date(client, run, states):
    ids = states["ids"]
    client.sign_in_as("compliance_officer")
    new_date = working_days_ahead(15)
    response = client.post_form("/compliance/extensions", {"ids": [str(ids["overdue"]), str(ids["due_soon"])],
                                                           "new_due_on": new_date.isoformat(), "reason": "Agreed"},
                                follow_redirects=False)
    assert response.status_code == 303
    rows = run(Recommendation.select(Recommendation.due_on).where(
        Recommendation.id.is_in([ids["overdue"], ids["due_soon"]])))
    assert {r["due_on"] for r in rows} == {new_date}


def test_a_refused_extension_names_each_refused_row_and_changes_nothing(client, run, states):
    ids = states["ids"]
    client.sign_in_as("compliance_officer")
    # The open one is due later than the date asked for; the ceased one is closed.
    response = client.post_form("/compliance/extensions", {
        "ids": [str(ids["overdue"]), str(ids["open"]), str(ids["ceased"])],
        "new_due_on": working_days_ahead(10).isoformat(), "reason": "Agreed"})
    assert response.status_code == 400
    summary = response.text.split("There is a problem", 1)[1].split("</ul>", 1)[0]
    assert "Nothing was extended" in summary and "is not after its due date" in summary and "already closed" in summary
    assert states["kent"]["reference"] in summary and states["hants"]["reference"] in summary
    assert run(Extension.count()) == 0
    # Bad fields: every problem at once.
    bad = client.post_form("/compliance/extensions", {"ids": [str(ids["overdue"])], "new_due_on": "2026-02-30",
                                                      "reason": " "})
    assert bad.status_code == 400 and "must be a real date" in bad.text and "Give the reason" in bad.text
    both = client.post_form("/compliance/extensions", {"ids": [str(ids["overdue"])], "new_due_on": "2030-01-01",
                                                       "working_days": "5", "reason": "x"})
    assert both.status_code == 400 and "not both" in both.text
    assert run(Extension.count()) == 0


def test_an_extension_failing_part_way_rolls_back_the_rows_already_extended(client, run, states, monkeypatch):
    ids = states["ids"]
    real = bulk_actions.extend_due_date
    calls = []

    async def second_fails(rid, *args, **kwargs):
        calls.append(rid)
        if len(calls) == 2:
            raise RemedyError("Someone else changed this recommendation since you opened it; check it and try again")
        return await real(rid, *args, **kwargs)

    monkeypatch.setattr(bulk_actions, "extend_due_date", second_fails)
    before = {r["id"]: r["due_on"] for r in run(Recommendation.select(Recommendation.id, Recommendation.due_on))}
    client.sign_in_as("compliance_officer")
    response = client.post_form("/compliance/extensions", {"ids": [str(ids["overdue"]), str(ids["overdue_kent"])],
                                                           "working_days": "5", "reason": "Agreed"})
    assert response.status_code == 400 and "Someone else changed" in response.text
    assert calls == [ids["overdue"], ids["overdue_kent"]]
    assert {r["id"]: r["due_on"] for r in run(Recommendation.select(Recommendation.id, Recommendation.due_on))} == before
    assert run(Extension.count()) == 0
    assert _history(run, ids["overdue"], "extended") == 0


def test_assign_and_unassign(client, run, states):
    ids = states["ids"]
    client.sign_in_as("manager")
    officer = run(f.user("compliance")).id
    ticked = [str(ids["overdue_kent"]), str(ids["due_soon"])]
    response = client.post_form("/compliance/assignments", {"ids": ticked, "assignee": str(officer)},
                                follow_redirects=False)
    assert response.status_code == 303
    assert "2 recommendations assigned to Colin Marsh" in client.get("/compliance").text
    rows = run(Recommendation.select(Recommendation.assigned_to).where(Recommendation.id.is_in([int(i) for i in ticked])))
    assert {r["assigned_to"] for r in rows} == {officer}
    client.post_form("/compliance/assignments", {"ids": ticked, "assignee": "none"})
    rows = run(Recommendation.select(Recommendation.assigned_to).where(Recommendation.id.is_in([int(i) for i in ticked])))
    assert {r["assigned_to"] for r in rows} == {None}
    # Only a compliance officer can be given the work.
    investigator = run(f.user("investigator")).id
    refused = client.post_form("/compliance/assignments", {"ids": ticked, "assignee": str(investigator)})
    assert refused.status_code == 400 and "Choose a compliance officer" in refused.text
    rows = run(Recommendation.select(Recommendation.assigned_to).where(Recommendation.id.is_in([int(i) for i in ticked])))
    assert {r["assigned_to"] for r in rows} == {None}


def test_the_bulk_form_posts_the_ids_and_returns_to_the_same_list(client, states):
    client.sign_in_as("compliance_officer")
    page = client.get("/compliance?list=due_soon&kind=personal").text
    form = page.split('<form id="bulk-actions"', 1)[1].split("</form>", 1)[0]
    assert 'name="_csrf_token"' in form and 'name="list" value="due_soon"' in form and 'name="kind" value="personal"' in form
    for action in ("/compliance/chasers", "/compliance/extensions", "/compliance/assignments"):
        assert f'formaction="{action}"' in form
    assert f'name="ids" type="checkbox" value="{states["ids"]["due_soon"]}"' in form


# ---------------------------------------------------------------------------------------------
# Need-to-know


def test_a_restricted_cases_recommendation_is_hidden_without_need_to_know(client, anonymous, run, states):
    secret_case = run(f.decided_case(HAMPSHIRE, restricted=True, investigator="investigator"))
    secret = run(made(secret_case, working_days_ago(4)))
    client.sign_in_as("compliance_officer")
    page = client.get("/compliance").text
    assert secret not in listed(page) and tab_count(page, "overdue") == 3
    assert str(secret) not in [r["Recommendation"] for r in rows_of(client.get("/compliance/export.csv"))]
    body_page = client.get(f"/bodies/{secret_case['body_id']}").text
    assert secret not in listed(body_page)
    # Ticking it by hand changes nothing.
    refused = client.post_form("/compliance/chasers", {"ids": [str(secret)], "note": "Phoned"})
    assert refused.status_code == 400 and "not yours to see" in refused.text
    assert run(Recommendation.select(Recommendation.last_chased_on).where(
        Recommendation.id == secret).first())["last_chased_on"] is None
    # The investigator's manager and an administrator see it.
    for role in ("manager", "administrator"):
        anonymous.cookies.clear()
        anonymous.sign_in_as(role)
        assert secret in listed(anonymous.get("/compliance").text), role


# ---------------------------------------------------------------------------------------------
# CSV


def test_csv_export_has_every_row_a_header_iso_dates_and_no_formulas(client, run, db):
    case = run(f.decided_case())
    first = run(made(case, working_days_ago(5), remedy_type="financial_avoidable_distress", amount=Decimal("250.00"),
                     description="=HYPERLINK(\"http://evil.example\",\"click\")"))
    _copies(run, first, 59)
    other = run(f.decided_case())
    run(made(other, working_days_ago(3), description="+44 phone then -minus and @mention"))
    client.sign_in_as("compliance_officer")
    response = client.get("/compliance/export.csv")
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith('attachment; filename="recommendations-overdue-')
    lines = response.text.splitlines()
    assert lines[0].startswith("Recommendation,Case reference,Body,Investigator,Remedy type")
    rows = rows_of(response)
    assert len(rows) == 61  # all of them, not one page of 50
    row = next(r for r in rows if r["Recommendation"] == str(first))
    assert row["Due date"] == working_days_ago(5).isoformat()
    assert row["Amount (GBP)"] == "250.00" and row["Age (working days past due)"] == "5"
    assert row["What the body must do"].startswith("'=HYPERLINK")
    assert row["Status"] == "Overdue" and row["Remedy type"] == "Financial redress: avoidable distress"
    assert next(r for r in rows if r["Case reference"] == other["reference"])["What the body must do"].startswith("'+44")
    # Filters apply to the export too; a negative age is a number, not a formula.
    soon = run(made(other, working_days_ahead(2)))
    due_soon = rows_of(client.get("/compliance/export.csv?list=due_soon"))
    assert [r["Recommendation"] for r in due_soon] == [str(soon)]
    assert due_soon[0]["Age (working days past due)"] == str(-CAL.working_days_between(TODAY, working_days_ahead(2)))
    assert rows_of(client.get(f"/compliance/export.csv?body={case['body_id']}&remedy_type=staff_training")) == []


@pytest.mark.parametrize("text, safe", [
    ("=1+2", "'=1+2"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("plain", "plain"), ("", ""),
])
def test_csv_cells_starting_a_formula_are_quoted(text, safe):
    assert worklist.csv_cell(text) == safe


def test_csv_cells_keep_numbers_and_dates_plain():
    assert worklist.csv_cell(-3) == "-3"
    assert worklist.csv_cell(Decimal("1250.50")) == "1250.50"
    assert worklist.csv_cell(date(2026, 3, 31)) == "2026-03-31"
    assert worklist.csv_cell(None) == ""


# ---------------------------------------------------------------------------------------------
# A body's page


def test_body_page_figures_match_hand_counts(client, run, db):
    case = run(f.decided_case(KENT))
    fy25 = date(2025, 6, 2)  # 2025-26
    fy24 = date(2024, 6, 3)  # 2024-25
    for _ in range(3):
        run(made(case, fy25, outcome="complied_on_time", outcome_on=fy25))
    run(made(case, fy25, outcome="complied_late", outcome_on=fy25 + timedelta(days=9)))
    run(made(case, fy24, outcome="not_complied", outcome_on=fy24 + timedelta(days=90)))
    run(made(case, fy24, outcome="ceased", outcome_on=fy24))
    run(made(case, working_days_ago(3)))  # outstanding: in neither numerator nor denominator
    other = run(f.decided_case(HAMPSHIRE))
    run(made(other, fy25, outcome="not_complied", outcome_on=fy25))  # another body's: not counted
    client.sign_in_as("investigator")  # any member of staff may read a body's page
    page = client.get(f"/bodies/{case['body_id']}").text
    assert 'data-testid="body-name">Kent County Council<' in page

    def cell(testid: str) -> str:
        return page.split(f'data-testid="{testid}"', 1)[1].split("</td>", 1)[0]

    # Compliance: complied (3 on time + 1 late) over verdicts (4 + 1 not complied); ceased left out.
    assert "80.0% (4 of 5)" in cell("compliance-All years") and "4 ÷ 5" in cell("compliance-All years")
    assert "Too few to be meaningful" in cell("compliance-All years")
    # Late: 1 late of 4 complied.
    assert "25.0% (1 of 4)" in cell("late-All years")
    assert "100.0% (4 of 4)" in cell("compliance-2025-26") and "0.0% (0 of 1)" in cell("compliance-2024-25")
    assert "no recommendations" in cell("late-2024-25")
    assert "recommendations complied with (on time or late) ÷" in page  # the formula is shown
    assert "From 7 recommendations" in page
    # The status filter and the body's CSV.
    complied = client.get(f"/bodies/{case['body_id']}?status=complied_on_time").text
    assert len(listed(complied)) == 3 and 'data-testid="recommendation-count">3 recommendations' in complied
    assert len(rows_of(client.get(f"/bodies/{case['body_id']}/export.csv"))) == 7
    assert len(rows_of(client.get(f"/bodies/{case['body_id']}/export.csv?status=not_complied"))) == 1
    fragment = client.get(f"/bodies/{case['body_id']}?status=ceased", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and len(listed(fragment.text)) == 1


def test_repeat_faults_count_subcategories_with_fault_on_two_or_more_recent_cases(client, run, db):
    charging_cases = [run(f.decided_case(KENT, decided_on=TODAY - timedelta(days=d))) for d in (10, 100, 300)]
    old = run(f.decided_case(KENT, decided_on=TODAY - timedelta(days=400)))  # over 12 months ago
    no_fault = run(f.decided_case(KENT, decided_on=TODAY - timedelta(days=20)))
    run(Finding.update({Finding.fault: False}).where(Finding.id == no_fault["finding_id"]))
    other_sub = run(Subcategory.select(Subcategory.id).where(Subcategory.slug != "adult-care-services/charging").first())
    single = run(f.decided_case(KENT, decided_on=TODAY - timedelta(days=30)))
    run(Case.update({Case.subcategory: other_sub["id"]}).where(Case.id == single["id"]))
    elsewhere = run(f.decided_case(HAMPSHIRE, decided_on=TODAY - timedelta(days=5)))  # another body
    client.sign_in_as("compliance_officer")
    page = client.get(f"/bodies/{charging_cases[0]['body_id']}").text
    table = page.split('data-testid="repeat-faults"', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr class=\"govuk-table__row\" data-subcategory") == 1
    assert "Charging" in table and 'data-testid="repeat-count">3<' in table
    for case in charging_cases:
        assert case["reference"] in table
    for case in (old, no_fault, single, elsewhere):
        assert case["reference"] not in table
    # Hampshire has only one: no repeat.
    assert 'data-testid="no-repeat-faults"' in client.get(f"/bodies/{elsewhere['body_id']}").text


def test_repeat_faults_leave_out_restricted_cases_without_need_to_know(run, db):
    from investigations.access import Viewer
    from remedies.body_profile import repeat_faults
    from workbench.roles import Role

    visible = run(f.decided_case(KENT, decided_on=TODAY - timedelta(days=10)))
    run(f.decided_case(KENT, decided_on=TODAY - timedelta(days=11), restricted=True))
    officer, admin = run(f.user("compliance")), run(f.user("admin"))
    assert run(repeat_faults(visible["body_id"], Viewer(officer.id, Role.COMPLIANCE_OFFICER), TODAY)) == []
    assert run(repeat_faults(visible["body_id"], Viewer(admin.id, Role.ADMINISTRATOR), TODAY))[0].cases == 2


def test_missing_body_is_404(client, db):
    client.sign_in_as("compliance_officer")
    assert client.get("/bodies/999999").status_code == 404
    assert client.get("/bodies/999999/export.csv").status_code == 404


# ---------------------------------------------------------------------------------------------
# Contacts


def test_add_and_deactivate_a_contact(client, run, db):
    body = run(f.body_id(KENT))
    client.sign_in_as("compliance_officer")
    response = client.post_form(f"/bodies/{body}/contacts", {
        "role": "link_officer", "name": "Priya Shah", "job_title": "Complaints manager",
        "email": "priya.shah@kent.example"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/bodies/{body}#contacts"
    contact = run(BodyContact.select().where(BodyContact.body == body).first())
    assert (contact["role"], contact["name"], contact["email"], contact["active"]) == (
        "link_officer", "Priya Shah", "priya.shah@kent.example", True)
    page = client.get(f"/bodies/{body}").text
    assert "Link officer Priya Shah added" in page and f'data-testid="deactivate-{contact["id"]}"' in page
    assert run(AuditEvent.count().where(AuditEvent.action == "body.contact_added")) == 1

    done = client.post_form(f"/bodies/{body}/contacts/{contact['id']}/deactivate", {}, follow_redirects=False)
    assert done.status_code == 303
    assert run(BodyContact.select(BodyContact.active).where(BodyContact.id == contact["id"]).first())["active"] is False
    assert run(AuditEvent.count().where(AuditEvent.action == "body.contact_deactivated")) == 1
    page = client.get(f"/bodies/{body}").text
    assert f'data-contact="{contact["id"]}" data-active="no"' in page and "No longer a contact" in page
    again = client.post_form(f"/bodies/{body}/contacts/{contact['id']}/deactivate", {})
    assert again.status_code == 400 and "not an active contact" in again.text
    # Another body's contact cannot be deactivated through this body.
    other = run(f.body_id(HAMPSHIRE))
    assert client.post_form(f"/bodies/{other}/contacts/{contact['id']}/deactivate", {}).status_code == 400


def test_a_bad_contact_is_refused_with_every_error_and_nothing_saved(client, run, db):
    body = run(f.body_id(KENT))
    client.sign_in_as("manager")
    response = client.post_form(f"/bodies/{body}/contacts", {"role": "mayor", "name": " ", "email": "not-an-email"})
    assert response.status_code == 400
    summary = response.text.split("There is a problem", 1)[1].split("</ul>", 1)[0]
    assert "Choose the contact" in summary and "Enter the contact" in summary and "correct format" in summary
    assert 'href="#contact_email"' in summary and 'value="not-an-email"' in response.text
    assert run(BodyContact.count()) == 0
    assert run(AuditEvent.count().where(AuditEvent.action == "body.contact_added")) == 0


def test_only_compliance_and_oversight_see_the_contact_forms(client, run, db):
    body = run(f.body_id(KENT))
    client.sign_in_as("investigator")
    page = client.get(f"/bodies/{body}").text
    assert 'data-testid="add-contact"' not in page and 'data-testid="no-contacts"' in page
    assert client.post_form(f"/bodies/{body}/contacts", {"role": "link_officer", "name": "X",
                                                         "email": "x@example.com"}).status_code == 403
    assert run(BodyContact.count()) == 0


def test_the_case_page_links_its_bodies_to_their_pages(client, run, db):
    case = run(f.decided_case(KENT))
    client.sign_in_as("compliance_officer")
    page = client.get(f"/cases/{case['reference'].replace(' ', '-')}").text
    assert f'href="/bodies/{case["body_id"]}"' in page


def test_assignment_options_are_active_compliance_officers(run, db):
    run(User.update({User.active: False}).where(User.username == "compliance"))
    assert run(worklist.compliance_officers()) == []


# ---------------------------------------------------------------------------------------------
# The pure pieces


def test_a_list_url_round_trips_and_leaves_out_defaults():
    view = worklist.read_view(worklist="escalated", page="3", body="12", investigator="", officer="mine",
                              remedy_type="apology", kind="personal")
    assert view.query() == "list=escalated&body=12&officer=mine&remedy_type=apology&kind=personal&page=3"
    assert worklist.ListView().query() == ""
    assert view.query(list="overdue", page=1) == "body=12&officer=mine&remedy_type=apology&kind=personal"
    again = worklist.read_view(worklist="escalated", page="3", body="12", officer="mine", remedy_type="apology",
                               kind="personal")
    assert again == view
    assert worklist.read_view(page="-2").page == 1 and worklist.read_view(page="99999999999").page == 1


def test_groups_are_totalled_most_first_then_by_name():
    grouped = worklist.group_totals(
        [(1, 7, 2), (2, 7, 1), (1, None, 3), (3, 8, 3)], {1: "Kent", 2: "Essex", 3: "Dorset"}, {7: "Isla", 8: "Tom"})
    assert [(g.name, g.count) for g in grouped.by_body] == [("Kent", 5), ("Dorset", 3), ("Essex", 1)]
    assert [(g.name, g.count) for g in grouped.by_investigator] == [("Isla", 3), ("No investigator", 3), ("Tom", 3)]
    assert grouped.total == 9


def test_extension_fields_and_refusals_are_checked_before_anything_is_written():
    with pytest.raises(bulk_actions.BulkRefused) as refused:
        bulk_actions.check_extension("", "0", "")
    assert set(refused.value.errors) == {"working_days", "reason"}
    asked = bulk_actions.check_extension("", "5", " Agreed ")
    assert asked.reason == "Agreed"
    assert asked.new_due_on(date(2026, 12, 23), CAL) == date(2027, 1, 4)  # over Christmas and New Year
    rows = [
        {"case_reference": "26 000 001", "remedy_type": "apology", "outcome": "", "due_on": date(2026, 3, 2)},
        {"case_reference": "26 000 002", "remedy_type": "staff_training", "outcome": "ceased", "due_on": date(2026, 3, 2)},
    ]
    to_date = bulk_actions.check_extension("2026-03-02", "", "Agreed")
    assert bulk_actions.refused_extensions(rows, to_date, CAL) == [
        "26 000 001 (Apology): Monday 2 March 2026 is not after its due date, Monday 2 March 2026",
        "26 000 002 (Staff training or reminders): already closed",
    ]
    with pytest.raises(bulk_actions.BulkRefused) as refused:
        bulk_actions.read_ids(["1", "x"])
    assert "ids" in refused.value.errors
    assert bulk_actions.read_ids(["3", "1", "3"]) == [3, 1]
