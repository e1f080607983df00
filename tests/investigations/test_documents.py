"""The case file: checking uploads (unit), and upload, list and download over HTTP (both engines)."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from investigations import document_routes, documents
from investigations.documents import (
    MB,
    UploadRefused,
    check_contents,
    check_size,
    clean_filename,
    content_disposition,
    download_content_type,
    extension_of,
    file_type_for,
    format_size,
    store_upload,
    stored_path,
)

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
OLE = bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 504


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _docx() -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph("Dear Ombudsman, I wish to complain about the council.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# =============================================================================================
# Unit tests: the pure checks and the store, no database.


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("letter.pdf", "letter.pdf"),
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\jo\\Desktop\\response.docx", "response.docx"),
        ("evil\u202etxt.pdf", "eviltxt.pdf"),  # right-to-left override dropped
        ("bad\x00name\r\n.pdf", "badname.pdf"),
        ('what"is<this>?.txt', "what_is_this__.txt"),
        ("  spaced   out  .pdf ", "spaced out .pdf"),
        ("..", "document"),
        ("", "document"),
        ("/", "document"),
        ("Bríd Ó Súilleabháin – reply.pdf", "Bríd Ó Súilleabháin – reply.pdf"),
    ],
)
def test_clean_filename(raw, expected):
    assert clean_filename(raw) == expected


def test_clean_filename_keeps_the_extension_when_shortening():
    name = clean_filename("x" * 400 + ".pdf")
    assert len(name) == 255 and name.endswith(".pdf")


@pytest.mark.parametrize(
    "name, ext", [("a.PDF", "pdf"), ("a.tar.gz", "gz"), ("noext", ""), (".bashrc", ""), ("a.", "")]
)
def test_extension_of(name, ext):
    assert extension_of(name) == ext


@pytest.mark.parametrize(
    "size, text",
    [(0, "0 bytes"), (1, "1 byte"), (900, "900 bytes"), (1024, "1 KB"), (12_800, "12 KB"),
     (20 * MB, "20 MB"), (int(31.2 * MB), "31.2 MB")],
)
def test_format_size(size, text):
    assert format_size(size) == text


def test_size_limit_message():
    check_size(documents.MAX_UPLOAD_BYTES)  # exactly at the limit is fine
    with pytest.raises(UploadRefused) as refused:
        check_size(int(31.2 * MB))
    assert refused.value.message == "The file is 31.2 MB; the limit is 20 MB"
    with pytest.raises(UploadRefused, match="The file is empty"):
        check_size(0)


def test_disallowed_extension_names_the_allowed_types():
    with pytest.raises(UploadRefused) as refused:
        file_type_for("setup.exe")
    assert refused.value.message.startswith("This file is a .exe; allowed types are .pdf, .docx")
    with pytest.raises(UploadRefused, match="no extension"):
        file_type_for("README")
    with pytest.raises(UploadRefused, match=r"\.exe"):
        file_type_for("letter.pdf.exe")


def _check(name: str, data: bytes):
    return check_contents(io.BytesIO(data), name, len(data))


@pytest.mark.parametrize(
    "name, data",
    [
        ("letter.pdf", PDF),
        ("letter.PDF", b"\xef\xbb\xbf%PDF-1.7 junk before the header is tolerated"),
        ("photo.png", PNG),
        ("photo.jpg", JPEG),
        ("photo.jpeg", JPEG),
        ("old.doc", OLE),
        ("mail.msg", OLE),
        ("notes.txt", "Café notes – naïve\n".encode()),
        ("notes.txt", b"\xef\xbb\xbfwith a BOM\n"),
        ("figures.csv", b"date,amount\n2025-01-01,250.00\n"),
        ("mail.eml", b"From: someone@example.org\r\nSubject: complaint\r\n\r\nBody\r\n"),
        ("sheet.xlsx", _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})),
        ("text.odt", _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"})),
    ],
)
def test_allowed_contents_pass(name, data):
    assert _check(name, data).content_type


def test_real_word_document_passes():
    assert _check("complaint.docx", _docx()).label == "a Word document"


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("letter.pdf", b"MZ\x90\x00 this is a Windows program", "The file says it is a PDF but its contents are not a PDF"),
        ("letter.pdf", b"hello" * 300 + b"%PDF-1.4", "not a PDF"),  # header too far in
        ("photo.png", JPEG, "The file says it is a PNG image but its contents are not a PNG image"),
        ("photo.jpg", PNG, "not a JPEG image"),
        ("old.doc", PDF, "not a Word document"),
        ("notes.txt", b"\x00\x01\x02binary", "not a text file"),
        ("notes.txt", b"caf\xe9 latin-1 is not UTF-8", "not a text file"),
        ("figures.csv", b"a,b\n\x00", "not a CSV file"),
        ("reply.docx", b"PK\x03\x04 not really a zip", "not a Word document"),
        ("reply.docx", _zip({"word/document.xml": b"<w/>"}), "not a Word document"),  # no [Content_Types].xml
        ("reply.docx", _zip({"[Content_Types].xml": b"<T/>", "xl/workbook.xml": b"<w/>"}), "not a Word document"),
        ("sheet.xlsx", _zip({"[Content_Types].xml": b"<T/>", "word/document.xml": b"<w/>"}), "not an Excel"),
        ("text.odt", _zip({"mimetype": b"application/zip"}), "not an OpenDocument text"),
        ("mail.eml", b"just some words, no headers\n", "not an email"),
    ],
)
def test_mismatched_contents_are_refused(name, data, message):
    with pytest.raises(UploadRefused) as refused:
        _check(name, data)
    assert message in refused.value.message


def test_zip_with_too_many_entries_is_refused(monkeypatch):
    monkeypatch.setattr(documents, "ZIP_MAX_ENTRIES", 10)
    entries = {"[Content_Types].xml": b"<T/>", "word/document.xml": b"<w/>"}
    entries.update({f"word/media/{i}.bin": b"x" for i in range(20)})
    with pytest.raises(UploadRefused) as refused:
        _check("bomb.docx", _zip(entries))
    assert refused.value.message == "The file says it is a Word document but it holds 22 parts; the limit is 10"


def test_zip_that_unpacks_too_large_is_refused(monkeypatch):
    monkeypatch.setattr(documents, "ZIP_MAX_UNCOMPRESSED", MB)
    data = _zip({"[Content_Types].xml": b"<T/>", "word/document.xml": b"\x00" * (3 * MB)})
    assert len(data) < 10_000  # compresses to almost nothing: the shape of a zip bomb
    with pytest.raises(UploadRefused, match="would unpack to 3 MB; the limit is 1 MB"):
        _check("bomb.docx", data)


def test_default_zip_limits_match_the_security_notes():
    assert documents.ZIP_MAX_ENTRIES == 1000
    assert documents.ZIP_MAX_UNCOMPRESSED == 100 * MB
    assert documents.MAX_UPLOAD_BYTES == 20 * MB


def test_content_disposition_is_attachment_with_rfc6266_filename():
    header = content_disposition('Ó Súilleabháin "reply".pdf')
    assert header.startswith("attachment; ")
    assert 'filename="O Suilleabhain _reply_.pdf"' in header
    assert "filename*=UTF-8''%C3%93%20S%C3%BAilleabh%C3%A1in%20%22reply%22.pdf" in header


def test_only_safe_types_keep_their_content_type():
    assert download_content_type("application/pdf") == "application/pdf"
    assert download_content_type("image/png") == "image/png"
    assert download_content_type("text/plain") == "application/octet-stream"
    assert download_content_type("text/html") == "application/octet-stream"
    assert download_content_type(documents.ALLOWED_TYPES["docx"].content_type) == "application/octet-stream"


def test_stored_path_refuses_names_it_did_not_generate(tmp_path):
    good = "ab" + "0" * 38
    assert stored_path(tmp_path, good) == tmp_path / "ab" / good
    for bad in ("../../etc/passwd", "ab/../../x", "AB" + "0" * 38, "abc"):
        with pytest.raises(ValueError):
            stored_path(tmp_path, bad)


def test_store_upload_writes_by_generated_name_without_extension(tmp_path):
    stored = store_upload(io.BytesIO(PDF), "../../secret/letter.pdf", tmp_path)
    path = stored_path(tmp_path, stored.stored_name)
    assert path.read_bytes() == PDF
    assert path.parent.name == stored.stored_name[:2] and path.suffix == ""
    assert _files(tmp_path) == [path]  # no temp file left behind
    assert stored.original_name == "letter.pdf"
    assert stored.sha256 == hashlib.sha256(PDF).hexdigest()
    assert stored.size == len(PDF) and stored.content_type == "application/pdf"


def test_store_upload_refusals_write_nothing(tmp_path, monkeypatch):
    with pytest.raises(UploadRefused):
        store_upload(io.BytesIO(b"MZ"), "a.exe", tmp_path)
    with pytest.raises(UploadRefused):
        store_upload(io.BytesIO(b"MZ"), "a.pdf", tmp_path)
    monkeypatch.setattr(documents, "free_bytes", lambda path: 150 * MB)
    store_upload(io.BytesIO(PDF), "a.pdf", tmp_path)  # 150 MB free is enough
    monkeypatch.setattr(documents, "free_bytes", lambda path: 100 * MB)
    with pytest.raises(UploadRefused, match="short of disk space"):
        store_upload(io.BytesIO(PDF), "a.pdf", tmp_path)
    assert len(_files(tmp_path)) == 1


def test_free_bytes_works_before_the_store_exists(tmp_path):
    assert documents.free_bytes(tmp_path / "not" / "yet") > 0


# =============================================================================================
# Integration: the real app over HTTP.


@pytest.fixture
def uploads(tmp_path, monkeypatch) -> Path:
    """This test's own document store."""
    root = tmp_path / "uploads"
    monkeypatch.setattr(document_routes, "uploads_dir", lambda: root)
    return root


@pytest.fixture
def cases(run, db):
    """Two unrestricted cases and one restricted case assigned to 'investigator' (managed by 'manager')."""
    from investigations.demo import load_demo
    from investigations.tables import Case
    from workbench.tables import User

    run(load_demo(cases=6, seed=7, quiet=True))
    rows = run(Case.select(Case.id, Case.reference).where(Case.restricted == False).order_by(Case.id).limit(3))  # noqa: E712
    investigator = run(User.select(User.id).where(User.username == "investigator").first())["id"]
    run(Case.update({Case.restricted: True, Case.investigator: investigator}).where(Case.id == rows[2]["id"]))
    return {"open": rows[0], "other": rows[1], "restricted": rows[2]}


def _url(case) -> str:
    return "/cases/" + case["reference"].replace(" ", "-") + "/documents"


def _upload(client, case, name, data, kind="complaint_letter", htmx=True, content_type="application/pdf"):
    headers = {"HX-Request": "true", "x-csrftoken": client.csrf_token()} if htmx else {}
    form = {"kind": kind} if htmx else {"kind": kind, "_csrf_token": client.csrf_token()}
    return client.post(_url(case), data=form, files={"file": (name, data, content_type)},
                       headers=headers, follow_redirects=False)


def _rows(run, case=None):
    from investigations.tables import CaseDocument

    query = CaseDocument.select()
    if case is not None:
        query = query.where(CaseDocument.case == case["id"])
    return run(query)


def _events(run, case, kind="document"):
    from investigations.tables import CaseEvent

    return run(CaseEvent.select().where((CaseEvent.case == case["id"]) & (CaseEvent.kind == kind)))


def test_upload_list_and_download(client, anonymous, cases, uploads, run):
    from workbench.tables import AuditEvent

    case = cases["open"]
    client.sign_in_as("investigator")
    response = _upload(client, case, "Complaint letter.pdf", PDF)
    assert response.status_code == 200, response.text
    assert "<html" not in response.text  # the panel alone, for htmx to swap in
    assert 'id="case-documents"' in response.text
    assert "Complaint letter.pdf was added to the case file" in response.text

    [row] = _rows(run, case)
    assert row["kind"] == "complaint_letter" and row["original_name"] == "Complaint letter.pdf"
    assert row["size"] == len(PDF) and row["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert row["content_type"] == "application/pdf"
    path = stored_path(uploads, row["stored_name"])
    assert _files(uploads) == [path] and path.read_bytes() == PDF

    [event] = _events(run, case)
    assert event["title"] == "Complaint letter added to the case file"
    assert "Complaint letter.pdf" in event["detail"] and event["actor_name"] == "Isla Carter"
    assert run(AuditEvent.count().where(AuditEvent.action == "document.uploaded")) == 1

    anonymous.sign_in_as("manager")
    panel = anonymous.get(_url(case), headers={"HX-Request": "true"})
    assert panel.status_code == 200
    assert "Complaint letter.pdf" in panel.text and "Complaint letter" in panel.text
    assert f'href="{_url(case)}/{row["id"]}"' in panel.text
    assert "Isla Carter" in panel.text
    page = anonymous.get(_url(case))
    assert page.status_code == 200 and "<html" in page.text and "Complaint letter.pdf" in page.text

    download = anonymous.get(f"{_url(case)}/{row['id']}")
    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["content-disposition"] == (
        "attachment; filename=\"Complaint letter.pdf\"; filename*=UTF-8''Complaint%20letter.pdf"
    )
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["cache-control"] == "no-store"
    # Unrestricted case: downloads are not audited (restricted ones are, below).
    assert run(AuditEvent.count().where(AuditEvent.action == "document.downloaded")) == 0


def test_plain_form_upload_redirects_to_the_case(client, cases, uploads, run):
    case = cases["open"]
    client.sign_in_as("manager")
    response = _upload(client, case, "reply.docx", _docx(), kind="body_response", htmx=False)
    assert response.status_code == 303
    assert response.headers["location"] == _url(case).removesuffix("/documents") + "#case-documents"
    [row] = _rows(run, case)
    assert row["kind"] == "body_response"
    download = client.get(f"{_url(case)}/{row['id']}")
    assert download.content == stored_path(uploads, row["stored_name"]).read_bytes()
    assert download.headers["content-type"] == "application/octet-stream"  # a Word file is never rendered
    assert download.headers["content-disposition"].startswith("attachment;")


def test_panel_lists_newest_first_with_sizes(client, cases, uploads):
    case = cases["open"]
    client.sign_in_as("investigator")
    _upload(client, case, "first.txt", b"a" * 2048, kind="correspondence", content_type="text/plain")
    _upload(client, case, "second.pdf", PDF + b"x" * (3 * MB // 2), kind="evidence_body")
    panel = client.get(_url(case), headers={"HX-Request": "true"}).text
    assert panel.index("second.pdf") < panel.index("first.txt")
    assert "2 KB" in panel and "1.5 MB" in panel
    assert "Evidence from the body" in panel and "Correspondence" in panel


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("setup.exe", b"MZ\x90\x00\x03", "This file is a .exe; allowed types are .pdf"),
        ("invoice.pdf", b"MZ\x90\x00\x03 a program", "The file says it is a PDF but its contents are not a PDF"),
        ("notes.txt", b"\x00\x01\x02", "The file says it is a text file but its contents are not a text file"),
        ("empty.pdf", b"", "The file is empty"),
        ("README", b"hello", "The file has no extension"),
    ],
)
def test_refused_uploads_store_nothing(client, cases, uploads, run, name, data, message):
    case = cases["open"]
    client.sign_in_as("investigator")
    response = _upload(client, case, name, data)
    assert response.status_code == 400
    assert message in response.text
    assert "govuk-error-summary" in response.text and 'id="case-documents"' in response.text
    assert _rows(run) == [] and _files(uploads) == [] and _events(run, case) == []


def test_refused_plain_form_upload_shows_the_panel_on_a_page(client, cases, uploads, run):
    client.sign_in_as("investigator")
    response = _upload(client, cases["open"], "setup.exe", b"MZ", htmx=False)
    assert response.status_code == 400
    assert "<html" in response.text and "This file is a .exe" in response.text
    assert _rows(run) == []


def test_missing_file_or_kind_is_a_400_with_messages(client, cases, uploads, run):
    case = cases["open"]
    client.sign_in_as("investigator")
    response = client.post(_url(case), data={"kind": ""}, headers={"HX-Request": "true", "x-csrftoken": client.csrf_token()})
    assert response.status_code == 400
    assert "Select a file to upload" in response.text and "Select what kind of document this is" in response.text
    response = _upload(client, case, "a.pdf", PDF, kind="shopping_list")
    assert response.status_code == 400 and "Select what kind of document this is" in response.text
    assert _rows(run) == [] and _files(uploads) == []


def test_oversize_upload_is_refused(client, cases, uploads, run, monkeypatch):
    monkeypatch.setattr(documents, "MAX_UPLOAD_BYTES", MB)
    client.sign_in_as("investigator")
    response = _upload(client, cases["open"], "big.pdf", PDF + b"0" * (3 * MB // 2))
    assert response.status_code == 400
    assert "The file is 1.5 MB; the limit is 1 MB" in response.text
    assert _rows(run) == [] and _files(uploads) == []


def test_request_body_over_the_route_limit_is_413(client, cases, uploads, run):
    client.sign_in_as("investigator")
    response = _upload(client, cases["open"], "huge.pdf", PDF + b"0" * document_routes.UPLOAD_REQUEST_MAX_BYTES)
    assert response.status_code == 413
    assert _rows(run) == [] and _files(uploads) == []


def test_path_traversal_name_is_stored_safely(client, cases, uploads, run, tmp_path):
    case = cases["open"]
    client.sign_in_as("investigator")
    response = _upload(client, case, "../../etc/passwd.pdf", PDF)
    assert response.status_code == 200
    [row] = _rows(run, case)
    assert row["original_name"] == "passwd.pdf"
    [path] = _files(uploads)
    assert path.resolve().is_relative_to(uploads.resolve())
    assert path.name == row["stored_name"] and "passwd" not in str(path)
    assert not (tmp_path / "etc").exists()
    download = client.get(f"{_url(case)}/{row['id']}")
    assert 'filename="passwd.pdf"' in download.headers["content-disposition"]


def test_zip_bomb_docx_is_refused(client, cases, uploads, run, monkeypatch):
    monkeypatch.setattr(documents, "ZIP_MAX_ENTRIES", 50)
    entries = {"[Content_Types].xml": b"<T/>", "word/document.xml": b"<w/>"}
    entries.update({f"word/media/image{i}.png": b"" for i in range(60)})
    client.sign_in_as("investigator")
    response = _upload(client, cases["open"], "bomb.docx", _zip(entries))
    assert response.status_code == 400
    assert "holds 62 parts; the limit is 50" in response.text
    assert _rows(run) == [] and _files(uploads) == []


def test_low_disk_space_is_refused(client, cases, uploads, run, monkeypatch):
    monkeypatch.setattr(documents, "free_bytes", lambda path: 99 * MB)
    client.sign_in_as("investigator")
    response = _upload(client, cases["open"], "letter.pdf", PDF)
    assert response.status_code == 400
    assert "short of disk space" in response.text and "not saved" in response.text
    assert _rows(run) == [] and _files(uploads) == []


def test_file_is_removed_if_the_database_write_fails(cases, uploads, run, monkeypatch):
    from investigations.tables import CaseEvent
    from workbench.tables import User

    async def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(documents, "add_event", broken)
    user = run(User.objects().where(User.username == "investigator").first())
    with pytest.raises(RuntimeError):
        run(documents.add_document(
            case_id=cases["open"]["id"], case_reference=cases["open"]["reference"], user=user,
            kind="other", filename="a.pdf", file=io.BytesIO(PDF), uploads_dir=uploads,
        ))
    assert _files(uploads) == []
    assert _rows(run) == []  # the row was rolled back with the failed transaction
    assert run(CaseEvent.count()) == 0


@pytest.mark.parametrize("role", ["compliance_officer", "report_writer"])
def test_roles_outside_casework_cannot_upload_but_can_download(client, cases, uploads, run, role):
    case = cases["open"]
    client.sign_in_as("investigator")
    _upload(client, case, "a.pdf", PDF)
    [row] = _rows(run)
    client.post("/logout", headers={"x-csrftoken": client.csrf_token()})
    client.sign_in_as(role)
    response = _upload(client, case, "b.pdf", PDF)
    assert response.status_code == 403
    assert len(_rows(run)) == 1 and len(_files(uploads)) == 1
    panel = client.get(_url(case), headers={"HX-Request": "true"})
    assert "a.pdf" in panel.text and "document-upload-form" not in panel.text
    assert client.get(f"{_url(case)}/{row['id']}").status_code == 200


def test_upload_without_csrf_token_is_refused(client, cases, uploads, run):
    client.sign_in_as("investigator")
    response = client.post(_url(cases["open"]), data={"kind": "other"}, files={"file": ("a.pdf", PDF, "application/pdf")},
                           headers={"HX-Request": "true"})
    assert response.status_code == 403
    assert _rows(run) == [] and _files(uploads) == []


@pytest.fixture
def restricted_document(client, cases, uploads, run):
    """A document on the restricted case, uploaded by its investigator."""
    client.sign_in_as("investigator")
    assert _upload(client, cases["restricted"], "medical report.pdf", PDF, kind="evidence_complainant").status_code == 200
    [row] = _rows(run, cases["restricted"])
    return row


@pytest.mark.parametrize("username", ["ibrooks", "manager2", "compliance", "reports"])
def test_restricted_case_documents_are_404_without_need_to_know(anonymous, cases, restricted_document, run, username):
    case = cases["restricted"]
    anonymous.sign_in(username)
    assert anonymous.get(_url(case)).status_code == 404
    assert anonymous.get(_url(case), headers={"HX-Request": "true"}).status_code == 404
    assert anonymous.get(f"{_url(case)}/{restricted_document['id']}").status_code == 404
    if username == "ibrooks":  # an investigator may upload in general, but not to this case
        assert _upload(anonymous, case, "x.pdf", PDF).status_code == 404
    assert len(_rows(run)) == 1


@pytest.mark.parametrize("username", ["investigator", "manager", "admin"])
def test_restricted_case_downloads_are_audited(anonymous, cases, restricted_document, run, username):
    from workbench.tables import AuditEvent

    case = cases["restricted"]
    anonymous.sign_in(username)
    response = anonymous.get(f"{_url(case)}/{restricted_document['id']}")
    assert response.status_code == 200 and response.content == PDF
    [event] = run(AuditEvent.select().where(AuditEvent.action == "document.downloaded"))
    assert event["actor_name"] == username and event["record_id"] == case["reference"]
    assert "medical report.pdf" in event["summary"]


def test_document_of_another_case_is_404(client, cases, uploads, run):
    client.sign_in_as("investigator")
    _upload(client, cases["open"], "a.pdf", PDF)
    [row] = _rows(run)
    assert client.get(f"{_url(cases['open'])}/{row['id']}").status_code == 200
    assert client.get(f"{_url(cases['other'])}/{row['id']}").status_code == 404
    assert client.get(f"{_url(cases['open'])}/{row['id'] + 1000}").status_code == 404


def test_file_missing_from_the_store_is_404_not_500(client, cases, uploads, run):
    client.sign_in_as("investigator")
    _upload(client, cases["open"], "a.pdf", PDF)
    [row] = _rows(run)
    stored_path(uploads, row["stored_name"]).unlink()
    response = client.get(f"{_url(cases['open'])}/{row['id']}")
    assert response.status_code == 404
    assert "missing from the document store" in response.text


def test_panel_escapes_file_names(client, cases, uploads, run):
    client.sign_in_as("investigator")
    response = _upload(client, cases["open"], "Tom & Jerry's <img src=x onerror=alert(1)>.pdf", PDF)
    assert response.status_code == 200
    assert "<img src=x" not in response.text
    assert "Tom &amp; Jerry&#39;s _img src=x onerror=alert(1)_.pdf" in response.text
