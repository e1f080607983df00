"""The letter a fired rung of the chase ladder produces, built from ``workbench.word`` only.

A letter is never stored: it is rebuilt from the stored firing (``ChaseFiring``: the rung, the due
date in force, the scan's date), the recommendation and the recipient, so the one emailed and the
one downloaded later are the same document. The recipient is the one the delivery record names
when the letter was sent (contacts are deactivated, never deleted, so their job title is still
found); before that, the body's current contact for the rung's role (``investigations.contacts``).

Pure parts (``LetterFacts``, ``build_letter``, ``letter_email``) take plain values; the loaders
at the bottom read them from the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Sequence

from investigations.contacts import CONTACT_ROLES, choose_contact
from investigations.tables import BodyContact
from remedies.compliance import REMEDY_TYPES
from remedies.ladder import DEFAULT_LADDER, RecipientRole, Rung, rung_date
from remedies.tables import ChaseFiring, EmailDelivery, Recommendation
from workbench.mail import Attachment, Email
from workbench.word import DOCX_CONTENT_TYPE, WordDocument, strong
from workbench.workdays import WorkingDayCalendar, format_date_long

__all__ = [
    "LetterFacts",
    "Recipient",
    "build_letter",
    "find_rung",
    "internal_recipient",
    "letter_email",
    "letter_facts",
    "letter_filename",
    "load_letter",
    "recipient_from_contact",
]

SIGNATURE = "Compliance team"
OFFICE = "Ombudsman Workbench"
CLASSIFICATION = "OFFICIAL-SENSITIVE: personal data about a complaint"


@dataclass(frozen=True)
class Recipient:
    """Who the letter is addressed to: a body's contact, or our own casework manager."""

    name: str
    job_title: str = ""
    organisation: str = ""
    email: str = ""
    role: str = ""  # the contact role actually used (after any fallback)

    @property
    def address_lines(self) -> list[str]:
        return [self.name, self.job_title, self.organisation, self.email]

    @property
    def salutation(self) -> str:
        return f"Dear {self.name}," if self.name else "Dear Sir or Madam,"


@dataclass(frozen=True)
class NextStep:
    label: str
    on: date


@dataclass(frozen=True)
class LetterFacts:
    """Everything a chase letter says, as plain values."""

    firing_id: int
    rung: Rung
    letter_date: date  # the scan's date: when the letter went out
    fire_on: date  # when the ladder said the rung was due
    due_on: date  # the due date in force when it fired
    original_due_on: date
    decided_on: date
    case_reference: str
    body_name: str
    remedy_label: str
    description: str
    evidence_expected: str
    amount: Decimal | None
    recipient: Recipient
    next_step: NextStep | None

    @property
    def internal(self) -> bool:
        return self.rung.recipient == RecipientRole.CASEWORK_MANAGER

    @property
    def extended(self) -> bool:
        return self.due_on != self.original_due_on


def find_rung(ladder: Sequence[Rung], key: str, recipient_role: str) -> Rung:
    """The rung a firing names; if the ladder has changed since, a stand-in with the stored role."""
    for rung in (*ladder, *DEFAULT_LADDER):
        if rung.key == key:
            return rung
    try:
        role = RecipientRole(recipient_role)
    except ValueError:
        role = RecipientRole.LINK_OFFICER
    return Rung(key, key.replace("_", " ").capitalize(), role, offset_working_days=0)


def next_step(ladder: Sequence[Rung], rung: Rung, due_on: date, decided_on: date,
              calendar: WorkingDayCalendar | None) -> NextStep | None:
    """The rung after this one on this recommendation's ladder (by date, then ladder order)."""
    dated = sorted(
        ((rung_date(r, due_on, decided_on, calendar).result, index, r) for index, r in enumerate(ladder)),
        key=lambda item: (item[0], item[1]),
    )
    keys = [r.key for _, _, r in dated]
    if rung.key not in keys:
        return None
    position = keys.index(rung.key)
    if position + 1 >= len(dated):
        return None
    on, _, following = dated[position + 1]
    return NextStep(following.label, on)


def recipient_from_contact(contact: dict[str, Any] | None, body_name: str) -> Recipient:
    if contact is None:
        return Recipient(name="", organisation=body_name)
    return Recipient(name=contact["name"], job_title=contact.get("job_title") or CONTACT_ROLES.get(contact["role"], ""),
                     organisation=body_name, email=contact.get("email") or "", role=contact["role"])


def internal_recipient() -> Recipient:
    return Recipient(name="Casework manager", organisation=OFFICE, role=RecipientRole.CASEWORK_MANAGER.value)


def letter_facts(firing: dict[str, Any], recommendation: dict[str, Any], recipient: Recipient,
                 ladder: Sequence[Rung], calendar: WorkingDayCalendar | None) -> LetterFacts:
    """The letter's facts from a firing row and its recommendation row (with case_reference, body_name)."""
    rung = find_rung(ladder, firing["rung"], firing["recipient_role"])
    remedy = REMEDY_TYPES.get(recommendation["remedy_type"])
    return LetterFacts(
        firing_id=firing["id"], rung=rung, letter_date=firing["scan_as_of"], fire_on=firing["fire_on"],
        due_on=firing["due_on"], original_due_on=recommendation["original_due_on"],
        decided_on=recommendation["decided_on"], case_reference=recommendation["case_reference"],
        body_name=recommendation["body_name"], remedy_label=remedy.label if remedy else recommendation["remedy_type"],
        description=recommendation["description"], evidence_expected=recommendation["evidence_expected"],
        amount=recommendation.get("amount"), recipient=recipient,
        next_step=next_step(ladder, rung, firing["due_on"], recommendation["decided_on"], calendar),
    )


# ---------------------------------------------------------------------------------------------
# The document


def _opening(facts: LetterFacts) -> list[str]:
    due = format_date_long(facts.due_on)
    rung = facts.rung
    if facts.internal:
        months = rung.months_after_decision
        outstanding = (f"has been outstanding for {months} months since the final decision on "
                       f"{format_date_long(facts.decided_on)}" if months else "is outstanding")
        return [
            f"The recommendation below, agreed by {facts.body_name} on complaint {facts.case_reference}, "
            f"{outstanding}. It was due on {due} and we have not accepted evidence that it has been done.",
            f"This referral is the chase ladder's step \u201c{rung.label}\u201d. Please review the case and decide "
            "what to do next: write to the chief executive, meet the body, allow more time, update the complainant, "
            "hold a case conference with the investigator, consider a public report, or stop chasing where the "
            "remedy cannot be achieved or a report would be disproportionate.",
        ]
    if rung.offset_working_days is not None and rung.offset_working_days < 0 and facts.letter_date < facts.due_on:
        return [
            f"On complaint {facts.case_reference} your organisation agreed to the recommendation below. "
            f"It is due on {due}.",
            "Please send us evidence that it has been carried out by that date. If you expect to miss it, "
            "tell us now, with the reason and the date you expect to complete it.",
        ]
    if rung.recipient == RecipientRole.CHIEF_EXECUTIVE:
        return [
            f"I am writing to you about complaint {facts.case_reference}. {facts.body_name} agreed to the "
            f"recommendation below, which was due on {due}. Despite our reminders we have not received evidence "
            "that it has been carried out.",
            "Please make sure the recommendation is carried out, and send us the evidence within 10 working days "
            "of this letter. If there is a reason it cannot be done, please tell us.",
        ]
    return [
        f"On complaint {facts.case_reference} your organisation agreed to the recommendation below, which was "
        f"due on {due}. We have not received evidence that it has been carried out.",
        "Please send the evidence now, or tell us why it has not been done and when it will be.",
    ]


def _details(facts: LetterFacts) -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = [
        ("Complaint reference", facts.case_reference),
        ("Organisation", facts.body_name),
        ("Final decision", format_date_long(facts.decided_on)),
        ("Recommendation", facts.remedy_label),
        ("What was agreed", facts.description),
    ]
    if facts.amount is not None:
        rows.append(("Amount", f"\u00a3{facts.amount:,.2f}"))
    rows.append(("Evidence we need", facts.evidence_expected or "Evidence that the recommendation has been carried out"))
    rows.append(("Original due date", format_date_long(facts.original_due_on)))
    if facts.extended:
        rows.append(("Due date now (extended)", format_date_long(facts.due_on)))
    return rows


def _what_next(facts: LetterFacts) -> str:
    if facts.next_step is None:
        if facts.internal:
            return "This is the last step of the chase ladder; what happens now is the casework manager's decision."
        return "If we do not receive the evidence, a casework manager will decide what to do next."
    step = facts.next_step
    when = "on" if step.on > facts.letter_date else "from"
    if facts.internal:
        return f"Unless the recommendation is complied with, the next step is \u201c{step.label}\u201d {when} {format_date_long(step.on)}."
    return (f"If we have not received the evidence, the next step is \u201c{step.label}\u201d {when} "
            f"{format_date_long(step.on)}.")


def build_letter(facts: LetterFacts) -> bytes:
    """The .docx for one fired rung (same facts, same bytes)."""
    word = WordDocument(f"{facts.rung.label}: complaint {facts.case_reference}", created=facts.letter_date,
                        subject=f"Complaint {facts.case_reference}", author=SIGNATURE)
    word.header(CLASSIFICATION)
    word.footer(f"{OFFICE} \u00b7 our reference {facts.case_reference}")
    word.letter_block(facts.recipient.address_lines, facts.letter_date, facts.case_reference,
                      date_text=format_date_long(facts.letter_date))
    word.paragraph("Referral" if facts.internal else facts.recipient.salutation)
    word.heading(f"{facts.rung.label}: complaint {facts.case_reference}", 1)
    for text in _opening(facts):
        word.paragraph(text)
    word.heading("The recommendation", 2)
    word.key_values(_details(facts))
    word.heading("What happens next", 2)
    word.paragraph(_what_next(facts))
    if not facts.internal:
        word.paragraph(["Please quote ", strong(f"our reference {facts.case_reference}"),
                        " when you send the evidence."])
        word.paragraph("Yours sincerely,")
    word.paragraph(SIGNATURE)
    word.small(f"Letter for the chase ladder step \u201c{facts.rung.label}\u201d, due "
               f"{format_date_long(facts.fire_on)}; record {facts.firing_id}.")
    return word.to_bytes()


def letter_filename(facts: LetterFacts) -> str:
    return f"{facts.case_reference.replace(' ', '-')}-{facts.rung.key}-{facts.fire_on.isoformat()}.docx"


def letter_email(facts: LetterFacts, to_name: str, to_address: str, content: bytes) -> Email:
    """The email carrying the letter: a short plain-text summary with the .docx attached."""
    lines = [
        f"{facts.recipient.salutation}" if not facts.internal else "Casework manager,",
        "",
        f"{facts.rung.label}: complaint {facts.case_reference} ({facts.body_name}).",
        f"Recommendation: {facts.remedy_label}. Due {format_date_long(facts.due_on)}.",
        "",
        "Our letter is attached.",
        "",
        SIGNATURE,
        OFFICE,
    ]
    return Email(
        to_address=to_address, to_name=to_name,
        subject=f"{facts.rung.label}: complaint {facts.case_reference}",
        body="\n".join(lines),
        attachments=(Attachment(letter_filename(facts), content, DOCX_CONTENT_TYPE),),
    )


# ---------------------------------------------------------------------------------------------
# Loading from the database


RECOMMENDATION_COLUMNS = (
    Recommendation.id, Recommendation.case, Recommendation.body, Recommendation.remedy_type,
    Recommendation.description, Recommendation.evidence_expected, Recommendation.amount,
    Recommendation.original_due_on, Recommendation.due_on, Recommendation.decided_on,
    Recommendation.case.reference.as_alias("case_reference"), Recommendation.body.name.as_alias("body_name"),
)


async def _recorded_recipient(firing_id: int, body_id: int, body_name: str) -> Recipient | None:
    """Who the letter was sent to, as the delivery record says (first recipient), with their job title."""
    delivered = await EmailDelivery.select(EmailDelivery.to_name, EmailDelivery.to_address).where(
        (EmailDelivery.firing == firing_id) & (EmailDelivery.to_name != "")
    ).order_by(EmailDelivery.id).first()
    if delivered is None:
        return None
    contact = await BodyContact.select().where(
        (BodyContact.body == body_id) & (BodyContact.name == delivered["to_name"])
        & (BodyContact.email == delivered["to_address"])
    ).order_by(BodyContact.id, ascending=False).first()
    if contact is not None:
        return recipient_from_contact(contact, body_name)
    return Recipient(name=delivered["to_name"], organisation=body_name, email=delivered["to_address"])


async def recipient_for(firing: dict[str, Any], recommendation: dict[str, Any],
                        contacts: list[dict[str, Any]] | None = None) -> Recipient:
    """The letter's addressee: our casework manager, the recorded recipient, or the current contact."""
    if firing["recipient_role"] == RecipientRole.CASEWORK_MANAGER.value:
        return internal_recipient()
    if firing.get("id"):
        recorded = await _recorded_recipient(firing["id"], recommendation["body"], recommendation["body_name"])
        if recorded is not None:
            return recorded
    if contacts is None:
        contacts = await BodyContact.select().where(
            (BodyContact.body == recommendation["body"]) & (BodyContact.active == True)  # noqa: E712
        )
    return recipient_from_contact(choose_contact(contacts, firing["recipient_role"]), recommendation["body_name"])


async def load_letter(recommendation_id: int, firing_id: int, ladder: Sequence[Rung],
                      calendar: WorkingDayCalendar | None) -> LetterFacts | None:
    """The facts of a stored firing's letter; None if there is no such firing on that recommendation."""
    firing = await ChaseFiring.select().where(
        (ChaseFiring.id == firing_id) & (ChaseFiring.recommendation == recommendation_id)
    ).first()
    if firing is None:
        return None
    recommendation = await Recommendation.select(*RECOMMENDATION_COLUMNS).where(
        Recommendation.id == recommendation_id).first()
    if recommendation is None:
        return None
    recipient = await recipient_for(firing, recommendation)
    return letter_facts(firing, recommendation, recipient, ladder, calendar)
