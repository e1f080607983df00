"""Systemic issues: a fault that reached beyond one complainant, its cases, bodies and cohorts.

Cases are bundled into an issue, never merged: each keeps its own record. An issue may start with
no complaint at all (the Ombudsman's own-initiative power). The nightly scan proposes candidate
groups of similar cases; a manager promotes one to an issue or dismisses it.
"""

from decimal import Decimal

from piccolo.columns import JSON, Boolean, Date, ForeignKey, Integer, Numeric, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from investigations.tables import Body, Case
from remedies.tables import Recommendation
from workbench.tables import User


class SystemicIssue(Table, tablename="systemic_issue"):
    title = Varchar(length=200)
    description = Text(default="")  # the fault, as it affects people beyond the complainant
    status = Varchar(length=20, default="open", index=True)  # open, monitoring, closed
    own_initiative = Boolean(default=False)
    owner = ForeignKey(User, null=True, default=None, on_delete=OnDelete.restrict)
    created_at = Timestamptz()
    created_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.restrict)
    updated_at = Timestamptz()
    version = Integer(default=1)


class SystemicIssueCase(Table, tablename="systemic_issue_case"):
    """A case bundled into an issue. Unique (issue, case)."""

    issue = ForeignKey(SystemicIssue, on_delete=OnDelete.restrict, index=True)
    case = ForeignKey(Case, on_delete=OnDelete.restrict, index=True)
    note = Text(default="")
    linked_at = Timestamptz()
    linked_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.restrict)


class Cohort(Table, tablename="systemic_cohort"):
    """Others affected at one body: identified, contacted, reviewed, remedied, and the money put right.

    Updated as the body reports; each update is kept in ``CohortUpdate``. Linked to the
    recommendation of type "review of others affected" whose clock, evidence and chasing apply.
    Unique (issue, body).
    """

    issue = ForeignKey(SystemicIssue, on_delete=OnDelete.restrict, index=True)
    body = ForeignKey(Body, on_delete=OnDelete.restrict, index=True)
    recommendation = ForeignKey(Recommendation, null=True, default=None, on_delete=OnDelete.restrict)
    identified = Integer(default=0)
    contacted = Integer(default=0)
    reviewed = Integer(default=0)
    remedied = Integer(default=0)
    amount_paid = Numeric(digits=(14, 2), default=Decimal("0"))
    updated_at = Timestamptz()


class CohortUpdate(Table, tablename="systemic_cohort_update"):
    cohort = ForeignKey(Cohort, on_delete=OnDelete.restrict, index=True)
    reported_on = Date()
    identified = Integer(default=0)
    contacted = Integer(default=0)
    reviewed = Integer(default=0)
    remedied = Integer(default=0)
    amount_paid = Numeric(digits=(14, 2), default=Decimal("0"))
    note = Text(default="")
    at = Timestamptz()
    by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.restrict)


class DismissedSuggestion(Table, tablename="systemic_dismissed_suggestion"):
    """An investigator said "not similar": the pair is not suggested again. Unique (case, other)."""

    case = ForeignKey(Case, on_delete=OnDelete.restrict, index=True)
    other = ForeignKey(Case, on_delete=OnDelete.restrict)
    reason = Text(default="")
    at = Timestamptz()
    by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.restrict)


class ScanRun(Table, tablename="systemic_scan_run"):
    """One scan of the caseload for emerging patterns, with its progress for the UI's progress bar."""

    started_at = Timestamptz()
    finished_at = Timestamptz(null=True, default=None)
    status = Varchar(length=20, default="running")  # running, finished, failed
    period_start = Date()
    period_end = Date()
    done = Integer(default=0)
    total = Integer(default=0)
    groups_found = Integer(default=0)
    detail = Text(default="")
    requested_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.restrict)


class CandidateGroup(Table, tablename="systemic_candidate_group"):
    """A group of similar cases the scan found, for a manager to promote or dismiss.

    ``signature`` identifies the set of cases; a dismissed group comes back only when a case joins
    that it did not have (its case set is then no longer a subset of a dismissed one).
    """

    kind = Varchar(length=20)  # "across_bodies" or "repeat_at_body"
    signature = Varchar(length=64, index=True)
    case_ids = JSON(default="[]")
    body_ids = JSON(default="[]")
    title = Varchar(length=200, default="")
    reasons = JSON(default="[]")
    score = Integer(default=0)
    status = Varchar(length=20, default="new", index=True)  # new, promoted, dismissed, superseded
    found_at = Timestamptz()
    scan = ForeignKey(ScanRun, null=True, default=None, on_delete=OnDelete.restrict)
    reviewed_at = Timestamptz(null=True, default=None)
    reviewed_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.restrict)
    review_note = Text(default="")
    issue = ForeignKey(SystemicIssue, null=True, default=None, on_delete=OnDelete.restrict)
