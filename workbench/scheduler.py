"""Timed jobs, run by exactly one process however many web workers there are.

APScheduler keeps jobs in memory (declared in code at every start); durable state lives in our
own tables, so jobs are idempotent. The leader is whoever holds the lock: a file lock beside an
SQLite database, a session advisory lock on PostgreSQL (released if the holder dies).
"""

from __future__ import annotations

import fcntl
import logging
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from remedies.chasing import run_daily_chase
from remedies.recompute import recompute_nightly
from systemic.scan import scan_nightly
from workbench.report_jobs import remove_expired_documents
from workbench.audit import record_event, verify_chain
from workbench.settings import Settings, get_settings

log = logging.getLogger("workbench.scheduler")

SCHEDULER_LOCK_KEY = 774_002
TIMEZONE = "Europe/London"


@dataclass(frozen=True)
class Job:
    id: str
    func: Callable[[], Awaitable[Any]]
    trigger: CronTrigger


async def check_audit_chain() -> None:
    """Nightly: an edited or deleted audit row is reported, and the break itself is audited."""
    report = await verify_chain()
    if report.intact:
        log.info("audit chain intact (%s events)", report.checked)
        return
    log.error("audit chain broken at event %s", report.first_broken_sequence)
    await record_event(None, "audit.chain_broken", "audit", report.first_broken_sequence, summary="Audit chain check failed")


def jobs() -> list[Job]:
    """Every scheduled job; domains add theirs here."""
    chase_hour, chase_minute = get_settings().chase_at
    return [
        Job("audit-chain", check_audit_chain, CronTrigger(hour=2, minute=30, timezone=TIMEZONE)),
        # remedies: holidays. Before the day's chasing, so a holiday a package upgrade brought has moved the due dates.
        Job("recompute-due-dates", recompute_nightly, CronTrigger(hour=1, minute=15, timezone=TIMEZONE)),
        # remedies: chasing. The chase ladder's daily scan at WORKBENCH_CHASE_AT; exactly once is the database's job.
        Job("chase", run_daily_chase, CronTrigger(hour=chase_hour, minute=chase_minute, timezone=TIMEZONE)),
        # systemic: scan. The caseload of the last 12 months for emerging patterns, while the office is quiet.
        Job("pattern-scan", scan_nightly, CronTrigger(hour=3, minute=30, timezone=TIMEZONE)),
        # documents: generated .docx files are kept an hour for their requester, then removed.
        Job("remove-generated-documents", remove_expired_documents, CronTrigger(minute="*/10", timezone=TIMEZONE)),
    ]


class LeaderLock:
    """Held for the life of the scheduler; another process trying it gets False at once."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._file = None
        self._connection = None

    async def acquire(self) -> bool:
        if self.settings.is_sqlite:
            path = Path(self.settings.data_dir) / "scheduler.lock"
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = path.open("w")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                return False
            self._file = handle
            return True
        import asyncpg

        connection = await asyncpg.connect(self.settings.database_url)
        if await connection.fetchval("SELECT pg_try_advisory_lock($1)", SCHEDULER_LOCK_KEY):
            self._connection = connection
            return True
        await connection.close()
        return False

    async def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
        if self._connection is not None:
            await self._connection.close()
            self._connection = None


@asynccontextmanager
async def run_scheduler(settings: Settings) -> AsyncIterator[AsyncIOScheduler | None]:
    """Start the scheduler if this process wins the leader lock; otherwise yield None."""
    lock = LeaderLock(settings)
    if not await lock.acquire():
        log.info("another process runs the scheduler")
        yield None
        return
    scheduler = AsyncIOScheduler(timezone=TIMEZONE)
    for job in jobs():
        scheduler.add_job(
            job.func, job.trigger, id=job.id, replace_existing=True,
            coalesce=True, misfire_grace_time=3600, max_instances=1,
        )
    scheduler.start()
    log.info("scheduler started with %s jobs", len(scheduler.get_jobs()))
    try:
        yield scheduler
    finally:
        scheduler.shutdown(wait=False)
        await lock.release()
