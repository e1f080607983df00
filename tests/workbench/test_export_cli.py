"""``workbench export``: the Reports area's documents from the command line, run in-process.

Uses the test document kinds of test_reports_area (registered as the whole catalogue), so it checks
the command whatever kinds exist; tests/workbench/test_documents_open.py exports the real ones.
"""

from __future__ import annotations


import pytest
from docx import Document

from tests.workbench.test_reports_area import caseload, kinds  # noqa: F401  (fixtures)
from workbench.audit import AuditEvent
from workbench.cli import main


def export(*args: str) -> None:
    main(["export", *args])


def refused(*args: str) -> str:
    with pytest.raises(SystemExit) as stopped:
        export(*args)
    assert isinstance(stopped.value.code, str), "a refusal exits 1 with a message"
    return stopped.value.code


def test_export_with_no_document_lists_them_and_their_options(kinds, capsys):
    export()
    out = capsys.readouterr().out
    assert "test-body-letter" in out and "--body NAME_OR_ID --year 2025|2025-26 [--version public|parties]" in out
    assert "test-case-note" in out and "--case REF" in out


def test_a_documents_help_lists_its_options(kinds, capsys):
    with pytest.raises(SystemExit) as stopped:
        export("test-body-letter", "--help")
    assert stopped.value.code == 0
    out = capsys.readouterr().out
    assert "--body NAME_OR_ID" in out and "--version public|parties" in out and "-o FILE.docx" in out


def test_export_writes_the_document_reports_warnings_and_audits(kinds, caseload, tmp_path, capsys, run):
    target = tmp_path / "letter.docx"
    export("test-body-letter", "--body", caseload["other_body"]["name"], "--year", "2024-25", "--version", "PUBLIC",
           "-o", str(target))
    captured = capsys.readouterr()
    assert captured.out.strip() == f"Wrote {target}: {caseload['other_body']['name']}: 2024-25"
    assert "warning: Only 1 decisions: too few for the rates to be meaningful" in captured.err
    document = Document(str(target))
    assert f"Letter to {caseload['other_body']['name']}" in document.paragraphs[0].text
    event = run(AuditEvent.select().where(AuditEvent.action == "document.generated").first())
    assert event["actor_name"] == "system" and event["record_id"] == "test-body-letter"
    assert event["changes"] and "public" in str(event["changes"])


def test_the_command_line_sees_every_case_as_an_administrator(kinds, caseload, tmp_path):
    restricted = caseload["cases"][0]["reference"]  # restricted, another investigator's
    export("test-case-note", "--case", restricted, "-o", str(tmp_path / "note.docx"))
    assert restricted in Document(str(tmp_path / "note.docx")).paragraphs[0].text
    # the body letter counts restricted cases out on its own, as it does in the browser
    export("test-body-letter", "--body", str(caseload["body"]["id"]), "--year", "2024", "-o", str(tmp_path / "l.docx"))
    assert "4 decisions in 2024-25" in "\n".join(p.text for p in Document(str(tmp_path / "l.docx")).paragraphs)


def test_an_error_problem_exits_1_and_writes_nothing(kinds, caseload, tmp_path, capsys):
    target = tmp_path / "letter.docx"
    message = refused("test-body-letter", "--body", str(caseload["body"]["id"]), "--year", "2019", "-o", str(target))
    assert message == "workbench: the test body letter cannot be generated until the errors above are put right"
    assert "error: Hampshire County Council had no decisions in 2019-20" in capsys.readouterr().err
    assert not target.exists()


@pytest.mark.parametrize("args, message", [
    (["--year", "2024"], "workbench: --body: Choose a body"),
    (["--body", "Nowhere Council", "--year", "2024"], "workbench: --body: There is no body named 'Nowhere Council'"),
    (["--body", "1", "--year", "2024-26"], "workbench: --year: '2024-26' is not a financial year"),
    (["--body", "1", "--year", "2024", "--version", "draft"], "workbench: --version: Version must be one of: public"),
])
def test_a_bad_parameter_exits_1_with_the_reason(kinds, caseload, tmp_path, args, message):
    target = tmp_path / "letter.docx"
    assert refused("test-body-letter", *args, "-o", str(target)).startswith(message)
    assert not target.exists()


def test_unknown_document_and_unwritable_output_are_refused(kinds, caseload, tmp_path):
    assert refused("no-such-document", "-o", str(tmp_path / "x.docx")).startswith(
        "workbench: No document called 'no-such-document'; choose one of: test-body-letter, test-case-note")
    assert refused("test-case-note", "--case", caseload["other"]["reference"], "-o", str(tmp_path / "missing" / "x.docx")) \
        == f"workbench: cannot write {tmp_path / 'missing' / 'x.docx'}: there is no directory {tmp_path / 'missing'}"
