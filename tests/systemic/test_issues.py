"""Systemic issues, driven through the service and over HTTP (both engines): own-initiative issues,
linking cases from the similar-cases panel, "not similar", cohorts of others affected with their
history and refusals, the manager's list and its totals, need-to-know, and similar cases at intake."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from investigations.tables import Case, CaseEvent, Subcategory
from remedies.tables import Recommendation, RecommendationEvent
from systemic import issues
from systemic.cohorts import CohortFigures
from systemic.tables import Cohort, CohortUpdate, DismissedSuggestion, SystemicIssue, SystemicIssueCase
from tests.remedies import factories as f
from workbench.tables import AuditEvent

HTMX = {"HX-Request": "true"}

DRE = [
    "Mrs X complained the Council did not take account of her disability related expenditure when it assessed her care charges.",
    "The Council failed to consider Mr Y's disability-related expenditure in the financial assessment for his home care.",
    "Ms Z says her care contribution was wrong because disability related expenditure was ignored.",
]
OTHER = [
    "Mr B complained that carers missed home care visits and arrived late.",
    "The Council delayed an EHC plan annual review for C.",
    "Planning permission was granted without notifying the neighbours.",
]
BODIES = ["Hampshire County Council", "Kent County Council", "Solihull Metropolitan Borough Council"]


def _case(run, summary: str, body: str = "Hampshire County Council", restricted: bool = False,
          investigator: str = "investigator") -> dict:
    case = run(f.decided_case(body=body, restricted=restricted, investigator=investigator))
    run(Case.update({Case.summary: summary}).where(Case.id == case["id"]))
    return case


def _url(case: dict) -> str:
    return "/cases/" + case["reference"].replace(" ", "-")


def _key(case: dict) -> str:
    return case["reference"].replace(" ", "-")


@pytest.fixture
def cases(run, db) -> list[dict]:
    """Three cases of one fault at three councils, and three unrelated ones."""
    return [_case(run, text, body) for text, body in zip(DRE, BODIES)] + [_case(run, text) for text in OTHER]


def _links(run, issue_id: int) -> set[int]:
    return {r["case"] for r in run(SystemicIssueCase.select(SystemicIssueCase.case).where(SystemicIssueCase.issue == issue_id))}


def _snapshot(run) -> tuple:
    """Everything a cohort change may write."""
    return (
        run(Cohort.select().order_by(Cohort.id)),
        run(CohortUpdate.count()),
        run(Recommendation.select(Recommendation.id, Recommendation.others_affected).order_by(Recommendation.id)),
        run(RecommendationEvent.count()),
        run(AuditEvent.count()),
    )


# ---------------------------------------------------------------------------------------------
# Own-initiative issues


def test_a_manager_starts_an_own_initiative_issue_without_any_complaint(client, run, db):
    client.sign_in_as("manager")
    form = client.get("/systemic/new")
    assert form.status_code == 200 and 'data-testid="new-issue-form"' in form.text

    refused = client.post_form("/systemic/new", {"title": "  ", "description": "x"})
    assert refused.status_code == 400 and "Enter a title" in refused.text
    assert run(SystemicIssue.count()) == 0

    created = client.post_form("/systemic/new", {
        "title": "Flat-rate respite charges", "description": "Respite users charged a flat rate, not assessed."},
        follow_redirects=False)
    assert created.status_code == 303
    issue = run(SystemicIssue.select().first())
    assert created.headers["location"] == f"/systemic/{issue['id']}"
    manager = run(f.user("manager"))
    assert issue["own_initiative"] and issue["status"] == "open" and issue["owner"] == manager.id
    page = client.get(created.headers["location"])
    assert "Flat-rate respite charges" in page.text and "Own initiative" in page.text
    assert 'data-testid="no-cases"' in page.text
    assert run(AuditEvent.exists().where((AuditEvent.action == "systemic.created") & (AuditEvent.record_id == str(issue["id"]))))


def test_only_managers_start_own_initiative_issues(client, run, db):
    client.sign_in_as("investigator")
    assert client.get("/systemic/new").status_code == 403
    assert client.post_form("/systemic/new", {"title": "Mine"}).status_code == 403
    assert run(SystemicIssue.count()) == 0


def test_an_owner_must_be_someone_who_can_do_the_work(run, db):
    reports = run(f.user("reports"))
    manager = run(f.user("manager"))
    with pytest.raises(issues.IssueError) as refused:
        run(issues.create_issue("Title", "", manager, owner_id=reports.id))
    assert refused.value.field == "owner"
    assert run(SystemicIssue.count()) == 0


# ---------------------------------------------------------------------------------------------
# The similar-cases panel: link, dismiss


def test_the_case_page_loads_the_similar_cases_panel_lazily(client, cases):
    client.sign_in_as("report_writer")
    page = client.get(_url(cases[0]))
    assert page.status_code == 200
    assert f'hx-get="{_url(cases[0])}/similar" hx-trigger="load"' in page.text
    assert "disability related expenditure" not in page.text.split('id="similar"')[1].split("</div>")[0]
    panel = client.get(_url(cases[0]) + "/similar", headers=HTMX)
    assert panel.status_code == 200 and "<html" not in panel.text
    first = panel.text.index(f'data-testid="similar-{_key(cases[1])}"')
    assert f'data-testid="similar-{_key(cases[2])}"' in panel.text
    assert "Kent County Council" in panel.text[first:] and "Charging" in panel.text[first:]
    assert re.search(r"Score \d+", panel.text) and "Same subcategory" in panel.text
    assert "Not similar" not in panel.text  # a report writer reads, and does not link or dismiss


def test_link_a_case_and_a_suggestion_into_a_new_issue_then_a_third_into_it(client, run, cases):
    client.sign_in_as("investigator")
    linked = client.post_form(_url(cases[0]) + "/similar/link", {
        "other": cases[1]["reference"], "issue": "new", "title": "Disability-related expenditure ignored",
        "description": "Care charges assessed without DRE."}, headers=HTMX)
    assert linked.status_code == 200, linked.text
    issue = run(SystemicIssue.select().first())
    assert 'data-testid="linked-banner"' in linked.text and f"/systemic/{issue['id']}" in linked.text
    assert not issue["own_initiative"] and issue["title"] == "Disability-related expenditure ignored"
    assert _links(run, issue["id"]) == {cases[0]["id"], cases[1]["id"]}
    for case in cases[:2]:
        titles = [e["title"] for e in run(CaseEvent.select(CaseEvent.title).where(CaseEvent.case == case["id"]))]
        assert f"Linked to systemic issue {issue['id']}: Disability-related expenditure ignored" in titles

    # The third case from its own panel, into the issue that now exists; linking twice adds nothing.
    for _ in range(2):
        response = client.post_form(_url(cases[2]) + "/similar/link", {
            "other": cases[0]["reference"], "issue": str(issue["id"])}, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == f"/systemic/{issue['id']}"
    assert _links(run, issue["id"]) == {c["id"] for c in cases[:3]}
    assert run(SystemicIssueCase.count()) == 3

    page = client.get(f"/systemic/{issue['id']}")
    for case in cases[:3]:
        assert f'data-testid="issue-case-{_key(case)}"' in page.text
    assert 'data-testid="count-bodies">3<' in page.text
    # Each case keeps its own record: still three cases, untouched.
    assert run(Case.count().where(Case.id.is_in([c["id"] for c in cases[:3]]))) == 3
    # The panel now says where the case belongs.
    panel = client.get(_url(cases[0]) + "/similar", headers=HTMX)
    assert f"systemic issue {issue['id']}: Disability-related expenditure ignored" in panel.text


def test_linking_from_the_panel_refuses_what_it_cannot_do(client, run, cases):
    client.sign_in_as("investigator")
    no_title = client.post_form(_url(cases[0]) + "/similar/link", {"other": cases[1]["reference"], "issue": "new", "title": ""})
    assert no_title.status_code == 400 and "Enter a title for the new systemic issue" in no_title.text
    no_case = client.post_form(_url(cases[0]) + "/similar/link", {"other": "99 999 999", "issue": "new", "title": "T"},
                               headers=HTMX)
    assert no_case.status_code == 200 and "There is no case 99 999 999" in no_case.text
    assert run(SystemicIssue.count()) == 0
    closed = run(issues.create_issue("Closed one", "", run(f.user("manager"))))
    run(issues.change_status(closed, "closed", run(f.user("manager")), version=1))
    refused = client.post_form(_url(cases[0]) + "/similar/link", {"other": cases[1]["reference"], "issue": str(closed)})
    assert refused.status_code == 400 and "closed" in refused.text
    assert run(SystemicIssueCase.count()) == 0
    client.sign_in_as("compliance_officer")
    assert client.post_form(_url(cases[0]) + "/similar/link", {"other": cases[1]["reference"], "issue": "new",
                                                               "title": "T"}).status_code == 403


def test_not_similar_hides_the_suggestion_next_time(client, run, cases):
    client.sign_in_as("investigator")
    url = _url(cases[0]) + "/similar"
    before = client.get(url, headers=HTMX).text
    assert f'data-testid="similar-{_key(cases[1])}"' in before
    after = client.post_form(url + "/dismiss", {"other": cases[1]["reference"], "reason": "Different council policy"},
                             headers=HTMX)
    assert after.status_code == 200
    assert f'data-testid="similar-{_key(cases[1])}"' not in after.text
    assert f'data-testid="similar-{_key(cases[2])}"' in after.text
    assert f'data-testid="similar-{_key(cases[1])}"' not in client.get(url, headers=HTMX).text
    row = run(DismissedSuggestion.select().first())
    assert (row["case"], row["other"], row["reason"]) == (cases[0]["id"], cases[1]["id"], "Different council policy")
    # Only on that case: the other case still suggests this one.
    assert f'data-testid="similar-{_key(cases[0])}"' in client.get(_url(cases[1]) + "/similar", headers=HTMX).text

    client.sign_in_as("compliance_officer")
    assert client.post_form(url + "/dismiss", {"other": cases[2]["reference"]}).status_code == 403
    assert run(DismissedSuggestion.count()) == 1


# ---------------------------------------------------------------------------------------------
# Cohorts of others affected


@pytest.fixture
def issue_with_review(run, cases):
    """An issue bundling the first two cases, with a "review of others affected" recommendation on the first."""
    investigator = run(f.user("investigator"))
    issue_id = run(issues.create_issue("DRE ignored", "", investigator, cases=cases[:2]))
    review = run(f.recommendation(cases[0], "review_others_affected", period=3, unit="months",
                                  description="Identify others charged without DRE and refund them."))
    return issue_id, review


def test_a_cohort_follows_a_review_recommendation_on_one_of_the_issues_cases(run, cases, issue_with_review):
    issue_id, review = issue_with_review
    user = run(f.user("compliance"))
    apology = run(f.recommendation(cases[0], "apology"))
    elsewhere = run(f.recommendation(cases[3], "review_others_affected"))
    for recommendation, body, message in [
        (apology, cases[0]["body_id"], "review others affected"),
        (elsewhere, cases[3]["body_id"], "not part of this issue"),
        (review, cases[1]["body_id"], "made to this body"),
    ]:
        with pytest.raises(issues.IssueError, match=message):
            run(issues.open_cohort(issue_id, body, user, recommendation))
    assert run(Cohort.count()) == 0
    cohort_id = run(issues.open_cohort(issue_id, cases[0]["body_id"], user, review))
    with pytest.raises(issues.IssueError, match="already a cohort"):
        run(issues.open_cohort(issue_id, cases[0]["body_id"], user))
    assert run(Cohort.select(Cohort.recommendation).where(Cohort.id == cohort_id).first())["recommendation"] == review
    # The case the cohort's recommendation is on stays in the issue.
    with pytest.raises(issues.IssueError, match="stays linked"):
        run(issues.unlink_case(issue_id, cases[0], user))
    run(issues.unlink_case(issue_id, cases[1], user, "Different fault"))
    assert _links(run, issue_id) == {cases[0]["id"]}


def test_cohort_updates_keep_their_history_and_the_cohort_holds_the_latest(client, run, cases, issue_with_review):
    issue_id, review = issue_with_review
    client.sign_in_as("compliance_officer")
    opened = client.post_form(f"/systemic/{issue_id}/cohorts",
                              {"body": str(cases[0]["body_id"]), "recommendation": str(review)}, headers=HTMX)
    assert opened.status_code == 200, opened.text
    cohort = run(Cohort.select().first())
    url = f"/systemic/{issue_id}/cohorts/{cohort['id']}/updates"
    today = date.today()
    first = client.post_form(url, {"reported_on": (today - timedelta(days=30)).isoformat(), "identified": "63",
                                   "contacted": "40", "reviewed": "20", "remedied": "12", "amount_paid": "£4,210.50",
                                   "note": "First return"}, follow_redirects=False)
    assert first.status_code == 303
    second = client.post_form(url, {"reported_on": today.isoformat(), "identified": "63", "contacted": "63",
                                    "reviewed": "60", "remedied": "58", "amount_paid": "20,118.75"}, headers=HTMX)
    assert second.status_code == 200
    # A report dated before the latest is history only.
    client.post_form(url, {"reported_on": (today - timedelta(days=60)).isoformat(), "identified": "30"}, headers=HTMX)

    row = run(Cohort.select().where(Cohort.id == cohort["id"]).first())
    assert (row["identified"], row["contacted"], row["reviewed"], row["remedied"]) == (63, 63, 60, 58)
    assert Decimal(str(row["amount_paid"])) == Decimal("20118.75")
    history = run(CohortUpdate.select().where(CohortUpdate.cohort == cohort["id"]).order_by(CohortUpdate.reported_on))
    assert [h["identified"] for h in history] == [30, 63, 63] and history[1]["note"] == "First return"
    assert Decimal(str(history[1]["amount_paid"])) == Decimal("4210.50")
    # The recommendation's own figure follows the body's latest report, with a history line.
    assert run(Recommendation.select(Recommendation.others_affected).where(Recommendation.id == review).first()) == {
        "others_affected": 58}
    assert run(RecommendationEvent.exists().where((RecommendationEvent.recommendation == review) &
                                                  (RecommendationEvent.title == "Others affected remedied: 58")))

    page = client.get(f"/systemic/{issue_id}")
    assert page.text.count('data-testid="cohort-update"') == 3
    assert "£20,118.75" in page.text and 'data-testid="total-remedied">58<' in page.text
    assert 'data-testid="recommendation-status"' in page.text  # the recommendation's derived status, and its due date
    due = run(Recommendation.select(Recommendation.due_on).where(Recommendation.id == review).first())["due_on"]
    assert due.strftime("%-d %B %Y") in page.text


@pytest.mark.parametrize("changes, message", [
    ({"identified": "-3"}, "People identified cannot be negative"),
    ({"reviewed": "12"}, "People whose case was reviewed (12) cannot be more than people identified (10)"),
    ({"remedied": "11"}, "People remedied (11) cannot be more than people identified (10)"),
    ({"amount_paid": "-5"}, "The amount refunded or paid cannot be negative"),
    ({"amount_paid": "12.345"}, "Enter the amount in pounds and pence"),
    ({"reported_on": "2999-01-01"}, "must be today or in the past"),
    ({"identified": "ten"}, "must be a whole number"),
])
def test_a_report_that_cannot_be_right_changes_nothing_and_says_why(client, run, cases, issue_with_review, changes, message):
    issue_id, review = issue_with_review
    cohort_id = run(issues.open_cohort(issue_id, cases[0]["body_id"], run(f.user("compliance")), review))
    client.sign_in_as("compliance_officer")
    url = f"/systemic/{issue_id}/cohorts/{cohort_id}/updates"
    form = {"reported_on": date.today().isoformat(), "identified": "10", "contacted": "5", "reviewed": "5",
            "remedied": "2", "amount_paid": "100", **changes}
    before = _snapshot(run)
    plain = client.post_form(url, form)
    assert plain.status_code == 400 and message in plain.text
    assert 'data-testid="errors-update-' in plain.text
    htmx = client.post_form(url, form, headers=HTMX)
    assert htmx.status_code == 200 and message in htmx.text and "<html" not in htmx.text
    assert _snapshot(run) == before


def test_the_service_refuses_impossible_figures_before_writing(run, cases, issue_with_review):
    issue_id, review = issue_with_review
    user = run(f.user("compliance"))
    cohort_id = run(issues.open_cohort(issue_id, cases[0]["body_id"], user, review))
    before = _snapshot(run)
    for figures in [CohortFigures(identified=5, contacted=6), CohortFigures(identified=-1),
                    CohortFigures(identified=1, amount_paid=Decimal("-0.01"))]:
        with pytest.raises(issues.IssueError):
            run(issues.record_cohort_update(cohort_id, figures, date.today(), user))
    assert _snapshot(run) == before


# ---------------------------------------------------------------------------------------------
# The manager's list


def test_the_list_shows_each_issue_with_its_numbers_and_the_totals(client, run, cases):
    manager = run(f.user("manager"))
    first = run(issues.create_issue("DRE ignored", "", manager, cases=cases[:2]))
    second = run(issues.create_issue("Respite flat rate", "", manager))
    figures = [(first, cases[0]["body_id"], CohortFigures(63, 63, 60, 58, Decimal("20118.75"))),
               (first, cases[1]["body_id"], CohortFigures(10, 4, 2, 1, Decimal("100.25"))),
               (second, cases[2]["body_id"], CohortFigures(1500, 1400, 1400, 1400, Decimal("364000")))]
    for issue_id, body_id, numbers in figures:
        cohort_id = run(issues.open_cohort(issue_id, body_id, manager))
        run(issues.record_cohort_update(cohort_id, numbers, date.today(), manager))
    monitoring = run(issues.create_issue("Monitored", "", manager))
    run(issues.change_status(monitoring, "monitoring", manager, version=1))

    client.sign_in_as("report_writer")
    page = client.get("/systemic")
    assert page.status_code == 200
    row = page.text.split(f'data-testid="issue-{first}"')[1].split("</tr>")[0]
    assert 'data-testid="cases">2<' in row and 'data-testid="bodies">2<' in row
    assert 'data-testid="identified">73<' in row and 'data-testid="remedied">59<' in row and "£20,219.00" in row
    assert 'data-testid="total-identified">1,573<' in page.text
    assert 'data-testid="total-remedied">1,459<' in page.text
    assert 'data-testid="total-paid">£384,219.00<' in page.text
    assert "Monitored" not in page.text and "Own initiative" in page.text
    assert "Monitored" in client.get("/systemic?status=monitoring").text
    assert "DRE ignored" not in client.get("/systemic?status=monitoring").text
    assert all(t in client.get("/systemic?status=all").text for t in ("Monitored", "DRE ignored", "Respite flat rate"))


def test_status_and_owner_changes_are_for_managers_and_refuse_a_stale_form(client, run, db):
    manager = run(f.user("manager"))
    issue_id = run(issues.create_issue("DRE ignored", "", manager))
    client.sign_in_as("investigator")
    assert client.post_form(f"/systemic/{issue_id}/status", {"status": "closed", "version": "1"}).status_code == 403
    client.sign_in_as("manager")
    moved = client.post_form(f"/systemic/{issue_id}/status", {"status": "monitoring", "version": "1"}, headers=HTMX)
    assert moved.status_code == 200 and 'data-testid="issue-status">Monitoring<' in moved.text
    stale = client.post_form(f"/systemic/{issue_id}/status", {"status": "closed", "version": "1"})
    assert stale.status_code == 400 and "Someone else changed this systemic issue" in stale.text
    investigator = run(f.user("investigator"))
    given = client.post_form(f"/systemic/{issue_id}/owner", {"owner": str(investigator.id), "version": "2"}, headers=HTMX)
    assert 'data-testid="issue-owner">Isla Carter<' in given.text
    row = run(SystemicIssue.select().where(SystemicIssue.id == issue_id).first())
    assert (row["status"], row["owner"], row["version"]) == ("monitoring", investigator.id, 3)


# ---------------------------------------------------------------------------------------------
# Need-to-know


def test_a_restricted_case_on_an_issue_is_shown_only_to_those_who_may_open_it(client, run, cases):
    secret = _case(run, DRE[0], body="Kent County Council", restricted=True, investigator="tnguyen")
    manager2 = run(f.user("manager2"))
    issue_id = run(issues.create_issue("DRE ignored", "", manager2, cases=[cases[0], secret]))
    client.sign_in_as("compliance_officer")
    page = client.get(f"/systemic/{issue_id}")
    assert secret["reference"] not in page.text and cases[0]["reference"] in page.text
    assert 'data-testid="count-cases">1<' in page.text
    assert 'data-testid="cases">1<' in client.get("/systemic").text
    # Linking it by reference from the issue page says there is no such case.
    client.sign_in_as("investigator")
    refused = client.post_form(f"/systemic/{issue_id}/cases", {"case": secret["reference"]})
    assert refused.status_code == 400 and f"There is no case {secret['reference']}" in refused.text
    client.sign_in("manager2")  # the investigator's manager
    page = client.get(f"/systemic/{issue_id}")
    assert secret["reference"] in page.text and 'data-testid="count-cases">2<' in page.text


def test_link_a_case_by_reference_on_the_issue_page(client, run, cases):
    issue_id = run(issues.create_issue("DRE ignored", "", run(f.user("manager"))))
    client.sign_in_as("investigator")
    linked = client.post_form(f"/systemic/{issue_id}/cases", {"case": _key(cases[2]), "note": "Same policy"}, headers=HTMX)
    assert f'data-testid="issue-case-{_key(cases[2])}"' in linked.text and "Same policy" in linked.text
    again = client.post_form(f"/systemic/{issue_id}/cases", {"case": cases[2]["reference"]}, headers=HTMX)
    assert "already part of this systemic issue" in again.text
    assert run(SystemicIssueCase.count()) == 1


# ---------------------------------------------------------------------------------------------
# Intake


def test_intake_shows_similar_cases_already_with_us(client, run, cases):
    sub = run(Subcategory.select(Subcategory.id).where(Subcategory.slug == "adult-care-services/charging").first())
    client.sign_in_as("investigator")
    form = client.get("/cases/new")
    assert 'hx-get="/cases/new/similar"' in form.text
    found = client.get("/cases/new/similar", params={
        "summary": "They ignored my disability related expenditure when working out my care charges",
        "subcategory": str(sub["id"]), "body_id": str(cases[0]["body_id"])}, headers=HTMX)
    assert found.status_code == 200 and "Similar cases already with us" in found.text
    listed = re.findall(r'href="/cases/([\w-]+)"', found.text)
    assert len(listed) <= 5 and listed[0] in {_key(c) for c in cases[:3]}
    assert set(listed[:3]) == {_key(c) for c in cases[:3]}
    assert "disability related expenditure" in found.text and "Same subcategory" in found.text
    assert 'data-testid="intake-similar"' not in client.get("/cases/new/similar", params={"summary": "Care"}).text
    client.sign_in_as("compliance_officer")
    assert client.get("/cases/new/similar", params={"summary": "x y z"}).status_code == 403
