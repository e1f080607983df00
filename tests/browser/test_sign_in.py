"""Sign in, see the dashboard, search cases with htmx, sign out: in Chromium."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def sign_in(page, username="investigator", password="workbench-demo"):
    page.goto("/")
    assert page.url.endswith("/login") or "/login" in page.url
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button:has-text('Sign in')")
    page.wait_for_selector("[data-testid=current-user]")


def test_sign_in_dashboard_and_sign_out(page, tmp_path):
    sign_in(page)
    assert "Isla Carter" in page.inner_text("[data-testid=current-user]")
    assert page.inner_text("h1").startswith("Welcome")
    # GOV.UK Frontend's JavaScript ran (module script allowed by the CSP)
    assert "govuk-frontend-supported" in page.get_attribute("body", "class")
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    page.click("[data-testid=sign-out]")
    page.wait_for_selector("text=You have signed out.")
    page.goto("/cases")
    assert "/login" in page.url
    assert page.problems == []


def test_wrong_password_shows_error_summary(page):
    page.goto("/login")
    page.fill("#username", "investigator")
    page.fill("#password", "not-the-password")
    page.click("button:has-text('Sign in')")
    assert "There is a problem" in page.inner_text(".govuk-error-summary")
    assert page.query_selector("[data-testid=current-user]") is None


def test_case_search_updates_in_place(page):
    sign_in(page, "manager")
    page.goto("/cases")
    first_count = page.inner_text("[data-testid=case-count]")
    page.evaluate("window.__marker = 'same page'")
    page.fill("#q", "zzzz-no-such-thing")
    expect(page.locator("[data-testid=case-count]")).to_have_text(re.compile(r"^0 cases"))
    # the list was swapped by htmx, not reloaded: the marker survived and the URL was pushed
    assert page.evaluate("window.__marker") == "same page"
    assert "q=zzzz-no-such-thing" in page.url
    assert first_count != page.inner_text("[data-testid=case-count]")
    assert page.problems == []
