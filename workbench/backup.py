"""Backups: the database, the stored files and a manifest in one .tar.gz; restores are all or nothing.

A backup holds ``database/...`` (a SQLite copy made with the online backup API, safe while the app
runs, or a ``pg_dump --format=custom`` taken in the same snapshot as the manifest's counts),
``files/...`` (everything under the data directory that must survive: uploaded case documents and
compliance evidence; never the generated-documents cache, sessions, locks or the demo secret) and,
last, ``manifest.json``: engine, time, app version, migrations, counts and each member's size and
SHA-256. The manifest comes last so a truncated file has none and is refused. Live sessions (the
PostgreSQL session table) are left out: their keys are bearer secrets, and everyone signs in again.

A restore unpacks into a staging directory, checks every name (no paths outside it, no links) and
every digest before touching anything, then swaps the database in at once (the SQLite backup API
writes the destination in one transaction; PostgreSQL restores into a new database and renames it
over the old one in one transaction) and moves the files into place. Blocking: call these from a
worker thread in async code.
"""

from __future__ import annotations

import asyncio
import fcntl
import gzip
import hashlib
import json
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
import zlib
from contextlib import closing
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any, Iterator
from urllib.parse import unquote, urlsplit, urlunsplit

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
DATABASE_MEMBERS = {"sqlite": "database/workbench.sqlite3", "postgresql": "database/workbench.pgdump"}
ENGINE_LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
FILES_PREFIX = "files/"
# Under the data directory but neither backed up nor restored: rebuilt on demand, tied to one
# running process, or a secret that has no business in a copy.
NOT_BACKED_UP = frozenset({"generated", "sessions", "scheduler.lock", "demo-secret-key"})
# Work in progress (ours, or an upload being written): never part of a backup.
TEMPORARY_PREFIXES = (".backup-", ".restore-", ".upload-")
# What the counts in the manifest and the "would replace" check are made of.
COUNTED_TABLES = {"cases": "investigations_case", "users": "workbench_user"}
# Its keys are live sessions, bearer secrets: left out of every backup (everyone signs in after a restore).
SESSION_TABLE = "workbench_session"
COMPRESS_LEVEL = 3  # most stored files are already compressed (PDF, DOCX, JPEG); 9 costs 3x for ~2%
CHUNK = 1 << 20
MAX_MANIFEST_BYTES = 64 << 20
SHA256_HEX = re.compile(r"[0-9a-f]{64}")


class BackupError(Exception):
    """A backup or restore refused or failed; the message says why and what to do. Nothing was changed."""


# ---------------------------------------------------------------------------------------------
# Where the database is.


@dataclass(frozen=True)
class Database:
    """The database to back up or restore into: a SQLite file or a PostgreSQL URL."""

    engine: str  # "sqlite" or "postgresql"
    sqlite_path: Path | None = None
    url: str = field(default="", repr=False)  # may hold a password: never in a message

    @classmethod
    def from_url(cls, url: str) -> Database:
        if url.startswith(("postgres://", "postgresql://")):
            return cls("postgresql", url=url)
        return cls("sqlite", sqlite_path=Path(url.removeprefix("sqlite:///")).resolve())

    @classmethod
    def from_engine(cls, db: Any) -> Database:
        """The database a Piccolo engine uses (its path may differ from the settings, as in tests)."""
        if hasattr(db, "path"):
            return cls("sqlite", sqlite_path=Path(db.path).resolve())
        return cls.from_url(db.config["dsn"])

    @property
    def label(self) -> str:
        return ENGINE_LABELS[self.engine]

    def describe(self) -> str:
        """For messages: the file, or the server and database without the password."""
        if self.sqlite_path is not None:
            return str(self.sqlite_path)
        parts = urlsplit(self.url)
        return f"{parts.hostname or 'localhost'}:{parts.port or 5432}/{self.database_name}"

    @property
    def database_name(self) -> str:
        return unquote(urlsplit(self.url).path.lstrip("/")) or "postgres"

    def sqlite_companions(self) -> set[Path]:
        """The SQLite file and its journals: never copied as plain files."""
        if self.sqlite_path is None:
            return set()
        return {self.sqlite_path, *(Path(f"{self.sqlite_path}{suffix}") for suffix in ("-wal", "-shm", "-journal"))}


# ---------------------------------------------------------------------------------------------
# The manifest.


@dataclass(frozen=True)
class Manifest:
    engine: str
    created_at: str  # ISO 8601, UTC
    app_version: str
    database_tool: str  # "SQLite 3.40.1" or "pg_dump 15.20"
    migrations: dict[str, list[str]]  # app name -> migration ids applied
    counts: dict[str, int]  # cases and users, from the same snapshot as the dump
    members: dict[str, dict[str, Any]]  # name -> {"size", "sha256"}
    format: int = FORMAT_VERSION

    def to_bytes(self) -> bytes:
        return json.dumps(asdict(self), indent=2, sort_keys=True).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> Manifest:
        """Parse and check a manifest; anything malformed is a damaged backup."""
        try:
            raw = json.loads(data)
        except ValueError as exc:
            raise BackupError(f"The backup's manifest is damaged (not JSON: {exc}); nothing was changed.") from None
        if not isinstance(raw, dict) or not isinstance(raw.get("format"), int):
            raise BackupError("The backup's manifest is damaged (no format number); nothing was changed.")
        if raw["format"] > FORMAT_VERSION:
            raise BackupError(f"This backup was made by a newer workbench (backup format {raw['format']}); "
                              "restore it with that version. Nothing was changed.")
        try:
            manifest = cls(**{name: raw[name] for name in cls.__dataclass_fields__})
        except (KeyError, TypeError) as exc:
            raise BackupError(f"The backup's manifest is damaged (missing {exc}); nothing was changed.") from None
        if manifest.engine not in DATABASE_MEMBERS or not isinstance(manifest.members, dict) or not all(
            isinstance(m, dict) and isinstance(m.get("size"), int) and SHA256_HEX.fullmatch(str(m.get("sha256", "")))
            for m in manifest.members.values()
        ):
            raise BackupError("The backup's manifest is damaged (bad engine or member list); nothing was changed.")
        return manifest

    @property
    def file_count(self) -> int:
        return sum(1 for name in self.members if name.startswith(FILES_PREFIX))

    @property
    def total_bytes(self) -> int:
        return sum(m["size"] for m in self.members.values())


@dataclass(frozen=True)
class Snapshot:
    """What the database dump says about itself, for the manifest."""

    path: Path
    tool: str
    migrations: dict[str, list[str]]
    counts: dict[str, int]


def app_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("ombudsman-workbench")
    except PackageNotFoundError:  # pragma: no cover - running from a tree that was never installed
        return "unknown"


def known_migrations() -> dict[str, set[str]]:
    """The migration ids this version of the code has, per app."""
    from piccolo.apps.migrations.commands.base import BaseMigrationManager
    from piccolo.conf.apps import Finder

    manager = BaseMigrationManager()
    return {
        config.app_name: set(manager.get_migration_ids(manager.get_migration_modules(config.migrations_folder_path)))
        for config in Finder().get_app_registry().app_configs.values()
    }


def _group_migrations(rows: list[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for app_name, name in rows:
        grouped.setdefault(app_name, []).append(name)
    return {app: sorted(names) for app, names in sorted(grouped.items())}


# ---------------------------------------------------------------------------------------------
# SQLite.


def _sqlite_facts(connection: sqlite3.Connection) -> tuple[dict[str, list[str]], dict[str, int]]:
    """Migrations applied and rows counted, from an open SQLite connection (0 for a missing table)."""
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    migrations = connection.execute("SELECT app_name, name FROM migration").fetchall() if "migration" in tables else []
    counts = {key: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] if table in tables else 0
              for key, table in COUNTED_TABLES.items()}
    return _group_migrations(migrations), counts


def _snapshot_sqlite(database: Database, work: Path) -> Snapshot:
    """Copy the live database with the online backup API: one consistent snapshot, writers not blocked (WAL)."""
    source_path = database.sqlite_path
    if source_path is None or not source_path.is_file():
        raise BackupError(f"There is no SQLite database at {source_path}; nothing to back up.")
    copy = work / "workbench.sqlite3"
    try:
        with closing(sqlite3.connect(source_path, timeout=15)) as source, closing(sqlite3.connect(copy)) as target:
            source.backup(target)  # pages=-1: all in one step, so the copy is one moment's database
            target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            _drop_sessions(target)
            migrations, counts = _sqlite_facts(target)
    except sqlite3.Error as exc:
        raise BackupError(f"Could not read the database {source_path}: {exc}") from None
    return Snapshot(copy, f"SQLite {sqlite3.sqlite_version}", migrations, counts)


def _drop_sessions(connection: sqlite3.Connection) -> None:
    """Empty the session table in the copy, overwriting the freed pages so no key survives in the file."""
    if connection.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (SESSION_TABLE,)).fetchone():
        connection.execute("PRAGMA secure_delete=ON")
        connection.execute(f'DELETE FROM "{SESSION_TABLE}"')
        connection.commit()


def _sqlite_count_check(connection: sqlite3.Connection, manifest: Manifest) -> None:
    if connection.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
        raise BackupError("The database in the backup fails SQLite's integrity check; nothing was changed.")
    _, counts = _sqlite_facts(connection)
    _check_counts(counts, manifest)


def _restore_sqlite(staged: Path, database: Database, manifest: Manifest) -> None:
    """Write the staged copy over the database with the backup API: one transaction on the destination."""
    target_path = database.sqlite_path
    assert target_path is not None
    target_path.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(staged)) as source:
        _sqlite_count_check(source, manifest)
        try:
            with closing(sqlite3.connect(target_path, timeout=15)) as target:
                source.backup(target)
        except sqlite3.Error as exc:
            raise BackupError(f"Could not write {target_path} ({exc}); it is unchanged. "
                              "Stop the workbench (web and scheduler) and try again.") from None


# ---------------------------------------------------------------------------------------------
# PostgreSQL.


def _pg_connection_parts(url: str) -> tuple[str, dict[str, str]]:
    """The URL without its password, and an environment passing it (argv is visible to every user)."""
    parts = urlsplit(url)
    env = dict(os.environ)
    if parts.password is not None:
        env["PGPASSWORD"] = unquote(parts.password)
        netloc = parts.netloc.rsplit("@", 1)
        user = netloc[0].split(":", 1)[0]
        parts = parts._replace(netloc=f"{user}@{netloc[1]}")
    return urlunsplit(parts), env


def _pg_url_for(url: str, database_name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + database_name))


def _tool_major(path: str) -> tuple[int, str]:
    output = subprocess.run([path, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    match = re.search(r"(\d+)(?:\.(\d+))?", output)
    if not match:
        raise BackupError(f"Could not tell the version of {path} (it said {output!r}).")
    return int(match[1]), match[0]


def pg_tool(name: str, server_major: int) -> tuple[str, str]:
    """The pg_dump/pg_restore to use and its version: the server's own major version if installed, else PATH's.

    An older pg_dump cannot dump a newer server, so that is refused here with what to install.
    """
    candidates = [f"/usr/lib/postgresql/{server_major}/bin/{name}", shutil.which(name)]
    found = [c for c in candidates if c and os.access(c, os.X_OK)]
    if not found:
        raise BackupError(f"{name} was not found. Install the PostgreSQL client tools of the server's version "
                          f"(on Debian: apt-get install postgresql-client-{server_major}).")
    major, version = _tool_major(found[0])
    if major < server_major:
        raise BackupError(f"{found[0]} is version {version}, older than the PostgreSQL {server_major} server; "
                          f"install postgresql-client-{server_major} (or newer).")
    return found[0], f"{name} {version}"


async def _pg_connect(url: str):
    import asyncpg

    try:
        return await asyncpg.connect(url)
    except (OSError, asyncpg.PostgresError) as exc:
        raise BackupError(f"Could not connect to PostgreSQL: {exc}") from None


async def _pg_facts(connection) -> tuple[dict[str, list[str]], dict[str, int]]:
    migrations = []
    if await connection.fetchval("SELECT to_regclass('migration') IS NOT NULL"):
        migrations = [(r["app_name"], r["name"]) for r in await connection.fetch("SELECT app_name, name FROM migration")]
    counts = {}
    for key, table in COUNTED_TABLES.items():
        exists = await connection.fetchval("SELECT to_regclass($1) IS NOT NULL", table)
        counts[key] = await connection.fetchval(f'SELECT count(*) FROM "{table}"') if exists else 0
    return _group_migrations(migrations), counts


async def _run_tool(argv: list[str], env: dict[str, str]) -> None:
    process = await asyncio.create_subprocess_exec(*argv, env=env, stdout=asyncio.subprocess.DEVNULL,
                                                   stderr=asyncio.subprocess.PIPE)
    _, stderr = await process.communicate()
    if process.returncode != 0:
        message = stderr.decode(errors="replace").strip().splitlines()
        raise BackupError(f"{Path(argv[0]).name} failed: {' / '.join(message[-3:]) or f'exit status {process.returncode}'}")


async def _snapshot_postgres(database: Database, work: Path) -> Snapshot:
    """pg_dump in the snapshot this connection exports, so the manifest's counts are the dump's."""
    connection = await _pg_connect(database.url)
    try:
        server_major = int(await connection.fetchval("SHOW server_version_num")) // 10000
        tool, tool_version = pg_tool("pg_dump", server_major)
        dump = work / "workbench.pgdump"
        async with connection.transaction(isolation="repeatable_read", readonly=True):
            snapshot_id = await connection.fetchval("SELECT pg_export_snapshot()")
            migrations, counts = await _pg_facts(connection)
            url, env = _pg_connection_parts(database.url)
            await _run_tool([tool, "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot_id}",
                             f"--exclude-table-data={SESSION_TABLE}", f"--file={dump}", f"--dbname={url}"], env)
    finally:
        await connection.close()
    return Snapshot(dump, tool_version, migrations, counts)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


async def _restore_postgres(dump: Path, database: Database, manifest: Manifest) -> None:
    """Restore into a new database, check it, then rename it over the old one in one transaction."""
    import asyncpg

    target = database.database_name
    maintenance_db = "template1" if target == "postgres" else "postgres"
    admin = await _pg_connect(_pg_url_for(database.url, maintenance_db))
    fresh = f"{target[:40]}_restore_{secrets.token_hex(4)}"
    created = False
    try:
        server_major = int(await admin.fetchval("SHOW server_version_num")) // 10000
        tool, _ = pg_tool("pg_restore", server_major)
        try:
            await admin.execute(f"CREATE DATABASE {_quote(fresh)}")
        except asyncpg.InsufficientPrivilegeError:
            raise BackupError("The database role may not create databases, which the restore needs (it restores "
                              "into a new database, then swaps it in). Grant it: ALTER ROLE <role> CREATEDB.") from None
        created = True
        url, env = _pg_connection_parts(_pg_url_for(database.url, fresh))
        await _run_tool([tool, "--exit-on-error", "--no-owner", "--no-privileges", f"--dbname={url}", str(dump)], env)
        restored = await _pg_connect(_pg_url_for(database.url, fresh))
        try:
            _check_counts((await _pg_facts(restored))[1], manifest)
        finally:
            await restored.close()
        await _swap_postgres(admin, target, fresh)
        created = False
    finally:
        if created:
            await admin.execute(f"DROP DATABASE IF EXISTS {_quote(fresh)} WITH (FORCE)")
        await admin.close()


async def _swap_postgres(admin, target: str, fresh: str) -> None:
    """Rename the restored database to the target's name; the old one is dropped only once that has committed."""
    others = await admin.fetchval(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", target)
    if others:
        raise BackupError(f"{others} connection(s) are open to the database {target!r}. Stop the workbench "
                          "(every web worker and the scheduler) and try again; nothing was changed.")
    exists = await admin.fetchval("SELECT count(*) FROM pg_database WHERE datname = $1", target)
    old = f"{target[:40]}_replaced_{secrets.token_hex(4)}"
    async with admin.transaction():
        if exists:
            await admin.execute(f"ALTER DATABASE {_quote(target)} RENAME TO {_quote(old)}")
        await admin.execute(f"ALTER DATABASE {_quote(fresh)} RENAME TO {_quote(target)}")
    if exists:
        await admin.execute(f"DROP DATABASE {_quote(old)} WITH (FORCE)")


# ---------------------------------------------------------------------------------------------
# The files under the data directory.


def _left_out(path: Path, data_dir: Path, database: Database) -> bool:
    """Whether a path under the data directory stays out of backups (and is left alone by restores)."""
    relative = path.relative_to(data_dir)
    if relative.parts[0] in NOT_BACKED_UP or path in database.sqlite_companions():
        return True
    return any(part.startswith(TEMPORARY_PREFIXES) for part in relative.parts)


def data_files(data_dir: Path, database: Database) -> Iterator[tuple[Path, str]]:
    """Every regular file that must survive, with its member name, in a stable order. Links are not followed."""
    if not data_dir.is_dir():
        return
    for root, dirs, files in os.walk(data_dir):
        here = Path(root)
        dirs[:] = sorted(d for d in dirs if not _left_out(here / d, data_dir, database))
        for name in sorted(files):
            path = here / name
            if not _left_out(path, data_dir, database) and path.is_file() and not path.is_symlink():
                yield path, FILES_PREFIX + path.relative_to(data_dir).as_posix()


class _Hashing:
    """A file wrapper that hashes what tarfile reads from it."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.digest.update(data)
        return data


def _add_file(archive: tarfile.TarFile, path: Path, name: str) -> dict[str, Any] | None:
    """Add one file, hashing it as it is written; None if it vanished since it was listed."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return None
    with handle:
        stat = os.fstat(handle.fileno())
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = stat.st_size, int(stat.st_mtime), 0o600
        reader = _Hashing(handle)
        archive.addfile(info, reader)
    return {"size": stat.st_size, "sha256": reader.digest.hexdigest()}


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    import io

    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(time.time()), 0o600
    archive.addfile(info, io.BytesIO(data))


# ---------------------------------------------------------------------------------------------
# Backing up.


def _check_backup_target(target: Path, data_dir: Path) -> None:
    if target.exists():
        raise BackupError(f"{target} already exists; choose a new name (for example with the date in it).")
    if not target.parent.is_dir():
        raise BackupError(f"The folder {target.parent} does not exist.")
    if (target.parent.resolve() / target.name).is_relative_to(data_dir):
        raise BackupError(f"{target} is inside the data directory ({data_dir}); keep backups elsewhere, "
                          "or each backup would hold the ones before it.")


def create_backup(target: Path, database: Database, data_dir: Path) -> Manifest:
    """Write one backup file: the database snapshot first, then the files, then the manifest.

    The file appears under its name only when complete (written beside it, then linked), readable
    by its owner only: it holds everyone's personal data.
    """
    target, data_dir = target.absolute(), data_dir.resolve()
    _check_backup_target(target, data_dir)
    work = Path(tempfile.mkdtemp(prefix=".backup-", dir=target.parent))
    try:
        if database.engine == "sqlite":
            snapshot = _snapshot_sqlite(database, work)
        else:
            snapshot = asyncio.run(_snapshot_postgres(database, work))
        partial = work / "backup.tar.gz"
        with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=COMPRESS_LEVEL, format=tarfile.PAX_FORMAT) as archive:
                members = {DATABASE_MEMBERS[database.engine]: _add_file(archive, snapshot.path, DATABASE_MEMBERS[database.engine])}
                snapshot.path.unlink()
                for path, name in data_files(data_dir, database):
                    if (entry := _add_file(archive, path, name)) is not None:
                        members[name] = entry
                manifest = Manifest(
                    engine=database.engine, created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                    app_version=app_version(), database_tool=snapshot.tool, migrations=snapshot.migrations,
                    counts=snapshot.counts, members=members,
                )
                _add_bytes(archive, MANIFEST_NAME, manifest.to_bytes())
            raw.flush()
            os.fsync(raw.fileno())
        try:
            os.link(partial, target)
        except FileExistsError:
            raise BackupError(f"{target} appeared while the backup was being written; choose a new name.") from None
        return manifest
    except OSError as exc:
        raise BackupError(f"The backup could not be written: {exc}. No backup file was left behind.") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# Reading a backup back.


def _member_name(member: tarfile.TarInfo) -> str:
    """The member's name if it is a plain file this format writes, at a safe relative path; else refused."""
    name = member.name
    if not member.isreg():
        kind = "link" if member.issym() or member.islnk() else "directory" if member.isdir() else "special file"
        raise BackupError(f"The backup holds a {kind} ({name!r}), which a workbench backup never does; refused, nothing was changed.")
    parts = name.split("/")
    unsafe = name.startswith("/") or "\\" in name or "\x00" in name or any(p in ("", ".", "..") for p in parts)
    if unsafe or not (name == MANIFEST_NAME or name in DATABASE_MEMBERS.values() or name.startswith(FILES_PREFIX)):
        raise BackupError(f"The backup holds an entry at an unsafe or unexpected path ({name!r}); refused, nothing was changed.")
    return name


def _extract(archive: tarfile.TarFile, member: tarfile.TarInfo, destination: Path | None) -> dict[str, Any]:
    """Write one member into the staging directory (or only read it), hashing it on the way."""
    source = archive.extractfile(member)
    assert source is not None
    digest, size = hashlib.sha256(), 0
    out = None
    if destination is not None:
        destination.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
        out = os.fdopen(os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")
    try:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            if out is not None:
                out.write(chunk)
    finally:
        if out is not None:
            out.close()
    if destination is not None:
        os.utime(destination, (member.mtime, member.mtime))
    return {"size": size, "sha256": digest.hexdigest()}


def _check_members(manifest: Manifest, found: dict[str, dict[str, Any]]) -> None:
    missing = sorted(set(manifest.members) - set(found))
    extra = sorted(set(found) - set(manifest.members))
    if missing or extra:
        what = f"missing {missing[0]!r}" if missing else f"an entry the manifest does not list ({extra[0]!r})"
        raise BackupError(f"The backup is damaged: {what}; nothing was changed.")
    for name, expected in manifest.members.items():
        if found[name] != {"size": expected["size"], "sha256": expected["sha256"]}:
            raise BackupError(f"The backup is damaged: {name!r} does not match its SHA-256 in the manifest; nothing was changed.")
    if DATABASE_MEMBERS[manifest.engine] not in found:
        raise BackupError("The backup holds no database; nothing was changed.")


def unpack_backup(source: Path, into: Path | None) -> Manifest:
    """Unpack a backup into an empty directory (None: only read it), checking every name, size and SHA-256."""
    if not source.is_file():
        raise BackupError(f"There is no backup file at {source}.")
    found: dict[str, dict[str, Any]] = {}
    manifest_bytes: bytes | None = None
    try:
        with gzip.open(source, "rb") as stream, tarfile.open(fileobj=stream, mode="r|") as archive:
            for member in archive:
                name = _member_name(member)
                if name in found or (name == MANIFEST_NAME and manifest_bytes is not None):
                    raise BackupError(f"The backup holds {name!r} twice; refused, nothing was changed.")
                if name == MANIFEST_NAME:
                    if member.size > MAX_MANIFEST_BYTES:
                        raise BackupError("The backup's manifest is implausibly large; refused, nothing was changed.")
                    manifest_bytes = archive.extractfile(member).read()  # type: ignore[union-attr]
                else:
                    found[name] = _extract(archive, member, None if into is None else into / name)
            while stream.read(CHUNK):  # read to the very end, so gzip checks its trailer (CRC and length)
                pass
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise BackupError(f"{source} is damaged, truncated or not a workbench backup ({exc}); nothing was changed.") from None
    except OSError as exc:
        raise BackupError(f"Could not unpack {source}: {exc}. Nothing was changed.") from None
    if manifest_bytes is None:
        raise BackupError(f"{source} has no manifest: it is truncated or not a workbench backup; nothing was changed.")
    manifest = Manifest.from_bytes(manifest_bytes)
    _check_members(manifest, found)
    return manifest


def check_backup(source: Path) -> Manifest:
    """Read a whole backup and check it, changing nothing (``workbench restore --check``)."""
    return unpack_backup(source.absolute(), None)


# ---------------------------------------------------------------------------------------------
# Restoring.


def _check_counts(counts: dict[str, int], manifest: Manifest) -> None:
    if counts != manifest.counts:
        raise BackupError(f"The restored database holds {counts}, but the manifest says {manifest.counts}; "
                          "the backup is damaged. Nothing was changed.")


def check_compatible(manifest: Manifest, database: Database) -> None:
    """Refuse a backup of the other engine, or one made by a newer version of the code."""
    if manifest.engine != database.engine:
        raise BackupError(
            f"This is a backup of a {ENGINE_LABELS[manifest.engine]} database, but the workbench is configured for "
            f"{database.label} (WORKBENCH_DATABASE_URL). Restore it into a {ENGINE_LABELS[manifest.engine]} "
            "installation; nothing was changed.")
    known = known_migrations()
    unknown = sorted(f"{app} {name}" for app, names in manifest.migrations.items()
                     for name in names if name not in known.get(app, set()))
    if unknown:
        raise BackupError(f"This backup was made by a newer version of the workbench ({manifest.app_version}; "
                          f"it has the migration {unknown[0]} this version lacks). Upgrade first; nothing was changed.")


def missing_migrations(manifest: Manifest) -> list[str]:
    """Migrations this code has that the backup's database has not run: `workbench migrate` applies them."""
    return sorted(f"{app} {name}" for app, names in known_migrations().items()
                  for name in names if name not in manifest.migrations.get(app, []))


@dataclass(frozen=True)
class Contents:
    cases: int
    users: int
    files: int

    @property
    def empty(self) -> bool:
        return not (self.cases or self.users or self.files)

    def describe(self) -> str:
        return f"{self.cases} case(s), {self.users} user account(s) and {self.files} stored file(s)"


async def _pg_counts(database: Database) -> dict[str, int]:
    import asyncpg

    try:
        connection = await asyncpg.connect(database.url)
    except asyncpg.InvalidCatalogNameError:
        return {key: 0 for key in COUNTED_TABLES}  # the database does not exist yet
    except OSError as exc:
        raise BackupError(f"Could not connect to PostgreSQL: {exc}") from None
    try:
        return (await _pg_facts(connection))[1]
    finally:
        await connection.close()


def target_contents(database: Database, data_dir: Path) -> Contents:
    """What a restore would replace: cases and users in the database, files under the data directory."""
    if database.engine == "sqlite":
        path = database.sqlite_path
        counts = {key: 0 for key in COUNTED_TABLES}
        if path is not None and path.is_file():
            with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=15)) as connection:
                counts = _sqlite_facts(connection)[1]
    else:
        counts = asyncio.run(_pg_counts(database))
    files = sum(1 for _ in data_files(data_dir, database))
    return Contents(counts["cases"], counts["users"], files)


def _refuse_if_running(data_dir: Path) -> None:
    """The scheduler holds data_dir/scheduler.lock while the app runs on SQLite: a restore needs it stopped."""
    lock = data_dir / "scheduler.lock"
    if not lock.exists():
        return
    with lock.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupError(f"The workbench is running (a process holds {lock}). Stop it, web and scheduler, "
                              "before restoring; nothing was changed.") from None
        fcntl.flock(handle, fcntl.LOCK_UN)


def _swap_files(staged: Path, data_dir: Path, database: Database, aside: Path) -> None:
    """Move what the backup replaces aside, then the restored files into place (renames on one disk)."""
    aside.mkdir()
    for entry in sorted(data_dir.iterdir()):
        if not _left_out(entry, data_dir, database):
            entry.rename(aside / entry.name)
    if staged.is_dir():
        for entry in sorted(staged.iterdir()):
            entry.rename(data_dir / entry.name)


def _forget_sessions(data_dir: Path) -> None:
    """Sessions and generated documents name users of the replaced database: everyone signs in again."""
    for name in ("sessions", "generated"):
        shutil.rmtree(data_dir / name, ignore_errors=True)


def restore_backup(source: Path, database: Database, data_dir: Path, force: bool = False) -> Manifest:
    """Replace the database and the stored files with a backup's, all or nothing.

    Refused (nothing changed) for a damaged or unsafe file, another engine's backup, one from a newer
    version, a running workbench, or a target holding cases, users or files unless ``force``.
    """
    source, data_dir = source.absolute(), data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    _refuse_if_running(data_dir)
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=data_dir))
    try:
        manifest = unpack_backup(source, staging / "unpacked")
        check_compatible(manifest, database)
        present = target_contents(database, data_dir)
        if not present.empty and not force:
            raise BackupError(f"{database.describe()} and {data_dir} already hold {present.describe()}; "
                              "the restore would replace them all. Stop the workbench and use --force if that is "
                              "what you want. Nothing was changed.")
        dump = staging / "unpacked" / DATABASE_MEMBERS[manifest.engine]
        if manifest.engine == "sqlite":
            _restore_sqlite(dump, database, manifest)
        else:
            asyncio.run(_restore_postgres(dump, database, manifest))
        _swap_files(staging / "unpacked" / "files", data_dir, database, staging / "replaced")
        _forget_sessions(data_dir)
        return manifest
    finally:
        shutil.rmtree(staging, ignore_errors=True)
