"""The statistics API, the recommendations API and the statistics page, against hand-counted figures.

A small set is made through the real service (make, add evidence, accept, close, cease), so every
expected figure below can be counted by hand from the set-up.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest

from remedies.recommendations import accept_or_reject_evidence, add_evidence, cease, close_not_complied, escalate, extend_due_date
from remedies.tables import Recommendation
from tests.remedies import factories as f

HANTS, KENT = "Hampshire County Council", "Kent County Council"


async def _comply(rid: int, received_on: date, tmp_path) -> None:
    officer = await f.user("compliance")
    evidence = await add_evidence(rid, received_on, "Copy of the letter", [("letter.txt", io.BytesIO(b"done\n"))],
                                  officer, tmp_path / "uploads")
    await accept_or_reject_evidence(evidence, "accepted", "", officer)


@pytest.fixture
def made(run, db, tmp_path):
    """Financial year 2025-26 (due 5 February 2026), Hampshire, adult care:
        apology complied on time; £250 distress complied late (3 others remedied); policy change not complied;
        training ceased; review of others outstanding (overdue), and a restricted case's £999 loss complied.
    Financial year 2024-25, Kent: a £100 refund complied on time, and an apology outstanding but escalated."""

    async def make():
        officer = await f.user("compliance")
        case = await f.decided_case(HANTS, decided_on=date(2026, 1, 5))
        ids = {
            "on_time": await f.recommendation(case, "apology"),
            "late": await f.recommendation(case, "financial_avoidable_distress", amount=Decimal("250.00")),
            "not_complied": await f.recommendation(case, "procedure_or_policy_change"),
            "ceased": await f.recommendation(case, "staff_training"),
            "outstanding": await f.recommendation(case, "review_others_affected"),
        }
        await Recommendation.update({Recommendation.others_affected: 3}).where(Recommendation.id == ids["late"])
        await Recommendation.update({Recommendation.others_affected: 40}).where(Recommendation.id == ids["outstanding"])
        await _comply(ids["on_time"], date(2026, 1, 20), tmp_path)
        await _comply(ids["late"], date(2026, 3, 2), tmp_path)
        await close_not_complied(ids["not_complied"], "The council refused", officer)
        await cease(ids["ceased"], "Superseded by a new policy", officer)
        hidden = await f.decided_case(HANTS, decided_on=date(2026, 1, 5), investigator="ibrooks", restricted=True)
        ids["restricted"] = await f.recommendation(hidden, "financial_quantifiable_loss", amount=Decimal("999.00"))
        await _comply(ids["restricted"], date(2026, 1, 10), tmp_path)
        kent = await f.decided_case(KENT, decided_on=date(2025, 2, 10))
        ids["kent_refund"] = await f.recommendation(kent, "refund_or_waiver", amount=Decimal("100.00"))
        await _comply(ids["kent_refund"], date(2025, 3, 1), tmp_path)
        ids["kent_escalated"] = await f.recommendation(kent, "apology")
        await escalate(ids["kent_escalated"], "Chief executive written to", officer, today=date(2025, 6, 1))
        ids["case"] = case["reference"]
        ids["hants"], ids["kent"] = case["body_id"], kent["body_id"]
        return ids

    return run(make())


def stats(client, **params):
    response = client.get("/api/stats/compliance", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    return body, {s["key"]: s for s in body["statistics"]}


def test_figures_equal_the_hand_counts(client, made):
    client.sign_in_as("compliance_officer")
    body, s = stats(client, year="2025")
    assert body["recommendations"] == 5  # the restricted case's recommendation is not counted
    assert body["filters"]["year"] == {"start": 2025, "label": "2025-26", "first_day": "2025-04-01", "last_day": "2026-03-31"}
    rate = s["compliance_rate"]
    assert (rate["numerator"], rate["denominator"]) == (2, 3)
    assert rate["value"] == pytest.approx(66.67) and rate["too_few"] is True
    assert rate["display"] == "66.7% (2 of 3)" and "ceased" in rate["formula"] and rate["source"].startswith("LGSCO")
    late = s["late_compliance_rate"]
    assert (late["numerator"], late["denominator"], late["value"]) == (1, 2, 50.0)
    assert late["source"] == "Workbench definition"
    assert (s["service_improvements"]["value"], s["service_improvements"]["denominator"]) == (3, None)
    assert s["people_remedied_beyond_complainant"]["value"] == 3  # the 40 are on an outstanding recommendation
    assert s["amounts_paid"]["value"] == "250.00" and s["amounts_paid"]["numerator"] == 1
    assert s["remedies.apology"]["value"] == 1 and s["remedies.financial_quantifiable_loss"]["value"] == 0
    assert all(fig["formula"] and fig["source"] and fig["display"] for fig in body["statistics"])


def test_need_to_know_for_the_investigators_manager_and_administrators(client, made):
    client.sign_in_as("administrator")
    body, s = stats(client, year="2025-26")
    assert body["recommendations"] == 6
    assert (s["compliance_rate"]["numerator"], s["compliance_rate"]["denominator"]) == (3, 4)
    assert s["amounts_paid"]["value"] == "1249.00"
    # ibrooks's manager is "manager": need-to-know, so counted
    client.sign_in_as("manager")
    assert stats(client, year="2025")[0]["recommendations"] == 6


def test_filters_by_body_category_and_year(client, made):
    client.sign_in_as("report_writer")
    body, s = stats(client)
    assert body["recommendations"] == 7 and body["filters"] == {"body": None, "category": None, "year": None}
    assert (s["compliance_rate"]["numerator"], s["compliance_rate"]["denominator"]) == (3, 4)
    body, s = stats(client, body=KENT)
    assert body["filters"]["body"] == {"id": made["kent"], "name": KENT} and body["recommendations"] == 2
    assert s["amounts_paid"]["value"] == "100.00"
    assert stats(client, body=str(made["kent"]))[0]["recommendations"] == 2
    assert stats(client, body="  hampshire county   COUNCIL ")[0]["recommendations"] == 5
    assert stats(client, year="2024")[0]["recommendations"] == 2
    assert stats(client, year="2023")[0]["recommendations"] == 0
    body, s = stats(client, year="2023")
    assert s["compliance_rate"]["value"] is None and s["compliance_rate"]["display"] == "no recommendations"
    body, _ = stats(client, category="adult-care-services")
    assert body["filters"]["category"]["name"] == "Adult care services" and body["recommendations"] == 7
    assert stats(client, category="Education")[0]["recommendations"] == 0


def test_breakdowns(client, made):
    client.sign_in_as("compliance_officer")
    body, _ = stats(client, by="body,year,category")
    per_body = {g["group"]: {s["key"]: s for s in g["statistics"]} for g in body["breakdowns"]["body"]}
    assert set(per_body) == {HANTS, KENT}
    assert per_body[KENT]["compliance_rate"]["display"] == "100.0% (1 of 1)"
    assert "formula" not in per_body[KENT]["compliance_rate"]  # given once, in statistics
    assert {g["group"]: g["recommendations"] for g in body["breakdowns"]["body"]} == {HANTS: 5, KENT: 2}
    per_year = {g["group"]: {s["key"]: s for s in g["statistics"]} for g in body["breakdowns"]["year"]}
    assert list(per_year) == ["2024-25", "2025-26"]
    assert per_year["2025-26"]["late_compliance_rate"]["numerator"] == 1
    assert [g["group"] for g in body["breakdowns"]["category"]] == ["Adult care services"]
    body, _ = stats(client, year="2025", by="body")
    assert [g["group"] for g in body["breakdowns"]["body"]] == [HANTS] and "year" not in body["breakdowns"]


@pytest.mark.parametrize("params, field, words", [
    ({"body": "Nowhere Council"}, "body", "no body named"),
    ({"body": "999999"}, "body", "no body with id"),
    ({"year": "2025-27"}, "year", "2025-26"),
    ({"year": "last year"}, "year", "not a financial year"),
    ({"year": "1066"}, "year", "between"),
    ({"category": "astrology"}, "category", "no category"),
    ({"by": "colour"}, "by", "not a breakdown"),
    ({"by": "body", "body": KENT}, "by", "leave out the body filter"),
])
def test_bad_parameters_are_400_with_a_reason(client, made, params, field, words):
    client.sign_in_as("compliance_officer")
    response = client.get("/api/stats/compliance", params=params)
    assert response.status_code == 400
    assert words in response.json()["detail"] and words in response.json()["extra"][field]


def test_investigators_may_not_ask_for_statistics(client, made):
    client.sign_in_as("investigator")
    assert client.get("/api/stats/compliance").status_code == 403
    assert client.get("/compliance/statistics").status_code == 403


# ---------------------------------------------------------------------------------------------
# GET /api/recommendations


def listing(client, **params):
    response = client.get("/api/recommendations", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_list_filters_by_derived_status(client, made):
    client.sign_in_as("compliance_officer")
    page = listing(client)
    assert page["total"] == 7 and len(page["items"]) == 7  # the restricted one is hidden
    assert made["restricted"] not in [i["id"] for i in page["items"]]
    assert [i["due_on"] for i in page["items"]] == sorted(i["due_on"] for i in page["items"])
    by_status = {s: [i["id"] for i in listing(client, status=s)["items"]] for s in
                 ("complied_on_time", "complied_late", "not_complied", "ceased", "overdue", "escalated", "open", "due_soon")}
    assert sorted(by_status["complied_on_time"]) == sorted([made["on_time"], made["kent_refund"]])
    assert by_status["complied_late"] == [made["late"]]
    assert by_status["not_complied"] == [made["not_complied"]] and by_status["ceased"] == [made["ceased"]]
    assert by_status["overdue"] == [made["outstanding"]] and by_status["escalated"] == [made["kent_escalated"]]
    assert by_status["open"] == by_status["due_soon"] == []
    both = listing(client, status="overdue,escalated")
    assert both["total"] == 2


def test_list_item_carries_the_rule_and_status(client, made):
    client.sign_in_as("investigator")
    item = listing(client, case=made["case"].replace(" ", ""), status="complied_late")["items"][0]
    assert item["case_reference"] == made["case"] and item["body"] == {"id": made["hants"], "name": HANTS}
    assert item["remedy_type"] == {"key": "financial_avoidable_distress", "label": "Financial redress: avoidable distress"}
    assert item["kind"] == "personal" and item["amount"] == "250.00"
    assert item["due_rule"] == {"anchor_event": "final_decision", "anchor_on": "2026-01-05", "period": 1, "unit": "months"}
    assert item["original_due_on"] == item["due_on"] == "2026-02-05" and "month" in item["due_explanation"]
    assert item["status"] == "complied_late" and item["status_label"] == "Complied late"
    assert item["outcome_on"] == "2026-03-02" and item["assigned_to"] is None


def test_list_filters_by_body_due_date_case_and_pages(client, made, run):
    client.sign_in_as("manager")
    assert listing(client)["total"] == 8  # the manager of the restricted case's investigator sees it
    assert listing(client, body=KENT)["total"] == 2
    assert listing(client, body=str(made["hants"]))["total"] == 6
    assert listing(client, due_before="2026-01-01")["total"] == 2  # Kent's, due 10 March 2025
    assert listing(client, due_before="2026-02-05")["total"] == 2  # strictly before
    assert listing(client, due_before="2026-02-06")["total"] == 8
    assert listing(client, case="25 999 999")["total"] == 0
    first, second = listing(client, limit="3"), listing(client, limit="3", offset="3")
    assert first["total"] == second["total"] == 8 and (first["limit"], second["offset"]) == (3, 3)
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}
    # An extension moves due_on, not original_due_on
    officer = run(f.user("compliance"))
    run(extend_due_date(made["outstanding"], date(2027, 6, 30), "Waiting for the review panel", officer))
    item = listing(client, status="open")["items"][0]
    assert (item["id"], item["original_due_on"], item["due_on"]) == (made["outstanding"], "2026-02-05", "2027-06-30")


@pytest.mark.parametrize("params, field", [
    ({"status": "late"}, "status"), ({"body": "Atlantis"}, "body"), ({"due_before": "31/02/2026"}, "due_before"),
    ({"case": "not a reference"}, "case"), ({"limit": "0"}, "limit"), ({"limit": "500"}, "limit"),
    ({"offset": "-1"}, "offset"), ({"limit": "ten"}, "limit"),
])
def test_list_bad_parameters_are_400(client, made, params, field):
    client.sign_in_as("compliance_officer")
    response = client.get("/api/recommendations", params=params)
    assert response.status_code == 400
    assert field in response.json()["detail"] and response.json()["extra"][field]


def test_openapi_documents_the_typed_responses(client, db):
    client.sign_in_as("manager")
    schema = client.get("/schema/openapi.json").json()
    assert "/api/stats/compliance" in schema["paths"] and "/api/recommendations" in schema["paths"]
    names = set(schema["components"]["schemas"])
    assert {"ComplianceStats", "FigureOut", "RecommendationList", "RecommendationOut"} <= names
    assert "formula" in schema["components"]["schemas"]["FigureOut"]["properties"]


# ---------------------------------------------------------------------------------------------
# The statistics page


def test_page_shows_every_figure_with_formula_counts_and_source(client, made):
    client.sign_in_as("report_writer")
    response = client.get("/compliance/statistics", params={"year": "2025"})
    assert response.status_code == 200
    html = response.text
    assert "2025-26" in html and "5 recommendations" in html
    assert "66.7% (2 of 3)" in html and "50.0% (1 of 2)" in html and "£250.00 (1 payment)" in html
    assert html.count('data-testid="formula"') == 5 and "ceased and still-outstanding" in html
    assert "LGSCO definition" in html and "Our definition" in html
    assert "Too few to be meaningful" in html
    assert 'id="per-body"' in html and 'id="per-category"' in html and 'id="per-year"' in html
    assert "2024-25" in html and "100.0% (1 of 1)" in html  # the per-year table covers every year
    assert "£999.00" not in html and "£1,249.00" not in html  # restricted case left out
    assert "Review of others affected" in html


def test_page_filters_by_body_and_category(client, made):
    client.sign_in_as("compliance_officer")
    html = client.get("/compliance/statistics", params={"year": "2024-25", "body": KENT}).text
    assert "2024-25: Kent County Council" in html and "2 recommendations" in html
    assert 'id="per-body"' not in html and "£100.00 (1 payment)" in html
    html = client.get("/compliance/statistics", params={"category": "adult-care-services"}).text
    assert 'id="per-category"' not in html and 'id="per-body"' in html


def test_page_bad_filters_show_an_error_summary(client, made):
    client.sign_in_as("compliance_officer")
    response = client.get("/compliance/statistics", params={"year": "next year", "body": "Atlantis"})
    assert response.status_code == 400
    assert "govuk-error-summary" in response.text and "not a financial year" in response.text
    assert "no body named" in response.text


def test_reports_page_links_to_the_statistics(client, db):
    client.sign_in_as("report_writer")
    assert 'href="/compliance/statistics"' in client.get("/reports").text
