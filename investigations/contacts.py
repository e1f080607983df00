"""A body's named contacts: the people we write to when we chase (link officer, chief executive...).

The chase ladder's letters go to a contact by role, so roles are a fixed list here. Contacts are
never deleted: one who leaves is deactivated, so old letters still name who they went to.
Every change is one write transaction with its audit event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from investigations.tables import Body, BodyContact
from workbench.audit import record_event
from workbench.db import write_transaction
from workbench.forms import EMAIL
from workbench.tables import User

#: role -> label, in the order the body page lists them.
CONTACT_ROLES: dict[str, str] = {
    "link_officer": "Link officer",
    "chief_executive": "Chief executive",
    "monitoring_officer": "Monitoring officer",
}


class ContactError(ValueError):
    """A contact change refused for a reason the user can fix; ``field`` names the form field."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class NewContact:
    role: str
    name: str
    job_title: str = ""
    email: str = ""


def check_contact(new: NewContact) -> dict[str, str]:
    """Every problem with a new contact, by form field (empty when it can be saved)."""
    errors: dict[str, str] = {}
    if new.role not in CONTACT_ROLES:
        errors["role"] = "Choose the contact's role"
    if not new.name.strip():
        errors["name"] = "Enter the contact's name"
    elif len(new.name.strip()) > 200:
        errors["name"] = "The name must be 200 characters or fewer"
    if len(new.job_title.strip()) > 200:
        errors["job_title"] = "The job title must be 200 characters or fewer"
    email = new.email.strip()
    if not email:
        errors["email"] = "Enter the contact's email address, so chasers can reach them"
    elif len(email) > 254 or not EMAIL.match(email):
        errors["email"] = "Enter an email address in the correct format, like name@example.com"
    return errors


async def contacts_of(body_id: int, include_inactive: bool = True) -> list[dict[str, Any]]:
    """A body's contacts, active first, in role order, then by name."""
    query = BodyContact.select().where(BodyContact.body == body_id)
    if not include_inactive:
        query = query.where(BodyContact.active == True)  # noqa: E712
    rows = await query
    order = list(CONTACT_ROLES)
    rows.sort(key=lambda r: (not r["active"], order.index(r["role"]) if r["role"] in order else len(order),
                             r["name"].casefold(), r["id"]))
    for row in rows:
        row["role_label"] = CONTACT_ROLES.get(row["role"], row["role"])
    return rows


async def add_contact(body_id: int, new: NewContact, user: User, ip: str = "") -> int:
    """Record a named contact at a body; ContactError (nothing written) when a field is wrong."""
    errors = check_contact(new)
    if errors:
        field, message = next(iter(errors.items()))
        raise ContactError(message, field)
    body = await Body.select(Body.name).where(Body.id == body_id).first()
    if body is None:
        raise ContactError("No such body")
    async with write_transaction():
        contact = BodyContact(body=body_id, role=new.role, name=new.name.strip(), job_title=new.job_title.strip(),
                              email=new.email.strip(), active=True)
        await contact.save()
        await record_event(user, "body.contact_added", "body", body_id,
                           summary=f"{CONTACT_ROLES[new.role]} {new.name.strip()} added to {body['name']}",
                           changes={"contact_id": contact.id, "role": new.role, "name": new.name.strip(),
                                    "job_title": new.job_title.strip(), "email": new.email.strip()}, ip=ip)
    return contact.id


async def deactivate_contact(body_id: int, contact_id: int, user: User, ip: str = "") -> None:
    """Stop writing to a contact (kept on record); ContactError if it is not this body's active contact."""
    async with write_transaction():
        updated = await BodyContact.update({BodyContact.active: False}).where(
            (BodyContact.id == contact_id) & (BodyContact.body == body_id) & (BodyContact.active == True)  # noqa: E712
        ).returning(BodyContact.name, BodyContact.role)
        if not updated:
            raise ContactError("That contact is not an active contact of this body")
        await record_event(user, "body.contact_deactivated", "body", body_id,
                           summary=f"{CONTACT_ROLES.get(updated[0]['role'], updated[0]['role'])} "
                                   f"{updated[0]['name']} deactivated",
                           changes={"contact_id": contact_id}, ip=ip)


#: Who stands in when a body has no active contact in a role: the chase must still reach someone.
CONTACT_FALLBACKS: dict[str, tuple[str, ...]] = {
    "link_officer": ("link_officer", "monitoring_officer", "chief_executive"),
    "chief_executive": ("chief_executive", "monitoring_officer", "link_officer"),
    "monitoring_officer": ("monitoring_officer", "chief_executive", "link_officer"),
}


def choose_contact(contacts: list[dict[str, Any]], role: str) -> dict[str, Any] | None:
    """The contact a letter for ``role`` goes to, from one body's contacts (pure).

    The first role in ``CONTACT_FALLBACKS[role]`` with an active contact wins; within a role the
    most recently added active contact (the current holder of the post).
    """
    for candidate in CONTACT_FALLBACKS.get(role, (role,)):
        active = [c for c in contacts if c["role"] == candidate and c["active"]]
        if active:
            return max(active, key=lambda c: c["id"])
    return None


async def contacts_by_body(body_ids: list[int] | set[int]) -> dict[int, list[dict[str, Any]]]:
    """Every active contact of these bodies, a query per thousand bodies (the chase scan writes to many)."""
    out: dict[int, list[dict[str, Any]]] = {}
    ids = sorted(set(body_ids))
    for start in range(0, len(ids), 1000):
        rows = await BodyContact.select().where(
            BodyContact.body.is_in(ids[start:start + 1000]) & (BodyContact.active == True)  # noqa: E712
        )
        for row in rows:
            out.setdefault(row["body"], []).append(row)
    return out


async def contact_for(body_id: int, role: str) -> dict[str, Any] | None:
    """The body's contact for ``role`` (chief executive, else monitoring officer, else link officer...)."""
    return choose_contact((await contacts_by_body([body_id])).get(body_id, []), role)
