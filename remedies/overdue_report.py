"""The compliance report: every overdue and escalated recommendation on a date, by body, with its history.

Named ``ComplianceReport`` in the Reports catalogue (``remedies.compliance_report`` re-exports it).
The recommendations are chosen exactly as the compliance dashboard's Overdue and Escalated lists
choose them: ``remedies.queries.status_condition`` (the SQL twin of the derived status) on the
report's date, with the office calendar, and ``visible_recommendations`` for need-to-know. Each
comes with its own history (``RecommendationEvent``), its extensions with their reasons, and the
chase ladder's letters that went out (``ChaseFiring`` with what became of each email).

A note on the date: the status is worked out for that day from the due dates, but outcomes and
escalations are as recorded now, so a date in the past shows what is still outstanding today that
was already overdue then (the report cannot unpick a verdict recorded since).

Need-to-know: recommendations on restricted cases the producer may not open are left out, as on
the dashboard; the preview says so to anyone but an administrator.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from investigations.access import Viewer
from investigations.contacts import CONTACT_ROLES, contacts_by_body
from investigations.worklists import london_today
from remedies.calendar import office_calendar
from remedies.chasing import configured_ladder
from remedies.compliance import REMEDY_TYPES
from remedies.document_parameters import read_body, read_date
from remedies.letters import find_rung
from remedies.queries import status_condition, visible_recommendations
from remedies.recommendations import status_of
from remedies.status import Status, age_working_days
from remedies.tables import ChaseFiring, EmailDelivery, Extension, Recommendation, RecommendationEvent
from workbench.reports import DocumentKind, Parameter, Preview, Problem
from workbench.roles import Role
from workbench.word import WordDocument, strong
from workbench.workdays import WorkingDayCalendar, format_date_long

__all__ = ["ComplianceReport", "ReportData", "BodyGroup"]

OFFICE = "Ombudsman Workbench"
LISTED = (Status.OVERDUE, Status.ESCALATED)
DELIVERY_LABELS = {"sent": "Emailed", "failed": "Email failed", "no_contact": "No contact to email",
                   "not_configured": "Mail not configured"}
NEED_TO_KNOW = ("Only recommendations on cases you may open are listed: those on restricted cases you are not "
                "cleared for are left out.")


@dataclass(frozen=True)
class BodyGroup:
    body_id: int
    name: str
    rows: tuple[dict[str, Any], ...]
    has_contact: bool

    def count(self, status: Status) -> int:
        return sum(1 for r in self.rows if r["status"] is status)

    @property
    def oldest_due(self) -> date:
        return min(r["due_on"] for r in self.rows)


@dataclass(frozen=True)
class ReportData:
    as_of: date
    today: date
    body: dict[str, Any] | None
    groups: tuple[BodyGroup, ...]
    events: dict[int, list[dict[str, Any]]]
    extensions: dict[int, list[dict[str, Any]]]
    firings: dict[int, list[dict[str, Any]]]
    viewer_sees_everything: bool

    @property
    def rows(self) -> list[dict[str, Any]]:
        return [r for g in self.groups for r in g.rows]

    def count(self, status: Status) -> int:
        return sum(g.count(status) for g in self.groups)


# --------------------------------------------------------------------------------------------
# Gathering


_COLUMNS = (
    Recommendation.id, Recommendation.case, Recommendation.body, Recommendation.remedy_type,
    Recommendation.description, Recommendation.public_summary, Recommendation.amount, Recommendation.original_due_on,
    Recommendation.due_on, Recommendation.decided_on, Recommendation.outcome, Recommendation.outcome_on,
    Recommendation.escalated_on, Recommendation.last_chased_on,
    Recommendation.case.reference.as_alias("case_reference"), Recommendation.body.name.as_alias("body_name"),
    Recommendation.assigned_to.full_name.as_alias("assigned_to_name"),
)


@dataclass(frozen=True)
class ReportInputs:
    """What the report reads: the listed recommendations as stored, their histories and their bodies' contacts."""

    as_of: date
    today: date
    body: Mapping[str, Any] | None
    calendar: WorkingDayCalendar
    rows: list[dict[str, Any]]  # ordered by body name, due date, id
    events: dict[int, list[dict[str, Any]]]
    extensions: dict[int, list[dict[str, Any]]]
    firings: dict[int, list[dict[str, Any]]]
    bodies_with_contacts: frozenset[int]
    viewer_sees_everything: bool


async def read_report(viewer: Viewer, as_of: date, body: Mapping[str, Any] | None, today: date) -> ReportInputs:
    calendar = await office_calendar()
    listed = status_condition(Status.OVERDUE, as_of, calendar) | status_condition(Status.ESCALATED, as_of, calendar)
    conditions = [listed]
    if (visible := visible_recommendations(viewer)) is not None:
        conditions.append(visible)
    if body is not None:
        conditions.append(Recommendation.body == body["id"])
    rows = await Recommendation.select(*_COLUMNS).where(*conditions).order_by(Recommendation.body.name).order_by(
        Recommendation.due_on).order_by(Recommendation.id)
    events, extensions, firings = await _histories([r["id"] for r in rows])
    contacts = await contacts_by_body({r["body"] for r in rows})
    return ReportInputs(as_of=as_of, today=today, body=body, calendar=calendar, rows=rows, events=events,
                        extensions=extensions, firings=firings,
                        bodies_with_contacts=frozenset(b for b, found in contacts.items() if found),
                        viewer_sees_everything=viewer.role is Role.ADMINISTRATOR)


def report_data(inputs: ReportInputs) -> ReportData:
    """Each row's status and age in working days, grouped by body: CPU work over thousands of rows, off the loop."""
    for row in inputs.rows:
        row["status"] = status_of(row, inputs.as_of, inputs.calendar)
        row["working_days_overdue"] = age_working_days(row["due_on"], inputs.as_of, inputs.calendar)
        row["remedy_label"] = REMEDY_TYPES[row["remedy_type"]].label
        if row["amount"] is not None:
            row["amount"] = Decimal(str(row["amount"])).quantize(Decimal("0.01"))
    grouped: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in inputs.rows:
        grouped[row["body"]].append(row)
    groups = tuple(BodyGroup(bid, items[0]["body_name"], tuple(items), bid in inputs.bodies_with_contacts)
                   for bid, items in grouped.items())
    return ReportData(as_of=inputs.as_of, today=inputs.today, body=dict(inputs.body) if inputs.body else None,
                      groups=groups, events=inputs.events, extensions=inputs.extensions, firings=inputs.firings,
                      viewer_sees_everything=inputs.viewer_sees_everything)


async def _histories(ids: Sequence[int]) -> tuple[dict, dict, dict]:
    """Events, extensions and chase firings (with their email's fate) of these recommendations,
    a query each per thousand recommendations."""
    events: dict[int, list] = defaultdict(list)
    extensions: dict[int, list] = defaultdict(list)
    firings: dict[int, list] = defaultdict(list)
    ladder = configured_ladder()
    for start in range(0, len(ids), 1000):
        chunk = list(ids[start:start + 1000])
        for row in await RecommendationEvent.select(
            RecommendationEvent.recommendation, RecommendationEvent.at, RecommendationEvent.actor_name,
            RecommendationEvent.by.full_name.as_alias("by_name"), RecommendationEvent.kind, RecommendationEvent.title,
            RecommendationEvent.detail,
        ).where(RecommendationEvent.recommendation.is_in(chunk)).order_by(RecommendationEvent.at).order_by(
            RecommendationEvent.id):
            events[row["recommendation"]].append(row)
        for row in await Extension.select(
            Extension.recommendation, Extension.from_due_on, Extension.to_due_on, Extension.reason, Extension.granted_on,
            Extension.by.full_name.as_alias("by_name"),
        ).where(Extension.recommendation.is_in(chunk)).order_by(Extension.granted_on).order_by(Extension.id):
            extensions[row["recommendation"]].append(row)
        fired = await ChaseFiring.select(
            ChaseFiring.id, ChaseFiring.recommendation, ChaseFiring.rung, ChaseFiring.fire_on, ChaseFiring.due_on,
            ChaseFiring.recipient_role, ChaseFiring.fired_at,
        ).where(ChaseFiring.recommendation.is_in(chunk)).order_by(ChaseFiring.fire_on).order_by(ChaseFiring.id)
        deliveries: dict[int, dict[str, Any]] = {}
        if fired:
            for delivery in await EmailDelivery.select(
                EmailDelivery.firing, EmailDelivery.status, EmailDelivery.to_name, EmailDelivery.at,
            ).where(EmailDelivery.firing.is_in([f["id"] for f in fired])).order_by(EmailDelivery.id):
                deliveries[delivery["firing"]] = delivery  # the latest attempt wins
        for row in fired:
            row["rung_label"] = find_rung(ladder, row["rung"], row["recipient_role"]).label
            row["delivery"] = deliveries.get(row["id"])
            firings[row["recommendation"]].append(row)
    return dict(events), dict(extensions), dict(firings)


# --------------------------------------------------------------------------------------------
# Preview (pure)


def body_rows(data: ReportData) -> list[list[str]]:
    return [[g.name, f"{g.count(Status.OVERDUE):,}", f"{g.count(Status.ESCALATED):,}", f"{len(g.rows):,}",
             _day(g.oldest_due)] for g in data.groups]


BODY_HEADER = ["Body", "Overdue", "Escalated", "Total", "Earliest due date"]


def problems(data: ReportData) -> list[Problem]:
    found: list[Problem] = []
    where = f" at {data.body['name']}" if data.body else ""
    if not data.rows:
        found.append(Problem(f"No recommendations{where} were overdue or escalated on {format_date_long(data.as_of)}: "
                             "the report will say so."))
    if data.as_of > data.today:
        found.append(Problem(f"The report's date, {format_date_long(data.as_of)}, is in the future: it assumes "
                             "nothing more is recorded before then."))
    unassigned = [r for r in data.rows if not r.get("assigned_to_name")]
    if unassigned:
        found.append(Problem(f"{len(unassigned):,} of the recommendations listed have no compliance officer assigned."))
    silent = [g.name for g in data.groups if not g.has_contact]
    if silent:
        found.append(Problem("No contact is named at " + ", ".join(silent)
                             + ": the chase ladder's letters cannot reach them."))
    if not data.viewer_sees_everything:
        found.append(Problem(NEED_TO_KNOW))
    return found


def filename(data: ReportData) -> str:
    scope = ""
    if data.body:
        scope = "-" + "-".join("".join(ch if ch.isalnum() else " " for ch in data.body["name"]).lower().split())
    return f"compliance-report{scope}-{data.as_of.isoformat()}.docx"


def _day(d: date | None) -> str:
    return f"{d.day} {d:%b %Y}" if d else ""


def _when(at: datetime | date | None) -> str:
    if at is None:
        return ""
    return _day(at.date() if isinstance(at, datetime) else at)


# --------------------------------------------------------------------------------------------
# The document (pure)


def build_report(data: ReportData) -> bytes:
    scope = f" at {data.body['name']}" if data.body else ""
    word = WordDocument(f"Compliance report{scope}", created=data.as_of, subject="Overdue and escalated recommendations",
                        author=OFFICE)
    word.header("OFFICIAL-SENSITIVE: compliance follow-up")
    word.footer(f"{OFFICE} \u00b7 compliance report \u00b7 {format_date_long(data.as_of)}")
    word.title(f"Compliance report{scope}")
    word.paragraph(f"Overdue and escalated recommendations on {format_date_long(data.as_of)}.")

    word.heading("Summary", 1)
    word.key_values([
        ("Overdue", f"{data.count(Status.OVERDUE):,}"),
        ("Escalated", f"{data.count(Status.ESCALATED):,}"),
        ("Bodies", f"{len(data.groups):,}"),
    ])
    if data.groups:
        word.table(BODY_HEADER, body_rows(data), widths_cm=[6.3, 2.2, 2.4, 2.0, 3.1])
    else:
        word.paragraph("No recommendations were overdue or escalated on this date.")
    word.small("Overdue: outstanding, not escalated, and past its due date (after any extension). Escalated: "
               "outstanding and referred up the chase ladder or by a compliance officer. Working days exclude "
               "weekends, bank holidays and office closures.")

    for group in data.groups:
        word.page_break()
        word.heading(group.name, 1)
        word.paragraph(f"{group.count(Status.OVERDUE):,} overdue and {group.count(Status.ESCALATED):,} escalated.")
        word.table(["Case", "Recommendation", "Status", "Due", "Working days overdue", "Officer"],
                   [[r["case_reference"], r["remedy_label"], r["status"].label, _day(r["due_on"]),
                     f"{r['working_days_overdue']:,}", r.get("assigned_to_name") or "Unassigned"] for r in group.rows],
                   widths_cm=[2.3, 4.2, 2.1, 2.4, 2.2, 2.8])
        for row in group.rows:
            _recommendation(word, data, row)
    return word.to_bytes()


def _recommendation(word: WordDocument, data: ReportData, row: Mapping[str, Any]) -> None:
    word.heading(f"{row['case_reference']}: {row['remedy_label']}", 2)
    details: list[tuple[str, Any]] = [
        ("What the body must do", row["description"]),
        ("Status", [strong(row["status"].label), f", {row['working_days_overdue']:,} working days past its due date"]),
        ("Due", _day(row["due_on"]) + ("" if row["due_on"] == row["original_due_on"]
                                        else f" (originally {_day(row['original_due_on'])})")),
        ("Decided", _day(row["decided_on"])),
    ]
    if row["amount"] is not None:
        details.append(("Amount", f"£{row['amount']:,.2f}"))
    if row["escalated_on"]:
        details.append(("Escalated", _day(row["escalated_on"])))
    details.append(("Last chased", _day(row["last_chased_on"]) or "Not chased"))
    details.append(("Compliance officer", row.get("assigned_to_name") or "Unassigned"))
    word.key_values(details)
    extensions = data.extensions.get(row["id"], [])
    if extensions:
        word.heading("Extensions", 3)
        word.table(["Granted", "From", "To", "Reason"],
                   [[_day(e["granted_on"]), _day(e["from_due_on"]), _day(e["to_due_on"]), e["reason"]] for e in extensions],
                   widths_cm=[2.4, 2.4, 2.4, 8.8])
    firings = data.firings.get(row["id"], [])
    if firings:
        word.heading("Chasers", 3)
        word.table(["Due", "Step", "To", "Email"],
                   [[_day(f["fire_on"]), f["rung_label"], CONTACT_ROLES.get(f["recipient_role"], "Casework manager"),
                     _delivery(f)] for f in firings],
                   widths_cm=[2.4, 6.4, 3.4, 3.8])
    events = data.events.get(row["id"], [])
    word.heading("History", 3)
    if events:
        word.table(["Date", "What happened", "By"],
                   [[_when(e["at"]), _event_text(e), e.get("by_name") or e.get("actor_name") or "The workbench"]
                    for e in events],
                   widths_cm=[2.4, 10.6, 3])
    else:
        word.paragraph("No history recorded.")


def _event_text(event: Mapping[str, Any]) -> list:
    detail = (event.get("detail") or "").strip()
    return [strong(event["title"])] + ([f"\n{detail}"] if detail else [])


def _delivery(firing: Mapping[str, Any]) -> str:
    delivery = firing.get("delivery")
    if delivery is None:
        return "Not sent"
    label = DELIVERY_LABELS.get(delivery["status"], delivery["status"])
    return f"{label} to {delivery['to_name']}" if delivery["status"] == "sent" and delivery["to_name"] else label


# --------------------------------------------------------------------------------------------
# The document kind


class ComplianceReport(DocumentKind):
    key = "compliance-report"
    label = "Compliance report"
    description = "Overdue and escalated recommendations by body on a date, each with its history, extensions and chasers."
    parameters = (
        Parameter("body", "Body", "body", required=False, hint="Leave blank for every body"),
        Parameter("as_of", "On date", "text", required=False, hint="A date like 2026-03-31; blank for today"),
    )

    async def read(self, params: Mapping[str, str], viewer: Viewer) -> ReportInputs:
        today = london_today()
        body = await read_body(params, required=False)
        as_of = read_date(params, "as_of", today)
        return await read_report(viewer, as_of, body, today)

    def work_out(self, read: ReportInputs) -> ReportData:
        return report_data(read)

    def preview(self, data: ReportData) -> Preview:
        scope = f" at {data.body['name']}" if data.body else ""
        return Preview(
            title=f"Compliance report{scope}: {format_date_long(data.as_of)}",
            summary=[("Overdue", f"{data.count(Status.OVERDUE):,}"), ("Escalated", f"{data.count(Status.ESCALATED):,}"),
                     ("Bodies", f"{len(data.groups):,}")],
            tables=[("By body", BODY_HEADER, body_rows(data))],
            problems=problems(data),
            filename=filename(data),
        )

    def build(self, data: ReportData) -> bytes:
        return build_report(data)
