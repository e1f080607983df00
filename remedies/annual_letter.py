"""The annual review letter to one body for one financial year (domain.md 4.1).

Addressed to the body's chief executive, copied to its link officer and monitoring officer (the
named contacts of ``investigations.contacts``), it gives the year's complaints and enquiries
received, decisions by outcome, the upheld rate against the average for bodies of the same type,
the compliance and late rates (each with its counts), the complaints the body had already put
right, the service improvements it agreed and the NCMG standards our findings said it breached.

One source of truth: case figures come from ``investigations.statistics``, compliance figures from
``remedies.compliance`` over ``remedies.facts.load_facts`` (as the body page and the statistics page
compute them), the list of service improvements from ``remedies.improvements`` (the same
recommendations as the service-improvements figure).

Need-to-know: the figures are counted from the cases the person producing the letter may open, as
every screen counts them (restricted cases they are not cleared for are left out, never revealed
through a count). The preview says so to anyone who is not an administrator, because the letter
that goes to the body should count every case.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from investigations.access import Viewer
from investigations.contacts import CONTACT_ROLES, choose_contact, contacts_of
from investigations.lifecycle import Outcome
from investigations.reference_data import BODY_TYPES, load_ncmg_standards, ncmg_standards_by_code
from investigations.statistics import (
    CaseFact, CaseFigures, by_body_type, case_figures, decided_in, load_case_facts, load_standards_breached,
)
from remedies.compliance import Figure, RecommendationFact, financial_year_label, statistics
from remedies.document_parameters import read_body, read_year
from remedies.facts import load_facts
from remedies.improvements import ServiceImprovement, load_service_improvements
from remedies.letters import Recipient, recipient_from_contact
from workbench.reports import DocumentKind, Parameter, Preview, Problem
from workbench.roles import Role
from workbench.word import WordDocument, strong
from workbench.workdays import format_date_long

__all__ = ["AnnualReviewLetter", "LetterData", "COPY_ROLES"]

OFFICE = "Ombudsman Workbench"
SIGNATURE = "The Ombudsman"
COPY_ROLES = ("link_officer", "monitoring_officer")
NEED_TO_KNOW = ("Figures count only the cases you may open: restricted cases you are not cleared for are left "
                "out. The letter that goes to the body should be produced by an administrator, who sees every case.")


@dataclass(frozen=True)
class LetterData:
    """Everything the letter says, as plain values (gathered once; preview and build are pure)."""

    body: dict[str, Any]  # id, name, body_type
    year: int  # first year of the financial year
    written_on: date
    addressee: Recipient
    addressed_to_chief_executive: bool
    copies: tuple[Recipient, ...]
    missing_copies: tuple[str, ...]  # roles with no active contact
    figures: CaseFigures
    type_figures: CaseFigures  # every body of the same type, pooled
    compliance: dict[str, Figure]
    recommendations: int
    remedied_cases: tuple[str, ...]  # references decided in the year as remedied by the body
    improvements: tuple[ServiceImprovement, ...]
    standards: dict[str, int]  # NCMG code -> findings citing it
    viewer_sees_everything: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return financial_year_label(self.year)

    @property
    def start(self) -> date:
        return date(self.year, 4, 1)

    @property
    def end(self) -> date:
        return date(self.year + 1, 3, 31)

    @property
    def type_label(self) -> str:
        return BODY_TYPES.get(self.body["body_type"], self.body["body_type"])


def type_average_label(body_type: str) -> str:
    """'county councils', 'independent care providers' (for 'the average for ...')."""
    label = BODY_TYPES.get(body_type, body_type).lower()
    if label.endswith("council"):
        return label + "s"
    if label.endswith("body"):
        return label[:-4] + "bodies"
    return label + "s"


# --------------------------------------------------------------------------------------------
# Reading (the only step that touches the database), then working the figures out (pure)


@dataclass(frozen=True)
class LetterInputs:
    """What the letter reads: the body's contacts, its year's and its type's case facts, its recommendations."""

    body: Mapping[str, Any]
    year: int
    written_on: date
    contacts: list[dict[str, Any]]
    body_facts: list[CaseFact]
    type_facts: list[CaseFact]  # every body of the same type: thousands of cases for county councils
    facts: list[RecommendationFact]
    improvements: tuple[ServiceImprovement, ...]
    standards: dict[str, int]
    viewer_sees_everything: bool


async def read_letter(body: Mapping[str, Any], year: int, viewer: Viewer, written_on: date) -> LetterInputs:
    start, end = date(year, 4, 1), date(year + 1, 3, 31)
    return LetterInputs(
        body=body, year=year, written_on=written_on,
        contacts=await contacts_of(body["id"], include_inactive=False),
        body_facts=await load_case_facts(start, end, body_id=body["id"], viewer=viewer),
        type_facts=await load_case_facts(start, end, body_type=body["body_type"], viewer=viewer),
        facts=await load_facts(body_id=body["id"], financial_year=year, viewer=viewer),
        improvements=tuple(await load_service_improvements(body_id=body["id"], financial_year=year, viewer=viewer)),
        standards=await load_standards_breached(start, end, body_id=body["id"], viewer=viewer),
        viewer_sees_everything=viewer.role is Role.ADMINISTRATOR,
    )


def letter_data(inputs: LetterInputs) -> LetterData:
    """Addressee, copies and figures from what was read: CPU work, run off the event loop."""
    body, contacts = inputs.body, inputs.contacts
    start, end = date(inputs.year, 4, 1), date(inputs.year + 1, 3, 31)
    chief = choose_contact(contacts, "chief_executive")
    copies, missing = [], []
    for role in COPY_ROLES:
        contact = next((c for c in sorted(contacts, key=lambda c: -c["id"]) if c["role"] == role), None)
        if contact is None:
            missing.append(role)
        elif chief is None or contact["id"] != chief["id"]:
            copies.append(recipient_from_contact(contact, body["name"]))
    remedied = tuple(sorted(f.reference for f in decided_in(inputs.body_facts, start, end)
                            if f.outcome == Outcome.REMEDIED_BY_BODY.value))
    return LetterData(
        body=dict(body),
        year=inputs.year,
        written_on=inputs.written_on,
        addressee=recipient_from_contact(chief, body["name"]),
        addressed_to_chief_executive=chief is not None and chief["role"] == "chief_executive",
        copies=tuple(copies),
        missing_copies=tuple(missing),
        figures=case_figures(inputs.body_facts, start, end),
        type_figures=(by_body_type(inputs.type_facts, start, end).get(body["body_type"])
                      or case_figures([], start, end)),
        compliance=statistics(inputs.facts),
        recommendations=len(inputs.facts),
        remedied_cases=remedied,
        improvements=inputs.improvements,
        standards=inputs.standards,
        viewer_sees_everything=inputs.viewer_sees_everything,
    )


# --------------------------------------------------------------------------------------------
# Preview (pure)


def problems(data: LetterData) -> list[Problem]:
    found: list[Problem] = []
    if not data.addressee.name:
        found.append(Problem(f"{data.body['name']} has no named contact: the letter is addressed to "
                             "\u201cDear Sir or Madam\u201d. Add a chief executive on the body's page."))
    elif not data.addressed_to_chief_executive:
        found.append(Problem(f"{data.body['name']} has no chief executive named: the letter is addressed to "
                             f"{data.addressee.name} ({data.addressee.job_title}) instead."))
    for role in data.missing_copies:
        found.append(Problem(f"No {CONTACT_ROLES[role].lower()} is named at {data.body['name']}: "
                             "the letter cannot be copied to one."))
    if data.figures.decided == 0:
        found.append(Problem(f"We made no decisions about {data.body['name']} in {data.label}: "
                             "the letter has no decision figures."))
    rates = [("Upheld rate", data.figures.upheld_rate, "investigated decisions"),
             (f"Average upheld rate for {type_average_label(data.body['body_type'])}", data.type_figures.upheld_rate,
              "investigated decisions"),
             ("Compliance rate", data.compliance["compliance_rate"], "compliance verdicts"),
             ("Late compliance rate", data.compliance["late_compliance_rate"], "remedies complied with")]
    for name, figure, of in rates:
        if figure.denominator and figure.too_few:
            found.append(Problem(f"{name} is worked out from only {figure.denominator} {of}: "
                                 "too few to be meaningful; the letter says so."))
    unsummarised = [i for i in data.improvements if not i.public_summary]
    if unsummarised:
        refs = ", ".join(sorted({i.case_reference for i in unsummarised}))
        found.append(Problem(f"{len(unsummarised)} service improvement(s) have no public summary (cases {refs}): "
                             "the letter lists them by type only. Write a public summary on each recommendation."))
    if not data.viewer_sees_everything:
        found.append(Problem(NEED_TO_KNOW))
    return found


def outcome_rows(figures: CaseFigures) -> list[list[str]]:
    return [[Outcome(k).label, f"{n:,}"] for k, n in figures.by_outcome.items()]


def headline(data: LetterData) -> list[tuple[str, str]]:
    return [
        ("Complaints and enquiries received", f"{data.figures.received:,}"),
        ("Decisions made", f"{data.figures.decided:,}"),
        ("Upheld rate", data.figures.upheld_rate.display),
        (f"Average upheld rate for {type_average_label(data.body['body_type'])}", data.type_figures.upheld_rate.display),
        ("Compliance with our recommendations", data.compliance["compliance_rate"].display),
        ("Remedies carried out late", data.compliance["late_compliance_rate"].display),
        ("Complaints the body had already put right", f"{len(data.remedied_cases):,}"),
        ("Service improvements agreed", data.compliance["service_improvements"].display),
        ("NCMG standards breached", f"{len(data.standards):,}"),
    ]


def standards_rows(standards: Mapping[str, int]) -> list[list[str]]:
    by_code = ncmg_standards_by_code()
    principles = {p.code: p.title for p in load_ncmg_standards()}
    rows = []
    for code, n in standards.items():
        standard = by_code.get(code)
        principle = principles.get(standard.principle_code, "") if standard else ""
        text = standard.text if standard else "(a standard no longer in the NCMG guidance)"
        rows.append([code, principle, text, f"{n:,}"])
    return rows


def filename(data: LetterData) -> str:
    slug = "-".join("".join(ch if ch.isalnum() else " " for ch in data.body["name"]).lower().split())
    return f"annual-review-{data.label}-{slug}.docx"


# --------------------------------------------------------------------------------------------
# The letter (pure)


def _rate_sentence(figure: Figure, what: str) -> str:
    if figure.value is None:
        return f"There were no {what} in the year, so there is no rate to give."
    sentence = f"{figure.display}."
    if figure.too_few:
        sentence += f" This is worked out from fewer than ten {what}, too few to compare meaningfully."
    return sentence


def build_letter(data: LetterData) -> bytes:
    body_name = data.body["name"]
    word = WordDocument(f"Annual review letter {data.label}: {body_name}", created=data.written_on,
                        subject=f"Annual review {data.label}", author=OFFICE)
    word.header(f"Annual review letter {data.label}")
    word.footer(f"{OFFICE} \u00b7 annual review {data.label} \u00b7 {body_name}")
    word.letter_block(data.addressee.address_lines, data.written_on, f"Annual review {data.label}",
                      date_text=format_date_long(data.written_on))
    word.paragraph(data.addressee.salutation)
    word.heading(f"Annual review letter {data.label}", 1)
    word.paragraph(f"I write with your annual summary of the complaints we received and decided about {body_name} "
                   f"in the year ending {format_date_long(data.end)}. The figures run from "
                   f"{format_date_long(data.start)} to {format_date_long(data.end)}. We publish them on our "
                   "interactive map alongside those of every other body in our jurisdiction.")

    word.heading("Complaints and enquiries received", 2)
    received = data.figures.received
    word.paragraph(f"We received {received:,} " + ("complaint or enquiry" if received == 1 else "complaints and enquiries")
                   + f" about {body_name}.")

    word.heading("Decisions made", 2)
    if data.figures.decided:
        word.paragraph(f"We made {data.figures.decided:,} decision{'s' if data.figures.decided != 1 else ''}, of which "
                       f"{data.figures.investigated:,} followed a detailed investigation.")
        word.table(["Outcome", "Decisions"], [*outcome_rows(data.figures), [strong("Total"), strong(f"{data.figures.decided:,}")]],
                   widths_cm=[12, 4])
    else:
        word.paragraph(f"We made no decisions about {body_name} in the year.")

    word.heading("Upheld rate", 2)
    average = type_average_label(data.body["body_type"])
    word.key_values([
        (f"{body_name}", _rate_sentence(data.figures.upheld_rate, "detailed investigations")),
        (f"Average for {average}", _rate_sentence(data.type_figures.upheld_rate, "detailed investigations")),
    ])
    word.small(f"Upheld rate: {data.figures.upheld_rate.formula}. The average pools every decision about "
               f"{average} in the year.")

    word.heading("Compliance with our recommendations", 2)
    compliance, late = data.compliance["compliance_rate"], data.compliance["late_compliance_rate"]
    word.paragraph(f"We made or followed up {data.recommendations:,} recommendation"
                   f"{'s' if data.recommendations != 1 else ''} due in the year.")
    word.key_values([
        ("Compliance rate", _rate_sentence(compliance, "compliance verdicts")),
        ("Late compliance rate", _rate_sentence(late, "remedies complied with")),
    ])
    word.small(f"Compliance rate: {compliance.formula}. Late compliance rate: {late.formula}.")
    if compliance.value is not None and compliance.numerator < (compliance.denominator or 0):
        word.paragraph("A compliance rate below 100% means the body did not carry out at least one remedy it had "
                       "agreed to.")

    word.heading("Complaints you had already put right", 2)
    if data.remedied_cases:
        remedied = data.figures.remedied_by_body
        share = remedied.display.split(" (")[0]
        word.paragraph(f"In {remedied.numerator:,} of the {remedied.denominator:,} complaints we upheld ({share}) "
                       f"{body_name} had already provided a satisfactory remedy before the complaint reached us. "
                       "We welcome this. Our references:")
        word.paragraph(", ".join(data.remedied_cases))
    else:
        word.paragraph("In none of the upheld complaints had the body already provided a satisfactory remedy.")

    word.heading("Service improvements agreed", 2)
    if data.improvements:
        word.paragraph(f"{body_name} agreed {len(data.improvements):,} service improvement"
                       f"{'s' if len(data.improvements) != 1 else ''} with a due date in the year:")
        for improvement in data.improvements:
            word.bullet([strong(f"{improvement.remedy_label}: "), improvement.public_summary or "(no public summary)"])
    else:
        word.paragraph("No service improvements fell due in the year.")

    word.heading("Complaint handling: NCMG standards", 2)
    if data.standards:
        word.paragraph("Where we found fault, our findings named the good-practice standards of the National "
                       "Complaints Managers' Group that the body's complaint handling fell short of:")
        word.table(["Standard", "Principle", "What it says", "Findings"], standards_rows(data.standards),
                   widths_cm=[2.2, 3.4, 8.3, 2.1])
    else:
        word.paragraph("None of our findings of fault named an NCMG complaint-handling standard.")

    word.paragraph("I hope these figures help you and your councillors to scrutinise the way complaints are "
                   "handled. My office will be glad to discuss them.")
    word.paragraph("Yours sincerely,")
    word.paragraph(SIGNATURE)
    if data.copies:
        word.paragraph([strong("Copied to: "), "; ".join(f"{c.name}, {c.job_title}" for c in data.copies)])
    return word.to_bytes()


# --------------------------------------------------------------------------------------------
# The document kind


class AnnualReviewLetter(DocumentKind):
    key = "annual-review-letter"
    label = "Annual review letter"
    description = ("A body's year: complaints received, decisions, upheld rate against similar bodies, compliance, "
                   "complaints already put right, service improvements and NCMG standards breached.")
    parameters = (
        Parameter("body", "Body", "body"),
        Parameter("year", "Financial year", "year", required=False,
                  hint="Its first year or its label, like 2025-26; blank for the last complete year"),
    )

    async def read(self, params: Mapping[str, str], viewer: Viewer) -> LetterInputs:
        today = date.today()
        body = await read_body(params)
        return await read_letter(body, read_year(params, today=today), viewer, today)

    def work_out(self, read: LetterInputs) -> LetterData:
        return letter_data(read)

    def preview(self, data: LetterData) -> Preview:
        return Preview(
            title=f"Annual review letter {data.label}: {data.body['name']}",
            summary=[("Addressed to", ", ".join(x for x in (data.addressee.name, data.addressee.job_title) if x)
                      or "No named contact"),
                     ("Copied to", "; ".join(c.name for c in data.copies) or "Nobody"),
                     *headline(data)],
            tables=[
                ("Decisions by outcome", ["Outcome", "Decisions"], outcome_rows(data.figures)),
                ("Service improvements agreed", ["Type", "Public summary", "Case"],
                 [[i.remedy_label, i.public_summary or "(none)", i.case_reference] for i in data.improvements]),
                ("NCMG standards breached", ["Standard", "Principle", "What it says", "Findings"],
                 standards_rows(data.standards)),
            ],
            problems=problems(data),
            filename=filename(data),
        )

    def build(self, data: LetterData) -> bytes:
        return build_letter(data)
