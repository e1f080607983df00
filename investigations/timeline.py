"""The case timeline (MOJ timeline pattern): one event per thing that happened to a case.

Every service that changes a case calls ``add_event`` inside its write transaction, so the
timeline and the change commit together. Reading it is one query, newest first.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from investigations.tables import CaseEvent
from workbench.db import fetch_rows, placeholder
from workbench.tables import User


def event_row(case_id: int, user: User | None, kind: str, title: str, detail: str = "",
              at: datetime | None = None) -> dict[str, Any]:
    """The values of one timeline event, for ``add_event`` or a ``bulk_insert`` of many."""
    return {"case": case_id, "at": at or datetime.now(timezone.utc), "by": user.id if user else None,
            "actor_name": user.full_name if user else "System", "kind": kind, "title": title[:200], "detail": detail}


async def add_event(case_id: int, user: User | None, kind: str, title: str, detail: str = "") -> None:
    await CaseEvent(**event_row(case_id, user, kind, title, detail)).save()


async def case_timeline(case_id: int, limit: int = 200) -> list[dict[str, Any]]:
    return await fetch_rows(
        'SELECT "at", actor_name, kind, title, detail FROM investigations_case_event '
        f'WHERE "case" = {placeholder(1)} ORDER BY "at" DESC, id DESC LIMIT {placeholder(2)}', [case_id, limit])
