"""Every document in the catalogue opens in LibreOffice: built from demo data, converted to PDF headless.

python-docx reads almost anything; Word and LibreOffice are stricter (a table without a grid, a bad
field, a duplicate id makes them "repair" the file or refuse it). So each kind that has landed is
built from a realistic caseload (``investigations.demo.load_demo``) and converted with
``soffice --headless --convert-to pdf``; the PDF must have at least one page (``pdfinfo``).

Skipped only when LibreOffice or poppler is absent, and then not in CI, where
WORKBENCH_REQUIRE_LIBREOFFICE=1 (set by .ci/run, which installs both) turns the skip into a failure.
Set WORKBENCH_KEEP_DOCUMENTS=DIR to keep each .docx, its PDF and a PNG of its first page to look at.
"""

from __future__ import annotations

import asyncio
import collections
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from investigations.access import Viewer
from tests.conftest import ENGINE
from workbench.reports import DocumentKind, catalogue
from workbench.roles import Role

ADMINISTRATOR = Viewer(user_id=0, role=Role.ADMINISTRATOR)
DEMO_CASES = 400
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFINFO = shutil.which("pdfinfo")
CONVERT_TIMEOUT = 180


def _tools_problem() -> str | None:
    if not SOFFICE:
        return "LibreOffice is not installed (apt-get install libreoffice-writer-nogui)"
    if not PDFINFO:
        return "pdfinfo is not installed (apt-get install poppler-utils)"
    return None


def _required() -> bool:
    return os.environ.get("WORKBENCH_REQUIRE_LIBREOFFICE", "").strip().lower() in {"1", "on", "true", "yes"}


def _variants() -> list[tuple[str, str]]:
    """(kind key, version) for every kind that has landed: each version of a kind that has versions."""
    variants = []
    for kind in catalogue():
        versions = [v for p in kind.parameters if p.kind == "version" for v, _ in p.choices]
        variants += [(kind.key, v) for v in versions] or [(kind.key, "")]
    return variants


@pytest.fixture(scope="module")
def tools():
    problem = _tools_problem()
    if problem:
        if _required():
            pytest.fail(f"WORKBENCH_REQUIRE_LIBREOFFICE=1 but {problem}")
        pytest.skip(problem)


@pytest.fixture(scope="module")
def demo(migrated_database, tmp_path_factory, tools):
    """One demo caseload for the module (its own SQLite copy), with a systemic issue and a cohort added."""
    if ENGINE == "postgres":
        pytest.skip("the documents are the same on either engine; converted in the SQLite suite")
    from investigations.demo import load_demo

    template = migrated_database.path
    migrated_database.path = str(tmp_path_factory.mktemp("documents") / "demo.sqlite3")
    shutil.copyfile(template, migrated_database.path)
    try:
        asyncio.run(load_demo(cases=DEMO_CASES, seed=3, quiet=True))
        values = asyncio.run(_parameter_values())
        yield values
    finally:
        migrated_database.path = template


async def _parameter_values() -> dict[str, str]:
    """A value for each kind of parameter, chosen from the demo data so every document has content."""
    from investigations.queries import get_case
    from investigations.tables import Case, CaseBody
    from remedies.compliance import financial_year_start
    from remedies.tables import Recommendation
    from systemic.cohorts import CohortFigures
    from systemic.issues import create_issue, open_cohort, record_cohort_update
    from workbench.tables import User

    decided = await Case.select(Case.id, Case.reference, Case.decided_on).where(
        (Case.decided_on.is_not_null()) & (Case.restricted == False)  # noqa: E712
        & (Case.outcome == "upheld_fault_injustice")).order_by(Case.id)
    links = await CaseBody.select(CaseBody.case, CaseBody.body)
    bodies_of = collections.defaultdict(list)
    for link in links:
        bodies_of[link["case"]].append(link["body"])
    with_recommendations = {r["case"] for r in await Recommendation.select(Recommendation.case)}
    case = next(c for c in decided if len(bodies_of[c["id"]]) == 1 and c["id"] in with_recommendations)
    busiest_year = collections.Counter(financial_year_start(c["decided_on"]) for c in decided).most_common(1)[0][0]
    busiest_body = collections.Counter(b for c in decided if financial_year_start(c["decided_on"]) == busiest_year
                                       for b in bodies_of[c["id"]]).most_common(1)[0][0]

    manager = await User.objects().where(User.username == "manager").first()
    viewer = Viewer(user_id=manager.id, role=Role.MANAGER)
    members = [await get_case(viewer, c["reference"]) for c in decided[:4]]
    issue = await create_issue("Disability-related expenditure ignored in care charges",
                               "Councils left disability-related expenditure out of financial assessments.",
                               manager, cases=members)
    cohort = await open_cohort(issue, bodies_of[decided[0]["id"]][0], manager)
    await record_cohort_update(cohort, CohortFigures(identified=40, contacted=30, reviewed=20, remedied=12),
                               decided[0]["decided_on"], manager)
    return {"case": case["reference"], "body": str(busiest_body), "year": str(busiest_year),
            "service_area": "Adult social care", "issue": str(issue)}


def parameters_for(kind: DocumentKind, values: dict[str, str], version: str) -> dict[str, str]:
    params = {}
    for parameter in kind.parameters:
        if parameter.kind == "version":
            params[parameter.name] = version
        elif parameter.kind == "body" and not parameter.required:
            continue  # optional: "every body", or the case's only body
        elif parameter.kind in values:
            value = values[parameter.kind]
            if parameter.choices and value not in {v for v, _ in parameter.choices}:
                value = parameter.choices[0][0]
            params[parameter.name] = value
        elif parameter.required:
            pytest.fail(f"{kind.key}: no demo value for the required {parameter.kind} parameter {parameter.name!r}")
    return params


def convert_to_pdf(docx: Path, outdir: Path, profile: Path) -> Path:
    """LibreOffice headless, with a profile of its own (a second soffice on the machine would share it)."""
    completed = subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--nolockcheck",
         "--convert-to", "pdf", "--outdir", str(outdir), str(docx)],
        capture_output=True, text=True, timeout=CONVERT_TIMEOUT,
    )
    pdf = outdir / (docx.stem + ".pdf")
    assert completed.returncode == 0 and pdf.exists(), (
        f"LibreOffice could not convert {docx.name}:\n{completed.stdout}\n{completed.stderr}")
    return pdf


def page_count(pdf: Path) -> int:
    info = subprocess.run([PDFINFO, str(pdf)], capture_output=True, text=True, timeout=60)
    assert info.returncode == 0, f"pdfinfo cannot read {pdf.name}: {info.stderr}"
    match = re.search(r"^Pages:\s+(\d+)", info.stdout, re.MULTILINE)
    assert match, info.stdout
    return int(match.group(1))


@pytest.mark.parametrize("key, version", _variants())
def test_document_opens_in_libreoffice(demo, key, version, tmp_path):
    kind = next(k for k in catalogue() if k.key == key)
    params = parameters_for(kind, demo, version)
    data = asyncio.run(kind.gather(params, ADMINISTRATOR))
    preview = kind.preview(data)
    assert preview.can_build, f"{key} {params}: {[p.message for p in preview.problems]}"
    content = kind.build(data)
    assert content[:2] == b"PK", "a .docx is a zip file"

    docx = tmp_path / f"{key}{'-' + version if version else ''}.docx"
    docx.write_bytes(content)
    pdf = convert_to_pdf(docx, tmp_path, tmp_path / "libreoffice-profile")
    assert page_count(pdf) >= 1

    keep = os.environ.get("WORKBENCH_KEEP_DOCUMENTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(docx, keep)
        shutil.copy(pdf, keep)
        if shutil.which("pdftoppm"):
            subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(Path(keep) / pdf.stem)],
                           check=True, timeout=60)

