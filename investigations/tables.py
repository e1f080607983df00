"""The domain core every later capability builds on: bodies, people, the taxonomy and cases.

Foreign keys restrict deletion: case data is never hard-deleted (bodies and users are deactivated).
"""

from piccolo.columns import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from workbench.tables import User


class Body(Table, tablename="investigations_body"):
    """A body in jurisdiction: a council, a care provider, an NHS body."""

    name = Varchar(length=200, unique=True, index=True)
    aliases = JSON(default="[]")
    body_type = Varchar(length=40, index=True)
    region = Varchar(length=40, default="")
    population = Integer(null=True, default=None)
    active = Boolean(default=True)


class BodyContact(Table, tablename="investigations_body_contact"):
    """A named person at a body whom we write to: the link officer, the chief executive, ..."""

    body = ForeignKey(Body, on_delete=OnDelete.restrict, index=True)
    role = Varchar(length=40)  # a key of investigations.contacts.CONTACT_ROLES
    name = Varchar(length=200)
    job_title = Varchar(length=200, default="")
    email = Varchar(length=254, default="")
    active = Boolean(default=True)


class Category(Table, tablename="investigations_category"):
    name = Varchar(length=100, unique=True)
    slug = Varchar(length=100, unique=True)
    service_area = Varchar(length=100)


class Subcategory(Table, tablename="investigations_subcategory"):
    category = ForeignKey(Category, on_delete=OnDelete.restrict)
    name = Varchar(length=100)
    slug = Varchar(length=200, unique=True)  # "<category-slug>/<subcategory-slug>"


class Person(Table, tablename="investigations_person"):
    """A complainant, person affected or representative; the same person may recur across cases."""

    title = Varchar(length=20, default="")
    given_name = Varchar(length=100, default="")
    family_name = Varchar(length=100)
    address = Text(default="")
    postcode = Varchar(length=10, default="", index=True)
    email = Varchar(length=254, default="")
    phone = Varchar(length=40, default="")
    date_of_birth = Date(null=True, default=None)


class ReferenceCounter(Table, tablename="investigations_reference_counter"):
    """The last number issued per two-digit year, so references are gap-free and never reused."""

    year = Integer(unique=True)
    last_number = Integer(default=0)


class Case(Table, tablename="investigations_case"):
    reference = Varchar(length=12, unique=True, index=True)  # "YY NNN NNN"
    received_on = Date(index=True)
    decided_on = Date(null=True, default=None, index=True)
    category = ForeignKey(Category, on_delete=OnDelete.restrict)
    subcategory = ForeignKey(Subcategory, on_delete=OnDelete.restrict)
    stage = Varchar(length=40, index=True)
    outcome = Varchar(length=40, default="", index=True)
    investigator = ForeignKey(User, null=True, default=None, on_delete=OnDelete.restrict)
    restricted = Boolean(default=False)
    care_funding = Varchar(length=20, default="")
    summary = Text(default="")
    outcome_wanted = Text(default="")
    complainant = ForeignKey(Person, on_delete=OnDelete.restrict)
    person_affected = ForeignKey(Person, null=True, default=None, on_delete=OnDelete.restrict)
    representative = ForeignKey(Person, null=True, default=None, on_delete=OnDelete.restrict)
    representative_consent_on = Date(null=True, default=None)
    representative_consent_note = Text(default="")
    first_aware_on = Date(null=True, default=None)
    local_procedure = Varchar(length=40, default="")
    agreed_response_by = Date(null=True, default=None)
    stage_entered_on = Date(null=True, default=None, index=True)
    urgent = Boolean(default=False)
    joint_with_phso = Boolean(default=False)
    closure_reason = Text(default="")
    draft_issued_on = Date(null=True, default=None)
    comments_due_on = Date(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()
    version = Integer(default=1)


class CaseBody(Table, tablename="investigations_case_body"):
    """A body a case concerns; joint cases carry several, each with its letter suffix (a, b, ...)."""

    case = ForeignKey(Case, on_delete=OnDelete.restrict, index=True)
    body = ForeignKey(Body, on_delete=OnDelete.restrict, index=True)
    suffix = Varchar(length=2, default="")


class LocalStage(Table, tablename="investigations_local_stage"):
    """One stage of the body's own complaint procedure, as the complainant went through it."""

    case = ForeignKey(Case, on_delete=OnDelete.restrict, index=True)
    number = Integer()
    received_on = Date(null=True, default=None)
    acknowledged_on = Date(null=True, default=None)
    responded_on = Date(null=True, default=None)
    extended = Boolean(default=False)
    panel_on = Date(null=True, default=None)
    report_on = Date(null=True, default=None)


class StageChange(Table, tablename="investigations_stage_change"):
    """Every move through the state machine: who, when and why."""

    case = ForeignKey(Case, on_delete=OnDelete.restrict, index=True)
    from_stage = Varchar(length=40)
    to_stage = Varchar(length=40)
    at = Timestamptz()
    by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.restrict)
    reason = Text(default="")


class Enquiry(Table, tablename="investigations_enquiry"):
    """A question put to a body, with its due date in working days and any extension."""

    case = ForeignKey(Case, on_delete=OnDelete.restrict, index=True)
    body = ForeignKey(Body, on_delete=OnDelete.restrict)
    description = Text()
    sent_on = Date()
    due_on = Date(index=True)
    due_explanation = Text(default="")
    original_due_on = Date()
    extension_reason = Text(default="")
    responded_on = Date(null=True, default=None)
    response_summary = Text(default="")
    created_at = Timestamptz()
    by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.restrict)


class Note(Table, tablename="investigations_note"):
    case = ForeignKey(Case, on_delete=OnDelete.restrict, index=True)
    at = Timestamptz()
    by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.restrict)
    text = Text()


class CaseDocument(Table, tablename="investigations_case_document"):
    """A file in the case file, stored under the data directory by a generated name."""

    case = ForeignKey(Case, on_delete=OnDelete.restrict, index=True)
    kind = Varchar(length=40)
    original_name = Varchar(length=255)
    stored_name = Varchar(length=80, unique=True)
    content_type = Varchar(length=100)
    size = Integer()
    sha256 = Varchar(length=64)
    uploaded_at = Timestamptz()
    by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.restrict)


class Finding(Table, tablename="investigations_finding"):
    """The Ombudsman's finding about one body on a case: fault, injustice, NCMG standards breached."""

    case = ForeignKey(Case, on_delete=OnDelete.restrict, index=True)
    body = ForeignKey(Body, on_delete=OnDelete.restrict, index=True)
    fault = Boolean(default=False)
    injustice = Boolean(default=False)
    description = Text(default="")
    standards = JSON(default="[]")  # NCMG standard codes, e.g. ["3.5", "4.1"]
    updated_at = Timestamptz()
    by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.restrict)
    version = Integer(default=1)


class CaseEvent(Table, tablename="investigations_case_event"):
    """The case timeline: one row for everything that happened, written with the change itself."""

    case = ForeignKey(Case, on_delete=OnDelete.restrict, index=True)
    at = Timestamptz(index=True)
    by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.restrict)
    actor_name = Varchar(length=200, default="")
    kind = Varchar(length=40)
    title = Varchar(length=200)
    detail = Text(default="")
