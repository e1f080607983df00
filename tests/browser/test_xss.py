"""XSS: hostile text in every free-text field stays inert on every page that shows it, and in the documents.

A server of its own, whose demo database has every free-text column (complaint summary, outcome wanted,
names, addresses, notes, findings, enquiries, reasons, recommendations' descriptions and public
summaries, evidence, body contacts, file names, timeline entries) overwritten with one payload; a
systemic issue is made through its form with the payload as title and description. Each payload would
set ``window.__xss`` if it ran. Every page that renders them is visited: nothing ran, no CSP violation,
no injected element or attribute exists, and the payload is shown as literal text. The decision
statement and the compliance report hold it literally too.
"""

from __future__ import annotations

import io
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from docx import Document
from playwright.sync_api import expect

from tests.browser.conftest import running_server, watched_page
from tests.browser.test_sign_in import sign_in

pytestmark = pytest.mark.browser

PAYLOAD = (
    "<script>window.__xss='script'</script> "
    "<img src=x onerror=\"window.__xss='img'\"> "
    "\"><svg onload=\"window.__xss='svg'\"> "
    "'><a href=\"javascript:window.__xss='href'\">link</a> javascript:window.__xss='url' "
    "{{7*7}} {% if 1 %}jinja{% endif %} ${7*7} "
    "<b hx-get=\"/xss-probe\" hx-trigger=\"load\" hx-target=\"body\">hx</b>"
)

FREE_TEXT = {
    "investigations_case": ["summary", "outcome_wanted", "closure_reason", "representative_consent_note"],
    "investigations_person": ["given_name", "family_name", "address"],
    "investigations_note": ["text"],
    "investigations_finding": ["description"],
    "investigations_enquiry": ["description", "response_summary", "extension_reason"],
    "investigations_stage_change": ["reason"],
    "investigations_case_event": ["title", "detail"],
    "investigations_case_document": ["original_name"],
    "investigations_body_contact": ["name", "job_title"],
    "remedies_recommendation": ["description", "public_summary", "evidence_expected", "beneficiary"],
    "remedies_evidence": ["description", "verdict_reason"],
    "remedies_extension": ["reason"],
    "remedies_recommendation_event": ["title", "detail"],
}

# Injected markup that would exist in the DOM had any payload been parsed as HTML.
INJECTED = "script:not([src]), img[src=x], svg[onload], [onerror], [onload], a[href^=javascript], [hx-get='/xss-probe']"


def plant_payloads(database: Path) -> None:
    """Overwrite every free-text column of the demo data with the payload."""
    connection = sqlite3.connect(database)
    with connection:
        for table, columns in FREE_TEXT.items():
            present = {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
            for column in columns:
                if column in present:
                    connection.execute(f"UPDATE {table} SET {column} = ?", (PAYLOAD,))
    connection.close()


def one_value(database: Path, sql: str):
    connection = sqlite3.connect(database)
    try:
        row = connection.execute(sql).fetchone()
    finally:
        connection.close()
    assert row is not None, sql
    return row[0]


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("xss")
    with running_server(data_dir, cases=80, seed=11, prepare=plant_payloads) as base:
        yield base, data_dir


@pytest.fixture
def hostile_page(browser, hostile_server):
    base, _ = hostile_server
    context = browser.new_context(base_url=base)
    page = watched_page(context)
    page.probes = []

    def probe(request) -> None:
        if "/xss-probe" in request.url or request.url.endswith("/x"):
            page.probes.append(request.url)

    page.on("request", probe)
    yield page
    context.close()


def assert_inert(page, where: str) -> None:
    page.wait_for_load_state("networkidle")  # lazy panels (similar cases, previews) have arrived
    assert page.evaluate("typeof window.__xss") == "undefined", f"a payload ran on {where}"
    assert page.locator(INJECTED).count() == 0, f"injected markup on {where}"
    assert page.probes == [], f"an injected element fetched {page.probes} on {where}"
    csp = [p for p in page.problems if "Content Security Policy" in p or "Refused to" in p]
    assert csp == [], f"CSP violations on {where}: {csp}"
    assert page.problems == [], f"console errors on {where}: {page.problems}"


def assert_literal(page, where: str) -> None:
    text = page.inner_text("main") if page.locator("main").count() else page.inner_text("body")
    assert "<script>window.__xss='script'</script>" in text, f"the payload is not shown literally on {where}"
    assert "{{7*7}}" in text and "{% if 1 %}jinja{% endif %}" in text, f"template syntax was evaluated on {where}"


def docx_text(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    return "\n".join(parts)


def test_payloads_stay_inert_on_every_page_and_in_the_documents(hostile_page, hostile_server):
    page = hostile_page
    _, data_dir = hostile_server
    database = data_dir / "live.sqlite3"
    reference = one_value(database, """
        SELECT c.reference FROM investigations_case c
        JOIN remedies_recommendation r ON r."case" = c.id
        JOIN remedies_evidence e ON e.recommendation = r.id
        JOIN investigations_finding f ON f."case" = c.id
        WHERE c.restricted = 0 ORDER BY c.id LIMIT 1""")
    body_id = one_value(database, f"""
        SELECT cb.body FROM investigations_case_body cb JOIN investigations_case c ON c.id = cb."case"
        WHERE c.reference = '{reference}'""")

    # A systemic issue made through its own form, the payload typed into both fields.
    sign_in(page, "manager")
    page.goto("/systemic/new")
    page.fill("[name=title]", PAYLOAD[:200])
    page.fill("[name=description]", PAYLOAD)
    page.locator("main form button[type=submit], main form button:not([type])").last.click()
    page.wait_for_url(re.compile(r"/systemic/\d+$"))
    issue_url = page.url
    assert_inert(page, "the new systemic issue")
    expect(page.locator("main")).to_contain_text("{{7*7}}")

    page.context.clear_cookies()
    sign_in(page, "admin")
    pages = [
        "/",
        f"/cases/{reference}",
        f"/cases?q={reference}",
        "/cases",
        f"/bodies/{body_id}",
        "/compliance",
        "/systemic",
        issue_url,
        "/reports",
        "/reports/compliance-report/preview",
        f"/reports/decision-statement/preview?reference={reference}&version=parties",
    ]
    shown_literally = {f"/cases/{reference}", f"/bodies/{body_id}", issue_url}
    for url in pages:
        response = page.goto(url)
        assert response is not None and response.status == 200, f"{url}: {response and response.status}"
        assert_inert(page, url)
        if url in shown_literally:
            assert_literal(page, url)

    # The decision statement (parties version names everyone) holds the payload as plain text.
    statement = page.request.get(f"/api/cases/{reference}/statement.docx?version=parties")
    assert statement.status == 200, statement.text()
    assert PAYLOAD in docx_text(statement.body())

    # The compliance report, as of a date by which every outstanding recommendation is overdue.
    out = data_dir / "compliance.docx"
    env = {**os.environ, "WORKBENCH_DATA_DIR": str(data_dir), "WORKBENCH_DATABASE_URL": f"sqlite:///{database}",
           "WORKBENCH_SCHEDULER": "off"}
    subprocess.run([sys.executable, "-m", "workbench", "export", "compliance-report", "--as-of", "2035-03-31",
                    "-o", str(out)], env=env, check=True, capture_output=True)
    assert PAYLOAD in docx_text(out.read_bytes())
