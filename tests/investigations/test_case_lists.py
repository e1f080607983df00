"""The working lists over HTTP on both engines: queues, filters, search, sorting, pagination, date
errors, need-to-know in every queue and in the API, and the htmx fragment."""

import re

import pytest

from investigations import worklists
from investigations.access import Viewer, may_view_case
from investigations.demo import load_demo
from investigations.lifecycle import OPEN_STAGES
from investigations.tables import Body, Case, CaseBody, Category, Person
from workbench.db import contains_text
from workbench.roles import Role
from workbench.tables import User
from workbench.workdays import default_calendar

ROW = re.compile(r'data-reference="([^"]+)" data-status="([^"]+)"')


def _rows(page) -> list[tuple[str, str]]:
    return ROW.findall(page.text)


def _refs(page) -> list[str]:
    return [reference for reference, _ in _rows(page)]


def _working_days_ago(n: int):
    return default_calendar().subtract_working_days(worklists.london_today(), n).result


@pytest.fixture
def arranged(run, db):
    """120 demo cases, plus four unallocated assessment cases with known ages and two restricted ones."""
    run(load_demo(cases=120, seed=5, quiet=True))
    staff = {u["username"]: u["id"] for u in run(User.select(User.id, User.username))}
    # Everything the demo left unallocated goes to jpatel, so the Unallocated queue holds only ours.
    run(Case.update({Case.investigator: staff["jpatel"]}).where(
        Case.investigator.is_null() & Case.stage.is_in(["assessment", "investigation"])))
    run(Case.update({Case.restricted: False}).where(Case.restricted == True))  # noqa: E712
    ids = [r["id"] for r in run(Case.select(Case.id).order_by(Case.id).limit(6))]
    plan = {
        "urgent": dict(received_on=_working_days_ago(10), stage_entered_on=_working_days_ago(8), urgent=True),
        "late_forward": dict(received_on=_working_days_ago(12), stage_entered_on=_working_days_ago(5)),
        "oldest": dict(received_on=_working_days_ago(40), stage_entered_on=_working_days_ago(39)),
        "newer": dict(received_on=_working_days_ago(6), stage_entered_on=_working_days_ago(6)),
        "restricted_mine": dict(received_on=_working_days_ago(3), stage_entered_on=_working_days_ago(2),
                                restricted=True, investigator=staff["investigator"]),
        "restricted_unallocated": dict(received_on=_working_days_ago(50), stage_entered_on=_working_days_ago(45),
                                       restricted=True, urgent=True),
    }
    references = {}
    for case_id, (name, values) in zip(ids, plan.items()):
        values = {"stage": "assessment", "investigator": None, "urgent": False, "restricted": False,
                  "decided_on": None, "outcome": "", **values}
        run(Case.update({getattr(Case, k): v for k, v in values.items()}).where(Case.id == case_id))
        references[name] = run(Case.select(Case.reference).where(Case.id == case_id).first())["reference"]
    return {"refs": references, "staff": staff, "ids": dict(zip(plan, ids))}


def _visible(run, username: str) -> list[dict]:
    """Every case the user may see, by the need-to-know rule itself (not the query under test)."""
    user = run(User.select(User.id, User.role).where(User.username == username).first())
    viewer = Viewer(user["id"], Role(user["role"]))
    rows = run(Case.select(Case.all_columns(), Case.investigator.manager.as_alias("manager")))
    return [r for r in rows if may_view_case(viewer, r["restricted"], r["investigator"], r["manager"])]


# ---------------------------------------------------------------------------------------------
# Queues


def test_all_cases_queue_counts_what_each_user_may_see(client, arranged, run):
    for username in ("admin", "manager", "ibrooks"):
        client.cookies.clear()
        client.sign_in(username)
        expected = len(_visible(run, username))
        assert f">{expected} cases<" in client.get("/cases").text
        assert client.get("/api/cases").json()["total"] == expected
    assert len(_visible(run, "admin")) == 120 and len(_visible(run, "ibrooks")) == 118


def test_unallocated_queue_in_allocation_order_with_age_tags(client, arranged):
    refs = arranged["refs"]
    client.sign_in("manager")
    page = client.get("/cases", params={"queue": "unallocated"})
    assert page.status_code == 200
    assert _rows(page) == [
        (refs["urgent"], "on_track"),
        (refs["late_forward"], "priority"),  # forwarded from intake at 7 working days
        (refs["oldest"], "over_target"),  # 39 working days in assessment
        (refs["newer"], "on_track"),
    ]
    assert ">4 cases<" in page.text
    urgent_row = page.text.split(f'data-reference="{refs["urgent"]}"')[1].split("</tr>")[0]
    assert "govuk-tag--pink\">Urgent" in urgent_row and "8 of 20 working days (12 left)" in urgent_row
    oldest_row = page.text.split(f'data-reference="{refs["oldest"]}"')[1].split("</tr>")[0]
    assert "govuk-tag--red\">Over target" in oldest_row and "39 of 20 working days (19 over)" in oldest_row
    assert 'aria-current="page">Unallocated' in page.text
    # An administrator also sees the restricted unallocated case, urgent and oldest, so first.
    client.cookies.clear()
    client.sign_in("admin")
    assert _refs(client.get("/cases", params={"queue": "unallocated"}))[:2] == [refs["restricted_unallocated"], refs["urgent"]]


def test_unallocated_queue_holds_only_assessment_and_investigation_without_an_investigator(client, arranged, run):
    client.sign_in("admin")
    run(Case.update({Case.investigator: None}).where(Case.stage.is_in(["intake", "closed"])))
    items = client.get("/api/cases", params={"queue": "unallocated", "limit": 200}).json()["items"]
    assert len(items) == 5  # our four and the restricted one
    assert all(i["stage"] == "assessment" and i["investigator"] is None for i in items)


def test_my_cases_are_my_open_cases_unless_a_stage_is_chosen(client, arranged, run):
    client.sign_in("investigator")
    me = arranged["staff"]["investigator"]
    mine = [r for r in _visible(run, "investigator") if r["investigator"] == me]
    open_mine = {r["reference"] for r in mine if r["stage"] in {s.value for s in OPEN_STAGES}}
    assert open_mine and arranged["refs"]["restricted_mine"] in open_mine
    page = client.get("/cases", params={"queue": "mine"})
    assert set(_refs(page)) == open_mine
    assert set(_refs(client.get("/cases", params={"mine": "true"}))) == open_mine  # the dashboard's links
    closed = {r["reference"] for r in mine if r["stage"] == "closed"}
    assert set(_refs(client.get("/cases", params={"queue": "mine", "stage": "closed"}))) == closed
    api = client.get("/api/cases", params={"queue": "mine", "limit": 200}).json()
    assert {i["reference"] for i in api["items"]} == open_mine and api["total"] == len(open_mine)


# ---------------------------------------------------------------------------------------------
# Filters and search


def _api(client, **params):
    response = client.get("/api/cases", params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    return response.json()


def test_stage_category_and_investigator_filters(client, arranged, run):
    client.sign_in("admin")
    everything = _api(client)["items"]
    stage = _api(client, stage="investigation")
    assert stage["total"] == sum(1 for i in everything if i["stage"] == "investigation") > 0
    assert all(i["stage"] == "investigation" for i in stage["items"])
    category = run(Category.select(Category.slug, Category.name).where(
        Category.id == run(Case.select(Case.category).first())["category"]).first())
    by_category = _api(client, category=category["slug"])
    assert by_category["total"] == sum(1 for i in everything if i["category"] == category["name"]) > 0
    assert all(i["category"] == category["name"] for i in by_category["items"])
    isla = arranged["staff"]["investigator"]
    by_investigator = _api(client, investigator=isla)
    assert by_investigator["total"] == sum(1 for i in everything if i["investigator"] == "Isla Carter") > 0
    assert all(i["investigator"] == "Isla Carter" for i in by_investigator["items"])
    page = client.get("/cases", params={"category": category["slug"], "stage": "investigation", "investigator": isla})
    assert page.status_code == 200
    expected = [i["reference"] for i in everything
                if i["category"] == category["name"] and i["stage"] == "investigation" and i["investigator"] == "Isla Carter"]
    assert sorted(_refs(page)) == sorted(expected)
    assert 'value="investigation" selected' in page.text and f'value="{category["slug"]}" selected' in page.text


def test_body_filter_matches_part_of_a_name(client, arranged, run):
    client.sign_in("admin")
    link = run(CaseBody.select(CaseBody.body.name.as_alias("name")).first())
    fragment = link["name"].split()[0]
    result = _api(client, body=fragment)
    assert result["total"] > 0
    assert all(any(fragment.lower() in b.lower() for b in i["bodies"]) for i in result["items"])
    linked = {r["case"] for r in run(CaseBody.select(CaseBody.case).where(
        CaseBody.body.is_in(Body.select(Body.id).where(contains_text(Body.name, fragment)))))}
    assert result["total"] == len(linked)
    assert _api(client, body="No Such Body Anywhere")["total"] == 0
    assert ">0 cases<" in client.get("/cases", params={"body": "No Such Body Anywhere"}).text


def test_received_date_range(client, arranged):
    client.sign_in("admin")
    everything = _api(client)["items"]
    dates = sorted(i["received_on"] for i in everything)
    start, end = dates[30], dates[80]
    result = _api(client, received_from=start, received_to=end)
    assert result["total"] == sum(1 for d in dates if start <= d <= end)
    assert all(start <= i["received_on"] <= end for i in result["items"])
    y, m, d = end.split("-")
    uk = client.get("/cases", params={"received_to": f"{int(d)}/{int(m)}/{y}"})
    assert uk.status_code == 200 and f">{sum(1 for x in dates if x <= end)} cases<" in uk.text


def test_search_by_complainant_summary_body_and_reference(client, arranged, run):
    client.sign_in("admin")
    case = run(Case.select(Case.id, Case.reference, Case.complainant).where(Case.id == arranged["ids"]["newer"]).first())
    # The demo has repeat complainants: this person's other cases go to someone else, so the name is this case's alone.
    someone_else = run(Person.select(Person.id).where(Person.id != case["complainant"]).first())["id"]
    run(Case.update({Case.complainant: someone_else}).where(
        (Case.complainant == case["complainant"]) & (Case.id != case["id"])))
    run(Person.update({Person.family_name: "Quibblethwaite", Person.given_name: "Ottoline"}).where(
        Person.id == case["complainant"]))
    run(Case.update({Case.summary: "The council lost the zygomorphic paperwork twice."}).where(Case.id == case["id"]))
    reference = case["reference"]

    def found(q):
        return [i["reference"] for i in _api(client, q=q)["items"]]

    assert found("Quibblethwaite") == [reference]
    assert found("quibble") == [reference]  # a name's beginning, any case
    assert found("Ottoline Quib") == [reference]
    assert found("zygomorphic") == [reference]  # a word of the summary (the word index follows updates)
    assert found("zygomorph paperwork") == [reference]
    for spelling in (reference, reference.replace(" ", ""), reference.replace(" ", "-")):
        assert found(spelling) == [reference]
    prefix = reference.replace(" ", "")[:5]
    assert reference in found(prefix) and all(r.replace(" ", "").startswith(prefix) for r in found(prefix))
    body = run(CaseBody.select(CaseBody.case, CaseBody.body.name.as_alias("name")).where(
        CaseBody.case == case["id"]).first())["name"]
    by_body = found(body)
    assert reference in by_body
    page = client.get("/cases", params={"q": "Quibblethwaite"}, headers={"HX-Request": "true"})
    assert _refs(page) == [reference] and "1 case matching “Quibblethwaite”" in page.text
    short = client.get("/cases", params={"q": "Q"})
    assert short.status_code == 200 and ">120 cases (type 2 or more characters to search)<" in short.text


def test_wildcards_in_a_search_are_plain_characters(client, arranged):
    client.sign_in("admin")
    assert _api(client, q="%%")["total"] == 0
    assert _api(client, q="__")["total"] == 0
    assert _api(client, body="%")["total"] == 0


# ---------------------------------------------------------------------------------------------
# Sorting and pages


@pytest.mark.parametrize("sort", sorted(worklists.SORTS))
def test_every_sort_matches_the_rules_in_python(client, arranged, run, sort):
    client.sign_in("admin")
    keys = [worklists.SortKey(r["id"], r["reference"], r["received_on"], r["stage"], r["stage_entered_on"], r["urgent"])
            for r in _visible(run, "admin")]
    by_id = {r["id"]: r["reference"] for r in run(Case.select(Case.id, Case.reference))}
    expected = [by_id[k.id] for k in worklists.sort_cases(keys, sort, worklists.london_today())]
    got = [i["reference"] for i in _api(client, sort=sort)["items"]]
    assert got == expected[:200]
    page = client.get("/cases", params={"sort": sort})
    assert _refs(page) == expected[:50]


def test_sort_headings_link_both_ways_and_bad_sorts_fall_back(client, arranged):
    client.sign_in("admin")
    page = client.get("/cases", params={"sort": "-age", "stage": "assessment"})
    assert 'aria-sort="descending"' in page.text
    assert 'href="/cases?stage=assessment&amp;sort=age"' in page.text
    assert 'href="/cases?stage=assessment&amp;sort=reference"' in page.text
    fallback = client.get("/cases", params={"sort": "summary; drop table"})
    assert fallback.status_code == 200 and _refs(fallback) == _refs(client.get("/cases"))


def test_pagination(client, arranged):
    client.sign_in("admin")
    first = client.get("/cases")
    second = client.get("/cases", params={"page": "2"})
    third = client.get("/cases", params={"page": "3"})
    assert [len(_refs(p)) for p in (first, second, third)] == [50, 50, 20]
    assert len(set(_refs(first)) | set(_refs(second)) | set(_refs(third))) == 120
    assert 'class="govuk-pagination"' in first.text and 'rel="next"' in first.text and 'rel="prev"' not in first.text
    assert 'href="/cases?page=2"' in first.text and 'href="/cases?page=3"' in first.text
    assert 'aria-current="page"' in second.text and 'rel="prev"' in second.text and 'rel="next"' in second.text
    assert 'rel="next"' not in third.text
    assert client.get("/cases", params={"page": "lots"}).status_code == 200
    assert _refs(client.get("/cases", params={"page": "99"})) == []
    # The API pages with limit and offset.
    pages = [client.get("/api/cases", params={"limit": 50, "offset": offset}).json() for offset in (0, 50, 100)]
    assert [len(p["items"]) for p in pages] == [50, 50, 20]
    assert {(p["limit"], p["offset"], p["total"]) for p in pages} == {(50, 0, 120), (50, 50, 120), (50, 100, 120)}
    assert [i["reference"] for p in pages for i in p["items"]] == [i["reference"] for i in _api(client)["items"]]


# ---------------------------------------------------------------------------------------------
# Date errors, the GOV.UK way


@pytest.mark.parametrize("params, message", [
    ({"received_from": "2/5/2025", "received_to": "1/5/2025"}, "Received from date must be the same as or before the received to date"),
    ({"received_to": "1/1/2999"}, "Received to date must be today or in the past"),
    ({"received_from": "31/2/2025"}, "Received from date must be a real date"),
])
def test_bad_date_range_is_a_400_with_an_error_summary(client, arranged, params, message):
    client.sign_in("manager")
    page = client.get("/cases", params=params)
    assert page.status_code == 400
    assert "<title>Error: " in page.text and "There is a problem" in page.text and message in page.text
    assert "govuk-form-group--error" in page.text and 'class="govuk-error-message"' in page.text
    assert _refs(page) == []  # no list until the dates are right
    for name, value in params.items():
        assert f'value="{value}"' in page.text  # what was typed is kept
    htmx = client.get("/cases", params=params, headers={"HX-Request": "true"})
    assert htmx.status_code == 400 and htmx.headers["hx-redirect"].startswith("/cases?")
    api = client.get("/api/cases", params={k: v for k, v in params.items()})
    assert api.status_code == 400 and "received_" in api.json()["detail"]


@pytest.mark.parametrize("params, name", [
    ({"limit": "0"}, "limit"), ({"limit": "201"}, "limit"), ({"limit": "many"}, "limit"), ({"offset": "-1"}, "offset"),
    ({"queue": "everyone"}, "queue"), ({"sort": "summary"}, "sort"), ({"investigator": "Isla"}, "investigator"),
    ({"stage": "limbo"}, "stage"), ({"category": "cheese"}, "category"), ({"q": "x"}, "q"),
])
def test_api_rejects_what_it_does_not_understand(client, params, name):
    client.sign_in("manager")
    response = client.get("/api/cases", params=params)
    assert response.status_code == 400
    assert name in response.json()["detail"]


# ---------------------------------------------------------------------------------------------
# Need-to-know


@pytest.mark.parametrize("username, sees_mine, sees_unallocated", [
    ("admin", True, True), ("investigator", True, False), ("manager", True, False),
    ("ibrooks", False, False), ("manager2", False, False), ("compliance", False, False), ("reports", False, False),
])
def test_restricted_cases_hidden_in_every_queue_search_and_the_api(client, arranged, username, sees_mine, sees_unallocated):
    client.sign_in(username)
    refs = arranged["refs"]
    for reference, may_see in ((refs["restricted_mine"], sees_mine), (refs["restricted_unallocated"], sees_unallocated)):
        listed = []
        for queue in ("all", "unallocated", "mine"):
            listed += _refs(client.get("/cases", params={"queue": queue, "stage": "assessment"}))
            listed += [i["reference"] for i in _api(client, queue=queue)["items"]]
        listed += _refs(client.get("/cases", params={"q": reference}))
        listed += [i["reference"] for i in _api(client, q=reference.replace(" ", ""))["items"]]
        listed += [i["reference"] for i in _api(client, sort="priority", stage="assessment")["items"]]
        assert (reference in listed) is may_see, (username, reference)


# ---------------------------------------------------------------------------------------------
# htmx


def test_htmx_gets_the_results_block_and_a_shareable_url(client, arranged):
    client.sign_in("manager")
    params = {"queue": "unallocated", "q": "", "stage": "assessment", "body": "", "category": "", "investigator": "",
              "received_from": "", "received_to": "", "sort": "-age"}
    full = client.get("/cases", params=params)
    assert "<html" in full.text and 'class="moj-sub-navigation"' in full.text and 'id="case-filters"' in full.text
    assert full.headers["vary"] == "HX-Request" and "hx-push-url" not in full.headers
    fragment = client.get("/cases", params=params, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text and "case-filters\"" not in fragment.text.split("form=")[0]
    assert fragment.text.lstrip().startswith('<p class="govuk-body" data-testid="case-count">')
    assert 'name="sort" value="-age" form="case-filters"' in fragment.text  # the form keeps the sort
    assert fragment.headers["hx-push-url"] == "/cases?queue=unallocated&stage=assessment&sort=-age"
    assert fragment.headers["vary"] == "HX-Request"
    assert _refs(fragment) == _refs(full)
    assert 'hx-get="/cases?queue=unallocated&amp;stage=assessment&amp;sort=age"' in fragment.text


def test_the_list_page_offers_the_filters(client, arranged):
    client.sign_in("investigator")
    page = client.get("/cases")
    assert 'hx-trigger="input changed delay:300ms from:#q' in page.text
    assert ">Isla Carter</option>" in page.text and ">Imran Brooks</option>" in page.text
    assert "Morgan Hale</option>" not in page.text  # managers are not in the investigator list
    assert 'value="housing"' in page.text and 'value="assessment"' in page.text
    for label in ("My cases", "Unallocated", "All cases"):
        assert f">{label}</a>" in page.text


def test_manager_dashboard_counts_unallocated_cases(client, arranged):
    client.sign_in("manager")
    home = client.get("/")
    assert home.status_code == 200
    assert "5 cases in assessment or investigation have no investigator" in home.text


# ---------------------------------------------------------------------------------------------
# Past the caps: the same answers from the database's own ordering and counting


def test_allocation_order_past_the_python_cap_is_urgent_then_oldest(client, arranged, monkeypatch):
    from investigations import queries

    monkeypatch.setattr(queries, "PRIORITY_CAP", 2)
    refs = arranged["refs"]
    client.sign_in("manager")
    page = client.get("/cases", params={"queue": "unallocated"})
    assert _refs(page) == [refs["urgent"], refs["oldest"], refs["newer"], refs["late_forward"]]
    assert ">4 cases<" in page.text


def test_a_broad_search_says_more_than_and_still_pages(client, arranged, run, monkeypatch):
    from investigations import queries

    client.sign_in("admin")
    word = "Quibblethwaite"
    complainants = [r["complainant"] for r in run(Case.select(Case.complainant).order_by(Case.id).limit(30))]
    run(Person.update({Person.family_name: word}).where(Person.id.is_in(complainants)))
    expected = {r["reference"] for r in run(Case.select(Case.reference).where(Case.complainant.is_in(complainants)))}
    assert len(expected) >= 30
    monkeypatch.setattr(queries, "KEYS_CAP", 10)
    page = client.get("/cases", params={"q": word})
    assert f"More than 10 cases matching “{word}”" in page.text
    listed = _refs(page)
    assert len(listed) == len(expected) >= 30 and set(listed) == expected  # one page of 50 holds them all
    newest_first = [i["reference"] for i in _api(client)["items"] if i["reference"] in expected]
    assert listed == newest_first
    api = _api(client, q=word)
    assert api["total"] == len(expected)  # the API counts every match
    by_age = client.get("/cases", params={"q": word, "sort": "-age"})
    assert set(_refs(by_age)) == expected


def test_a_body_filter_matching_many_bodies_counts_up_to_the_cap(client, arranged, run, monkeypatch):
    from investigations import queries

    client.sign_in("admin")
    exact = _api(client, body="Council")["total"]
    assert exact > 20
    monkeypatch.setattr(queries, "FEW_BODIES", 1)
    monkeypatch.setattr(worklists, "COUNT_CAP", 20)
    page = client.get("/cases", params={"body": "Council"})
    assert "More than 20 cases" in page.text and len(_refs(page)) == min(50, exact)
    assert _api(client, body="Council")["total"] == exact
