"""Everything the case page shows, loaded in a handful of queries before rendering."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from investigations.access import Viewer
from investigations.lifecycle import Stage
from investigations.queries import allocatable_staff, get_case
from investigations.reference_data import load_ncmg_standards
from investigations.intake import intake_dates
from investigations.timescales import assess_intake
from investigations.timeline import case_timeline
from investigations.transitions import CLOSURE_REASONS, FINAL_OUTCOMES, allowed_targets
from workbench.db import fetch_rows, placeholder
from workbench.workdays import default_calendar


async def load_case_file(viewer: Viewer, reference: str) -> dict[str, Any]:
    """The case (need-to-know enforced by ``get_case``) with its findings, enquiries, stages and timeline."""
    case = await get_case(viewer, reference)
    case_id = case["id"]
    args = [case_id]
    findings = {f["body"]: {**f, "standards": json.loads(f["standards"]) if isinstance(f["standards"], str) else f["standards"]}
                for f in await fetch_rows(f'SELECT * FROM investigations_finding WHERE "case" = {placeholder(1)}', args)}
    enquiries = await fetch_rows(
        "SELECT e.*, b.name AS body_name FROM investigations_enquiry e LEFT JOIN investigations_body b ON b.id = e.body "
        f'WHERE e."case" = {placeholder(1)} ORDER BY e.sent_on DESC, e.id DESC', args)
    calendar = default_calendar()
    for enquiry in enquiries:
        if enquiry["responded_on"] is None:
            enquiry["working_days_left"] = calendar.working_days_between(date.today(), enquiry["due_on"])
    local_stages = await fetch_rows(
        f'SELECT * FROM investigations_local_stage WHERE "case" = {placeholder(1)} ORDER BY number', args)
    history = await fetch_rows(
        'SELECT s.*, u.full_name AS by_name FROM investigations_stage_change s LEFT JOIN workbench_user u ON u.id = s."by" '
        f'WHERE s."case" = {placeholder(1)} ORDER BY s."at"', args)
    investigators = await allocatable_staff()
    stage = Stage(case["stage"])
    intake_checks, intake_problem = None, ""
    try:
        intake_checks = assess_intake(intake_dates(
            case["first_aware_on"], case["received_on"], case["local_procedure"], local_stages,
            case["agreed_response_by"], complainant=_complainant_name(case),
            body_name=case["bodies"][0]["name"] if len(case["bodies"]) == 1 else "the body",
        ))
    except ValueError as exc:
        intake_problem = str(exc)
    return {
        "intake_checks": intake_checks,
        "intake_problem": intake_problem,
        "case": case,
        "findings": findings,
        "enquiries": enquiries,
        "local_stages": local_stages,
        "history": history,
        "timeline": await case_timeline(case_id),
        "targets": allowed_targets(stage),
        "final_outcomes": FINAL_OUTCOMES,
        "closure_reasons": CLOSURE_REASONS,
        "investigators": investigators,
        "ncmg": load_ncmg_standards(),
        "age_working_days": calendar.working_days_between(case["stage_entered_on"] or case["received_on"], date.today()),
    }


def _complainant_name(case: dict[str, Any]) -> str:
    person = case.get("person_affected_person") or case.get("complainant_person")
    if not person:
        return "the complainant"
    return " ".join(p for p in (person["title"], person["family_name"]) if p) or "the complainant"
