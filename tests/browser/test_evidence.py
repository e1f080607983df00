"""A recommendation's follow-up in Chromium: an investigator makes it on a decided case, then a
compliance officer uploads the body's evidence (two files in one go) and accepts it."""

from datetime import date

import pytest
from playwright.sync_api import expect

from tests.browser.test_sign_in import sign_in

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def make_recommendation(page) -> str:
    """As the investigator: an apology on an unrestricted decided case; returns the recommendation's URL."""
    page.goto("/cases?stage=final_decision")
    row = page.locator("[data-testid=case-table] tbody tr").filter(has_not_text="Restricted").first
    row.locator("a").first.click()
    panel = page.locator("[data-testid=recommendations-panel]")
    panel.locator("[data-testid=make-recommendation] summary").click()
    if page.locator("#rec-body option").first.get_attribute("value") == "":
        page.locator("#rec-body").select_option(index=1)
    page.locator("#rec-remedy_type").select_option("apology")
    page.fill("#rec-description", "Apologise in writing for the delay in reassessing the care charge.")
    page.fill("#rec-evidence_expected", "A copy of the letter as sent.")
    page.fill("#rec-public_summary", "Apologise for the delay.")
    page.fill("#rec-period", "1")
    page.locator("#rec-unit").select_option("months")
    page.locator("#rec-anchor_event").select_option("agreement")
    page.fill("#rec-anchor_on", date.today().isoformat())
    page.fill("#rec-amount", "abc")
    page.click("[data-testid=make-recommendation-button]")
    page.wait_for_selector("[data-testid=recommendation-errors]")
    page.fill("#rec-amount", "")
    page.click("[data-testid=make-recommendation-button]")
    made = panel.locator("[data-testid^=recommendation-]").filter(has_text="Apologise in writing").last
    expect(made).to_contain_text("1 month after the body's agreement")
    return made.locator("[data-testid=recommendation-link]").get_attribute("href")


def test_compliance_officer_uploads_evidence_and_accepts_it(page, tmp_path):
    sign_in(page)
    url = make_recommendation(page)
    page.click("[data-testid=sign-out]")

    sign_in(page, "compliance")
    page.goto(url)
    expect(page.locator("h1")).to_contain_text("Apology")
    expect(page.locator("[data-testid=no-evidence]")).to_be_visible()
    page.evaluate("window.__marker = 'same page'")  # the posts below swap the page's main block, never reload

    page.click("[data-testid=add-evidence] summary")
    page.fill("#evidence_description", "Signed apology letter, with the council's covering email.")
    page.set_input_files("input[type=file][name=files]", [
        {"name": "apology.pdf", "mimeType": "application/pdf", "buffer": PDF},
        {"name": "covering email.txt", "mimeType": "text/plain", "buffer": b"Letter posted first class today.\n"},
    ])
    page.click("[data-testid=add-evidence-button]")
    evidence = page.locator("[data-testid^=evidence-]").filter(has_text="Signed apology letter").first
    expect(evidence.locator("[data-testid=evidence-verdict]")).to_have_text("Awaiting a verdict")
    expect(evidence.locator("[data-testid=evidence-files]")).to_contain_text("apology.pdf")
    expect(evidence.locator("[data-testid=evidence-files]")).to_contain_text("covering email.txt")

    with page.expect_download() as download:
        evidence.get_by_role("link", name="apology.pdf").click()
    assert download.value.suggested_filename == "apology.pdf"
    assert open(download.value.path(), "rb").read() == PDF

    evidence.get_by_label("Accept: the body has done it").check()
    evidence.locator("[data-testid^=verdict-button-]").click()
    expect(page.locator("[data-testid=recommendation-status]")).to_have_text("Complied on time")
    expect(page.locator("[data-testid=evidence-verdict]").first).to_have_text("Accepted")
    expect(page.locator("[data-testid=recommendation-history]")).to_contain_text("Evidence accepted: complied on time")
    expect(page.locator("[data-testid=evidence-form]")).to_have_count(0)  # closed: nothing more to record
    assert page.evaluate("window.__marker") == "same page"
    page.screenshot(path=str(tmp_path / "recommendation.png"), full_page=True)
    assert page.problems == []
