"""The case file: which documents a case may hold, how an upload is checked, stored and listed.

An upload is checked before anything is written: its size, its extension against an allow-list,
and its contents against what the extension claims (magic bytes; Office files are opened as zip
archives and refused if they would unpack to too much). Only then is it copied, under a random
name with no extension, to ``<uploads>/<2-char shard>/<token>`` (temp file, fsync, atomic rename),
and only then are the database row, the timeline event and the audit event written, in one
transaction; if that fails the file is removed again.

The name the user gave the file is kept for display and download only, with any path and control
characters removed; it never reaches the filesystem.

No web framework here: the routes in ``document_routes.py`` hand over a plain file object.
"""

from __future__ import annotations

import codecs
import errno
import hashlib
import logging
import os
import re
import secrets
import shutil
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any, Callable
from urllib.parse import quote
from zoneinfo import ZoneInfo

import anyio.to_thread

from investigations.tables import CaseDocument
from investigations.timeline import add_event
from workbench.audit import record_event
from workbench.db import fetch_rows, placeholder, write_transaction
from workbench.roles import CASEWORK, Role
from workbench.tables import User

MB = 1024 * 1024
MAX_UPLOAD_BYTES = 20 * MB
MIN_FREE_BYTES = 100 * MB  # refuse an upload that would leave less than this on the disk
ZIP_MAX_ENTRIES = 1000
ZIP_MAX_UNCOMPRESSED = 100 * MB
CHUNK = MB
MAX_NAME_LENGTH = 255
LONDON = ZoneInfo("Europe/London")
DISK_FULL_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})

log = logging.getLogger("investigations.documents")

# The kinds of document a case file holds, in the order the upload form offers them.
DOCUMENT_KINDS: dict[str, str] = {
    "complaint_letter": "Complaint letter",
    "body_response": "Body's response",
    "evidence_complainant": "Evidence from the complainant",
    "evidence_body": "Evidence from the body",
    "correspondence": "Correspondence",
    "other": "Other",
}


class UploadRefused(ValueError):
    """An upload that is not stored; ``message`` says why, in words for the person uploading."""

    def __init__(self, message: str, field: str = "file") -> None:
        super().__init__(message)
        self.message = message
        self.field = field  # "file" or "kind": which form field the message belongs to


# ---------------------------------------------------------------------------------------------
# Allowed types: extension -> what the contents must look like.

OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"


@dataclass(frozen=True)
class FileType:
    label: str  # "a PDF", used in "The file says it is a PDF ..."
    content_type: str
    check: Callable[[IO[bytes], int], bool]  # (file positioned anywhere, size) -> contents match


def _head(file: IO[bytes], n: int = 8192) -> bytes:
    file.seek(0)
    return file.read(n)


def _is_pdf(file: IO[bytes], size: int) -> bool:
    return b"%PDF-" in _head(file, 1024)  # the header may follow a little junk, but must be near the start


def _is_ole(file: IO[bytes], size: int) -> bool:
    return _head(file, 8) == OLE_MAGIC


def _is_png(file: IO[bytes], size: int) -> bool:
    return _head(file, 8) == PNG_MAGIC


def _is_jpeg(file: IO[bytes], size: int) -> bool:
    return _head(file, 3) == JPEG_MAGIC


def _is_utf8_text(file: IO[bytes], size: int) -> bool:
    """Plain text: valid UTF-8 (a BOM is fine) throughout, with no NUL bytes."""
    file.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := file.read(CHUNK):
            if b"\x00" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


_HEADER_LINE = re.compile(rb"^[A-Za-z0-9-]{1,76}:", re.MULTILINE)


def _is_email(file: IO[bytes], size: int) -> bool:
    """An .eml file: text whose first lines are mail headers ("From:", "Subject:", ...)."""
    return _is_utf8_text(file, size) and _HEADER_LINE.match(_head(file, 1024).lstrip(b"\xef\xbb\xbf")) is not None


class ArchiveRefused(UploadRefused):
    pass


def _open_zip(file: IO[bytes], label: str) -> zipfile.ZipFile | None:
    """The archive, after checking it would not unpack into too many or too large files (zip bombs)."""
    file.seek(0)
    if file.read(4) != b"PK\x03\x04":
        return None
    file.seek(0)
    try:
        archive = zipfile.ZipFile(file)
        entries = archive.infolist()
    except Exception:  # any malformed archive is simply "not what it claims"
        return None
    if len(entries) > ZIP_MAX_ENTRIES:
        raise ArchiveRefused(
            f"The file says it is {label} but it holds {len(entries):,} parts; the limit is {ZIP_MAX_ENTRIES:,}"
        )
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > ZIP_MAX_UNCOMPRESSED:
        raise ArchiveRefused(
            f"The file says it is {label} but it would unpack to {format_size(unpacked)}; "
            f"the limit is {format_size(ZIP_MAX_UNCOMPRESSED)}"
        )
    return archive


def _office_open_xml(folder: str, label: str) -> Callable[[IO[bytes], int], bool]:
    """.docx / .xlsx: a zip archive with [Content_Types].xml and the application's own folder."""

    def check(file: IO[bytes], size: int) -> bool:
        archive = _open_zip(file, label)
        if archive is None:
            return False
        with archive:
            names = set(archive.namelist())
        return "[Content_Types].xml" in names and any(n.startswith(folder) for n in names)

    return check


def _open_document_text(file: IO[bytes], size: int) -> bool:
    """.odt: a zip archive whose ``mimetype`` entry names an OpenDocument text."""
    archive = _open_zip(file, "an OpenDocument text")
    if archive is None:
        return False
    with archive:
        try:
            info = archive.getinfo("mimetype")
        except KeyError:
            return False
        if info.file_size > 100:
            return False
        try:
            return archive.read(info).strip() == b"application/vnd.oasis.opendocument.text"
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError):
            return False


ALLOWED_TYPES: dict[str, FileType] = {
    "pdf": FileType("a PDF", "application/pdf", _is_pdf),
    "docx": FileType(
        "a Word document",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _office_open_xml("word/", "a Word document"),
    ),
    "doc": FileType("a Word document", "application/msword", _is_ole),
    "xlsx": FileType(
        "an Excel spreadsheet",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _office_open_xml("xl/", "an Excel spreadsheet"),
    ),
    "odt": FileType("an OpenDocument text", "application/vnd.oasis.opendocument.text", _open_document_text),
    "txt": FileType("a text file", "text/plain", _is_utf8_text),
    "csv": FileType("a CSV file", "text/csv", _is_utf8_text),
    "jpg": FileType("a JPEG image", "image/jpeg", _is_jpeg),
    "jpeg": FileType("a JPEG image", "image/jpeg", _is_jpeg),
    "png": FileType("a PNG image", "image/png", _is_png),
    "eml": FileType("an email", "message/rfc822", _is_email),
    "msg": FileType("an Outlook message", "application/vnd.ms-outlook", _is_ole),
}

# Types a browser may be told about on download (always as an attachment); everything else is
# served as application/octet-stream so nothing is rendered or sniffed.
SAFE_DOWNLOAD_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg"})


def allowed_types_text() -> str:
    return ", ".join(f".{ext}" for ext in ALLOWED_TYPES)


# ---------------------------------------------------------------------------------------------
# Pure helpers: names, sizes, headers.

_UNSAFE_NAME_CHARS = re.compile(r'[<>:"|?*]')


def clean_filename(raw: str) -> str:
    """The name to show and offer on download: no folders, control or invisible characters, ≤ 255 chars.

    "../../etc/passwd.pdf" becomes "passwd.pdf"; "C:\\Users\\x\\letter.pdf" becomes "letter.pdf";
    right-to-left overrides (which make "fdp.exe" read as "exe.pdf") are dropped.
    """
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})
    name = _UNSAFE_NAME_CHARS.sub("_", name)
    name = " ".join(name.split())  # tabs, runs of spaces
    name = name.strip(" .")
    if not name:
        return "document"
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = stem[: MAX_NAME_LENGTH - len(ext) - 1].rstrip() + "." + ext
        else:
            name = name[:MAX_NAME_LENGTH]
    return name


def extension_of(name: str) -> str:
    """The last extension, lower case and without the dot; "" if there is none."""
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def format_size(size: int) -> str:
    """Sizes as people read them: "820 bytes", "12 KB", "31.2 MB"."""
    if size < 1024:
        return f"{size} byte{'s' if size != 1 else ''}"
    if size < MB:
        return f"{max(1, round(size / 1024))} KB"
    text = f"{size / MB:.1f}"
    return f"{text.removesuffix('.0')} MB"


def check_size(size: int) -> None:
    if size == 0:
        raise UploadRefused("The file is empty")
    if size > MAX_UPLOAD_BYTES:
        raise UploadRefused(f"The file is {format_size(size)}; the limit is {format_size(MAX_UPLOAD_BYTES)}")


def file_type_for(name: str) -> FileType:
    """The allowed type the name claims, or a refusal that lists the allowed types."""
    ext = extension_of(name)
    if not ext:
        raise UploadRefused(f"The file has no extension; allowed types are {allowed_types_text()}")
    if ext not in ALLOWED_TYPES:
        shown = ext if len(ext) <= 10 else ext[:10] + "…"
        raise UploadRefused(f"This file is a .{shown}; allowed types are {allowed_types_text()}")
    return ALLOWED_TYPES[ext]


def check_contents(file: IO[bytes], name: str, size: int) -> FileType:
    """Check the file is what its extension says; returns the type, or raises UploadRefused."""
    file_type = file_type_for(name)
    if not file_type.check(file, size):
        raise UploadRefused(f"The file says it is {file_type.label} but its contents are not {file_type.label}")
    return file_type


def check_kind(kind: str) -> str:
    if kind not in DOCUMENT_KINDS:
        raise UploadRefused("Select what kind of document this is", field="kind")
    return kind


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII fallback name and the exact name as RFC 6266 / RFC 5987 ``filename*``."""
    fallback = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    fallback = re.sub(r'[^A-Za-z0-9 ._()\[\]-]', "_", fallback).strip() or "document"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def download_content_type(stored_type: str) -> str:
    return stored_type if stored_type in SAFE_DOWNLOAD_TYPES else "application/octet-stream"


def may_upload(role: str) -> bool:
    return Role(role) in CASEWORK


# ---------------------------------------------------------------------------------------------
# Storage.

STORED_NAME = re.compile(r"^[0-9a-f]{40}$")


def new_stored_name() -> str:
    return secrets.token_hex(20)


def stored_path(uploads_dir: Path, stored_name: str) -> Path:
    """Where a stored file lives; refuses any name this module did not generate."""
    if not STORED_NAME.fullmatch(stored_name):
        raise ValueError(f"not a stored document name: {stored_name!r}")
    return uploads_dir / stored_name[:2] / stored_name


def free_bytes(path: Path) -> int:
    """Free space on the disk holding ``path`` (its nearest existing ancestor)."""
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return shutil.disk_usage(probe).free


@dataclass(frozen=True)
class StoredFile:
    stored_name: str
    original_name: str
    content_type: str
    size: int
    sha256: str


def store_upload(file: IO[bytes], filename: str, uploads_dir: Path) -> StoredFile:
    """Check an upload and copy it into the store. Blocking: call it in a worker thread.

    Every check runs before anything is written; on any failure nothing is left behind.
    """
    name = clean_filename(filename)
    file.seek(0, os.SEEK_END)
    size = file.tell()
    check_size(size)
    file_type = check_contents(file, name, size)
    if free_bytes(uploads_dir) - size < MIN_FREE_BYTES:
        raise UploadRefused(
            f"The server is short of disk space (under {format_size(MIN_FREE_BYTES)} would be left), "
            "so the file was not saved. Please tell an administrator."
        )
    stored_name = new_stored_name()
    final = stored_path(uploads_dir, stored_name)
    try:
        sha256 = _write_atomically(file, final)
    except OSError as exc:
        raise _storage_refusal(exc, uploads_dir) from exc
    return StoredFile(stored_name, name, file_type.content_type, size, sha256)


def _write_atomically(file: IO[bytes], final: Path) -> str:
    """Copy into a temp file beside ``final``, fsync, rename; returns the SHA-256. Leaves nothing on failure."""
    final.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
    digest = hashlib.sha256()
    handle, temp_name = tempfile.mkstemp(dir=final.parent, prefix=".upload-")
    try:
        with os.fdopen(handle, "wb") as out:
            file.seek(0)
            while chunk := file.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp_name, final)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    _fsync_dir(final.parent)
    return digest.hexdigest()


def _storage_refusal(exc: OSError, uploads_dir: Path) -> UploadRefused:
    """The disk filled up or the store cannot be written: the uploader is told, the administrator's log says why."""
    log.error("Could not store an upload in %s: %s", uploads_dir, exc)
    if exc.errno in DISK_FULL_ERRORS:
        return UploadRefused("The server has run out of disk space, so the file was not saved. "
                             "Please tell an administrator.")
    return UploadRefused("The server could not write to its document store, so the file was not saved. "
                         "Please tell an administrator.")


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def remove_stored(uploads_dir: Path, stored_name: str) -> None:
    stored_path(uploads_dir, stored_name).unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------------
# The service: add a document to a case, list a case's documents, find one for download.


async def add_document(
    *,
    case_id: int,
    case_reference: str,
    user: User,
    kind: str,
    filename: str,
    file: IO[bytes],
    uploads_dir: Path,
    ip: str = "",
) -> int:
    """Check and store an upload, then record it; returns the new document's id.

    Raises UploadRefused (nothing stored) for anything the person uploading can fix.
    """
    check_kind(kind)
    stored = await anyio.to_thread.run_sync(store_upload, file, filename, uploads_dir)
    try:
        async with write_transaction():
            document = CaseDocument(
                case=case_id,
                kind=kind,
                original_name=stored.original_name,
                stored_name=stored.stored_name,
                content_type=stored.content_type,
                size=stored.size,
                sha256=stored.sha256,
                uploaded_at=datetime.now(timezone.utc),
                by=user.id,
            )
            await document.save()
            await add_event(
                case_id, user, "document", f"{DOCUMENT_KINDS[kind]} added to the case file",
                detail=f"{stored.original_name} ({format_size(stored.size)})",
            )
            await record_event(
                user, "document.uploaded", "case", case_reference,
                summary=f"Added {stored.original_name} to the case file",
                changes={"document_id": document.id, "kind": kind, "name": stored.original_name,
                         "size": stored.size, "sha256": stored.sha256},
                ip=ip,
            )
    except BaseException:
        await anyio.to_thread.run_sync(remove_stored, uploads_dir, stored.stored_name)
        raise
    return document.id


def _local_time(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(LONDON).strftime("%-d %B %Y, %H:%M")


async def case_documents(case_id: int) -> list[dict[str, Any]]:
    """A case's documents, newest first, ready for the documents panel."""
    rows = await fetch_rows(
        "SELECT d.id, d.kind, d.original_name, d.content_type, d.size, d.uploaded_at, u.full_name AS uploaded_by "
        'FROM investigations_case_document d LEFT JOIN workbench_user u ON u.id = d."by" '
        f'WHERE d."case" = {placeholder(1)} ORDER BY d.uploaded_at DESC, d.id DESC', [case_id])
    for row in rows:
        row["kind_label"] = DOCUMENT_KINDS.get(row["kind"], row["kind"])
        row["size_label"] = format_size(row["size"])
        row["uploaded_at_label"] = _local_time(row["uploaded_at"])
        row["uploaded_by"] = row["uploaded_by"] or "System"
    return rows


async def find_document(case_id: int, document_id: int) -> dict[str, Any] | None:
    """One document of this case (None if it does not exist or belongs to another case)."""
    return await (
        CaseDocument.select()
        .where((CaseDocument.id == document_id) & (CaseDocument.case == case_id))
        .first()
    )


async def panel_context(
    case: dict[str, Any],
    role: str,
    errors: dict[str, str] | None = None,
    kind: str = "",
) -> dict[str, Any]:
    """Everything ``investigations/documents_panel.html`` needs, for the case page or the panel alone."""
    return {
        "case": case,
        "documents": await case_documents(case["id"]),
        "document_kinds": DOCUMENT_KINDS,
        "document_errors": errors or {},
        "document_kind": kind,
        "may_upload_documents": may_upload(role),
        "allowed_document_types": allowed_types_text(),
        "max_upload_size": format_size(MAX_UPLOAD_BYTES),
    }
