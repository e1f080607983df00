"""The compliance dashboard in Chromium: an investigator makes two recommendations that are already
overdue; the compliance officer filters the dashboard to their body, ticks both and records a chaser."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.test_sign_in import sign_in

pytestmark = pytest.mark.browser


def make_overdue_recommendations(page) -> tuple[str, list[str]]:
    """As the investigator, on an unrestricted decided case: two remedies agreed three months ago, due
    within one month (so overdue now). Returns the body's id and the recommendations' ids."""
    page.goto("/cases?stage=final_decision")
    page.locator("[data-testid=case-table] tbody tr").filter(has_not_text="Restricted").first.locator("a").first.click()
    panel = page.locator("[data-testid=recommendations-panel]")
    ids = []
    for remedy_type, description in (("apology", "Apologise in writing for the delay in the care assessment."),
                                      ("staff_training", "Remind social workers of the assessment timescales.")):
        panel.locator("[data-testid=make-recommendation] summary").click()
        if page.locator("#rec-body option").first.get_attribute("value") == "":
            page.locator("#rec-body").select_option(index=1)
        body_id = page.locator("#rec-body").input_value()
        page.locator("#rec-remedy_type").select_option(remedy_type)
        page.fill("#rec-description", description)
        page.fill("#rec-period", "1")
        page.locator("#rec-unit").select_option("months")
        page.locator("#rec-anchor_event").select_option("agreement")
        page.fill("#rec-anchor_on", (date.today() - timedelta(days=92)).isoformat())
        page.click("[data-testid=make-recommendation-button]")
        made = panel.locator("[data-testid^=recommendation-]").filter(has_text=description).last
        expect(made).to_be_visible()
        ids.append(made.locator("[data-testid=recommendation-link]").get_attribute("href").rsplit("/", 1)[1])
    return body_id, ids


def test_compliance_officer_filters_ticks_two_overdue_rows_and_records_a_chaser(page, tmp_path):
    sign_in(page)
    body_id, ids = make_overdue_recommendations(page)
    page.click("[data-testid=sign-out]")

    sign_in(page, "compliance")
    page.click("nav[aria-label='Primary navigation'] >> text=Compliance")
    expect(page.locator("[data-testid=list-heading]")).to_contain_text("Overdue")
    page.evaluate("window.__marker = 'same page'")  # filtering swaps the results, never reloads

    page.locator("#filter-body").select_option(body_id)
    expect(page).to_have_url(f"/compliance?body={body_id}")
    assert page.evaluate("window.__marker") == "same page"
    rows = page.locator("[data-testid=recommendation-table] tbody tr")
    for rid in ids:
        expect(page.locator(f"tr[data-recommendation='{rid}']")).to_contain_text("Overdue")
    count = rows.count()
    assert count >= 2 and all(r.get_attribute("data-status") == "overdue" for r in rows.all())

    for rid in ids:
        page.locator(f"[data-testid=tick-{rid}]").check()
    page.fill("#note", "Phoned the link officer: letter promised by Friday")
    page.click("[data-testid=record-chaser]")

    expect(page.locator(".moj-alert")).to_contain_text("Chaser recorded on 2 recommendations")
    expect(page).to_have_url(f"/compliance?body={body_id}")  # back on the same filtered list
    today = date.today().strftime("%-d %b %Y")
    for rid in ids:
        expect(page.locator(f"tr[data-recommendation='{rid}']")).to_contain_text(f"Chased {today}")
    page.screenshot(path=str(tmp_path / "compliance-dashboard.png"), full_page=True)

    # The body's name leads to its page: figures with their formulas, and these recommendations.
    page.locator(f"tr[data-recommendation='{ids[0]}'] td:nth-child(3) a").click()
    expect(page.locator("[data-testid=figures]")).to_contain_text("All years")
    expect(page.locator("[data-testid=formulas]")).to_contain_text("Compliance rate")
    for rid in ids:
        expect(page.locator(f"tr[data-recommendation='{rid}']")).to_contain_text("Overdue")
    page.screenshot(path=str(tmp_path / "body.png"), full_page=True)
    assert page.problems == []
