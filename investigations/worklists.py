"""Working lists as plain rules: the queues, stage targets, a case's age against its target, sorting,
filter values and page numbers. No database and no web framework: queries.py and the routes call these.

Targets (domain brief 1.3 and 1.8):

- Assessment: a decision within 20 working days of the case entering assessment (LGSCO Assessment
  Manual, chapter 4).
- Intake: cases "forwarded from Intake that are five working days old or more are prioritised" in the
  unallocated assessment list. Read here as: a case still in intake five working days after it was
  received is flagged *priority*, and so is an unallocated assessment case that had already waited
  five working days or more when intake forwarded it. Allocation order is urgent first, then those
  priority cases, then oldest first.
- Investigation: an overall target of about 26 weeks (130 working days) from receipt to decision,
  which also runs through the draft decision and comments stages. The figure comes from secondary
  sources only (council minutes, a SENDIASS leaflet) **[secondary source: configurable]**: pass your
  own ``targets`` to `case_age` to change it.

Ages count working days with the England and Wales calendar: the day the clock starts is day 0, so
a case received on Monday is 1 working day old on Tuesday (`WorkingDayCalendar.working_days_between`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType
from typing import Literal
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from investigations.lifecycle import OPEN_STAGES, Stage
from workbench.workdays import WorkingDayCalendar, default_calendar
from workbench.forms import whole_number

LONDON = ZoneInfo("Europe/London")

INTAKE_PRIORITY_WORKING_DAYS = 5
PAGE_SIZE = 50
COUNT_CAP = 10_000  # beyond this the list page says "more than 10,000" instead of counting every match
API_MAX_LIMIT = 200

Clock = Literal["stage", "received"]


def london_today() -> date:
    return datetime.now(LONDON).date()


# ---------------------------------------------------------------------------------------------
# Queues


class Queue(StrEnum):
    MINE = "mine"
    UNALLOCATED = "unallocated"
    ALL = "all"

    @property
    def label(self) -> str:
        return {Queue.MINE: "My cases", Queue.UNALLOCATED: "Unallocated", Queue.ALL: "All cases"}[self]


UNALLOCATED_STAGES = (Stage.ASSESSMENT, Stage.INVESTIGATION)


def parse_queue(value: str | None) -> Queue:
    """The queue named, or "all" when none is named; ValueError names the choices."""
    if not value:
        return Queue.ALL
    try:
        return Queue(value)
    except ValueError:
        raise ValueError(f"Unknown queue {value!r}; choose one of {', '.join(q.value for q in Queue)}") from None


# ---------------------------------------------------------------------------------------------
# Targets and ages


class AgeStatus(StrEnum):
    ON_TRACK = "on_track"
    DUE_SOON = "due_soon"
    OVER_TARGET = "over_target"
    PRIORITY = "priority"
    NO_TARGET = "no_target"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return AGE_STATUS_LABELS[self]

    @property
    def colour(self) -> str:
        """The GOV.UK tag colour (govuk-tag--<colour>)."""
        return AGE_STATUS_COLOURS[self]


AGE_STATUS_LABELS = {
    AgeStatus.ON_TRACK: "On track",
    AgeStatus.DUE_SOON: "Due soon",
    AgeStatus.OVER_TARGET: "Over target",
    AgeStatus.PRIORITY: "Priority",
    AgeStatus.NO_TARGET: "No target",
    AgeStatus.CLOSED: "Closed",
}
AGE_STATUS_COLOURS = {
    AgeStatus.ON_TRACK: "green",
    AgeStatus.DUE_SOON: "yellow",
    AgeStatus.OVER_TARGET: "red",
    AgeStatus.PRIORITY: "orange",
    AgeStatus.NO_TARGET: "grey",
    AgeStatus.CLOSED: "grey",
}
URGENT_LABEL, URGENT_COLOUR = "Urgent", "pink"


@dataclass(frozen=True)
class StageTarget:
    """How long a stage should take, in working days, and from when the clock runs."""

    working_days: int
    clock: Clock  # "stage": from entering the stage; "received": from the day the case was received
    due_soon_within: int  # working days left at which a case is "due soon"
    reached_status: AgeStatus  # what a case is once the target is passed (or, for intake, reached)
    reached_at_target: bool  # intake flags at five days ("five working days old or more"), others after
    source: str
    secondary_source: bool = False


ASSESSMENT_TARGET = StageTarget(
    20, "stage", 5, AgeStatus.OVER_TARGET, False,
    "LGSCO Assessment Manual, chapter 4: 20 working day assessment target",
)
INTAKE_TARGET = StageTarget(
    INTAKE_PRIORITY_WORKING_DAYS, "received", 1, AgeStatus.PRIORITY, True,
    "LGSCO Assessment Manual, chapter 4: cases five working days old or more are prioritised",
)
INVESTIGATION_TARGET = StageTarget(
    130, "received", 20, AgeStatus.OVER_TARGET, False,
    "About 26 weeks from receipt to decision (council minutes 2020; SENDIASS): secondary sources",
    secondary_source=True,
)

STAGE_TARGETS: Mapping[Stage, StageTarget] = MappingProxyType({
    Stage.INTAKE: INTAKE_TARGET,
    Stage.ASSESSMENT: ASSESSMENT_TARGET,
    Stage.INVESTIGATION: INVESTIGATION_TARGET,
    Stage.DRAFT_DECISION: INVESTIGATION_TARGET,
    Stage.COMMENTS: INVESTIGATION_TARGET,
})

# Stages whose clock starts when the case entered the stage (with the default targets).
STAGE_CLOCK_STAGES = frozenset(s for s, t in STAGE_TARGETS.items() if t.clock == "stage")


@dataclass(frozen=True)
class CaseAge:
    stage: Stage
    clock_from: date  # the day the clock started (day 0)
    age_working_days: int
    target_working_days: int | None
    working_days_left: int | None  # negative once over the target
    status: AgeStatus
    intake_priority: bool  # forwarded from intake at five working days old or more (or still in intake at five)
    urgent: bool

    @property
    def summary(self) -> str:
        """'12 of 20 working days (8 left)': what the list shows beside the tag."""
        days = _plural(self.age_working_days, "working day")
        if self.status is AgeStatus.CLOSED:
            return f"Decided after {days}"
        if self.target_working_days is None:
            return days
        left = self.working_days_left or 0
        tail = f"{left} left" if left >= 0 else f"{-left} over"
        return f"{self.age_working_days} of {_plural(self.target_working_days, 'working day')} ({tail})"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


@lru_cache(maxsize=65_536)
def _working_days(calendar: WorkingDayCalendar, start: date, end: date) -> int:
    return calendar.working_days_between(start, end)


def clock_start(stage: str, received_on: date, stage_entered_on: date | None) -> date:
    """Day 0 of the case's age: entering the stage for assessment, otherwise the day it was received.

    Sorting by this date (newest first) is sorting by age (youngest first) for every open case.
    """
    if stage in STAGE_CLOCK_STAGES and stage_entered_on is not None:
        return stage_entered_on
    return received_on


def intake_priority(
    stage: str, received_on: date, stage_entered_on: date | None, today: date,
    calendar: WorkingDayCalendar | None = None,
) -> bool:
    """Five working days old or more at intake: still in intake, or when forwarded to assessment."""
    calendar = calendar or default_calendar()
    if stage == Stage.INTAKE:
        return _working_days(calendar, received_on, today) >= INTAKE_PRIORITY_WORKING_DAYS
    if stage == Stage.ASSESSMENT and stage_entered_on is not None:
        return _working_days(calendar, received_on, stage_entered_on) >= INTAKE_PRIORITY_WORKING_DAYS
    return False


def case_age(
    stage: str,
    received_on: date,
    stage_entered_on: date | None,
    today: date,
    *,
    decided_on: date | None = None,
    urgent: bool = False,
    allocated: bool = True,
    calendar: WorkingDayCalendar | None = None,
    targets: Mapping[Stage, StageTarget] = STAGE_TARGETS,
) -> CaseAge:
    """A case's age in working days against its stage's target, and its status.

    - Open stages with a target: on track, due soon (within the target's warning period), over target.
    - Intake: priority once five working days old. Assessment: priority while unallocated if intake
      forwarded it at five working days old or more (unless it is already over the 20-day target).
    - Open stages without a target: age since receipt. Closed: working days from receipt to decision.
    """
    calendar = calendar or default_calendar()
    stage = Stage(stage)
    priority = intake_priority(stage, received_on, stage_entered_on, today, calendar)
    target = targets.get(stage) if stage.is_open else None
    if not stage.is_open:
        end = max(received_on, decided_on or stage_entered_on or today)
        age = _working_days(calendar, received_on, end)
        return CaseAge(stage, received_on, age, None, None, AgeStatus.CLOSED, False, urgent)
    if target is None:
        age = _working_days(calendar, received_on, today)
        return CaseAge(stage, received_on, age, None, None, AgeStatus.NO_TARGET, priority, urgent)
    start = stage_entered_on if target.clock == "stage" and stage_entered_on is not None else received_on
    age = max(0, _working_days(calendar, start, today))
    left = target.working_days - age
    reached = left <= 0 if target.reached_at_target else left < 0
    if reached:
        status = target.reached_status
    elif priority and not allocated:
        status = AgeStatus.PRIORITY
    elif left <= target.due_soon_within:
        status = AgeStatus.DUE_SOON
    else:
        status = AgeStatus.ON_TRACK
    return CaseAge(stage, start, age, target.working_days, left, status, priority, urgent)


# ---------------------------------------------------------------------------------------------
# Sorting


SORT_COLUMNS = ("received", "reference", "stage", "age")
SORTS = frozenset({*SORT_COLUMNS, *(f"-{c}" for c in SORT_COLUMNS), "priority"})
DEFAULT_SORTS = {Queue.MINE: "-age", Queue.UNALLOCATED: "priority", Queue.ALL: "-received"}
STAGE_ORDER = {stage.value: rank for rank, stage in enumerate(Stage)}


def parse_sort(value: str | None, queue: Queue) -> str:
    """A whitelisted sort ("age" youngest first, "-age" oldest first, ...), or the queue's default."""
    if not value:
        return DEFAULT_SORTS[queue]
    if value not in SORTS:
        raise ValueError(f"Unknown sort {value!r}; choose one of {', '.join(sorted(SORTS))}")
    return value


@dataclass(frozen=True)
class SortKey:
    """The columns a list is ordered by, for one case."""

    id: int
    reference: str
    received_on: date
    stage: str
    stage_entered_on: date | None
    urgent: bool = False


def sort_cases(keys: Iterable[SortKey], sort: str, today: date, calendar: WorkingDayCalendar | None = None) -> list[SortKey]:
    """Order cases in Python exactly as queries.py orders them in SQL (ties broken by id).

    "priority" is the allocation order: urgent first, then intake priority, then oldest first.
    """
    keys = list(keys)
    if sort == "priority":
        calendar = calendar or default_calendar()
        return sorted(keys, key=lambda k: (
            not k.urgent,
            not intake_priority(k.stage, k.received_on, k.stage_entered_on, today, calendar),
            clock_start(k.stage, k.received_on, k.stage_entered_on),
            k.id,
        ))
    column, descending = sort.lstrip("-"), sort.startswith("-")
    if column == "received":
        key = lambda k: (k.received_on, k.id)  # noqa: E731
    elif column == "reference":
        key = lambda k: (k.reference, k.id)  # noqa: E731
    elif column == "stage":
        key = lambda k: (STAGE_ORDER.get(k.stage, len(STAGE_ORDER)), k.id)  # noqa: E731
    elif column == "age":
        # Youngest first is the latest clock start first: ascending age is descending date.
        descending = not descending
        key = lambda k: (clock_start(k.stage, k.received_on, k.stage_entered_on), k.id)  # noqa: E731
    else:
        raise ValueError(f"Unknown sort {sort!r}")
    return sorted(keys, key=key, reverse=descending)


def next_sort(column: str, current: str) -> str:
    """The sort a column heading links to: the other direction if it is the current column."""
    if current == column:
        return f"-{column}"
    if current == f"-{column}":
        return column
    return f"-{column}" if column in ("received", "age") else column  # newest or oldest first


def aria_sort(column: str, current: str) -> str:
    if current == column:
        return "ascending"
    if current == f"-{column}":
        return "descending"
    return "none"


# ---------------------------------------------------------------------------------------------
# Filter values


_ISO = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")
_UK = re.compile(r"^(\d{1,2})\s*[/.\-\s]\s*(\d{1,2})\s*[/.\-\s]\s*(\d{4})$")


def parse_filter_date(text: str) -> date | None:
    """'2025-03-27' or '27/3/2025' (also with dots, dashes or spaces); None when empty.

    ValueError when it is not a real date.
    """
    text = (text or "").strip()
    if not text:
        return None
    try:
        if _ISO.match(text):
            year, month, day = (int(part) for part in text.split("-"))
            return date(year, month, day)
        if match := _UK.match(text):
            day, month, year = (int(part) for part in match.groups())
            return date(year, month, day)
    except ValueError:
        pass
    raise ValueError(text)


@dataclass(frozen=True)
class DateRange:
    start: date | None
    end: date | None
    errors: Mapping[str, str]  # field name -> GOV.UK error message


def check_date_range(
    received_from: str, received_to: str, today: date,
    names: Sequence[str] = ("received_from", "received_to"),
) -> DateRange:
    """Validate the received date filter: real dates, not in the future, from no later than to."""
    errors: dict[str, str] = {}
    values: dict[str, date | None] = {}
    for name, label, text in ((names[0], "Received from", received_from), (names[1], "Received to", received_to)):
        try:
            values[name] = parse_filter_date(text)
        except ValueError:
            values[name] = None
            errors[name] = f"{label} date must be a real date, like 27/3/2025"
            continue
        if values[name] is not None and values[name] > today:
            errors[name] = f"{label} date must be today or in the past"
    start, end = values[names[0]], values[names[1]]
    if not errors and start and end and start > end:
        errors[names[0]] = "Received from date must be the same as or before the received to date"
    return DateRange(start, end, MappingProxyType(errors))


def partial_reference(q: str) -> str | None:
    """Digits typed so far of a reference ('26 02', '2602', '26-022'), as the reference's prefix."""
    compact = re.sub(r"[\s\-/]", "", q)
    if not compact.isdigit() or not 2 <= len(compact) <= 8:
        return None
    grouped = compact[:2] + (" " + compact[2:5] if len(compact) > 2 else "") + (" " + compact[5:] if len(compact) > 5 else "")
    return grouped


# ---------------------------------------------------------------------------------------------
# Pages


def page_count(total: int, limit: int) -> int:
    return max(1, math.ceil(total / limit))


def page_numbers(current: int, pages: int) -> list[int | None]:
    """The GOV.UK pagination items: first, last, and the pages either side of the current one;
    None where an ellipsis goes. [1, None, 4, 5, 6, None, 20]"""
    if pages <= 1:
        return [1]
    wanted = sorted({1, pages, *(p for p in (current - 1, current, current + 1) if 1 <= p <= pages)})
    items: list[int | None] = []
    for number in wanted:
        if items and number - items[-1] > 1:  # type: ignore[operator]
            items.append(number - 1 if number - items[-1] == 2 else None)  # type: ignore[operator]
        items.append(number)
    return items


def open_stage_values() -> list[str]:
    return [s.value for s in Stage if s in OPEN_STAGES]


# ---------------------------------------------------------------------------------------------
# Reading a list's parameters (the page and the API share this)

MAX_QUERY_LENGTH = 200
MIN_SEARCH_LENGTH = 2


@dataclass(frozen=True)
class ListParams:
    queue: Queue = Queue.ALL
    q: str = ""
    stage: str = ""
    body: str = ""
    category: str = ""
    investigator: int | None = None
    received_from: date | None = None
    received_to: date | None = None
    received_from_text: str = ""
    received_to_text: str = ""
    sort: str = ""  # as asked for ("" = the queue's default)
    errors: Mapping[str, str] = field(default_factory=dict)  # field name -> message, in form order

    @property
    def search(self) -> str:
        """The text searched for: none until it is MIN_SEARCH_LENGTH characters long."""
        return self.q if len(self.q) >= MIN_SEARCH_LENGTH else ""

    @property
    def effective_sort(self) -> str:
        return self.sort or DEFAULT_SORTS[self.queue]

    def query(self, **changes: object) -> str:
        """The list's URL query string with some values changed; empty values are left out, so a
        list's URL is short and shareable ("?queue=mine&stage=assessment")."""
        values: dict[str, object] = {
            "queue": "" if self.queue is Queue.ALL else self.queue.value,
            "q": self.q, "stage": self.stage, "body": self.body, "category": self.category,
            "investigator": "" if self.investigator is None else self.investigator,
            "received_from": self.received_from_text, "received_to": self.received_to_text,
            "sort": self.sort,
        }
        values.update(changes)
        if values.get("sort") == DEFAULT_SORTS[Queue(values["queue"] or "all")]:
            values["sort"] = ""
        if values.get("page") in (1, "1"):
            values["page"] = ""
        return urlencode([(k, str(v)) for k, v in values.items() if v not in ("", None)])


def read_list_params(
    *,
    today: date,
    category_slugs: Iterable[str] | None,
    strict: bool,
    queue: str = "",
    q: str = "",
    stage: str = "",
    body: str = "",
    category: str = "",
    investigator: str = "",
    received_from: str = "",
    received_to: str = "",
    sort: str = "",
    mine: bool = False,
) -> ListParams:
    """Validate a list's query parameters.

    The API is ``strict``: anything it does not understand is an error. The page leaves out a value
    its own controls could not have sent (a stage or sort not on offer) and reports only what a person
    can mistype: the dates.
    """
    errors: dict[str, str] = {}

    def problem(field: str, message: str) -> None:
        if strict:
            errors.setdefault(field, message)

    try:
        chosen_queue = parse_queue(queue or ("mine" if mine else ""))
    except ValueError as exc:
        problem("queue", str(exc))
        chosen_queue = Queue.ALL
    if stage and stage not in STAGE_ORDER:
        problem("stage", f"Unknown stage {stage!r}; choose one of {', '.join(STAGE_ORDER)}")
        stage = ""
    if category and category_slugs is not None and category not in set(category_slugs):
        problem("category", f"Unknown category {category!r}")
        category = ""
    chosen_investigator: int | None = None
    if investigator.strip():
        chosen_investigator = whole_number(investigator)
        if chosen_investigator is None:
            problem("investigator", f"investigator must be a user id (a whole number), not {investigator!r}")
    if sort and sort not in SORTS:
        problem("sort", f"Unknown sort {sort!r}; choose one of {', '.join(sorted(SORTS))}")
        sort = ""
    q = q.strip()[:MAX_QUERY_LENGTH]
    if q and len(q) < MIN_SEARCH_LENGTH:
        problem("q", f"q must be at least {MIN_SEARCH_LENGTH} characters")
    dates = check_date_range(received_from, received_to, today)
    errors.update(dates.errors)
    return ListParams(
        queue=chosen_queue,
        q=q,
        stage=stage,
        body=body.strip()[:MAX_QUERY_LENGTH],
        category=category,
        investigator=chosen_investigator,
        received_from=dates.start,
        received_to=dates.end,
        received_from_text=received_from.strip()[:20],
        received_to_text=received_to.strip()[:20],
        sort=sort,
        errors=MappingProxyType(errors),
    )


def parse_page(value: str) -> int:
    """A page number from the URL; anything else is page 1."""
    page = whole_number(value or "")
    return max(1, min(page, 1_000_000)) if page is not None else 1
