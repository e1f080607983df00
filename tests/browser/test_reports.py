"""The Reports area in Chromium: a report writer picks the annual review letter, finds a body by typing
part of its name, previews the figures, generates the document, watches it progress and downloads it."""

import io
import re

import pytest
from docx import Document
from playwright.sync_api import expect

from tests.browser.test_sign_in import sign_in

pytestmark = pytest.mark.browser


def test_report_writer_previews_generates_and_downloads_a_document(page, tmp_path):
    sign_in(page, "reports")
    page.click("nav[aria-label='Primary navigation'] >> text=Reports")
    expect(page.locator("h1")).to_have_text("Reports")
    documents = page.locator("[data-testid=document-kind]")
    expect(documents.first).to_be_visible()
    letter = page.locator("a[href='/reports/annual-review-letter']")
    if not letter.count():
        pytest.skip("the annual review letter is not in the catalogue yet")
    letter.click()
    expect(page.locator("h1")).to_have_text("Annual review letter")
    page.evaluate("window.__marker = 'same page'")  # preview and generation swap blocks, never reload

    # The body type-ahead: type part of a name, choose from the radios that appear.
    page.fill("#body", "Kent County")
    choice = page.locator("[data-testid=body-choices] input[type=radio]").first
    expect(choice).to_be_visible()
    choice.check()
    body_name = page.locator("[data-testid=body-choices] label").first.inner_text()
    page.click("[data-testid=preview-button]")

    expect(page.locator("[data-testid=preview-title]")).to_contain_text(body_name)
    expect(page.locator("[data-testid=preview-summary]")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/reports/annual-review-letter/preview\?.*\bbody={choice.get_attribute('value')}&"))
    filename = page.locator("[data-testid=preview-filename]").inner_text()
    assert filename.endswith(".docx")
    page.screenshot(path=str(tmp_path / "preview.png"), full_page=True)

    page.click("[data-testid=generate-button]")
    expect(page.locator("[data-testid=job]")).to_be_visible()
    link = page.locator("[data-testid=download-link]")
    expect(link).to_be_visible(timeout=30_000)  # htmx polls the job every second until it is ready
    expect(page.locator("[data-testid=job]")).to_have_attribute("data-status", "done")
    assert page.evaluate("window.__marker") == "same page"
    page.screenshot(path=str(tmp_path / "ready.png"), full_page=True)

    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == filename
    saved = tmp_path / filename
    download.save_as(saved)
    document = Document(io.BytesIO(saved.read_bytes()))
    assert body_name in "\n".join(p.text for p in document.paragraphs)
    assert page.problems == []
