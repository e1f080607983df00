"""Backups and restores: the round trip through the real app on both engines, and every refusal.

The round trip makes cases and uploads their documents over HTTP, backs up, wipes, restores and
then finds every case (row for row) and every file (byte for byte) through the app again. The
refusals are made with small hand-built archives: damaged, truncated, unsafe member paths, the
other engine's, a newer version's, a non-empty or running target.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import io
import os
import re
import shutil
import sqlite3
import tarfile
from pathlib import Path

import pytest

from investigations import document_routes
from tests.conftest import ENGINE, _empty_case_tables
from workbench import backup
from workbench.backup import BackupError, Database, Manifest, check_backup, create_backup, restore_backup

# =============================================================================================
# The round trip through the real app (both engines).


def _pdf(number: int) -> bytes:
    return b"%PDF-1.4\n%" + os.urandom(2000).hex().encode() + f"\n% letter {number}\n%%EOF\n".encode()


def _png() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + os.urandom(3000)


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    """This test's own data directory; uploads (case files and evidence) go under it."""
    root = tmp_path / "data"
    monkeypatch.setattr(document_routes, "uploads_dir", lambda: root / "uploads")
    return root


def _web_client():
    from litestar.testing import TestClient

    from tests.conftest import WebClient
    from workbench.app import create_app
    from workbench.settings import load_settings

    return TestClient(create_app(load_settings()), base_url="http://testserver.local"), WebClient


def _make_casework(run) -> dict[str, bytes]:
    """Three complaints made through the intake form, each with uploaded documents; returns sha256 -> bytes."""
    from investigations.tables import Body
    from tests.investigations.test_casework import create

    body = run(Body.select(Body.id).where(Body.name == "Hampshire County Council").first())["id"]
    uploaded: dict[str, bytes] = {}
    http, WebClient = _web_client()
    with http as test_client:
        client = WebClient(test_client)
        client.sign_in_as("investigator")
        for number in range(3):
            url = create(client, body, complainant_family_name=f"Lovelace-{number}")
            for name, data, kind in ((f"letter {number}.pdf", _pdf(number), "complaint_letter"),
                                     (f"photo {number}.png", _png(), "evidence_complainant")):
                response = client.post(f"{url}/documents", data={"kind": kind}, files={"file": (name, data, "application/octet-stream")},
                                       headers={"HX-Request": "true", "x-csrftoken": client.csrf_token()})
                assert response.status_code == 200, response.text[:500]
                uploaded[hashlib.sha256(data).hexdigest()] = data
    return uploaded


def _database_state(run) -> dict[str, list[dict]]:
    from investigations.tables import Case, CaseDocument, CaseEvent
    from remedies.tables import Recommendation

    return {table._meta.tablename: run(table.select().order_by(table.id))
            for table in (Case, CaseDocument, CaseEvent, Recommendation)}


def _find_everything_through_the_app(state: dict[str, list[dict]], uploaded: dict[str, bytes]) -> None:
    """Every case page opens and every document downloads byte-identical, for an administrator."""
    http, WebClient = _web_client()
    with http as test_client:
        client = WebClient(test_client)
        client.sign_in_as("administrator")
        references = {case["id"]: case["reference"].replace(" ", "-") for case in state["investigations_case"]}
        for reference in references.values():
            assert client.get(f"/cases/{reference}").status_code == 200, reference
        documents = state["investigations_case_document"]
        assert len(documents) == len(uploaded) == 6
        for document in documents:
            download = client.get(f"/cases/{references[document['case']]}/documents/{document['id']}")
            assert download.status_code == 200
            assert download.content == uploaded[document["sha256"]]


def test_backup_wipe_restore_finds_every_case_and_every_file(db, run, data_dir, tmp_path, monkeypatch):
    from investigations.demo import load_demo

    run(load_demo(cases=12, seed=11, quiet=True))
    uploaded = _make_casework(run)
    before = _database_state(run)
    assert len(before["investigations_case"]) == 15

    archive = tmp_path / "backups" / "workbench.tar.gz"
    archive.parent.mkdir()
    database = Database.from_engine(db)
    manifest = create_backup(archive, database, data_dir)
    assert manifest.counts["cases"] == 15 and manifest.file_count == 6
    assert archive.stat().st_mode & 0o777 == 0o600  # everyone's personal data: its owner only
    assert os.listdir(archive.parent) == ["workbench.tar.gz"]  # no work files left beside it
    assert check_backup(archive) == manifest

    shutil.rmtree(data_dir)  # the stored files are gone
    if ENGINE == "postgres":
        run(_empty_case_tables())  # the cases too; the staff accounts remain
        with pytest.raises(BackupError, match=r"already hold 0 case\(s\), \d+ user account\(s\).*--force"):
            restore_backup(archive, database, data_dir)
        restore_backup(archive, database, data_dir, force=True)
    else:  # a new server: an empty data directory and no database file yet
        restored = Database("sqlite", sqlite_path=tmp_path / "new-server" / "workbench.sqlite3")
        restore_backup(archive, restored, data_dir)
        monkeypatch.setattr(db, "path", str(restored.sqlite_path))

    assert _database_state(run) == before
    _find_everything_through_the_app(before, uploaded)
    assert not list(data_dir.glob(".restore-*"))


def test_restore_replaces_later_changes_and_files_added_since(db, run, data_dir, tmp_path):
    """--force over a live installation: cases and files made after the backup are gone, the rest as it was."""
    from investigations.tables import Case

    uploaded = _make_casework(run)
    before = _database_state(run)
    archive = tmp_path / "before.tar.gz"
    database = Database.from_engine(db)
    create_backup(archive, database, data_dir)

    _make_casework(run)  # three more cases and six more files
    assert run(Case.count()) == 6
    with pytest.raises(BackupError, match=r"already hold 6 case\(s\).*12 stored file\(s\)"):
        restore_backup(archive, database, data_dir)
    assert run(Case.count()) == 6  # refused: nothing changed

    restore_backup(archive, database, data_dir, force=True)
    assert _database_state(run) == before
    stored = sorted(p for p in (data_dir / "uploads").rglob("*") if p.is_file())
    assert sorted(hashlib.sha256(p.read_bytes()).hexdigest() for p in stored) == sorted(uploaded)
    _find_everything_through_the_app(before, uploaded)


@pytest.mark.skipif(ENGINE != "sqlite", reason="the SQLite online backup API")
def test_sqlite_backup_runs_beside_an_open_write_transaction_and_takes_only_committed_data(db, run, data_dir, tmp_path):
    from investigations.demo import load_demo

    run(load_demo(cases=5, seed=3, quiet=True))
    writer = sqlite3.connect(db.path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE investigations_case SET summary = 'uncommitted' WHERE id = 1")
    try:
        create_backup(tmp_path / "b.tar.gz", Database.from_engine(db), data_dir)  # not blocked by the writer
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    unpacked = tmp_path / "unpacked"
    backup.unpack_backup(tmp_path / "b.tar.gz", unpacked)
    with sqlite3.connect(unpacked / "database" / "workbench.sqlite3") as copy:
        assert copy.execute("SELECT count(*) FROM investigations_case").fetchone()[0] == 5
        assert copy.execute("SELECT count(*) FROM investigations_case WHERE summary = 'uncommitted'").fetchone()[0] == 0


@pytest.mark.skipif(ENGINE != "postgres", reason="PostgreSQL: restore into a new database and rename it in")
def test_postgres_restore_refuses_while_the_app_is_connected_and_leaves_no_databases_behind(db, run, data_dir, tmp_path):
    import asyncpg

    from investigations.tables import Case

    database = Database.from_engine(db)
    _make_casework(run)
    create_backup(tmp_path / "b.tar.gz", database, data_dir)

    async def attempt() -> None:
        held = await asyncpg.connect(database.url)  # a web worker still running
        try:
            await asyncio.to_thread(restore_backup, tmp_path / "b.tar.gz", database, data_dir, True)
        finally:
            await held.close()

    with pytest.raises(BackupError, match=r"1 connection\(s\) are open.*Stop the workbench"):
        asyncio.run(attempt())
    assert run(Case.count()) == 3

    async def databases() -> list[str]:
        connection = await asyncpg.connect(backup._pg_url_for(database.url, "postgres"))
        try:
            return [r["datname"] for r in await connection.fetch("SELECT datname FROM pg_database")]
        finally:
            await connection.close()

    names = asyncio.run(databases())
    assert not [name for name in names if name.startswith(database.database_name + "_")]


@pytest.mark.skipif(ENGINE != "postgres", reason="PostgreSQL sessions live in the database")
def test_postgres_sessions_are_not_in_the_backup(db, run, data_dir, tmp_path):
    from workbench.tables import WebSession

    database = Database.from_engine(db)
    run(WebSession.insert(WebSession(key="live-session-key", value=b"user=1", expires_at=None)))
    create_backup(tmp_path / "b.tar.gz", database, data_dir)
    restore_backup(tmp_path / "b.tar.gz", database, data_dir, force=True)
    assert run(WebSession.count()) == 0


def test_cli_backup_check_and_restore(db, run, data_dir, tmp_path, monkeypatch, capsys):
    from dataclasses import replace

    from workbench import cli
    from workbench.settings import get_settings
    from workbench.tables import AuditEvent

    monkeypatch.setattr(cli, "_settings_or_exit", lambda: replace(get_settings(), data_dir=data_dir))
    _make_casework(run)
    path = str(tmp_path / "nightly.tar.gz")
    cli.main(["backup", path])
    out = capsys.readouterr().out
    assert re.match(r"Backed up 3 cases, \d+ users and 6 stored files", out) and path in out
    assert run(AuditEvent.count().where(AuditEvent.action == "backup.created")) == 1

    with pytest.raises(SystemExit, match="already exists; choose a new name"):
        cli.main(["backup", path])
    cli.main(["restore", "--check", path])
    assert "is a complete backup: 3 cases" in capsys.readouterr().out
    with pytest.raises(SystemExit, match=r"already hold 3 case\(s\).*--force"):
        cli.main(["restore", path])
    cli.main(["restore", "--force", path])
    assert re.match(r"Restored 3 cases, \d+ users and 6 stored files", capsys.readouterr().out)
    assert run(AuditEvent.count().where(AuditEvent.action == "backup.restored")) == 1
    assert run(AuditEvent.count().where(AuditEvent.action == "backup.created")) == 0  # recorded after the backup


# =============================================================================================
# Small hand-built installations and archives: what is included, and every refusal.


def _tiny_installation(root: Path) -> tuple[Database, Path]:
    """A SQLite database with two cases and a data directory with files that must and must not survive."""
    database = Database("sqlite", sqlite_path=root / "data" / "workbench.sqlite3")
    data_dir = root / "data"
    (data_dir / "uploads" / "ab").mkdir(parents=True)
    (data_dir / "uploads" / "ab" / "ab12").write_bytes(b"evidence one")
    (data_dir / "uploads" / "cd").mkdir()
    (data_dir / "uploads" / "cd" / "cd34").write_bytes(b"evidence two")
    (data_dir / "uploads" / "cd" / ".upload-tmp").write_bytes(b"half an upload")
    for kept_out in ("sessions/s1", "generated/job.docx", "scheduler.lock", "demo-secret-key"):
        (data_dir / kept_out).parent.mkdir(parents=True, exist_ok=True)
        (data_dir / kept_out).write_text("not backed up")
    with sqlite3.connect(database.sqlite_path) as connection:
        connection.execute("CREATE TABLE investigations_case (id INTEGER PRIMARY KEY, reference TEXT)")
        connection.executemany("INSERT INTO investigations_case (reference) VALUES (?)", [("25 000 001",), ("25 000 002",)])
    return database, data_dir


@pytest.fixture
def tiny(tmp_path):
    database, data_dir = _tiny_installation(tmp_path / "live")
    archive = tmp_path / "tiny.tar.gz"
    manifest = create_backup(archive, database, data_dir)
    return database, data_dir, archive, manifest


def _members(archive: Path) -> list[tuple[tarfile.TarInfo, bytes]]:
    with tarfile.open(archive) as tar:
        return [(info, tar.extractfile(info).read() if info.isreg() else b"") for info in tar.getmembers()]


def _write(path: Path, members: list[tuple[tarfile.TarInfo, bytes]]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for info, data in members:
            info.size = len(data) if info.isreg() else 0
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return path


def _entry(name: str, data: bytes = b"x", kind: bytes = tarfile.REGTYPE, link: str = "") -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    return info, data


def _with_manifest(members: list[tuple[tarfile.TarInfo, bytes]], **changes) -> list[tuple[tarfile.TarInfo, bytes]]:
    """The members with a manifest listing them correctly (then ``changes`` applied to it), put last."""
    body = [(i, d) for i, d in members if i.name != "manifest.json"]
    original = Manifest.from_bytes(next(d for i, d in members if i.name == "manifest.json"))
    listed = {i.name: {"size": len(d), "sha256": hashlib.sha256(d).hexdigest()} for i, d in body if i.isreg()}
    manifest = Manifest(**{**original.__dict__, "members": listed, **changes})
    return [*body, _entry("manifest.json", manifest.to_bytes())]


def _fresh_target(tmp_path) -> tuple[Database, Path]:
    return Database("sqlite", sqlite_path=tmp_path / "new" / "workbench.sqlite3"), tmp_path / "new" / "data"


def _untouched(database: Database, data_dir: Path) -> bool:
    leftovers = list(data_dir.rglob("*")) if data_dir.exists() else []
    return not (database.sqlite_path and database.sqlite_path.exists()) and leftovers == []


def test_a_backup_holds_the_database_the_stored_files_and_a_manifest_and_nothing_else(tiny):
    _, _, archive, manifest = tiny
    names = [info.name for info, _ in _members(archive)]
    assert names == ["database/workbench.sqlite3", "files/uploads/ab/ab12", "files/uploads/cd/cd34", "manifest.json"]
    assert manifest.engine == "sqlite" and manifest.counts == {"cases": 2, "users": 0}
    assert manifest.members["files/uploads/ab/ab12"] == {"size": 12, "sha256": hashlib.sha256(b"evidence one").hexdigest()}
    assert manifest.app_version and manifest.created_at.endswith("+00:00") and manifest.database_tool.startswith("SQLite")


def test_restore_into_a_new_server_and_the_files_it_leaves_alone(tiny, tmp_path):
    _, _, archive, _ = tiny
    database, data_dir = _fresh_target(tmp_path)
    data_dir.mkdir(parents=True)
    (data_dir / "demo-secret-key").write_text("this server's own")
    (data_dir / "sessions").mkdir()
    (data_dir / "sessions" / "old-session").write_text("a session of the replaced database")
    restore_backup(archive, database, data_dir)
    assert (data_dir / "uploads" / "cd" / "cd34").read_bytes() == b"evidence two"
    assert not (data_dir / "uploads" / "cd" / ".upload-tmp").exists()
    assert (data_dir / "demo-secret-key").read_text() == "this server's own"
    assert not (data_dir / "sessions").exists()  # everyone signs in again
    with sqlite3.connect(database.sqlite_path) as connection:
        assert connection.execute("SELECT reference FROM investigations_case ORDER BY id").fetchall() == [
            ("25 000 001",), ("25 000 002",)]


@pytest.mark.parametrize("keep", [0.5, 0.95])
def test_a_truncated_backup_is_refused_and_nothing_changes(tiny, tmp_path, keep):
    _, _, archive, _ = tiny
    cut = tmp_path / "cut.tar.gz"
    data = archive.read_bytes()
    cut.write_bytes(data[: int(len(data) * keep)])
    database, data_dir = _fresh_target(tmp_path)
    with pytest.raises(BackupError, match="damaged, truncated or not a workbench backup|truncated"):
        restore_backup(cut, database, data_dir)
    assert _untouched(database, data_dir)


@pytest.mark.parametrize("content", [b"", b"hello, not a backup", os.urandom(5000)])
def test_a_file_that_is_not_a_backup_is_refused(tmp_path, content):
    path = tmp_path / "junk.tar.gz"
    path.write_bytes(content)
    with pytest.raises(BackupError, match="damaged, truncated or not a workbench backup"):
        check_backup(path)


def test_a_changed_member_is_refused_by_its_sha256(tiny, tmp_path):
    _, _, archive, _ = tiny
    members = [(i, b"evidence 0ne" if i.name == "files/uploads/ab/ab12" else d) for i, d in _members(archive)]
    tampered = _write(tmp_path / "tampered.tar.gz", members)
    database, data_dir = _fresh_target(tmp_path)
    with pytest.raises(BackupError, match="'files/uploads/ab/ab12' does not match its SHA-256"):
        restore_backup(tampered, database, data_dir)
    assert _untouched(database, data_dir)


def test_no_manifest_a_missing_member_or_an_unlisted_one_is_refused(tiny, tmp_path):
    _, _, archive, _ = tiny
    members = _members(archive)
    without_manifest = _write(tmp_path / "a.tar.gz", members[:-1])
    with pytest.raises(BackupError, match="has no manifest: it is truncated or not a workbench backup"):
        check_backup(without_manifest)
    missing = _write(tmp_path / "b.tar.gz", [m for m in members if m[0].name != "files/uploads/cd/cd34"])
    with pytest.raises(BackupError, match="damaged: missing 'files/uploads/cd/cd34'"):
        check_backup(missing)
    unlisted = _write(tmp_path / "c.tar.gz", [_entry("files/uploads/zz/extra", b"?"), *members])
    with pytest.raises(BackupError, match="an entry the manifest does not list"):
        check_backup(unlisted)
    twice = _write(tmp_path / "d.tar.gz", [members[1], *members])
    with pytest.raises(BackupError, match="twice"):
        check_backup(twice)
    broken = _write(tmp_path / "e.tar.gz", [*members[:-1], _entry("manifest.json", b"{not json")])
    with pytest.raises(BackupError, match="manifest is damaged"):
        check_backup(broken)


@pytest.mark.parametrize(
    "entry",
    [
        _entry("files/../../escaped.txt"),
        _entry("../escaped.txt"),
        _entry("/tmp/escaped.txt"),
        _entry("files/uploads/./x"),
        _entry("files/uploads//x"),
        _entry("files\\..\\..\\escaped.txt"),
        _entry("etc/passwd"),
        _entry("files/uploads/link", kind=tarfile.SYMTYPE, link="/etc/passwd"),
        _entry("files/uploads/hard", kind=tarfile.LNKTYPE, link="database/workbench.sqlite3"),
        _entry("files/uploads/dir", kind=tarfile.DIRTYPE),
        _entry("files/uploads/fifo", kind=tarfile.FIFOTYPE),
    ],
    ids=lambda e: e[0].name,
)
def test_unsafe_member_paths_and_types_are_refused_and_nothing_is_written(tiny, tmp_path, entry):
    _, _, archive, _ = tiny
    members = _members(archive)
    crafted = _write(tmp_path / "crafted.tar.gz", _with_manifest([members[0], entry, *members[1:]]))
    database, data_dir = _fresh_target(tmp_path)
    with pytest.raises(BackupError, match=r"unsafe or unexpected path|a (link|directory|special file) \(") as refused:
        restore_backup(crafted, database, data_dir)
    assert "nothing was changed" in str(refused.value)
    assert _untouched(database, data_dir)
    assert not list(tmp_path.rglob("escaped.txt")) and not Path("/tmp/escaped.txt").exists()


def test_a_backup_of_the_other_engine_is_refused(tiny, tmp_path):
    _, _, archive, _ = tiny
    postgres = Database("postgresql", url="postgresql://nobody@127.0.0.1:1/never")  # never reached
    with pytest.raises(BackupError, match="backup of a SQLite database, but the workbench is configured for PostgreSQL"):
        restore_backup(archive, postgres, tmp_path / "data")
    as_postgres = _write(tmp_path / "pg.tar.gz", _with_manifest(
        [(i if i.name != "database/workbench.sqlite3" else _entry("database/workbench.pgdump")[0], d) for i, d in _members(archive)],
        engine="postgresql"))
    database, data_dir = _fresh_target(tmp_path)
    with pytest.raises(BackupError, match="backup of a PostgreSQL database, but the workbench is configured for SQLite"):
        restore_backup(as_postgres, database, data_dir)
    assert _untouched(database, data_dir)


def test_a_backup_from_a_newer_version_is_refused(tiny, tmp_path):
    _, _, archive, _ = tiny
    database, data_dir = _fresh_target(tmp_path)
    newer = _write(tmp_path / "newer.tar.gz", _with_manifest(_members(archive), migrations={"remedies": ["2099-01-01T00:00:00:000000"]}))
    with pytest.raises(BackupError, match="made by a newer version.*remedies 2099-01-01"):
        restore_backup(newer, database, data_dir)
    future_format = _write(tmp_path / "format.tar.gz", _with_manifest(_members(archive), format=2))
    with pytest.raises(BackupError, match="newer workbench \\(backup format 2\\)"):
        restore_backup(future_format, database, data_dir)
    assert _untouched(database, data_dir)


def test_an_older_backup_says_to_migrate(tiny):
    *_, manifest = tiny
    assert "workbench 2026-11-25T17:45:48:712245" in backup.missing_migrations(manifest)


def test_a_non_empty_target_needs_force_and_a_running_app_is_refused(tiny, tmp_path):
    database, data_dir, archive, _ = tiny
    with pytest.raises(BackupError, match=r"already hold 2 case\(s\), 0 user account\(s\) and 2 stored file\(s\)"):
        restore_backup(archive, database, data_dir)
    with (data_dir / "scheduler.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as the running app's scheduler does
        with pytest.raises(BackupError, match="The workbench is running"):
            restore_backup(archive, database, data_dir, force=True)
    (data_dir / "uploads" / "ab" / "ab12").write_bytes(b"changed since")
    restore_backup(archive, database, data_dir, force=True)
    assert (data_dir / "uploads" / "ab" / "ab12").read_bytes() == b"evidence one"


def test_where_a_backup_may_be_written(tiny, tmp_path):
    database, data_dir, archive, _ = tiny
    with pytest.raises(BackupError, match="already exists"):
        create_backup(archive, database, data_dir)
    with pytest.raises(BackupError, match="inside the data directory"):
        create_backup(data_dir / "backups.tar.gz", database, data_dir)
    with pytest.raises(BackupError, match="does not exist"):
        create_backup(tmp_path / "no-such-folder" / "b.tar.gz", database, data_dir)
    with pytest.raises(BackupError, match="There is no SQLite database"):
        create_backup(tmp_path / "b.tar.gz", Database("sqlite", sqlite_path=tmp_path / "missing.sqlite3"), data_dir)
    assert not (tmp_path / "b.tar.gz").exists() and not list(tmp_path.glob(".backup-*"))


def test_missing_or_old_postgresql_tools_are_named_with_what_to_install(monkeypatch):
    monkeypatch.setattr(backup.shutil, "which", lambda name: None)
    monkeypatch.setattr(backup.os, "access", lambda path, mode: False)
    with pytest.raises(BackupError, match=r"pg_dump was not found.*apt-get install postgresql-client-15"):
        backup.pg_tool("pg_dump", 15)
    monkeypatch.setattr(backup.os, "access", lambda path, mode: True)
    monkeypatch.setattr(backup, "_tool_major", lambda path: (14, "14.11"))
    with pytest.raises(BackupError, match=r"version 14.11, older than the PostgreSQL 15 server; install postgresql-client-15"):
        backup.pg_tool("pg_dump", 15)


def test_the_database_url_password_stays_out_of_messages_and_argv():
    database = Database.from_url("postgresql://clerk:s3cr%40t@db.example:5433/workbench")
    assert database.describe() == "db.example:5433/workbench" and "s3cr" not in repr(database)
    url, env = backup._pg_connection_parts(database.url)
    assert url == "postgresql://clerk@db.example:5433/workbench" and env["PGPASSWORD"] == "s3cr@t"
