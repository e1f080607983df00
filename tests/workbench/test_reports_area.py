"""The Reports area over HTTP: the list, a kind's form, the preview with its problems, generating in the
background with progress, downloading, and who may do what.

The area only knows documents through ``workbench.reports.catalogue()``; these tests register two
small document kinds of their own (never shipped) so they exercise the area whatever kinds exist.
"""

from __future__ import annotations

import io
import threading
import time
from datetime import date
from typing import Any

import pytest
from docx import Document

from investigations.access import Viewer
from investigations.queries import CaseNotFound, get_case
from investigations.tables import Body, Case, CaseBody
from remedies.compliance_report import body_choices, match_choice, parse_year
from remedies.compliance import financial_year_label
from workbench import reports
from workbench.audit import AuditEvent
from workbench.report_jobs import JobStore
from workbench.reports import DocumentKind, Parameter, ParameterError, Preview, Problem
from workbench.word import WordDocument

TOO_FEW = 3
BUILD_GATE: dict[str, threading.Event] = {}  # a test holds a build here to watch it in progress


def sentence(exc: Exception) -> str:
    return str(exc)[:1].upper() + str(exc)[1:]


class BodyYearLetter(DocumentKind):
    """A letter to a body about a financial year's decisions: a body, a year and a version."""

    key = "test-body-letter"
    label = "Test body letter"
    description = "Decisions at one body in one financial year (a test document)."
    parameters = (
        Parameter("body", "Body", "body"),
        Parameter("year", "Financial year", "year"),
        Parameter("version", "Version", "version", required=False,
                  choices=(("public", "Publication version"), ("parties", "Parties' version"))),
    )

    async def read(self, params, viewer: Viewer) -> dict[str, Any]:
        try:
            body = match_choice(params["body"], await body_choices(), "body")
        except ValueError as exc:
            raise ParameterError(sentence(exc), "body") from None
        try:
            year = parse_year(params["year"])
        except ValueError as exc:
            raise ParameterError(sentence(exc), "year") from None
        rows = await CaseBody.select(CaseBody.case.reference.as_alias("reference")).where(
            (CaseBody.body == body.id) & (CaseBody.case.decided_on >= date(year, 4, 1))
            & (CaseBody.case.decided_on <= date(year + 1, 3, 31)) & (CaseBody.case.restricted == False))  # noqa: E712
        return {"body": body.name, "year": year, "references": sorted(r["reference"] for r in rows),
                "version": params.get("version", "parties")}

    def preview(self, data) -> Preview:
        n = len(data["references"])
        problems = []
        if n == 0:
            problems.append(Problem(f"{data['body']} had no decisions in {financial_year_label(data['year'])}", "error"))
        elif n < TOO_FEW:
            problems.append(Problem(f"Only {n} decisions: too few for the rates to be meaningful"))
        return Preview(
            title=f"{data['body']}: {financial_year_label(data['year'])}",
            summary=[("Decisions", str(n)), ("Version", data["version"])],
            tables=[("Cases", ["Reference"], [[r] for r in data["references"]])],
            problems=problems, filename=f"Letter to {data['body']} {financial_year_label(data['year'])}.docx",
        )

    def build(self, data) -> bytes:
        gate = BUILD_GATE.get(data["body"])
        if gate is not None:
            assert gate.wait(20), "the test never released the build"
        document = WordDocument(f"Letter to {data['body']}")
        document.title(f"Letter to {data['body']}")
        document.heading("Decisions")
        document.paragraph(f"{len(data['references'])} decisions in {financial_year_label(data['year'])}.")
        document.table(["Reference"], [[r] for r in data["references"]])
        return document.to_bytes()


class CaseNote(DocumentKind):
    """A note about one case: investigators may produce it, for a case they can see."""

    key = "test-case-note"
    label = "Test case note"
    description = "One case's summary (a test document)."
    parameters = (Parameter("case", "Case reference", "case"),)

    async def read(self, params, viewer: Viewer) -> dict[str, Any]:
        try:
            case = await get_case(viewer, params["case"])
        except CaseNotFound:
            raise ParameterError(f"There is no case {params['case']}", "case") from None
        if case["summary"] == "explode":
            raise RuntimeError("a fault in the document kind")
        return {"reference": case["reference"], "summary": case["summary"]}

    def preview(self, data) -> Preview:
        return Preview(title=f"Case {data['reference']}", summary=[("Summary", data["summary"])],
                       filename=f"Case {data['reference']}.docx")

    def build(self, data) -> bytes:
        if data["summary"] == "explode in build":
            raise RuntimeError("a fault in the document kind")
        document = WordDocument(f"Case {data['reference']}")
        document.title(f"Case {data['reference']}")
        document.paragraph(data["summary"])
        return document.to_bytes()


@pytest.fixture
def kinds(monkeypatch, tmp_path):
    """The test kinds as the whole catalogue, and jobs kept in the test's own directory."""
    from workbench.routes import reports as routes

    monkeypatch.setattr(reports, "_KINDS", ((__name__, "BodyYearLetter"), (__name__, "CaseNote")))
    store = JobStore(tmp_path / "generated")
    monkeypatch.setattr(routes, "job_store", lambda: store)
    return store


@pytest.fixture
def caseload(run, db):
    """Five decided cases at one body in 2024-25 (the first restricted, another investigator's); one at a second body."""
    from tests.remedies import factories

    first = run(Body.select(Body.id, Body.name).where(Body.name == "Hampshire County Council").first())
    second = run(Body.select(Body.id, Body.name).where(Body.name != first["name"]).order_by(Body.name).first())
    made = [run(factories.decided_case(decided_on=date(2024, 6, 1 + i), restricted=i == 0,
                                       investigator="admin" if i == 0 else "investigator")) for i in range(5)]
    other = run(factories.decided_case(second["name"], decided_on=date(2024, 7, 1)))
    return {"body": first, "other_body": second, "cases": made, "other": other}


def wait_for_job(client, url: str, timeout: float = 20) -> str:
    """Poll the job as the page does until it has finished; the last answer's HTML."""
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(url, headers={"HX-Request": "true"})
        assert response.status_code == 200, response.text
        if 'data-status="running"' not in response.text:
            return response.text
        assert time.monotonic() < deadline, "the job never finished"
        time.sleep(0.05)


def steps_of(html: str) -> list[tuple[str, str]]:
    """(step, state) from the job's progress list."""
    import re

    return [(step.strip(), state) for state, step in
            re.findall(r'data-step-state="(\w+)">\s*<dt[^>]*>([^<]+)</dt>', html)]


def job_url_from(html: str) -> str:
    import re

    return re.search(r'hx-get="(/reports/jobs/[A-Za-z0-9_-]+)"', html).group(1)


# ---------------------------------------------------------------------------------------------
# The list and the form


def test_reports_area_lists_every_document_and_keeps_the_decisions(client, kinds, caseload):
    client.sign_in_as("report_writer")
    page = client.get("/reports")
    assert page.status_code == 200
    assert page.text.count('data-testid="document-kind"') == 2
    assert 'href="/reports/test-body-letter"' in page.text and "Decisions at one body" in page.text
    assert 'href="/compliance/statistics"' in page.text
    assert "Decisions from 1 April" in page.text


def test_form_offers_each_parameter_as_its_kind_needs(client, kinds, caseload):
    client.sign_in_as("report_writer")
    page = client.get("/reports/test-body-letter")
    assert page.status_code == 200
    html = page.text
    assert 'name="body_query"' in html and 'hx-get="/reports/bodies?field=body"' in html
    assert '<select class="govuk-select" id="year" name="year"' in html
    assert '<option value="2024">2024-25</option>' in html  # a year with data
    assert 'type="radio" value="public"' in html and 'type="radio" value="parties"' in html
    assert "<script>" not in html and "style=" not in html  # CSP: no inline scripts or styles


def test_form_is_filled_in_from_the_query(client, kinds, caseload):
    client.sign_in_as("report_writer")
    body = caseload["body"]
    html = client.get(f"/reports/test-body-letter?body={body['id']}&year=2024&version=public").text
    assert f'value="{body["name"]}"' in html  # the chosen body's name in the type-ahead
    assert f'id="body-{body["id"]}" name="body" type="radio" value="{body["id"]}" checked' in html
    assert '<option value="2024" selected>' in html
    assert 'value="public" checked' in html


def test_body_type_ahead_offers_matching_bodies_as_radios(client, kinds, caseload):
    client.sign_in_as("report_writer")
    name = caseload["body"]["name"]
    html = client.get("/reports/bodies", params={"field": "body", "body_query": name}).text
    assert f'name="body" type="radio" value="{caseload["body"]["id"]}"' in html and name in html
    assert "No body matches" in client.get("/reports/bodies", params={"field": "body", "body_query": "zzzzqqqq"}).text


def test_unknown_document_is_404(client, kinds):
    client.sign_in_as("report_writer")
    assert client.get("/reports/no-such-document").status_code == 404
    assert client.get("/reports/no-such-document/preview").status_code == 404
    assert client.post_form("/reports/no-such-document/generate", {}).status_code == 404


# ---------------------------------------------------------------------------------------------
# Preview


def test_preview_shows_figures_tables_and_a_warning(client, kinds, caseload, run):
    client.sign_in_as("report_writer")
    other = caseload["other_body"]
    response = client.get("/reports/test-body-letter/preview", params={"body": other["id"], "year": "2024-25"},
                          headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.text
    assert "<html" not in html  # htmx gets the block
    assert f"{other['name']}: 2024-25" in html
    assert 'data-testid="preview-summary"' in html and "Decisions" in html
    assert caseload["other"]["reference"] in html  # the table
    assert 'data-testid="problem-warning"' in html and "too few for the rates" in html
    assert 'data-testid="generate-button">' in html and "disabled" not in html.split('data-testid="generate-button"')[0][-80:]
    assert f"Letter to {other['name']} 2024-25.docx" in html


def test_the_figures_are_worked_out_off_the_event_loop(client, kinds, caseload, monkeypatch):
    """Every kind gathers the same way: read on the loop, work_out in a worker thread (the loop keeps answering)."""
    from tests.threads import record_thread

    threads: dict[str, int] = {}
    real_read = BodyYearLetter.read

    async def read(self, params, viewer):
        threads["read"] = threading.get_ident()
        return await real_read(self, params, viewer)

    monkeypatch.setattr(BodyYearLetter, "read", read)
    record_thread(monkeypatch, BodyYearLetter, "work_out", threads, "work_out")
    client.sign_in_as("report_writer")
    response = client.get("/reports/test-body-letter/preview", params={"body": caseload["other_body"]["id"],
                                                                       "year": "2024-25"})
    assert response.status_code == 200 and caseload["other"]["reference"] in response.text
    assert threads["read"] != threads["work_out"]


def test_preview_with_an_error_problem_disables_the_download(client, kinds, caseload):
    client.sign_in_as("report_writer")
    response = client.get("/reports/test-body-letter/preview", params={"body": caseload["body"]["id"], "year": "2019"})
    assert response.status_code == 200
    assert 'data-testid="problems-blocking"' in response.text and "had no decisions in 2019-20" in response.text
    assert 'disabled aria-disabled="true" data-testid="generate-button"' in response.text


def test_preview_without_parameters_asks_for_them(client, kinds, caseload):
    client.sign_in_as("report_writer")
    response = client.get("/reports/test-body-letter/preview", headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert 'data-testid="error-summary"' in response.text
    assert '<a href="#body">Choose a body</a>' in response.text and '<a href="#year">Choose a financial year</a>' in response.text
    assert 'id="year-error"' in response.text


def test_preview_reports_the_kinds_own_parameter_errors(client, kinds, caseload):
    client.sign_in_as("report_writer")
    response = client.get("/reports/test-body-letter/preview", params={"body": "Nowhere Council", "year": "2024-26"})
    assert response.status_code == 400
    assert "There is no body named &#39;Nowhere Council&#39;" in response.text
    response = client.get("/reports/test-body-letter/preview", params={"body": caseload["body"]["id"], "year": "2024-26"})
    assert response.status_code == 400 and '<a href="#year">' in response.text and "is not a financial year" in response.text
    response = client.get("/reports/test-body-letter/preview",
                          params={"body": caseload["body"]["id"], "year": "2024", "version": "draft"})
    assert response.status_code == 400 and "Version must be one of: public (Publication version)" in response.text


def test_preview_accepts_a_typed_body_name_without_javascript(client, kinds, caseload):
    client.sign_in_as("report_writer")
    other = caseload["other_body"]
    response = client.get("/reports/test-body-letter/preview", params={"body_query": other["name"], "year": "2024"})
    assert response.status_code == 200 and f"{other['name']}: 2024-25" in response.text


# ---------------------------------------------------------------------------------------------
# Generate, poll, download


def test_generate_poll_and_download(client, kinds, caseload, run):
    client.sign_in_as("report_writer")
    body = caseload["body"]
    started = client.post_form("/reports/test-body-letter/generate", {"body": str(body["id"]), "year": "2024"},
                               headers={"HX-Request": "true"})
    assert started.status_code == 200
    assert 'hx-trigger="every 1s"' in started.text and 'data-status="running"' in started.text
    finished = wait_for_job(client, job_url_from(started.text))
    assert 'data-status="done"' in finished and "every 1s" not in finished  # polling stops
    assert 'data-testid="download-link"' in finished and f"Download Letter to {body['name']} 2024-25.docx" in finished

    download = client.get(job_url_from(started.text) + "/download")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    assert f"filename*=UTF-8''Letter%20to%20" in download.headers["content-disposition"]
    assert download.headers["cache-control"] == "no-store"
    document = Document(io.BytesIO(download.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert f"Letter to {body['name']}" in text and "4 decisions in 2024-25" in text  # the restricted case left out
    references = [row.cells[0].text for row in document.tables[0].rows[1:]]
    assert references == sorted(c["reference"] for c in caseload["cases"][1:])

    event = run(AuditEvent.select().where(AuditEvent.action == "document.generated").first())
    assert event["actor_name"] == "reports" and event["record_id"] == "test-body-letter"
    assert f"Letter to {body['name']} 2024-25.docx" in event["summary"]


def test_generate_without_htmx_redirects_to_the_job_page(client, kinds, caseload):
    client.sign_in_as("manager")
    response = client.post_form("/reports/test-body-letter/generate",
                                {"body": str(caseload["body"]["id"]), "year": "2024"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/reports/jobs/")
    page = client.get(response.headers["location"])
    assert page.status_code == 200 and "<html" in page.text and "Test body letter" in page.text
    wait_for_job(client, response.headers["location"])
    assert client.get(response.headers["location"] + "/download").status_code == 200


def test_progress_shows_while_the_document_is_built_and_the_server_keeps_answering(client, kinds, caseload):
    client.sign_in_as("report_writer")
    name = caseload["body"]["name"]
    BUILD_GATE[name] = threading.Event()
    try:
        started = client.post_form("/reports/test-body-letter/generate", {"body": name, "year": "2024"},
                                   headers={"HX-Request": "true"})
        url = job_url_from(started.text)
        deadline = time.monotonic() + 20
        while ("Writing the document", "running") not in steps_of(html := client.get(url, headers={"HX-Request": "true"}).text):
            assert time.monotonic() < deadline, html
            time.sleep(0.05)
        assert steps_of(html) == [("Reading the data", "done"), ("Checking the figures", "done"),
                                  ("Writing the document", "running"), ("Ready to download", "waiting")]
        assert 'data-status="running"' in html and 'hx-trigger="every 1s"' in html
        assert client.get("/reports").status_code == 200  # the build runs in a worker thread, not on the event loop
        assert client.get(url + "/download").status_code == 404  # not ready yet
    finally:
        BUILD_GATE.pop(name).set()
    assert 'data-status="done"' in wait_for_job(client, url)


def test_generate_with_missing_parameters_re_renders_the_form(client, kinds, caseload):
    client.sign_in_as("report_writer")
    response = client.post_form("/reports/test-body-letter/generate", {"year": "2024"}, headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert response.headers["hx-retarget"] == "#report"
    assert '<a href="#body">Choose a body</a>' in response.text and 'id="report-parameters"' in response.text
    assert not kinds.directory.exists() or not list(kinds.directory.glob("*.json"))  # no job started


def test_a_job_whose_parameters_fail_says_why_and_links_back(client, kinds, caseload):
    client.sign_in_as("report_writer")
    started = client.post_form("/reports/test-body-letter/generate", {"body": "Nowhere Council", "year": "2024"},
                               headers={"HX-Request": "true"})
    html = wait_for_job(client, job_url_from(started.text))
    assert 'data-status="failed"' in html and "There is no body named" in html
    assert 'href="/reports/test-body-letter?body=Nowhere+Council&amp;year=2024"' in html
    assert client.get(job_url_from(started.text) + "/download").status_code == 404


def test_a_job_with_an_error_problem_is_not_built(client, kinds, caseload):
    client.sign_in_as("report_writer")
    started = client.post_form("/reports/test-body-letter/generate", {"body": str(caseload["body"]["id"]), "year": "2019"},
                               headers={"HX-Request": "true"})
    html = wait_for_job(client, job_url_from(started.text))
    assert 'data-status="failed"' in html and "had no decisions in 2019-20" in html


def test_a_fault_in_a_kind_fails_the_job_with_an_error_id_not_a_500(client, kinds, caseload, run):
    client.sign_in_as("report_writer")
    case = caseload["cases"][1]
    run(Case.update({Case.summary: "explode in build"}).where(Case.id == case["id"]))
    started = client.post_form("/reports/test-case-note/generate", {"case": case["reference"]}, headers={"HX-Request": "true"})
    html = wait_for_job(client, job_url_from(started.text))
    assert 'data-status="failed"' in html and "Quote error id" in html
    assert ("Writing the document", "failed") in steps_of(html) and ("Checking the figures", "done") in steps_of(html)


def test_a_job_belongs_to_the_user_who_asked(client, anonymous, kinds, caseload):
    client.sign_in_as("report_writer")
    started = client.post_form("/reports/test-body-letter/generate", {"body": str(caseload["body"]["id"]), "year": "2024"},
                               headers={"HX-Request": "true"})
    url = job_url_from(started.text)
    wait_for_job(client, url)
    anonymous.sign_in_as("manager")  # allowed to produce documents, but this job is not theirs
    assert anonymous.get(url).status_code == 404
    assert anonymous.get(url + "/download").status_code == 404
    assert anonymous.get("/reports/jobs/../../etc/passwd").status_code == 404
    assert anonymous.get("/reports/jobs/nonsense-but-long-enough/download").status_code == 404


def test_jobs_are_removed_after_an_hour(kinds, tmp_path):
    store = JobStore(tmp_path / "jobs", max_age=3600)
    job = store.create(1, BodyYearLetter(), {"body": "1"})
    store.store_document(job, b"PK")
    assert store.get(job.id, 1) is not None and store.get(job.id, 2) is None
    assert store.sweep(now=time.time() + 3000) == 0
    assert store.sweep(now=time.time() + 3700) == 2
    assert store.get(job.id, 1) is None and not list((tmp_path / "jobs").iterdir())


# ---------------------------------------------------------------------------------------------
# Roles and need-to-know


def test_compliance_officer_may_not_use_the_reports_area(client, kinds, caseload):
    client.sign_in_as("compliance_officer")
    for url in ("/reports", "/reports/test-body-letter", "/reports/test-case-note",
                "/reports/test-case-note/preview?case=x", "/reports/bodies?body_query=kent"):
        assert client.get(url).status_code == 403, url
    assert client.post_form("/reports/test-case-note/generate", {"case": "x"}).status_code == 403


def test_investigator_may_produce_only_documents_about_a_case_they_can_see(client, kinds, caseload, run):
    client.sign_in_as("investigator")
    assert client.get("/reports").status_code == 403
    assert client.get("/reports/test-body-letter").status_code == 403
    assert client.get("/reports/test-body-letter/preview?body=1&year=2024").status_code == 403
    assert client.post_form("/reports/test-body-letter/generate", {"body": "1", "year": "2024"}).status_code == 403

    visible = caseload["cases"][1]["reference"]
    page = client.get(f"/reports/test-case-note?case={visible}")
    assert page.status_code == 200 and f"Back to case {visible}" in page.text
    assert client.get("/reports/test-case-note/preview", params={"case": visible}).status_code == 200
    started = client.post_form("/reports/test-case-note/generate", {"case": visible}, headers={"HX-Request": "true"})
    assert 'data-status="done"' in wait_for_job(client, job_url_from(started.text))

    # A restricted case of someone else's: the kind's gather says it does not exist.
    restricted = caseload["cases"][0]
    response = client.get("/reports/test-case-note/preview", params={"case": restricted["reference"]})
    assert response.status_code == 400 and f"There is no case {restricted['reference']}" in response.text


# ---------------------------------------------------------------------------------------------
# The real catalogue


def test_the_catalogue_is_the_five_shipped_kinds_and_a_missing_one_fails_loudly(monkeypatch):
    assert [k.key for k in reports.catalogue()] == [
        "decision-statement", "annual-review-letter", "national-review", "compliance-report", "systemic-issue-report"]
    monkeypatch.setattr(reports, "_KINDS", (*reports._KINDS, ("remedies.no_such_report", "NoSuchReport")))
    with pytest.raises(ModuleNotFoundError):
        reports.catalogue()
    monkeypatch.setattr(reports, "_KINDS", (("remedies.annual_letter", "NoSuchLetter"),))
    with pytest.raises(AttributeError):
        reports.catalogue()


def test_every_document_in_the_catalogue_has_a_form_with_a_field_for_each_parameter(client, db):
    """Each kind is listed, and its form renders a field per parameter."""
    client.sign_in_as("report_writer")
    listing = client.get("/reports").text
    for kind in reports.catalogue():
        assert f'href="/reports/{kind.key}"' in listing, kind.key
        page = client.get(f"/reports/{kind.key}")
        assert page.status_code == 200, kind.key
        for parameter in kind.parameters:
            name = f"{parameter.name}_query" if parameter.kind == "body" else parameter.name
            assert f'name="{name}"' in page.text, f"{kind.key}: no field for {parameter.name}"


def test_an_investigator_reaches_the_decision_statement_from_a_decided_case(client, caseload):
    client.sign_in_as("investigator")
    reference = caseload["cases"][1]["reference"]
    case_page = client.get(f"/cases/{reference.replace(' ', '-')}").text
    link = f'href="/reports/decision-statement?reference={reference.replace(" ", "%20")}"'
    assert link in case_page
    form = client.get(f"/reports/decision-statement?reference={reference.replace(' ', '%20')}")
    assert form.status_code == 200 and f'value="{reference}"' in form.text and f"Back to case {reference}" in form.text
    client.sign_in_as("compliance_officer")
    assert 'data-testid="decision-statement-link"' not in client.get(f"/cases/{reference.replace(' ', '-')}").text


def test_an_investigator_generates_a_real_decision_statement_through_the_area(client, caseload):
    client.sign_in_as("investigator")
    reference = caseload["cases"][1]["reference"]
    preview = client.get("/reports/decision-statement/preview", params={"reference": reference, "version": "parties"})
    assert preview.status_code == 200, preview.text
    assert 'data-testid="preview-title"' in preview.text and 'data-testid="problems-blocking"' not in preview.text
    started = client.post_form("/reports/decision-statement/generate", {"reference": reference, "version": "parties"},
                               headers={"HX-Request": "true"})
    url = job_url_from(started.text)
    assert 'data-status="done"' in wait_for_job(client, url)
    document = Document(io.BytesIO(client.get(url + "/download").content))
    assert any(p.style.name.startswith("Heading") for p in document.paragraphs)
    restricted = caseload["cases"][0]["reference"]  # another investigator's restricted case: not found
    refused = client.get("/reports/decision-statement/preview", params={"reference": restricted, "version": "parties"})
    assert refused.status_code == 400 and 'data-testid="preview-title"' not in refused.text


def test_three_documents_at_once_per_person_then_wait(client, kinds, caseload):
    client.sign_in_as("report_writer")
    name = caseload["body"]["name"]
    BUILD_GATE[name] = threading.Event()
    try:
        urls = [job_url_from(client.post_form("/reports/test-body-letter/generate", {"body": name, "year": "2024"},
                                              headers={"HX-Request": "true"}).text) for _ in range(3)]
        refused = client.post_form("/reports/test-body-letter/generate", {"body": name, "year": "2024"},
                                   headers={"HX-Request": "true"})
        assert refused.status_code == 400 and "You already have 3 documents being generated" in refused.text
        assert refused.headers["hx-retarget"] == "#report"
    finally:
        BUILD_GATE.pop(name).set()
    for url in urls:
        assert 'data-status="done"' in wait_for_job(client, url)
    assert client.post_form("/reports/test-body-letter/generate", {"body": name, "year": "2024"},
                            headers={"HX-Request": "true"}).status_code == 200


def test_expired_documents_are_swept_by_a_scheduled_job(run, db, monkeypatch, tmp_path):
    import os

    from workbench import report_jobs
    from workbench.scheduler import jobs

    job = next(j for j in jobs() if j.id == "remove-generated-documents")
    store = JobStore(tmp_path / "generated")
    record = store.create(1, CaseNote(), {"case": "x"})
    store.store_document(record, b"PK")
    old = time.time() - 3700
    for path in (tmp_path / "generated").iterdir():
        os.utime(path, (old, old))
    monkeypatch.setattr(report_jobs, "JobStore", lambda directory: store)
    run(job.func())
    assert not list((tmp_path / "generated").iterdir())
