"""Need-to-know on restricted cases.

A restricted case is open only to its investigator, that investigator's manager and
administrators. Everyone else is told it does not exist (404), and every view is audited.
The rule is a pure function so the web routes, the API and documents share it.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.roles import Role


@dataclass(frozen=True)
class Viewer:
    user_id: int
    role: Role


def may_view_case(viewer: Viewer, restricted: bool, investigator_id: int | None, investigator_manager_id: int | None) -> bool:
    if not restricted:
        return True
    if viewer.role is Role.ADMINISTRATOR:
        return True
    if investigator_id is not None and viewer.user_id == investigator_id:
        return True
    return investigator_manager_id is not None and viewer.user_id == investigator_manager_id
