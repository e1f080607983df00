"""Actions on many recommendations at once, from the compliance dashboard's ticked rows.

All or nothing: every ticked row is checked first, and if any is refused nothing is written and
the refusal names each refused row (by case reference and remedy) with its reason. The writes go
through the recommendation service (``remedies.recommendations``), inside one write transaction,
so history, case timeline and audit log are written exactly as for a single change.

Rows the user may not see (restricted cases without need-to-know) are treated as not there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from investigations.access import Viewer
from remedies.queries import visible_recommendations
from remedies.recommendations import RemedyError, assign, extend_due_date, record_chaser_sent
from remedies.tables import Recommendation
from remedies.worklist import compliance_officers, remedy_label
from workbench.db import write_transaction
from workbench.tables import User
from workbench.workdays import WorkingDayCalendar, format_date_long
from workbench.forms import whole_number

MAX_ROWS = 500
MAX_NOTE = 2_000
MAX_EXTENSION_WORKING_DAYS = 260


class BulkRefused(ValueError):
    """Nothing was changed: ``errors`` maps form fields to messages for the error summary."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class BulkDone:
    changed: int
    references: list[str]

    @property
    def names(self) -> str:
        return ", ".join(self.references)


def read_ids(raw: Sequence[str]) -> list[int]:
    """The ticked rows' ids, in order, without repeats; BulkRefused when none (or nonsense) was sent."""
    ids: list[int] = []
    for text in raw:
        number = whole_number(text)
        if number is None:
            raise BulkRefused({"ids": "Select recommendations from the list"})
        if number not in ids:
            ids.append(number)
    if not ids:
        raise BulkRefused({"ids": "Select at least one recommendation"})
    if len(ids) > MAX_ROWS:
        raise BulkRefused({"ids": f"Select at most {MAX_ROWS} recommendations at a time"})
    return ids


def row_name(row: dict[str, Any]) -> str:
    """How a refusal names a row: '26 000 123 (Apology)'."""
    return f"{row['case_reference']} ({remedy_label(row['remedy_type'])})"


async def _rows(ids: list[int], viewer: Viewer) -> list[dict[str, Any]]:
    """The ticked rows the viewer may see, in the order ticked; refused if any is missing."""
    query = Recommendation.select(
        Recommendation.id, Recommendation.case.reference.as_alias("case_reference"), Recommendation.remedy_type,
        Recommendation.outcome, Recommendation.due_on, Recommendation.original_due_on, Recommendation.version,
    ).where(Recommendation.id.is_in(ids))
    if (visible := visible_recommendations(viewer)) is not None:
        query = query.where(visible)
    found = {r["id"]: r for r in await query}
    if len(found) != len(ids):
        raise BulkRefused({"ids": "Some of the selected recommendations no longer exist or are not yours to see; "
                                  "nothing was changed. Reload the list and select again"})
    return [found[i] for i in ids]


def _refuse_closed(rows: list[dict[str, Any]], action: str) -> None:
    closed = [row_name(r) for r in rows if r["outcome"]]
    if closed:
        raise BulkRefused({"ids": f"Nothing was {action}: these are already closed: {'; '.join(closed)}"})


async def chase(raw_ids: Sequence[str], note: str, user: User, viewer: Viewer, today: date) -> BulkDone:
    """Record a chaser sent by hand on each ticked recommendation."""
    errors: dict[str, str] = {}
    ids: list[int] = []
    try:
        ids = read_ids(raw_ids)
    except BulkRefused as refused:
        errors.update(refused.errors)
    note = note.strip()
    if not note:
        errors["note"] = "Say how the chaser was sent, for example “Phoned the link officer”"
    elif len(note) > MAX_NOTE:
        errors["note"] = f"The note must be {MAX_NOTE:,} characters or fewer"
    if errors:
        raise BulkRefused(errors)
    rows = await _rows(ids, viewer)
    _refuse_closed(rows, "recorded")
    changed = await record_chaser_sent(ids, note, user, today=today)
    return BulkDone(changed, [row_name(r) for r in rows])


@dataclass(frozen=True)
class ExtensionAsked:
    """To a date, or by a number of working days from each row's own due date (exactly one)."""

    to_date: date | None
    working_days: int | None
    reason: str

    def new_due_on(self, due_on: date, calendar: WorkingDayCalendar) -> date:
        if self.to_date is not None:
            return self.to_date
        return calendar.add_working_days(due_on, self.working_days or 0).result


def check_extension(new_due_text: str, working_days_text: str, reason: str) -> ExtensionAsked:
    """Read the extension fields; BulkRefused with every problem at once."""
    errors: dict[str, str] = {}
    new_due_text, working_days_text = new_due_text.strip(), working_days_text.strip()
    to_date, working_days = None, None
    if new_due_text and working_days_text:
        errors["new_due_on"] = "Give either a new due date or a number of working days, not both"
    elif not new_due_text and not working_days_text:
        errors["new_due_on"] = "Give a new due date, or the number of working days to extend by"
    elif new_due_text:
        try:
            to_date = date.fromisoformat(new_due_text)
        except ValueError:
            errors["new_due_on"] = "The new due date must be a real date, like 2026-03-27"
    else:
        if len(working_days_text) <= 4:
            working_days = whole_number(working_days_text)
        if working_days is None or not 1 <= working_days <= MAX_EXTENSION_WORKING_DAYS:
            errors["working_days"] = f"The number of working days must be a whole number from 1 to {MAX_EXTENSION_WORKING_DAYS}"
    if not reason.strip():
        errors["reason"] = "Give the reason for the extension: extensions are exceptional and kept on record"
    elif len(reason.strip()) > MAX_NOTE:
        errors["reason"] = f"The reason must be {MAX_NOTE:,} characters or fewer"
    if errors:
        raise BulkRefused(errors)
    return ExtensionAsked(to_date, working_days, reason.strip())


def refused_extensions(rows: list[dict[str, Any]], asked: ExtensionAsked, calendar: WorkingDayCalendar) -> list[str]:
    """Each row that cannot be extended as asked, with why (pure; the service's own rule)."""
    refused = []
    for row in rows:
        if row["outcome"]:
            refused.append(f"{row_name(row)}: already closed")
            continue
        new_due_on = asked.new_due_on(row["due_on"], calendar)
        if new_due_on <= row["due_on"]:
            refused.append(f"{row_name(row)}: {format_date_long(new_due_on)} is not after its due date, "
                           f"{format_date_long(row['due_on'])}")
    return refused


async def extend(raw_ids: Sequence[str], new_due_text: str, working_days_text: str, reason: str, user: User,
                 viewer: Viewer, today: date, calendar: WorkingDayCalendar) -> BulkDone:
    """Extend each ticked recommendation (to one date, or by N working days from its own due date)."""
    errors: dict[str, str] = {}
    ids: list[int] = []
    asked = None
    try:
        ids = read_ids(raw_ids)
    except BulkRefused as refused:
        errors.update(refused.errors)
    try:
        asked = check_extension(new_due_text, working_days_text, reason)
    except BulkRefused as refused:
        errors.update(refused.errors)
    if errors or asked is None:
        raise BulkRefused(errors)
    rows = await _rows(ids, viewer)
    refused = refused_extensions(rows, asked, calendar)
    if refused:
        raise BulkRefused({"ids": "Nothing was extended. " + "; ".join(refused)})
    try:
        async with write_transaction():  # one transaction: the service's writes join it
            for row in rows:
                await extend_due_date(row["id"], asked.new_due_on(row["due_on"], calendar), asked.reason, user,
                                      version=row["version"], today=today)
    except RemedyError as exc:
        raise BulkRefused({"ids": f"Nothing was extended: {exc.message}"}) from None
    return BulkDone(len(rows), [row_name(r) for r in rows])


async def assign_to(raw_ids: Sequence[str], assignee: str, user: User, viewer: Viewer) -> tuple[BulkDone, str]:
    """Give the ticked recommendations to a compliance officer, or to nobody ("none")."""
    errors: dict[str, str] = {}
    ids: list[int] = []
    try:
        ids = read_ids(raw_ids)
    except BulkRefused as refused:
        errors.update(refused.errors)
    officers = {str(o["id"]): o["full_name"] or o["username"] for o in await compliance_officers()}
    assignee = assignee.strip()
    if assignee != "none" and assignee not in officers:
        errors["assignee"] = "Choose a compliance officer, or “Nobody” to unassign"
    if errors:
        raise BulkRefused(errors)
    rows = await _rows(ids, viewer)
    try:
        changed = await assign(ids, None if assignee == "none" else int(assignee), user)
    except RemedyError as exc:
        raise BulkRefused({exc.field or "assignee": exc.message}) from None
    return BulkDone(changed, [row_name(r) for r in rows]), "nobody" if assignee == "none" else officers[assignee]
