"""Reading the parameters of the reports' Word documents: a body, a financial year, a date, a service
area, case references. Each reader turns text from a form or the command line into a value, or raises
``ParameterError`` naming the field with a message a report writer can act on.

Bodies and years are read by the same rules as the compliance statistics page's filters
(``remedies.compliance_report``): a body by id or exact name, a year by its first year or its label.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from investigations.access import Viewer
from investigations.queries import CaseNotFound, get_case
from investigations.reference_data import load_taxonomy
from investigations.references import parse_reference
from investigations.tables import Body
from remedies.compliance import financial_year_label, financial_year_start
from remedies.compliance_report import body_choices, match_choice, parse_year
from workbench.reports import ParameterError
from workbench.forms import whole_number

MAX_CASE_STUDIES = 20


def text(params: dict[str, str] | Any, name: str) -> str:
    return str(params.get(name) or "").strip()


async def read_body(params: Any, name: str = "body", required: bool = True) -> dict[str, Any] | None:
    """The body named by id or exact name: {id, name, body_type}."""
    value = text(params, name)
    if not value:
        if required:
            raise ParameterError("Choose a body", name)
        return None
    try:
        choice = match_choice(value, await body_choices(), "body")
    except ValueError as exc:
        raise ParameterError(f"Choose a body from the list: {exc}", name) from None
    return await Body.select(Body.id, Body.name, Body.body_type).where(Body.id == choice.id).first()


def read_year(params: Any, name: str = "year", today: date | None = None) -> int:
    """A financial year's first year; blank means the last complete financial year."""
    value = text(params, name)
    if not value:
        return financial_year_start(today or date.today()) - 1
    try:
        return parse_year(value)
    except ValueError as exc:
        raise ParameterError(f"Enter a financial year like {financial_year_label(2025)}: {exc}", name) from None


def read_date(params: Any, name: str, default: date) -> date:
    """An ISO date (2026-03-31) or a day-month-year one (31/3/2026); blank gives ``default``."""
    value = text(params, name)
    if not value:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    parts = value.replace("-", "/").replace(".", "/").split("/")
    if len(parts) == 3 and all(whole_number(p) is not None for p in parts):
        try:
            return date(int(parts[2]), int(parts[1]), int(parts[0]))
        except ValueError:
            pass
    raise ParameterError(f"Enter a real date like 2026-03-31, not {value!r}", name)


ALL_SERVICE_AREAS = "All service areas"  # the national Review of Local Government Complaints


def service_area_choices() -> tuple[tuple[str, str], ...]:
    return tuple((area, area) for area in (*load_taxonomy().service_areas, ALL_SERVICE_AREAS))


def read_service_area(params: Any, name: str = "service_area") -> str:
    """One of the taxonomy's service areas, or ``ALL_SERVICE_AREAS``."""
    value = " ".join(text(params, name).split())
    if not value:
        raise ParameterError("Choose a service area", name)
    choices = [area for area, _label in service_area_choices()]
    for area in choices:
        if area.casefold() == value.casefold():
            return area
    raise ParameterError(f"{value!r} is not a service area; choose one of: " + "; ".join(choices), name)


def read_issue_id(params: Any, name: str = "issue") -> int:
    value = text(params, name)
    if not value:
        raise ParameterError("Choose a systemic issue", name)
    issue_id = whole_number(value)
    if issue_id is None:
        raise ParameterError(f"A systemic issue is named by its number, not {value!r}", name)
    return issue_id


async def read_case_references(params: Any, viewer: Viewer, name: str = "case_studies") -> list[dict[str, Any]]:
    """Comma-separated case references, each a case the viewer may open (a case they may not see is
    reported exactly as one that does not exist). Duplicates are dropped; order is kept."""
    value = text(params, name)
    cases: list[dict[str, Any]] = []
    seen: set[str] = set()
    parts = [p.strip() for p in value.replace(";", ",").replace("\n", ",").split(",") if p.strip()]
    if len(parts) > MAX_CASE_STUDIES:
        raise ParameterError(f"Pick at most {MAX_CASE_STUDIES} case studies", name)
    for part in parts:
        try:
            reference, _suffix = parse_reference(part)
        except ValueError:
            raise ParameterError(f"{part!r} is not a case reference like 25 001 239", name) from None
        if reference in seen:
            continue
        seen.add(reference)
        try:
            cases.append(await get_case(viewer, reference))
        except CaseNotFound:
            raise ParameterError(f"There is no case {reference}", name) from None
    return cases
