"""A document's parameters as people give them: read from a form or the command line, and offered as choices.

Every document kind declares its parameters (``workbench.reports.Parameter``); this module turns
what was typed into the ``params`` mapping a kind's ``gather`` takes, refusing only what the
declaration itself rules out (a required parameter left empty, a value outside its fixed choices).
Whether a case, a body or a year exists, and whether the viewer may see it, is the kind's own
check (``ParameterError``), so a document says the same thing from the browser and the CLI.

It also lists the choices the Reports area's form offers: financial years with data, service areas
from the taxonomy, systemic issues, and bodies matching what was typed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from piccolo.query.functions.aggregate import Max, Min

from workbench.forms import Errors, value
from workbench.reports import DocumentKind, Parameter
from workbench.roles import CASEWORK, REPORTING, Role

MAX_LENGTH = 200  # a reference, a name, a year
MAX_TEXT_LENGTH = 2_000  # free text: a list of case references, names one per line
MAX_YEARS = 20  # the year select lists at most this many financial years

#: What to say when a required parameter of each kind is left empty.
_MISSING = {
    "case": "Enter the case reference",
    "body": "Choose a body",
    "year": "Choose a financial year",
    "service_area": "Choose a service area",
    "issue": "Choose a systemic issue",
    "version": "Choose a version",
}


def roles_for(kind: DocumentKind) -> frozenset[Role]:
    """Who may produce a document. Report writers, managers and administrators produce every kind; a
    document about one case (a required ``case`` parameter) is casework too, so an investigator may
    produce it, for a case they can see (the kind's ``gather`` applies need-to-know)."""
    if any(p.kind == "case" and p.required for p in kind.parameters):
        return REPORTING | CASEWORK
    return REPORTING


def read_parameters(kind: DocumentKind, raw: Mapping[str, Any]) -> tuple[dict[str, str], Errors]:
    """The kind's parameters from form or command-line values: trimmed, empty ones left out.

    A body may come as the chosen body's id (``body``) or, without JavaScript, as the typed name
    (``body_query``); kinds accept either (an id or an exact name)."""
    params: dict[str, str] = {}
    errors = Errors()
    for parameter in kind.parameters:
        text = _tidy(value(raw, parameter.name), parameter)
        if not text and parameter.kind == "body":
            text = _tidy(value(raw, parameter.name + "_query"), parameter)
        if not text:
            if parameter.required:
                errors.add(parameter.name, missing_message(parameter))
            continue
        limit = MAX_TEXT_LENGTH if parameter.kind == "text" else MAX_LENGTH
        if len(text) > limit:
            errors.add(parameter.name, f"{parameter.label} must be {limit:,} characters or fewer")
            continue
        if parameter.choices:
            chosen = next((choice for choice, _label in parameter.choices if choice.casefold() == text.casefold()), None)
            if chosen is None:
                errors.add(parameter.name, f"{parameter.label} must be one of: " + ", ".join(
                    choice if choice == label else f"{choice} ({label})" for choice, label in parameter.choices))
                continue
            text = chosen
        params[parameter.name] = text
    return params, errors


def _tidy(text: str, parameter: Parameter) -> str:
    """Spacing evened out; free text keeps its lines (a list of names, one per line)."""
    if parameter.kind == "text":
        return "\n".join(line for line in (" ".join(raw.split()) for raw in text.splitlines()) if line)
    return " ".join(text.split())


def is_multiline(parameter: Parameter) -> bool:
    """Free text whose hint asks for one item per line gets a text area rather than a line."""
    return parameter.kind == "text" and "per line" in parameter.hint.lower()


def blank_label(parameter: Parameter) -> str:
    """What the empty choice of a list means: "Choose" when one is needed, else what the hint says blank
    means ("blank for the last complete year" -> "The last complete year"), else "Any"."""
    if parameter.required:
        return "Choose"
    match = re.search(r"blank for (.+?)(?:[;.(]|$)", parameter.hint, re.IGNORECASE)
    return (match.group(1)[:1].upper() + match.group(1)[1:]).strip() if match else "Any"


def missing_message(parameter: Parameter) -> str:
    return _MISSING.get(parameter.kind) or f"Enter {parameter.label[:1].lower() + parameter.label[1:]}"


# ---------------------------------------------------------------------------------------------
# Choices the form offers


def financial_years(first: date | None, last: date | None, today: date) -> list[tuple[str, str]]:
    """(start year, "2025-26") for every financial year from ``first`` to ``last`` and this one, newest first."""
    from remedies.compliance import financial_year_label, financial_year_start

    current = financial_year_start(today)
    newest = max(current, financial_year_start(last)) if last else current
    oldest = min(financial_year_start(first), newest) if first else current
    oldest = max(oldest, newest - MAX_YEARS + 1)
    return [(str(year), financial_year_label(year)) for year in range(newest, oldest - 1, -1)]


async def years_with_data(today: date) -> list[tuple[str, str]]:
    """The financial years from the first complaint received or decided to the last (and this year)."""
    from investigations.tables import Case

    row = await Case.select(
        Min(Case.received_on).as_alias("first_received"), Min(Case.decided_on).as_alias("first_decided"),
        Max(Case.received_on).as_alias("last_received"), Max(Case.decided_on).as_alias("last_decided"),
    ).first() or {}
    firsts = [_as_date(row.get(k)) for k in ("first_received", "first_decided") if row.get(k)]
    lasts = [_as_date(row.get(k)) for k in ("last_received", "last_decided") if row.get(k)]
    return financial_years(min(firsts) if firsts else None, max(lasts) if lasts else None, today)


def _as_date(raw: Any) -> date | None:
    if raw is None or isinstance(raw, date):
        return raw
    return date.fromisoformat(str(raw)[:10])  # SQLite answers an aggregate of dates as text


def service_areas() -> list[tuple[str, str]]:
    from investigations.reference_data import load_taxonomy

    return [(area, area) for area in load_taxonomy().service_areas]


async def systemic_issues() -> list[tuple[str, str]]:
    """Every systemic issue, newest first (issues are open to all staff; their cases keep need-to-know)."""
    from systemic.tables import SystemicIssue

    rows = await SystemicIssue.select(SystemicIssue.id, SystemicIssue.title, SystemicIssue.status).order_by(
        SystemicIssue.id, ascending=False)
    return [(str(r["id"]), f"{r['id']}: {r['title']} ({r['status']})") for r in rows]


@dataclass(frozen=True)
class BodyChoice:
    id: int
    name: str
    matched: str = ""  # the alias that matched, when it is not the name


async def matching_bodies(query: str, limit: int = 8) -> list[BodyChoice]:
    """Bodies for the type-ahead: names, aliases and misspellings (the same ranking as case intake)."""
    from investigations.body_search import rank_bodies
    from investigations.queries import body_candidates

    return [BodyChoice(m.body.id, m.body.name, m.matched if m.matched != m.body.name else "")
            for m in rank_bodies(query[:MAX_LENGTH], await body_candidates(), limit=limit)]


async def chosen_body(text: str) -> BodyChoice | None:
    """The body a parameter names (an id or an exact name, as kinds accept), to show it chosen on the form."""
    from remedies.compliance_report import body_choices, match_choice

    if not text.strip():
        return None
    try:
        choice = match_choice(text, await body_choices(), "body")
    except ValueError:
        return None
    return BodyChoice(choice.id, choice.name)


async def options_for(kind: DocumentKind, today: date) -> dict[str, list[tuple[str, str]]]:
    """Parameter name -> (value, label) choices, for the parameters the form shows as a list."""
    options: dict[str, list[tuple[str, str]]] = {}
    for parameter in kind.parameters:
        if parameter.choices:
            options[parameter.name] = list(parameter.choices)
        elif parameter.kind == "year":
            options[parameter.name] = await years_with_data(today)
        elif parameter.kind == "service_area":
            options[parameter.name] = service_areas()
        elif parameter.kind == "issue":
            options[parameter.name] = await systemic_issues()
    return options
