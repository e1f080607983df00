"""Decision statements: the LGSCO's sections as real headings, the agreed action with due dates, and a
publication version from which nothing identifying survives, anywhere in the file.

Every check opens the produced .docx with python-docx or reads its XML parts straight from the zip
(headers, footers and document properties included), never the builder's own objects. The case is
made through the real services on the real database (both engines), with its free text written to
be hard to anonymise.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from datetime import date, datetime, timezone
from decimal import Decimal

import docx
import pytest
from lxml import etree

from investigations.access import Viewer
from investigations.statement import SECTIONS, DecisionStatement
from investigations.tables import Body, Case, CaseBody, Enquiry, Finding, Person
from tests.remedies import factories
from workbench.reports import ParameterError
from workbench.roles import Role
from workbench.tables import AuditEvent
from workbench.word import DOCX_CONTENT_TYPE, NUMBERED_STYLE
from workbench.workdays import format_date_long

DECIDED_ON = date(2026, 1, 5)
SUMMARY = (
    "Mrs Lovelace complained that Hampshire County Council ignored Tom's disability-related expenditure when "
    "it charged for his care. LOVELACE says the Council's letter to “Ada” was wrong.\n\n"
    "Ms Brown, her friend, brought the papers in a brown envelope. Love-\nlace's neighbour saw Tom Lovelace-Byron "
    "at 12 Acacia Avenue, Winchester SO23 8UG. Byron's school nurse, Dr Priya Shah, wrote to "
    "ada.lovelace@example.org and phoned 01962 846 000. Ada's date of birth is 12 March 1950."
)
FINDING = ("The Council did not ask Mrs Lovelace about Tom's costs. Grace Brown's letter of 3 March 2025 quoted our "
           "reference {reference}. BROWN was right: 'Lovelace' appears on every page.")


async def viewer(username: str) -> Viewer:
    user = await factories.user(username)
    return Viewer(user_id=user.id, role=Role(user.role))


async def hostile_case(restricted: bool = False) -> dict:
    """A decided case whose people and free text put names and identifiers everywhere they can go."""
    case = await factories.decided_case(decided_on=DECIDED_ON, restricted=restricted)
    complainant = (await Case.select(Case.complainant).where(Case.id == case["id"]).first())["complainant"]
    await Person.update({Person.address: "12 Acacia Avenue\nWinchester", Person.date_of_birth: date(1950, 3, 12),
                         Person.email: "ada.lovelace@example.org", Person.phone: "01962 846000"}).where(
        Person.id == complainant)
    tom = Person(given_name="Tom", family_name="Lovelace-Byron", date_of_birth=date(2014, 6, 1))
    grace = Person(title="Ms", given_name="Grace", family_name="Brown", email="grace@brown.example", phone="07700 900123")
    await tom.save()
    await grace.save()
    await Case.update({
        Case.summary: SUMMARY, Case.outcome_wanted: "An apology to Mrs Lovelace and a refund for Tom.",
        Case.person_affected: tom.id, Case.representative: grace.id, Case.draft_issued_on: date(2025, 12, 1),
    }).where(Case.id == case["id"])
    await Finding.update({Finding.description: FINDING.format(reference=case["reference"]),
                          Finding.standards: ["3.5", "1.1"]}).where(Finding.id == case["finding_id"])
    now = datetime.now(timezone.utc)
    await Enquiry(case=case["id"], body=case["body_id"], description="Tom Lovelace-Byron's financial assessment",
                  sent_on=date(2025, 10, 1), due_on=date(2025, 10, 29), original_due_on=date(2025, 10, 29),
                  responded_on=date(2025, 10, 20), response_summary="Sent; Mrs LOVELACE's file is attached.",
                  created_at=now).save()
    case["recommendations"] = {
        "apology": await factories.recommendation(
            case, "apology", description="Apologise in writing to Mrs Lovelace and Tom for the charging errors."),
        "refund": await factories.recommendation(
            case, "refund_or_waiver", amount=Decimal("1240.00"),
            description="Refund £1,240 to Ada Lovelace for Tom's overcharged care.", beneficiary="Mrs Ada Lovelace"),
        "training": await factories.recommendation(
            case, "staff_training", period=3, description="Remind the Winchester team, who ignored Ms Brown, about DRE.",
            public_summary="Remind financial assessment staff to consider disability-related expenditure."),
        "procedure": await factories.recommendation(
            case, "procedure_or_policy_change", period=3,
            description="Review the charging procedure so Ada Lovelace's case is not repeated."),
    }
    return case


SECRET_WORDS = ("lovelace", "ada", "tom", "byron", "grace", "priya", "shah", "acacia", "winchester",
                "example", "1950", "846", "846000", "900123")


def xml_texts(content: bytes) -> dict[str, str]:
    """Every piece of text in every XML part of the .docx: element text, tails and attribute values."""
    parts = {}
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            if not name.endswith((".xml", ".rels")):
                continue
            root = etree.fromstring(archive.read(name))
            pieces = []
            for element in root.iter():
                pieces += [element.text or "", element.tail or "", *element.attrib.values()]
            parts[name] = "\n".join(p for p in pieces if p and p.strip())
    return parts


def run_texts(content: bytes) -> str:
    """All w:t text of the document run together, so a name split across runs would still show."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "".join(t.text or "" for name in archive.namelist() if name.startswith("word/") and name.endswith(".xml")
                       for t in etree.fromstring(archive.read(name)).iter(
                           "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}t"))


def leaks(content: bytes, reference: str) -> list[str]:
    found = []
    for part, text in xml_texts(content).items():
        words = set(re.findall(r"[^\W_]+", text.casefold()))
        found += [f"{part}: {w}" for w in SECRET_WORDS if w in words]
        found += [f"{part}: {s}" for s in ("Brown", "BROWN") if re.search(rf"\b{s}\b", text)]
        compact = re.sub(r"\s+", "", text).casefold()
        found += [f"{part}: {s}" for s in ("so238ug", "12/03", "1962846000", "7700900123") if s in compact]
        digits = re.sub(r"\D", "", text)
        found += [f"{part}: {s}" for s in (re.sub(r"\D", "", reference), "1962846000") if s in digits]
    joined = run_texts(content).casefold()
    found += [f"runs: {w}" for w in ("lovelace", "acacia", "so238ug", "so23 8ug") if w in joined]
    return found


def paragraphs(content: bytes) -> list[tuple[str, str]]:
    return [(p.style.name, p.text) for p in docx.Document(io.BytesIO(content)).paragraphs if p.text.strip()]


def section(content: bytes, heading: str) -> list[tuple[str, str]]:
    """The paragraphs under one Heading 1, up to the next."""
    out, inside = [], False
    for style, text in paragraphs(content):
        if style == "Heading 1":
            inside = text == heading
            continue
        if inside:
            out.append((style, text))
    return out


async def built(case: dict, version: str, username: str = "reports", **params):
    kind = DecisionStatement()
    data = await kind.gather({"reference": case["reference"], "version": version, **params}, await viewer(username))
    return kind, data, kind.build(data)


# ---------------------------------------------------------------------------------------------
# Structure


@pytest.mark.parametrize("version", ["public", "parties"])
async def test_sections_in_the_lgsco_order_as_headings_over_numbered_paragraphs(db, version):
    case = await hostile_case()
    _, _, content = await built(case, version)
    opened = docx.Document(io.BytesIO(content))
    listed = [(p.style.name, p.text) for p in opened.paragraphs if p.text.strip()]
    assert listed[0] == ("Title", "The Ombudsman's final decision")
    assert [text for style, text in listed if style == "Heading 1"] == list(SECTIONS)
    for heading in SECTIONS:
        under = section(content, heading)
        assert under and under[0][0] in (NUMBERED_STYLE, "Heading 2"), heading
        assert any(style == NUMBERED_STYLE for style, _ in under), heading
    # Real numbering: the style carries a numbering definition, so Word and screen readers see a list.
    numbered = opened.styles[NUMBERED_STYLE]
    assert numbered.element.pPr.find(docx.oxml.ns.qn("w:numPr")) is not None
    assert sum(style == NUMBERED_STYLE for style, _ in listed) >= 20
    assert listed[-1] == ("Normal", "Investigator's decision on behalf of the Ombudsman")
    assert opened.sections[0].footer.paragraphs[-1].text.startswith("Page ")


async def test_agreed_action_lists_each_recommendation_with_its_due_date_in_words(db):
    case = await hostile_case()
    _, data, content = await built(case, "parties")
    action = [text for style, text in section(content, "Agreed action") if style == NUMBERED_STYLE]
    assert action[0] == "Hampshire County Council has agreed to take the following action."
    assert action[-1] == "Hampshire County Council should provide us with evidence it has complied with the above actions."
    one_month, three_months = format_date_long(date(2026, 2, 5)), format_date_long(date(2026, 4, 7))
    assert action[1:-1] == [
        f"Apologise in writing to Mrs Lovelace and Tom for the charging errors. To be done by {one_month} "
        "(one month after the final decision).",
        f"Refund £1,240 to Ada Lovelace for Tom's overcharged care. To be done by {one_month} "
        "(one month after the final decision).",
        f"Remind the Winchester team, who ignored Ms Brown, about DRE. To be done by {three_months} "
        "(three months after the final decision).",
        f"Review the charging procedure so Ada Lovelace's case is not repeated. To be done by {three_months} "
        "(three months after the final decision).",
    ]
    assert [r.original_due_on for r in data.recommendations] == [date(2026, 2, 5)] * 2 + [date(2026, 4, 7)] * 2


# ---------------------------------------------------------------------------------------------
# The two versions


async def test_the_publication_version_leaks_nothing_anywhere_in_the_file(db):
    case = await hostile_case()
    _, _, content = await built(case, "public", other_names="Dr Priya Shah")
    assert leaks(content, case["reference"]) == []
    listed = paragraphs(content)
    text = "\n".join(t for _, t in listed)
    # The rule for a surname that is a common word: the colour stays, the person goes.
    assert "in a brown envelope" in text
    assert "Ms Y, her friend, brought the papers in a brown envelope." in text
    # The same letters throughout, in paragraphs and in the table's cells.
    assert "Mrs X complains about the Council. The complaint concerns C. Ms Y represents Mrs X." in text
    cells = {row.cells[0].text: row.cells[1].text for row in docx.Document(io.BytesIO(content)).tables[0].rows}
    assert cells == {"Body": "Hampshire County Council", "Complainant": "Mrs X", "Person affected": "C",
                     "Representative": "Ms Y", "Category": "Adult care services > Charging",
                     "Decision": "Upheld: fault causing injustice", "Decision date": "5 January 2026"}
    assert "Reference" not in cells
    assert "C's school nurse, Dr Z, wrote to [email removed] and phoned [phone number removed]." in text
    assert "[date of birth removed]" in text and "[address removed]" in text
    # The body is named only where the Ombudsman names it: the page header and the Body cell.
    opened = docx.Document(io.BytesIO(content))
    assert opened.sections[0].header.paragraphs[0].text == "Hampshire County Council"
    assert "Hampshire County Council" not in text
    assert opened.core_properties.title == "Decision statement"


async def test_the_publication_version_uses_public_summaries_and_anonymised_descriptions(db):
    case = await hostile_case()
    _, _, content = await built(case, "public")
    action = [text for style, text in section(content, "Agreed action") if style == NUMBERED_STYLE]
    assert action[1].startswith("Apologise in writing to Mrs X and C for the charging errors.")
    assert action[2].startswith("Refund £1,240 to Mrs X for C's overcharged care.")
    # A service improvement with a public summary: the summary, not the private description.
    assert action[3].startswith("Remind financial assessment staff to consider disability-related expenditure.")
    # One without: its description, anonymised (and the preview says so).
    assert action[4].startswith("Review the charging procedure so Mrs X's case is not repeated.")
    assert "Evidence expected" not in " ".join(action)


async def test_the_parties_version_keeps_names_and_the_reference(db):
    case = await hostile_case()
    _, data, content = await built(case, "parties")
    text = "\n".join(t for _, t in paragraphs(content))
    assert "Mrs Ada Lovelace complains about Hampshire County Council. The complaint concerns Tom Lovelace-Byron. " \
           "Ms Grace Brown represents Mrs Lovelace." in text
    assert "LOVELACE says" in text and "12 Acacia Avenue, Winchester SO23 8UG" in text
    opened = docx.Document(io.BytesIO(content))
    cells = {row.cells[0].text: row.cells[1].text for row in opened.tables[0].rows}
    assert cells["Reference"] == case["reference"] and cells["Complainant"] == "Mrs Ada Lovelace"
    assert opened.sections[0].header.paragraphs[0].text == f"Hampshire County Council ({case['reference']})"
    assert data.investigator and paragraphs(content)[-2][1] == data.investigator  # signed by name


async def test_both_versions_are_deterministic(db):
    case = await hostile_case()
    kind, data, first = await built(case, "public")
    assert kind.build(data) == first


# ---------------------------------------------------------------------------------------------
# Preview


async def test_preview_gives_the_figures_and_what_the_anonymiser_replaced(db):
    case = await hostile_case()
    kind, data, _ = await built(case, "public")
    preview = kind.preview(data)
    assert dict(preview.summary)["Outcome"] == "Upheld: fault causing injustice"
    assert dict(preview.summary)["Findings"] == "Fault causing injustice"
    assert dict(preview.summary)["Recommendations"] == "4"
    messages = [p.message for p in preview.problems]
    assert any("Recommendation 4 (Procedure or policy change) has no public summary" in m and "service improvement" in m
               for m in messages)
    assert not any("Recommendation 3" in m for m in messages)  # it has one
    assert any(m.startswith("Kept “brown”") for m in messages)
    assert preview.can_build
    tables = {caption: rows for caption, _, rows in preview.tables}
    replaced = {(row[0], row[1]) for row in tables["What the anonymisation replaced"]}
    assert {("Mrs Lovelace", "Mrs X"), ("LOVELACE", "Mrs X"), ("Ms Brown", "Ms Y"),
            ("12 Acacia Avenue, Winchester SO23 8UG", "[address removed]"),
            ("ada.lovelace@example.org", "[email removed]"), (case["reference"], "[reference removed]")} <= replaced
    assert ["Mrs Ada Lovelace (complainant)", "Mrs X"] in tables["People and their letters"]
    # The agreed action as it will be published, with each one's status today.
    assert tables["Agreed action"][0][0] == "Apologise in writing to Mrs X and C for the charging errors."
    assert preview.filename == "decision-statement-hampshire-county-council-2026-01-05-public.docx"


async def test_preview_problems_for_a_case_without_finding_decision_date_or_summary(db):
    case = await factories.decided_case()
    await Case.update({Case.decided_on: None, Case.summary: "", Case.stage: "draft_decision", Case.outcome: ""}).where(
        Case.id == case["id"])
    await Finding.delete().where(Finding.case == case["id"])
    kind = DecisionStatement()
    data = await kind.gather({"reference": case["reference"], "version": "parties"}, await viewer("reports"))
    messages = " ".join(p.message for p in kind.preview(data).problems)
    assert "No finding" in messages and "no decision date" in messages and "no summary" in messages
    content = kind.build(data)  # still builds, headed as a draft, saying what is missing
    listed = paragraphs(content)
    assert listed[0] == ("Title", "The Ombudsman's draft decision")
    assert [t for s, t in listed if s == "Heading 1"] == list(SECTIONS)
    assert any("No finding about Hampshire County Council has been recorded" in t for _, t in listed)


# ---------------------------------------------------------------------------------------------
# Parameters and need-to-know


async def test_gather_refuses_what_the_viewer_may_not_see_or_cannot_use(db):
    kind = DecisionStatement()
    restricted = await factories.decided_case(restricted=True)
    with pytest.raises(ParameterError) as refused:
        await kind.gather({"reference": restricted["reference"], "version": "public"}, await viewer("reports"))
    assert refused.value.field == "reference" and "no case" in refused.value.message
    assert (await kind.gather({"reference": restricted["reference"], "version": "public"}, await viewer("investigator"))
            ).body.name == "Hampshire County Council"
    with pytest.raises(ParameterError) as refused:
        await kind.gather({"reference": "99 999 999", "version": "public"}, await viewer("admin"))
    assert refused.value.field == "reference"
    with pytest.raises(ParameterError) as refused:
        await kind.gather({"reference": restricted["reference"], "version": "draft"}, await viewer("admin"))
    assert refused.value.field == "version"


async def test_a_joint_case_needs_its_body_and_takes_it_by_suffix_name_or_id(db):
    case = await factories.decided_case()
    kent = await Body.select(Body.id).where(Body.name == "Kent County Council").first()
    await CaseBody.update({CaseBody.suffix: "a"}).where(CaseBody.case == case["id"])
    await CaseBody(case=case["id"], body=kent["id"], suffix="b").save()
    kind, reports = DecisionStatement(), await viewer("reports")
    with pytest.raises(ParameterError) as refused:
        await kind.gather({"reference": case["reference"], "version": "parties"}, reports)
    assert refused.value.field == "body" and "Kent County Council" in refused.value.message
    for params in ({"reference": case["reference"] + "b"}, {"reference": case["reference"], "body": "Kent County Council"},
                   {"reference": case["reference"], "body": str(kent["id"])}):
        data = await kind.gather({**params, "version": "public"}, reports)
        assert data.body.name == "Kent County Council" and data.reference == case["reference"] + "b"
        assert data.finding is None and data.recommendations == ()  # the finding was about Hampshire
        assert [b.name for b in data.other_bodies] == ["Hampshire County Council"]
    with pytest.raises(ParameterError):
        await kind.gather({"reference": case["reference"], "version": "public", "body": "Essex County Council"}, reports)
    content = kind.build(await kind.gather({"reference": case["reference"] + "a", "version": "public"}, reports))
    text = "\n".join(t for _, t in paragraphs(content))
    # Two county councils: told apart, the statement's own body first.
    assert "We found fault by the County Council, which caused" in text
    assert "The complaint also concerns the second County Council." in text
    assert "Kent" not in text


# ---------------------------------------------------------------------------------------------
# The API


def test_api_returns_the_statement_with_its_name_and_type(client, run, db):
    case = run(hostile_case())
    client.sign_in_as("report_writer")
    url = f"/api/cases/{case['reference'].replace(' ', '-')}/statement.docx"
    response = client.get(url, params={"version": "public", "other_names": "Dr Priya Shah; Someone Else"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == DOCX_CONTENT_TYPE
    assert response.headers["content-disposition"].startswith(
        'attachment; filename="decision-statement-hampshire-county-council-2026-01-05-public.docx"')
    assert leaks(response.content, case["reference"]) == []
    assert [t for s, t in paragraphs(response.content) if s == "Heading 1"] == list(SECTIONS)
    parties = client.get(url, params={"version": "parties"})
    assert parties.status_code == 200
    assert f'filename="decision-statement-{case["reference"].replace(" ", "-")}.docx"' in parties.headers["content-disposition"]
    assert "Mrs Ada Lovelace" in "\n".join(t for _, t in paragraphs(parties.content))
    events = run(AuditEvent.select(AuditEvent.action, AuditEvent.record_id).where(AuditEvent.action == "statement.downloaded"))
    assert len(events) == 2 and {e["record_id"] for e in events} == {case["reference"]}


def test_api_refuses_a_bad_version_and_an_unknown_or_unseen_case(client, run, db):
    case = run(factories.decided_case())
    restricted = run(factories.decided_case(restricted=True))
    client.sign_in_as("report_writer")
    url = "/api/cases/{}/statement.docx"
    bad = client.get(url.format(case["reference"]), params={"version": "draft"})
    assert bad.status_code == 400 and "public" in bad.json()["detail"]
    assert client.get(url.format(case["reference"])).status_code == 400  # the version is required
    assert client.get(url.format("99-999-999"), params={"version": "public"}).status_code == 404
    unseen = client.get(url.format(restricted["reference"]), params={"version": "parties"})
    assert unseen.status_code == 404  # the same answer as a case that does not exist
    client.sign_in_as("administrator")
    assert client.get(url.format(restricted["reference"]), params={"version": "parties"}).status_code == 200


def test_api_needs_a_body_on_a_joint_case(client, run, db):
    case = run(factories.decided_case())
    kent = run(Body.select(Body.id).where(Body.name == "Kent County Council").first())
    run(CaseBody(case=case["id"], body=kent["id"], suffix="b").save())
    client.sign_in_as("investigator")
    url = f"/api/cases/{case['reference']}/statement.docx"
    assert client.get(url, params={"version": "public"}).status_code == 400
    assert client.get(url, params={"version": "public", "body": "Kent County Council"}).status_code == 200


# ---------------------------------------------------------------------------------------------
# LibreOffice opens both versions


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_both_versions_convert_to_pdf_with_libreoffice(run, db, tmp_path):
    case = run(hostile_case())
    files = []
    for version in ("public", "parties"):
        _, _, content = run(built(case, version))
        path = tmp_path / f"{version}.docx"
        path.write_bytes(content)
        files.append(str(path))
    profile = tmp_path / "libreoffice-profile"  # its own profile: never collides with another soffice
    result = subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), *files],
        capture_output=True, text=True, timeout=240,
    )
    assert result.returncode == 0, result.stderr
    for version in ("public", "parties"):
        pdf = (tmp_path / f"{version}.pdf").read_bytes()
        assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 2
