"""The systemic issue report: the fault, the cases (anonymised), the bodies, the others affected at each
body with every report the body made, and the status of the recommendations the cohorts follow.

It reads the issue exactly as its page does (``systemic.issue_queries.issue_file``), so the report and
the screen agree on which cases, bodies and numbers there are; each case's summary is anonymised by
``investigations.case_summaries`` (the publication anonymiser when installed).

Need-to-know, as on the issue page: a restricted case linked to the issue is shown, and counted,
only for those who may open it; the cohorts describe bodies, not complainants, so their figures are
everyone's. A recommendation whose case the producer may not open is shown without its case.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from investigations.access import Viewer
from investigations.case_summaries import STAND_IN, CaseSummary, anonymised_summary
from investigations.lifecycle import Outcome, Stage
from investigations.queries import CaseNotFound, get_case
from investigations.worklists import london_today
from remedies.compliance import REMEDY_TYPES
from remedies.document_parameters import read_issue_id
from remedies.status import Status
from systemic.cohorts import LABELS, CohortFigures
from systemic.issue_queries import issue_file
from systemic.issues import STATUSES, IssueNotFound
from workbench.reports import DocumentKind, Parameter, ParameterError, Preview, Problem
from workbench.roles import Role
from workbench.word import WordDocument, strong
from workbench.workdays import format_date_long

__all__ = ["IssueReportData", "SystemicIssueReport"]

OFFICE = "Ombudsman Workbench"
NEED_TO_KNOW = ("Only the linked cases you may open are shown and counted: restricted cases you are not cleared "
                "for are left out.")
LATE = (Status.OVERDUE, Status.ESCALATED)


@dataclass(frozen=True)
class IssueReportData:
    issue: dict[str, Any]
    cases: tuple[dict[str, Any], ...]  # issue_file's cases, each with "summary" (CaseSummary)
    cohorts: tuple[dict[str, Any], ...]  # issue_file's cohorts: figures, updates, rec
    figures: CohortFigures
    bodies: tuple[tuple[str, int, bool], ...]  # (name, linked cases, has a cohort), by name
    unfollowed: tuple[dict[str, Any], ...]  # review-of-others recommendations no cohort follows yet
    today: date
    viewer_sees_everything: bool

    @property
    def title(self) -> str:
        return f"Systemic issue {self.issue['id']}: {self.issue['title']}"


async def gather_issue(issue_id: int, viewer: Viewer, today: date) -> IssueReportData:
    try:
        found = await issue_file(viewer, issue_id, today)
    except IssueNotFound:
        raise ParameterError(f"There is no systemic issue {issue_id}", "issue") from None
    cases = []
    for link in found["cases"]:
        try:
            case = await get_case(viewer, link["reference"])
        except CaseNotFound:  # unlinked or restricted since: leave it out, as the page would
            continue
        cases.append({**link, "summary": anonymised_summary(case), "category": case["category_name"]})
    counts: dict[int, int] = {}
    names: dict[int, str] = {}
    for case in cases:
        for body in case["bodies"]:
            counts[body["body_id"]] = counts.get(body["body_id"], 0) + 1
            names[body["body_id"]] = body["name"]
    for cohort in found["cohorts"]:
        names.setdefault(cohort["body"], cohort["body_name"])
    cohort_bodies = {c["body"] for c in found["cohorts"]}
    bodies = tuple(sorted(((names[b], counts.get(b, 0), b in cohort_bodies) for b in names), key=lambda r: r[0].casefold()))
    return IssueReportData(
        issue=found["issue"], cases=tuple(cases), cohorts=tuple(found["cohorts"]), figures=found["figures"],
        bodies=bodies, unfollowed=tuple(found["review_recommendations"]), today=today,
        viewer_sees_everything=viewer.role is Role.ADMINISTRATOR,
    )


# --------------------------------------------------------------------------------------------
# Preview (pure)


def _day(d: date | datetime | None) -> str:
    if d is None:
        return ""
    d = d.date() if isinstance(d, datetime) else d
    return f"{d.day} {d:%b %Y}"


def _money(amount: Decimal | int | None) -> str:
    return f"\u00a3{Decimal(str(amount or 0)):,.2f}"


def _outcome(case: Mapping[str, Any]) -> str:
    if case.get("outcome"):
        return Outcome(case["outcome"]).label
    try:
        return Stage(case["stage"]).label
    except ValueError:
        return case.get("stage") or ""


def case_rows(data: IssueReportData) -> list[list[str]]:
    return [[c["reference"], c.get("subcategory") or "", ", ".join(b["name"] for b in c["bodies"]),
             _day(c.get("decided_on")), _outcome(c)] for c in data.cases]


CASE_HEADER = ["Case", "Subcategory", "Bodies", "Decided", "Decision or stage"]
COHORT_HEADER = ["Body", "Identified", "Contacted", "Reviewed", "Remedied", "Refunded or paid", "Last report"]


def cohort_rows(data: IssueReportData) -> list[list[str]]:
    rows = []
    for cohort in data.cohorts:
        f: CohortFigures = cohort["figures"]
        last = cohort["updates"][0]["reported_on"] if cohort["updates"] else None
        rows.append([cohort["body_name"], f"{f.identified:,}", f"{f.contacted:,}", f"{f.reviewed:,}",
                     f"{f.remedied:,}", _money(f.amount_paid), _day(last) or "No report yet"])
    if rows:
        t = data.figures
        rows.append(["Total", f"{t.identified:,}", f"{t.contacted:,}", f"{t.reviewed:,}", f"{t.remedied:,}",
                     _money(t.amount_paid), ""])
    return rows


RECOMMENDATION_HEADER = ["Body", "Case", "Recommendation", "Due", "Status", "Others remedied (recorded)"]


def recommendation_rows(data: IssueReportData) -> list[list[str]]:
    rows = []
    for cohort in data.cohorts:
        rec = cohort.get("rec")
        if rec is None:
            continue
        rows.append([cohort["body_name"], rec["case_reference"] if rec.get("case_visible") else "(a case you may not open)",
                     REMEDY_TYPES[rec["remedy_type"]].label, _day(rec["due_on"]), rec["status"].label,
                     f"{rec.get('others_affected') or 0:,}"])
    return rows


def headline(data: IssueReportData) -> list[tuple[str, str]]:
    issue, f = data.issue, data.figures
    return [
        ("Status", STATUSES.get(issue["status"], issue["status"])),
        ("Owner", issue.get("owner_name") or "Nobody"),
        ("Opened", _day(issue.get("created_at"))),
        ("How it started", "On the Ombudsman's own initiative" if issue.get("own_initiative") else "From complaints"),
        ("Cases", f"{len(data.cases):,}"),
        ("Bodies", f"{len(data.bodies):,}"),
        (LABELS["identified"], f"{f.identified:,}"),
        (LABELS["contacted"], f"{f.contacted:,}"),
        (LABELS["reviewed"], f"{f.reviewed:,}"),
        (LABELS["remedied"], f"{f.remedied:,}"),
        (LABELS["amount_paid"], _money(f.amount_paid)),
    ]


def problems(data: IssueReportData) -> list[Problem]:
    found: list[Problem] = []
    if not (data.issue.get("description") or "").strip():
        found.append(Problem("The issue has no description of the fault: the report's first section will be empty. "
                             "Describe it on the issue's page."))
    if not data.cases:
        found.append(Problem("No cases are linked to this issue (or none you may open): the report lists none."))
    for cohort in data.cohorts:
        if not cohort["updates"]:
            found.append(Problem(f"{cohort['body_name']} has not reported on the others affected yet."))
        if cohort.get("rec") is None:
            found.append(Problem(f"The cohort at {cohort['body_name']} follows no recommendation, so nothing chases it."))
        elif cohort["rec"]["status"] in LATE:
            found.append(Problem(f"The recommendation the cohort at {cohort['body_name']} follows is "
                                 f"{cohort['rec']['status'].label.lower()}."))
    if data.unfollowed:
        found.append(Problem(f"{len(data.unfollowed)} review-of-others recommendation(s) on the issue's cases are not "
                             "followed by a cohort yet."))
    if any(c["summary"].method == STAND_IN for c in data.cases):
        found.append(Problem("The publication anonymiser is not installed: case summaries are the first sentences with "
                             "the case's names removed. Check each one by hand."))
    if not data.viewer_sees_everything:
        found.append(Problem(NEED_TO_KNOW))
    return found


def filename(data: IssueReportData) -> str:
    return f"systemic-issue-{data.issue['id']}-{data.today.isoformat()}.docx"


# --------------------------------------------------------------------------------------------
# The document (pure)


def build_report(data: IssueReportData) -> bytes:
    word = WordDocument(data.title, created=data.today, subject="Systemic issue report", author=OFFICE)
    word.header("OFFICIAL-SENSITIVE: systemic issue")
    word.footer(f"{OFFICE} \u00b7 systemic issue {data.issue['id']} \u00b7 {format_date_long(data.today)}")
    word.title(data.title)
    word.paragraph(f"As recorded on {format_date_long(data.today)}.")
    word.key_values(headline(data))

    word.heading("The fault", 1)
    description = (data.issue.get("description") or "").strip()
    for paragraph in [p for p in description.split("\n") if p.strip()] or ["No description of the fault has been recorded."]:
        word.paragraph(paragraph.strip())

    word.heading("The cases", 1)
    if data.cases:
        word.table(CASE_HEADER, case_rows(data), widths_cm=[2.4, 3.6, 4.6, 2.2, 3.2])
        for case in data.cases:
            summary: CaseSummary = case["summary"]
            word.heading(f"{case['reference']}: {case.get('subcategory') or case['category']}", 2)
            word.paragraph(summary.text or "(no summary recorded)")
            if case.get("note"):
                word.paragraph([strong("Why it was linked: "), case["note"]])
    else:
        word.paragraph("No complaint cases are linked to this issue.")

    word.heading("The bodies", 1)
    if data.bodies:
        word.table(["Body", "Linked cases", "Others affected followed"],
                   [[name, f"{n:,}", "Yes" if cohort else "No"] for name, n, cohort in data.bodies],
                   widths_cm=[8, 3.5, 4.5])
    else:
        word.paragraph("No bodies yet.")

    word.heading("Others affected", 1)
    if data.cohorts:
        word.paragraph("Each body's latest report of the people it has found, contacted, reviewed and put right:")
        word.table(COHORT_HEADER, cohort_rows(data), widths_cm=[2.6, 2.2, 2.35, 2.25, 2.3, 2.35, 1.95])
        for cohort in data.cohorts:
            word.heading(f"Reports from {cohort['body_name']}", 2)
            if cohort["updates"]:
                word.table(["Reported", "Identified", "Contacted", "Reviewed", "Remedied", "Refunded or paid", "Note"],
                           [[_day(u["reported_on"]), f"{u['identified']:,}", f"{u['contacted']:,}", f"{u['reviewed']:,}",
                             f"{u['remedied']:,}", _money(u["amount_paid"]), u.get("note") or ""]
                            for u in reversed(cohort["updates"])],
                           widths_cm=[2.2, 2.2, 2.35, 2.25, 2.3, 2.35, 2.35])
            else:
                word.paragraph("No report yet.")
    else:
        word.paragraph("No body has been asked to review others affected yet.")

    word.heading("Linked recommendations", 1)
    rows = recommendation_rows(data)
    if rows:
        word.table(RECOMMENDATION_HEADER, rows, widths_cm=[3.0, 2.2, 3.8, 2.2, 2.2, 2.6])
    else:
        word.paragraph("No cohort follows a recommendation yet.")
    if data.unfollowed:
        word.paragraph(f"{len(data.unfollowed)} recommendation(s) to review others affected on the issue's cases are "
                       "not yet followed by a cohort: " + ", ".join(
                           f"{r['case_reference']} ({r['body_name']})" for r in data.unfollowed) + ".")
    return word.to_bytes()


# --------------------------------------------------------------------------------------------
# The document kind


class SystemicIssueReport(DocumentKind):
    key = "systemic-issue-report"
    label = "Systemic issue report"
    description = "One systemic issue: the fault, its cases, the bodies, the others affected and the recommendations."
    parameters = (Parameter("issue", "Systemic issue", "issue"),)

    async def read(self, params: Mapping[str, str], viewer: Viewer) -> IssueReportData:
        return await gather_issue(read_issue_id(params), viewer, london_today())

    def preview(self, data: IssueReportData) -> Preview:
        return Preview(
            title=data.title,
            summary=headline(data),
            tables=[("The cases", CASE_HEADER, case_rows(data)), ("Others affected", COHORT_HEADER, cohort_rows(data)),
                    ("Linked recommendations", RECOMMENDATION_HEADER, recommendation_rows(data))],
            problems=problems(data),
            filename=filename(data),
        )

    def build(self, data: IssueReportData) -> bytes:
        return build_report(data)
