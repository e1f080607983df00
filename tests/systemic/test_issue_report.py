"""The systemic issue report, opened with python-docx: the fault, the cases (anonymised), the bodies,
the cohorts with every report, the linked recommendations' status; counts against the database;
problems; need-to-know; LibreOffice."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from investigations.queries import viewer_for
from systemic.cohorts import CohortFigures
from systemic.issue_report import SystemicIssueReport
from systemic.issues import create_issue, link_case, open_cohort, record_cohort_update
from tests.remedies import document_data as d
from tests.remedies.factories import user
from workbench.reports import ParameterError, kind_for

HANTS, KENT, SURREY = "Hampshire County Council", "Kent County Council", "Surrey County Council"
ADA = {"title": "Mrs", "given_name": "Ada", "family_name": "Lovelace", "postcode": "SO23 8UG"}
FAULT = "Councils counted a couple's joint savings when charging one of them for home care.\nSome refunded late."


async def _issue() -> dict:
    decided = dict(received_on=date(2025, 5, 1), decided_on=date(2025, 9, 1), outcome="upheld_fault_injustice")
    hants = await d.make_case(person=ADA, summary=(
        "Mrs Ada Lovelace complained that Hampshire County Council counted her husband's savings. "
        "Ada Lovelace's son wrote from SO23 8UG. Nothing else."), **decided)
    kent = await d.make_case(bodies=(KENT,), **decided)
    secret = await d.make_case(bodies=(SURREY,), restricted=True, investigator="ibrooks",
                               summary="A restricted complaint about Surrey.", **decided)
    review = await d.made(hants, date(2025, 10, 1), remedy_type="review_others_affected")  # overdue by now
    unfollowed = await d.made(kent, date(2026, 10, 1), remedy_type="review_others_affected")
    manager, admin = await user("manager"), await user("admin")
    issue = await create_issue("Joint capital counted for home care charges", FAULT, manager, cases=[hants, kent],
                               note="Same charging fault")
    await link_case(issue, secret, admin, "Found by the scan")
    hants_cohort = await open_cohort(issue, hants["body_id"], manager, recommendation_id=review)
    await record_cohort_update(hants_cohort, CohortFigures(40, 10, 5, 2, Decimal("400.00")), date(2025, 11, 1), manager,
                               note="First count")
    await record_cohort_update(hants_cohort, CohortFigures(63, 60, 50, 41, Decimal("9100.25")), date(2026, 1, 15),
                               manager, note="Most refunded")
    await open_cohort(issue, (await d.body(SURREY))["id"], manager)  # no recommendation, no report yet
    return {"issue": issue, "hants": hants, "kent": kent, "secret": secret, "review": review, "unfollowed": unfollowed}


def _report(run, issue_id: int, username: str):
    kind = SystemicIssueReport()
    data = run(kind.gather({"issue": str(issue_id)}, viewer_for(run(user(username)))))
    return kind, data, d.open_docx(kind.build(data))


@pytest.mark.parametrize("username, sees_restricted", [("reports", False), ("admin", True)])
def test_report_structure_and_numbers_match_the_database(run, db, username, sees_restricted):
    made = run(_issue())
    kind, data, document = _report(run, made["issue"], username)
    issue = made["issue"]
    vis = "" if sees_restricted else " AND k.restricted = false"
    linked = run(d.scalar('SELECT COUNT(*) AS n FROM systemic_issue_case l JOIN investigations_case k ON k.id = l."case" '
                          "WHERE l.issue = {}" + vis, issue))
    bodies = run(d.scalar(
        "SELECT COUNT(DISTINCT b) AS n FROM (SELECT cb.body AS b FROM systemic_issue_case l JOIN investigations_case k "
        'ON k.id = l."case" JOIN investigations_case_body cb ON cb."case" = k.id WHERE l.issue = {}' + vis
        + " UNION SELECT body AS b FROM systemic_cohort WHERE issue = {}) x", issue, issue))
    totals = run(d.fetch("SELECT SUM(identified) AS i, SUM(contacted) AS c, SUM(reviewed) AS r, SUM(remedied) AS m, "
                         "SUM(amount_paid) AS a FROM systemic_cohort WHERE issue = {}", issue))[0]
    assert linked == (3 if sees_restricted else 2) and bodies == 3

    assert document.paragraphs[0].text == "Systemic issue {}: Joint capital counted for home care charges".format(issue)
    heads = d.headings(document)
    expected_cases = [made["hants"], made["kent"]] + ([made["secret"]] if sees_restricted else [])
    assert heads == [(1, "The fault"), (1, "The cases"),
                     *[(2, f"{c['reference']}: Charging") for c in expected_cases],
                     (1, "The bodies"), (1, "Others affected"),
                     (2, f"Reports from {HANTS}"), (2, f"Reports from {SURREY}"), (1, "Linked recommendations")]
    summary = d.key_values(document)
    assert summary["Cases"] == str(linked) and summary["Bodies"] == str(bodies)
    assert summary["People identified"] == str(totals["i"]) == "63"
    assert summary["People remedied"] == str(totals["m"])
    assert summary["Amount refunded or paid"] == f"£{Decimal(str(totals['a'])):,.2f}" == "£9,100.25"
    text = d.all_text(document)
    assert "Councils counted a couple's joint savings" in text and "Some refunded late." in text

    cases = d.table_rows(d.table_after(document, "The cases"))
    assert [r[0] for r in cases[1:]] == [c["reference"] for c in expected_cases]
    assert ("A restricted complaint about Surrey." in text) is sees_restricted
    first = next(p.text for p in document.paragraphs if p.text.startswith("Mrs X complained"))
    for leaked in ("Lovelace", "Ada", "SO23", "Hampshire", "Nothing else"):
        assert leaked not in first
    assert "Why it was linked: Same charging fault" in text

    body_rows = {r[0]: r for r in d.table_rows(d.table_after(document, "The bodies"))[1:]}
    assert body_rows[HANTS][1:] == ["1", "Yes"] and body_rows[KENT][1:] == ["1", "No"]
    assert body_rows[SURREY][1:] == (["1", "Yes"] if sees_restricted else ["0", "Yes"])  # its cohort, everyone sees

    cohorts = d.table_rows(d.table_after(document, "Others affected"))
    assert cohorts[1][:6] == [HANTS, "63", "60", "50", "41", "£9,100.25"]
    assert cohorts[2][6] == "No report yet"
    assert cohorts[-1][:6] == ["Total", str(totals["i"]), str(totals["c"]), str(totals["r"]), str(totals["m"]), "£9,100.25"]
    history = d.table_rows(d.table_after(document, f"Reports from {HANTS}"))
    updates = run(d.scalar("SELECT COUNT(*) AS n FROM systemic_cohort_update u JOIN systemic_cohort c ON c.id = u.cohort "
                           "WHERE c.issue = {} AND c.body = {}", issue, made["hants"]["body_id"]))
    assert len(history) - 1 == updates == 2
    assert history[1][0] == "1 Nov 2025" and history[1][6] == "First count"  # oldest first
    recs = d.table_rows(d.table_after(document, "Linked recommendations"))
    assert recs[1][:3] == [HANTS, made["hants"]["reference"], "Review of others affected"]
    assert recs[1][4] in ("Overdue", "Escalated") and recs[1][5] == "41"
    assert f"{made['kent']['reference']} ({KENT})" in text  # not yet followed by a cohort

    preview = kind.preview(data)
    messages = [p.message for p in preview.problems]
    assert any(f"{SURREY} has not reported on the others affected yet" in m for m in messages)
    assert any(f"The cohort at {SURREY} follows no recommendation" in m for m in messages)
    assert any(f"The recommendation the cohort at {HANTS} follows is" in m for m in messages)
    assert any("1 review-of-others recommendation(s)" in m for m in messages)
    assert any("restricted cases" in m for m in messages) is (not sees_restricted)
    assert dict(preview.summary)["Cases"] == str(linked)


def test_own_initiative_issue_and_parameters(run, db):
    manager = run(user("manager"))
    issue = run(create_issue("Respite charged at a flat rate", "", manager))
    kind = kind_for("systemic-issue-report")
    admin = viewer_for(run(user("admin")))
    data = run(kind.gather({"issue": str(issue)}, admin))
    messages = [p.message for p in kind.preview(data).problems]
    assert any("no description of the fault" in m for m in messages)
    assert any("No cases are linked" in m for m in messages)
    text = d.all_text(d.open_docx(kind.build(data)))
    assert "On the Ombudsman's own initiative" in text and "No complaint cases are linked to this issue." in text
    for value, message in (("999", "There is no systemic issue 999"), ("twelve", "by its number"), ("", "Choose")):
        with pytest.raises(ParameterError, match=message) as error:
            run(kind.gather({"issue": value}, admin))
        assert error.value.field == "issue"


def test_converts_to_pdf(run, db, tmp_path):
    made = run(_issue())
    kind, data, _ = _report(run, made["issue"], "admin")
    pdf = d.to_pdf(kind.build(data), tmp_path, "issue-report")
    assert d.pdf_pages(pdf) != 0
    d.render_first_page(pdf, tmp_path / "issue-report")
