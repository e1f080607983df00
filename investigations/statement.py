"""The decision statement for a case and a body: the parties' version and the publication version.

Sections follow the LGSCO's order (domain.md 2.1): Summary, The complaint, What I have
investigated, The Ombudsman's role and powers, How I considered this complaint, What I found,
Conclusions, Agreed action, Final decision; each a Heading 1 over paragraphs numbered through the
document, as the Ombudsman's statements are.

The statement is written once, with names as recorded (``statement_blocks``). The parties' version
is that text. The publication version is the same text passed, every word of it (headings, table
cells, header and footer included), through ``investigations.anonymise`` in one go, so each person
is the same letter throughout; its recommendations use the public summary for service
improvements and the anonymised description for personal remedies, and it carries no reference,
address or date of birth. The one thing named in it is the body, in the title block and page
header, as the Ombudsman publishes it ("Organisations are named in the title but referred to
generically in the text", domain.md 2.3).

``gather`` is the only step that reads the database (need-to-know through ``get_case``);
``preview`` and ``build`` work from the gathered data alone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from investigations.access import Viewer
from investigations.anonymise import Anonymised, Anonymiser, BodyDetails, PersonDetails
from investigations.lifecycle import OUTCOME_LABELS, Outcome
from investigations.queries import CaseNotFound, get_case
from investigations.reference_data import ncmg_standards_by_code
from investigations.references import parse_reference
from investigations.tables import Body, Enquiry, Finding
from investigations.transitions import CLOSURE_REASONS
from investigations.worklists import london_today
from remedies.calendar import office_calendar
from remedies.compliance import REMEDY_TYPES, RemedyKind
from remedies.recommendations import status_of
from remedies.tables import Recommendation
from workbench.reports import DocumentKind, Parameter, ParameterError, Preview, Problem
from workbench.word import WordDocument
from workbench.workdays import format_date_long

__all__ = ["SECTIONS", "VERSIONS", "Block", "DecisionStatement", "StatementData", "statement_blocks", "publication_blocks"]

VERSIONS = {
    "public": "Publication version (anonymised)",
    "parties": "Parties' version (names and reference)",
}
SECTIONS = (
    "Summary",
    "The complaint",
    "What I have investigated",
    "The Ombudsman's role and powers",
    "How I considered this complaint",
    "What I found",
    "Conclusions",
    "Agreed action",
    "Final decision",
)
SIGNATURE = "Investigator's decision on behalf of the Ombudsman"
NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")
UNIT_WORDS = {"working_days": ("working day", "working days"), "calendar_days": ("day", "days"),
              "months": ("month", "months")}
ANCHOR_WORDS = {"final_decision": "the final decision", "agreement": "the body's agreement", "other": "the agreed date"}
ADULT_CARE = "Adult care services"


# ---------------------------------------------------------------------------------------------
# The gathered data


@dataclass(frozen=True)
class StatementRecommendation:
    remedy_type: str
    remedy_label: str
    personal: bool
    description: str
    public_summary: str
    evidence_expected: str
    amount: Decimal | None
    original_due_on: date
    due_on: date
    period: int
    unit: str
    anchor_event: str
    status: str  # the derived status's label today (remedies.status), for the preview


@dataclass(frozen=True)
class StatementEnquiry:
    sent_on: date
    description: str
    responded_on: date | None
    response_summary: str


@dataclass(frozen=True)
class StatementFinding:
    fault: bool
    injustice: bool
    description: str
    standards: tuple[tuple[str, str], ...]  # (code, text) of the NCMG standards breached


@dataclass(frozen=True)
class StatementData:
    version: Literal["public", "parties"]
    reference: str  # as published for this body: "23 001 210a" on a joint case
    body: BodyDetails
    other_bodies: tuple[BodyDetails, ...]
    complainant: PersonDetails
    person_affected: PersonDetails | None
    representative: PersonDetails | None
    category: str
    subcategory: str
    outcome: str
    decided_on: date | None
    summary: str
    outcome_wanted: str
    closure_reason: str
    draft_issued_on: date | None
    joint_with_phso: bool
    investigator: str
    finding: StatementFinding | None
    enquiries: tuple[StatementEnquiry, ...]
    recommendations: tuple[StatementRecommendation, ...]
    other_names: tuple[str, ...] = ()
    today: date = field(default_factory=date.today)

    @property
    def people(self) -> tuple[PersonDetails, ...]:
        return tuple(p for p in (self.complainant, self.person_affected, self.representative) if p)

    @property
    def public(self) -> bool:
        return self.version == "public"

    @property
    def outcome_label(self) -> str:
        try:
            return OUTCOME_LABELS[Outcome(self.outcome)]
        except ValueError:
            return "Not yet decided"


# ---------------------------------------------------------------------------------------------
# The statement as blocks of text (names as recorded)

BlockKind = Literal["title", "heading", "subheading", "numbered", "bullet", "paragraph", "key_values", "header"]


@dataclass(frozen=True)
class Block:
    kind: BlockKind
    text: str = ""
    pairs: tuple[tuple[str, str], ...] = ()


def _name(person: PersonDetails | None) -> str:
    """How the text first names someone: "Mrs Ada Lovelace"."""
    return person.full_name if person else ""


def _short(person: PersonDetails | None) -> str:
    """How the text names them after that: "Mrs Lovelace" (or "Ada Lovelace" without a title)."""
    if person is None:
        return ""
    if person.title:
        return f"{person.title} {person.family_name}"
    return " ".join(p for p in (person.given_name, person.family_name) if p)


def _paragraphs(text: str) -> list[str]:
    """Free text as paragraphs: a blank line starts the next one; a single line break is a space
    (so a word broken at a line end stays in one text, where the anonymiser can see it whole)."""
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text or "") if p.strip()]


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?" else text + "."


def _lower_first(text: str) -> str:
    """ "An apology" -> "an apology" (only for a leading article, never a name)."""
    first, _, rest = text.partition(" ")
    return f"{first.lower()} {rest}" if first in ("A", "An", "The", "To", "For", "Some") and rest else text


def _period_words(r: StatementRecommendation) -> str:
    singular, plural = UNIT_WORDS.get(r.unit, (r.unit, r.unit))
    count = NUMBER_WORDS[r.period] if 0 <= r.period < len(NUMBER_WORDS) else str(r.period)
    return f"{count} {singular if r.period == 1 else plural} after {ANCHOR_WORDS.get(r.anchor_event, 'the agreed date')}"


def _decided_words(d: date | None) -> str:
    return f"{d.day} {d:%B %Y}" if d else "Not yet decided"


def recommendation_text(r: StatementRecommendation, public: bool) -> str:
    """What the body agreed to do, as the version publishes it (the anonymiser runs afterwards)."""
    if public and not r.personal and r.public_summary.strip():
        return r.public_summary.strip()
    return r.description.strip()


def _findings_words(f: StatementFinding | None) -> str:
    if f is None:
        return "No finding recorded"
    if f.fault:
        return "Fault causing injustice" if f.injustice else "Fault, no injustice"
    return "No fault"


def statement_blocks(data: StatementData) -> list[Block]:
    """The whole statement, top to bottom, with names as recorded."""
    body = data.body.name
    blocks: list[Block] = [
        Block("header", f"{body} ({data.reference})" if not data.public else body),
        Block("title", "The Ombudsman's final decision" if data.decided_on else "The Ombudsman's draft decision"),
    ]
    facts = [] if data.public else [("Reference", data.reference)]
    facts.append(("Body", body))
    facts += [(role, _name(person)) for role, person in (
        ("Complainant", data.complainant), ("Person affected", data.person_affected),
        ("Representative", data.representative)) if person]
    facts += [("Category", f"{data.category} > {data.subcategory}"), ("Decision", data.outcome_label),
              ("Decision date", _decided_words(data.decided_on))]
    blocks.append(Block("key_values", pairs=tuple(facts)))
    for heading, section in zip(SECTIONS, (_summary, _complaint, _investigated, _role_and_powers, _considered,
                                           _found, _conclusions, _agreed_action, _final_decision)):
        blocks.append(Block("heading", heading))
        blocks.extend(section(data))
    if not data.public and data.investigator:
        blocks.append(Block("paragraph", data.investigator))
    blocks.append(Block("paragraph", SIGNATURE))
    return blocks


def _aggrieved(data: StatementData) -> PersonDetails:
    return data.person_affected or data.complainant


def _summary(data: StatementData) -> list[Block]:
    """Headline only, and "we" (decisions are made under delegation): subject, finding, remedy."""
    body, f = data.body.name, data.finding
    text = [_sentence(_paragraphs(data.summary)[0]) if data.summary.strip() else
            f"{_short(data.complainant)} complained about {body}."]
    if data.outcome == Outcome.REMEDIED_BY_BODY:
        text.append(f"We found fault by {body}, but it had already provided a satisfactory remedy.")
    elif f is None:
        text.append("We have not recorded a finding on this complaint.")
    elif f.fault and f.injustice:
        text.append(f"We found fault by {body}, which caused {_short(_aggrieved(data))} injustice.")
    elif f.fault:
        text.append(f"We found fault by {body}, but it did not cause significant injustice.")
    else:
        text.append(f"We found no fault by {body}.")
    if data.recommendations:
        text.append(f"{body} has agreed to {_agreed_in_brief(data.recommendations)}.")
    return [Block("numbered", " ".join(text))]


_BRIEF = {
    "apology": "apologise",
    "financial_quantifiable_loss": "make a payment for the loss caused",
    "financial_avoidable_distress": "make a payment for the distress caused",
    "financial_time_and_trouble": "make a payment for the time and trouble caused",
    "financial_loss_of_service": "make a payment for the service lost",
    "refund_or_waiver": "refund or waive charges",
    "reassessment_or_new_decision": "reassess or make a new decision",
    "provide_service": "provide a service",
    "correct_records": "correct its records",
    "procedure_or_policy_change": "change its procedures",
    "staff_training": "train or remind its staff",
    "review_others_affected": "review the cases of others affected",
}


def _agreed_in_brief(recommendations: Sequence[StatementRecommendation]) -> str:
    phrases = list(dict.fromkeys(_BRIEF.get(r.remedy_type, r.remedy_label.lower()) for r in recommendations))
    return phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " and " + phrases[-1]


def _complaint(data: StatementData) -> list[Block]:
    body, complainant = data.body.name, data.complainant
    opening = f"{_name(complainant)} complains about {body}."
    if data.person_affected:
        opening += f" The complaint concerns {_name(data.person_affected)}."
    if data.representative:
        opening += f" {_name(data.representative)} represents {_short(complainant)}."
    blocks = [Block("numbered", opening)]
    summary = _paragraphs(data.summary)
    blocks += [Block("numbered", _sentence(p)) for p in summary] or [
        Block("numbered", "The complaint has not been summarised on the case.")]
    if data.outcome_wanted.strip():
        wanted = " ".join(_paragraphs(data.outcome_wanted))
        blocks.append(Block("numbered", f"{_short(complainant)} would like this outcome: {_sentence(_lower_first(wanted))}"))
    return blocks


def _investigated(data: StatementData) -> list[Block]:
    body = data.body.name
    blocks = [Block("numbered", f"I have investigated {_short(data.complainant)}'s complaint about {body} "
                                f"({data.category}: {data.subcategory.lower()}).")]
    if data.other_bodies:
        others = " and ".join(b.name for b in data.other_bodies)
        blocks.append(Block("numbered", f"The complaint also concerns {others}. This statement is about {body}; "
                                        "each body's part of the complaint has its own statement."))
    if data.joint_with_phso:
        blocks.append(Block("numbered", "The Local Government and Social Care Ombudsman and the Parliamentary and "
                                        "Health Service Ombudsman considered this complaint together."))
    if data.closure_reason and data.outcome in (Outcome.PREMATURE, Outcome.NOT_FOR_US,
                                                Outcome.CLOSED_AFTER_INITIAL_ENQUIRIES):
        reason = CLOSURE_REASONS.get(data.closure_reason, data.closure_reason)
        blocks.append(Block("numbered", f"I did not investigate the complaint further. The reason: {_sentence(reason)}"))
    return blocks


def _role_and_powers(data: StatementData) -> list[Block]:
    """The boilerplate, each paragraph citing the Local Government Act 1974 as the Ombudsman's do."""
    paragraphs = []
    if data.body.body_type == "independent_care_provider":
        paragraphs.append(
            "We investigate complaints about adult social care providers and decide whether their actions have "
            "caused, or could have caused, injustice to the person making the complaint. In this statement I have "
            "used the word 'fault' for a failure in service or a failure to provide a service. "
            "(Local Government Act 1974, sections 34B and 34C, as amended)")
    else:
        paragraphs.append(
            "We investigate complaints about 'maladministration' and 'service failure'. In this statement, I have "
            "used the word 'fault' to refer to these. We must also consider whether any fault has had an adverse "
            "impact on the person making the complaint. I refer to this as 'injustice'. If there has been fault "
            "which has caused an injustice, we may suggest a remedy. "
            "(Local Government Act 1974, sections 26(1) and 26A(1), as amended)")
    paragraphs.append(
        "We cannot question whether an organisation's decision is right or wrong simply because the complainant "
        "disagrees with it. We must consider whether there was fault in the way the decision was reached. "
        "(Local Government Act 1974, section 34(3), as amended)")
    paragraphs.append(
        "When considering complaints, if there is a conflict of evidence, we make findings based on the balance "
        "of probabilities. This means we weigh up the available relevant evidence and base our findings on what "
        "we think was more likely to have happened.")
    if data.recommendations:
        paragraphs.append(
            "If we are satisfied with an organisation's actions or proposed actions, we can complete our "
            "investigation and issue a decision statement. "
            "(Local Government Act 1974, sections 30(1B) and 34H(i), as amended)")
    if data.category == ADULT_CARE:
        paragraphs.append(
            "Under our information-sharing agreement with the Care Quality Commission, we will share this decision "
            "with the Care Quality Commission.")
    return [Block("numbered", p) for p in paragraphs]


def _considered(data: StatementData) -> list[Block]:
    body = data.body.name
    provided = f"I considered the information {_short(data.complainant)} provided"
    if data.representative:
        provided += f" and the information from {_short(data.representative)}"
    blocks = [Block("numbered", provided + ".")]
    if data.enquiries:
        blocks.append(Block("numbered", f"I made enquiries of {body} and considered the information it provided."))
        for enquiry in data.enquiries:
            text = f"On {_decided_words(enquiry.sent_on)} I made enquiries of {body}: {_sentence(enquiry.description)}"
            if enquiry.responded_on:
                text += f" It replied on {_decided_words(enquiry.responded_on)}."
                if enquiry.response_summary.strip():
                    text += f" {_sentence(' '.join(_paragraphs(enquiry.response_summary)))}"
            else:
                text += " It had not replied when I made this decision."
            blocks.append(Block("numbered", text))
    law = "I considered the relevant law and guidance"
    if data.finding and data.finding.standards:
        law += ", including the National Complaints Managers' Group good-practice standards for complaint handling"
    blocks.append(Block("numbered", law + "."))
    if data.draft_issued_on:
        blocks.append(Block("numbered", f"{_short(data.complainant)} and {body} had an opportunity to comment on my "
                                        f"draft decision, issued on {_decided_words(data.draft_issued_on)}. "
                                        "I considered any comments received before making a final decision."))
    return blocks


def _found(data: StatementData) -> list[Block]:
    body, f = data.body.name, data.finding
    if f is None:
        return [Block("numbered", f"No finding about {body} has been recorded on this case.")]
    blocks: list[Block] = [Block("subheading", "What happened")]
    blocks += [Block("numbered", _sentence(p)) for p in _paragraphs(f.description)] or [
        Block("numbered", "The finding has no description.")]
    if f.standards:
        blocks.append(Block("subheading", "Complaint handling"))
        blocks.append(Block("numbered", f"{body}'s complaint handling fell short of these standards in the National "
                                        "Complaints Managers' Group guidance:"))
        blocks += [Block("bullet", f"Standard {code}: {text}") for code, text in f.standards]
    return blocks


def _conclusions(data: StatementData) -> list[Block]:
    body, f, who = data.body.name, data.finding, _short(_aggrieved(data))
    outcome = data.outcome
    if outcome == Outcome.REMEDIED_BY_BODY:
        text = f"{body} was at fault, but it had already provided a satisfactory remedy for the injustice caused."
    elif outcome == Outcome.PREMATURE:
        text = (f"The complaint is premature: {body} has not yet had the chance to deal with it through its own "
                "complaints procedure.")
    elif outcome == Outcome.NOT_FOR_US:
        text = "The complaint is not one the Ombudsman can investigate."
    elif outcome == Outcome.CLOSED_AFTER_INITIAL_ENQUIRIES:
        text = "I ended my investigation after initial enquiries."
    elif f is None:
        text = f"I have not reached a conclusion about {body}'s actions."
    elif f.fault and f.injustice:
        text = f"{body} was at fault. The fault caused {who} an injustice."
    elif f.fault:
        text = f"{body} was at fault, but the fault did not cause {who} a significant injustice."
    else:
        text = f"{body} was not at fault."
    return [Block("numbered", text)]


def _agreed_action(data: StatementData) -> list[Block]:
    body = data.body.name
    if not data.recommendations:
        if data.finding and data.finding.fault and data.outcome != Outcome.REMEDIED_BY_BODY:
            return [Block("numbered", "I have not recommended any action.")]
        return [Block("numbered", "As I found no fault needing a remedy, I have not recommended any action.")]
    blocks = [Block("numbered", f"{body} has agreed to take the following action.")]
    ordered = sorted(data.recommendations, key=lambda r: (not r.personal, r.original_due_on))
    for r in ordered:
        text = _sentence(recommendation_text(r, data.public))
        text += f" To be done by {format_date_long(r.original_due_on)} ({_period_words(r)})."
        if not data.public and r.evidence_expected.strip():
            text += f" Evidence expected: {_sentence(r.evidence_expected)}"
        blocks.append(Block("numbered", text))
    blocks.append(Block("numbered", f"{body} should provide us with evidence it has complied with the above actions."))
    return blocks


def _final_decision(data: StatementData) -> list[Block]:
    body, f = data.body.name, data.finding
    if data.outcome == Outcome.REMEDIED_BY_BODY:
        text = f"I have completed my investigation. {body} was at fault but had already remedied the injustice."
    elif data.outcome in (Outcome.PREMATURE, Outcome.NOT_FOR_US, Outcome.CLOSED_AFTER_INITIAL_ENQUIRIES):
        text = "I have completed my consideration of this complaint and closed it."
    elif f is not None and f.fault and f.injustice:
        text = f"I have completed my investigation. I found fault by {body} which caused injustice."
        if data.recommendations:
            text += f" {body} has agreed to take action to remedy the injustice."
    elif f is not None and f.fault:
        text = f"I have completed my investigation. I found fault by {body}, but it did not cause significant injustice."
    elif f is not None:
        text = f"I have completed my investigation. I found no fault by {body}."
    else:
        text = "I have not yet reached a decision on this complaint."
    if not data.decided_on:
        text = "This is my draft decision. " + text.replace("I have completed", "Subject to comments, I have completed")
    return [Block("numbered", text)]


# ---------------------------------------------------------------------------------------------
# The publication version


def _texts(blocks: Sequence[Block]) -> list[str]:
    """Every string that will appear in the document, in order (a table's labels and values too)."""
    texts = []
    for block in blocks:
        texts.append(block.text)
        for label, value in block.pairs:
            texts += [label, value]
    return texts


def anonymiser_for(data: StatementData, texts: Sequence[str] = ()) -> Anonymiser:
    return Anonymiser(data.people, (data.body, *data.other_bodies), data.reference, data.other_names,
                      as_of=data.decided_on or data.today, texts=texts)


def publication_blocks(data: StatementData) -> tuple[list[Block], Anonymised]:
    """The statement's blocks with every text anonymised in one go (same letters throughout)."""
    blocks = statement_blocks(replace(data, version="public"))
    named = data.body.name  # the one name published: alone in the page header and the Body cell
    texts = [t for t in _texts(blocks) if t != named]
    result = anonymiser_for(data, texts).anonymise_all(texts)
    replaced = iter(result.texts)

    def public(text: str) -> str:
        return text if text == named else next(replaced)

    out = [replace(block, text=public(block.text), pairs=tuple((public(label), public(value)) for label, value in block.pairs))
           for block in blocks]
    return out, result


# ---------------------------------------------------------------------------------------------
# Rendering


def render(blocks: Sequence[Block], title: str, subject: str, created: date) -> bytes:
    word = WordDocument(title, created=created, subject=subject)
    for block in blocks:
        if block.kind == "header":
            word.header(block.text)
            word.footer()
        elif block.kind == "title":
            word.title(block.text)
        elif block.kind == "heading":
            word.heading(block.text, 1)
        elif block.kind == "subheading":
            word.heading(block.text, 2)
        elif block.kind == "numbered":
            word.numbered(block.text)
        elif block.kind == "bullet":
            word.bullet(block.text)
        elif block.kind == "key_values":
            word.key_values(block.pairs)
        else:
            word.paragraph(block.text)
    return word.to_bytes()


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def filename(data: StatementData) -> str:
    if data.public:  # no reference: the file may travel with the published text
        when = data.decided_on.isoformat() if data.decided_on else "draft"
        return f"decision-statement-{_slug(data.body.name)}-{when}-public.docx"
    return f"decision-statement-{data.reference.replace(' ', '-')}.docx"


# ---------------------------------------------------------------------------------------------
# The document kind


class DecisionStatement(DocumentKind):
    key = "decision-statement"
    label = "Decision statement"
    description = ("The Ombudsman's decision on a case, for one body: the parties' version with names and the "
                   "reference, or the publication version, anonymised, with a list of what was replaced.")
    parameters = (
        Parameter("reference", "Case reference", "case", hint="For example, 25 900 001"),
        Parameter("body", "Body", "body", required=False,
                  hint="Only needed when the case concerns more than one body"),
        Parameter("version", "Version", "version", choices=tuple(VERSIONS.items())),
        Parameter("other_names", "Other people named in the text", "text", required=False,
                  hint="Publication version: anyone else the text names, one per line (for example, Dr Priya Shah)"),
    )

    async def read(self, params: Mapping[str, str], viewer: Viewer) -> StatementData:
        reference = (params.get("reference") or "").strip()
        if not reference:
            raise ParameterError("Enter the case reference, for example 25 900 001", "reference")
        version = (params.get("version") or "").strip().lower()
        if version not in VERSIONS:
            raise ParameterError("Choose the version: public (anonymised) or parties", "version")
        try:
            case = await get_case(viewer, reference)
        except CaseNotFound:
            raise ParameterError(f"There is no case with the reference {reference}", "reference") from None
        link = _chosen_body(case, (params.get("body") or "").strip(), _suffix(reference))
        bodies = {b["id"]: b for b in await Body.select(Body.id, Body.name, Body.body_type, Body.aliases).where(
            Body.id.is_in([b["body_id"] for b in case["bodies"]]))}
        details = {i: BodyDetails(b["name"], b["body_type"], tuple(_json_list(b["aliases"]))) for i, b in bodies.items()}
        today = london_today()
        return StatementData(
            version=version,  # type: ignore[arg-type]
            reference=case["reference"] + ((link["suffix"] or "") if len(case["bodies"]) > 1 else ""),
            body=details[link["body_id"]],
            other_bodies=tuple(details[b["body_id"]] for b in case["bodies"] if b["body_id"] != link["body_id"]),
            complainant=_person(case["complainant_person"], "complainant"),
            person_affected=_person(case["person_affected_person"], "person affected"),
            representative=_person(case["representative_person"], "representative"),
            category=case["category_name"] or "",
            subcategory=case["subcategory_name"] or "",
            outcome=case["outcome"] or "",
            decided_on=case["decided_on"],
            summary=case["summary"] or "",
            outcome_wanted=case["outcome_wanted"] or "",
            closure_reason=case["closure_reason"] or "",
            draft_issued_on=case["draft_issued_on"],
            joint_with_phso=bool(case["joint_with_phso"]),
            investigator=case["investigator_name"] or "",
            finding=await _finding(case["id"], link["body_id"]),
            enquiries=await _enquiries(case["id"], link["body_id"]),
            recommendations=await _recommendations(case["id"], link["body_id"], today),
            other_names=tuple(_other_names(params.get("other_names") or "")),
            today=today,
        )

    def preview(self, data: StatementData) -> Preview:
        problems = []
        if data.finding is None:
            problems.append(Problem(f"No finding about {data.body.name} is recorded: 'What I found' says so."))
        if not data.decided_on:
            problems.append(Problem("The case has no decision date: the statement is headed as a draft decision."))
        if not data.summary.strip():
            problems.append(Problem("The case has no summary: 'The complaint' has nothing to describe it."))
        texts = [recommendation_text(r, data.public) for r in data.recommendations]
        if data.public:  # as the publication will word them
            texts = list(anonymiser_for(data, _texts(statement_blocks(data))).anonymise_all(texts).texts)
        tables: list[tuple[str, Sequence[str], Sequence[Sequence[str]]]] = [(
            "Agreed action",
            ("Recommendation", "Type", "Due", "Status today"),
            [(text, r.remedy_label, format_date_long(r.original_due_on), r.status)
             for text, r in zip(texts, data.recommendations)],
        )]
        extra: dict[str, Any] = {}
        if data.public:
            for number, r in enumerate(data.recommendations, start=1):
                if not r.public_summary.strip():
                    used = ("its description, anonymised" if r.personal else
                            "its private description, anonymised: write a public summary for this service improvement")
                    problems.append(Problem(f"Recommendation {number} ({r.remedy_label}) has no public summary; "
                                            f"the publication version uses {used}."))
            _, anonymised = publication_blocks(data)
            problems += [Problem(w) for w in anonymised.warnings]
            problems += [Problem(f"Kept “{k.original}” ({k.count}×): {k.note}. Check it is not a name here.")
                         for k in anonymised.kept]
            problems.append(Problem(f"Check the {len(anonymised.replaced)} replacements below before publishing."))
            tables.append(("People and their letters", ("Person", "Letter"), [list(p) for p in anonymised.letters]))
            tables.append(("What the anonymisation replaced", ("Original", "Replaced with", "Times", "Kind"),
                           [(r.original, r.replacement, str(r.count), r.kind + (f" ({r.note})" if r.note else ""))
                            for r in anonymised.replacements]))
            extra["replacements"] = anonymised.replacements
        return Preview(
            title=f"Decision statement {data.reference}: {data.body.name}, "
                  + ("publication version" if data.public else "parties' version"),
            summary=(("Outcome", data.outcome_label), ("Findings", _findings_words(data.finding)),
                     ("Recommendations", str(len(data.recommendations))),
                     ("Decision date", _decided_words(data.decided_on)), ("Version", VERSIONS[data.version])),
            tables=tables,
            problems=problems,
            filename=filename(data),
            extra=extra,
        )

    def build(self, data: StatementData) -> bytes:
        created = data.decided_on or data.today
        if data.public:
            blocks, _ = publication_blocks(data)
            return render(blocks, "Decision statement", data.body.name, created)
        return render(statement_blocks(data), f"Decision statement {data.reference}",
                      f"{data.body.name} ({data.reference})", created)


# ---------------------------------------------------------------------------------------------
# Reading (gather's helpers)


def _suffix(reference: str) -> str:
    try:
        return parse_reference(reference)[1]
    except ValueError:
        return ""


def _chosen_body(case: dict[str, Any], wanted: str, suffix: str) -> dict[str, Any]:
    """The case's body the statement is about: by id, exact name or letter suffix; the only one if one."""
    links = case["bodies"]
    if not links:
        raise ParameterError("This case has no body recorded, so it has no decision statement", "reference")
    if not wanted and suffix:
        wanted = suffix
    if not wanted:
        if len(links) == 1:
            return links[0]
        raise ParameterError("This case concerns more than one body: choose one of "
                             + ", ".join(b["name"] for b in links), "body")
    for link in links:
        if wanted == str(link["body_id"]) or wanted.casefold() in (link["name"].casefold(), (link["suffix"] or "-")):
            return link
    raise ParameterError("That body is not on this case: choose one of " + ", ".join(b["name"] for b in links), "body")


def _json_list(value: Any) -> list[str]:
    if isinstance(value, str):
        value = json.loads(value or "[]")
    return [str(v) for v in value or ()]


def _person(row: dict[str, Any] | None, role: str) -> PersonDetails | None:
    if not row:
        return None
    return PersonDetails(
        family_name=row["family_name"] or "", given_name=row["given_name"] or "", title=row["title"] or "", role=role,
        address=row["address"] or "", postcode=row["postcode"] or "", date_of_birth=row["date_of_birth"],
        email=row["email"] or "", phone=row["phone"] or "",
    )


def _other_names(text: str) -> list[str]:
    return [n.strip() for n in re.split(r"[\n;]+", text) if n.strip()]


async def _finding(case_id: int, body_id: int) -> StatementFinding | None:
    row = await Finding.select().where((Finding.case == case_id) & (Finding.body == body_id)).first()
    if row is None:
        return None
    codes = _json_list(row["standards"])
    known = ncmg_standards_by_code()
    return StatementFinding(
        fault=bool(row["fault"]), injustice=bool(row["injustice"]), description=row["description"] or "",
        standards=tuple((code, known[code].text if code in known else "") for code in codes),
    )


async def _enquiries(case_id: int, body_id: int) -> tuple[StatementEnquiry, ...]:
    rows = await Enquiry.select(Enquiry.sent_on, Enquiry.description, Enquiry.responded_on,
                                Enquiry.response_summary).where(
        (Enquiry.case == case_id) & (Enquiry.body == body_id)).order_by(Enquiry.sent_on).order_by(Enquiry.id)
    return tuple(StatementEnquiry(r["sent_on"], r["description"] or "", r["responded_on"], r["response_summary"] or "")
                 for r in rows)


async def _recommendations(case_id: int, body_id: int, today: date) -> tuple[StatementRecommendation, ...]:
    calendar = await office_calendar()
    rows = await Recommendation.select().where(
        (Recommendation.case == case_id) & (Recommendation.body == body_id)
    ).order_by(Recommendation.original_due_on).order_by(Recommendation.id)
    out = []
    for row in rows:
        remedy = REMEDY_TYPES.get(row["remedy_type"])
        out.append(StatementRecommendation(
            remedy_type=row["remedy_type"], remedy_label=remedy.label if remedy else row["remedy_type"],
            personal=remedy is None or remedy.kind is RemedyKind.PERSONAL,
            description=row["description"] or "", public_summary=row["public_summary"] or "",
            evidence_expected=row["evidence_expected"] or "", amount=row["amount"],
            original_due_on=row["original_due_on"], due_on=row["due_on"], period=row["period"], unit=row["unit"],
            anchor_event=row["anchor_event"], status=status_of(row, today, calendar).label,
        ))
    return tuple(out)
