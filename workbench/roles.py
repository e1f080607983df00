"""The five roles and what each may do.

Routes name the roles they admit (``opt={"roles": ...}``); one guard enforces it, and the route
table test checks every route against every role.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    INVESTIGATOR = "investigator"
    COMPLIANCE_OFFICER = "compliance_officer"
    REPORT_WRITER = "report_writer"
    MANAGER = "manager"
    ADMINISTRATOR = "administrator"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.INVESTIGATOR: "Investigator",
    Role.COMPLIANCE_OFFICER: "Compliance officer",
    Role.REPORT_WRITER: "Report writer",
    Role.MANAGER: "Manager",
    Role.ADMINISTRATOR: "Administrator",
}

ALL_STAFF = frozenset(Role)
CASEWORK = frozenset({Role.INVESTIGATOR, Role.MANAGER, Role.ADMINISTRATOR})
COMPLIANCE = frozenset({Role.COMPLIANCE_OFFICER, Role.MANAGER, Role.ADMINISTRATOR})
REPORTING = frozenset({Role.REPORT_WRITER, Role.MANAGER, Role.ADMINISTRATOR})
OVERSIGHT = frozenset({Role.MANAGER, Role.ADMINISTRATOR})
ADMINISTRATION = frozenset({Role.ADMINISTRATOR})


def parse_role(value: str) -> Role:
    """Accept 'compliance officer', 'compliance-officer' or 'compliance_officer'."""
    key = value.strip().lower().replace(" ", "_").replace("-", "_")
    try:
        return Role(key)
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise ValueError(f"unknown role {value!r}; choose one of: {choices}") from None
