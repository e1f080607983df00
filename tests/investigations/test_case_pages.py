"""The case list, its htmx search, a case's page, and need-to-know on restricted cases."""

import pytest

from investigations.demo import load_demo
from investigations.tables import Case, CaseBody
from workbench.tables import AuditEvent, User


@pytest.fixture
def demo(run, db):
    run(load_demo(cases=120, seed=5, quiet=True))


def _url(reference: str) -> str:
    return "/cases/" + reference.replace(" ", "-")


def test_case_list_full_page_and_fragment(client, demo):
    client.sign_in_as("manager")
    page = client.get("/cases")
    assert page.status_code == 200
    assert "<html" in page.text and "120 cases" in page.text
    assert page.headers["vary"] == "HX-Request"
    fragment = client.get("/cases", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text
    assert fragment.text.lstrip().startswith('<p class="govuk-body" data-testid="case-count">')
    restore = client.get("/cases", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in restore.text


def test_search_by_reference_in_any_spelling(client, demo, run):
    client.sign_in_as("manager")
    reference = run(Case.select(Case.reference).where(Case.restricted == False).first())["reference"]  # noqa: E712
    compact = reference.replace(" ", "")
    page = client.get("/cases", params={"q": compact})
    assert "1 case matching" in page.text
    assert reference in page.text


def test_search_by_body_name(client, demo, run):
    client.sign_in("admin")
    link = run(CaseBody.select(CaseBody.body.name.as_alias("name")).first())
    page = client.get("/cases", params={"q": link["name"]}, headers={"HX-Request": "true"})
    assert "0 cases" not in page.text
    assert link["name"] in page.text


def test_stage_filter_and_bad_stage(client, demo):
    client.sign_in_as("manager")
    assert client.get("/cases", params={"stage": "investigation"}).status_code == 200
    assert client.get("/cases", params={"stage": "<script>"}).status_code == 200  # ignored, not an error
    assert client.get("/api/cases", params={"stage": "nonsense"}).status_code == 400


def test_case_page_shows_parties_and_bodies(client, demo, run):
    client.sign_in_as("manager")
    case = run(Case.select(Case.reference, Case.summary, Case.complainant.family_name.as_alias("family"))
               .where(Case.restricted == False).first())  # noqa: E712
    page = client.get(_url(case["reference"]))
    assert page.status_code == 200
    assert f"Case {case['reference']}" in page.text
    assert case["family"] in page.text.replace("&#39;", "'")


def test_unknown_case_is_404(client, demo):
    client.sign_in_as("manager")
    assert client.get("/cases/99-999-999").status_code == 404
    assert client.get("/cases/not-a-reference").status_code == 404


@pytest.fixture
def restricted_case(run, demo):
    """A restricted case assigned to 'investigator' (managed by 'manager')."""
    investigator = run(User.select(User.id).where(User.username == "investigator").first())["id"]
    case = run(Case.select(Case.id, Case.reference).first())
    run(Case.update({Case.restricted: True, Case.investigator: investigator}).where(Case.id == case["id"]))
    return case["reference"]


@pytest.mark.parametrize(
    "username, may_see",
    [("investigator", True), ("manager", True), ("admin", True),
     ("ibrooks", False), ("manager2", False), ("compliance", False), ("reports", False)],
)
def test_restricted_case_need_to_know(client, restricted_case, run, username, may_see):
    client.sign_in(username)
    page = client.get(_url(restricted_case))
    api = client.get("/api/cases/" + restricted_case.replace(" ", "-"))
    listed = f'href="{_url(restricted_case)}"' in client.get("/cases", params={"q": restricted_case}).text
    if may_see:
        assert page.status_code == 200 and api.status_code == 200 and listed
        views = run(AuditEvent.count().where((AuditEvent.action == "case.viewed") & (AuditEvent.record_id == restricted_case)))
        assert views == 2  # the page and the API call, each audited
    else:
        assert page.status_code == 404 and api.status_code == 404 and not listed
        assert "Page not found" in page.text
