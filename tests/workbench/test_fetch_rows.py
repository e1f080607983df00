"""workbench.db.fetch_rows: raw reads for the hot pages, typed exactly as Piccolo's own selects.

The case page, the signed-in user and the dashboard read through it, so a value that came back as a
string on one engine (a date, a boolean, an amount) would change what the templates and the status
rules see. Both engines, on the app's own tables.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

from investigations.queries import body_ids_matching
from investigations.tables import Body
from workbench.accounts import active_user
from workbench.db import fetch_rows, in_list, placeholder, write_transaction
from workbench.tables import User


def test_rows_have_the_types_piccolo_gives(run, db):
    sql = f"SELECT * FROM workbench_user WHERE username = {placeholder(1)}"
    raw = run(fetch_rows(sql, ["investigator"]))
    built = run(User.select().where(User.username == "investigator"))
    assert raw == built
    assert {k: type(v) for k, v in raw[0].items()} == {k: type(v) for k, v in built[0].items()}
    assert raw[0]["active"] is True and isinstance(raw[0]["created_at"], datetime)


def test_dates_booleans_and_joined_columns_are_typed(run, db):
    from remedies.tables import OfficeHoliday

    run(OfficeHoliday.insert(OfficeHoliday(on=date(2027, 3, 10), name="Office closed", active=True,
                                           added_at=datetime.now(timezone.utc))))
    rows = run(fetch_rows(f'SELECT "on", name, active FROM remedies_office_holiday WHERE active = {placeholder(1)}', [True]))
    assert rows == [{"on": date(2027, 3, 10), "name": "Office closed", "active": True}]


def test_an_in_list_takes_its_placeholders_from_where_it_starts(run, db):
    ids = [r["id"] for r in run(User.select(User.id).order_by(User.id).limit(3))]
    sql = f"SELECT id FROM workbench_user WHERE username <> {placeholder(1)} AND id IN ({in_list(ids, first=2)}) ORDER BY id"
    assert [r["id"] for r in run(fetch_rows(sql, ["nobody", *ids]))] == ids
    assert run(fetch_rows(f"SELECT id FROM workbench_user WHERE id IN ({in_list([])})")) == []


class _RollBack(Exception):
    pass


def test_inside_a_transaction_it_reads_that_transactions_writes(run, db):
    seen = []

    async def rename_read_and_roll_back():
        try:
            async with write_transaction():
                await User.update({User.full_name: "Renamed in the transaction"}).where(User.username == "investigator")
                sql = f"SELECT full_name FROM workbench_user WHERE username = {placeholder(1)}"
                seen.append((await fetch_rows(sql, ["investigator"]))[0]["full_name"])
                raise _RollBack  # users outlive a test on PostgreSQL: leave the name as it was
        except _RollBack:
            pass

    run(rename_read_and_roll_back())
    assert seen == ["Renamed in the transaction"]
    assert run(User.select(User.full_name).where(User.username == "investigator").first())["full_name"] != seen[0]


def test_the_signed_in_user_is_read_afresh_so_deactivation_is_immediate(run, db):
    user_id = run(User.select(User.id).where(User.username == "investigator").first())["id"]
    user = run(active_user(user_id))
    assert isinstance(user, User) and user.username == "investigator" and user.role == "investigator"
    run(User.update({User.active: False}).where(User.id == user_id))
    assert run(active_user(user_id)) is None


def test_a_body_added_after_a_search_is_found_by_the_next_one(run, db):
    assert run(body_ids_matching("Wessex Marches")) == []  # the bodies are now read and kept
    run(Body.insert(Body(name="Wessex Marches District Council", aliases=json.dumps(["WMDC"]), body_type="district")))
    added = run(Body.select(Body.id).where(Body.name == "Wessex Marches District Council").first())["id"]
    try:
        assert run(body_ids_matching("wessex marches")) == [added]
        assert run(body_ids_matching("wmdc")) == [added]
    finally:  # bodies outlive a test on PostgreSQL
        run(Body.delete().where(Body.id == added))
