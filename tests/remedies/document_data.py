"""Cases, findings, contacts and recommendations made straight in the database for the document tests,
and readers that open a generated .docx with python-docx (as Word reads the XML).

Cases are made with exactly the dates, outcomes, bodies and flags a test names, so each test can
count what a document should say straight from the database and compare.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import shutil
import subprocess
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import docx
import pytest

from investigations.tables import Body, BodyContact, Case, CaseBody, Finding, Person, Subcategory
from tests.remedies.factories import user
from workbench.db import fetch_all, placeholder

_numbers = itertools.count(1)
STAGE_OF = {"": "investigation", "premature": "premature", "not_for_us": "not_for_us",
            "closed_after_initial_enquiries": "closed_after_initial_enquiries"}


async def body(name: str) -> dict[str, Any]:
    return await Body.select(Body.id, Body.name, Body.body_type).where(Body.name == name).first()


async def first_body_of_type(body_type: str, skip: int = 0) -> dict[str, Any]:
    rows = await Body.select(Body.id, Body.name, Body.body_type).where(Body.body_type == body_type).order_by(Body.id)
    return rows[skip]


async def make_case(*, bodies: list[str] | tuple[str, ...] = ("Hampshire County Council",), received_on: date,
                    decided_on: date | None = None, outcome: str = "", subcategory: str = "adult-care-services/charging",
                    care_funding: str = "", restricted: bool = False, investigator: str = "investigator",
                    standards: tuple[str, ...] = (), summary: str = "The council did not consider the complaint.",
                    person: dict[str, str] | None = None) -> dict[str, Any]:
    """A case with a finding per body (fault when the outcome is upheld; the standards on the first body)."""
    sub = await Subcategory.select(Subcategory.id, Subcategory.category).where(Subcategory.slug == subcategory).first()
    assert sub is not None, subcategory
    person_row = Person(**(person or {"title": "Mrs", "given_name": "Ada", "family_name": "Lovelace"}))
    await person_row.save()
    now = datetime.now(timezone.utc)
    number = next(_numbers)
    stage = "final_decision" if outcome in {"upheld_fault_injustice", "upheld_fault_no_injustice", "not_upheld",
                                            "remedied_by_body"} else STAGE_OF.get(outcome, "closed")
    inv = await user(investigator)
    case = Case(
        reference=f"24 8{number // 1000:02d} {number % 1000:03d}", received_on=received_on, decided_on=decided_on,
        category=sub["category"], subcategory=sub["id"], stage=stage, outcome=outcome, investigator=inv.id,
        restricted=restricted, care_funding=care_funding, complainant=person_row.id, summary=summary,
        stage_entered_on=decided_on or received_on, created_at=now, updated_at=now,
    )
    await case.save()
    body_ids, finding_id = [], None
    upheld = outcome in {"upheld_fault_injustice", "upheld_fault_no_injustice", "remedied_by_body"}
    for position, name in enumerate(bodies):
        bid = (await body(name))["id"]
        body_ids.append(bid)
        await CaseBody(case=case.id, body=bid, suffix="abcdef"[position] if len(bodies) > 1 else "").save()
        if outcome and outcome in {"upheld_fault_injustice", "upheld_fault_no_injustice", "not_upheld", "remedied_by_body"}:
            finding = Finding(case=case.id, body=bid, fault=upheld, injustice=outcome == "upheld_fault_injustice",
                              description="Finding", standards=json.dumps(list(standards) if position == 0 else []),
                              updated_at=now)
            await finding.save()
            finding_id = finding_id or finding.id
    return {"id": case.id, "reference": case.reference, "stage": stage, "decided_on": decided_on or received_on,
            "body_id": body_ids[0], "finding_id": finding_id}


async def add_contact(body_name: str, role: str, name: str, job_title: str = "", active: bool = True) -> int:
    contact = BodyContact(body=(await body(body_name))["id"], role=role, name=name, job_title=job_title,
                          email=f"{name.split()[0].lower()}@example.gov.uk", active=active)
    await contact.save()
    return contact.id


async def fetch(sql: str, *args: Any) -> list[dict[str, Any]]:
    """Rows from a raw query written with {} for each argument (placeholders filled per engine)."""
    for i in range(len(args)):
        sql = sql.replace("{}", placeholder(i + 1), 1)
    return await fetch_all(sql, args)


async def scalar(sql: str, *args: Any) -> Any:
    """One value from a raw query written with {} for each argument."""
    rows = await fetch(sql, *args)
    return next(iter(rows[0].values()))


# ---------------------------------------------------------------------------------------------
# Reading a .docx


def open_docx(content: bytes):
    return docx.Document(io.BytesIO(content))


def headings(document) -> list[tuple[int, str]]:
    return [(int(p.style.name.split()[-1]), p.text) for p in document.paragraphs if p.style.name.startswith("Heading")]


def table_rows(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def table_after(document, heading: str, nth: int = 0):
    """The first (or ``nth``) table after the heading with this text, before the next heading."""
    found = False
    skip = nth
    for element in document.element.body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = "".join(t.text or "" for t in element.iter() if t.tag.endswith("}t"))
            style = element.find(".//{*}pStyle")
            if style is not None and style.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}val", "").startswith("Heading"):
                if found:
                    return None  # the next heading came first: no table under this one
                found = text == heading
        elif tag == "tbl" and found:
            if skip:
                skip -= 1
                continue
            from docx.table import Table

            return Table(element, document)
    return None


def all_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def key_values(document) -> dict[str, str]:
    """Every two-column row of every table, label -> value."""
    out: dict[str, str] = {}
    for table in document.tables:
        for row in table.rows:
            cells = row.cells
            if len(cells) == 2:
                out.setdefault(cells[0].text, cells[1].text)
    return out


# ---------------------------------------------------------------------------------------------
# LibreOffice


def to_pdf(content: bytes, directory: Path, name: str = "document") -> Path:
    """Convert with LibreOffice headless. Skips the test only when soffice is not installed, and not even
    then in CI, where WORKBENCH_REQUIRE_LIBREOFFICE=1 (set by .ci/run, which installs it) makes it fail."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        if os.environ.get("WORKBENCH_REQUIRE_LIBREOFFICE", "").strip().lower() in {"1", "on", "true", "yes"}:
            pytest.fail("WORKBENCH_REQUIRE_LIBREOFFICE=1 but LibreOffice (soffice) is not installed")
        pytest.skip("LibreOffice (soffice) is not installed")
    source = directory / f"{name}.docx"
    source.write_bytes(content)
    profile = directory / "lo-profile"
    result = subprocess.run(
        [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf", "--outdir",
         str(directory), str(source)],
        capture_output=True, text=True, timeout=180,
    )
    pdf = directory / f"{name}.pdf"
    assert result.returncode == 0 and pdf.exists(), result.stdout + result.stderr
    assert pdf.read_bytes().startswith(b"%PDF")
    return pdf


def pdf_pages(pdf: Path) -> int:
    pdfinfo = shutil.which("pdfinfo")
    if pdfinfo is None:
        return -1
    out = subprocess.run([pdfinfo, str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in out.splitlines() if line.startswith("Pages:")))


def render_first_page(pdf: Path, png_prefix: Path) -> Path | None:
    """Page 1 as PNG with poppler (for looking at by eye); None when pdftoppm is missing."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        return None
    subprocess.run([pdftoppm, "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(png_prefix)], check=True)
    pages = sorted(png_prefix.parent.glob(png_prefix.name + "*.png"))
    if pages and os.environ.get("WORKBENCH_DOCUMENT_PREVIEWS"):  # somewhere to look at them
        shutil.copy(pages[0], Path(os.environ["WORKBENCH_DOCUMENT_PREVIEWS"]) / f"{png_prefix.name}-page1.png")
    return pages[0] if pages else None


async def made(case: dict, original_due_on: date, *, due_on: date | None = None, outcome: str = "",
               outcome_on: date | None = None, escalated_on: date | None = None, remedy_type: str = "apology",
               public_summary: str = "", amount=None, others_affected: int = 0,
               description: str = "Apologise to Mrs X", assigned_to: str | None = None) -> int:
    """A recommendation made through the service, then moved to the dates and state the test needs."""
    from remedies.tables import Recommendation
    from tests.remedies import factories

    rid = await factories.recommendation(case, remedy_type=remedy_type, amount=amount, description=description,
                                         public_summary=public_summary)
    officer = (await user(assigned_to)).id if assigned_to else None
    await Recommendation.update({
        Recommendation.original_due_on: original_due_on, Recommendation.due_on: due_on or original_due_on,
        Recommendation.outcome: outcome, Recommendation.outcome_on: outcome_on,
        Recommendation.escalated_on: escalated_on, Recommendation.others_affected: others_affected,
        Recommendation.assigned_to: officer,
    }).where(Recommendation.id == rid)
    return rid
