"""Every route, every role: allowed or denied, as this table says.

A new route fails ``test_every_route_is_in_the_table`` until someone decides who may use it.
"""

import pytest

from workbench.roles import Role

I, C, R, M, A = (Role.INVESTIGATOR, Role.COMPLIANCE_OFFICER, Role.REPORT_WRITER, Role.MANAGER, Role.ADMINISTRATOR)
STAFF = {I, C, R, M, A}
PUBLIC = "public"

# (method, path) -> roles allowed, or PUBLIC (no sign-in needed)
ROUTES = {
    ("GET", "/"): STAFF,
    ("GET", "/cases"): STAFF,
    ("GET", "/cases/{reference:str}"): STAFF,
    ("GET", "/cases/new"): {I, M, A},
    ("POST", "/cases/new"): {I, M, A},
    ("GET", "/cases/new/bodies"): {I, M, A},
    ("GET", "/cases/new/body-chip"): {I, M, A},
    ("GET", "/cases/{reference:str}/linked"): STAFF,
    ("POST", "/cases/{reference:str}/transitions"): {I, M, A},
    ("POST", "/cases/{reference:str}/details"): {I, M, A},
    ("POST", "/cases/{reference:str}/assign"): {I, M, A},
    ("POST", "/cases/{reference:str}/notes"): {I, M, A},
    ("POST", "/cases/{reference:str}/enquiries"): {I, M, A},
    ("POST", "/cases/{reference:str}/enquiries/{enquiry_id:int}/response"): {I, M, A},
    ("POST", "/cases/{reference:str}/enquiries/{enquiry_id:int}/extension"): {I, M, A},
    ("POST", "/cases/{reference:str}/findings/{body_id:int}"): {I, M, A},
    ("POST", "/api/cases"): {I, M, A},
    ("POST", "/api/cases/{reference:str}/transitions"): {I, M, A},
    ("GET", "/api/cases/{reference:str}/findings"): STAFF,
    ("PUT", "/api/cases/{reference:str}/findings/{body_id:int}"): {I, M, A},
    ("PATCH", "/api/cases/{reference:str}"): {I, M, A},
    ("GET", "/cases/{reference:str}/documents"): STAFF,
    ("POST", "/cases/{reference:str}/documents"): {I, M, A},
    ("GET", "/cases/{reference:str}/documents/{document_id:int}"): STAFF,
    ("GET", "/compliance"): {C, M, A},
    ("GET", "/reports"): {R, M, A},
    ("GET", "/audit"): {M, A},
    ("GET", "/api/me"): STAFF,
    ("POST", "/api/tokens"): STAFF,
    ("GET", "/api/cases"): STAFF,
    ("GET", "/api/cases/{reference:str}"): STAFF,
    ("POST", "/api/cases/import"): {M, A},
    ("GET", "/api/bodies"): STAFF,
    ("GET", "/schema"): STAFF,
    ("GET", "/schema/openapi.json"): STAFF,
    ("GET", "/schema/{path:str}"): STAFF,
    ("POST", "/logout"): STAFF,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    # remedies: case page
    ("POST", "/cases/{reference:str}/recommendations"): {I, M, A},
    ("GET", "/recommendations/{recommendation_id:int}"): STAFF,
    ("POST", "/recommendations/{recommendation_id:int}/extension"): {C, M, A},
    ("POST", "/recommendations/{recommendation_id:int}/evidence"): {C, M, A},
    ("POST", "/recommendations/{recommendation_id:int}/evidence/{evidence_id:int}/verdict"): {C, M, A},
    ("POST", "/recommendations/{recommendation_id:int}/cease"): {C, M, A},
    ("POST", "/recommendations/{recommendation_id:int}/not-complied"): {M, A},
    ("POST", "/recommendations/{recommendation_id:int}/escalation"): {C, M, A},
    ("GET", "/recommendations/{recommendation_id:int}/evidence/{evidence_id:int}/files/{file_id:int}"): STAFF,
    # remedies: chasing
    ("GET", "/recommendations/{recommendation_id:int}/letters/{firing_id:int}"): {I, C, M, A},
    # remedies: holidays
    ("GET", "/admin/holidays"): {A},
    ("POST", "/admin/holidays"): {A},
    ("POST", "/admin/holidays/remove"): {A},
    # remedies: compliance screens
    ("GET", "/compliance/export.csv"): {C, M, A},
    ("POST", "/compliance/chasers"): {C, M, A},
    ("POST", "/compliance/extensions"): {C, M, A},
    ("POST", "/compliance/assignments"): {C, M, A},
    ("GET", "/bodies/{body_id:int}"): STAFF,
    ("GET", "/bodies/{body_id:int}/export.csv"): STAFF,
    ("POST", "/bodies/{body_id:int}/contacts"): {C, M, A},
    ("POST", "/bodies/{body_id:int}/contacts/{contact_id:int}/deactivate"): {C, M, A},
    # remedies: statistics pages and API
    ("GET", "/compliance/statistics"): {C, R, M, A},
    ("GET", "/api/stats/compliance"): {C, R, M, A},
    ("GET", "/api/recommendations"): STAFF,
    # systemic
    ("GET", "/api/cases/{reference:str}/similar"): STAFF,
    ("GET", "/cases/{reference:str}/similar"): STAFF,
    ("POST", "/cases/{reference:str}/similar/dismiss"): {I, M, A},
    ("POST", "/cases/{reference:str}/similar/link"): {I, M, A},
    ("GET", "/cases/new/similar"): {I, M, A},
    ("GET", "/systemic"): STAFF,
    ("GET", "/systemic/new"): {M, A},
    ("POST", "/systemic/new"): {M, A},
    ("GET", "/systemic/{issue_id:int}"): STAFF,
    ("POST", "/systemic/{issue_id:int}/status"): {M, A},
    ("POST", "/systemic/{issue_id:int}/owner"): {M, A},
    ("POST", "/systemic/{issue_id:int}/cases"): {I, M, A},
    ("POST", "/systemic/{issue_id:int}/cases/remove"): {I, M, A},
    ("POST", "/systemic/{issue_id:int}/cohorts"): {I, C, M, A},
    ("POST", "/systemic/{issue_id:int}/cohorts/{cohort_id:int}/updates"): {I, C, M, A},
    ("POST", "/systemic/{issue_id:int}/cohorts/{cohort_id:int}/recommendation"): {I, C, M, A},
    # systemic: scan
    ("GET", "/systemic/candidates"): {M, A},
    ("POST", "/systemic/candidates/{group_id:int}/promote"): {M, A},
    ("POST", "/systemic/candidates/{group_id:int}/dismiss"): {M, A},
    ("POST", "/systemic/scans"): {M, A},
    ("GET", "/systemic/scans/{scan_id:int}"): {M, A},
    # documents
    ("GET", "/api/cases/{reference:str}/statement.docx"): STAFF,
    ("GET", "/reports/bodies"): {I, R, M, A},
    ("GET", "/reports/{kind:str}"): {I, R, M, A},  # an investigator only for a document about one case
    ("GET", "/reports/{kind:str}/preview"): {I, R, M, A},
    ("POST", "/reports/{kind:str}/generate"): {I, R, M, A},
    ("GET", "/reports/jobs/{job_id:str}"): {I, R, M, A},  # only the user who asked sees a job
    ("GET", "/reports/jobs/{job_id:str}/download"): {I, R, M, A},
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/static/{file_path:path}"): PUBLIC,
}

# How to call each route for real (path parameters filled, a valid body where one is needed).
CALLS = {
    ("PATCH", "/api/cases/{reference:str}"): "/api/cases/{case}",
    ("POST", "/api/cases/{reference:str}/transitions"): "/api/cases/{case}/transitions",
    ("GET", "/api/cases/{reference:str}/findings"): "/api/cases/{case}/findings",
    ("PUT", "/api/cases/{reference:str}/findings/{body_id:int}"): "/api/cases/{case}/findings/1",
    ("GET", "/cases/new/body-chip"): "/cases/new/body-chip?body_id=1",
    ("GET", "/cases/{reference:str}/linked"): "/cases/{case}/linked",
    ("POST", "/cases/{reference:str}/transitions"): "/cases/{case}/transitions",
    ("POST", "/cases/{reference:str}/details"): "/cases/{case}/details",
    ("POST", "/cases/{reference:str}/assign"): "/cases/{case}/assign",
    ("POST", "/cases/{reference:str}/notes"): "/cases/{case}/notes",
    ("POST", "/cases/{reference:str}/enquiries"): "/cases/{case}/enquiries",
    ("POST", "/cases/{reference:str}/enquiries/{enquiry_id:int}/response"): "/cases/{case}/enquiries/1/response",
    ("POST", "/cases/{reference:str}/enquiries/{enquiry_id:int}/extension"): "/cases/{case}/enquiries/1/extension",
    ("POST", "/cases/{reference:str}/findings/{body_id:int}"): "/cases/{case}/findings/1",
    ("GET", "/cases/{reference:str}"): "/cases/{case}",
    ("GET", "/cases/{reference:str}/documents"): "/cases/{case}/documents",
    ("POST", "/cases/{reference:str}/documents"): "/cases/{case}/documents",
    ("GET", "/cases/{reference:str}/documents/{document_id:int}"): "/cases/{case}/documents/{document}",
    ("GET", "/api/cases/{reference:str}"): "/api/cases/{case}",
    ("GET", "/api/cases/{reference:str}/similar"): "/api/cases/{case}/similar",
    ("GET", "/api/stats/compliance"): "/api/stats/compliance?by=body,year",
    ("GET", "/api/recommendations"): "/api/recommendations?status=open,due_soon,overdue",
    ("GET", "/schema/{path:str}"): "/schema/openapi.json",
    ("GET", "/static/{file_path:path}"): "/static/css/app.css",
}
JSON_BODIES = {
    ("POST", "/api/tokens"): {"name": "route table"},
    ("POST", "/api/cases"): {"summary": ""},
    ("POST", "/api/cases/{reference:str}/transitions"): {"target": "assessment", "reason": "x", "version": 0},
    ("PUT", "/api/cases/{reference:str}/findings/{body_id:int}"): {"fault": False, "injustice": False},
}
# What an allowed role gets when the call is not merely "not refused": an empty upload is a 400.
ALLOWED_STATUS = {("POST", "/cases/{reference:str}/documents"): 400}

# remedies: chasing
CALLS[("GET", "/recommendations/{recommendation_id:int}/letters/{firing_id:int}")] = \
    "/recommendations/{recommendation}/letters/{firing}"

# remedies: compliance screens (an empty bulk action or contact form is refused with its reason)
CALLS.update({
    ("GET", "/bodies/{body_id:int}"): "/bodies/{body}",
    ("GET", "/bodies/{body_id:int}/export.csv"): "/bodies/{body}/export.csv",
    ("POST", "/bodies/{body_id:int}/contacts"): "/bodies/{body}/contacts",
    ("POST", "/bodies/{body_id:int}/contacts/{contact_id:int}/deactivate"): "/bodies/{body}/contacts/1/deactivate",
})
ALLOWED_STATUS.update({key: 400 for key in (
    ("POST", "/compliance/chasers"), ("POST", "/compliance/extensions"), ("POST", "/compliance/assignments"),
    ("POST", "/bodies/{body_id:int}/contacts"), ("POST", "/bodies/{body_id:int}/contacts/{contact_id:int}/deactivate"),
)})
ALLOWED_STATUS[("GET", "/compliance/export.csv")] = 200

# remedies: holidays (no path values to fill; an empty form is refused with its reason)
ALLOWED_STATUS[("POST", "/admin/holidays")] = 400
ALLOWED_STATUS[("POST", "/admin/holidays/remove")] = 400

# remedies: case page (an empty form is refused with its reason: nothing changes between roles)
_RECOMMENDATION = "/recommendations/{recommendation_id:int}"
CALLS.update({
    ("POST", "/cases/{reference:str}/recommendations"): "/cases/{decided_case}/recommendations",
    ("GET", _RECOMMENDATION): "/recommendations/{recommendation}",
    ("GET", _RECOMMENDATION + "/evidence/{evidence_id:int}/files/{file_id:int}"):
        "/recommendations/{recommendation}/evidence/{evidence}/files/{evidence_file}",
    ("POST", _RECOMMENDATION + "/evidence/{evidence_id:int}/verdict"): "/recommendations/{recommendation}/evidence/{evidence}/verdict",
    **{("POST", f"{_RECOMMENDATION}/{action}"): f"/recommendations/{{recommendation}}/{action}"
       for action in ("extension", "evidence", "cease", "not-complied", "escalation")},
})
ALLOWED_STATUS.update({key: 400 for key in CALLS if key[0] == "POST" and "recommendation" in key[1]})

JSON_BODIES[("POST", "/api/cases/import")] = {
    "reference": "RT-1", "bodies": [{"name": "Kent County Council", "type": "county council"}],
    "category": "Education", "decided": "2024-03-01", "outcome": "not upheld",
}


# systemic (an empty form is refused with its reason)
CALLS.update({
    ("GET", "/cases/{reference:str}/similar"): "/cases/{case}/similar",
    ("POST", "/cases/{reference:str}/similar/dismiss"): "/cases/{case}/similar/dismiss",
    ("POST", "/cases/{reference:str}/similar/link"): "/cases/{case}/similar/link",
    ("GET", "/cases/new/similar"): "/cases/new/similar?summary=care+charges+ignored+disability+expenditure",
    ("GET", "/systemic/{issue_id:int}"): "/systemic/{issue}",
    **{("POST", f"/systemic/{{issue_id:int}}/{action}"): f"/systemic/{{issue}}/{action}"
       for action in ("status", "owner", "cases", "cases/remove", "cohorts")},
    **{("POST", f"/systemic/{{issue_id:int}}/cohorts/{{cohort_id:int}}/{action}"): f"/systemic/{{issue}}/cohorts/{{cohort}}/{action}"
       for action in ("updates", "recommendation")},
})
ALLOWED_STATUS.update({key: 400 for key in ROUTES if key[0] == "POST" and (
    key[1].startswith("/systemic") or key[1].startswith("/cases/{reference:str}/similar"))})

# systemic: scan (a candidate group and a finished scan from path_values; an empty promote or dismiss is
# refused with its reason, an empty "Scan now" scans the last 12 months and goes to the scan's page)
CALLS.update({
    ("POST", "/systemic/candidates/{group_id:int}/promote"): "/systemic/candidates/{candidate}/promote",
    ("POST", "/systemic/candidates/{group_id:int}/dismiss"): "/systemic/candidates/{candidate}/dismiss",
    ("GET", "/systemic/scans/{scan_id:int}"): "/systemic/scans/{scan}",
})
ALLOWED_STATUS[("POST", "/systemic/scans")] = 303


# documents (the decided case has a finding and a recommendation: a real statement comes back)
CALLS[("GET", "/api/cases/{reference:str}/statement.docx")] = "/api/cases/{decided_case}/statement.docx?version=public"
ALLOWED_STATUS[("GET", "/api/cases/{reference:str}/statement.docx")] = 200


# documents (a test document kind about one case, so investigators are allowed too; each role's own finished job)
CALLS.update({
    ("GET", "/reports/bodies"): "/reports/bodies?body_query=kent",
    ("GET", "/reports/{kind:str}"): "/reports/test-case-note?case={case}",
    ("GET", "/reports/{kind:str}/preview"): "/reports/test-case-note/preview?case={case}",
    ("POST", "/reports/{kind:str}/generate"): "/reports/test-case-note/generate",
    ("GET", "/reports/jobs/{job_id:str}"): "/reports/jobs/{report_job}",
    ("GET", "/reports/jobs/{job_id:str}/download"): "/reports/jobs/{report_job}/download",
})
ALLOWED_STATUS[("POST", "/reports/{kind:str}/generate")] = 400  # an empty form: "Enter the case reference"
ALLOWED_STATUS[("GET", "/reports/{kind:str}/preview")] = 200


def app_routes(app):
    for route in app.routes:
        for method in getattr(route, "methods", ()):
            if method not in ("HEAD", "OPTIONS"):
                yield method, route.path


def test_every_route_is_in_the_table(app):
    assert set(app_routes(app)) == set(ROUTES)


def test_every_protected_handler_names_the_roles_in_the_table(app):
    """Roles live on the handler, so the guard and this table can't drift apart silently."""
    for route in app.routes:
        if route.path.startswith(("/schema", "/static")):
            continue  # framework routes: sign-in required (schema) or public (static), no role list
        for handler in getattr(route, "route_handlers", ()):
            for method in handler.http_methods - {"OPTIONS", "HEAD"}:
                expected = ROUTES[(method, route.path)]
                if expected == PUBLIC:
                    assert not handler.opt.get("roles"), f"{method} {route.path} is public but names roles"
                else:
                    assert set(handler.opt.get("roles", ())) == expected, f"{method} {route.path}"


@pytest.fixture
def path_values(run, db, tmp_path, monkeypatch, request):
    """Values for the path parameters in CALLS: an unrestricted case, and a document on it."""
    import io

    from investigations import document_routes
    from investigations.demo import load_demo
    from investigations.documents import add_document
    from investigations.tables import Case
    from workbench.tables import User

    run(load_demo(cases=5, seed=11, quiet=True))
    row = run(Case.select(Case.id, Case.reference).where(Case.restricted == False).first())  # noqa: E712
    monkeypatch.setattr(document_routes, "uploads_dir", lambda: tmp_path / "uploads")
    uploader = run(User.objects().where(User.username == "investigator").first())
    document = run(add_document(
        case_id=row["id"], case_reference=row["reference"], user=uploader, kind="other",
        filename="route-table.txt", file=io.BytesIO(b"route table\n"), uploads_dir=tmp_path / "uploads",
    ))
    # Remedies: a decided case with a recommendation, and evidence with a file on it.
    from datetime import date

    from remedies.recommendations import add_evidence
    from remedies.tables import EvidenceFile
    from tests.remedies import factories

    decided = run(factories.decided_case())
    recommendation = run(factories.recommendation(decided))
    evidence = run(add_evidence(recommendation, date(2026, 1, 20), "Apology letter",
                                [("apology.txt", io.BytesIO(b"Sorry\n"))], uploader, tmp_path / "uploads"))
    evidence_file = run(EvidenceFile.select(EvidenceFile.id).where(EvidenceFile.evidence == evidence).first())["id"]
    # remedies: chasing. The chase scan after the recommendation's due date (5 February 2026) fires its letters.
    from remedies.chasing import chase

    firing = next(f.firing_id for f in run(chase(date(2026, 2, 20))).fired if f.recommendation_id == recommendation)
    # systemic: an issue bundling the decided case, with a cohort at its body
    from systemic.issues import create_issue, open_cohort

    issue = run(create_issue("Route table issue", "", uploader, cases=[decided]))
    cohort = run(open_cohort(issue, decided["body_id"], uploader))
    # systemic: scan. A finished scan that proposed a group of the decided case and the demo case.
    from datetime import datetime, timezone

    from systemic.tables import CandidateGroup, ScanRun

    scan = ScanRun(started_at=datetime.now(timezone.utc), finished_at=datetime.now(timezone.utc), status="finished",
                   period_start=date(2025, 1, 1), period_end=date(2026, 1, 31), detail="Route table")
    run(scan.save())
    candidate = CandidateGroup(kind="repeat_at_body", signature="route-table", case_ids=[decided["id"], row["id"]],
                               body_ids=[decided["body_id"]], title="Route table group", reasons=["Planted"], score=80,
                               found_at=datetime.now(timezone.utc), scan=scan.id)
    run(candidate.save())
    # documents: a finished job belonging to the role the test signs in as (anyone else's job is 404)
    from tests.conftest import USERS_BY_ROLE
    from tests.workbench.test_reports_area import CaseNote
    from workbench import reports
    from workbench.report_jobs import JobStore
    from workbench.routes import reports as report_routes

    monkeypatch.setattr(reports, "_KINDS", (*reports._KINDS, ("tests.workbench.test_reports_area", "CaseNote")))
    store = JobStore(tmp_path / "generated")
    monkeypatch.setattr(report_routes, "job_store", lambda: store)
    role = request.node.callspec.params.get("role") if hasattr(request.node, "callspec") else None
    owner = run(User.objects().where(User.username == USERS_BY_ROLE[role.value if role else "administrator"]).first())
    job = store.create(owner.id, CaseNote(), {"case": row["reference"]})
    job.status, job.filename = "done", "Route table.docx"
    store.store_document(job, b"PK route table")
    store.save(job)
    return {"case": row["reference"].replace(" ", "-"), "document": document, "report_job": job.id,
            "decided_case": decided["reference"].replace(" ", "-"), "body": decided["body_id"],
            "recommendation": recommendation, "evidence": evidence, "evidence_file": evidence_file, "firing": firing,
            "issue": issue, "cohort": cohort, "candidate": candidate.id, "scan": scan.id}


def _call(client, method, path, path_values):
    url = CALLS.get((method, path), path).format(**path_values)
    if method == "GET":
        return client.get(url, follow_redirects=False)
    if method in ("PUT", "PATCH"):
        return client.http.request(method, url, json=JSON_BODIES.get((method, path), {}), headers={"x-csrftoken": client.csrf_token()},
                               follow_redirects=False)
    if (method, path) in JSON_BODIES:
        return client.post_json(url, JSON_BODIES[(method, path)], follow_redirects=False)
    return client.post_form(url, {}, follow_redirects=False)


@pytest.mark.parametrize("role", list(Role))
def test_each_role_is_allowed_or_denied_as_the_table_says(client, role, path_values):
    client.sign_in_as(role.value)
    for (method, path), allowed in ROUTES.items():
        if (method, path) in {("POST", "/logout"), ("POST", "/login")}:
            continue  # would end or replace this session; covered in test_login
        response = _call(client, method, path, path_values)
        if allowed == PUBLIC or role in allowed:
            assert response.status_code not in (401, 403, 404), f"{role} {method} {path}: {response.status_code}"
            if (method, path) in ALLOWED_STATUS:
                assert response.status_code == ALLOWED_STATUS[(method, path)], f"{role} {method} {path}"
        else:
            assert response.status_code == 403, f"{role} {method} {path}: {response.status_code}"


def test_without_signing_in_only_public_routes_answer(anonymous, path_values):
    for (method, path), allowed in ROUTES.items():
        if method == "POST":
            continue  # CSRF-protected; anonymous POSTs are covered in test_protection
        response = _call(anonymous, method, path, path_values)
        if allowed == PUBLIC:
            assert response.status_code == 200, f"{method} {path}: {response.status_code}"
        elif path.startswith(("/api", "/schema")):
            assert response.status_code == 401, f"{method} {path}: {response.status_code}"
        else:
            assert response.status_code == 302 and response.headers["location"].startswith("/login")
