"""Recommendations on the case page and on their own page, driven over HTTP (both engines): making
one through the form, its due date and how it was worked out, extending, evidence with files and
downloads, verdicts, ceasing, "not complied", escalating, and need-to-know."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from investigations import document_routes
from investigations.tables import Case
from remedies.tables import Evidence, EvidenceFile, Extension, Recommendation, RecommendationEvent
from tests.remedies import factories as f

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HTMX = {"HX-Request": "true"}


@pytest.fixture
def uploads(tmp_path, monkeypatch) -> Path:
    """This test's own document store."""
    root = tmp_path / "uploads"
    monkeypatch.setattr(document_routes, "uploads_dir", lambda: root)
    return root


def _stored(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _case_url(case: dict) -> str:
    return "/cases/" + case["reference"].replace(" ", "-")


def _rec_url(rid: int) -> str:
    return f"/recommendations/{rid}"


def _row(run, rid: int) -> dict:
    return run(Recommendation.select().where(Recommendation.id == rid).first())


def _form(case: dict, **changes) -> dict:
    form = {
        "body": str(case["body_id"]), "finding": str(case["finding_id"]), "remedy_type": "financial_avoidable_distress",
        "description": "Pay Mrs Lovelace £1,250.50 for the distress caused.", "evidence_expected": "Proof of payment",
        "public_summary": "Pay the complainant for avoidable distress.", "amount": "£1,250.50",
        "beneficiary": "The complainant", "period": "20", "unit": "working_days", "anchor_event": "final_decision",
        "anchor_on": "2026-10-16",
    }
    form.update(changes)
    return form


def _errors(html: str) -> str:
    match = re.search(r'data-testid="(?:recommendation-errors)".*?</ul>', html, re.S)
    assert match, "no error summary"
    return match.group(0)


@pytest.fixture
def decided(run, db):
    return run(f.decided_case(decided_on=date(2026, 10, 16)))


# ---------------------------------------------------------------------------------------------
# Making a recommendation


def test_make_a_recommendation_through_the_form_and_see_its_due_date_on_the_case_page(client, run, decided):
    client.sign_in_as("investigator")
    page = client.get(_case_url(decided))
    assert page.status_code == 200
    assert 'data-testid="recommendation-form"' in page.text and "No recommendations on this case." in page.text
    assert f'value="{decided["decided_on"].isoformat()}"' in page.text  # the anchor date defaults to the decision

    response = client.post_form(_case_url(decided) + "/recommendations", _form(decided), follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == _case_url(decided) + "#recommendations"

    rid = run(Recommendation.select(Recommendation.id).first())["id"]
    row = _row(run, rid)
    assert row["amount"] == Decimal("1250.50") and row["remedy_type"] == "financial_avoidable_distress"
    assert (row["anchor_on"], row["period"], row["unit"]) == (date(2026, 10, 16), 20, "working_days")
    assert row["due_on"] == row["original_due_on"] == date(2026, 11, 13)  # 20 working days, four weekends skipped

    page = client.get(_case_url(decided))
    panel = page.text[page.text.index('id="recommendations"'):]
    assert f'href="/recommendations/{rid}"' in panel
    assert "Financial redress: avoidable distress" in panel and "£1,250.50" in panel and "The complainant" in panel
    assert "Friday 13 November 2026" in panel
    assert "20 working days after the final decision (Friday 16 October 2026)" in panel
    assert row["due_explanation"] and row["due_explanation"] in panel  # how the date was worked out
    assert 'data-testid="recommendation-status">Overdue<' in panel  # due 13 November, today is later
    assert run(RecommendationEvent.count().where(RecommendationEvent.recommendation == rid)) == 1


def test_htmx_gets_the_case_body_back_with_the_new_recommendation(client, run, decided):
    client.sign_in_as("investigator")
    response = client.post_form(_case_url(decided) + "/recommendations",
                                _form(decided, remedy_type="apology", amount="", period="3", unit="months"), headers=HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text and 'id="recommendations"' in response.text
    assert "Apology" in response.text and "Monday 18 January 2027" in response.text
    assert response.headers.get("HX-Trigger") == "case-changed"


def test_bad_input_rerenders_the_form_with_errors_keeps_what_was_typed_and_writes_nothing(client, run, decided):
    client.sign_in_as("investigator")
    url = _case_url(decided) + "/recommendations"
    response = client.post_form(url, _form(decided, description="", amount="lots", period="a month",
                                           beneficiary="Mrs Lovelace's son"), follow_redirects=False)
    assert response.status_code == 400
    summary = _errors(response.text)
    assert "Enter what the body must do" in summary
    assert "Enter the amount in pounds and pence" in summary
    assert "The period must be a whole number" in summary
    assert 'href="#rec-amount"' in summary and 'id="rec-amount"' in response.text
    assert "Mrs Lovelace&#39;s son" in response.text and 'value="lots"' in response.text  # kept as typed
    assert "<details class=\"govuk-details\" open data-testid=\"make-recommendation\">" in response.text

    # Refused by the service: a financial remedy without an amount, a period too long, a body not of the case.
    for changes, message in [
        ({"amount": ""}, "A financial remedy or refund needs an amount"),
        ({"period": "300"}, "The period must be between 1 and 260 working days"),
        ({"body": "99999", "finding": ""}, "Choose a body this case is about"),
        ({"remedy_type": "bribe"}, "Choose the type of remedy"),
    ]:
        response = client.post_form(url, _form(decided, **changes), follow_redirects=False)
        assert response.status_code == 400, changes
        assert message in _errors(response.text), changes
        # htmx gets the block with the same errors, as a 200 so it is swapped in
        fragment = client.post_form(url, _form(decided, **changes), headers=HTMX)
        assert fragment.status_code == 200 and message in fragment.text and "<html" not in fragment.text
    assert run(Recommendation.count()) == 0
    assert run(RecommendationEvent.count()) == 0


def test_no_recommendation_on_a_case_before_investigation(client, run, decided):
    run(Case.update({Case.stage: "assessment", Case.decided_on: None}).where(Case.id == decided["id"]))
    client.sign_in_as("investigator")
    assert 'data-testid="recommendation-form"' not in client.get(_case_url(decided)).text
    response = client.post_form(_case_url(decided) + "/recommendations", _form(decided), follow_redirects=False)
    assert response.status_code == 400
    assert "Recommendations are made on a case under investigation or decided" in response.text
    assert run(Recommendation.count()) == 0


def test_only_casework_roles_make_recommendations(client, run, decided):
    client.sign_in_as("compliance_officer")
    assert 'data-testid="recommendation-form"' not in client.get(_case_url(decided)).text
    response = client.post_form(_case_url(decided) + "/recommendations", _form(decided), follow_redirects=False)
    assert response.status_code == 403
    assert run(Recommendation.count()) == 0


# ---------------------------------------------------------------------------------------------
# Following up on the recommendation's own page


@pytest.fixture
def recommendation(run, decided):
    """Apology within 1 month of the decision on 16 October 2026: due Monday 16 November 2026."""
    return run(f.recommendation(decided, period=1, unit="months"))


def test_the_recommendation_page_shows_the_rule_the_date_and_the_history(client, run, recommendation):
    client.sign_in_as("report_writer")  # every member of staff may read it
    page = client.get(_rec_url(recommendation))
    assert page.status_code == 200
    assert "1 month after the final decision (Friday 16 October 2026)" in page.text
    assert "Monday 16 November 2026" in page.text
    assert 'data-testid="recommendation-status">Overdue<' in page.text
    assert "Recommendation made: Apology" in page.text
    assert 'data-testid="extend-form"' not in page.text and 'data-testid="evidence-form"' not in page.text
    client.sign_in_as("compliance_officer")
    page = client.get(_rec_url(recommendation))
    assert 'data-testid="extend-form"' in page.text and 'data-testid="evidence-form"' in page.text
    assert 'data-testid="not-complied-form"' not in page.text  # managers only
    assert client.get("/recommendations/999999").status_code == 404


def test_extend_the_due_date_keeps_the_original_and_the_reason(client, run, recommendation):
    client.sign_in_as("compliance_officer")
    url = _rec_url(recommendation) + "/extension"
    version = _row(run, recommendation)["version"]

    response = client.post_form(url, {"new_due_on": "2027-01-15", "extension_reason": "", "version": version},
                                follow_redirects=False)
    assert response.status_code == 400 and "Enter the reason for the extension" in _errors(response.text)
    response = client.post_form(url, {"new_due_on": "2026-11-01", "extension_reason": "Typo", "version": version},
                                follow_redirects=False)
    assert response.status_code == 400 and "must be after the current due date" in _errors(response.text)
    assert 'value="2026-11-01"' in response.text and ">Typo</textarea>" in response.text
    assert run(Extension.count()) == 0

    response = client.post_form(url, {"new_due_on": "2027-01-15", "extension_reason": "Council's payment run is monthly",
                                      "version": version}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == _rec_url(recommendation)
    row = _row(run, recommendation)
    assert (row["original_due_on"], row["due_on"]) == (date(2026, 11, 16), date(2027, 1, 15))
    page = client.get(_rec_url(recommendation)).text
    assert "Friday 15 January 2027" in page and 'data-testid="recommendation-original-due">Monday 16 November 2026' in page
    assert "Council&#39;s payment run is monthly" in page and 'data-testid="extensions"' in page
    assert 'data-testid="recommendation-status">Open<' in page
    assert "Originally due Monday 16 November 2026 (extended)" in client.get(_case_url(run(_case_of(recommendation)))).text

    # A form drawn before that change is refused, not silently applied.
    stale = client.post_form(url, {"new_due_on": "2027-02-15", "extension_reason": "Again", "version": version},
                             follow_redirects=False)
    assert stale.status_code == 400 and "Someone else changed this recommendation" in stale.text
    assert run(Extension.count()) == 1


async def _case_of(rid: int) -> dict:
    row = await Recommendation.select(Recommendation.case.reference.as_alias("reference")).where(
        Recommendation.id == rid).first()
    return {"reference": row["reference"]}


def _add_evidence(client, rid, received_on, description, files=(), htmx=False):
    data = {"received_on": received_on, "evidence_description": description, "_csrf_token": client.csrf_token()}
    headers = {**HTMX, "x-csrftoken": client.csrf_token()} if htmx else {}
    return client.post(_rec_url(rid) + "/evidence", data=data,
                       files=[("files", item) for item in files] or None, headers=headers, follow_redirects=False)


def test_upload_evidence_with_several_files_and_download_them(client, run, recommendation, uploads):
    client.sign_in_as("compliance_officer")
    response = _add_evidence(client, recommendation, "2026-11-10", "Apology letter and covering email", [
        ("apology letter.pdf", PDF, "application/pdf"), ("covering note.txt", b"Sent today.\n", "text/plain"),
    ])
    assert response.status_code == 303, response.text
    evidence = run(Evidence.select().first())
    files = run(EvidenceFile.select().where(EvidenceFile.evidence == evidence["id"]).order_by(EvidenceFile.id))
    assert [f["original_name"] for f in files] == ["apology letter.pdf", "covering note.txt"]
    assert len(_stored(uploads)) == 2

    page = client.get(_rec_url(recommendation)).text
    assert "Apology letter and covering email" in page and "Awaiting a verdict" in page
    link = f'{_rec_url(recommendation)}/evidence/{evidence["id"]}/files/{files[0]["id"]}'
    assert f'href="{link}"' in page and "Evidence received Tuesday 10 November 2026" in page

    download = client.get(link)
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"].startswith('attachment; filename="apology letter.pdf"')
    text_file = client.get(f'{_rec_url(recommendation)}/evidence/{evidence["id"]}/files/{files[1]["id"]}')
    assert text_file.headers["content-type"] == "application/octet-stream"  # never rendered by the browser

    # The file must belong to that evidence, and the evidence to that recommendation.
    assert client.get(f'{_rec_url(recommendation)}/evidence/{evidence["id"] + 1}/files/{files[0]["id"]}').status_code == 404
    other = run(f.recommendation(run(f.decided_case()), period=1, unit="months"))
    assert client.get(f'{_rec_url(other)}/evidence/{evidence["id"]}/files/{files[0]["id"]}').status_code == 404


def test_refused_evidence_writes_nothing(client, run, recommendation, uploads):
    client.sign_in_as("compliance_officer")
    response = _add_evidence(client, recommendation, "2026-11-10", "Letter", [
        ("apology.pdf", PDF, "application/pdf"), ("payload.exe", b"MZ\x90\x00", "application/octet-stream"),
    ])
    assert response.status_code == 400
    assert "payload.exe: This file is a .exe" in _errors(response.text)
    assert ">Letter</textarea>" in response.text
    response = _add_evidence(client, recommendation, "2030-01-01", "", htmx=True)
    assert response.status_code == 200 and "<html" not in response.text
    assert "must be today or in the past" in response.text and "Enter what the body sent" in response.text
    assert run(Evidence.count()) == 0 and run(EvidenceFile.count()) == 0
    assert _stored(uploads) == []


def _verdict(client, rid, evidence_id, verdict, reason="", htmx=False):
    return client.post_form(f"{_rec_url(rid)}/evidence/{evidence_id}/verdict",
                            {"verdict": verdict, "verdict_reason": reason},
                            headers=HTMX if htmx else {}, follow_redirects=False)


def test_insufficient_needs_a_reason_and_leaves_it_outstanding(client, run, recommendation, uploads):
    client.sign_in_as("compliance_officer")
    assert _add_evidence(client, recommendation, "2026-11-10", "A draft of the letter").status_code == 303
    evidence_id = run(Evidence.select(Evidence.id).first())["id"]

    response = _verdict(client, recommendation, evidence_id, "insufficient")
    assert response.status_code == 400
    assert "Say why the evidence is insufficient" in _errors(response.text)
    assert f'href="#verdict_reason-{evidence_id}"' in response.text
    assert run(Evidence.select(Evidence.verdict).first())["verdict"] == ""

    response = _verdict(client, recommendation, evidence_id, "insufficient", "Unsigned draft; send the letter as sent", htmx=True)
    assert response.status_code == 200 and "<html" not in response.text
    assert "Unsigned draft; send the letter as sent" in response.text
    assert 'data-testid="evidence-verdict">Insufficient<' in response.text
    assert 'data-testid="recommendation-status">Overdue<' in response.text
    assert _row(run, recommendation)["outcome"] == ""
    # A verdict is given once.
    assert "already has a verdict" in _verdict(client, recommendation, evidence_id, "accepted").text


@pytest.mark.parametrize("received_on, status, outcome", [
    ("2026-11-16", "Complied on time", "complied_on_time"),  # on the original due date
    ("2026-11-17", "Complied late", "complied_late"),
])
def test_accepting_evidence_complies_on_time_or_late(client, run, recommendation, uploads, received_on, status, outcome):
    client.sign_in_as("compliance_officer")
    assert _add_evidence(client, recommendation, received_on, "The apology as sent",
                         [("apology.pdf", PDF, "application/pdf")]).status_code == 303
    evidence_id = run(Evidence.select(Evidence.id).first())["id"]
    response = _verdict(client, recommendation, evidence_id, "accepted")
    assert response.status_code == 303
    row = _row(run, recommendation)
    assert (row["outcome"], row["outcome_on"]) == (outcome, date.fromisoformat(received_on))
    page = client.get(_rec_url(recommendation)).text
    assert f'data-testid="recommendation-status">{status}<' in page
    assert 'data-testid="evidence-verdict">Accepted<' in page
    assert 'data-testid="extend-form"' not in page and 'data-testid="cease-form"' not in page  # closed now
    case_page = client.get(_case_url(run(_case_of(recommendation)))).text
    assert f'data-testid="recommendation-status">{status}<' in case_page


def test_an_extension_does_not_make_late_evidence_on_time(client, run, recommendation, uploads):
    client.sign_in_as("compliance_officer")
    version = _row(run, recommendation)["version"]
    assert client.post_form(_rec_url(recommendation) + "/extension", {
        "new_due_on": "2026-12-16", "extension_reason": "Agreed", "version": version}, follow_redirects=False).status_code == 303
    _add_evidence(client, recommendation, "2026-11-20", "The apology")
    _verdict(client, recommendation, run(Evidence.select(Evidence.id).first())["id"], "accepted")
    assert _row(run, recommendation)["outcome"] == "complied_late"


def test_cease_with_a_reason(client, run, recommendation):
    client.sign_in_as("compliance_officer")
    url = _rec_url(recommendation) + "/cease"
    version = _row(run, recommendation)["version"]
    response = client.post_form(url, {"ceased_reason": "", "version": version}, follow_redirects=False)
    assert response.status_code == 400 and "Give the reason" in _errors(response.text)
    response = client.post_form(url, {"ceased_reason": "The complainant has died", "version": version}, follow_redirects=False)
    assert response.status_code == 303
    assert _row(run, recommendation)["outcome"] == "ceased"
    page = client.get(_rec_url(recommendation)).text
    assert 'data-testid="recommendation-status">Ceased<' in page and "The complainant has died" in page
    again = client.post_form(url, {"ceased_reason": "Again", "version": version + 1}, follow_redirects=False)
    assert again.status_code == 400 and "already closed" in again.text


def test_not_complied_is_for_managers_only(client, run, recommendation):
    url = _rec_url(recommendation) + "/not-complied"
    client.sign_in_as("compliance_officer")
    version = _row(run, recommendation)["version"]
    assert client.post_form(url, {"not_complied_reason": "No reply", "version": version},
                            follow_redirects=False).status_code == 403
    assert _row(run, recommendation)["outcome"] == ""

    client.sign_in_as("manager")
    assert 'data-testid="not-complied-form"' in client.get(_rec_url(recommendation)).text
    response = client.post_form(url, {"not_complied_reason": "", "version": version}, follow_redirects=False)
    assert response.status_code == 400 and "Give the reason" in response.text
    response = client.post_form(url, {"not_complied_reason": "Council refuses to pay after two chasers",
                                      "version": version}, follow_redirects=False)
    assert response.status_code == 303
    assert _row(run, recommendation)["outcome"] == "not_complied"
    page = client.get(_rec_url(recommendation)).text
    assert 'data-testid="recommendation-status">Remedy not complete and not satisfied<' in page


def test_escalate_by_hand(client, run, recommendation):
    client.sign_in_as("compliance_officer")
    url = _rec_url(recommendation) + "/escalation"
    response = client.post_form(url, {"escalation_note": ""}, follow_redirects=False)
    assert response.status_code == 400 and "Say why you are escalating it" in response.text
    response = client.post_form(url, {"escalation_note": "Two chasers unanswered; wrote to the chief executive"},
                                headers=HTMX)
    assert response.status_code == 200 and 'data-testid="recommendation-status">Escalated<' in response.text
    assert _row(run, recommendation)["escalated_on"] == date.today()
    assert "Two chasers unanswered" in response.text  # in the history
    client.sign_in_as("investigator")
    assert client.post_form(url, {"escalation_note": "x"}, follow_redirects=False).status_code == 403


def test_a_restricted_cases_recommendation_is_not_found_without_need_to_know(client, run, db, uploads):
    case = run(f.decided_case(restricted=True, investigator="investigator"))
    rid = run(f.recommendation(case, period=1, unit="months"))
    client.sign_in_as("investigator")  # the case's own investigator
    assert client.get(_rec_url(rid)).status_code == 200
    client.sign_in_as("manager")  # the investigator's manager: need-to-know
    assert client.get(_rec_url(rid)).status_code == 200
    assert _add_evidence(client, rid, "2026-01-20", "Letter", [("letter.txt", b"Sorry\n", "text/plain")]).status_code == 303
    evidence_id = run(Evidence.select(Evidence.id).first())["id"]
    file_id = run(EvidenceFile.select(EvidenceFile.id).first())["id"]
    assert client.get(f"{_rec_url(rid)}/evidence/{evidence_id}/files/{file_id}").status_code == 200

    client.sign_in_as("compliance_officer")  # compliance, but no need-to-know on this case
    assert client.get(_rec_url(rid)).status_code == 404
    assert client.get(f"{_rec_url(rid)}/evidence/{evidence_id}/files/{file_id}").status_code == 404
    for action, data in [("extension", {"new_due_on": "2027-03-01", "extension_reason": "x", "version": 1}),
                         ("cease", {"ceased_reason": "x", "version": 1}), ("escalation", {"escalation_note": "x"}),
                         (f"evidence/{evidence_id}/verdict", {"verdict": "accepted"})]:
        assert client.post_form(f"{_rec_url(rid)}/{action}", data, follow_redirects=False).status_code == 404, action
    assert _row(run, rid)["outcome"] == "" and run(Extension.count()) == 0
