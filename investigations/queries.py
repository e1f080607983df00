"""Reading cases: the case list with its search, one case with its parties, workload counts.

Every list respects need-to-know: restricted cases appear only to those who may open them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from piccolo.columns.combination import WhereRaw
from piccolo.query.functions.aggregate import Count
from piccolo.querystring import QueryString

from investigations import worklists
from investigations.body_search import BodyCandidate
from investigations.access import Viewer, may_view_case
from investigations.lifecycle import Stage
from investigations.references import parse_reference
from investigations.tables import Body, Case, Category
from investigations.worklists import Queue
from workbench.db import engine, fetch_rows, in_list, is_sqlite, placeholder
from workbench.roles import Role
from workbench.tables import User
from workbench.forms import whole_number

PAGE_SIZE = worklists.PAGE_SIZE
KEYS_CAP = 1_000  # a search matching at most this many cases is ordered and counted from its ids alone
PRIORITY_CAP = 5_000  # the allocation order is computed in Python for at most this many cases
FEW_BODIES = 25  # more bodies than this matching a name: test each case instead of listing their cases
MIN_SEARCH_LENGTH = worklists.MIN_SEARCH_LENGTH
MIN_SUMMARY_WORD = 3

_CASE = '"investigations_case"'
FTS_TABLE = "investigations_case_fts"


def _visibility(viewer: Viewer, indexable: bool = True):
    """The SQL condition that hides restricted cases from those without need-to-know.

    The worklist index holds restricted and investigator, so counts never read the case rows for this.
    Not ``indexable`` for a search: SQLite would otherwise drive the search from this OR (nearly
    every case) instead of from the matched ids (138 ms -> 10 ms at 100,000 cases).
    """
    if viewer.role is Role.ADMINISTRATOR:
        return None
    plus = _plus(indexable)
    return WhereRaw(
        f'({plus}"investigations_case"."restricted" = false OR {plus}"investigations_case"."investigator" = {{}} '
        f'OR {plus}"investigations_case"."investigator" IN (SELECT id FROM workbench_user WHERE manager = {{}}))',
        viewer.user_id,
        viewer.user_id,
    )


@dataclass(frozen=True)
class CaseFilters:
    """What a working list shows. Values are already validated (worklists.read_list_params)."""

    q: str = ""
    stage: str = ""
    queue: Queue | None = None  # None: "mine" when `mine`, otherwise all cases
    mine: bool = False
    open_only: bool = False
    body: str = ""  # part of a body's name or alias, or a body id
    category: str = ""  # category slug
    investigator: int | None = None
    received_from: date | None = None
    received_to: date | None = None
    sort: str = "-received"
    limit: int = PAGE_SIZE
    offset: int = 0
    exact_total: bool = False  # count every match (the API); the page stops counting at a cap
    today: date | None = None

    @property
    def effective_queue(self) -> Queue:
        return self.queue or (Queue.MINE if self.mine else Queue.ALL)


@dataclass(frozen=True)
class CasePage:
    rows: list[dict[str, Any]]
    total: int
    limit: int = PAGE_SIZE
    offset: int = 0
    total_capped: bool = False  # more cases matched than `total`; the count stopped there

    @property
    def page(self) -> int:
        return self.offset // self.limit + 1

    @property
    def pages(self) -> int:
        return worklists.page_count(self.total, self.limit)

    @property
    def has_next(self) -> bool:
        if self.total_capped:
            return len(self.rows) == self.limit
        return self.offset + len(self.rows) < self.total


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


_bodies_read: tuple[tuple, list[tuple[int, str, tuple[str, ...]]]] = ((), [])


async def _searchable_bodies() -> list[tuple[int, str, tuple[str, ...]]]:
    """Every body's id with its name and aliases casefolded, kept between requests while the table's
    count and highest id stay the same (bodies are only ever added, by the reference data and imports):
    a search read and parsed all 372 rows' JSON every time."""
    global _bodies_read
    db = engine()
    stamp = (id(db), getattr(db, "path", None), tuple(
        (await fetch_rows("SELECT COUNT(*) AS n, MAX(id) AS last FROM investigations_body"))[0].values()))
    if _bodies_read[0] != stamp:
        bodies = []
        for body in await fetch_rows("SELECT id, name, aliases FROM investigations_body"):
            aliases = body["aliases"]
            if isinstance(aliases, str):
                aliases = json.loads(aliases or "[]")
            bodies.append((int(body["id"]), body["name"].casefold(), tuple(str(a).casefold() for a in aliases or ())))
        _bodies_read = (stamp, bodies)
    return _bodies_read[1]


async def body_ids_matching(text: str) -> list[int]:
    """Bodies whose name or an alias contains the text (or the body with that id)."""
    text = text.strip()
    if (body_id := whole_number(text)) is not None:
        return [body_id]
    wanted = text.casefold()
    return [body_id for body_id, name, aliases in await _searchable_bodies()
            if wanted in name or any(wanted in alias for alias in aliases)]


def _plus(indexable: bool) -> str:
    """SQLite's unary + stops a term from choosing the index, so ORDER BY ... LIMIT can walk its own."""
    return "" if indexable or not is_sqlite() else "+"


def _in_subquery(column: str, subquery: str, searching: bool) -> str:
    """``column IN (subquery)``; in a search on PostgreSQL ``= ANY(ARRAY(...))``, which an index scan
    answers, so the search's alternatives combine in a BitmapOr instead of a scan of every case."""
    if searching and not is_sqlite():
        return f"{column} = ANY(ARRAY({subquery}))"
    return f"{column} IN ({subquery})"


def _bodies_sql(ids: list[int], indexable: bool, searching: bool = False) -> str:
    listed = ", ".join(str(int(i)) for i in ids)
    if len(ids) <= FEW_BODIES:
        return _in_subquery(f'{_plus(indexable)}{_CASE}."id"',
                            f'SELECT "case" FROM "investigations_case_body" WHERE "body" IN ({listed})', searching)
    # Probe each case's own links, then test the body (SQLite would otherwise probe every listed body).
    return (f'EXISTS (SELECT 1 FROM "investigations_case_body" AS cb WHERE cb."case" = {_CASE}."id" '
            f'AND {_plus(False)}cb."body" IN ({listed}))')


def _names_sql(q: str) -> tuple[str, list[str]]:
    """Complainants whose family or given name starts with the text, or "given family-prefix"."""
    if is_sqlite():  # LIKE ignores case; the NOCASE indexes answer a prefix
        column, value = (lambda name: f'"{name}"'), (lambda text: text)
    else:  # lower(...) with text_pattern_ops indexes
        column, value = (lambda name: f'lower("{name}")'), (lambda text: text.lower())
    like = "LIKE {} ESCAPE '\\'"
    parts = [f"{column('family_name')} {like}", f"{column('given_name')} {like}"]
    args = [value(_escape_like(q)) + "%"] * 2
    given, _, family = q.partition(" ")
    if family.strip():
        parts.append(f"({column('given_name')} {like} AND {column('family_name')} {like})")
        args += [value(_escape_like(given)), value(_escape_like(family.strip())) + "%"]
    return f'SELECT "id" FROM "investigations_person" WHERE {" OR ".join(parts)}', args


_fts_ready = False


async def _has_fts() -> bool:
    """The summary word index (SQLite; created by the worklist migration)."""
    global _fts_ready
    if not _fts_ready and is_sqlite():
        _fts_ready = bool(await Case.raw("SELECT name FROM sqlite_master WHERE name = {}", FTS_TABLE))
    return _fts_ready and is_sqlite()


@dataclass(frozen=True)
class _Search:
    """A free-text search: summary words, complainant names and body names, any of them."""

    summary_sql: str | None
    summary_args: list[str]
    names_sql: str
    names_args: list[str]
    body_ids: list[int]

    def condition(self, indexable: bool) -> WhereRaw:
        plus = _plus(indexable)
        parts = [_in_subquery(f'{plus}{_CASE}."complainant"', self.names_sql, searching=True)]
        args = list(self.names_args)
        if self.summary_sql:
            parts.insert(0, self.summary_sql.replace("{plus}", plus))
            args = [*self.summary_args, *args]
        if self.body_ids:
            parts.append(_bodies_sql(self.body_ids, indexable, searching=True))
        return WhereRaw("(" + " OR ".join(parts) + ")", *args)


async def _search(q: str) -> _Search | WhereRaw | Any:
    """The text condition: a reference (whole in any spelling, or its first digits), else a `_Search`."""
    try:
        reference, _ = parse_reference(q)
        return Case.reference == reference
    except ValueError:
        pass
    if (prefix := worklists.partial_reference(q)) is not None:
        if is_sqlite():  # GLOB is case-sensitive, so the reference index answers it
            return WhereRaw(f'{_CASE}."reference" GLOB {{}}', prefix + "*")
        return WhereRaw(f'{_CASE}."reference" LIKE {{}}', prefix + "%")
    summary_sql, summary_args = None, []
    words = [w for w in re.findall(r"[^\W_]+", q.casefold()) if len(w) >= MIN_SUMMARY_WORD]
    if words and await _has_fts():  # each word starts a word of the summary
        summary_sql = f'{{plus}}{_CASE}."id" IN (SELECT rowid FROM "{FTS_TABLE}" WHERE "{FTS_TABLE}" MATCH {{}})'
        summary_args = [" ".join(f'"{w}"*' for w in words)]
    elif words:  # each word is in the summary (a trigram index answers it on PostgreSQL)
        like = f"{_CASE}.\"summary\" {'LIKE' if is_sqlite() else 'ILIKE'} {{}} ESCAPE '\\'"
        summary_sql = "(" + " AND ".join([like] * len(words)) + ")"
        summary_args = [f"%{_escape_like(w)}%" for w in words]
    names_sql, names_args = _names_sql(q)
    return _Search(summary_sql, summary_args, names_sql, names_args, await body_ids_matching(q))


class _NoMatch(Exception):
    """A filter that no case can pass (an unknown category, a body name nothing matches)."""


async def _conditions(viewer: Viewer, f: CaseFilters, searching: bool = False) -> tuple[list, bool]:
    """The filters other than free text, and whether one of them is costly to count (bodies)."""
    conditions = []
    if (visible := _visibility(viewer, indexable=not searching)) is not None:
        conditions.append(visible)
    queue = f.effective_queue
    if queue is Queue.MINE:
        conditions.append(Case.investigator == viewer.user_id)
        if not f.stage:
            conditions.append(Case.stage.is_in(worklists.open_stage_values()))
    elif queue is Queue.UNALLOCATED:
        conditions.append(Case.investigator.is_null())
        conditions.append(Case.stage.is_in([s.value for s in worklists.UNALLOCATED_STAGES]))
    if f.open_only:
        conditions.append(Case.stage.is_in(worklists.open_stage_values()))
    if f.stage:
        conditions.append(Case.stage == f.stage)
    if f.category:
        category = await Category.select(Category.id).where(Category.slug == f.category).first()
        if category is None:
            raise _NoMatch
        conditions.append(Case.category == category["id"])
    if f.investigator is not None:
        conditions.append(Case.investigator == f.investigator)
    if f.received_from:
        conditions.append(Case.received_on >= f.received_from)
    if f.received_to:
        conditions.append(Case.received_on <= f.received_to)
    costly = False
    if f.body.strip():
        ids = await body_ids_matching(f.body)
        if not ids:
            raise _NoMatch
        conditions.append(WhereRaw(_bodies_sql(ids, indexable=True)))
        costly = len(ids) > FEW_BODIES
    return conditions, costly


def _where(query, conditions):
    for condition in conditions:
        query = query.where(condition)
    return query


def _stages_possible(f: CaseFilters) -> set[str]:
    """The stages a list can hold, so sorting by age can use a plain column when they share one clock."""
    stages = {s.value for s in Stage}
    queue = f.effective_queue
    if f.stage:
        stages &= {f.stage}
    if queue is Queue.UNALLOCATED:
        stages &= {s.value for s in worklists.UNALLOCATED_STAGES}
    if f.open_only or (queue is Queue.MINE and not f.stage):
        stages &= set(worklists.open_stage_values())
    return stages


def _clock_sql(f: CaseFilters) -> QueryString:
    """SQL for worklists.clock_start: the day the case's age is counted from."""
    stage_clock = {s.value for s in worklists.STAGE_CLOCK_STAGES}
    if not _stages_possible(f) & stage_clock:
        return QueryString(f'{_CASE}."received_on"')
    listed = ", ".join(f"'{s}'" for s in sorted(stage_clock))
    return QueryString(
        f'CASE WHEN {_CASE}."stage" IN ({listed}) AND {_CASE}."stage_entered_on" IS NOT NULL '
        f'THEN {_CASE}."stage_entered_on" ELSE {_CASE}."received_on" END'
    )


def _order(query, f: CaseFilters, sort: str):
    """ORDER BY for a whitelisted sort: the same order as worklists.sort_cases (ties broken by id)."""
    if sort == "priority":  # without the intake-priority step: only used past PRIORITY_CAP cases
        return query.order_by(Case.urgent, ascending=False).order_by(_clock_sql(f)).order_by(Case.id)
    column, descending = sort.lstrip("-"), sort.startswith("-")
    ascending = not descending
    if column == "received":
        expression = Case.received_on
    elif column == "reference":
        expression = Case.reference
    elif column == "stage":
        ranks = " ".join(f"WHEN '{value}' THEN {rank}" for value, rank in worklists.STAGE_ORDER.items())
        expression = QueryString(f'CASE {_CASE}."stage" {ranks} ELSE {len(worklists.STAGE_ORDER)} END')
    elif column == "age":
        expression, ascending = _clock_sql(f), descending  # youngest first = latest clock start first
    else:
        raise ValueError(f"Unknown sort {sort!r}")
    return query.order_by(expression, ascending=ascending).order_by(Case.id, ascending=ascending)


async def _count(conditions, cap: int | None) -> int:
    """COUNT(*), or COUNT(*) of at most `cap` rows (so a huge match stops early)."""
    if cap is None:
        return await _where(Case.count(), conditions)
    inner = _where(Case.select(Case.id), conditions).limit(cap)
    rows = await Case.raw("SELECT COUNT(*) AS n FROM ({}) AS capped", inner.querystrings[0])
    return rows[0]["n"]


async def _ids(conditions, f: CaseFilters, sort: str, limit: int, offset: int) -> list[int]:
    query = _order(_where(Case.select(Case.id), conditions), f, sort).limit(limit).offset(offset)
    return await query.output(as_list=True)


async def list_cases(viewer: Viewer, filters: CaseFilters) -> CasePage:
    """One page of a working list, its total, and each row's age against its stage's target.

    The cheapest exact route for each kind of list:
    - free text: matching ids are read once (up to KEYS_CAP); a narrow search is ordered and counted
      from them. A broad one says "more than KEYS_CAP" and lets the database walk its order;
    - filters only: an exact count from the worklist indexes (capped at COUNT_CAP for many bodies);
    - the allocation order ("priority") is computed in Python, as it needs working days.
    Ages are computed for the rows shown only; a page is read as ids first, then those rows.
    """
    f = filters
    today = f.today or worklists.london_today()
    limit, offset, sort = max(1, f.limit), max(0, f.offset), f.sort
    empty = CasePage(rows=[], total=0, limit=limit, offset=offset)
    q = f.q.strip()
    search = await _search(q) if len(q) >= MIN_SEARCH_LENGTH else None
    try:
        conditions, costly = await _conditions(viewer, f, searching=isinstance(search, _Search))
    except _NoMatch:
        return empty
    if search is not None and not isinstance(search, _Search):  # a reference
        conditions, search = [*conditions, search], None

    if sort == "priority":
        wanted = conditions + ([search.condition(indexable=True)] if search else [])
        keys = await _where(
            Case.select(Case.id, Case.reference, Case.received_on, Case.stage, Case.stage_entered_on, Case.urgent),
            wanted,
        ).limit(PRIORITY_CAP + 1)
        if len(keys) <= PRIORITY_CAP:
            ordered = worklists.sort_cases((worklists.SortKey(**k) for k in keys), sort, today)
            page_ids = [k.id for k in ordered[offset : offset + limit]]
            return CasePage(await _rows(page_ids, today), total=len(keys), limit=limit, offset=offset)

    if search is not None:
        found = await _where(Case.select(Case.id), conditions + [search.condition(indexable=True)]).limit(
            KEYS_CAP + 1
        ).output(as_list=True)
        if len(found) <= KEYS_CAP:  # narrow: order and count these ids only
            if not found:
                return empty
            page_ids = await _ids([Case.id.is_in(found)], f, sort, limit, offset)
            return CasePage(await _rows(page_ids, today), total=len(found), limit=limit, offset=offset)
        conditions = conditions + [search.condition(indexable=False)]
        if f.exact_total:
            total, capped = await _count(conditions, None), False
        else:
            total, capped = KEYS_CAP, True
    elif costly and not f.exact_total:
        total = await _count(conditions, worklists.COUNT_CAP + 1)
        capped, total = total > worklists.COUNT_CAP, min(total, worklists.COUNT_CAP)
    else:
        total, capped = await _count(conditions, None), False
    page_ids = await _ids(conditions, f, sort, limit, offset) if total else []
    return CasePage(await _rows(page_ids, today), total=total, limit=limit, offset=offset, total_capped=capped)


async def _rows(ids: list[int], today: date) -> list[dict[str, Any]]:
    """The rows shown, in the given order, with their bodies and ages."""
    if not ids:
        return []
    found = await fetch_rows(
        "SELECT k.id, k.reference, k.received_on, k.decided_on, k.stage, k.stage_entered_on, k.outcome, k.restricted, "
        "k.urgent, k.investigator AS investigator_id, cat.name AS category, sub.name AS subcategory, "
        "inv.full_name AS investigator, p.given_name AS complainant_given_name, p.family_name AS complainant "
        "FROM investigations_case k "
        "LEFT JOIN investigations_category cat ON cat.id = k.category "
        "LEFT JOIN investigations_subcategory sub ON sub.id = k.subcategory "
        "LEFT JOIN workbench_user inv ON inv.id = k.investigator "
        "LEFT JOIN investigations_person p ON p.id = k.complainant "
        f"WHERE k.id IN ({in_list(ids)})", ids)
    by_id = {r["id"]: r for r in found}
    rows = [by_id[i] for i in ids if i in by_id]
    await _attach_bodies(rows)
    for row in rows:
        row["age"] = worklists.case_age(
            row["stage"], row["received_on"], row["stage_entered_on"], today,
            decided_on=row["decided_on"], urgent=bool(row["urgent"]), allocated=row["investigator_id"] is not None,
        )
    return rows


async def _attach_bodies(rows: list[dict[str, Any]]) -> None:
    """One query for the bodies of a whole page of cases, not one per row."""
    if not rows:
        return
    ids = [r["id"] for r in rows]
    links = await fetch_rows(
        'SELECT cb."case", b.name FROM investigations_case_body cb JOIN investigations_body b ON b.id = cb.body '
        f'WHERE cb."case" IN ({in_list(ids)}) ORDER BY cb.suffix', ids)
    by_case: dict[int, list[str]] = {}
    for link in links:
        by_case.setdefault(link["case"], []).append(link["name"])
    for row in rows:
        row["bodies"] = by_case.get(row["id"], [])


async def body_candidates() -> list[BodyCandidate]:
    """Every active body with its aliases, for type-ahead and name matching (a few hundred rows)."""
    rows = await Body.select(Body.id, Body.name, Body.aliases, Body.body_type).where(Body.active == True)  # noqa: E712
    return [
        BodyCandidate(r["id"], r["name"], tuple(json.loads(r["aliases"]) if isinstance(r["aliases"], str) else r["aliases"]),
                      r["body_type"])
        for r in rows
    ]


async def active_investigators() -> list[dict[str, Any]]:
    """For the investigator filter: active investigators by name."""
    return await fetch_rows(
        f"SELECT id, full_name, username FROM workbench_user WHERE role = {placeholder(1)} AND active = {placeholder(2)} "
        "ORDER BY full_name", [Role.INVESTIGATOR.value, True])


async def allocatable_staff() -> list[dict[str, Any]]:
    """Whom a case can be allocated to: active investigators and managers, by name."""
    return await fetch_rows(
        f"SELECT id, full_name FROM workbench_user WHERE role IN ({placeholder(1)}, {placeholder(2)}) "
        f"AND active = {placeholder(3)} ORDER BY full_name", [Role.INVESTIGATOR.value, Role.MANAGER.value, True])


async def categories() -> list[dict[str, Any]]:
    return await fetch_rows("SELECT slug, name FROM investigations_category ORDER BY name")


class CaseNotFound(LookupError):
    pass


PARTIES = ("complainant", "person_affected", "representative")
PERSON_COLUMNS = ("id", "title", "given_name", "family_name", "address", "postcode", "email", "phone", "date_of_birth")


def _case_sql() -> str:
    """One case with its category, subcategory, investigator and parties (each party's columns
    prefixed with its role), as one joined read: the case page asks for it on every request."""
    parties = ", ".join(f'{role[:2]}."{column}" AS "{role}__{column}"' for role in PARTIES for column in PERSON_COLUMNS)
    joins = " ".join(f'LEFT JOIN investigations_person {role[:2]} ON {role[:2]}.id = k."{role}"' for role in PARTIES)
    return (
        "SELECT k.*, cat.name AS category_name, sub.name AS subcategory_name, "
        f"inv.full_name AS investigator_name, inv.manager AS investigator_manager, {parties} "
        "FROM investigations_case k "
        "LEFT JOIN investigations_category cat ON cat.id = k.category "
        "LEFT JOIN investigations_subcategory sub ON sub.id = k.subcategory "
        f"LEFT JOIN workbench_user inv ON inv.id = k.investigator {joins} "
        f"WHERE k.reference = {placeholder(1)} LIMIT 1"
    )


async def get_case(viewer: Viewer, reference: str) -> dict[str, Any]:
    """One case with its parties and bodies; restricted cases without need-to-know are 'not found'."""
    try:
        normalised, _ = parse_reference(reference)
    except ValueError:  # an imported reference from another scheme is kept exactly as given
        normalised = reference.strip()
        if not 0 < len(normalised) <= 12:
            raise CaseNotFound(reference) from None
    rows = await fetch_rows(_case_sql(), [normalised])
    if not rows:
        raise CaseNotFound(reference)
    case = rows[0]
    if not may_view_case(viewer, case["restricted"], case["investigator"], case["investigator_manager"]):
        raise CaseNotFound(reference)
    for role in PARTIES:
        person = {column: case.pop(f"{role}__{column}") for column in PERSON_COLUMNS}
        case[f"{role}_person"] = person if case[role] else None
    case["bodies"] = await fetch_rows(
        "SELECT cb.suffix, b.id AS body_id, b.name, b.body_type FROM investigations_case_body cb "
        f"JOIN investigations_body b ON b.id = cb.body WHERE cb.\"case\" = {placeholder(1)} ORDER BY cb.suffix",
        [case["id"]],
    )
    return case


async def stage_counts(viewer: Viewer, mine: bool = False) -> dict[str, int]:
    """Cases by stage that the viewer may see (answered from the worklist indexes)."""
    query = Case.select(Case.stage, Count(Case.id, alias="n")).group_by(Case.stage)
    if (visible := _visibility(viewer)) is not None:
        query = query.where(visible)
    if mine:
        query = query.where(Case.investigator == viewer.user_id)
    return {row["stage"]: row["n"] for row in await query}


async def decided_between(viewer: Viewer, start: date, end: date) -> dict[str, int]:
    """Decisions by outcome in a period: the figures a report writer starts from."""
    query = (
        Case.select(Case.outcome, Count(Case.id, alias="n"))
        .where((Case.decided_on >= start) & (Case.decided_on <= end))
        .group_by(Case.outcome)
    )
    if (visible := _visibility(viewer)) is not None:
        query = query.where(visible)
    return {row["outcome"]: row["n"] for row in await query if row["outcome"]}


async def unassigned_count() -> int:
    """Assessment and investigation cases with no investigator (the Unallocated queue, all of it)."""
    return await Case.count().where(
        Case.investigator.is_null() & Case.stage.is_in([Stage.ASSESSMENT.value, Stage.INVESTIGATION.value])
    )


def viewer_for(user: User) -> Viewer:
    return Viewer(user_id=user.id, role=Role(user.role))
