"""A changed holiday calendar moves open due dates, and the move is recorded.

Pure tests of the decision (``decide_changes``); the service, the administrator's page and the
command line against the real database (both engines).
"""

from datetime import date

import pytest

from remedies.calendar import office_calendar
from remedies.holidays import HolidayError, add_holiday, remove_holiday
from remedies.recompute import HolidayChange, decide_changes, recompute_due_dates, recompute_nightly
from remedies.recommendations import cease, extend_due_date
from remedies.tables import OfficeHoliday, Recommendation, RecommendationEvent
from workbench.tables import AuditEvent
from workbench.workdays import WorkingDayCalendar, default_calendar
from tests.remedies import factories as f

HOLIDAY = date(2027, 3, 10)  # a Wednesday
WITH_HOLIDAY = WorkingDayCalendar(extra_holidays={HOLIDAY: "Office closed"})
BASE = default_calendar()


def rec(id, anchor_on, period, unit, due, due_on=None, outcome=""):
    return {"id": id, "case": 100 + id, "outcome": outcome, "anchor_on": anchor_on, "period": period, "unit": unit,
            "original_due_on": due, "due_on": due_on or due, "due_explanation": "as made"}


# ---------------------------------------------------------------------------------------------
# The decision, without a database


def test_a_holiday_inside_a_working_day_period_moves_the_date_one_working_day():
    rows = [rec(1, date(2027, 3, 1), 10, "working_days", date(2027, 3, 15))]
    [change] = decide_changes(rows, WITH_HOLIDAY, previous=BASE)
    assert (change.old_original_due_on, change.new_original_due_on) == (date(2027, 3, 15), date(2027, 3, 16))
    assert change.new_due_on == date(2027, 3, 16)
    assert change.causes == (HolidayChange(HOLIDAY, "Office closed", True),)
    assert "Office closed (10 Mar 2027)" in change.due_explanation  # the rule's explanation names the skipped day
    title, detail = change.history()
    assert title == "Due date moved from Monday 15 March 2027 to Tuesday 16 March 2027"
    assert detail.startswith("Because of a new holiday: Office closed (10 Mar 2027).")


def test_a_month_rule_landing_on_the_new_holiday_rolls_forward():
    rows = [rec(1, date(2027, 2, 10), 1, "months", date(2027, 3, 10))]
    [change] = decide_changes(rows, WITH_HOLIDAY, previous=BASE)
    assert change.new_original_due_on == date(2027, 3, 11)
    assert "rolls forward to Thursday 11 March 2027" in change.rule_explanation


def test_a_calendar_day_rule_is_unaffected_unless_it_lands_on_the_holiday():
    spanning = rec(1, date(2027, 3, 1), 22, "calendar_days", date(2027, 3, 23))
    landing = rec(2, date(2027, 2, 10), 28, "calendar_days", date(2027, 3, 10))
    changes = decide_changes([spanning, landing], WITH_HOLIDAY, previous=BASE)
    assert [(c.recommendation_id, c.new_original_due_on) for c in changes] == [(2, date(2027, 3, 11))]


def test_an_extended_recommendation_keeps_its_agreed_due_date_but_gets_a_new_original():
    rows = [rec(1, date(2027, 3, 1), 10, "working_days", date(2027, 3, 15), due_on=date(2027, 4, 30))]
    [change] = decide_changes(rows, WITH_HOLIDAY, extended={1}, previous=BASE)
    assert (change.new_original_due_on, change.new_due_on) == (date(2027, 3, 16), date(2027, 4, 30))
    assert change.due_explanation == "as made"  # still explains the date in force (the extension)
    title, detail = change.history()
    assert title.startswith("Original due date moved")
    assert "The extended due date, Friday 30 April 2027, stands." in detail


def test_an_extension_overtaken_by_the_rule_gives_way_to_the_later_date():
    rows = [rec(1, date(2027, 3, 1), 10, "working_days", date(2027, 3, 15), due_on=date(2027, 3, 16))]
    two = WorkingDayCalendar(extra_holidays={HOLIDAY: "Office closed", date(2027, 3, 11): "Office closed"})
    [change] = decide_changes(rows, two, extended={1}, previous=BASE)
    assert (change.new_original_due_on, change.new_due_on) == (date(2027, 3, 17), date(2027, 3, 17))


def test_closed_recommendations_are_untouched():
    rows = [rec(i, date(2027, 3, 1), 10, "working_days", date(2027, 3, 15), outcome=outcome)
            for i, outcome in enumerate(["complied_on_time", "complied_late", "not_complied", "ceased"], start=1)]
    assert decide_changes(rows, WITH_HOLIDAY, previous=BASE) == []


def test_removing_the_holiday_moves_the_date_back_and_says_why():
    rows = [rec(1, date(2027, 3, 1), 10, "working_days", date(2027, 3, 16))]
    [change] = decide_changes(rows, BASE, previous=WITH_HOLIDAY)
    assert change.new_original_due_on == date(2027, 3, 15)
    assert change.causes == (HolidayChange(HOLIDAY, "Office closed", False),)
    assert change.cause == "Because of a holiday removed: Office closed (10 Mar 2027)"


def test_without_the_previous_calendar_the_new_holiday_is_still_found():
    """After a package upgrade nobody knows the old calendar: the holiday whose absence gives the old date is named."""
    rows = [rec(1, date(2027, 3, 1), 10, "working_days", date(2027, 3, 15)),
            rec(2, date(2027, 2, 10), 1, "months", date(2027, 3, 10))]
    changes = decide_changes(rows, WITH_HOLIDAY)
    assert [c.causes for c in changes] == [(HolidayChange(HOLIDAY, "Office closed", True),)] * 2


def test_unchanged_dates_are_not_changes_and_each_rule_is_computed_once():
    rows = [rec(i, date(2027, 3, 1), 10, "working_days", date(2027, 3, 16)) for i in range(1, 1001)]
    assert decide_changes(rows, WITH_HOLIDAY, previous=BASE) == []
    moved = decide_changes([{**r, "original_due_on": date(2027, 3, 15), "due_on": date(2027, 3, 15)} for r in rows],
                           WITH_HOLIDAY, previous=BASE)
    assert len(moved) == 1000 and {c.new_due_on for c in moved} == {date(2027, 3, 16)}


# ---------------------------------------------------------------------------------------------
# The service against the database


async def _three_open_and_one_closed():
    """Working days (moves), extended working days (original moves), calendar days (stays), ceased (closed)."""
    case = await f.decided_case(decided_on=date(2027, 3, 1))
    plain = await f.recommendation(case, period=10, unit="working_days")
    extended = await f.recommendation(case, period=10, unit="working_days", description="Review the charging policy")
    calendar_days = await f.recommendation(case, period=28, unit="calendar_days", description="Refund the charge")
    closed = await f.recommendation(case, period=10, unit="working_days", description="Train staff")
    officer = await f.user("compliance")
    await extend_due_date(extended, date(2027, 4, 30), "Council restructure", officer, today=date(2027, 3, 2))
    await cease(closed, "Complainant withdrew", officer, today=date(2027, 3, 2))
    return {"plain": plain, "extended": extended, "calendar_days": calendar_days, "closed": closed}


async def _dates(ids):
    rows = await Recommendation.select(Recommendation.id, Recommendation.original_due_on, Recommendation.due_on).where(
        Recommendation.id.is_in(list(ids.values())))
    by_id = {r["id"]: (r["original_due_on"], r["due_on"]) for r in rows}
    return {name: by_id[rid] for name, rid in ids.items()}


async def _recomputed(rid):
    return await RecommendationEvent.select().where(
        (RecommendationEvent.recommendation == rid) & (RecommendationEvent.kind == "recomputed")).order_by(RecommendationEvent.id)


def test_adding_and_removing_a_holiday_moves_open_due_dates_and_back(run, db):
    ids = run(_three_open_and_one_closed())
    before = run(_dates(ids))
    assert before["plain"] == (date(2027, 3, 15), date(2027, 3, 15))
    admin = run(f.user("admin"))

    report = run(add_holiday(HOLIDAY, "Office closed", admin, today=date(2027, 3, 2)))
    assert (report.moved, report.extended_kept, report.checked) == (2, 1, 3)
    after = run(_dates(ids))
    assert after["plain"] == (date(2027, 3, 16), date(2027, 3, 16))
    assert after["extended"] == (date(2027, 3, 16), date(2027, 4, 30))
    assert after["calendar_days"] == before["calendar_days"]
    assert after["closed"] == before["closed"]
    [event] = run(_recomputed(ids["plain"]))
    assert event["title"] == "Due date moved from Monday 15 March 2027 to Tuesday 16 March 2027"
    assert "new holiday: Office closed (10 Mar 2027)" in event["detail"] and event["actor_name"] == admin.full_name
    row = run(Recommendation.select().where(Recommendation.id == ids["plain"]).first())
    assert "Office closed (10 Mar 2027)" in row["due_explanation"] and row["version"] == 2
    assert run(_recomputed(ids["closed"])) == [] and run(_recomputed(ids["calendar_days"])) == []
    audit = run(AuditEvent.select().where(
        AuditEvent.action.is_in(["holiday.added", "due_dates.recomputed"])).order_by(AuditEvent.sequence))
    assert [a["action"] for a in audit] == ["holiday.added", "due_dates.recomputed"]
    assert audit[1]["summary"].startswith("2 open due dates moved (3 open recommendations checked)")

    report = run(remove_holiday(HOLIDAY, admin, today=date(2027, 3, 2)))
    assert report.moved == 2
    assert run(_dates(ids)) == before
    assert "holiday removed: Office closed" in run(_recomputed(ids["plain"]))[-1]["detail"]
    assert run(OfficeHoliday.select(OfficeHoliday.active).where(OfficeHoliday.on == HOLIDAY).first()) == {"active": False}
    assert run(AuditEvent.count().where(AuditEvent.action == "holiday.removed")) == 1

    # Re-adding the date reactivates the kept row.
    assert run(add_holiday(HOLIDAY, "Office closed again", admin, today=date(2027, 3, 2))).moved == 2
    assert run(OfficeHoliday.count()) == 1


@pytest.mark.parametrize("day, name, field, message", [
    (date(2027, 3, 13), "Saturday", "on", "Saturday 13 March 2027 is a weekend day"),
    (date(2027, 12, 27), "Christmas", "on", "already a bank holiday (Christmas Day (observed))"),
    (date(2027, 3, 10), "  ", "name", "Enter the name of the holiday"),
    (date(2047, 3, 11), "Far off", "on", "within 10 years"),
])
def test_refused_holidays_write_nothing(run, db, day, name, field, message):
    ids = run(_three_open_and_one_closed())
    before = run(_dates(ids))
    with pytest.raises(HolidayError) as refused:
        run(add_holiday(day, name, run(f.user("admin")), today=date(2027, 3, 2)))
    assert refused.value.field == field and message in refused.value.message
    assert run(OfficeHoliday.count()) == 0 and run(_dates(ids)) == before
    assert run(AuditEvent.count().where(AuditEvent.action.like("holiday.%"))) == 0


def test_the_same_office_holiday_twice_and_removing_a_bank_holiday_are_refused(run, db):
    admin = run(f.user("admin"))
    run(add_holiday(HOLIDAY, "Office closed", admin, today=date(2027, 3, 2)))
    with pytest.raises(HolidayError, match="already an office holiday"):
        run(add_holiday(HOLIDAY, "Again", admin, today=date(2027, 3, 2)))
    with pytest.raises(HolidayError, match="published bank holiday"):
        run(remove_holiday(date(2027, 3, 29), admin))
    with pytest.raises(HolidayError, match="no office holiday"):
        run(remove_holiday(date(2027, 3, 11), admin))


def test_a_recompute_that_moves_nothing_changes_nothing(run, db):
    ids = run(_three_open_and_one_closed())
    report = run(recompute_due_dates(run(office_calendar())))
    assert (report.moved, report.checked) == (0, 3)
    assert run(Recommendation.select(Recommendation.version).where(Recommendation.id == ids["plain"]).first())["version"] == 1
    assert run(AuditEvent.count().where(AuditEvent.action == "due_dates.recomputed")) == 0  # the nightly run stays quiet


def test_every_process_sees_a_holiday_another_process_added(run, db):
    """office_calendar() keys its cache on the rows, so a worker that did not make the change still picks it up."""
    assert run(office_calendar()).is_working_day(HOLIDAY)
    run(OfficeHoliday.insert(OfficeHoliday(on=HOLIDAY, name="Office closed", active=True, added_at=_now())))
    assert not run(office_calendar()).is_working_day(HOLIDAY)
    run(OfficeHoliday.update({OfficeHoliday.active: False}).where(OfficeHoliday.on == HOLIDAY))
    assert run(office_calendar()).is_working_day(HOLIDAY)


def test_the_nightly_job_moves_dates_a_new_holiday_affects_and_names_it(run, db):
    """As after a package upgrade: the calendar changed without the service, and no one knows the old one."""
    from workbench.scheduler import jobs

    assert any(job.func is recompute_nightly for job in jobs())
    ids = run(_three_open_and_one_closed())
    run(OfficeHoliday.insert(OfficeHoliday(on=HOLIDAY, name="Coronation", active=True, added_at=_now())))
    report = run(recompute_nightly())
    assert report.moved == 2
    [event] = run(_recomputed(ids["plain"]))
    assert event["actor_name"] == "System" and "new holiday: Coronation (10 Mar 2027)" in event["detail"]
    audit = run(AuditEvent.select().where(AuditEvent.action == "due_dates.recomputed").first())
    assert audit["actor_name"] == "system" and "Coronation" in audit["summary"]
    assert run(recompute_nightly()).moved == 0  # a second run finds nothing more to do


def _now():
    from datetime import datetime, timezone

    return datetime.now(timezone.utc)


# ---------------------------------------------------------------------------------------------
# The administrator's page


def test_an_administrator_adds_a_holiday_on_the_page_and_sees_the_dates_moved(client, run, db):
    ids = run(_three_open_and_one_closed())
    client.sign_in_as("administrator")
    assert 'href="/admin/holidays"' in client.get("/").text
    page = client.get("/admin/holidays")
    assert page.status_code == 200
    assert "Christmas Day" in page.text and "No office holidays have been added." in page.text

    response = client.post_form("/admin/holidays", {"on": HOLIDAY.isoformat(), "name": "Office closed"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/admin/holidays"
    page = client.get("/admin/holidays")
    assert "Office closed on Wednesday 10 March 2027 is now a holiday. 2 open due dates moved." in page.text
    assert 'value="2027-03-10"' in page.text  # its remove button
    assert run(_dates(ids))["plain"] == (date(2027, 3, 16), date(2027, 3, 16))
    assert run(AuditEvent.select(AuditEvent.actor_name).where(AuditEvent.action == "holiday.added").first()) == {"actor_name": "admin"}

    response = client.post_form("/admin/holidays/remove", {"on": HOLIDAY.isoformat()}, follow_redirects=False)
    assert response.status_code == 303
    page = client.get("/admin/holidays")
    assert "Wednesday 10 March 2027 is a working day again. 2 open due dates moved." in page.text
    assert run(_dates(ids))["plain"] == (date(2027, 3, 15), date(2027, 3, 15))


@pytest.mark.parametrize("data, message", [
    ({"on": "2027-03-13", "name": "Saturday"}, "Saturday 13 March 2027 is a weekend day"),
    ({"on": "2027-12-27", "name": "Christmas"}, "already a bank holiday (Christmas Day (observed))"),
    ({"on": "2027-02-30", "name": "Nope"}, "The date must be a real date"),
    ({}, "Enter the date"),
])
def test_the_page_refuses_a_bad_holiday_with_a_clear_message(client, run, db, data, message):
    client.sign_in_as("administrator")
    response = client.post_form("/admin/holidays", data)
    assert response.status_code == 400
    assert "govuk-error-summary" in response.text and message in response.text
    assert run(OfficeHoliday.count()) == 0


def test_removing_what_is_not_an_office_holiday_is_refused_on_the_page(client, run, db):
    client.sign_in_as("administrator")
    response = client.post_form("/admin/holidays/remove", {"on": "2027-03-29"})
    assert response.status_code == 400 and "only office holidays can be removed" in response.text


@pytest.mark.parametrize("role", ["investigator", "compliance_officer", "report_writer", "manager"])
def test_only_an_administrator_may_change_holidays(client, run, db, role):
    client.sign_in_as(role)
    assert 'href="/admin/holidays"' not in client.get("/").text
    assert client.get("/admin/holidays").status_code == 403
    assert client.post_form("/admin/holidays", {"on": HOLIDAY.isoformat(), "name": "Office closed"}).status_code == 403
    assert client.post_form("/admin/holidays/remove", {"on": HOLIDAY.isoformat()}).status_code == 403
    assert run(OfficeHoliday.count()) == 0


# ---------------------------------------------------------------------------------------------
# The command line (in this process, so it uses the test's database)


def test_holidays_on_the_command_line(run, db, capsys):
    from workbench.cli import main

    ids = run(_three_open_and_one_closed())
    main(["holidays", "add", "2027-03-10", "Office closed", "--user", "admin"])
    out = capsys.readouterr().out
    assert "2027-03-10 (Office closed) is now an office holiday." in out and "2 open due dates moved" in out
    assert run(_dates(ids))["plain"][0] == date(2027, 3, 16)
    assert run(AuditEvent.select(AuditEvent.actor_name).where(AuditEvent.action == "holiday.added").first()) == {"actor_name": "admin"}

    main(["holidays", "list"])
    out = capsys.readouterr().out
    assert "2027-03-10  Wed  Office closed  (added by" in out and "Christmas Day" in out

    with pytest.raises(SystemExit, match="weekend day"):
        main(["holidays", "add", "2027-03-13", "Saturday"])
    with pytest.raises(SystemExit, match="no user 'nobody'"):
        main(["holidays", "add", "2027-03-11", "Office closed", "--user", "nobody"])

    main(["holidays", "remove", "2027-03-10"])
    assert "2027-03-10 is a working day again." in capsys.readouterr().out
    assert run(_dates(ids))["plain"][0] == date(2027, 3, 15)


def test_recompute_due_dates_on_the_command_line(run, db, capsys):
    from workbench.cli import main

    ids = run(_three_open_and_one_closed())
    run(OfficeHoliday.insert(OfficeHoliday(on=HOLIDAY, name="Coronation", active=True, added_at=_now())))
    main(["recompute-due-dates", "--dry-run"])
    out = capsys.readouterr().out
    assert "2 open due dates would move" in out and f"recommendation {ids['plain']}: 2027-03-15 -> 2027-03-16" in out
    assert run(_dates(ids))["plain"][0] == date(2027, 3, 15)  # a dry run changes nothing

    main(["recompute-due-dates"])
    out = capsys.readouterr().out
    assert "2 open due dates moved" in out and "new holiday: Coronation (10 Mar 2027)" in out
    assert f"recommendation {ids['extended']}: 2027-03-15 -> 2027-03-16 (extended: due date kept)" in out
    assert run(_dates(ids))["plain"][0] == date(2027, 3, 16)
    main(["recompute-due-dates"])
    assert "No open due date moved" in capsys.readouterr().out
