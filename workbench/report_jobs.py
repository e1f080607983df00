"""Generating a document without blocking the server, and keeping it for an hour for its requester.

A job gathers the data (the kind reads on the event loop and works its figures out in a worker
thread: ``DocumentKind.gather``), then works out the preview and builds the .docx in a worker thread
(``anyio.to_thread``), recording each step so the page that polls it can show progress. Jobs live
as files under ``settings.generated_dir`` (a JSON record and the .docx, named by a random id), so
any worker process can answer the poll and the download; files older than an hour are removed. Only the member of staff who asked may see a job: anyone
else is told it does not exist.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import anyio.to_thread

from investigations.access import Viewer
from workbench.audit import record_event
from workbench.reports import DocumentKind, ParameterError, Preview
from workbench.tables import User

log = logging.getLogger("workbench.reports")

#: The steps a job goes through, in order; ``Job.step`` is the index of the one under way.
STEPS = ("Reading the data", "Checking the figures", "Writing the document", "Ready to download")
READY = len(STEPS) - 1
MAX_AGE_SECONDS = 60 * 60  # a generated document is kept this long
STALE_SECONDS = 15 * 60  # a job still "running" this long after its last step died with its process
MAX_RUNNING_PER_USER = 3  # more at once from one person is a double click or a stuck tab, not work
_JOB_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")

_running: set[asyncio.Task] = set()  # keeps each job's task alive until it finishes


@dataclass
class Job:
    id: str
    owner_id: int
    kind: str  # the document kind's key
    label: str
    params: dict[str, str]
    created: float
    updated: float
    status: str = "running"  # running, done, failed
    step: int = 0
    title: str = ""
    filename: str = ""
    size: int = 0
    problems: list[dict[str, str]] = field(default_factory=list)  # {"severity", "message"} from the preview
    error: str = ""
    error_field: str = ""

    @property
    def steps(self) -> list[tuple[str, str]]:
        """(step, "done" | "running" | "waiting" | "failed") for the progress list."""
        result = []
        for index, name in enumerate(STEPS):
            if index < self.step or self.status == "done":
                state = "done"
            elif index == self.step:
                state = {"running": "running", "failed": "failed"}.get(self.status, "done")
            else:
                state = "waiting"
            result.append((name, state))
        return result

    @property
    def finished(self) -> bool:
        return self.status != "running"


class JobStore:
    """Jobs as files in one directory: ``<id>.json`` (the record) and ``<id>.docx`` (the document)."""

    def __init__(self, directory: Path, max_age: float = MAX_AGE_SECONDS) -> None:
        self.directory = Path(directory)
        self.max_age = max_age

    def create(self, owner_id: int, kind: DocumentKind, params: Mapping[str, str]) -> Job:
        now = time.time()
        job = Job(secrets.token_urlsafe(18), owner_id, kind.key, kind.label, dict(params), now, now)
        self.save(job)
        return job

    def save(self, job: Job) -> None:
        job.updated = time.time()
        self._write(self._record(job.id), json.dumps(asdict(job)).encode())

    def get(self, job_id: str, owner_id: int) -> Job | None:
        """The job, if it exists, has not expired and belongs to ``owner_id``; None otherwise."""
        if not _JOB_ID.match(job_id):
            return None
        try:
            job = Job(**json.loads(self._record(job_id).read_bytes()))
        except (OSError, ValueError, TypeError):
            return None
        now = time.time()
        if job.owner_id != owner_id or now - job.created > self.max_age:
            return None
        if job.status == "running" and now - job.updated > STALE_SECONDS:
            job.status, job.error = "failed", "The document stopped being generated (the server may have restarted). Try again."
        return job

    def running_for(self, owner_id: int) -> int:
        """How many of this person's jobs are still being generated."""
        count = 0
        for record in self.directory.glob("*.json") if self.directory.exists() else ():
            job = self.get(record.stem, owner_id)
            count += job is not None and job.status == "running"
        return count

    def store_document(self, job: Job, content: bytes) -> None:
        self._write(self._document(job.id), content)
        job.size = len(content)

    def document(self, job: Job) -> bytes | None:
        try:
            return self._document(job.id).read_bytes()
        except OSError:
            return None

    def sweep(self, now: float | None = None) -> int:
        """Remove jobs (and stray temporary files) older than the maximum age; how many files went."""
        now = time.time() if now is None else now
        removed = 0
        try:
            entries = list(os.scandir(self.directory))
        except FileNotFoundError:
            return 0
        for entry in entries:
            try:
                if entry.is_file() and now - entry.stat().st_mtime > self.max_age:
                    os.unlink(entry.path)
                    removed += 1
            except FileNotFoundError:
                continue  # another process swept it first
        return removed

    def _record(self, job_id: str) -> Path:
        return self.directory / f"{job_id}.json"

    def _document(self, job_id: str) -> Path:
        return self.directory / f"{job_id}.docx"

    def _write(self, path: Path, content: bytes) -> None:
        """Whole or not at all: a reader never sees half a record or half a document."""
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        temporary.write_bytes(content)
        os.replace(temporary, path)


class TooManyJobs(Exception):
    """The person already has MAX_RUNNING_PER_USER documents being generated."""

    message = (f"You already have {MAX_RUNNING_PER_USER} documents being generated: wait for one to finish, "
               "then generate this one")


def problems_of(preview: Preview) -> list[dict[str, str]]:
    return [{"severity": p.severity, "message": p.message} for p in preview.problems]


async def preview_of(kind: DocumentKind, params: Mapping[str, str], viewer: Viewer) -> Preview:
    """Gather (read on the event loop, figures in a worker thread), then the preview (in a worker thread too)."""
    data = await kind.gather(params, viewer)
    return await anyio.to_thread.run_sync(kind.preview, data)


def start_job(store: JobStore, kind: DocumentKind, params: Mapping[str, str], user: User, viewer: Viewer,
              ip: str = "") -> Job:
    """Record a new job and run it in the background on this event loop; return at once."""
    store.sweep()
    if store.running_for(user.id) >= MAX_RUNNING_PER_USER:
        raise TooManyJobs()
    job = store.create(user.id, kind, params)
    task = asyncio.get_running_loop().create_task(run_job(store, job, kind, user, viewer, ip))
    _running.add(task)
    task.add_done_callback(_running.discard)
    return job


async def run_job(store: JobStore, job: Job, kind: DocumentKind, user: User | None, viewer: Viewer, ip: str = "") -> Job:
    """Gather, check, build and keep the document, saving the job after each step; never raises."""
    try:
        data = await kind.gather(job.params, viewer)
        _advance(store, job, 1)
        preview = await anyio.to_thread.run_sync(kind.preview, data)
        job.title, job.filename, job.problems = preview.title, preview.filename, problems_of(preview)
        if not preview.can_build:
            return _fail(store, job, "The document cannot be generated until the problems are put right.")
        _advance(store, job, 2)
        content = await anyio.to_thread.run_sync(kind.build, data)
        store.store_document(job, content)
        await record_event(user, "document.generated", "document", kind.key, f"Generated {job.label}: {job.filename}",
                           {"parameters": job.params, "filename": job.filename, "bytes": job.size}, ip)
        job.status = "done"
        _advance(store, job, READY)
    except ParameterError as exc:
        _fail(store, job, exc.message, exc.field)
    except Exception:  # a fault in a document kind: the page says so with an id the log can be searched for
        reference = secrets.token_hex(4)
        log.exception("generating %s failed (error id %s)", job.kind, reference)
        _fail(store, job, f"Sorry, the document could not be generated. Quote error id {reference} if you report it.")
    return job


async def remove_expired_documents() -> None:
    """Scheduled every few minutes: generated documents older than an hour are removed even when nobody
    generates another (each new job also sweeps)."""
    from workbench.settings import get_settings

    removed = JobStore(get_settings().generated_dir).sweep()
    if removed:
        log.info("removed %s expired generated-document files", removed)


def _advance(store: JobStore, job: Job, step: int) -> None:
    job.step = step
    store.save(job)


def _fail(store: JobStore, job: Job, message: str, field: str = "") -> Job:
    job.status, job.error, job.error_field = "failed", message, field
    store.save(job)
    return job
