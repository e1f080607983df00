"""Recommendations as first-class records: each with its own clock, evidence, verdict and chasing.

A recommendation's status is never stored: it is derived (``remedies.status``) from the dates and
the one final ``outcome`` recorded here. ``original_due_on`` is fixed when the recommendation is
made and decides "late"; ``due_on`` is the date in force after extensions and drives "overdue".
The due date is stored as its rule (anchor, period, unit) so it can be recomputed and explained.

Foreign keys restrict deletion: nothing here is ever hard-deleted.
"""

from piccolo.columns import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from investigations.tables import Body, Case, Finding
from workbench.tables import User


class Recommendation(Table, tablename="remedies_recommendation"):
    """What a body agreed to do, by when, and what became of it."""

    case = ForeignKey(Case, on_delete=OnDelete.restrict, index=True)
    body = ForeignKey(Body, on_delete=OnDelete.restrict, index=True)
    finding = ForeignKey(Finding, null=True, default=None, on_delete=OnDelete.restrict)
    remedy_type = Varchar(length=60, index=True)  # a key of remedies.compliance.REMEDY_TYPES
    description = Text()  # private: what exactly, SMART, may name people
    evidence_expected = Text(default="")
    public_summary = Text(default="")  # publishable: no names, no dates
    amount = Numeric(digits=(12, 2), null=True, default=None)
    beneficiary = Varchar(length=200, default="")
    others_affected = Integer(default=0)  # people beyond the complainant remedied, as the body reports
    # The due rule: ``period`` ``unit`` after ``anchor_on`` (the ``anchor_event``, usually the final decision).
    anchor_event = Varchar(length=40, default="final_decision")
    anchor_on = Date()
    period = Integer()
    unit = Varchar(length=20)
    original_due_on = Date()
    due_on = Date(index=True)
    due_explanation = Text(default="")
    decided_on = Date()  # the final decision: "12 months outstanding" counts from here
    outcome = Varchar(length=20, default="", index=True)  # "" while outstanding, else one of compliance.OUTCOMES
    outcome_on = Date(null=True, default=None)
    ceased_reason = Text(default="")
    escalated_on = Date(null=True, default=None)
    assigned_to = ForeignKey(User, null=True, default=None, on_delete=OnDelete.restrict, index=True)
    last_chased_on = Date(null=True, default=None)
    created_at = Timestamptz()
    created_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.restrict)
    updated_at = Timestamptz()
    version = Integer(default=1)


class Extension(Table, tablename="remedies_extension"):
    """One agreed move of the due date, with its reason; the history is never rewritten."""

    recommendation = ForeignKey(Recommendation, on_delete=OnDelete.restrict, index=True)
    from_due_on = Date()
    to_due_on = Date()
    reason = Text()
    granted_on = Date()
    at = Timestamptz()
    by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.restrict)


class Evidence(Table, tablename="remedies_evidence"):
    """A body's submission, and the compliance officer's verdict on it."""

    recommendation = ForeignKey(Recommendation, on_delete=OnDelete.restrict, index=True)
    received_on = Date()
    description = Text()
    verdict = Varchar(length=20, default="", index=True)  # "" awaiting, "accepted", "insufficient"
    verdict_reason = Text(default="")
    verdict_on = Date(null=True, default=None)
    verdict_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.restrict)
    created_at = Timestamptz()
    created_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.restrict)


class EvidenceFile(Table, tablename="remedies_evidence_file"):
    """A file attached to evidence, stored like case documents (outside the web root, random name)."""

    evidence = ForeignKey(Evidence, on_delete=OnDelete.restrict, index=True)
    original_name = Varchar(length=255)
    stored_name = Varchar(length=80, unique=True)
    content_type = Varchar(length=100)
    size = Integer()
    sha256 = Varchar(length=64)


class RecommendationEvent(Table, tablename="remedies_recommendation_event"):
    """The recommendation's own history: made, extended, evidence, verdicts, chasing, recomputed dates."""

    recommendation = ForeignKey(Recommendation, on_delete=OnDelete.restrict, index=True)
    at = Timestamptz()
    by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.restrict)
    actor_name = Varchar(length=200, default="")
    kind = Varchar(length=40)
    title = Varchar(length=200)
    detail = Text(default="")


class ChaseFiring(Table, tablename="remedies_chase_firing"):
    """A rung of the chase ladder that fired. Unique on (recommendation, rung, key_on): exactly once.

    ``key_on`` is the due date for due-relative rungs (an extension re-arms them) and the decision
    date for months-after-decision rungs (they fire once whatever happens to the due date).
    """

    recommendation = ForeignKey(Recommendation, on_delete=OnDelete.restrict, index=True)
    rung = Varchar(length=40)
    key_on = Date()
    fire_on = Date()  # the day the ladder said it was due
    due_on = Date()  # the due date in force when it fired (for the letter)
    recipient_role = Varchar(length=40)
    fired_at = Timestamptz()
    scan_as_of = Date()  # the scan's "today": later than fire_on after downtime


class EmailDelivery(Table, tablename="remedies_email_delivery"):
    """What happened when a rung's letter was emailed: sent, failed (with why), or no contact."""

    firing = ForeignKey(ChaseFiring, on_delete=OnDelete.restrict, index=True)
    to_name = Varchar(length=200, default="")
    to_address = Varchar(length=254, default="")
    status = Varchar(length=20)  # "sent", "failed", "no_contact", "not_configured"
    detail = Text(default="")
    at = Timestamptz()


class OfficeHoliday(Table, tablename="remedies_office_holiday"):
    """A non-working day added by an administrator (a new bank holiday announced, an office closure).

    Held here, beside the due dates it moves: adding one recomputes every open due date.
    """

    on = Date(unique=True)
    name = Varchar(length=200)
    active = Boolean(default=True)
    added_at = Timestamptz()
    added_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.restrict)
