"""What the pages show about recommendations: the case page's panel and a recommendation's own page.

Each loader reads everything its page needs in a handful of queries, derives every status with
the office calendar (status is never stored), and says which actions the viewer's role allows, so
the templates only display.
"""

from __future__ import annotations

from datetime import date
from typing import Any


from investigations.access import Viewer
from investigations.documents import MAX_UPLOAD_BYTES, allowed_types_text, format_size
from investigations.queries import CaseNotFound, get_case
from investigations.tables import Finding
from remedies.calendar import office_calendar
from remedies.compliance import REMEDY_TYPES, RemedyKind
from remedies.recommendations import ANCHOR_EVENTS, MAX_EVIDENCE_FILES, RECOMMENDING_STAGES, status_of
from remedies.tables import Evidence, EvidenceFile, Extension, Recommendation, RecommendationEvent
from workbench.db import fetch_rows, placeholder
from workbench.roles import CASEWORK, COMPLIANCE, OVERSIGHT, Role
from workbench.workdays import format_date_long

UNITS: dict[str, tuple[str, str]] = {  # unit -> (singular, plural)
    "working_days": ("working day", "working days"),
    "calendar_days": ("calendar day", "calendar days"),
    "months": ("month", "months"),
}
KIND_LABELS = {RemedyKind.PERSONAL: "Personal remedy", RemedyKind.SERVICE_IMPROVEMENT: "Service improvement"}


class RecommendationNotFound(LookupError):
    """No such recommendation, or one on a case the viewer may not see (the same to them)."""


def remedy_type_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """The remedy types for a select, grouped personal / service improvement, in the manual's order."""
    return [(label, [(key, t.label) for key, t in REMEDY_TYPES.items() if t.kind is kind])
            for kind, label in KIND_LABELS.items()]


def due_rule_text(row: dict[str, Any]) -> str:
    """The rule as drafted: "1 month after the final decision (Monday 5 January 2026)"."""
    singular, plural = UNITS.get(row["unit"], (row["unit"], row["unit"]))
    event = ANCHOR_EVENTS.get(row["anchor_event"], row["anchor_event"])
    return f"{row['period']} {singular if row['period'] == 1 else plural} after {event} ({format_date_long(row['anchor_on'])})"


def _describe(row: dict[str, Any], today: date, calendar) -> dict[str, Any]:
    remedy = REMEDY_TYPES.get(row["remedy_type"])
    row["status"] = status_of(row, today, calendar)
    row["remedy_label"] = remedy.label if remedy else row["remedy_type"]
    row["kind_label"] = KIND_LABELS[remedy.kind] if remedy else ""
    row["due_rule"] = due_rule_text(row)
    row["extended"] = row["due_on"] != row["original_due_on"]
    return row


def blank_form(case: dict[str, Any], today: date) -> dict[str, Any]:
    """The make-a-recommendation form as first shown: counting from the decision, else from today."""
    bodies = case.get("bodies") or []
    return {
        "body": str(bodies[0]["body_id"]) if len(bodies) == 1 else "",
        "anchor_event": "final_decision" if case.get("decided_on") else "agreement",
        "anchor_on": (case.get("decided_on") or today).isoformat(),
        "period": "1",
        "unit": "months",
    }


async def case_recommendations(case: dict[str, Any], role: str, form: dict[str, Any] | None = None,
                               errors: dict[str, str] | None = None, today: date | None = None) -> dict[str, Any]:
    """The case page's Recommendations panel: the case's recommendations and the form to make one."""
    today = today or date.today()
    calendar = await office_calendar()
    rows = await fetch_rows(
        "SELECT r.*, b.name AS body_name, (SELECT COUNT(*) FROM remedies_evidence e "
        f"WHERE e.recommendation = r.id AND e.verdict = {placeholder(1)}) AS awaiting_verdict "
        "FROM remedies_recommendation r LEFT JOIN investigations_body b ON b.id = r.body "
        f'WHERE r."case" = {placeholder(2)} ORDER BY r.id', ["", case["id"]])
    for row in rows:
        _describe(row, today, calendar)
    return {
        "recommendations": rows,
        "may_recommend": Role(role) in CASEWORK and case["stage"] in RECOMMENDING_STAGES,
        "recommendation_form": form if form is not None else blank_form(case, today),
        "recommendation_errors": errors or {},
        "remedy_type_groups": remedy_type_groups(),
        "monetary_types": [k for k, t in REMEDY_TYPES.items() if t.monetary],
        "anchor_events": ANCHOR_EVENTS,
        "due_units": {unit: plural for unit, (_, plural) in UNITS.items()},
    }


async def visible_recommendation(viewer: Viewer, recommendation_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The recommendation and its case, or ``RecommendationNotFound`` if the viewer may not see the case."""
    row = await Recommendation.select(
        Recommendation.all_columns(),
        Recommendation.case.reference.as_alias("case_reference"),
        Recommendation.body.name.as_alias("body_name"),
        Recommendation.created_by.full_name.as_alias("created_by_name"),
        Recommendation.assigned_to.full_name.as_alias("assigned_to_name"),
    ).where(Recommendation.id == recommendation_id).first()
    if row is None:
        raise RecommendationNotFound(recommendation_id)
    try:
        case = await get_case(viewer, row["case_reference"])
    except CaseNotFound:
        raise RecommendationNotFound(recommendation_id) from None
    return row, case


async def recommendation_file(viewer: Viewer, recommendation_id: int, today: date | None = None) -> dict[str, Any]:
    """A recommendation with its case (need-to-know through ``get_case``), extensions, evidence and
    files, and its history newest first."""
    row, case = await visible_recommendation(viewer, recommendation_id)
    today = today or date.today()
    _describe(row, today, await office_calendar())
    row["finding_row"] = None
    if row["finding"] is not None:
        row["finding_row"] = await Finding.select().where(Finding.id == row["finding"]).first()
    extensions = await Extension.select(Extension.all_columns(), Extension.by.full_name.as_alias("by_name")).where(
        Extension.recommendation == recommendation_id).order_by(Extension.id)
    evidence = await Evidence.select(
        Evidence.all_columns(), Evidence.verdict_by.full_name.as_alias("verdict_by_name"),
        Evidence.created_by.full_name.as_alias("created_by_name"),
    ).where(Evidence.recommendation == recommendation_id).order_by(Evidence.received_on).order_by(Evidence.id)
    files: dict[int, list[dict[str, Any]]] = {}
    if evidence:
        for f in await EvidenceFile.select().where(EvidenceFile.evidence.is_in([e["id"] for e in evidence])).order_by(EvidenceFile.id):
            f["size_label"] = format_size(f["size"])
            files.setdefault(f["evidence"], []).append(f)
    for item in evidence:
        item["files"] = files.get(item["id"], [])
    history = await RecommendationEvent.select().where(
        RecommendationEvent.recommendation == recommendation_id).order_by(RecommendationEvent.at, ascending=False).order_by(
        RecommendationEvent.id, ascending=False)
    role = viewer.role
    outstanding = not row["outcome"]
    return {
        "recommendation": row,
        "case": case,
        "extensions": extensions,
        "evidence": evidence,
        "history": history,
        "may_follow_up": role in COMPLIANCE and outstanding,
        "may_close_not_complied": role in OVERSIGHT and outstanding,
        "max_evidence_files": MAX_EVIDENCE_FILES,
        "max_upload_size": format_size(MAX_UPLOAD_BYTES),
        "allowed_evidence_types": allowed_types_text(),
        "today": today,
    }


async def evidence_file(viewer: Viewer, recommendation_id: int, evidence_id: int, file_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """A file to download, with its case: only when the viewer may see the case, the file is that
    evidence's and the evidence that recommendation's; otherwise ``RecommendationNotFound``."""
    _, case = await visible_recommendation(viewer, recommendation_id)
    row = await EvidenceFile.select(
        EvidenceFile.all_columns(), EvidenceFile.evidence.recommendation.as_alias("recommendation"),
    ).where((EvidenceFile.id == file_id) & (EvidenceFile.evidence == evidence_id)).first()
    if row is None or row["recommendation"] != recommendation_id:
        raise RecommendationNotFound(recommendation_id)
    return row, case
