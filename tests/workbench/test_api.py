"""The JSON API over HTTP: who am I, personal tokens, the schema, body search and cases."""

from __future__ import annotations

import pytest


@pytest.fixture
def demo_cases(db, run):
    """A few deterministic demo cases in the test's own database."""
    from investigations.demo import load_demo

    result = run(load_demo(cases=30, seed=3, quiet=True))
    assert result.cases == 30
    return result


def _issue_token(client, name: str = "test token") -> str:
    response = client.post_json("/api/tokens", {"name": name})
    assert response.status_code == 201, response.text
    return response.json()["token"]


def test_me_with_a_session(client):
    client.sign_in_as("compliance_officer")
    response = client.get("/api/me")
    assert response.status_code == 200
    assert response.json() == {
        "username": "compliance",
        "full_name": "Colin Marsh",
        "role": "compliance_officer",
        "role_label": "Compliance officer",
    }


def test_issued_token_works_as_bearer_on_me_and_cases(client, anonymous, demo_cases):
    client.sign_in_as("manager")
    response = client.post_json("/api/tokens", {"name": "reporting script"})
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "reporting script"
    assert body["token"].startswith("wbk_") and len(body["token"]) > 30
    assert body["created_at"]

    headers = {"Authorization": f"Bearer {body['token']}"}
    me = anonymous.get("/api/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["username"] == "manager"
    cases = anonymous.get("/api/cases", headers=headers)
    assert cases.status_code == 200
    assert cases.json()["total"] == 30
    # the token is a credential of its own: the anonymous client never signed in
    assert anonymous.get("/api/me").status_code == 401


def test_token_is_stored_only_as_a_hash(client, run):
    from workbench.accounts import hash_token
    from workbench.tables import ApiToken

    client.sign_in_as("report_writer")
    token = _issue_token(client)
    rows = run(ApiToken.select(ApiToken.token_hash, ApiToken.name))
    assert [r["token_hash"] for r in rows] == [hash_token(token)]
    assert all(token not in str(r) for r in rows)


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_token_name_is_validated(client, run, name):
    from workbench.tables import ApiToken

    client.sign_in_as("report_writer")
    response = client.post_json("/api/tokens", {"name": name})
    assert response.status_code == 400
    assert "Token name" in response.json()["detail"]
    assert run(ApiToken.count()) == 0


def test_openapi_schema_needs_a_login(anonymous):
    response = anonymous.get("/schema/openapi.json")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/json")


def test_openapi_schema_with_a_token(client, anonymous):
    client.sign_in_as("investigator")
    token = _issue_token(client)
    response = anonymous.get("/schema/openapi.json", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Ombudsman Workbench API"
    paths = schema["paths"]
    assert "/api/cases" in paths
    assert "/api/me" in paths and "/api/bodies" in paths
    # internal routes stay out of the published schema
    assert "/healthz" not in paths
    assert not any(p.startswith("/static") for p in paths)


def test_body_search_finds_hampshire_by_abbreviation(client):
    client.sign_in_as("investigator")
    response = client.get("/api/bodies?q=Hants%20CC")
    assert response.status_code == 200
    results = response.json()
    assert results, "no bodies matched"
    assert results[0]["name"] == "Hampshire County Council"
    assert results[0]["body_type"] == "county_council"
    assert results[0]["matched"] == "Hants CC"
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True)


def test_body_search_respects_limit(client):
    client.sign_in_as("investigator")
    results = client.get("/api/bodies?q=council&limit=3").json()
    assert 1 <= len(results) <= 3


def test_body_search_with_empty_query_is_empty(client):
    client.sign_in_as("investigator")
    response = client.get("/api/bodies")
    assert response.status_code == 200
    assert response.json() == []


@pytest.mark.parametrize("limit", ["0", "51", "-1"])
def test_body_search_refuses_out_of_range_limit(client, limit):
    client.sign_in_as("investigator")
    response = client.get(f"/api/bodies?q=Hampshire&limit={limit}")
    assert response.status_code == 400
    assert "limit" in response.json()["detail"]


def test_body_search_refuses_non_numeric_limit(client):
    client.sign_in_as("investigator")
    response = client.get("/api/bodies?q=Hampshire&limit=lots")
    assert response.status_code == 400
    assert response.json()["detail"]


def test_cases_list_and_filter_by_stage(client, demo_cases):
    client.sign_in_as("manager")
    everything = client.get("/api/cases").json()
    assert everything["total"] == 30
    assert everything["limit"] == 50 and everything["offset"] == 0
    assert len(everything["items"]) == 30
    received = [item["received_on"] for item in everything["items"]]
    assert received == sorted(received, reverse=True)  # newest first

    stage = everything["items"][0]["stage"]
    filtered = client.get("/api/cases", params={"stage": stage}).json()
    assert filtered["total"] == sum(1 for item in everything["items"] if item["stage"] == stage)
    assert filtered["items"] and all(item["stage"] == stage for item in filtered["items"])


def test_cases_search_by_reference(client, demo_cases):
    client.sign_in_as("manager")
    reference = client.get("/api/cases").json()["items"][5]["reference"]
    found = client.get("/api/cases", params={"q": reference}).json()
    assert [item["reference"] for item in found["items"]] == [reference]


def test_cases_with_an_unknown_stage_is_400(client, demo_cases):
    client.sign_in_as("manager")
    response = client.get("/api/cases?stage=bogus")
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "bogus" in detail


def test_cases_negative_offset_is_400(client):
    client.sign_in_as("manager")
    response = client.get("/api/cases?offset=-1")
    assert response.status_code == 400
    assert "offset" in response.json()["detail"]


def test_case_detail_matches_the_list(client, demo_cases):
    client.sign_in_as("manager")
    summary = client.get("/api/cases").json()["items"][3]
    response = client.get(f"/api/cases/{summary['reference']}")
    assert response.status_code == 200
    detail = response.json()
    assert detail["reference"] == summary["reference"]
    assert detail["stage"] == summary["stage"]
    assert detail["received_on"] == summary["received_on"]
    assert detail["summary"]
    assert [b["name"] for b in detail["bodies"]] == summary["bodies"]


def test_unknown_case_reference_is_404_json(client, demo_cases):
    client.sign_in_as("manager")
    response = client.get("/api/cases/99-999999")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    assert "99-999999" in response.json()["detail"]


def test_restricted_cases_are_hidden_without_need_to_know(client, anonymous, run, demo_cases):
    """A restricted case with no investigator is 'not found' to a manager and an investigator, not to an administrator."""
    from investigations.tables import Case

    client.sign_in_as("administrator")
    reference = client.get("/api/cases").json()["items"][0]["reference"]
    run(Case.update({Case.restricted: True, Case.investigator: None}).where(Case.reference == reference))
    assert client.get(f"/api/cases/{reference}").status_code == 200

    for role in ("investigator", "manager"):
        anonymous.sign_in_as(role)
        assert anonymous.get(f"/api/cases/{reference}").status_code == 404, role
        listed = [item["reference"] for item in anonymous.get("/api/cases", params={"q": reference}).json()["items"]]
        assert listed == [], role


def test_api_needs_a_login(anonymous):
    for path in ("/api/me", "/api/cases", "/api/bodies?q=x"):
        response = anonymous.get(path)
        assert response.status_code == 401, path
        assert response.json()["detail"]
