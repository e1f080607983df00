"""An investigator takes a complaint from intake to final decision over HTTP, and the refusals on the way."""

from datetime import date, timedelta

import pytest

from investigations.tables import Body, Case, CaseEvent, Enquiry, Finding, StageChange
from workbench.tables import AuditEvent


@pytest.fixture
def hampshire(run, db):
    return run(Body.select(Body.id).where(Body.name == "Hampshire County Council").first())["id"]


def _subcategory(client):
    page = client.get("/cases/new").text
    marker = 'Adult care services: Charging</option>'
    before = page[: page.index(marker)]
    return before[before.rindex('value="') + 7 : before.rindex('"')]


def intake_form(client, body_id, **overrides):
    form = {
        "complainant_title": "Mrs", "complainant_given_name": "Ada", "complainant_family_name": "Lovelace",
        "complainant_postcode": "so23 8ug", "complainant_email": "ada@example.org", "affected_same": "on",
        "body_id": str(body_id), "subcategory": _subcategory(client),
        "summary": "The Council did not consider disability-related expenditure in my care charge.",
        "outcome_wanted": "A reassessment and a refund.",
        "received_on": (date.today() - timedelta(days=10)).isoformat(),
        "first_aware_on": (date.today() - timedelta(days=120)).isoformat(),
        "local_procedure": "adult_social_care",
        "stage1_received": (date.today() - timedelta(days=90)).isoformat(),
        "stage1_acknowledged": (date.today() - timedelta(days=88)).isoformat(),
        "stage1_responded": (date.today() - timedelta(days=30)).isoformat(),
    }
    form.update(overrides)
    return form


def create(client, body_id, **overrides):
    response = client.post_form("/cases/new", intake_form(client, body_id, **overrides), follow_redirects=False)
    assert response.status_code == 302, response.text[:3000]
    return response.headers["location"].split("?")[0]


def version(run, url):
    reference = url.rsplit("/", 1)[1].replace("-", " ")
    return run(Case.select(Case.version).where(Case.reference == reference).first())["version"]


def move(client, run, url, target, **extra):
    data = {"target": target, "reason": f"Moving to {target}", "version": version(run, url), **extra}
    return client.post_form(f"{url}/transitions", data, headers={"HX-Request": "true"})


def test_intake_to_final_decision(client, run, hampshire):
    client.sign_in_as("investigator")
    url = create(client, hampshire)
    page = client.get(url + "?created=true")
    assert "Complaint saved as" in page.text
    assert "first knew on" in page.text and "within 12 months (deadline" in page.text  # intake checks, with arithmetic
    assert "Not premature" in page.text
    assert move(client, run, url, "assessment").status_code == 200
    assert client.post_form(f"{url}/assign", {"investigator": "", "version": version(run, url)}).status_code in (200, 302)
    assert move(client, run, url, "investigation").status_code == 200
    # enquiries with a due date in working days
    response = client.post_form(f"{url}/enquiries", {"enquiry_body": hampshire, "enquiry_description": "Send the financial assessment.",
                                                     "enquiry_days": "20"}, headers={"HX-Request": "true"})
    assert "working days left" in response.text
    enquiry = run(Enquiry.select().first())
    assert "20 working days after" in enquiry["due_explanation"]
    # a draft needs findings first: refused with a message, nothing changed
    refused = move(client, run, url, "draft_decision", comments_due_on=(date.today() + timedelta(days=21)).isoformat())
    assert "Record a finding" in refused.text
    client.post_form(f"{url}/findings/{hampshire}", {"fault": "yes", "injustice": "yes", "standards": ["3.5", "4.1"],
                                                     "description": "DRE was not considered."}, headers={"HX-Request": "true"})
    finding = run(Finding.select().first())
    assert finding["fault"] and finding["injustice"]
    assert move(client, run, url, "draft_decision", comments_due_on=(date.today() + timedelta(days=21)).isoformat()).status_code == 200
    assert move(client, run, url, "comments").status_code == 200
    final = move(client, run, url, "final_decision", outcome="upheld_fault_injustice")
    assert "Upheld: fault causing injustice" in final.text
    case = run(Case.select().first())
    assert case["stage"] == "final_decision" and case["decided_on"] == date.today()
    stages = [r["to_stage"] for r in run(StageChange.select(StageChange.to_stage).order_by(StageChange.id))]
    assert stages == ["intake", "assessment", "investigation", "draft_decision", "comments", "final_decision"]
    assert run(CaseEvent.count().where(CaseEvent.case == case["id"])) >= 8
    assert run(AuditEvent.count().where(AuditEvent.action == "case.transition")) == 5
    # it appears in the lists
    listing = client.get("/cases", params={"stage": "final_decision"})
    assert case["reference"] in listing.text


def test_intake_errors_rerender_with_every_message_and_save_nothing(client, run, hampshire):
    client.sign_in_as("investigator")
    form = intake_form(client, hampshire, complainant_family_name="", summary="",
                       received_on=(date.today() + timedelta(days=3)).isoformat(),
                       representative_family_name="Babbage")
    form.pop("body_id")
    form["body_query"] = "Nowhere Borough Council of Atlantis"
    response = client.post_form("/cases/new", form)
    assert response.status_code == 400
    for message in ("Enter the complainant's last name", "Enter what went wrong", "must be today or in the past",
                    "We could not find a body", "consented to the representative"):
        assert message in response.text.replace("&#39;", "'"), message
    assert 'value="Ada"' in response.text  # what was typed is kept
    assert run(Case.count()) == 0


def test_typed_body_alias_is_accepted_without_type_ahead(client, run, hampshire):
    client.sign_in_as("investigator")
    form = intake_form(client, hampshire)
    form.pop("body_id")
    form["body_query"] = "Hants CC"
    response = client.post_form("/cases/new", form, follow_redirects=False)
    assert response.status_code == 302, response.text[:2000]
    links = run(Case.select(Case.id).first())
    assert links is not None


def test_body_type_ahead_fragment(client):
    client.sign_in_as("investigator")
    response = client.get("/cases/new/bodies", params={"body_query": "Hants CC"}, headers={"HX-Request": "true"})
    assert "Hampshire County Council" in response.text and "<html" not in response.text


def test_linked_complaints_by_same_person(client, run, hampshire):
    client.sign_in_as("investigator")
    first = create(client, hampshire)
    second = create(client, hampshire, summary="Another matter entirely about a blue badge.")
    linked = client.get(f"{second}/linked")
    assert first.rsplit("/", 1)[1].replace("-", " ") in linked.text
    assert "same name and postcode" in linked.text or "same email" in linked.text


def test_invalid_transition_refused_with_message(client, run, hampshire):
    client.sign_in_as("investigator")
    url = create(client, hampshire)
    response = move(client, run, url, "final_decision", outcome="not_upheld")
    assert "cannot move to" in response.text
    assert run(Case.select(Case.stage).first())["stage"] == "intake"


def test_concurrent_edit_is_refused_with_what_changed(client, anonymous, run, hampshire):
    client.sign_in_as("investigator")
    url = create(client, hampshire)
    stale = version(run, url)
    anonymous.sign_in_as("manager")
    assert anonymous.post_form(f"{url}/details", {"summary": "Rewritten by the manager", "version": stale},
                                follow_redirects=False).status_code == 302
    response = client.post_form(f"{url}/details", {"summary": "My edit", "version": stale}, headers={"HX-Request": "true"})
    assert "Someone else changed this case" in response.text
    assert "Rewritten by the manager" in response.text
    assert run(Case.select(Case.summary).first())["summary"] == "Rewritten by the manager"


def test_compliance_officer_reads_but_cannot_change(client, run, hampshire):
    client.sign_in_as("investigator")
    url = create(client, hampshire)
    client.post_form("/logout", {})
    client.sign_in_as("compliance_officer")
    page = client.get(url)
    assert page.status_code == 200 and "Move case" not in page.text
    assert client.post_form(f"{url}/notes", {"note": "hi"}).status_code == 403


def test_api_create_case(client, run, hampshire):
    client.sign_in_as("investigator")
    subcategory = _subcategory(client)
    ok = client.post_json("/api/cases", {"complainant_family_name": "Hopper", "bodies": ["Hants CC"], "subcategory": int(subcategory),
                                         "summary": "Missed home care visits.", "outcome_wanted": "An apology."})
    assert ok.status_code == 201, ok.text
    assert ok.json()["reference"]
    bad = client.post_json("/api/cases", {"bodies": [], "summary": ""})
    assert bad.status_code == 400
    assert "complainant_family_name" in bad.json()["extra"] and "body_query" in bad.json()["extra"]


def test_api_transitions_and_findings(client, run, hampshire):
    client.sign_in_as("investigator")
    url = create(client, hampshire)
    api = "/api" + url
    headers = {"x-csrftoken": client.csrf_token()}
    moved = client.post_json(f"{api}/transitions", {"target": "assessment", "reason": "ok", "version": version(run, url)})
    assert moved.status_code == 200 and moved.json()["stage"] == "assessment"
    stale = client.post_json(f"{api}/transitions", {"target": "investigation", "reason": "ok", "version": 1})
    assert stale.status_code == 409 and stale.json()["extra"]["changes"]
    wrong = client.post_json(f"{api}/transitions", {"target": "closed", "reason": "ok", "version": version(run, url)})
    assert wrong.status_code == 400 and "cannot move to" in wrong.json()["detail"]
    bogus = client.post_json(f"{api}/transitions", {"target": "nowhere", "reason": "ok", "version": 1})
    assert bogus.status_code == 400
    saved = client.http.put(f"{api}/findings/{hampshire}", json={"fault": True, "injustice": False, "description": "Delay",
                                                                "standards": ["1.1"]}, headers=headers)
    assert saved.status_code == 200 and saved.json()["fault"] is True
    bad = client.http.put(f"{api}/findings/{hampshire}", json={"fault": False, "injustice": True}, headers=headers)
    assert bad.status_code == 400 and "injustice" in bad.json()["extra"]
    unknown = client.http.put(f"{api}/findings/{hampshire}", json={"fault": True, "injustice": True, "description": "x",
                                                                  "standards": ["9.9"]}, headers=headers)
    assert unknown.status_code == 400
    listed = client.get(f"{api}/findings").json()
    assert [f["body"] for f in listed] == ["Hampshire County Council"]
    malformed = client.http.put(f"{api}/findings/{hampshire}", content=b"{not json", headers={**headers, "content-type": "application/json"})
    assert malformed.status_code == 400


def test_api_patch_case(client, run, hampshire):
    client.sign_in_as("investigator")
    url = create(client, hampshire)
    api = "/api" + url
    headers = {"x-csrftoken": client.csrf_token()}
    current = client.get(api).json()
    changed = client.http.patch(api, json={"version": current["version"], "urgent": True, "summary": "Rewritten"}, headers=headers)
    assert changed.status_code == 200 and changed.json()["urgent"] is True and changed.json()["summary"] == "Rewritten"
    stale = client.http.patch(api, json={"version": current["version"], "summary": "Lost update"}, headers=headers)
    assert stale.status_code == 409
    assert run(Case.select(Case.summary).first())["summary"] == "Rewritten"
    bad = client.http.patch(api, json={"version": changed.json()["version"], "stage": "closed", "urgent": "yes"}, headers=headers)
    assert bad.status_code == 400 and "stage" in bad.json()["extra"]
    future = client.http.patch(api, json={"version": changed.json()["version"], "first_aware_on": "2999-01-01"}, headers=headers)
    assert future.status_code == 400 and "first_aware_on" in future.json()["extra"]
