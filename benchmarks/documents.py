"""Word documents benchmark: gather, preview and build times of every document kind over a big year.

    .venv/bin/python benchmarks/documents.py [--cases 80000] [--runs 3] [--database PATH] [--out DIR]

The issue's target: the national review for a year with 20,000 cases builds in under 10 seconds.
Seeds a scratch SQLite database with ``workbench demo``'s loader: the demo spreads cases over four
years, so 80,000 cases give about 20,000 received in each financial year (the script prints the
real count for the year it uses: the last complete financial year). Then, for each document kind,
prints the median of ``--runs`` runs (after one warm-up) of gather (the database reads), preview and
build (the .docx bytes), and their total. With --database it reuses that file if it holds cases;
with --out it writes each document there for looking at.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import date
from pathlib import Path

import harness

TARGET_S = 10.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=80_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database", type=Path, help="reuse (or build) this SQLite file")
    parser.add_argument("--out", type=Path, help="write each document here")
    args = parser.parse_args()

    scratch = harness.scratch(args.database)
    from investigations.queries import viewer_for
    from investigations.tables import Body, Case
    from remedies.compliance import financial_year_label, financial_year_start
    from systemic.tables import SystemicIssue
    from workbench.reports import catalogue
    from workbench.tables import User

    total = harness.ensure_demo(args.cases)
    year = financial_year_start(date.today()) - 1  # the last complete financial year
    start, end = date(year, 4, 1), date(year + 1, 3, 31)
    received = asyncio.run(Case.count().where((Case.received_on >= start) & (Case.received_on <= end)).run())
    decided = asyncio.run(Case.count().where((Case.decided_on >= start) & (Case.decided_on <= end)).run())
    print(f"database: {scratch.database_url} ({total:,} cases); "
          f"{financial_year_label(year)}: {received:,} received, {decided:,} decided\n")

    admin = asyncio.run(User.objects().where(User.username == "admin").first().run())
    viewer = viewer_for(admin)
    busiest = asyncio.run(Body.raw(
        'SELECT b.name AS name FROM investigations_body b JOIN investigations_case_body cb ON cb.body = b.id '
        'JOIN investigations_case k ON k.id = cb."case" WHERE k.decided_on >= {} AND k.decided_on <= {} '
        "GROUP BY b.name ORDER BY COUNT(*) DESC, b.name LIMIT 1", start, end).run())[0]["name"]
    studies = asyncio.run(Case.select(Case.reference).where(
        (Case.decided_on >= start) & (Case.decided_on <= end) & (Case.outcome == "upheld_fault_injustice")
        & (Case.restricted == False)  # noqa: E712
    ).order_by(Case.id).limit(3).run())
    issue = asyncio.run(SystemicIssue.select(SystemicIssue.id).order_by(SystemicIssue.id).first().run())
    if issue is None:
        issue = {"id": asyncio.run(_seed_issue(start, end))}
    label = financial_year_label(year)
    cases = {
        "national-review": [
            ("all service areas", {"year": label, "service_area": "All service areas",
                                   "case_studies": ", ".join(s["reference"] for s in studies)}),
            ("adult social care", {"year": label, "service_area": "Adult social care"}),
        ],
        "annual-review-letter": [(busiest, {"body": busiest, "year": label})],
        "compliance-report": [("every body, today", {})],
        "systemic-issue-report": [(f"issue {issue['id']}", {"issue": str(issue["id"])})] if issue else [],
        "decision-statement": [],
    }

    print(f"{'document':<46}{'gather s':>10}{'preview s':>10}{'build s':>10}{'total s':>10}{'cold s':>9}"
          f"{'size KB':>9}")
    for kind in catalogue():
        for name, params in cases.get(kind.key, []):
            timings: dict[str, list[float]] = {"gather": [], "preview": [], "build": []}
            content, cold = b"", 0.0
            for run in range(args.runs + 1):  # the first run warms up (imports, caches)
                started = time.perf_counter()
                data = asyncio.run(kind.gather(params, viewer))
                gathered = time.perf_counter()
                kind.preview(data)
                previewed = time.perf_counter()
                content = kind.build(data)
                built = time.perf_counter()
                if not run:
                    cold = built - started  # the first in this process: imports (matplotlib) and caches
                else:
                    timings["gather"].append(gathered - started)
                    timings["preview"].append(previewed - gathered)
                    timings["build"].append(built - previewed)
            medians = {k: harness.median(v) for k, v in timings.items()}
            total = sum(medians.values())
            flag = " !" if kind.key == "national-review" and total > TARGET_S else ""
            print(f"{kind.key + ': ' + name:<46.46}{medians['gather']:>10.3f}{medians['preview']:>10.3f}"
                  f"{medians['build']:>10.3f}{total:>10.3f}{cold:>9.2f}{len(content) / 1024:>9.0f}{flag}")
            if args.out:
                args.out.mkdir(parents=True, exist_ok=True)
                slug = "-".join("".join(c if c.isalnum() else " " for c in name).lower().split())
                (args.out / f"{kind.key}-{slug}.docx").write_bytes(content)
    print(f"\nmedian of {args.runs} runs each; target: the national review within {TARGET_S:.0f} s "
          "(gather + preview + build); '!' marks a miss")


async def _seed_issue(start: date, end: date) -> int:
    """A systemic issue over 40 upheld charging cases of the year, with a cohort and its reports (the demo
    makes none)."""
    from decimal import Decimal

    from investigations.queries import get_case, viewer_for
    from investigations.tables import Case, Subcategory
    from systemic.cohorts import CohortFigures
    from systemic.issues import create_issue, open_cohort, record_cohort_update
    from workbench.tables import User

    manager = await User.objects().where(User.username == "manager").first()
    charging = await Subcategory.select(Subcategory.id).where(Subcategory.slug == "adult-care-services/charging").first()
    rows = await Case.select(Case.reference).where(
        (Case.subcategory == charging["id"]) & (Case.decided_on >= start) & (Case.decided_on <= end)
        & (Case.outcome == "upheld_fault_injustice")).order_by(Case.id).limit(40)
    admin = await User.objects().where(User.username == "admin").first()
    cases = [await get_case(viewer_for(admin), r["reference"]) for r in rows]
    issue = await create_issue("Joint capital counted for home care charges", "Couples' joint savings were counted "
                               "when charging one of them for home care.", manager, cases=cases)
    for case in cases[:5]:
        cohort = await open_cohort(issue, case["bodies"][0]["body_id"], manager) if case["bodies"] else None
        if cohort:
            for month, share in ((6, 2), (9, 1)):
                await record_cohort_update(cohort, CohortFigures(60, 60 // share, 50 // share, 40 // share,
                                                                 Decimal(9000 // share)), date(start.year, month, 1),
                                           manager)
    return issue


if __name__ == "__main__":
    main()
