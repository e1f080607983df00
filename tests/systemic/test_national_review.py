"""The national review, opened with python-docx: its sections, tables and charts, and every figure in
them against counts made straight from the database here; case studies anonymised; problems;
need-to-know; a realistic demo year; LibreOffice."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

import pytest

from investigations.lifecycle import Outcome
from investigations.queries import viewer_for
from systemic.cohorts import CohortFigures
from systemic.issues import create_issue, open_cohort, record_cohort_update
from systemic.national_review import NationalReview
from tests.remedies import document_data as d
from tests.remedies.factories import user
from workbench.reports import ParameterError, kind_for

HANTS, KENT = "Hampshire County Council", "Kent County Council"
PROVIDER, NHS = "Meadowbank Care Homes Ltd", "Leeds Teaching Hospitals NHS Trust"
START, END = date(2025, 4, 1), date(2026, 3, 31)
AREA = "Adult social care"
INVESTIGATED = "('upheld_fault_injustice', 'upheld_fault_no_injustice', 'remedied_by_body', 'not_upheld')"
UPHELD = "('upheld_fault_injustice', 'upheld_fault_no_injustice', 'remedied_by_body')"
COUNCILS = "('county_council', 'district_council', 'unitary_council', 'metropolitan_council', 'london_borough')"
IN_AREA = "k.category IN (SELECT id FROM investigations_category WHERE service_area = {})"
ADA = {"title": "Mrs", "given_name": "Ada", "family_name": "Lovelace", "postcode": "SO23 8UG"}


async def _year() -> dict:
    """A year of adult social care casework (and some that must not count), recommendations and a cohort."""
    c = {}
    decided = dict(received_on=date(2025, 5, 1), decided_on=date(2025, 9, 1))
    for i, funding in enumerate(["self_funded", "self_funded", "council_arranged", "council_arranged", ""]):
        c[f"charging{i}"] = await d.make_case(subcategory="adult-care-services/charging", care_funding=funding,
                                              outcome="upheld_fault_injustice" if i < 3 else "not_upheld", **decided)
    c["provider"] = await d.make_case(bodies=(PROVIDER,), subcategory="adult-care-services/residential-care",
                                      care_funding="self_funded", outcome="upheld_fault_no_injustice", **decided)
    c["provider2"] = await d.make_case(bodies=(PROVIDER,), subcategory="adult-care-services/residential-care",
                                       care_funding="self_funded", outcome="remedied_by_body",
                                       received_on=date(2025, 1, 10), decided_on=date(2025, 4, 2))
    c["joint"] = await d.make_case(bodies=(KENT, NHS), subcategory="health/care-and-treatment",
                                   outcome="upheld_fault_injustice", **decided)
    c["premature"] = await d.make_case(bodies=(KENT,), subcategory="adult-care-services/safeguarding",
                                       care_funding="council_arranged", outcome="premature", **decided)
    c["open"] = await d.make_case(subcategory="adult-care-services/safeguarding", care_funding="council_arranged",
                                  received_on=date(2026, 3, 31))
    c["study"] = await d.make_case(
        subcategory="adult-care-services/charging", care_funding="council_arranged", outcome="upheld_fault_injustice",
        received_on=date(2025, 6, 1), decided_on=date(2025, 12, 1), person=ADA,
        summary=("Mrs Ada Lovelace complained that Hampshire County Council ignored her disability-related "
                 "expenditure. LOVELACE's daughter wrote from SO23 8UG about reference 24 001 002. "
                 "A third sentence that is not shown."))
    c["restricted"] = await d.make_case(subcategory="adult-care-services/charging", care_funding="self_funded",
                                        outcome="upheld_fault_injustice", restricted=True, investigator="ibrooks",
                                        **decided)
    # Not counted: another service area, another year.
    c["housing"] = await d.make_case(subcategory="housing/homelessness", outcome="upheld_fault_injustice", **decided)
    c["last_year"] = await d.make_case(subcategory="adult-care-services/charging", outcome="not_upheld",
                                       received_on=date(2024, 5, 1), decided_on=date(2025, 3, 1))
    due = date(2025, 10, 1)
    await d.made(c["charging0"], due, remedy_type="procedure_or_policy_change", outcome="complied_on_time",
                 outcome_on=due, public_summary="Review its charging policy.")
    await d.made(c["charging1"], due, remedy_type="procedure_or_policy_change")
    await d.made(c["charging2"], due, remedy_type="staff_training", outcome="complied_late", outcome_on=date(2025, 11, 1))
    await d.made(c["charging0"], due, remedy_type="refund_or_waiver", amount=Decimal("1250.50"),
                 outcome="complied_on_time", outcome_on=due)
    await d.made(c["charging1"], due, remedy_type="financial_avoidable_distress", amount=Decimal("300.00"),
                 outcome="not_complied", outcome_on=date(2026, 1, 1))
    review = await d.made(c["charging2"], due, remedy_type="review_others_affected", outcome="complied_on_time",
                          outcome_on=due, others_affected=12)
    await d.made(c["restricted"], due, remedy_type="staff_training", outcome="complied_on_time", outcome_on=due)
    await d.made(c["housing"], due, remedy_type="staff_training")
    manager = await user("manager")
    issue = await create_issue("Joint capital counted for home care charges", "Couples' joint savings were counted.",
                               manager, cases=[c["charging2"]])
    cohort = await open_cohort(issue, (await d.body(HANTS))["id"], manager, recommendation_id=review)
    await record_cohort_update(cohort, CohortFigures(40, 10, 5, 2, Decimal("400.00")), date(2025, 3, 20), manager,
                               today=date(2026, 5, 1))
    await record_cohort_update(cohort, CohortFigures(63, 60, 50, 41, Decimal("9100.25")), date(2025, 12, 1), manager,
                               today=date(2026, 5, 1))
    await record_cohort_update(cohort, CohortFigures(63, 63, 63, 60, Decimal("12000.00")), date(2026, 5, 1), manager,
                               today=date(2026, 5, 1))  # after the year: not in its figures
    return c


async def _expected(sees_restricted: bool) -> dict:
    vis = "" if sees_restricted else " AND k.restricted = false"
    area = IN_AREA + vis
    e: dict = {}
    e["received"] = await d.scalar(f"SELECT COUNT(*) AS n FROM investigations_case k WHERE {area} "
                                   "AND k.received_on >= {} AND k.received_on <= {}", AREA, START, END)
    decided = f"SELECT COUNT(*) AS n FROM investigations_case k WHERE {area} AND k.decided_on >= {{}} AND k.decided_on <= {{}}"
    e["by_outcome"] = {o.value: await d.scalar(decided + " AND k.outcome = {}", AREA, START, END, o.value) for o in Outcome}
    e["investigated"] = await d.scalar(decided + f" AND k.outcome IN {INVESTIGATED}", AREA, START, END)
    e["upheld"] = await d.scalar(decided + f" AND k.outcome IN {UPHELD}", AREA, START, END)
    funding = ("SELECT COUNT(*) AS n FROM investigations_case k JOIN investigations_category c ON c.id = k.category "
               f"WHERE c.slug = 'adult-care-services' AND k.care_funding = {{}}{vis}")
    e["self_funded_received"] = await d.scalar(funding + " AND k.received_on >= {} AND k.received_on <= {}",
                                               "self_funded", START, END)
    e["self_funded_investigated"] = await d.scalar(
        funding + f" AND k.decided_on >= {{}} AND k.decided_on <= {{}} AND k.outcome IN {INVESTIGATED}",
        "self_funded", START, END)
    e["unrecorded"] = await d.scalar(funding + " AND k.received_on >= {} AND k.received_on <= {}", "", START, END)
    kinds = (f"SELECT COUNT(*) AS n FROM investigations_case k WHERE {area} AND k.id IN (SELECT cb.\"case\" FROM "
             "investigations_case_body cb JOIN investigations_body b ON b.id = cb.body WHERE b.body_type {})"
             " AND k.decided_on >= {} AND k.decided_on <= {}")
    e["council_investigated"] = await d.scalar(kinds.replace("body_type {}", f"body_type IN {COUNCILS}")
                                               + f" AND k.outcome IN {INVESTIGATED}", AREA, START, END)
    recs = ("SELECT r.remedy_type AS t, r.outcome AS o, r.amount AS a, r.others_affected AS p "
            'FROM remedies_recommendation r JOIN investigations_case k ON k.id = r."case" '
            f"WHERE {area} AND r.original_due_on >= {{}} AND r.original_due_on <= {{}}")
    rows = await d.fetch(recs, AREA, START, END)
    e["remedies"] = Counter(r["t"] for r in rows)
    e["recommendations"] = len(rows)
    e["complied"] = sum(1 for r in rows if r["o"] in ("complied_on_time", "complied_late"))
    e["verdicts"] = sum(1 for r in rows if r["o"] in ("complied_on_time", "complied_late", "not_complied"))
    e["paid"] = sum((Decimal(str(r["a"])) for r in rows if r["a"] is not None
                     and r["o"] in ("complied_on_time", "complied_late")), Decimal("0"))
    e["others"] = sum(r["p"] for r in rows if r["o"] in ("complied_on_time", "complied_late"))
    latest = await d.fetch(
        "SELECT u.identified AS i, u.remedied AS r, u.amount_paid AS a FROM systemic_cohort_update u "
        "WHERE u.reported_on <= {} ORDER BY u.reported_on DESC, u.id DESC", END)
    top = latest[0] if latest else {"i": 0, "r": 0, "a": 0}  # one cohort in _year(); none in the demo
    e["cohort_identified"], e["cohort_remedied"] = top["i"], top["r"]
    e["cohort_paid"] = Decimal(str(top["a"])).quantize(Decimal("0.01"))
    return e


def _percent(n: int, of: int) -> str:
    return f"{round(100 * n / of, 1):.1f}% ({n} of {of})"


@pytest.mark.parametrize("username, sees_restricted", [("reports", False), ("admin", True)])
def test_review_structure_and_figures_match_the_database(run, db, username, sees_restricted):
    cases = run(_year())
    kind = NationalReview()
    studies = f"{cases['study']['reference']}, {cases['provider']['reference']}"
    data = run(kind.gather({"year": "2025-26", "service_area": "adult social care", "case_studies": studies},
                           viewer_for(run(user(username)))))
    document = d.open_docx(kind.build(data))
    e = run(_expected(sees_restricted))

    assert document.paragraphs[0].text == "Review of adult social care complaints 2025-26"
    assert d.headings(document) == [
        (1, "Summary"), (1, "Complaints and decisions"), (2, "By category and subcategory"), (2, "Outcomes"),
        (2, "Upheld rate"), (1, "Who the complaints were about"), (2, "Self-funded and council-arranged care"),
        (2, "Councils and independent care providers"), (1, "Remedies"), (2, "Remedies by type"),
        (2, "Others affected and amounts refunded"), (2, "Compliance"), (1, "Case studies"),
        (2, f"Charging ({cases['study']['reference']})"), (2, f"Residential care ({cases['provider']['reference']})"),
        (1, "Data tables"), (2, "Councils"), (2, "Independent care providers"), (2, "Other bodies"),
        (1, "About these figures"),
    ]
    summary = d.key_values(document)
    assert summary["Complaints and enquiries received"] == str(e["received"])
    assert summary["Decisions made"] == str(sum(e["by_outcome"].values()))
    assert summary["Detailed investigations"] == str(e["investigated"])
    assert summary["Upheld rate"] == _percent(e["upheld"], e["investigated"])
    assert summary["Recommendations due in the year"] == str(e["recommendations"])
    assert summary["Procedure or policy changes"] == str(e["remedies"]["procedure_or_policy_change"]) == "2"
    assert summary["Staff training or reminders"] == str(e["remedies"]["staff_training"])
    assert summary["Compliance rate"] == _percent(e["complied"], e["verdicts"])
    assert summary["Amounts paid on complied remedies"].startswith(f"£{e['paid']:,.2f}")
    assert summary["People remedied beyond the complainant"] == str(e["others"])
    assert summary["Others affected: people identified (cohorts)"] == str(e["cohort_identified"]) == "63"
    assert summary["Others affected: refunded or paid (cohorts)"] == f"£{e['cohort_paid']:,.2f}" == "£9,100.25"

    # Outcomes: every row is the database's count.
    outcomes = d.table_rows(d.table_after(document, "Outcomes"))
    assert {r[0]: int(r[1]) for r in outcomes[1:-1]} == {Outcome(k).label: n for k, n in e["by_outcome"].items()}
    # By subcategory: the charging row's counts; Health (joint working) is in this service area; Housing is not.
    table = d.table_after(document, "By category and subcategory")
    by_sub = d.table_rows(table)
    bold = [r.cells[0].text for r in table.rows[1:] if r.cells[0].paragraphs[0].runs[0].bold]
    assert bold == ["Adult care services", "Health (joint working)"]  # each category's total, in bold
    assert [r[0] for r in by_sub[1:4]] == ["Adult care services", "Charging", "Residential care"]
    charging = next(r for r in by_sub if r[0] == "Charging")
    received = run(d.scalar("SELECT COUNT(*) AS n FROM investigations_case k JOIN investigations_subcategory s ON "
                            "s.id = k.subcategory WHERE s.slug = 'adult-care-services/charging' AND k.received_on >= {} "
                            "AND k.received_on <= {}" + ("" if sees_restricted else " AND k.restricted = false"),
                            START, END))
    assert charging[1] == str(received)
    assert charging[5].endswith("*")  # fewer than ten investigations
    # Care funding (adult care complaints only) and kinds of body.
    funding = {r[0]: r for r in d.table_rows(d.table_after(document, "Self-funded and council-arranged care"))}
    assert funding["Self-funded"][1] == str(e["self_funded_received"])
    assert funding["Self-funded"][3] == str(e["self_funded_investigated"])
    assert funding["Not recorded"][1] == str(e["unrecorded"]) == "1"
    kinds = {r[0]: r for r in d.table_rows(d.table_after(document, "Councils and independent care providers"))}
    assert kinds["Councils"][3] == str(e["council_investigated"])
    assert kinds["Independent care providers"][3] == "2" and kinds["Other bodies"][3] == "1"  # the provider, the NHS trust
    # Remedies by type: every type's count.
    remedies = d.table_rows(d.table_after(document, "Remedies by type"))
    from remedies.compliance import REMEDY_TYPES

    assert {r[0]: int(r[2]) for r in remedies[1:]} == {t.label: e["remedies"][k] for k, t in REMEDY_TYPES.items()}
    cohorts = d.table_rows(d.table_after(document, "Others affected and amounts refunded"))
    assert cohorts[1] == ["Joint capital counted for home care charges", HANTS, "63", "60", "50", "41", "£9,100.25"]
    # Charts: four, each with alt text naming its figures.
    shapes = document.inline_shapes
    assert len(shapes) == 4
    alts = [s._inline.docPr.get("descr") for s in shapes]
    assert f"Charging {received}" in alts[0]
    assert all(alt for alt in alts)
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    assert captions[0] == "Figure 1: Complaints and enquiries received, by subcategory"
    # Case studies: anonymised, first two sentences only.
    text = d.all_text(document)
    study = next(p.text for p in document.paragraphs if p.text.startswith("Mrs X complained"))
    assert "the Council" in study and "Hampshire" not in study
    for leaked in ("Lovelace", "LOVELACE", "Ada", "SO23", "24 001 002", "third sentence"):
        assert leaked.lower() not in study.lower()
    assert "Decision: Upheld: fault causing injustice" in text
    # Data tables: a row per body.
    bodies = {r[0]: r for heading in ("Councils", "Independent care providers", "Other bodies")
              for r in d.table_rows(d.table_after(document, heading))[1:]}
    assert set(bodies) == {HANTS, KENT, PROVIDER, NHS}
    assert d.table_rows(d.table_after(document, "Independent care providers"))[1][0] == PROVIDER
    hants_received = run(d.scalar(
        'SELECT COUNT(*) AS n FROM investigations_case k JOIN investigations_case_body cb ON cb."case" = k.id '
        f"WHERE cb.body = {{}} AND {IN_AREA} AND k.received_on >= {{}} AND k.received_on <= {{}}"
        + ("" if sees_restricted else " AND k.restricted = false"), run(d.body(HANTS))["id"], AREA, START, END))
    assert bodies[HANTS][1] == str(hants_received)

    preview = kind.preview(data)
    assert dict(preview.summary) == {k: v for k, v in summary.items() if k in dict(preview.summary)}
    messages = [p.message for p in preview.problems]
    assert any("adult care services complaints received in the year have no care funding recorded" in m for m in messages)
    assert any(m.startswith("Upheld rates for") and "Adult care services > Charging" in m for m in messages)
    assert any("restricted cases" in m for m in messages) is (not sees_restricted)
    assert preview.can_build


def test_case_study_problems_and_parameters(run, db):
    cases = run(_year())
    kind = kind_for("national-review")
    admin, writer = viewer_for(run(user("admin"))), viewer_for(run(user("reports")))
    params = {"year": "2025", "service_area": AREA}
    messages = [p.message for p in kind.preview(run(kind.gather(params, admin))).problems]
    assert any("No case studies were picked" in m for m in messages)
    odd = f"{cases['housing']['reference']};{cases['last_year']['reference']}, {cases['housing']['reference']}"
    data = run(kind.gather({**params, "case_studies": odd}, admin))
    assert len(data.case_studies) == 2  # the duplicate dropped
    messages = [p.message for p in kind.preview(data).problems]
    assert any(f"Case study {cases['housing']['reference']} is about Housing, which is reported under Housing" in m
               for m in messages)
    assert any(f"Case study {cases['last_year']['reference']} was not decided in 2025-26" in m for m in messages)
    # A restricted case is "no case" to someone who may not open it; a bad reference is named.
    restricted = cases["restricted"]["reference"]
    with pytest.raises(ParameterError) as error:
        run(kind.gather({**params, "case_studies": restricted}, writer))
    assert (error.value.field, error.value.message) == ("case_studies", f"There is no case {restricted}")
    assert run(kind.gather({**params, "case_studies": restricted}, admin)).case_studies[0][0].reference == restricted
    with pytest.raises(ParameterError, match="not a case reference"):
        run(kind.gather({**params, "case_studies": "ABC"}, admin))
    with pytest.raises(ParameterError) as error:
        run(kind.gather({"year": "2025", "service_area": "Parks"}, admin))
    assert error.value.field == "service_area"
    # Every service area at once: the national Review of Local Government Complaints.
    everything = run(kind.gather({"year": "2025", "service_area": "All service areas"}, admin))
    assert everything.title == "Review of local government complaints 2025-26"
    assert "Housing" in everything.figures.by_category


def test_an_empty_year(run, db):
    kind = kind_for("national-review")
    data = run(kind.gather({"year": "2019", "service_area": "Housing"}, viewer_for(run(user("admin")))))
    messages = [p.message for p in kind.preview(data).problems]
    assert any("There are no complaints about housing received or decided in 2019-20" in m for m in messages)
    document = d.open_docx(kind.build(data))
    assert len(document.inline_shapes) == 0
    assert "No complaints were received or decided in the year." in d.all_text(document)


def test_a_demo_year_matches_the_database(run, db):
    """The demo's realistic caseload: the headline figures against the database for the last full year."""
    from investigations.demo import load_demo

    run(load_demo(cases=400, seed=3, quiet=True, anchor=date(2026, 6, 1)))
    kind = kind_for("national-review")
    data = run(kind.gather({"year": "2025", "service_area": AREA}, viewer_for(run(user("admin")))))
    summary = dict(kind.preview(data).summary)
    e = run(_expected(True))
    assert e["received"] > 10
    assert summary["Complaints and enquiries received"] == str(e["received"])
    assert summary["Decisions made"] == str(sum(e["by_outcome"].values()))
    assert summary["Recommendations due in the year"] == str(e["recommendations"])
    assert summary["Compliance rate"].endswith(f"({e['complied']} of {e['verdicts']})") or e["verdicts"] == 0
    document = d.open_docx(kind.build(data))
    assert d.key_values(document)["Upheld rate"] == summary["Upheld rate"]


def test_converts_to_pdf_and_renders(run, db, tmp_path):
    cases = run(_year())
    kind = NationalReview()
    data = run(kind.gather({"year": "2025-26", "service_area": AREA, "case_studies": cases["study"]["reference"]},
                           viewer_for(run(user("admin")))))
    pdf = d.to_pdf(kind.build(data), tmp_path, "national-review")
    assert d.pdf_pages(pdf) != 0
    d.render_first_page(pdf, tmp_path / "national-review")


def test_the_figures_are_added_up_in_a_worker_thread_not_on_the_event_loop(run, db, monkeypatch):
    """~20,000 cases take seconds to add up: the Reports area's preview must not hold the event loop meanwhile."""
    import threading

    from systemic import national_review
    from tests.threads import record_thread

    run(_year())
    threads: dict[str, int] = {}
    record_thread(monkeypatch, national_review, "review_figures", threads, "figures")

    async def gathered():
        threads["loop"] = threading.get_ident()
        return await NationalReview().gather({"year": "2025-26", "service_area": AREA}, viewer_for(await user("admin")))

    data = run(gathered())
    assert data.figures.overall.received > 0
    assert threads["figures"] != threads["loop"]
