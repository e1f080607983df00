"""A case's summary made fit to print in a report: the national review's case studies, the systemic
issue report's cases.

When the publication anonymiser (``investigations.anonymise``) is installed it does the work, so a
case study reads exactly as the case's published decision does. Until then a conservative stand-in
does: the summary's first sentences, with the case's own people turned into Mr X / Mrs Y (or "the
complainant" when no title is recorded), any other titled name removed, the bodies named generically
("the Council", "the Care Provider") and references, postcodes, dates and email addresses taken out.
``CaseSummary.method`` says which was used, so the report writer knows what to check.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from investigations.reference_data import COUNCIL_TYPES

__all__ = ["ANONYMISER", "STAND_IN", "CaseSummary", "anonymised_summary", "first_sentences", "generic_body_name"]

ANONYMISER = "the publication anonymiser"
STAND_IN = "first sentences of the summary, names removed"
SENTENCES = 2
LETTERS = ("X", "Y", "Z", "B", "C", "D")  # never real initials, never "A" (domain.md 2.3)
ROLES = (("complainant", "the complainant"), ("person_affected", "the person affected"),
         ("representative", "the representative"))

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'“‘(])")
_TITLE = r"(?:Mr|Mrs|Miss|Ms|Mx|Dr|Sir|Dame|Lady|Lord)"
_OTHER_TITLED = re.compile(rf"\b{_TITLE}\.?\s+(?!(?:{'|'.join(LETTERS)})\b)[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)?")
_REFERENCE = re.compile(r"\b\d{2}\s?\d{3}\s?\d{3}[a-z]?\b|\b\d{6,}\b")
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_DATE = re.compile(rf"\b\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})\s+\d{{4}}\b",
                   re.IGNORECASE)


@dataclass(frozen=True)
class CaseSummary:
    reference: str
    text: str
    method: str  # ANONYMISER or STAND_IN


def first_sentences(text: str, n: int = SENTENCES) -> str:
    sentences = _SENTENCE_END.split(" ".join((text or "").split()))
    return " ".join(sentences[:n]).strip()


def generic_body_name(body_type: str) -> str:
    """How the text refers to a body once anonymised (domain.md 2.3)."""
    if body_type in COUNCIL_TYPES:
        return "the Council"
    if body_type == "independent_care_provider":
        return "the Care Provider"
    if body_type == "nhs_trust":
        return "the Trust"
    if body_type == "icb":
        return "the ICB"
    return "the body"


def _name_forms(person: Mapping[str, Any]) -> list[str]:
    """Every way the text may name a person, longest first, so "Mrs Ada Lovelace" goes before "Ada"."""
    title, given, family = (str(person.get(k) or "").strip() for k in ("title", "given_name", "family_name"))
    forms = {f"{title} {given} {family}", f"{title} {family}", f"{given} {family}", family, given}
    return sorted((" ".join(f.split()) for f in forms if len(" ".join(f.split())) >= 2), key=len, reverse=True)


def _replace(text: str, form: str, replacement: str) -> str:
    """Replace a name however it is written: any case for a full name; a single word (which may also be
    an ordinary word, like "Will" or "May") when capitalised or in capitals."""
    parts = form.split()
    if len(parts) > 1:
        pattern = r"\b" + r"\s+".join(re.escape(part) for part in parts) + r"\b"
        return re.sub(pattern, replacement, text, flags=re.IGNORECASE)
    word = parts[0]
    for variant in {word[:1].upper() + word[1:], word.upper(), word}:
        text = re.sub(r"\b" + re.escape(variant) + r"\b", replacement, text)
    return text


def _stand_in(case: Mapping[str, Any]) -> str:
    text = first_sentences(str(case.get("summary") or ""))
    letters = iter(LETTERS)
    replacements: list[tuple[str, str]] = []
    for role, generic in ROLES:
        person = case.get(f"{role}_person")
        if not person:
            continue
        title = str(person.get("title") or "").strip()
        replacement = f"{title} {next(letters)}" if title else generic
        replacements += [(form, replacement) for form in _name_forms(person)]
    for body in case.get("bodies") or ():
        if body.get("name"):
            replacements.append((str(body["name"]), generic_body_name(body.get("body_type", ""))))
    # Longest first across everyone, so "John Smith" goes before Mrs Smith's "Smith".
    for form, replacement in sorted(replacements, key=lambda r: len(r[0]), reverse=True):
        text = _replace(text, form, replacement)
    text = _OTHER_TITLED.sub("another person", text)
    for pattern in (_EMAIL, _DATE, _REFERENCE, _POSTCODE):
        text = pattern.sub("[removed]", text)
    return text


def _anonymiser():
    """``investigations.anonymise`` (the publication anonymiser), if that module is installed."""
    try:
        return importlib.import_module("investigations.anonymise")
    except ModuleNotFoundError as exc:
        if exc.name != "investigations.anonymise":
            raise
        return None


def _person(module, row: Mapping[str, Any] | None, role: str):
    if not row:
        return None
    return module.PersonDetails(
        family_name=row.get("family_name") or "", given_name=row.get("given_name") or "", title=row.get("title") or "",
        role=role, address=row.get("address") or "", postcode=row.get("postcode") or "",
        date_of_birth=row.get("date_of_birth"), email=row.get("email") or "", phone=row.get("phone") or "",
    )


def anonymised_summary(case: Mapping[str, Any]) -> CaseSummary:
    """The case's summary, anonymised, cut to its first sentences; ``case`` as
    ``investigations.queries.get_case`` returns it (with ``*_person`` rows and ``bodies``)."""
    module = _anonymiser()
    if module is None:
        return CaseSummary(case["reference"], _stand_in(case), STAND_IN)
    people = [p for role, label in ROLES if (p := _person(module, case.get(f"{role}_person"), label.removeprefix("the ")))]
    bodies = [module.BodyDetails(b["name"], b.get("body_type", "other"), tuple(b.get("aliases") or ()))
              for b in case.get("bodies") or () if b.get("name")]
    result = module.anonymise(str(case.get("summary") or ""), people, bodies, case["reference"])
    return CaseSummary(case["reference"], first_sentences(result.text), ANONYMISER)


def methods_used(summaries: Iterable[CaseSummary]) -> set[str]:
    return {s.method for s in summaries}
