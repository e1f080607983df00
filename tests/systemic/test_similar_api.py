"""GET /api/cases/{reference}/similar over HTTP: shape, order, reasons, limits, need-to-know, freshness."""

from datetime import date

import pytest

from investigations.tables import Case, Finding
from tests.remedies import factories as f


def _case(run, summary, body="Hampshire County Council", restricted=False, investigator="investigator"):
    case = run(f.decided_case(body=body, restricted=restricted, investigator=investigator))
    run(Case.update({Case.summary: summary}).where(Case.id == case["id"]))
    return case["reference"]


DRE = [
    "Mrs X complained the Council did not take account of her disability related expenditure when it assessed her care charges.",
    "The Council failed to consider Mr Y's disability-related expenditure in the financial assessment for his home care.",
    "Ms Z says her care contribution was wrong because disability related expenditure was ignored.",
]
OTHER = [
    "Mr B complained that carers missed home care visits and arrived late.",
    "The Council delayed an EHC plan annual review for C.",
    "Planning permission was granted without notifying the neighbours.",
]


@pytest.fixture
def cases(run, db):
    refs = [_case(run, text, body=body) for text, body in zip(
        DRE, ["Hampshire County Council", "Kent County Council", "Solihull Metropolitan Borough Council"])]
    refs += [_case(run, text) for text in OTHER]
    return refs


def test_similar_cases_best_first_with_reasons(client, cases):
    client.sign_in_as("investigator")
    response = client.get(f"/api/cases/{cases[0].replace(' ', '-')}/similar?limit=3")
    assert response.status_code == 200, response.text
    found = response.json()
    assert set(r["reference"] for r in found[:2]) == set(cases[1:3])
    assert all(0 <= r["score"] <= 100 for r in found) and found[0]["score"] >= found[-1]["score"]
    assert any("disability related expenditure" in reason for reason in found[0]["reasons"])
    assert cases[0] not in [r["reference"] for r in found]


def test_limits_and_unknown_cases_are_4xx(client, cases):
    client.sign_in_as("compliance_officer")
    url = f"/api/cases/{cases[0].replace(' ', '-')}/similar"
    assert client.get(url + "?limit=0").status_code == 400
    assert client.get(url + "?limit=51").status_code == 400
    assert client.get(url + "?limit=many").status_code == 400
    assert client.get("/api/cases/99-999-999/similar").status_code == 404
    assert len(client.get(url + "?limit=1").json()) == 1


def test_a_restricted_case_is_never_suggested_to_someone_without_need_to_know(client, run, cases):
    secret = _case(run, DRE[0], restricted=True, investigator="manager2")
    client.sign_in_as("compliance_officer")
    found = client.get(f"/api/cases/{cases[1].replace(' ', '-')}/similar?limit=10").json()
    assert secret not in [r["reference"] for r in found]
    client.sign_in_as("administrator")
    found = client.get(f"/api/cases/{cases[1].replace(' ', '-')}/similar?limit=10").json()
    assert secret in [r["reference"] for r in found]


def test_a_case_saved_after_the_index_was_built_is_found(client, run, cases):
    client.sign_in_as("investigator")
    url = f"/api/cases/{cases[3].replace(' ', '-')}/similar?limit=2"
    client.get(url)  # builds the index
    import systemic.matching as matching

    matching._last_refresh = 0.0  # as if a second had passed
    newer = _case(run, "Carers missed many home care visits and often arrived late for Mrs D.")
    found = client.get(url).json()
    assert found[0]["reference"] == newer


def test_the_index_is_built_in_the_background_at_start_up(db, cases, monkeypatch):
    import time

    from litestar.testing import TestClient

    import systemic.matching as matching
    from workbench.app import create_app
    from workbench.settings import load_settings

    monkeypatch.setenv("WORKBENCH_WARM_SIMILARITY_INDEX", "on")
    with TestClient(create_app(load_settings()), base_url="http://testserver.local") as client:
        deadline = time.monotonic() + 20
        while matching._matcher is None and time.monotonic() < deadline:
            client.get("/healthz")  # lets the app's event loop run the warm-up
            time.sleep(0.05)
        assert matching._matcher is not None
        assert {p.reference for p in matching._matcher.profiles.values()} >= set(cases)


def test_the_index_is_tokenised_in_a_worker_thread_so_requests_are_answered_during_warm_up(run, cases, monkeypatch):
    """After a restart the index is built in the background: 20,000 cases are seconds of CPU, off the event loop."""
    import threading

    from systemic import matching, profiles
    from tests.threads import record_thread

    threads: dict[str, int] = {}
    record_thread(monkeypatch, profiles, "build_profiles", threads, "build")

    async def warmed():
        threads["loop"] = threading.get_ident()
        await matching.warm_up()
        return await matching.current_matcher()

    matching.forget_matcher()
    assert len(run(warmed()).profiles) == len(DRE) + len(OTHER)
    assert threads["build"] != threads["loop"]
    matching.forget_matcher()
