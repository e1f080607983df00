"""Timed jobs, run by exactly one process however many web workers there are.

APScheduler keeps jobs in memory (declared in code at every start); durable state lives in our
own tables, so jobs are idempotent. The leader is whoever holds the lock: a file lock beside an
SQLite database, a session advisory lock on PostgreSQL (released if the holder dies). The jobs run
in the web workers (WORKBENCH_SCHEDULER=on) or in `workbench scheduler`, a process of their own.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import signal
import socket
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from remedies.chasing import run_daily_chase
from remedies.recompute import recompute_nightly
from systemic.scan import scan_nightly
from workbench.report_jobs import remove_expired_documents
from workbench.session_store import purge_expired_sessions
from workbench.audit import record_event, verify_chain
from workbench.settings import Settings, get_settings

log = logging.getLogger("workbench.scheduler")

SCHEDULER_LOCK_KEY = 774_002
LEADER_APPLICATION = "workbench-scheduler"  # the lock connection's application_name starts with this
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
        # sessions: expired ones are never read, but their rows (or files) stay until removed.
        Job("purge-expired-sessions", purge_expired_sessions, CronTrigger(minute="7,37", timezone=TIMEZONE)),
    ]


@dataclass(frozen=True)
class Leader:
    """The process holding the leader lock: what an operator needs to find it."""

    host: str
    pid: int

    def describe(self) -> str:
        return f"pid {self.pid} on {self.host}"

    @classmethod
    def parse(cls, text: str) -> "Leader | None":
        host, _, pid = text.strip().rpartition(" ")
        return cls(host, int(pid)) if host and pid.isdigit() else None


def this_process() -> Leader:
    return Leader(socket.gethostname(), os.getpid())


def _lock_path(settings: Settings) -> Path:
    return Path(settings.data_dir) / "scheduler.lock"


class LeaderLock:
    """Held for as long as this process leads; another process trying it gets False at once.

    The holder leaves its host and pid where others can read them: in the lock file on SQLite, in
    the lock connection's application_name on PostgreSQL (see ``current_leader``).
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._file = None
        self._connection = None

    async def acquire(self) -> bool:
        if self._file is not None or self._connection is not None:
            return True  # already ours (a retry after a failure part-way through starting the jobs)
        me = this_process()
        if self.settings.is_sqlite:
            path = _lock_path(self.settings)
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = path.open("a+")  # not "w": that would wipe the holder's name before we know we won
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                return False
            handle.truncate(0)
            handle.write(f"{me.host} {me.pid}\n")
            handle.flush()
            self._file = handle
            return True
        import asyncpg

        connection = await asyncpg.connect(
            self.settings.database_url, timeout=10,
            server_settings={"application_name": f"{LEADER_APPLICATION} {me.host} {me.pid}"},
        )
        try:
            won = await connection.fetchval("SELECT pg_try_advisory_lock($1)", SCHEDULER_LOCK_KEY)
        except BaseException:
            await connection.close()
            raise
        if won:
            self._connection = connection
            return True
        await connection.close()
        return False

    async def held(self) -> bool:
        """Still ours? A file lock lasts as long as the process; an advisory lock dies with its connection."""
        if self._file is not None:
            return True
        if self._connection is None:
            return False
        try:
            await self._connection.fetchval("SELECT 1", timeout=10)
        except Exception:  # the server restarted or the network broke: the lock went with the connection
            return False
        return True

    async def release(self) -> None:
        if self._file is not None:
            self._file.truncate(0)
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
        if self._connection is not None:
            connection, self._connection = self._connection, None
            try:
                await connection.close(timeout=5)
            except Exception:  # already broken: closing it is all we wanted
                connection.terminate()


async def current_leader(settings: Settings) -> Leader | None:
    """Which process holds the leader lock now, or None; asked of the lock itself, not of a log."""
    if settings.is_sqlite:
        path = _lock_path(settings)
        if not path.exists():
            return None
        with path.open("r") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return Leader.parse(handle.read())
            fcntl.flock(handle, fcntl.LOCK_UN)
            return None
    import asyncpg

    connection = await asyncpg.connect(settings.database_url, timeout=10)
    try:
        name = await connection.fetchval(
            """SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
               WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = $1
                 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())""",
            SCHEDULER_LOCK_KEY,
        )
    finally:
        await connection.close()
    if name is None:
        return None
    return Leader.parse(name.removeprefix(LEADER_APPLICATION)) or Leader("unknown host", 0)


def _start_jobs() -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone=TIMEZONE)
    for job in jobs():
        scheduler.add_job(
            job.func, job.trigger, id=job.id, replace_existing=True,
            coalesce=True, misfire_grace_time=3600, max_instances=1,
        )
    scheduler.start()
    for job in scheduler.get_jobs():
        log.info("scheduled job %s: %s, next run %s", job.id, job.trigger, job.next_run_time.isoformat())
    return scheduler


class SchedulerRunner:
    """Stands by until this process wins the leader lock, then runs the jobs until it loses or stops.

    Every process that may run the jobs (each web worker with WORKBENCH_SCHEDULER=on, each
    `workbench scheduler`) runs one; exactly one leads. A standby tries the lock again every
    ``scheduler_standby_seconds``, so when the leader dies another takes over; the leader checks
    it still holds the lock as often, and stops its jobs if not.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.lock = LeaderLock(settings)
        self.scheduler: AsyncIOScheduler | None = None

    @property
    def leading(self) -> bool:
        return self.scheduler is not None

    async def run(self) -> None:
        me = this_process().describe()
        said_standby = False
        try:
            while True:
                try:
                    if self.scheduler is None:
                        if await self.lock.acquire():
                            log.info("scheduler leader: %s", me)
                            self.scheduler = _start_jobs()
                            said_standby = False
                        elif not said_standby:
                            leader = await current_leader(self.settings)
                            log.info("scheduler standby: %s; the leader is %s", me, leader.describe() if leader else "unknown")
                            said_standby = True
                    elif not await self.lock.held():
                        log.error("scheduler leader lock lost (database connection gone): %s stops its jobs", me)
                        self._stop_jobs()
                        await self.lock.release()
                except Exception as exc:  # the database is unreachable: say so, keep trying
                    log.warning("scheduler leader lock: %s (%s tries again)", exc, me)
                await asyncio.sleep(self.settings.scheduler_standby_seconds)
        finally:
            if self.scheduler is not None:
                log.info("scheduler stopped: %s", me)
            self._stop_jobs()
            await self.lock.release()

    def _stop_jobs(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None


@asynccontextmanager
async def run_scheduler(settings: Settings) -> AsyncIterator[SchedulerRunner]:
    """Run a SchedulerRunner in the background for the life of the block (the app's, or the scheduler process's)."""
    runner = SchedulerRunner(settings)
    task = asyncio.create_task(runner.run(), name="scheduler-leader")
    try:
        yield runner
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


async def run_scheduler_process(settings: Settings) -> None:
    """`workbench scheduler`: the jobs in a process of their own, until SIGTERM or SIGINT."""
    from workbench.db import close_database, open_database

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await open_database(use_pool=settings.db_pool)
    try:
        async with run_scheduler(settings):
            log.info("scheduler process started: %s", this_process().describe())
            await stop.wait()
            log.info("scheduler process stopping (signal received): %s", this_process().describe())
    finally:
        await close_database()
    log.info("scheduler process stopped: %s", this_process().describe())
