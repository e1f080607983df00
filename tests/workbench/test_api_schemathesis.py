"""schemathesis against the published OpenAPI schema: every operation, no 5xx, every response as documented.

Every operation is driven in-process through the ASGI app with an administrator's bearer token
(administrators may call every operation and see restricted cases), over a database holding a few demo
cases, with schemathesis's own checks: no server error, status codes, content types, headers and bodies
as the schema documents them, schema-valid requests accepted and invalid ones refused. Bounded and
reproducible: a fixed number of examples per operation, derandomised generation.

The operations are collected from the app's schema when this module is imported (one test per
operation); the first test checks that it is exactly what /schema/openapi.json serves to a token holder.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import positive_data_acceptance

from workbench.app import create_app
from workbench.settings import load_settings

EXAMPLES_PER_OPERATION = 25

# Operations whose schema-valid requests may still be refused with a 400 that names the field, because
# what is valid depends on the data or on rules a JSON schema cannot say. schemathesis's "schema-valid
# request rejected" check is left out for these; every other check, 5xx and conformance included, runs.
REFUSALS_THE_SCHEMA_CANNOT_DESCRIBE = {
    "POST /api/tokens": "a name that is only whitespace",
    "GET /api/cases": "a category slug that exists, a search of at least two characters once trimmed, real dates in order",
    "POST /api/cases": "the intake form's rules: names, bodies that exist, dates, a subcategory",
    "GET /api/cases/{reference}/statement.docx": "a version is required, and a body on a joint case",
    "GET /api/stats/compliance": "a body or category that exists, a financial year, breakdowns its filter allows",
    "GET /api/recommendations": "a body that exists, a reference in a known spelling, a real date",
}
DEMO_ANCHOR = date(2026, 11, 30)

PUBLISHED = create_app(load_settings()).openapi_schema.to_schema()
schema = schemathesis.openapi.from_dict(PUBLISHED)


@pytest.fixture
def api_token(db, run) -> str:
    """A personal token for the demo administrator, over a small deterministic caseload."""
    from investigations.demo import load_demo
    from workbench.accounts import create_token
    from workbench.tables import User

    run(load_demo(cases=30, seed=7, anchor=DEMO_ANCHOR, quiet=True))
    admin = run(User.objects().where(User.username == "admin").first())
    return run(create_token(admin, "schemathesis")).token


@pytest.fixture
def asgi_app(db):
    """The test's app, its lifespan run by schemathesis's ASGI transport and ended with the test.

    Unlike the test client's, this app keeps one event loop for the whole test, so it may pool its
    database connections as in production (on PostgreSQL a connection per query made the run 4x slower).
    """
    yield create_app(replace(load_settings(), db_pool=True))
    asgi.shutdown_lifespans()


def test_every_excused_operation_exists():
    labels = {f"{method.upper()} {path}" for path, item in PUBLISHED["paths"].items() for method in item}
    assert set(REFUSALS_THE_SCHEMA_CANNOT_DESCRIBE) <= labels


def test_the_schema_tested_is_the_one_served(client, anonymous, api_token):
    response = anonymous.get("/schema/openapi.json", headers={"Authorization": f"Bearer {api_token}"})
    assert response.status_code == 200
    assert response.json() == PUBLISHED


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_conforms_to_its_schema(case, asgi_app, api_token):
    excluded = [positive_data_acceptance] if case.operation.label in REFUSALS_THE_SCHEMA_CANNOT_DESCRIBE else []
    case.call_and_validate(app=asgi_app, headers={"Authorization": f"Bearer {api_token}"}, excluded_checks=excluded)


@pytest.mark.parametrize("url", [
    "/api/recommendations?limit=%C2%B3",  # '³' passes str.isdigit() but not int(): was a 500
    "/api/recommendations?offset=99999999999999999999",  # past the database's integers
    "/api/cases?investigator=%C2%B2",
    "/api/stats/compliance?body=%E2%91%A0",  # '①'
    "/api/stats/compliance?year=%C2%B2%C2%B2%C2%B2%C2%B2",
])
def test_digits_int_cannot_read_are_a_400(anonymous, api_token, url):
    response = anonymous.get(url, headers={"Authorization": f"Bearer {api_token}"})
    assert response.status_code == 400, response.text
    assert response.json()["detail"]


def test_whole_number_reads_ascii_digits_only():
    from workbench.forms import whole_number

    assert [whole_number(t) for t in ("7", " 42 ", "000123456", "")] == [7, 42, 123456, None]
    assert [whole_number(t) for t in ("³", "①", "٣", "-1", "1e3", "1234567890")] == [None] * 6
