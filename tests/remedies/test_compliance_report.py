"""The compliance report, opened with python-docx: overdue and escalated recommendations by body with
their history, extensions and chasers, every count against the database; problems; need-to-know."""

from __future__ import annotations

from datetime import date

import pytest

from investigations.queries import viewer_for
from remedies.calendar import office_calendar
from remedies.chasing import chase
from remedies.compliance_report import ComplianceReport
from remedies.recommendations import extend_due_date
from tests.remedies import document_data as d
from tests.remedies.factories import user
from workbench.reports import ParameterError, kind_for

HANTS, KENT = "Hampshire County Council", "Kent County Council"
AS_OF = date(2026, 3, 2)  # a Monday
OVERDUE_SQL = ("SELECT COUNT(*) AS n FROM remedies_recommendation r JOIN investigations_case k ON k.id = r.\"case\" "
               "WHERE r.outcome = '' AND (r.escalated_on IS NULL OR r.escalated_on > {}) AND r.due_on < {}")
ESCALATED_SQL = ("SELECT COUNT(*) AS n FROM remedies_recommendation r JOIN investigations_case k ON k.id = r.\"case\" "
                 "WHERE r.outcome = '' AND r.escalated_on <= {}")


async def _recommendations() -> dict[str, int]:
    hants = await d.make_case(received_on=date(2025, 6, 1), decided_on=date(2025, 12, 1), outcome="upheld_fault_injustice")
    kent = await d.make_case(bodies=(KENT,), received_on=date(2025, 6, 1), decided_on=date(2025, 12, 1),
                             outcome="upheld_fault_injustice")
    secret = await d.make_case(bodies=(KENT,), received_on=date(2025, 6, 1), decided_on=date(2025, 12, 1),
                               outcome="upheld_fault_injustice", restricted=True, investigator="ibrooks")
    ids = {
        "h_overdue": await d.made(hants, date(2026, 2, 20), description="Apologise to Mrs X in writing"),
        "h_extended": await d.made(hants, date(2026, 1, 5), remedy_type="staff_training", assigned_to="compliance"),
        "h_escalated": await d.made(hants, date(2026, 1, 10), escalated_on=date(2026, 2, 1)),
        "h_open": await d.made(hants, date(2026, 4, 1)),
        "h_complied": await d.made(hants, date(2026, 2, 1), outcome="complied_on_time", outcome_on=date(2026, 1, 30)),
        "h_escalated_later": await d.made(hants, date(2026, 2, 24), escalated_on=date(2026, 3, 10)),
        "k_overdue": await d.made(kent, date(2026, 2, 25), assigned_to="compliance"),
        "k_secret": await d.made(secret, date(2026, 2, 10)),
    }
    await extend_due_date(ids["h_extended"], date(2026, 1, 20), "The council asked for more time to train staff",
                          await user("compliance"), today=date(2026, 1, 2))
    await d.add_contact(HANTS, "link_officer", "Lee Officer", "Complaints Manager")
    await chase(AS_OF)  # the chase ladder's letters: history, firings and escalation, as in production
    return ids


async def _expected(body_name: str | None, sees_restricted: bool) -> dict:
    extra, args = "", []
    if body_name:
        extra += " AND r.body = {}"
        args.append((await d.body(body_name))["id"])
    if not sees_restricted:
        extra += " AND k.restricted = false"
    return {
        "overdue": await d.scalar(OVERDUE_SQL + extra, AS_OF, AS_OF, *args),
        "escalated": await d.scalar(ESCALATED_SQL + extra, AS_OF, *args),
    }


def _report(run, params: dict, username: str):
    kind = ComplianceReport()
    data = run(kind.gather(params, viewer_for(run(user(username)))))
    return kind, data, d.open_docx(kind.build(data))


@pytest.mark.parametrize("username, sees_restricted", [("reports", False), ("manager", True), ("admin", True)])
def test_report_lists_what_the_database_says_is_overdue_or_escalated(run, db, username, sees_restricted):
    ids = run(_recommendations())
    kind, data, document = _report(run, {"as_of": AS_OF.isoformat()}, username)
    expected = run(_expected(None, sees_restricted))
    hants, kent = run(_expected(HANTS, sees_restricted)), run(_expected(KENT, sees_restricted))
    assert expected["overdue"] + expected["escalated"] == (6 if sees_restricted else 5)  # the set-up is what we meant

    # Structure: a title, a summary, then a Heading 1 per body with a Heading 2 per recommendation.
    heads = d.headings(document)
    assert document.paragraphs[0].style.name == "Title"
    assert [h for h in heads if h[0] == 1] == [(1, "Summary"), (1, HANTS), (1, KENT)]
    listed = [text for level, text in heads if level == 2]
    assert len(listed) == expected["overdue"] + expected["escalated"]
    values = d.key_values(document)
    assert (values["Overdue"], values["Escalated"], values["Bodies"]) == (
        str(expected["overdue"]), str(expected["escalated"]), "2")
    rows = d.table_rows(d.table_after(document, "Summary", nth=1))
    assert rows[0] == ["Body", "Overdue", "Escalated", "Total", "Earliest due date"]
    assert rows[1][:4] == [HANTS, str(hants["overdue"]), str(hants["escalated"]), str(hants["overdue"] + hants["escalated"])]
    assert rows[2][:4] == [KENT, str(kent["overdue"]), str(kent["escalated"]), str(kent["overdue"] + kent["escalated"])]

    # Each listed recommendation's history, extensions and chasers, counted from their tables.
    calendar = run(office_calendar())
    by_id = {row["id"]: row for row in data.rows}
    assert ids["h_open"] not in by_id and ids["h_complied"] not in by_id
    assert (ids["k_secret"] in by_id) is sees_restricted
    assert by_id[ids["h_escalated_later"]]["status"].value == "overdue"  # escalated only after the report's date
    for rid, row in by_id.items():
        events = run(d.scalar("SELECT COUNT(*) AS n FROM remedies_recommendation_event WHERE recommendation = {}", rid))
        extensions = run(d.scalar("SELECT COUNT(*) AS n FROM remedies_extension WHERE recommendation = {}", rid))
        firings = run(d.scalar("SELECT COUNT(*) AS n FROM remedies_chase_firing WHERE recommendation = {}", rid))
        assert (len(data.events.get(rid, [])), len(data.extensions.get(rid, [])), len(data.firings.get(rid, []))) == (
            events, extensions, firings)
        assert row["working_days_overdue"] == calendar.working_days_between(row["due_on"], AS_OF)
    text = d.all_text(document)
    extended = next(i for i, (level, t) in enumerate(heads) if t.endswith("Staff training or reminders"))
    assert heads[extended + 1:extended + 4] == [(3, "Extensions"), (3, "Chasers"), (3, "History")]
    assert "The council asked for more time to train staff" in text
    assert "Due date extended to Tuesday 20 January 2026" in text
    chasers = d.table_rows(d.table_after(document, "Chasers"))
    assert chasers[0] == ["Due", "Step", "To", "Email"]
    assert any("Escalation to chief executive" in r[1] for r in chasers[1:])
    assert "Mail not configured" in text
    assert "Apologise to Mrs X in writing" in text  # the private description: an internal report

    preview = kind.preview(data)
    assert dict(preview.summary)["Overdue"] == str(expected["overdue"])
    messages = [p.message for p in preview.problems]
    assert any("No contact is named at Kent County Council" in m for m in messages)
    assert any("have no compliance officer assigned" in m for m in messages)
    assert any("restricted cases" in m for m in messages) is (username != "admin")


def test_one_body_and_problems(run, db):
    run(_recommendations())
    kind, data, document = _report(run, {"body": KENT, "as_of": "2/3/2026"}, "admin")
    assert data.as_of == AS_OF
    expected = run(_expected(KENT, True))
    assert [h for h in d.headings(document) if h[0] == 1] == [(1, "Summary"), (1, KENT)]
    assert d.key_values(document)["Overdue"] == str(expected["overdue"])
    assert kind.preview(data).filename == "compliance-report-kent-county-council-2026-03-02.docx"

    # Nothing overdue a year earlier; a date in the future is allowed but flagged.
    _, before, document = _report(run, {"as_of": "2025-03-02"}, "admin")
    assert any("were overdue or escalated on Sunday 2 March 2025" in p.message for p in kind.preview(before).problems)
    assert "No recommendations were overdue or escalated on this date." in d.all_text(document)
    _, future, _ = _report(run, {"as_of": "2099-01-01"}, "admin")
    assert any("is in the future" in p.message for p in kind.preview(future).problems)


def test_parameters(run, db):
    kind = kind_for("compliance-report")
    admin = viewer_for(run(user("admin")))
    with pytest.raises(ParameterError) as error:
        run(kind.gather({"as_of": "31 Feb 2026"}, admin))
    assert error.value.field == "as_of"
    with pytest.raises(ParameterError) as error:
        run(kind.gather({"as_of": "2026-02-30"}, admin))
    assert error.value.field == "as_of"
    with pytest.raises(ParameterError) as error:
        run(kind.gather({"body": "Atlantis Council"}, admin))
    assert error.value.field == "body"
    assert run(kind.gather({}, admin)).body is None  # every body, today


def test_converts_to_pdf(run, db, tmp_path):
    run(_recommendations())
    kind, data, _ = _report(run, {"as_of": AS_OF.isoformat()}, "admin")
    pdf = d.to_pdf(kind.build(data), tmp_path, "compliance-report")
    assert d.pdf_pages(pdf) != 0
    d.render_first_page(pdf, tmp_path / "compliance-report")
