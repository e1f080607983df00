"""Similar cases to a systemic issue in Chromium: from a case page's similar-cases panel, an
investigator bundles the case and a suggestion into a new systemic issue, and finds both on the
issue's page."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_sign_in import sign_in

pytestmark = pytest.mark.browser


def test_link_a_case_and_a_similar_case_into_a_new_systemic_issue(page):
    sign_in(page)
    page.goto("/cases?stage=final_decision")
    row = page.locator("[data-testid=case-table] tbody tr").filter(has_not_text="Restricted").first
    row.locator("a").first.click()
    reference = re.search(r"\d\d \d\d\d \d\d\d", page.inner_text("h1")).group(0)

    # The panel arrives after the page, from its own request.
    suggestion = page.locator("[data-testid=similar-list] > li").first
    expect(suggestion).to_be_visible()
    expect(suggestion.locator("[data-testid=similar-reasons] li").first).to_be_visible()
    other = suggestion.locator("[data-testid=similar-link]").inner_text()
    assert other != reference
    page.evaluate("window.__marker = 'same page'")  # linking swaps the panel, never reloads

    suggestion.locator("[data-testid=link] summary").click()
    suggestion.locator("[data-testid=link-issue]").select_option("new")
    suggestion.locator("[data-testid=link-title]").fill("Charges assessed without disability-related expenditure")
    suggestion.locator("[data-testid=link-button]").click()
    banner = page.locator("[data-testid=linked-banner]")
    expect(banner).to_contain_text(f"{reference} and {other} are linked to")
    assert page.evaluate("window.__marker") == "same page"
    expect(page.locator("[data-testid=case-issues]")).to_contain_text("Charges assessed without disability-related expenditure")

    page.locator("[data-testid=linked-issue]").click()
    expect(page.locator("[data-testid=issue-title]")).to_have_text("Charges assessed without disability-related expenditure")
    cases = page.locator("[data-testid=issue-cases]")
    expect(cases).to_contain_text(reference)
    expect(cases).to_contain_text(other)
    expect(page.locator("[data-testid=count-cases]")).to_have_text("2")

    # Each case keeps its own record, and its timeline says where it went.
    cases.get_by_role("link", name=other).click()
    expect(page.locator("[data-testid=timeline]")).to_contain_text("Linked to systemic issue")
    assert page.problems == []


def test_intake_shows_similar_cases_as_the_complaint_is_typed(page):
    sign_in(page)
    page.goto("/cases/new")
    expect(page.locator("[data-testid=intake-similar]")).to_have_count(0)
    page.locator("#subcategory").select_option(label="Adult care services: Charging")
    page.fill("#summary", "The council ignored disability related expenditure when it worked out my care charges.")
    similar = page.locator("[data-testid=intake-similar]")
    expect(similar).to_contain_text("Similar cases already with us")
    expect(similar.locator("[data-testid=intake-similar-case]").first).to_contain_text("Similar account of the fault")
    assert similar.locator("[data-testid=intake-similar-case]").count() <= 5
    assert page.problems == []
