"""The annual review letter, opened with python-docx: its structure, and every number in it against a
count made straight from the database here; its preview's problems; need-to-know; LibreOffice."""

from __future__ import annotations

from datetime import date

import pytest

from investigations.lifecycle import Outcome
from investigations.queries import viewer_for
from remedies.annual_letter import AnnualReviewLetter
from tests.remedies import document_data as d
from tests.remedies.factories import user
from workbench.reports import ParameterError, catalogue

HANTS, KENT, NHS = "Hampshire County Council", "Kent County Council", "Leeds Teaching Hospitals NHS Trust"
START, END = date(2025, 4, 1), date(2026, 3, 31)
INVESTIGATED = ("upheld_fault_injustice", "upheld_fault_no_injustice", "remedied_by_body", "not_upheld")
UPHELD = ("upheld_fault_injustice", "upheld_fault_no_injustice", "remedied_by_body")


async def _year() -> dict:
    """A year of casework for Hampshire and Kent (both county councils), with cases either side of it,
    a joint case, a restricted one, recommendations in every state and contacts."""
    cases = {}
    cases["open"] = await d.make_case(received_on=date(2025, 6, 1))
    cases["open2"] = await d.make_case(received_on=date(2026, 3, 31))
    cases["before"] = await d.make_case(received_on=date(2024, 5, 1), decided_on=date(2025, 3, 31),
                                        outcome="upheld_fault_injustice")
    cases["after"] = await d.make_case(received_on=date(2026, 4, 1))
    cases["carried"] = await d.make_case(received_on=date(2024, 12, 1), decided_on=date(2025, 4, 1),
                                         outcome="upheld_fault_injustice", standards=("1.1", "3.5"))
    cases["no_injustice"] = await d.make_case(received_on=date(2025, 5, 1), decided_on=date(2025, 9, 1),
                                              outcome="upheld_fault_no_injustice", standards=("3.5",))
    for i in range(2):
        cases[f"not_upheld{i}"] = await d.make_case(received_on=date(2025, 5, 2), decided_on=date(2025, 10, 1),
                                                    outcome="not_upheld")
    cases["remedied"] = await d.make_case(received_on=date(2025, 7, 1), decided_on=date(2025, 11, 1),
                                          outcome="remedied_by_body")
    cases["premature"] = await d.make_case(received_on=date(2025, 7, 1), decided_on=date(2025, 7, 20),
                                           outcome="premature")
    cases["not_for_us"] = await d.make_case(received_on=date(2025, 8, 1), decided_on=date(2025, 8, 5),
                                            outcome="not_for_us")
    cases["joint"] = await d.make_case(bodies=(HANTS, NHS), received_on=date(2025, 8, 1), decided_on=date(2026, 1, 5),
                                       outcome="upheld_fault_injustice", standards=("4.1",))
    # Restricted: its investigator is managed by "manager"; the report writer may not open it.
    cases["restricted"] = await d.make_case(received_on=date(2025, 9, 1), decided_on=date(2026, 2, 1),
                                            outcome="upheld_fault_injustice", restricted=True, investigator="ibrooks",
                                            standards=("1.1",))
    # Kent: the other county council in the average.
    for i, outcome in enumerate(["upheld_fault_injustice"] * 5 + ["not_upheld"] * 3 + ["premature"]):
        cases[f"kent{i}"] = await d.make_case(bodies=(KENT,), received_on=date(2025, 4, 10),
                                              decided_on=date(2025, 6, 10), outcome=outcome)
    # Recommendations (the compliance figures), by original due date.
    c = cases["carried"]
    await d.made(c, date(2025, 5, 1), outcome="complied_on_time", outcome_on=date(2025, 4, 28))
    await d.made(c, date(2025, 6, 1), outcome="complied_late", outcome_on=date(2025, 6, 20))
    await d.made(c, date(2025, 7, 1), outcome="not_complied", outcome_on=date(2025, 9, 1))
    await d.made(c, date(2025, 8, 1), outcome="ceased", outcome_on=date(2025, 8, 1))
    await d.made(c, date(2026, 3, 1))  # outstanding
    await d.made(c, date(2025, 3, 1), outcome="complied_on_time", outcome_on=date(2025, 3, 1))  # the year before
    await d.made(c, date(2025, 9, 1), remedy_type="procedure_or_policy_change",
                 public_summary="Review its charging policy for disability-related expenditure.",
                 outcome="complied_on_time", outcome_on=date(2025, 8, 30))
    await d.made(cases["no_injustice"], date(2025, 12, 1), remedy_type="staff_training",
                 public_summary="Remind assessment staff to record care and support plans.")
    await d.made(cases["no_injustice"], date(2025, 12, 2), remedy_type="staff_training")  # no public summary
    await d.made(cases["restricted"], date(2026, 3, 2), remedy_type="staff_training",
                 public_summary="Train staff on safeguarding referrals.", outcome="complied_late",
                 outcome_on=date(2026, 3, 20))
    await d.add_contact(HANTS, "chief_executive", "Carolyn Williamson", "Chief Executive")
    await d.add_contact(HANTS, "link_officer", "Lee Officer", "Complaints Manager")
    await d.add_contact(HANTS, "monitoring_officer", "Mona Lawyer", "Head of Legal Services")
    await d.add_contact(HANTS, "chief_executive", "Former Chief", "Chief Executive", active=False)
    return cases


def _visible(role_sees_restricted: bool) -> str:
    return "" if role_sees_restricted else " AND k.restricted = false"


async def _expected(body_name: str, sees_restricted: bool) -> dict:
    """What the letter must say, counted straight from the tables (no workbench code)."""
    bid = (await d.body(body_name))["id"]
    vis = _visible(sees_restricted)
    on_body = 'JOIN investigations_case_body cb ON cb."case" = k.id WHERE cb.body = {}'
    expected = {"received": await d.scalar(
        f"SELECT COUNT(*) AS n FROM investigations_case k {on_body} AND k.received_on >= {{}} "
        f"AND k.received_on <= {{}}{vis}", bid, START, END)}
    by_outcome = {}
    for outcome in Outcome:
        by_outcome[outcome.value] = await d.scalar(
            f"SELECT COUNT(*) AS n FROM investigations_case k {on_body} AND k.decided_on >= {{}} "
            f"AND k.decided_on <= {{}} AND k.outcome = {{}}{vis}", bid, START, END, outcome.value)
    expected["by_outcome"] = by_outcome
    expected["investigated"] = sum(by_outcome[o] for o in INVESTIGATED)
    expected["upheld"] = sum(by_outcome[o] for o in UPHELD)
    type_cases = ('SELECT COUNT(*) AS n FROM investigations_case k WHERE k.id IN (SELECT cb."case" FROM '
                  "investigations_case_body cb JOIN investigations_body b ON b.id = cb.body WHERE b.body_type = {}) "
                  f"AND k.decided_on >= {{}} AND k.decided_on <= {{}}{vis}")
    expected["type_investigated"] = await d.scalar(
        type_cases + " AND k.outcome IN ('upheld_fault_injustice', 'upheld_fault_no_injustice', 'remedied_by_body', "
        "'not_upheld')", "county_council", START, END)
    expected["type_upheld"] = await d.scalar(
        type_cases + " AND k.outcome IN ('upheld_fault_injustice', 'upheld_fault_no_injustice', 'remedied_by_body')",
        "county_council", START, END)
    recs = ('SELECT COUNT(*) AS n FROM remedies_recommendation r JOIN investigations_case k ON k.id = r."case" '
            f"WHERE r.body = {{}} AND r.original_due_on >= {{}} AND r.original_due_on <= {{}}{vis}")
    expected["recommendations"] = await d.scalar(recs, bid, START, END)
    expected["complied"] = await d.scalar(recs + " AND r.outcome IN ('complied_on_time', 'complied_late')", bid, START, END)
    expected["late"] = await d.scalar(recs + " AND r.outcome = 'complied_late'", bid, START, END)
    expected["verdicts"] = await d.scalar(
        recs + " AND r.outcome IN ('complied_on_time', 'complied_late', 'not_complied')", bid, START, END)
    expected["improvements"] = await d.scalar(
        recs + " AND r.remedy_type IN ('procedure_or_policy_change', 'staff_training', 'review_others_affected')",
        bid, START, END)
    return expected


def _percent(n: int, of: int) -> str:
    return f"{round(100 * n / of, 1):.1f}% ({n} of {of})"


@pytest.mark.parametrize("role, sees_restricted", [("report_writer", False), ("administrator", True)])
def test_letter_structure_and_numbers_match_the_database(run, db, role, sees_restricted):
    run(_year())
    username = {"report_writer": "reports", "administrator": "admin"}[role]
    viewer = viewer_for(run(user(username)))
    kind = AnnualReviewLetter()
    data = run(kind.gather({"body": HANTS, "year": "2025-26"}, viewer))
    document = d.open_docx(kind.build(data))
    expected = run(_expected(HANTS, sees_restricted))

    # Structure: a real Heading 1 over the letter's sections, in order.
    assert d.headings(document) == [
        (1, "Annual review letter 2025-26"),
        (2, "Complaints and enquiries received"),
        (2, "Decisions made"),
        (2, "Upheld rate"),
        (2, "Compliance with our recommendations"),
        (2, "Complaints you had already put right"),
        (2, "Service improvements agreed"),
        (2, "Complaint handling: NCMG standards"),
    ]
    text = d.all_text(document)
    # Addressed to the active chief executive, copied to the link and monitoring officers.
    assert document.paragraphs[0].text == "Carolyn Williamson"
    assert "Dear Carolyn Williamson," in text and "Former Chief" not in text
    assert "Copied to: Lee Officer, Complaints Manager; Mona Lawyer, Head of Legal Services" in text

    # Complaints received.
    assert f"We received {expected['received']} complaints and enquiries about {HANTS}." in text
    # Decisions by outcome: every outcome's row equals the database's count, and the total.
    rows = d.table_rows(d.table_after(document, "Decisions made"))
    assert rows[0] == ["Outcome", "Decisions"]
    assert {r[0]: int(r[1]) for r in rows[1:-1]} == {Outcome(k).label: n for k, n in expected["by_outcome"].items()}
    assert rows[-1] == ["Total", str(sum(expected["by_outcome"].values()))]
    # Upheld rate against the county-council average.
    values = d.key_values(document)
    assert values[HANTS].startswith(_percent(expected["upheld"], expected["investigated"]))
    assert values["Average for county councils"].startswith(
        _percent(expected["type_upheld"], expected["type_investigated"]))
    # Compliance and lateness, with their counts.
    assert f"We made or followed up {expected['recommendations']} recommendations due in the year." in text
    assert values["Compliance rate"].startswith(_percent(expected["complied"], expected["verdicts"]))
    assert values["Late compliance rate"].startswith(_percent(expected["late"], expected["complied"]))
    # Complaints already put right: the references of the remedied-by-body decisions.
    assert d.table_after(document, "Complaints you had already put right") is None
    remedied = run(d.scalar(
        'SELECT k.reference AS r FROM investigations_case k JOIN investigations_case_body cb ON cb."case" = k.id '
        "WHERE cb.body = {} AND k.outcome = 'remedied_by_body' AND k.decided_on >= {} AND k.decided_on <= {}",
        (run(d.body(HANTS)))["id"], START, END))
    assert remedied in text
    # Service improvements: one bullet per service-improvement recommendation, its public summary.
    bullets = [p.text for p in document.paragraphs if p.style.name == "List Bullet"]
    assert len(bullets) == expected["improvements"]
    assert "Procedure or policy change: Review its charging policy for disability-related expenditure." in bullets
    assert "Staff training or reminders: (no public summary)" in bullets
    assert ("Staff training or reminders: Train staff on safeguarding referrals." in bullets) is sees_restricted
    # NCMG standards breached: codes and how many findings cited each, with the guidance's titles.
    standards = {r[0]: int(r[3]) for r in d.table_rows(d.table_after(document, "Complaint handling: NCMG standards"))[1:]}
    assert standards == ({"1.1": 2, "3.5": 2, "4.1": 1} if sees_restricted else {"1.1": 1, "3.5": 2, "4.1": 1})
    standard_rows = d.table_rows(d.table_after(document, "Complaint handling: NCMG standards"))
    assert standard_rows[1][:3] == ["1.1", "The process is accessible",
                                    "Complaints information is visible and accessible to every service user."]

    # The preview shows the same headline figures.
    preview = kind.preview(data)
    summary = dict(preview.summary)
    assert summary["Complaints and enquiries received"] == str(expected["received"])
    assert summary["Decisions made"] == str(sum(expected["by_outcome"].values()))
    assert preview.filename == "annual-review-2025-26-hampshire-county-council.docx"
    messages = [p.message for p in preview.problems]
    assert any("1 service improvement(s) have no public summary" in m for m in messages)
    assert any("restricted cases" in m for m in messages) is (not sees_restricted)
    assert preview.can_build


def test_a_restricted_case_never_shows_in_a_viewers_counts(run, db):
    """The restricted case's body has nothing else: a report writer's letter shows no decisions at all."""
    run(d.make_case(bodies=(KENT,), received_on=date(2025, 9, 1), decided_on=date(2026, 2, 1),
                    outcome="upheld_fault_injustice", restricted=True, investigator="ibrooks", standards=("2.2",)))
    kind = AnnualReviewLetter()
    writer = run(kind.gather({"body": KENT, "year": "2025"}, viewer_for(run(user("reports")))))
    manager = run(kind.gather({"body": KENT, "year": "2025"}, viewer_for(run(user("manager")))))
    assert (writer.figures.received, writer.figures.decided, writer.standards) == (0, 0, {})
    assert (manager.figures.received, manager.figures.decided, manager.standards) == (1, 1, {"2.2": 1})
    assert "2.2" not in d.all_text(d.open_docx(kind.build(writer)))


def test_preview_problems(run, db):
    kind = AnnualReviewLetter()
    admin = viewer_for(run(user("admin")))
    # Kent: no contacts, no decisions in 2023-24.
    data = run(kind.gather({"body": KENT, "year": "2023-24"}, admin))
    messages = [p.message for p in kind.preview(data).problems]
    assert any("has no named contact" in m for m in messages)
    assert any("No link officer is named" in m for m in messages)
    assert any("No monitoring officer is named" in m for m in messages)
    assert any("We made no decisions about Kent County Council in 2023-24" in m for m in messages)
    assert not any("too few" in m for m in messages)  # no rate at all is not a rate of too few
    document = d.open_docx(kind.build(data))
    assert "Dear Sir or Madam," in d.all_text(document)
    assert "We made no decisions about Kent County Council in the year." in d.all_text(document)

    # Three investigated decisions: a rate, but from too few cases; the letter says so too.
    for outcome in ("upheld_fault_injustice", "not_upheld", "upheld_fault_injustice"):
        run(d.make_case(bodies=(KENT,), received_on=date(2025, 5, 1), decided_on=date(2025, 6, 1), outcome=outcome))
    run(d.add_contact(KENT, "monitoring_officer", "Mo Nitor", "Monitoring Officer"))
    data = run(kind.gather({"body": KENT, "year": "2025-26"}, admin))
    preview = kind.preview(data)
    messages = [p.message for p in preview.problems]
    assert any(m.startswith("Upheld rate is worked out from only 3 investigated decisions") for m in messages)
    assert any("no chief executive named: the letter is addressed to Mo Nitor" in m for m in messages)
    assert not any("We made no decisions" in m for m in messages)
    assert preview.can_build  # warnings only
    values = d.key_values(d.open_docx(kind.build(data)))
    assert values[KENT] == ("66.7% (2 of 3). This is worked out from fewer than ten detailed investigations, "
                            "too few to compare meaningfully.")


def test_parameters(run, db):
    kind = AnnualReviewLetter()
    admin = viewer_for(run(user("admin")))
    with pytest.raises(ParameterError) as error:
        run(kind.gather({"body": "Nowhere Council", "year": "2025"}, admin))
    assert error.value.field == "body"
    with pytest.raises(ParameterError) as error:
        run(kind.gather({"body": KENT, "year": "2025-27"}, admin))
    assert error.value.field == "year"
    with pytest.raises(ParameterError) as error:
        run(kind.gather({"year": "2025"}, admin))
    assert error.value.field == "body"
    kent = run(d.body(KENT))
    assert run(kind.gather({"body": str(kent["id"]), "year": "2024"}, admin)).body["name"] == KENT  # by id
    assert "annual-review-letter" in [k.key for k in catalogue()]


def test_converts_to_pdf_and_renders(run, db, tmp_path):
    run(_year())
    kind = AnnualReviewLetter()
    data = run(kind.gather({"body": HANTS, "year": "2025-26"}, viewer_for(run(user("admin")))))
    pdf = d.to_pdf(kind.build(data), tmp_path, "annual-letter")
    assert d.pdf_pages(pdf) in (-1, 2, 3)
    d.render_first_page(pdf, tmp_path / "annual-letter")
