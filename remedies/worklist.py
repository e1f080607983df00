"""The compliance officer's working lists: overdue, due soon, escalated, awaiting a verdict.

Pure list logic (which list, filters read from a URL, ages, tags, CSV cells) and the queries that
read a list. Status is derived, never stored, so each list is selected with the SQL twin of
``derive_status`` (``remedies.queries.status_condition``) and need-to-know with
``visible_recommendations``. Every query is one statement over the dashboard's indexes: counts
and groups in SQL, one page of rows with LIMIT, no query per row. The body page reads its list
with the same functions.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any
from urllib.parse import urlencode

from piccolo.columns.combination import WhereRaw
from piccolo.querystring import QueryString

from investigations.access import Viewer
from investigations.queries import allocatable_staff
from remedies.compliance import REMEDY_TYPES, RemedyKind
from remedies.queries import outstanding, status_condition, visible_recommendations
from remedies.recommendations import status_of
from remedies.status import Status, age_working_days
from remedies.tables import Recommendation
from workbench.db import fetch_rows, in_list, is_sqlite, placeholder
from workbench.roles import Role
from workbench.workdays import WorkingDayCalendar
from workbench.forms import whole_number

PAGE_SIZE = 50
EXPORT_BATCH = 1_000
MAX_PAGE = 100_000
PENNY = Decimal("0.01")


# ---------------------------------------------------------------------------------------------
# The lists and their filters (pure)


class WorkList(StrEnum):
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    ESCALATED = "escalated"
    AWAITING = "awaiting"

    @property
    def label(self) -> str:
        return _LIST_LABELS[self]


_LIST_LABELS = {
    WorkList.OVERDUE: "Overdue",
    WorkList.DUE_SOON: "Due in the next 10 working days",
    WorkList.ESCALATED: "Escalated",
    WorkList.AWAITING: "Awaiting a verdict on evidence",
}

MINE, UNASSIGNED = "mine", "none"
KINDS = {RemedyKind.PERSONAL.value: "Personal remedy", RemedyKind.SERVICE_IMPROVEMENT.value: "Service improvement"}

#: GOV.UK tag colour for each status.
STATUS_COLOURS = {
    Status.OPEN: "blue",
    Status.DUE_SOON: "yellow",
    Status.OVERDUE: "red",
    Status.ESCALATED: "purple",
    Status.COMPLIED_ON_TIME: "green",
    Status.COMPLIED_LATE: "orange",
    Status.NOT_COMPLIED: "red",
    Status.CEASED: "grey",
}


@dataclass(frozen=True)
class Filters:
    """What narrows a list. Values are already checked (``read_filters``)."""

    body: int | None = None
    investigator: int | None = None
    officer: str = ""  # "" anyone, "mine", "none" (unassigned) or a user id
    remedy_type: str = ""
    kind: str = ""  # "" both, or a RemedyKind value
    status: str = ""  # the body page's status filter: "" any, or a Status value

    @property
    def active(self) -> bool:
        return any((self.body, self.investigator, self.officer, self.remedy_type, self.kind, self.status))


@dataclass(frozen=True)
class ListView:
    """A list as the URL names it: which list, its filters and the page."""

    worklist: WorkList = WorkList.OVERDUE
    filters: Filters = Filters()
    page: int = 1

    def query(self, **changes: object) -> str:
        """The URL query string with some values changed; empty values left out (short, shareable URLs)."""
        f = self.filters
        values: dict[str, object] = {
            "list": "" if self.worklist is WorkList.OVERDUE else self.worklist.value,
            "body": f.body or "", "investigator": f.investigator or "", "officer": f.officer,
            "remedy_type": f.remedy_type, "kind": f.kind, "page": self.page,
        }
        values.update(changes)
        if values.get("list") == WorkList.OVERDUE.value:
            values["list"] = ""
        if values.get("page") in (1, "1"):
            values["page"] = ""
        return urlencode([(k, str(v)) for k, v in values.items() if v not in ("", None)])


def _id(text: str) -> int | None:
    return whole_number(text or "")


def read_page(text: str) -> int:
    page = whole_number(text or "")
    return max(1, min(page, MAX_PAGE)) if page is not None else 1


def read_filters(*, body: str = "", investigator: str = "", officer: str = "", remedy_type: str = "",
                 kind: str = "", status: str = "") -> Filters:
    """Filters from query parameters. Like the case list, a value the page's own controls could not
    have sent is left out rather than reported: the list shows, less narrowed."""
    officer = (officer or "").strip()
    if officer not in (MINE, UNASSIGNED) and _id(officer) is None:
        officer = ""
    return Filters(
        body=_id(body), investigator=_id(investigator), officer=officer,
        remedy_type=remedy_type if remedy_type in REMEDY_TYPES else "",
        kind=kind if kind in KINDS else "",
        status=status if status in {s.value for s in Status} else "",
    )


def read_view(*, worklist: str = "", page: str = "", **filters: str) -> ListView:
    try:
        chosen = WorkList(worklist) if worklist else WorkList.OVERDUE
    except ValueError:
        chosen = WorkList.OVERDUE
    return ListView(chosen, read_filters(**filters), read_page(page))


def kind_of(remedy_type: str) -> str:
    return REMEDY_TYPES[remedy_type].kind.value if remedy_type in REMEDY_TYPES else ""


def remedy_label(remedy_type: str) -> str:
    return REMEDY_TYPES[remedy_type].label if remedy_type in REMEDY_TYPES else remedy_type


def age_text(days: int) -> str:
    """What the age column says: '12 working days overdue', 'Due today', '3 working days left'."""
    if days == 0:
        return "Due today"
    word = "working day" if abs(days) == 1 else "working days"
    return f"{days:,} {word} overdue" if days > 0 else f"{-days:,} {word} left"


def page_count(total: int, limit: int = PAGE_SIZE) -> int:
    return max(1, -(-total // limit))


# ---------------------------------------------------------------------------------------------
# CSV (pure)

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

EXPORT_COLUMNS: Sequence[tuple[str, str]] = (
    ("recommendation_id", "Recommendation"),
    ("case_reference", "Case reference"),
    ("body", "Body"),
    ("investigator", "Investigator"),
    ("remedy_type", "Remedy type"),
    ("kind", "Personal or service improvement"),
    ("description", "What the body must do"),
    ("amount", "Amount (GBP)"),
    ("status", "Status"),
    ("original_due_on", "Original due date"),
    ("due_on", "Due date"),
    ("age_working_days", "Age (working days past due)"),
    ("escalated_on", "Escalated on"),
    ("last_chased_on", "Last chased on"),
    ("evidence_received_on", "Evidence awaiting a verdict, received on"),
    ("assigned_to", "Assigned to"),
    ("outcome_on", "Outcome date"),
)


def csv_cell(value: Any) -> str:
    """One cell: dates ISO, amounts and counts plain, text made safe for spreadsheets.

    Text starting with = + - @ (or a tab or carriage return) would run as a formula when the file is
    opened in a spreadsheet, so it gets a leading apostrophe (OWASP's advice). Numbers are written as
    numbers: a negative age is data, not a formula.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def export_record(row: Mapping[str, Any]) -> list[str]:
    """A shown row (see ``finish_rows``) as CSV cells, in EXPORT_COLUMNS order."""
    values = {
        "recommendation_id": row["id"], "case_reference": row["case_reference"], "body": row["body_name"],
        "investigator": row.get("investigator_name") or "", "remedy_type": remedy_label(row["remedy_type"]),
        "kind": KINDS.get(kind_of(row["remedy_type"]), ""), "description": row.get("description", ""),
        "amount": row.get("amount"), "status": row["status"].label, "original_due_on": row["original_due_on"],
        "due_on": row["due_on"], "age_working_days": row["age"], "escalated_on": row.get("escalated_on"),
        "last_chased_on": row.get("last_chased_on"), "evidence_received_on": row.get("evidence_received_on"),
        "assigned_to": row.get("assigned_to_name") or "", "outcome_on": row.get("outcome_on"),
    }
    return [csv_cell(values[key]) for key, _ in EXPORT_COLUMNS]


def csv_lines(records: Iterable[Sequence[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(records)
    return buffer.getvalue()


def csv_header() -> str:
    return csv_lines([[label for _, label in EXPORT_COLUMNS]])


# ---------------------------------------------------------------------------------------------
# Conditions


def _awaiting_verdict():
    # verdict = '' as a literal: the planner matches it to the partial index of evidence awaiting one
    return WhereRaw('"remedies_recommendation"."id" IN (SELECT "recommendation" FROM "remedies_evidence" '
                    "WHERE \"verdict\" = '')")


def list_condition(worklist: WorkList, today: date, calendar: WorkingDayCalendar):
    """The recommendations on a list today."""
    if worklist is WorkList.AWAITING:
        return outstanding() & _awaiting_verdict()
    status = {WorkList.OVERDUE: Status.OVERDUE, WorkList.DUE_SOON: Status.DUE_SOON,
              WorkList.ESCALATED: Status.ESCALATED}[worklist]
    return status_condition(status, today, calendar)


def filter_conditions(filters: Filters, viewer: Viewer, today: date, calendar: WorkingDayCalendar) -> list:
    """The filters (and need-to-know) as where-clauses, ANDed by the caller."""
    conditions = []
    if (visible := visible_recommendations(viewer)) is not None:
        conditions.append(visible)
    if filters.body is not None:
        conditions.append(Recommendation.body == filters.body)
    if filters.investigator is not None:
        # An investigator has thousands of cases, few of them with anything outstanding: look up the
        # case of each row the worklist index offers (a primary-key probe), rather than listing them all.
        conditions.append(WhereRaw('(SELECT "investigator" FROM "investigations_case" '
                                   'WHERE "id" = "remedies_recommendation"."case") = {}', filters.investigator))
    if filters.officer == MINE:
        conditions.append(_not_by_own_index("assigned_to", "= {}", viewer.user_id))
    elif filters.officer == UNASSIGNED:
        conditions.append(_not_by_own_index("assigned_to", "IS NULL"))
    elif filters.officer:
        conditions.append(_not_by_own_index("assigned_to", "= {}", int(filters.officer)))
    if filters.remedy_type:
        conditions.append(_not_by_own_index("remedy_type", "= {}", filters.remedy_type))
    if filters.kind:
        types = [key for key, t in REMEDY_TYPES.items() if t.kind.value == filters.kind]
        conditions.append(_not_by_own_index("remedy_type", f"IN ({', '.join(['{}'] * len(types))})", *types))
    if filters.status:
        conditions.append(status_condition(Status(filters.status), today, calendar))
    return conditions


def _plus() -> str:
    return "+" if is_sqlite() else ""


def _not_by_own_index(column: str, test: str, *values: Any) -> WhereRaw:
    """A condition on a column the worklist index also holds, written so that SQLite tests it there.

    A remedy type or an officer matches tens of thousands of recommendations, most of them long
    closed; their own indexes would make SQLite read all of those rows. Unary + keeps the planner
    on the worklist index (outstanding ones by due date), where the column is read for free.
    """
    return WhereRaw(f'{_plus()}"remedies_recommendation"."{column}" {test}', *values)


def _where(query, conditions: Sequence):
    return query.where(*conditions) if conditions else query


# ---------------------------------------------------------------------------------------------
# Reading a list


async def count(conditions: Sequence) -> int:
    return await _where(Recommendation.count(), conditions)


def _all_of(conditions: Sequence) -> QueryString:
    """Where-clauses ANDed, as SQL to put into a raw query (they name "remedies_recommendation" in full)."""
    return QueryString(" AND ".join(["({})"] * len(conditions)) or "1 = 1", *(c.querystring for c in conditions))


@dataclass(frozen=True)
class Group:
    """One line of a "grouped by" table: a body or an investigator and how many it has on the list."""

    id: int | None
    name: str
    count: int


@dataclass(frozen=True)
class Groups:
    by_body: list[Group]
    by_investigator: list[Group]
    total: int


def group_totals(pairs: Iterable[tuple[int, int | None, int]], body_names: Mapping[int, str],
                 investigator_names: Mapping[int, str]) -> Groups:
    """(body, investigator, count) triples as two tables, most first then by name (pure)."""
    bodies: dict[int, int] = {}
    investigators: dict[int | None, int] = {}
    total = 0
    for body, investigator, n in pairs:
        bodies[body] = bodies.get(body, 0) + n
        investigators[investigator] = investigators.get(investigator, 0) + n
        total += n

    def ordered(groups: list[Group]) -> list[Group]:
        return sorted(groups, key=lambda g: (-g.count, g.name.casefold(), g.id or 0))

    return Groups(
        by_body=ordered([Group(b, body_names.get(b, f"Body {b}"), n) for b, n in bodies.items()]),
        by_investigator=ordered([
            Group(i, investigator_names.get(i, "No investigator") if i is not None else "No investigator", n)
            for i, n in investigators.items()
        ]),
        total=total,
    )


async def groups(conditions: Sequence) -> Groups:
    """Counts by body and by the case's investigator, in one grouped query.

    Each row's investigator is read from the small (id, investigator) index of cases, not the wide
    case rows; SQLite prefers the table's own key unless told (INDEXED BY)."""
    hint = "INDEXED BY remedies_case_investigator " if is_sqlite() else ""
    rows = await Recommendation.raw(
        "SELECT remedies_recommendation.body AS body_id, k.investigator AS investigator_id, COUNT(*) AS n "
        f"FROM remedies_recommendation LEFT JOIN investigations_case AS k {hint}"
        'ON k.id = remedies_recommendation."case" '
        "WHERE {} GROUP BY remedies_recommendation.body, k.investigator", _all_of(conditions))
    pairs = [(r["body_id"], r["investigator_id"], r["n"]) for r in rows]
    body_ids = sorted({p[0] for p in pairs})
    investigator_ids = sorted({p[1] for p in pairs if p[1] is not None})
    bodies = {r["id"]: r["name"] for r in await fetch_rows(
        f"SELECT id, name FROM investigations_body WHERE id IN ({in_list(body_ids)})", body_ids)} if body_ids else {}
    people = {r["id"]: r["full_name"] for r in await fetch_rows(
        f"SELECT id, full_name FROM workbench_user WHERE id IN ({in_list(investigator_ids)})", investigator_ids)} \
        if investigator_ids else {}
    return group_totals(pairs, bodies, people)


_ROW_SQL = (  # a list's rows by id: the recommendation, its case's reference and investigator, body and officer
    "SELECT r.id, k.reference AS case_reference, r.body AS body_id, b.name AS body_name, "
    "inv.full_name AS investigator_name, r.remedy_type, r.description, r.amount, r.original_due_on, r.due_on, "
    "r.outcome, r.outcome_on, r.ceased_reason, r.escalated_on, r.last_chased_on, r.assigned_to AS assigned_to_id, "
    "officer.full_name AS assigned_to_name FROM remedies_recommendation r "
    'LEFT JOIN investigations_case k ON k.id = r."case" '
    "LEFT JOIN investigations_body b ON b.id = r.body "
    "LEFT JOIN workbench_user inv ON inv.id = k.investigator "
    "LEFT JOIN workbench_user officer ON officer.id = r.assigned_to "
)


#: A list's order: due date first, then the rest of the worklist index's columns and the id, so the
#: order is total (pages never overlap) and the index itself delivers it: no sort, and no temptation
#: for SQLite to walk the plain due_on index over every past recommendation instead.
_ORDER = (Recommendation.due_on, Recommendation.escalated_on, Recommendation.body, Recommendation.assigned_to,
          Recommendation.remedy_type, Recommendation.case, Recommendation.id)


def _ordered(query, newest_first: bool):
    for column in _ORDER:
        query = query.order_by(column, ascending=not newest_first)
    return query


async def _ids(conditions: Sequence, *, limit: int | None, offset: int = 0, newest_first: bool = False) -> list[int]:
    """The ids of a list in order, read from the index alone."""
    query = _ordered(_where(Recommendation.select(Recommendation.id), conditions), newest_first)
    if limit is not None:
        query = query.limit(limit).offset(offset)
    return await query.output(as_list=True)


async def _awaiting_since(ids: list[int]) -> dict[int, date]:
    """The earliest evidence still awaiting a verdict, for each of these recommendations."""
    if not ids:
        return {}
    found: dict[int, date] = {}
    for row in await fetch_rows(
        f"SELECT recommendation, received_on FROM remedies_evidence WHERE verdict = {placeholder(1)} "
        f"AND recommendation IN ({in_list(ids, first=2)})", ["", *ids]
    ):
        rid = row["recommendation"]
        if rid not in found or row["received_on"] < found[rid]:
            found[rid] = row["received_on"]
    return found


def finish_rows(rows: list[dict[str, Any]], awaiting: Mapping[int, date], today: date,
                calendar: WorkingDayCalendar) -> list[dict[str, Any]]:
    """Add what the screen shows beside the stored columns: status, age, labels (pure)."""
    for row in rows:
        if row["amount"] is not None:  # pounds and pence, whatever the engine hands back (SQLite: 250)
            row["amount"] = Decimal(str(row["amount"])).quantize(PENNY)
        row["status"] = status_of(row, today, calendar)
        row["status_colour"] = STATUS_COLOURS[row["status"]]
        row["age"] = age_working_days(row["due_on"], today, calendar)
        row["age_text"] = age_text(row["age"])
        row["remedy_label"] = remedy_label(row["remedy_type"])
        row["kind"] = kind_of(row["remedy_type"])
        row["evidence_received_on"] = awaiting.get(row["id"])
    return rows


async def rows_by_id(ids: list[int], today: date, calendar: WorkingDayCalendar) -> list[dict[str, Any]]:
    """These recommendations, in this order, with what the screen shows (one query, whatever their number)."""
    if not ids:
        return []
    found = {r["id"]: r for r in await fetch_rows(_ROW_SQL + f"WHERE r.id IN ({in_list(ids)})", ids)}
    rows = [found[i] for i in ids if i in found]
    return finish_rows(rows, await _awaiting_since(ids), today, calendar)


async def page_rows(conditions: Sequence, today: date, calendar: WorkingDayCalendar, *, limit: int = PAGE_SIZE,
                    offset: int = 0, newest_first: bool = False) -> list[dict[str, Any]]:
    """One page of a list, oldest due date first (or newest first), with status and age: the page's ids
    from the index, then those rows."""
    ids = await _ids(conditions, limit=limit, offset=offset, newest_first=newest_first)
    return await rows_by_id(ids, today, calendar)


async def export_rows(conditions: Sequence, today: date, calendar: WorkingDayCalendar,
                      newest_first: bool = False) -> AsyncIterator[list[dict[str, Any]]]:
    """Every row of a list, a batch at a time (for streaming a CSV): all the ids at once, rows by batch."""
    ids = await _ids(conditions, limit=None, newest_first=newest_first)
    for start in range(0, len(ids), EXPORT_BATCH):
        yield await rows_by_id(ids[start:start + EXPORT_BATCH], today, calendar)


async def export_csv(conditions: Sequence, today: date, calendar: WorkingDayCalendar,
                     newest_first: bool = False) -> AsyncIterator[str]:
    """A list as CSV text: the header, then every matching row (not just a page)."""
    yield csv_header()
    async for batch in export_rows(conditions, today, calendar, newest_first):
        yield csv_lines(export_record(row) for row in batch)


# ---------------------------------------------------------------------------------------------
# The dashboard


@dataclass(frozen=True)
class Dashboard:
    view: ListView
    counts: dict[WorkList, int]
    groups: Groups
    rows: list[dict[str, Any]]

    @property
    def total(self) -> int:
        return self.counts[self.view.worklist]

    @property
    def pages(self) -> int:
        return page_count(self.total)


async def dashboard(view: ListView, viewer: Viewer, today: date, calendar: WorkingDayCalendar) -> Dashboard:
    """The four lists' counts (filtered), the chosen list grouped by body and investigator, and one page."""
    narrowed = filter_conditions(replace(view.filters, status=""), viewer, today, calendar)
    # A count per list, each a range of the outstanding recommendations' partial index: measured at
    # 300,000, one query summing CASEs over every outstanding row was slower (PostgreSQL ~28 vs ~17 ms).
    counts: dict[WorkList, int] = {}
    for worklist in WorkList:
        if worklist is not view.worklist:
            counts[worklist] = await count([list_condition(worklist, today, calendar), *narrowed])
    chosen = [list_condition(view.worklist, today, calendar), *narrowed]
    grouped = await groups(chosen)
    counts[view.worklist] = grouped.total
    page = min(view.page, page_count(grouped.total))
    rows = await page_rows(chosen, today, calendar, offset=(page - 1) * PAGE_SIZE) if grouped.total else []
    return Dashboard(replace(view, page=page), {w: counts[w] for w in WorkList}, grouped, rows)


# ---------------------------------------------------------------------------------------------
# Choices for the filters and the assign action


async def compliance_officers() -> list[dict[str, Any]]:
    """Active compliance officers, by name: whom work can be assigned to."""
    return await fetch_rows(
        f"SELECT id, full_name, username FROM workbench_user WHERE role = {placeholder(1)} AND active = {placeholder(2)} "
        "ORDER BY full_name", [Role.COMPLIANCE_OFFICER.value, True])


async def filter_options(viewer: Viewer) -> dict[str, list[tuple[str, str]]]:
    """(value, text) for each select on the filter form."""
    bodies = await fetch_rows(
        f"SELECT id, name FROM investigations_body WHERE active = {placeholder(1)} ORDER BY name", [True])
    investigators = await allocatable_staff()
    officers = [(MINE, "Assigned to me"), (UNASSIGNED, "Unassigned")] + [
        (str(u["id"]), u["full_name"] or u["username"]) for u in await compliance_officers() if u["id"] != viewer.user_id
    ]
    return {
        "body": [(str(b["id"]), b["name"]) for b in bodies],
        "investigator": [(str(u["id"]), u["full_name"]) for u in investigators],
        "officer": officers,
        "remedy_type": [(key, t.label) for key, t in REMEDY_TYPES.items()],
        "kind": list(KINDS.items()),
        "status": [(s.value, s.label) for s in Status],
    }
