"""Who may read and change what (issue #7, Attacks): every route of the app, for every kind of
user, on a restricted case's records, through the session and through an API token.

Each route is called as ``test_route_table`` calls it, but its path values point at a restricted
case (its documents, recommendation, evidence file, chase letter) or at a report another person
generated. The table says what each principal gets:

    ok     the route answers: 2xx, a redirect that is not to the login page, or 400 for an empty form
           (the Reports area's form and preview answer 400 "There is no case ..." for a case the
           user may not see, as for one that does not exist: ok here, and no secret in it)
    403    the role may not use the route at all
    404    the record is not theirs to see (need-to-know, someone else's document): "it does not exist"
    login  not signed in: a page redirects to /login, the API answers 401
    -      not called here (signing in and out would replace the session; see test_login)

Principals: ``inv`` is the restricted case's investigator and ``mgr`` their manager, who with
``admin`` have need-to-know; ``other`` is another investigator, ``mgr2`` another team's manager;
``rep`` generated the report job the table downloads.

Whatever the status, no response to someone without need-to-know may contain the restricted case's
secrets (the complainant's name, its summary, its note, enquiry, document, recommendation and
evidence, in Word documents too), and their requests change nothing on it.
"""

from __future__ import annotations

import io
import zipfile
from contextlib import contextmanager
from datetime import date, datetime, timezone
from typing import Iterator

import pytest

from tests.conftest import DEMO_PASSWORD, WebClient
from tests.workbench.test_route_table import CALLS, _call, app_routes

MATRIX = """
                                                                                                anon   inv    other  comp   rep    mgr    mgr2   admin
GET    /                                                                                        login  ok     ok     ok     ok     ok     ok     ok
GET    /cases                                                                                   login  ok     ok     ok     ok     ok     ok     ok
GET    /cases/{reference:str}                                                                   login  ok     404    404    404    ok     404    ok
GET    /cases/new                                                                               login  ok     ok     403    403    ok     ok     ok
POST   /cases/new                                                                               login  ok     ok     403    403    ok     ok     ok
GET    /cases/new/bodies                                                                        login  ok     ok     403    403    ok     ok     ok
GET    /cases/new/body-chip                                                                     login  ok     ok     403    403    ok     ok     ok
GET    /cases/{reference:str}/linked                                                            login  ok     404    404    404    ok     404    ok
POST   /cases/{reference:str}/transitions                                                       login  ok     404    403    403    ok     404    ok
POST   /cases/{reference:str}/details                                                           login  ok     404    403    403    ok     404    ok
POST   /cases/{reference:str}/assign                                                            login  ok     404    403    403    ok     404    ok
POST   /cases/{reference:str}/notes                                                             login  ok     404    403    403    ok     404    ok
POST   /cases/{reference:str}/enquiries                                                         login  ok     404    403    403    ok     404    ok
POST   /cases/{reference:str}/enquiries/{enquiry_id:int}/response                               login  ok     404    403    403    ok     404    ok
POST   /cases/{reference:str}/enquiries/{enquiry_id:int}/extension                              login  ok     404    403    403    ok     404    ok
POST   /cases/{reference:str}/findings/{body_id:int}                                            login  ok     404    403    403    ok     404    ok
POST   /api/cases                                                                               login  ok     ok     403    403    ok     ok     ok
POST   /api/cases/{reference:str}/transitions                                                   login  ok     404    403    403    ok     404    ok
GET    /api/cases/{reference:str}/findings                                                      login  ok     404    404    404    ok     404    ok
PUT    /api/cases/{reference:str}/findings/{body_id:int}                                        login  ok     404    403    403    ok     404    ok
PATCH  /api/cases/{reference:str}                                                               login  ok     404    403    403    ok     404    ok
GET    /cases/{reference:str}/documents                                                         login  ok     404    404    404    ok     404    ok
POST   /cases/{reference:str}/documents                                                         login  ok     404    403    403    ok     404    ok
GET    /cases/{reference:str}/documents/{document_id:int}                                       login  ok     404    404    404    ok     404    ok
GET    /compliance                                                                              login  403    403    ok     403    ok     ok     ok
GET    /reports                                                                                 login  403    403    403    ok     ok     ok     ok
GET    /audit                                                                                   login  403    403    403    403    ok     ok     ok
GET    /api/me                                                                                  login  ok     ok     ok     ok     ok     ok     ok
POST   /api/tokens                                                                              login  ok     ok     ok     ok     ok     ok     ok
GET    /api/cases                                                                               login  ok     ok     ok     ok     ok     ok     ok
GET    /api/cases/{reference:str}                                                               login  ok     404    404    404    ok     404    ok
POST   /api/cases/import                                                                        login  403    403    403    403    ok     ok     ok
GET    /api/bodies                                                                              login  ok     ok     ok     ok     ok     ok     ok
GET    /schema                                                                                  login  ok     ok     ok     ok     ok     ok     ok
GET    /schema/openapi.json                                                                     login  ok     ok     ok     ok     ok     ok     ok
GET    /schema/{path:str}                                                                       login  ok     ok     ok     ok     ok     ok     ok
POST   /logout                                                                                  -      -      -      -      -      -      -      -
GET    /login                                                                                   ok     ok     ok     ok     ok     ok     ok     ok
POST   /login                                                                                   -      -      -      -      -      -      -      -
POST   /cases/{reference:str}/recommendations                                                   login  ok     404    403    403    ok     404    ok
GET    /recommendations/{recommendation_id:int}                                                 login  ok     404    404    404    ok     404    ok
POST   /recommendations/{recommendation_id:int}/extension                                       login  403    403    404    403    ok     404    ok
POST   /recommendations/{recommendation_id:int}/evidence                                        login  403    403    404    403    ok     404    ok
POST   /recommendations/{recommendation_id:int}/evidence/{evidence_id:int}/verdict              login  403    403    404    403    ok     404    ok
POST   /recommendations/{recommendation_id:int}/cease                                           login  403    403    404    403    ok     404    ok
POST   /recommendations/{recommendation_id:int}/not-complied                                    login  403    403    403    403    ok     404    ok
POST   /recommendations/{recommendation_id:int}/escalation                                      login  403    403    404    403    ok     404    ok
GET    /recommendations/{recommendation_id:int}/evidence/{evidence_id:int}/files/{file_id:int}  login  ok     404    404    404    ok     404    ok
GET    /recommendations/{recommendation_id:int}/letters/{firing_id:int}                         login  ok     404    404    403    ok     404    ok
GET    /admin/holidays                                                                          login  403    403    403    403    403    403    ok
POST   /admin/holidays                                                                          login  403    403    403    403    403    403    ok
POST   /admin/holidays/remove                                                                   login  403    403    403    403    403    403    ok
GET    /compliance/export.csv                                                                   login  403    403    ok     403    ok     ok     ok
POST   /compliance/chasers                                                                      login  403    403    ok     403    ok     ok     ok
POST   /compliance/extensions                                                                   login  403    403    ok     403    ok     ok     ok
POST   /compliance/assignments                                                                  login  403    403    ok     403    ok     ok     ok
GET    /bodies/{body_id:int}                                                                    login  ok     ok     ok     ok     ok     ok     ok
GET    /bodies/{body_id:int}/export.csv                                                         login  ok     ok     ok     ok     ok     ok     ok
POST   /bodies/{body_id:int}/contacts                                                           login  403    403    ok     403    ok     ok     ok
POST   /bodies/{body_id:int}/contacts/{contact_id:int}/deactivate                               login  403    403    ok     403    ok     ok     ok
GET    /compliance/statistics                                                                   login  403    403    ok     ok     ok     ok     ok
GET    /api/stats/compliance                                                                    login  403    403    ok     ok     ok     ok     ok
GET    /api/recommendations                                                                     login  ok     ok     ok     ok     ok     ok     ok
GET    /api/cases/{reference:str}/similar                                                       login  ok     404    404    404    ok     404    ok
GET    /cases/{reference:str}/similar                                                           login  ok     404    404    404    ok     404    ok
POST   /cases/{reference:str}/similar/dismiss                                                   login  ok     404    403    403    ok     404    ok
POST   /cases/{reference:str}/similar/link                                                      login  ok     404    403    403    ok     404    ok
GET    /cases/new/similar                                                                       login  ok     ok     403    403    ok     ok     ok
GET    /systemic                                                                                login  ok     ok     ok     ok     ok     ok     ok
GET    /systemic/new                                                                            login  403    403    403    403    ok     ok     ok
POST   /systemic/new                                                                            login  403    403    403    403    ok     ok     ok
GET    /systemic/{issue_id:int}                                                                 login  ok     ok     ok     ok     ok     ok     ok
POST   /systemic/{issue_id:int}/status                                                          login  403    403    403    403    ok     ok     ok
POST   /systemic/{issue_id:int}/owner                                                           login  403    403    403    403    ok     ok     ok
POST   /systemic/{issue_id:int}/cases                                                           login  ok     ok     403    403    ok     ok     ok
POST   /systemic/{issue_id:int}/cases/remove                                                    login  ok     ok     403    403    ok     ok     ok
POST   /systemic/{issue_id:int}/cohorts                                                         login  ok     ok     ok     403    ok     ok     ok
POST   /systemic/{issue_id:int}/cohorts/{cohort_id:int}/updates                                 login  ok     ok     ok     403    ok     ok     ok
POST   /systemic/{issue_id:int}/cohorts/{cohort_id:int}/recommendation                          login  ok     ok     ok     403    ok     ok     ok
GET    /systemic/candidates                                                                     login  403    403    403    403    ok     ok     ok
POST   /systemic/candidates/{group_id:int}/promote                                              login  403    403    403    403    ok     ok     ok
POST   /systemic/candidates/{group_id:int}/dismiss                                              login  403    403    403    403    ok     ok     ok
POST   /systemic/scans                                                                          login  403    403    403    403    ok     ok     ok
GET    /systemic/scans/{scan_id:int}                                                            login  403    403    403    403    ok     ok     ok
GET    /api/cases/{reference:str}/statement.docx                                                login  ok     404    404    404    ok     404    ok
GET    /reports/bodies                                                                          login  ok     ok     403    ok     ok     ok     ok
GET    /reports/{kind:str}                                                                      login  ok     ok     403    ok     ok     ok     ok
GET    /reports/{kind:str}/preview                                                              login  ok     ok     403    ok     ok     ok     ok
POST   /reports/{kind:str}/generate                                                             login  ok     ok     403    ok     ok     ok     ok
GET    /reports/jobs/{job_id:str}                                                               login  404    404    403    ok     404    404    404
GET    /reports/jobs/{job_id:str}/download                                                      login  404    404    403    ok     404    404    404
GET    /healthz                                                                                 ok     ok     ok     ok     ok     ok     ok     ok
GET    /static/{file_path:path}                                                                 ok     ok     ok     ok     ok     ok     ok     ok
"""

PRINCIPALS = {"anon": None, "inv": "investigator", "other": "ibrooks", "comp": "compliance", "rep": "reports",
              "mgr": "manager", "mgr2": "manager2", "admin": "admin"}
NEED_TO_KNOW = {"inv", "mgr", "admin"}
JOB_OWNER = "rep"

# Words found only in the restricted case's records (and the report job's), never shown to anyone else.
CASE_SECRETS = ("Quillfeather", "marmalade-otter", "note-body-5522", "enquiry-words-8855", "secret-minutes-4411",
                "document-body-4411", "recommendation-words-6633", "evidence-words-7744", "evidence-file-7744",
                "evidence-body-7744")
JOB_SECRETS = ("job-body-9966",)

# Searches and lists where the restricted case would turn up if need-to-know were forgotten:
# checked for leaks only (each role gets what the table says of the route). A search names part of
# a secret, never all of it, so the search box repeating the words typed is not taken for a leak.
PROBES = (
    "/cases?q=Quillfeath", "/cases?q=marmalade-ott", "/cases?q={case}", "/api/cases?q=Quillfeath",
    "/api/cases?q={case}", "/cases/{open_case}/similar", "/api/cases/{open_case}/similar", "/cases/{open_case}",
    "/cases/new/similar?summary=Residential+care+fees+charged+twice+marmalade", "/systemic/{issue}",
    "/compliance", "/compliance/export.csv", "/api/recommendations", "/bodies/{body}", "/bodies/{body}/export.csv",
    "/audit", "/systemic/candidates", "/compliance/statistics", "/api/stats/compliance?by=body,year",
    "/reports/test-case-note/preview?case={case}", "/",
)


def _parse(matrix: str) -> dict[tuple[str, str], dict[str, str]]:
    lines = [line.split() for line in matrix.strip().splitlines()]
    names, rows = lines[0], lines[1:]
    assert names == list(PRINCIPALS)
    table = {}
    for method, path, *outcomes in rows:
        assert len(outcomes) == len(names), f"{method} {path}: {len(outcomes)} outcomes"
        assert set(outcomes) <= {"ok", "403", "404", "login", "-"}, f"{method} {path}: {outcomes}"
        table[(method, path)] = dict(zip(names, outcomes))
    return table


EXPECTED = _parse(MATRIX)


def _is_login(response) -> bool:
    return response.status_code == 401 or (
        response.status_code in (302, 303) and response.headers.get("location", "").startswith("/login"))


def _meets(outcome: str, response) -> bool:
    status = response.status_code
    if outcome == "login":
        return _is_login(response)
    if outcome == "ok":
        return status < 500 and status not in (401, 403, 404, 405) and not _is_login(response)
    return status == int(outcome)


def readable_text(body: bytes) -> str:
    """A response as text; a Word document (a zip) by the text of every part in it."""
    if body[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(body)) as package:
                return "\n".join(package.read(name).decode("utf-8", "replace") for name in package.namelist())
        except zipfile.BadZipFile:
            pass
    return body.decode("utf-8", "replace")


def _secrets_for(principal: str) -> tuple[str, ...]:
    return (() if principal in NEED_TO_KNOW else CASE_SECRETS) + (() if principal == JOB_OWNER else JOB_SECRETS)


def _leaks(principal: str, response) -> list[str]:
    text = readable_text(response.content)
    return [secret for secret in _secrets_for(principal) if secret.lower() in text.lower()]


# ---------------------------------------------------------------------------------------------
# The world: a restricted case of the investigator's with everything on it, and an open case.


async def _build_world(uploads, jobs) -> dict:
    from investigations.casework import add_enquiry, add_note
    from investigations.documents import add_document
    from investigations.queries import get_case
    from investigations.access import Viewer
    from investigations.tables import Case, Person
    from remedies.chasing import chase
    from remedies.recommendations import add_evidence
    from remedies.tables import EvidenceFile
    from systemic.issues import create_issue, open_cohort
    from systemic.tables import CandidateGroup, ScanRun
    from tests.remedies import factories
    from tests.workbench.test_reports_area import CaseNote
    from workbench.roles import Role
    from workbench.tables import User

    investigator = await User.objects().where(User.username == "investigator").first()
    secret = await factories.decided_case(restricted=True, investigator="investigator")
    await Case.update({Case.summary: "Residential care fees charged twice; marmalade-otter ledger ignored."}).where(
        Case.id == secret["id"])
    complainant = (await Case.select(Case.complainant).where(Case.id == secret["id"]).first())["complainant"]
    await Person.update({Person.family_name: "Quillfeather"}).where(Person.id == complainant)
    open_case = await factories.decided_case(investigator="ibrooks")
    await Case.update({Case.summary: "Residential care fees charged twice; the ledger was ignored."}).where(
        Case.id == open_case["id"])

    full = await get_case(Viewer(investigator.id, Role.INVESTIGATOR), secret["reference"])
    await add_note(full, "note-body-5522", investigator)
    await add_enquiry(full, secret["body_id"], "enquiry-words-8855", 20, investigator)
    document = await add_document(case_id=secret["id"], case_reference=secret["reference"], user=investigator,
                                  kind="other", filename="secret-minutes-4411.txt",
                                  file=io.BytesIO(b"document-body-4411\n"), uploads_dir=uploads)
    recommendation = await factories.recommendation(secret, description="recommendation-words-6633")
    evidence = await add_evidence(recommendation, date(2026, 1, 20), "evidence-words-7744",
                                  [("evidence-file-7744.txt", io.BytesIO(b"evidence-body-7744\n"))], investigator, uploads)
    evidence_file = (await EvidenceFile.select(EvidenceFile.id).where(EvidenceFile.evidence == evidence).first())["id"]
    firing = next(f.firing_id for f in (await chase(date(2026, 2, 20))).fired if f.recommendation_id == recommendation)

    issue = await create_issue("Double charging for residential care", "", investigator, cases=[full])
    cohort = await open_cohort(issue, secret["body_id"], investigator)
    now = datetime.now(timezone.utc)
    scan = ScanRun(started_at=now, finished_at=now, status="finished", period_start=date(2025, 1, 1),
                   period_end=date(2026, 1, 31), detail="Matrix")
    await scan.save()
    candidate = CandidateGroup(kind="repeat_at_body", signature="matrix", case_ids=[secret["id"], open_case["id"]],
                               body_ids=[secret["body_id"]], title="Charging at one council", reasons=["Planted"],
                               score=80, found_at=now, scan=scan.id)
    await candidate.save()

    owner = await User.objects().where(User.username == PRINCIPALS[JOB_OWNER]).first()
    job = jobs.create(owner.id, CaseNote(), {"case": open_case["reference"]})
    job.status, job.filename = "done", "Case note.docx"
    jobs.store_document(job, b"job-body-9966")
    jobs.save(job)

    def dashed(reference: str) -> str:
        return reference.replace(" ", "-")

    return {"case": dashed(secret["reference"]), "decided_case": dashed(secret["reference"]), "case_id": secret["id"],
            "open_case": dashed(open_case["reference"]), "document": document, "body": secret["body_id"],
            "recommendation": recommendation, "evidence": evidence, "evidence_file": evidence_file, "firing": firing,
            "issue": issue, "cohort": cohort, "candidate": candidate.id, "scan": scan.id, "report_job": job.id}


@pytest.fixture
def world(run, db, tmp_path, monkeypatch):
    from workbench import reports
    from workbench.report_jobs import JobStore
    from workbench.routes import reports as report_routes
    from workbench.settings import get_settings

    monkeypatch.setattr(reports, "_KINDS", (*reports._KINDS, ("tests.workbench.test_reports_area", "CaseNote")))
    jobs = JobStore(tmp_path / "generated")
    monkeypatch.setattr(report_routes, "job_store", lambda: jobs)
    return run(_build_world(get_settings().uploads_dir, jobs))


async def _state_of_the_restricted_case(case_id: int) -> dict:
    """The case row and how many rows hang off it (and off its recommendations) in every table."""
    from piccolo.columns import ForeignKey as ForeignKeyColumn
    from piccolo.conf.apps import Finder

    from investigations.tables import Case
    from remedies.tables import Recommendation

    recommendations = [r["id"] for r in await Recommendation.select(Recommendation.id).where(Recommendation.case == case_id)]
    state: dict = {"case": await Case.select().where(Case.id == case_id).first()}
    for table in Finder().get_table_classes():
        for column in table._meta.foreign_key_columns:
            assert isinstance(column, ForeignKeyColumn)
            target = column._foreign_key_meta.resolved_references
            ids = [case_id] if target is Case else recommendations if target is Recommendation else None
            if ids:
                state[f"{table._meta.tablename}.{column._meta.name}"] = await table.count().where(column.is_in(ids))
    return state


@contextmanager
def _client_for(app, principal: str, bearer: bool, run) -> Iterator[WebClient]:
    """A browser signed in as the principal, or an API client sending the principal's token."""
    from litestar.testing import TestClient

    from workbench.accounts import create_token
    from workbench.tables import User

    with TestClient(app, base_url="http://testserver.local") as http:
        client, username = WebClient(http), PRINCIPALS[principal]
        if username and bearer:
            user = run(User.objects().where(User.username == username).first())
            http.headers["Authorization"] = f"Bearer {run(create_token(user)).token}"
        elif username:
            client.sign_in(username, DEMO_PASSWORD)
        yield client


def _check_routes(client, principal: str, world: dict, routes) -> list[str]:
    problems = []
    for (method, path) in routes:
        outcome = EXPECTED[(method, path)][principal]
        if outcome == "-":
            continue
        response = _call(client, method, path, world)
        if not _meets(outcome, response):
            problems.append(f"{principal} {method} {CALLS.get((method, path), path)}: expected {outcome}, "
                            f"got {response.status_code} {response.headers.get('location', '')}")
        if leaked := _leaks(principal, response):
            problems.append(f"{principal} {method} {path}: {response.status_code} shows {leaked}")
    return problems


# ---------------------------------------------------------------------------------------------
# The tests


def test_every_route_is_in_the_matrix(app):
    """A new route fails here until someone writes down who may use it on whose records."""
    assert set(app_routes(app)) == set(EXPECTED)


@pytest.mark.parametrize("principal", list(PRINCIPALS))
def test_each_principal_gets_what_the_matrix_says_through_the_session(app, world, run, principal):
    from workbench.audit import verify_chain
    from workbench.tables import AuditEvent

    before = run(_state_of_the_restricted_case(world["case_id"]))
    audit_before = run(AuditEvent.select().order_by(AuditEvent.sequence))
    with _client_for(app, principal, bearer=False, run=run) as client:
        problems = _check_routes(client, principal, world, EXPECTED)
        for probe in PROBES:
            response = client.get(probe.format(**world), follow_redirects=False)
            if response.status_code >= 500:
                problems.append(f"{principal} GET {probe}: {response.status_code}")
            if leaked := _leaks(principal, response):
                problems.append(f"{principal} GET {probe}: {response.status_code} shows {leaked}")
        if principal in NEED_TO_KNOW:  # the secrets are there to be found: the leak check can fail
            page = client.get(f"/cases/{world['case']}")
            assert all(secret.lower() in page.text.lower() for secret in ("Quillfeather", "marmalade-otter"))
            found = client.get("/cases?q=Quillfeath").text
            assert world["case"].replace("-", " ") in found
    assert not problems, "\n" + "\n".join(problems)
    # every route called, and the audit log only grew: what was there is untouched and still chained
    assert run(AuditEvent.select().order_by(AuditEvent.sequence).limit(len(audit_before))) == audit_before
    assert run(verify_chain()).intact
    if principal not in NEED_TO_KNOW:
        assert run(_state_of_the_restricted_case(world["case_id"])) == before


@pytest.mark.parametrize("principal", [p for p in PRINCIPALS if p != "anon"])
def test_each_principal_gets_what_the_matrix_says_with_an_api_token(app, world, run, principal):
    api_routes = [key for key in EXPECTED if key[1].startswith(("/api/", "/schema"))]
    with _client_for(app, principal, bearer=True, run=run) as client:
        problems = _check_routes(client, principal, world, api_routes)
    assert not problems, "\n" + "\n".join(problems)


def test_a_restricted_case_looks_exactly_like_a_case_that_does_not_exist(app, world, run):
    """To someone without need-to-know, every case route answers the same for the restricted case as
    for a reference nobody has used: nothing to tell the two apart."""
    with _client_for(app, "other", bearer=False, run=run) as client:
        for (method, path), outcomes in EXPECTED.items():
            if "{reference:str}" not in path or outcomes["other"] != "404":
                continue
            restricted = _call(client, method, path, world)
            missing = _call(client, method, path, {**world, "case": "25-999-999", "decided_case": "25-999-999"})
            assert (restricted.status_code, method, path) == (missing.status_code, method, path)


def test_real_writes_on_a_restricted_case_by_those_without_need_to_know_change_nothing(app, world, run):
    """The matrix sends empty forms; here each write is one the app would carry out for someone with
    need-to-know, aimed at the restricted case from a route, a bulk action or another record."""
    from systemic.issues import create_issue
    from systemic.tables import SystemicIssueCase
    from workbench.tables import User

    admin = run(User.objects().where(User.username == "admin").first())
    fresh_issue = run(create_issue("Charging errors", "", admin))
    secret_reference = world["case"].replace("-", " ")
    rec = world["recommendation"]
    attempts = {
        "other": [
            ("POST", f"/cases/{world['case']}/notes", {"note": "outsider note"}),
            ("POST", f"/cases/{world['case']}/assign", {"investigator": "", "version": "1"}),
            ("POST", f"/cases/{world['case']}/transitions", {"target": "closed", "closure_reason": "x", "version": "1"}),
            ("POST", f"/systemic/{fresh_issue}/cases", {"case": secret_reference, "note": "linked by an outsider"}),
            ("POST", f"/cases/{world['open_case']}/similar/link", {"other": secret_reference, "issue": "new",
                                                                   "title": "Outsider issue"}),
            ("POST", f"/cases/{world['open_case']}/similar/dismiss", {"other": secret_reference}),
            ("PATCH", f"/api/cases/{world['case']}", {"summary": "rewritten", "version": 1}),
            ("POST", f"/api/cases/{world['case']}/transitions", {"target": "closed", "reason": "x", "version": 1}),
        ],
        "comp": [
            ("POST", f"/recommendations/{rec}/extension", {"new_due_on": "2026-09-01", "extension_reason": "asked"}),
            ("POST", f"/recommendations/{rec}/cease", {"ceased_reason": "no longer needed"}),
            ("POST", "/compliance/chasers", {"ids": str(rec), "note": "chased"}),
            ("POST", "/compliance/extensions", {"ids": str(rec), "working_days": "10", "reason": "asked"}),
            ("POST", "/compliance/assignments", {"ids": str(rec), "assignee": "compliance"}),
        ],
        "mgr2": [
            ("POST", f"/recommendations/{rec}/not-complied", {"not_complied_reason": "refused"}),
            ("POST", f"/cases/{world['case']}/notes", {"note": "another team's note"}),
        ],
    }
    before = run(_state_of_the_restricted_case(world["case_id"]))
    for principal, writes in attempts.items():
        with _client_for(app, principal, bearer=False, run=run) as client:
            for method, url, body in writes:
                if url.startswith("/api/"):
                    response = client.http.request(method, url, json=body, headers={"x-csrftoken": client.csrf_token()})
                else:
                    response = client.post_form(url, body, follow_redirects=False)
                assert 400 <= response.status_code < 500, f"{principal} {method} {url}: {response.status_code}"
                assert not _leaks(principal, response), f"{principal} {method} {url}"
    assert run(_state_of_the_restricted_case(world["case_id"])) == before
    assert run(SystemicIssueCase.count().where(SystemicIssueCase.issue == fresh_issue)) == 0


def test_the_audit_log_withholds_a_restricted_cases_details_from_managers_without_need_to_know(app, world, run):
    from workbench.audit_visibility import WITHHELD

    with _client_for(app, "mgr2", bearer=False, run=run) as other_team:
        page = other_team.get("/audit", params={"action": "document.uploaded"}).text
        assert WITHHELD in page and "secret-minutes-4411" not in page
    with _client_for(app, "mgr", bearer=False, run=run) as their_manager:
        page = their_manager.get("/audit", params={"action": "document.uploaded"}).text
        assert WITHHELD not in page and "secret-minutes-4411" in page


# ---------------------------------------------------------------------------------------------
# Security headers on every kind of response (pages, JSON, errors and static files are in
# test_protection): downloads, redirects, form errors, fragments, throttling.

DOWNLOADS = {
    "admin": ("/cases/{case}/documents/{document}", "/recommendations/{recommendation}/evidence/{evidence}/files/{evidence_file}",
              "/recommendations/{recommendation}/letters/{firing}", "/api/cases/{decided_case}/statement.docx?version=public",
              "/compliance/export.csv", "/bodies/{body}/export.csv"),
    "rep": ("/reports/jobs/{report_job}/download",),
}


@pytest.mark.parametrize("principal", list(DOWNLOADS))
def test_downloads_carry_the_security_headers_and_are_attachments(app, world, run, principal):
    from tests.workbench.test_protection import _assert_security_headers

    with _client_for(app, principal, bearer=False, run=run) as client:
        for url in DOWNLOADS[principal]:
            response = client.get(url.format(**world))
            assert response.status_code == 200, url
            _assert_security_headers(response)
            assert response.headers["content-disposition"].startswith("attachment"), url


def test_redirects_form_errors_fragments_and_refusals_carry_the_security_headers(app, world, run):
    from tests.workbench.test_protection import _assert_security_headers
    from workbench.login_throttle import ACCOUNT_LIMIT

    with _client_for(app, "anon", bearer=False, run=run) as client:
        _assert_security_headers(client.get("/cases", follow_redirects=False))  # 302 to the login page
        for _ in range(ACCOUNT_LIMIT):
            _assert_security_headers(client.post_form("/login", {"username": "nobody", "password": "wrong-1"}))  # 400
        throttled = client.post_form("/login", {"username": "nobody", "password": "wrong-1"})
        assert throttled.status_code == 429
        _assert_security_headers(throttled)
    with _client_for(app, "inv", bearer=False, run=run) as client:
        fragment = client.get(f"/cases/{world['open_case']}/similar", headers={"HX-Request": "true"})
        assert fragment.status_code == 200 and "govuk-template" not in fragment.text
        _assert_security_headers(fragment)
        _assert_security_headers(client.request("DELETE", "/cases", headers={"x-csrftoken": client.csrf_token()}))  # 405
