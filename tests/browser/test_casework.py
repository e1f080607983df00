"""The investigator's main path in Chromium: a complaint from intake to final decision, then in the lists."""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.test_sign_in import sign_in

pytestmark = pytest.mark.browser


def move(page, target_label, reason, **fields):
    form = page.locator("[data-testid=transition-form]")
    form.locator("#target").select_option(label=target_label)
    form.locator("#reason").fill(reason)
    for selector, value in fields.items():
        if selector == "outcome":
            form.locator("#outcome").select_option(label=value)
        else:
            form.locator(f"#{selector}").fill(value)
    page.click("[data-testid=move-stage]")


def test_complaint_from_intake_to_final_decision(page, tmp_path):
    sign_in(page)
    page.goto("/cases/new")
    page.fill("#complainant_title", "Mrs")
    page.fill("#complainant_family_name", "Okonjo")
    page.fill("#complainant_postcode", "SO23 8UG")
    page.fill("#body_query", "Hants CC")
    page.click("[data-testid=body-suggestion] >> nth=0")
    expect(page.locator("[data-testid=chosen-body]")).to_contain_text("Hampshire County Council")
    page.locator("#subcategory").select_option(label="Adult care services: Charging")
    page.fill("#summary", "The Council did not consider disability-related expenditure when charging for care.")
    page.fill("#outcome_wanted", "A reassessment and a refund of the overcharge.")
    page.fill("#first_aware_on", (date.today() - timedelta(days=100)).isoformat())
    page.settle()  # the similar-complaints panel follows the typing; saving leaves the page
    page.click("[data-testid=save-complaint]")
    expect(page.locator("[data-testid=created-banner]")).to_contain_text("Complaint saved as")
    reference = re.search(r"\d\d \d\d\d \d\d\d", page.inner_text("h1")).group(0)
    expect(page.locator("[data-testid=linked-cases]")).not_to_contain_text("Looking for")

    page.evaluate("window.__marker = 'same page'")  # edits below swap the case body, never reload
    move(page, "Assessment", "Within jurisdiction; assess.")
    expect(page.locator("[data-testid=case-stage]")).to_contain_text("Assessment")
    move(page, "Investigation", "Fault may have caused injustice.")
    expect(page.locator("[data-testid=case-stage]")).to_contain_text("Investigation")

    body = page.locator("[data-testid^=finding-]").first
    body.locator("summary").first.click()
    body.locator("input[name=fault][value=yes]").check()
    body.locator("input[name=injustice][value=yes]").check()
    body.locator("textarea[name=description]").fill("Disability-related expenditure was not considered.")
    body.locator("button[data-testid^=save-finding]").click()
    expect(page.locator("[data-testid^=finding-]").first).to_contain_text("Fault causing injustice")

    move(page, "Draft decision issued", "Draft sent to both parties.", comments_due_on=(date.today() + timedelta(days=21)).isoformat())
    expect(page.locator("[data-testid=case-stage]")).to_contain_text("Draft decision issued")
    move(page, "Comments on draft", "Comments received.")
    expect(page.locator("[data-testid=case-stage]")).to_contain_text("Comments on draft")
    move(page, "Final decision", "Decision made.", outcome="Upheld: fault causing injustice")
    expect(page.locator("[data-testid=case-stage]")).to_contain_text("Upheld: fault causing injustice")
    expect(page.locator("[data-testid=timeline]")).to_contain_text("Comments on draft → Final decision")
    assert page.evaluate("window.__marker") == "same page"
    expect(page.locator("[data-testid=similar-cases]")).not_to_contain_text("Looking for")
    page.settle()
    page.screenshot(path=str(tmp_path / "case.png"), full_page=True)

    page.goto("/cases?stage=final_decision&q=" + reference.replace(" ", "+"))
    expect(page.locator("#case-results")).to_contain_text(reference)
    assert page.problems == []
