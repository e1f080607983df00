"""The audit log: who did what, when, to which record, with before and after.

Rows are only ever inserted. Each row's hash covers its content and the previous row's hash, so
editing or deleting a row breaks the chain and ``verify_chain`` reports where.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from piccolo.engine.postgres import PostgresEngine

from workbench.db import bulk_insert, engine, write_transaction
from workbench.tables import AuditEvent, User

GENESIS = "0" * 64
AUDIT_LOCK_KEY = 774_001  # pg advisory lock id that serialises appends to the chain


def _json_default(value: Any) -> str:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def canonical(payload: dict[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=_json_default)


def event_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(fields)).encode()).hexdigest()


def _hashed_fields(row: dict[str, Any]) -> dict[str, Any]:
    at = row["at"]
    if isinstance(at, datetime):
        at = at.astimezone(timezone.utc).replace(microsecond=0).isoformat()
    changes = row["changes"]
    if isinstance(changes, str):
        changes = json.loads(changes or "{}")
    return {
        "sequence": row["sequence"],
        "at": at,
        "actor_name": row["actor_name"],
        "action": row["action"],
        "record_type": row["record_type"],
        "record_id": str(row["record_id"]),
        "summary": row["summary"],
        "changes": changes,
        "ip": row["ip"],
    }


async def record_event(
    actor: User | None,
    action: str,
    record_type: str,
    record_id: Any,
    summary: str = "",
    changes: dict[str, Any] | None = None,
    ip: str = "",
) -> AuditEvent:
    """Append one event. Joins the caller's write transaction, so the event commits with the change."""
    async with write_transaction():
        if isinstance(engine(), PostgresEngine):
            await AuditEvent.raw("SELECT pg_advisory_xact_lock({})", AUDIT_LOCK_KEY)
        last = (
            await AuditEvent.select(AuditEvent.sequence, AuditEvent.hash)
            .order_by(AuditEvent.sequence, ascending=False)
            .first()
        )
        prev_hash = last["hash"] if last else GENESIS
        row = {
            "sequence": (last["sequence"] if last else 0) + 1,
            "at": datetime.now(timezone.utc).replace(microsecond=0),
            "actor_name": actor.username if actor else "system",
            "action": action,
            "record_type": record_type,
            "record_id": str(record_id),
            "summary": summary,
            "changes": json.loads(canonical(changes or {})),
            "ip": ip,
        }
        event = AuditEvent(
            actor=actor.id if actor else None,
            prev_hash=prev_hash,
            hash=event_hash(prev_hash, _hashed_fields(row)),
            **{**row, "changes": canonical(row["changes"])},
        )
        await event.save()
    return event


@dataclass(frozen=True)
class Entry:
    """One event of a batch for ``record_events``."""

    action: str
    record_type: str
    record_id: Any
    summary: str = ""
    changes: dict[str, Any] | None = None


async def record_events(actor: User | None, entries: list[Entry], ip: str = "") -> int:
    """Append many events, chained in order, with one read of the chain's end and one insert.

    For jobs that change many records at once (the chase scan): each record keeps its own event,
    at the cost of one event, not one round trip per record. Joins the caller's write transaction.
    """
    if not entries:
        return 0
    async with write_transaction():
        if isinstance(engine(), PostgresEngine):
            await AuditEvent.raw("SELECT pg_advisory_xact_lock({})", AUDIT_LOCK_KEY)
        last = (
            await AuditEvent.select(AuditEvent.sequence, AuditEvent.hash)
            .order_by(AuditEvent.sequence, ascending=False)
            .first()
        )
        prev_hash, sequence = (last["hash"], last["sequence"]) if last else (GENESIS, 0)
        at = datetime.now(timezone.utc).replace(microsecond=0)
        rows = []
        for entry in entries:
            sequence += 1
            row = {
                "sequence": sequence, "at": at, "actor_name": actor.username if actor else "system",
                "action": entry.action, "record_type": entry.record_type, "record_id": str(entry.record_id),
                "summary": entry.summary, "changes": json.loads(canonical(entry.changes or {})), "ip": ip,
            }
            digest = event_hash(prev_hash, _hashed_fields(row))
            rows.append({**row, "changes": canonical(row["changes"]), "actor": actor.id if actor else None,
                         "prev_hash": prev_hash, "hash": digest})
            prev_hash = digest
        await bulk_insert(AuditEvent, rows)
    return len(rows)


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_broken_sequence: int | None

    @property
    def intact(self) -> bool:
        return self.first_broken_sequence is None


async def verify_chain(batch: int = 5000) -> ChainReport:
    """Recompute every hash in order; the first mismatch, gap or reordering is reported."""
    prev_hash, expected_sequence, checked, after = GENESIS, 1, 0, 0
    while True:
        rows = (
            await AuditEvent.select()
            .where(AuditEvent.sequence > after)
            .order_by(AuditEvent.sequence)
            .limit(batch)
        )
        if not rows:
            return ChainReport(checked, None)
        for row in rows:
            ok = (
                row["sequence"] == expected_sequence
                and row["prev_hash"] == prev_hash
                and row["hash"] == event_hash(prev_hash, _hashed_fields(row))
            )
            if not ok:
                return ChainReport(checked, row["sequence"])
            prev_hash, expected_sequence, checked = row["hash"], expected_sequence + 1, checked + 1
        after = rows[-1]["sequence"]


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Only the fields that changed, as {"before": {...}, "after": {...}}."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {"before": {k: before.get(k) for k in keys}, "after": {k: after[k] for k in keys}}
