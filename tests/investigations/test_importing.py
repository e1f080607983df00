"""Import of historical cases: the pure parsing and mapping, then the database, the API and real data."""

from __future__ import annotations

import gzip
import itertools
import json
import os
import uuid
from datetime import date
from pathlib import Path

import pytest

from investigations.importing import (
    HISTORICAL_COMPLAINANT,
    ImportRecord,
    Rejection,
    clean_ho_text,
    ho_landlord,
    ho_outcome,
    housing_ombudsman_record,
    normalise_reference,
    parse_body_type,
    parse_ho_line,
    parse_line,
    parse_outcome,
    slugify,
)
from investigations.lifecycle import Outcome, Stage

TODAY = date(2026, 11, 25)
# ../shared beside the checkout, or WORKBENCH_SHARED_DIR where a clone lives elsewhere (CI sets it).
SHARED_DIR = Path(os.environ.get("WORKBENCH_SHARED_DIR") or Path(__file__).resolve().parents[3] / "shared")
HO_FILE = SHARED_DIR / "data" / "housing-ombudsman-findings.jsonl.gz"


def line(**fields) -> str:
    record = {
        "reference": "21 004 512",
        "bodies": [{"name": "Kent County Council", "type": "County council"}],
        "category": "Education",
        "subcategory": "School transport",
        "received": "2021-06-01",
        "decided": "2021-11-30",
        "outcome": "Upheld: fault causing injustice",
        "summary": "The council did not provide transport to school.",
    }
    record.update(fields)
    return json.dumps({k: v for k, v in record.items() if v is not ...})


def parsed(text: str) -> ImportRecord:
    result = parse_line(text, TODAY)
    assert isinstance(result, ImportRecord), result
    return result


def rejected(text: str) -> str:
    result = parse_line(text, TODAY)
    assert isinstance(result, Rejection), result
    return result.reason


# --------------------------------------------------------------------------- outcome words


@pytest.mark.parametrize(
    "words, outcome, stage",
    [
        ("upheld", Outcome.UPHELD_FAULT_INJUSTICE, Stage.CLOSED),
        ("Upheld: fault causing injustice", Outcome.UPHELD_FAULT_INJUSTICE, Stage.CLOSED),
        ("UPHELD - maladministration and injustice", Outcome.UPHELD_FAULT_INJUSTICE, Stage.CLOSED),
        ("Upheld: fault, no injustice", Outcome.UPHELD_FAULT_NO_INJUSTICE, Stage.CLOSED),
        ("not upheld", Outcome.NOT_UPHELD, Stage.CLOSED),
        ("Not upheld: no fault", Outcome.NOT_UPHELD, Stage.CLOSED),
        ("upheld - satisfactory remedy provided", Outcome.REMEDIED_BY_BODY, Stage.CLOSED),
        ("Upheld: satisfactory remedy provided by the body", Outcome.REMEDIED_BY_BODY, Stage.CLOSED),
        ("reasonable redress", Outcome.REMEDIED_BY_BODY, Stage.CLOSED),
        ("closed after initial enquiries", Outcome.CLOSED_AFTER_INITIAL_ENQUIRIES, Stage.CLOSED_AFTER_INITIAL_ENQUIRIES),
        ("Closed after initial enquiries - out of jurisdiction", Outcome.CLOSED_AFTER_INITIAL_ENQUIRIES, Stage.CLOSED_AFTER_INITIAL_ENQUIRIES),
        ("premature", Outcome.PREMATURE, Stage.PREMATURE),
        ("Premature: referred back for local resolution", Outcome.PREMATURE, Stage.PREMATURE),
        ("not for us", Outcome.NOT_FOR_US, Stage.NOT_FOR_US),
        ("Outside jurisdiction", Outcome.NOT_FOR_US, Stage.NOT_FOR_US),
        ("early resolution", Outcome.REMEDIED_BY_BODY, Stage.EARLY_RESOLUTION),
        ("not_upheld", Outcome.NOT_UPHELD, Stage.CLOSED),
        ("upheld_fault_no_injustice", Outcome.UPHELD_FAULT_NO_INJUSTICE, Stage.CLOSED),
    ],
)
def test_outcome_words(words, outcome, stage):
    assert parse_outcome(words) == (outcome, stage)


def test_every_outcome_label_and_value_is_understood():
    for outcome in Outcome:
        assert parse_outcome(outcome.label)[0] is outcome
        assert parse_outcome(outcome.value)[0] is outcome


@pytest.mark.parametrize("words", ["withdrawn", "", "maybe", "upheldish"])
def test_unknown_outcome_is_refused(words):
    with pytest.raises(ValueError, match="unknown outcome"):
        parse_outcome(words)


def test_unknown_outcome_rejects_the_line_with_the_words_accepted():
    reason = rejected(line(outcome="withdrawn"))
    assert "unknown outcome 'withdrawn'" in reason and "not upheld" in reason


# --------------------------------------------------------------------------- body types, slugs


@pytest.mark.parametrize(
    "words, name, slug",
    [
        ("County council", "", "county_council"),
        ("county_council", "", "county_council"),
        ("London borough council", "", "london_borough"),
        ("Metropolitan borough council", "", "metropolitan_council"),
        ("Housing Association", "", "housing_association"),
        ("NHS trust", "", "nhs_trust"),
        ("Integrated care board", "", "icb"),
        ("Independent care provider", "", "independent_care_provider"),
        ("Local Authority / ALMO or TMO", "London Borough of Ealing", "london_borough"),
        ("Local Authority", "Kent County Council", "county_council"),
        ("Local Authority", "Homes for Haringey", "other"),
        ("Voluntary", "", "other"),
        ("", "", "other"),
        ("parish council?", "", "other"),
    ],
)
def test_body_types(words, name, slug):
    assert parse_body_type(words, name) == slug


def test_slugs_follow_the_lgsco_url_form():
    assert slugify("Children's care services") == "children-s-care-services"
    assert slugify("Damp & Mould") == "damp-mould"
    assert slugify("Anti-Social Behaviour (ASB)") == "anti-social-behaviour-asb"


# --------------------------------------------------------------------------- references


def test_our_references_are_normalised_and_feed_the_counter():
    assert normalise_reference("21-004-512") == ("21 004 512", (21, 4512))
    assert normalise_reference(" 21004512 ") == ("21 004 512", (21, 4512))


def test_other_schemes_references_are_kept_as_given():
    assert normalise_reference("202347433") == ("202347433", None)
    assert normalise_reference(202347433) == ("202347433", None)
    assert normalise_reference("HO/2019/1") == ("HO/2019/1", None)


@pytest.mark.parametrize(
    "reference, reason",
    [
        ("", "reference is missing"),
        (None, "reference is missing"),
        ("1234567890123", "longer than 12 characters"),
        ("21 004 512b", "has a body letter"),
        ("21<script>", "may only contain"),
    ],
)
def test_bad_references_are_refused(reference, reason):
    assert reason in rejected(line(reference=reference))


# --------------------------------------------------------------------------- one line


def test_a_good_line():
    record = parsed(line(complaint="The child was left without transport for a term.",
                         findings=[{"body": "kent county council", "fault": True, "injustice": "yes", "description": "Delay"}],
                         recommendations=[{"type": "apology"}, {"type": "payment", "amount": 300}]))
    assert record.reference == "21 004 512" and record.counter == (21, 4512)
    assert record.bodies[0].name == "Kent County Council" and record.bodies[0].body_type == "county_council"
    assert (record.received, record.decided) == (date(2021, 6, 1), date(2021, 11, 30))
    assert (record.outcome, record.stage) == (Outcome.UPHELD_FAULT_INJUSTICE, Stage.CLOSED)
    assert record.summary == "The council did not provide transport to school.\n\nThe child was left without transport for a term."
    assert record.findings[0].body == "Kent County Council" and record.findings[0].fault and record.findings[0].injustice
    assert record.recommendations == 2
    assert record.notes == ()


def test_exit_outcomes_rest_in_their_exit_stage():
    assert parsed(line(outcome="premature")).stage is Stage.PREMATURE
    assert parsed(line(outcome="not for us")).stage is Stage.NOT_FOR_US
    assert parsed(line(outcome="Closed after initial enquiries")).stage is Stage.CLOSED_AFTER_INITIAL_ENQUIRIES


@pytest.mark.parametrize(
    "fields, reason",
    [
        ({"bodies": []}, "bodies is missing"),
        ({"bodies": ...}, "bodies is missing"),
        ({"bodies": [{"type": "county council"}]}, "a body has no name"),
        ({"bodies": [{"name": "x" * 201}]}, "longer than 200"),
        ({"category": ""}, "category is missing"),
        ({"category": "&&"}, "no letters or digits"),
        ({"subcategory": "y" * 101}, "subcategory is longer"),
        ({"decided": "2021-05-01"}, "decided 2021-05-01 is before received 2021-06-01"),
        ({"received": "2027-01-01", "decided": None}, "received 2027-01-01 is in the future"),
        ({"decided": "2026-11-26"}, "is in the future"),
        ({"received": "30/02/2021"}, "is not a date"),
        ({"received": "yesterday"}, "is not a date"),
        ({"received": "1960-01-01"}, "before 1974"),
        ({"findings": [{"body": "Surrey County Council", "fault": True}]}, "not one of the case's bodies"),
        ({"findings": [{"fault": "perhaps"}]}, "fault must be true or false"),
        ({"findings": {"body": "Kent County Council"}}, "findings must be a list"),
        ({"recommendations": "three"}, "recommendations must be a list"),
        ({"summary": 42}, "summary must be text"),
    ],
)
def test_bad_lines_are_rejected_with_a_reason(fields, reason):
    assert reason in rejected(line(**fields))


@pytest.mark.parametrize(
    "text, reason",
    [("{not json", "not valid JSON"), ("[1, 2]", "one JSON object"), ("\udcff{}", "not valid UTF-8")],
)
def test_lines_that_are_not_objects(text, reason):
    assert reason in rejected(text)


def test_dates_missing_use_documented_fallbacks():
    record = parsed(line(received=None))
    assert record.received == date(2021, 11, 30) and "decision date used" in record.notes[0]
    record = parsed(line(received=None, decided=None))
    assert record.received == date(2021, 1, 1) and record.decided is None
    record = parsed(line(reference="201905768", received=None, decided=None))
    assert record.received == date(2019, 1, 1)
    assert "does not give the year" in rejected(line(reference="ABC-1", received=None, decided=None))


def test_uk_dates_and_timestamps_are_accepted():
    record = parsed(line(received="01/06/2021", decided="2021-11-30T10:00:00Z"))
    assert (record.received, record.decided) == (date(2021, 6, 1), date(2021, 11, 30))


def test_a_case_without_outcome_is_closed_without_one():
    record = parsed(line(outcome=None))
    assert record.outcome is None and record.stage is Stage.CLOSED


def test_one_body_finding_may_omit_the_body_but_a_joint_case_may_not():
    assert parsed(line(findings=[{"fault": False}])).findings[0].body == "Kent County Council"
    joint = [{"name": "Kent County Council"}, {"name": "NHS Kent and Medway"}]
    assert "names no body" in rejected(line(bodies=joint, findings=[{"fault": True}]))


# --------------------------------------------------------------------------- Housing Ombudsman mapping


def ho_line(findings, body="Clarion Housing Association", body_type="Housing Association", **extra) -> str:
    record = {"reference": "202347433", "body": body, "body_type": body_type, "body_stock_size": 125000,
              "decision_date": "2025-05-26", "amended_at_review": False,
              "findings": [{"category": c, "complaint": t, "outcome": o} for c, t, o in findings]}
    record.update(extra)
    return json.dumps(record)


def test_ho_outcome_from_findings():
    assert ho_outcome(["No Maladministration", "Service Failure"]) is Outcome.UPHELD_FAULT_INJUSTICE
    assert ho_outcome(["Reasonable Redress", "Severe Maladministration"]) is Outcome.UPHELD_FAULT_INJUSTICE
    assert ho_outcome(["Reasonable Redress", "No Maladministration"]) is Outcome.REMEDIED_BY_BODY
    assert ho_outcome(["No Maladministration", "Outside Jurisdiction"]) is Outcome.NOT_UPHELD
    assert ho_outcome(["Outside Jurisdiction"]) is Outcome.NOT_FOR_US


def test_ho_case_maps_onto_our_model():
    record = parse_ho_line(ho_line([
        ("Complaint Handling", "In accordance with paragraph 52 of the Housing Ombudsman Scheme there was service "
                               "failure in the landlord’s H andling of the complaint", "Service Failure"),
        ("Damp & Mould", "The landlord ’s response to reports of damp and mould", "Maladministration"),
    ]), TODAY)
    assert isinstance(record, ImportRecord)
    assert record.reference == "202347433" and record.counter is None
    assert record.bodies[0].name == "Clarion Housing Association" and record.bodies[0].body_type == "housing_association"
    assert (record.category, record.subcategory) == ("Housing", "Damp & Mould")  # the substantive finding
    assert (record.outcome, record.stage) == (Outcome.UPHELD_FAULT_INJUSTICE, Stage.CLOSED)
    assert record.decided == record.received == date(2025, 5, 26)
    assert "received date not given: decision date used" in record.notes
    finding = record.findings[0]
    assert finding.fault and finding.injustice
    assert "Complaint Handling: Service Failure. Service failure in the landlord’s Handling of the complaint" in finding.description
    assert "Damp & Mould: Maladministration. The landlord’s response" in finding.description
    assert "paragraph 52" not in record.summary and "H andling" not in record.summary


def test_ho_reasonable_redress_is_remedied_and_no_maladministration_not_upheld():
    redress = parse_ho_line(ho_line([("Repairs & Maintenance", "Repairs", "Reasonable Redress"),
                                     ("Complaint Handling", "Handling", "No Maladministration")]), TODAY)
    assert redress.outcome is Outcome.REMEDIED_BY_BODY and redress.findings[0].fault
    assert redress.subcategory == "Repairs & Maintenance"
    no_fault = parse_ho_line(ho_line([("Pest Control", "Mice", "No Maladministration")]), TODAY)
    assert no_fault.outcome is Outcome.NOT_UPHELD and not no_fault.findings[0].fault and not no_fault.findings[0].injustice


def test_ho_outside_jurisdiction_only_is_not_for_us_without_a_finding():
    record = parse_ho_line(ho_line([("Other", "A matter for the courts", "Outside Jurisdiction")]), TODAY)
    assert (record.outcome, record.stage) == (Outcome.NOT_FOR_US, Stage.NOT_FOR_US) and record.findings == ()


def test_ho_missing_decision_date_and_landlord_use_fallbacks():
    record = parse_ho_line(ho_line([("Other", "x", "Maladministration")], body="", body_type="Unknown",
                                   reference="201905768", decision_date=None), TODAY)
    assert record.bodies[0].name == "Unknown Landlord" and record.bodies[0].body_type == "other"
    assert record.received == date(2019, 1, 1) and record.decided is None
    assert any("Unknown Landlord" in n for n in record.notes)


def test_ho_unknown_finding_outcome_is_rejected():
    result = parse_ho_line(ho_line([("Other", "x", "Partly upheld")]), TODAY)
    assert isinstance(result, Rejection) and "Partly upheld" in result.reason


def test_ho_landlord_slips_are_tidied():
    assert ho_landlord("22 June 2021")[0] == "Unknown Landlord"
    assert ho_landlord("Complaint 202118725")[0] == "Unknown Landlord"
    assert ho_landlord("Trident 28 February 2023")[0] == "Trident"
    assert ho_landlord("Housing 21") == ("Housing 21", [])


def test_ho_text_cleaning_is_light():
    assert clean_ho_text("In accordance with paragraph 55 (b) of the Housing Ombudsman Scheme, the landlord has "
                         "offered redress") == "The landlord has offered redress"
    assert clean_ho_text("Determination (decision) In accordance with paragraph 52 of the Scheme there was no "
                         "maladministration") == "No maladministration"
    assert clean_ho_text("t he landlord’ s response to hi s reports .") == "the landlord’s response to his reports."
    # real words either side are never joined; nor is substance before the preamble dropped
    assert clean_ho_text("in to the flat, as we d id") == "in to the flat, as we did"
    assert clean_ho_text("Part B and Flat C of it") == "Part B and Flat C of it"
    assert clean_ho_text("Bin Store In accordance with paragraph 54 of the Scheme, x").startswith("Bin Store In accordance")
    assert clean_ho_text(None) == ""


def test_ho_record_is_a_workbench_record():
    data = json.loads(ho_line([("Estate Management", "Grass cutting", "Service Failure")]))
    record = housing_ombudsman_record(data)
    assert record["category"] == "Housing" and record["subcategory"] == "Estate Management"
    assert record["bodies"] == [{"name": "Clarion Housing Association", "type": "Housing Association"}]


# --------------------------------------------------------------------------- the database


def uid() -> str:
    return uuid.uuid4().hex[:8]


def importer(run, lines, **kwargs):
    from investigations.importing import import_cases

    return run(import_cases(lines, None, today=TODAY, **kwargs))


def case_row(run, reference):
    from investigations.tables import Case

    return run(Case.select(
        Case.id, Case.reference, Case.received_on, Case.decided_on, Case.stage, Case.outcome, Case.summary,
        Case.category.name.as_alias("category"), Case.subcategory.name.as_alias("subcategory"),
        Case.complainant.family_name.as_alias("complainant"), Case.version,
    ).where(Case.reference == reference).first())


def test_import_good_and_bad_lines(db, run):
    from investigations.tables import Body, Case, CaseBody, CaseEvent, Finding, ReferenceCounter
    from workbench.tables import AuditEvent

    new_body, new_category = f"Shire Ferry Authority {uid()}", f"Ferries {uid()}"
    lines = [
        line(reference="21 004 512"),
        "",  # blank lines are skipped but still counted in the numbering
        line(reference="21 004 513", outcome="withdrawn"),
        "{broken",
        line(reference="21 004 514", bodies=[{"name": "Kent County Council"}, {"name": new_body, "type": "transport"}],
             category=new_category, subcategory="Timetables", outcome="not upheld",
             findings=[{"body": new_body, "fault": False, "description": "No fault in the timetable"}],
             recommendations=[{"type": "apology"}, {"type": "payment", "amount": 150}]),
        line(reference="21 004 512", outcome="premature"),  # the same case twice in one file
        line(reference="202347433", decided="2024-02-01", received=None, outcome="upheld"),
    ]
    progress = []
    report = importer(run, lines, progress=lambda r: progress.append(r.read), batch_size=2, source="old.jsonl")

    assert (report.read, report.inserted, report.updated, report.unchanged) == (6, 3, 0, 0)
    assert report.rejected[0] == (3, report.rejected[0][1]) and "unknown outcome" in report.rejected[0][1]
    assert report.rejected[1][0] == 4 and "not valid JSON" in report.rejected[1][1]
    assert report.rejected[2] == (6, "reference 21 004 512 is already on line 1")
    assert report.created_bodies == [new_body]
    assert report.created_categories == [new_category]
    assert report.created_subcategories == [f"{new_category}: Timetables"]
    assert report.recommendations_not_imported == 2
    assert report.notes == {"received date not given: decision date used": 1}
    assert progress and progress[-1] == 6

    first = case_row(run, "21 004 512")
    assert (first["stage"], first["outcome"]) == ("closed", "upheld_fault_injustice")
    assert (first["category"], first["subcategory"]) == ("Education", "School transport")
    assert first["complainant"] == HISTORICAL_COMPLAINANT
    joint = case_row(run, "21 004 514")
    assert joint["subcategory"] == "Timetables"
    suffixes = run(CaseBody.select(CaseBody.suffix, CaseBody.body.name.as_alias("body")).where(CaseBody.case == joint["id"]).order_by(CaseBody.suffix))
    assert [(s["suffix"], s["body"]) for s in suffixes] == [("a", "Kent County Council"), ("b", new_body)]
    findings = run(Finding.select(Finding.fault, Finding.description).where(Finding.case == joint["id"]))
    assert findings == [{"fault": False, "description": "No fault in the timetable"}]
    ho = case_row(run, "202347433")
    assert ho["received_on"] == ho["decided_on"] == date(2024, 2, 1)
    # one shared placeholder complainant for every imported case
    assert len({r["complainant"] for r in run(Case.select(Case.complainant))}) == 1
    # intake must not issue a reference an imported case already has
    assert run(ReferenceCounter.select(ReferenceCounter.last_number).where(ReferenceCounter.year == 21).first())["last_number"] == 4514
    assert run(CaseEvent.count().where(CaseEvent.kind == "import")) == 3
    audit = run(AuditEvent.select().where(AuditEvent.action == "cases.imported"))
    assert len(audit) == 1 and "3 inserted" in audit[0]["summary"] and "3 rejected" in audit[0]["summary"]
    new = run(Body.select().where(Body.name == new_body).first())
    assert new["body_type"] == "other" and new["active"] is False


def test_reimport_is_idempotent_and_updates_by_reference(db, run):
    from investigations.tables import CaseEvent, Finding
    from workbench.tables import AuditEvent

    lines = [line(reference=f"22 000 {n:03d}", findings=[{"fault": True, "injustice": True, "description": f"Fault {n}"}])
             for n in range(1, 8)]
    first = importer(run, lines, batch_size=3)
    assert (first.inserted, first.updated, first.unchanged) == (7, 0, 0)
    before = case_row(run, "22 000 003")

    again = importer(run, lines, batch_size=3)
    assert (again.read, again.inserted, again.updated, again.unchanged, again.rejected) == (7, 0, 0, 7, [])
    assert again.created_bodies == again.created_categories == again.created_subcategories == []
    assert case_row(run, "22 000 003") == before  # not even the version moved

    changed = list(lines)
    changed[2] = line(reference="22 000 003", outcome="not upheld", summary="Corrected summary",
                      findings=[{"fault": False, "injustice": False, "description": "No fault after all"}])
    third = importer(run, changed)
    assert (third.inserted, third.updated, third.unchanged) == (0, 1, 6)
    after = case_row(run, "22 000 003")
    assert (after["outcome"], after["summary"], after["version"]) == ("not_upheld", "Corrected summary", before["version"] + 1)
    finding = run(Finding.select(Finding.fault, Finding.description, Finding.version).where(Finding.case == after["id"]))
    assert finding == [{"fault": False, "description": "No fault after all", "version": 2}]  # upserted, not duplicated
    assert run(CaseEvent.count().where(CaseEvent.kind == "import")) == 8
    assert run(AuditEvent.count().where(AuditEvent.action == "cases.imported")) == 3


def test_an_existing_case_keeps_its_complainant_and_new_bodies_are_linked(db, run):
    from investigations.demo import load_demo
    from investigations.tables import Case, CaseBody

    run(load_demo(cases=3, seed=2, quiet=True))
    existing = run(Case.select(Case.id, Case.reference, Case.complainant).order_by(Case.id).first())
    report = importer(run, [line(reference=existing["reference"], bodies=[{"name": "Kent County Council"}],
                                 received="2020-01-02", decided="2020-06-01")])
    assert (report.updated, report.inserted) == (1, 0)
    row = run(Case.select(Case.complainant, Case.received_on).where(Case.id == existing["id"]).first())
    assert row == {"complainant": existing["complainant"], "received_on": date(2020, 1, 2)}
    bodies = run(CaseBody.select(CaseBody.body.name.as_alias("name")).where(CaseBody.case == existing["id"]))
    assert "Kent County Council" in [b["name"] for b in bodies]


def test_aliases_and_category_slugs_find_what_exists(db, run):
    from investigations.tables import Body, CaseBody

    report = importer(run, [line(bodies=[{"name": "KENT"}], category="education", subcategory="school-transport")])
    assert report.inserted == 1 and report.created_bodies == [] and report.created_categories == []
    assert report.created_subcategories == []
    row = case_row(run, "21 004 512")
    assert row["subcategory"] == "School transport"
    link = run(CaseBody.select(CaseBody.body.name.as_alias("name")).where(CaseBody.case == row["id"]).first())
    assert link["name"] == "Kent County Council"
    assert run(Body.count().where(Body.name == "KENT")) == 0


def test_missing_subcategory_is_the_categorys_other(db, run):
    importer(run, [line(subcategory=None)])
    assert case_row(run, "21 004 512")["subcategory"] == "Other"


def test_dry_run_saves_nothing(db, run):
    from investigations.tables import Body, Case
    from workbench.tables import AuditEvent

    body = f"Dry Run Trust {uid()}"
    report = importer(run, [line(bodies=[{"name": body}]), line(reference="21 004 600")], dry_run=True)
    assert report.dry_run and report.inserted == 2 and report.created_bodies == [body]
    assert run(Case.count()) == 0 and run(Body.count().where(Body.name == body)) == 0
    assert run(AuditEvent.count().where(AuditEvent.action == "cases.imported")) == 0


def test_ho_lines_import(db, run):
    lines = [
        ho_line([("Damp & Mould", "Damp", "Severe Maladministration"), ("Complaint Handling", "CH", "Service Failure")],
                reference="202300001"),
        ho_line([("Pest Control", "Mice", "No Maladministration")], reference="202300002", body="Westminster",
                body_type="Unknown"),
        ho_line([("Other", "Courts", "Outside Jurisdiction")], reference="202300003"),
        ho_line([("Repairs & Maintenance", "Boiler", "Reasonable Redress")], reference="202300004", decision_date=None),
    ]
    report = importer(run, lines, format="housing-ombudsman")
    assert (report.inserted, report.rejected) == (4, [])
    outcomes = {ref: case_row(run, ref)["outcome"] for ref in ("202300001", "202300002", "202300003", "202300004")}
    assert outcomes == {"202300001": "upheld_fault_injustice", "202300002": "not_upheld",
                        "202300003": "not_for_us", "202300004": "remedied_by_body"}
    assert case_row(run, "202300001")["subcategory"] == "Damp & Mould"
    assert case_row(run, "202300003")["stage"] == "not_for_us"
    assert case_row(run, "202300004")["received_on"] == date(2023, 1, 1)
    assert importer(run, lines, format="housing-ombudsman").unchanged == 4


@pytest.mark.skipif(not HO_FILE.exists(), reason=f"the Housing Ombudsman file is not at {HO_FILE}")
def test_first_500_real_housing_ombudsman_cases(db, run):
    from investigations.tables import Case, Finding

    with gzip.open(HO_FILE, "rt", encoding="utf-8") as f:
        lines = list(itertools.islice(f, 500))
    report = importer(run, lines, format="housing-ombudsman", batch_size=200)
    assert (report.read, report.inserted, report.rejected) == (500, 500, [])
    assert run(Case.count().where(Case.reference.is_in([json.loads(x)["reference"] for x in lines]))) == 500
    outcomes = {r["outcome"] for r in run(Case.select(Case.outcome).distinct())}
    assert {"upheld_fault_injustice", "not_upheld", "remedied_by_body"} <= outcomes
    assert run(Finding.count()) > 450
    assert importer(run, lines, format="housing-ombudsman").unchanged == 500


# --------------------------------------------------------------------------- the API


def ndjson(lines) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def post_lines(client, body: bytes, query: str = "", content_type="application/x-ndjson"):
    return client.http.post(
        f"/api/cases/import{query}", content=body,
        headers={"content-type": content_type, "x-csrftoken": client.csrf_token()},
    )


def test_api_import_as_manager(client, run):
    client.sign_in_as("manager")
    response = post_lines(client, ndjson([line(), "{nope", line(reference="21 004 999", outcome="??")]))
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["read"], report["inserted"]) == (3, 1)
    assert [r["line"] for r in report["rejected"]] == [2, 3]
    assert case_row(run, "21 004 512")["outcome"] == "upheld_fault_injustice"
    # the same file again, gzip-compressed: nothing changes
    again = post_lines(client, gzip.compress(ndjson([line()])), content_type="application/gzip")
    assert again.json()["unchanged"] == 1


def test_api_import_housing_ombudsman_and_json(client, run):
    client.sign_in_as("administrator")
    response = post_lines(client, ndjson([ho_line([("Other", "x", "Maladministration")])]), "?format=housing-ombudsman")
    assert response.status_code == 200 and response.json()["inserted"] == 1
    as_json = client.post_json("/api/cases/import", [json.loads(line(reference="21 000 001")), json.loads(line(reference="21 000 002"))])
    assert as_json.status_code == 200 and as_json.json()["inserted"] == 2
    assert post_lines(client, b"", "?format=other").status_code == 400
    assert post_lines(client, b"a=b", content_type="application/x-www-form-urlencoded").status_code == 415


def test_api_import_refused_to_investigators(client, run):
    from investigations.tables import Case

    client.sign_in_as("investigator")
    response = post_lines(client, ndjson([line()]))
    assert response.status_code == 403
    assert run(Case.count()) == 0


def test_api_accepts_bodies_over_the_default_limit(client, run):
    client.sign_in_as("manager")
    lines = [line(reference=f"23 {n // 1000:03d} {n % 1000:03d}", summary="x" * 900) for n in range(1, 1300)]
    body = ndjson(lines)
    assert len(body) > 1_000_000
    response = post_lines(client, body)
    assert response.status_code == 200 and response.json()["inserted"] == 1299


def test_a_line_the_database_refuses_is_reported_and_the_rest_go_in(db, run, monkeypatch):
    from investigations import importing

    real = importing._write_batch

    async def refusing(records, *args, **kwargs):
        if any(r.reference == "24 000 002" for r in records):
            raise RuntimeError("value too long for type character varying(12)")
        return await real(records, *args, **kwargs)

    monkeypatch.setattr(importing, "_write_batch", refusing)
    lines = [line(reference=f"24 000 {n:03d}", recommendations=[{"type": "apology"}]) for n in range(1, 5)]
    report = importer(run, lines, batch_size=4)
    assert (report.inserted, report.rejected) == (3, [(2, "could not be saved: value too long for type character varying(12)")])
    assert case_row(run, "24 000 002") is None and case_row(run, "24 000 004") is not None
    assert report.recommendations_not_imported == 3


def test_a_file_that_breaks_part_way_keeps_what_was_saved_and_says_so(db, run):
    from workbench.tables import AuditEvent

    def lines():
        yield line(reference="25 000 001")
        yield line(reference="25 000 002")
        raise EOFError("Compressed file ended before the end-of-stream marker was reached")

    with pytest.raises(EOFError):
        importer(run, lines(), batch_size=1)
    assert case_row(run, "25 000 001") is not None
    audit = run(AuditEvent.select(AuditEvent.summary).where(AuditEvent.action == "cases.imported").first())
    assert "2 inserted" in audit["summary"] and "stopped part-way" in audit["summary"]


def test_an_alias_is_not_taken_for_a_body_of_another_kind(db, run):
    """HO's "Nottingham" (a housing association) is not Nottingham City Council; its "Westminster" is."""
    from investigations.tables import Body, CaseBody

    report = importer(run, [
        ho_line([("Other", "x", "Maladministration")], reference="202300010", body="Nottingham"),
        ho_line([("Other", "x", "Maladministration")], reference="202300011", body="Westminster", body_type="Unknown"),
    ], format="housing-ombudsman")
    assert report.inserted == 2 and "Westminster" not in report.created_bodies
    linked = {
        r["reference"]: (r["name"], r["body_type"])
        for r in run(CaseBody.select(CaseBody.case.reference.as_alias("reference"), CaseBody.body.name.as_alias("name"),
                                     CaseBody.body.body_type.as_alias("body_type")))
    }
    assert linked["202300011"] == ("Westminster City Council", "london_borough")
    assert linked["202300010"] == ("Nottingham", "housing_association")
    assert run(Body.count().where(Body.name == "Nottingham City Council")) == 1


# --------------------------------------------------------------------------- the command


def test_command_imports_a_gzip_file_with_progress_and_report(db, run, tmp_path, capsys):
    from workbench.cli import main

    path = tmp_path / "old-cases.jsonl.gz"
    path.write_bytes(gzip.compress(ndjson([line(), line(reference="21 004 513", outcome="maybe")])))
    main(["import", str(path), "--batch-size", "1"])
    out, err = capsys.readouterr()
    assert "2 lines read: 1 inserted, 0 updated, 0 unchanged, 1 rejected" in err
    assert "inserted          1" in out and "line 2: unknown outcome 'maybe'" in out
    assert case_row(run, "21 004 512") is not None


def test_command_dry_run_and_json(db, run, tmp_path, capsys):
    from workbench.cli import main

    path = tmp_path / "old.jsonl"
    path.write_text(line() + "\n")
    main(["import", str(path), "--dry-run", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert report["dry_run"] and report["inserted"] == 1
    assert case_row(run, "21 004 512") is None


@pytest.mark.parametrize("name, content", [("missing.jsonl", None), ("not-gzip.jsonl.gz", b"plain text\n")])
def test_command_exits_1_on_an_unreadable_file(db, tmp_path, capsys, name, content):
    from workbench.cli import main

    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SystemExit) as exit_:
        main(["import", str(path)])
    assert exit_.value.code == 1
    assert "cannot read" in capsys.readouterr().err


def test_joint_case_letters_stay_consistent_when_an_import_adds_a_body(db, run):
    from investigations.tables import CaseBody

    importer(run, [line(bodies=[{"name": "Kent County Council"}])])
    report = importer(run, [line(bodies=[{"name": "Medway Council"}])])
    assert report.updated == 1
    case_id = case_row(run, "21 004 512")["id"]
    links = run(CaseBody.select(CaseBody.suffix, CaseBody.body.name.as_alias("name")).where(CaseBody.case == case_id).order_by(CaseBody.suffix))
    assert [(r["suffix"], r["name"]) for r in links] == [("a", "Medway Council"), ("b", "Kent County Council")]


def test_api_keeps_a_line_whole_when_its_text_holds_a_unicode_line_separator(client, run):
    client.sign_in_as("manager")
    text = json.dumps(json.loads(line(summary="First part\u2028second part")), ensure_ascii=False)
    assert "\u2028" in text
    response = post_lines(client, (text + "\r\n").encode())
    assert response.json()["inserted"] == 1, response.text
    assert case_row(run, "21 004 512")["summary"] == "First part\u2028second part"


def test_imported_foreign_reference_opens(client, run, db):
    """A case imported with another scheme's reference can be opened by that reference."""
    import json as _json

    from investigations.importing import import_cases

    line = _json.dumps({"reference": "202347433", "bodies": [{"name": "Hampshire County Council", "type": "county council"}],
                        "category": "Housing", "received": "2024-01-10", "decided": "2024-06-01", "outcome": "not upheld",
                        "summary": "Repairs were slow."})
    run(import_cases([line], None))
    client.sign_in_as("manager")
    assert client.get("/cases/202347433").status_code == 200
    assert client.get("/api/cases/202347433").json()["reference"] == "202347433"
