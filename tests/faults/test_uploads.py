"""Upload faults: too large, a forbidden type, a disguised executable, a path in the name, a full
disk and a store that cannot be written. Each is a clear refusal in the form, with nothing written
to the database and no file (whole or partial) left anywhere. Both upload forms: a case document
and a recommendation's evidence (several files at once: a refusal of the second removes the first).

The real app in-process; the disk faults are raised inside its writer (``os.fsync`` reporting
ENOSPC, or a store path that is not a directory), since a tiny filesystem needs root mounts.
"""

from __future__ import annotations

import errno
import os
import stat
from datetime import date
from pathlib import Path

import pytest

from investigations import document_routes, documents
from investigations.tables import CaseDocument, CaseEvent
from remedies.tables import Evidence, EvidenceFile, RecommendationEvent
from tests.remedies import factories
from workbench.tables import AuditEvent

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56 + b"#!/bin/sh\nrm -rf /\n"
WINDOWS_EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56 + b"This program cannot be run in DOS mode."


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """The test's own document store, inside a folder watched for stray files."""
    root = tmp_path / "watched"
    store = root / "uploads"
    root.mkdir()
    monkeypatch.setattr(document_routes, "uploads_dir", lambda: store)
    return root, store


@pytest.fixture
def targets(db, run):
    """A decided case (for its case file) and its outstanding recommendation (for evidence)."""
    case = run(factories.decided_case(decided_on=date(2026, 10, 16)))
    rid = run(factories.recommendation(case, period=1, unit="months"))
    return {"case": case, "recommendation": rid}


def _case_document(client, targets, files):
    client.sign_in_as("investigator")
    url = "/cases/" + targets["case"]["reference"].replace(" ", "-") + "/documents"
    data = {"kind": "evidence_complainant", "_csrf_token": client.csrf_token()}
    return client.post(url, data=data, files=[("file", f) for f in files[-1:]], follow_redirects=False)


def _evidence(client, targets, files):
    client.sign_in_as("compliance_officer")
    url = f"/recommendations/{targets['recommendation']}/evidence"
    data = {"received_on": "2026-11-10", "evidence_description": "Apology letter sent by the council",
            "_csrf_token": client.csrf_token()}
    return client.post(url, data=data, files=[("files", f) for f in files], follow_redirects=False)


FORMS = {"case document": _case_document, "evidence": _evidence}


def _written(run) -> dict[str, int]:
    """Everything an upload writes to the database, counted."""
    return {
        "documents": run(CaseDocument.count()),
        "evidence": run(Evidence.count()),
        "evidence files": run(EvidenceFile.count()),
        "timeline": run(CaseEvent.count()),
        "history": run(RecommendationEvent.count()),
        "audit": run(AuditEvent.count().where(AuditEvent.action.is_in(["document.uploaded", "evidence.added"]))),
    }


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if not p.is_dir())


def _assert_refused(response, message: str, form: str) -> None:
    assert response.status_code == 400, response.text[:500]
    assert message in response.text
    assert "Traceback" not in response.text and "govuk-error-message" in response.text
    if form == "evidence":  # what was typed is kept for the next attempt
        assert "Apology letter sent by the council</textarea>" in response.text


def _fail_fsync_on_file(monkeypatch, on_call: int, code: int) -> list[int]:
    """``os.fsync`` of the ``on_call``-th regular file raises OSError(code) (directories still sync)."""
    real = os.fsync
    calls = []

    def fsync(fd):
        if stat.S_ISREG(os.fstat(fd).st_mode):
            calls.append(fd)
            if len(calls) == on_call:
                raise OSError(code, os.strerror(code))
        return real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    return calls


BAD_FILES = [
    ("statement.sh", b"#!/bin/sh\necho hi\n", "This file is a .sh; allowed types are .pdf"),
    ("statement.pdf", ELF, "The file says it is a PDF but its contents are not a PDF"),
    ("statement.pdf", WINDOWS_EXE, "The file says it is a PDF but its contents are not a PDF"),
    ("photo.png", PDF, "The file says it is a PNG image but its contents are not a PNG image"),
    ("../../../../etc/cron.d/workbench", b"* * * * * root sh\n", "The file has no extension"),
    ("..\\..\\startup\\evil.exe", WINDOWS_EXE, "This file is a .exe"),
    ("empty.pdf", b"", "The file is empty"),
]


@pytest.mark.parametrize("form", FORMS)
def test_bad_files_are_refused_and_nothing_is_kept(client, run, targets, workspace, form):
    """Each bad file sent after a good one: the good one is not kept either (all or nothing)."""
    root, store = workspace
    before = _written(run)
    for name, content, message in BAD_FILES:
        files = [("apology.pdf", PDF, "application/pdf"), (name, content, "application/pdf")]
        response = FORMS[form](client, targets, files)
        _assert_refused(response, message, form)
        assert _written(run) == before, name
        assert _files(root) == [], name


@pytest.mark.parametrize("form", FORMS)
def test_a_file_over_the_limit_is_refused(client, run, targets, workspace, monkeypatch, form):
    monkeypatch.setattr(documents, "MAX_UPLOAD_BYTES", documents.MB)
    root, _ = workspace
    before = _written(run)
    big = PDF + b"0" * (3 * documents.MB // 2)
    response = FORMS[form](client, targets, [("apology.pdf", PDF, "application/pdf"), ("scan.pdf", big, "application/pdf")])
    _assert_refused(response, "The file is 1.5 MB; the limit is 1 MB", form)
    assert _written(run) == before and _files(root) == []


@pytest.mark.parametrize("form", FORMS)
def test_a_full_disk_part_way_through_is_refused_and_leaves_no_partial_file(client, run, targets, workspace,
                                                                          monkeypatch, form):
    root, _ = workspace
    before = _written(run)
    # The evidence form's second file fails (after the first was stored); the case document's only file.
    calls = _fail_fsync_on_file(monkeypatch, on_call=2 if form == "evidence" else 1, code=errno.ENOSPC)
    response = FORMS[form](client, targets, [("apology.pdf", PDF, "application/pdf"), ("receipt.pdf", PDF, "application/pdf")])
    _assert_refused(response, "The server has run out of disk space, so the file was not saved", form)
    assert calls, "the writer was never reached"
    assert _written(run) == before
    assert _files(root) == []  # neither the temp file being written nor the first file stored


@pytest.mark.parametrize("form", FORMS)
def test_a_store_that_cannot_be_written_is_refused(client, run, targets, workspace, form):
    root, store = workspace
    store.write_bytes(b"")  # a file where the store's folder should be: nothing can be created in it
    before = _written(run)
    response = FORMS[form](client, targets, [("apology.pdf", PDF, "application/pdf")])
    _assert_refused(response, "The server could not write to its document store, so the file was not saved", form)
    assert _written(run) == before
    assert _files(root) == [store] and store.read_bytes() == b""


@pytest.mark.parametrize("form", FORMS)
def test_a_path_in_the_name_never_reaches_the_filesystem(client, run, targets, workspace, form):
    """A good file with a hostile name is kept, under a generated name inside the store; the name is display only."""
    root, store = workspace
    response = FORMS[form](client, targets, [("../../../watched/escaped.pdf", PDF, "application/pdf")])
    assert response.status_code == 303, response.text[:500]
    [stored] = _files(root)
    assert stored.resolve().is_relative_to(store.resolve()) and "escaped" not in str(stored)
    assert documents.STORED_NAME.fullmatch(stored.name) and stored.read_bytes() == PDF
    table = CaseDocument if form == "case document" else EvidenceFile
    [row] = run(table.select(table.original_name, table.stored_name))
    assert row == {"original_name": "escaped.pdf", "stored_name": stored.name}
