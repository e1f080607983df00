"""Working-list benchmark: every kind of list query, in-process, on a large caseload (SQLite).

    .venv/bin/python benchmarks/worklists.py [--cases 100000] [--runs 30] [--database PATH]

The list pages must answer within 150 ms (median) with 100,000 cases. Prints the median and 95th
percentile of each query type; marks a median over the target with "!". The machines are noisy:
compare several runs, not single numbers.

Without --database it builds its own database in a temporary directory (about 30 s for 100,000
cases). With --database it reuses that file if it already holds cases (built by an earlier run with
the same option), or builds it there; nothing else is touched.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

import harness

TARGET_MS = 150.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--database", type=Path, help="reuse (or build) this SQLite file")
    args = parser.parse_args()

    scratch = harness.scratch(args.database)
    from investigations.tables import CaseBody, Person

    total = harness.ensure_demo(args.cases)
    family = asyncio.run(Person.select(Person.family_name).where(Person.id == 7).first().run())["family_name"]
    body = asyncio.run(CaseBody.select(CaseBody.body.name.as_alias("name")).where(
        CaseBody.case == min(12345, total)).first().run())["name"]
    print(f"database: {scratch.database_url} ({total:,} cases)")

    htmx = {"HX-Request": "true"}
    with harness.signed_in("manager") as manager, harness.signed_in("investigator") as investigator:
        reference = manager.get("/api/cases", params={"stage": "investigation"}).json()["items"][0]["reference"]
        managers = [
            ("all cases (default list)", "/cases", {}),
            ("all cases, page 40", "/cases?page=40", {}),
            ("unallocated (allocation order)", "/cases?queue=unallocated", {}),
            ("stage filter: assessment", "/cases?stage=assessment", {}),
            ("stage filter: closed", "/cases?stage=closed", {}),
            ("body filter: Hampshire", "/cases?body=Hampshire", {}),
            ("body filter: 'council' (~300)", "/cases?body=council", {}),
            ("category filter: housing", "/cases?category=housing", {}),
            ("investigator filter", "/cases?investigator=7", {}),
            ("received date range (6 months)", "/cases?received_from=1/1/2025&received_to=30/6/2025", {}),
            ("sort by age (oldest first)", "/cases?sort=-age", {}),
            ("sort by stage", "/cases?sort=stage", {}),
            ("sort by reference", "/cases?sort=reference", {}),
            ("search: body name", f"/cases?q={body.split()[0]}", {}),
            (f"search: complainant '{family}'", f"/cases?q={family}", {}),
            ("search: summary words", "/cases?q=care%20home", {}),
            ("search: common word 'council'", "/cases?q=council", {}),
            ("search: reference", f"/cases?q={reference.replace(' ', '')}", {}),
            ("search: partial reference", f"/cases?q={reference[:6]}", {}),
            ("search as you type (htmx) 'Ham'", "/cases?q=Ham", htmx),
            ("search + stage + date (htmx)", "/cases?q=delay&stage=investigation&received_from=1/1/2024", htmx),
            ("search, sorted by age", "/cases?q=Hampshire&sort=-age", {}),
            ("dashboard (manager)", "/", {}),
            ("API list", "/api/cases", {}),
            ("API unallocated", "/api/cases?queue=unallocated", {}),
            ("API search + filter", "/api/cases?q=Hampshire&stage=closed", {}),
        ]
        investigators = [
            ("my cases (investigator)", "/cases?queue=mine", {}),
            ("dashboard (investigator)", "/", {}),
        ]
        over = harness.time_requests(manager, managers, args.runs, TARGET_MS)
        over += harness.time_requests(investigator, investigators, args.runs, TARGET_MS)
        print(f"{over} of {len(managers) + len(investigators)} over the {TARGET_MS:.0f} ms median target")


if __name__ == "__main__":
    main()
