"""Compliance dashboard benchmark: 300,000 recommendations on SQLite, through the real app.

    .venv/bin/python benchmarks/compliance.py [--cases 100000] [--recommendations 300000] [--runs 20]
                                              [--database PATH]

The dashboard must answer within 150 ms (median) with 300,000 recommendations on SQLite. Seeds a
scratch database (the demo caseload, then recommendations by bulk insert: decisions spread over six
years, most long since complied, some still outstanding, overdue or escalated, a few with evidence
awaiting a verdict), signs in as the compliance officer and prints the median and 95th percentile
of each request. With --database it reuses that file if it already holds the recommendations.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import harness

TARGET_MS = 150.0
BATCH = 5_000


async def seed_recommendations(count: int, seed: int = 1) -> None:
    """``count`` recommendations on the demo cases, by bulk insert (the service would take hours)."""
    from investigations.tables import CaseBody
    from remedies.compliance import REMEDY_TYPES
    from remedies.tables import Evidence, Recommendation
    from workbench.db import bulk_insert
    from workbench.tables import User
    from workbench.workdays import default_calendar

    rng = random.Random(seed)
    calendar = default_calendar()
    today = date.today()
    links = await CaseBody.select(CaseBody.case, CaseBody.body)
    officers = [r["id"] for r in await User.select(User.id).where(User.role == "compliance_officer")]
    creator = (await User.select(User.id).where(User.username == "investigator").first())["id"]
    types = list(REMEDY_TYPES)
    now = datetime.now(timezone.utc)
    start = today - timedelta(days=6 * 365)
    next_id = (await Recommendation.count()) + 1
    rows, evidence = [], []
    for n in range(count):
        link = links[n % len(links)] if n < len(links) else rng.choice(links)
        decided = start + timedelta(days=rng.randrange((today - start).days))
        months = rng.choice((1, 1, 2, 3))
        due = calendar.add_months(decided, months).result
        outcome, outcome_on, escalated, ceased = "", None, None, ""
        if due < today and rng.random() < 0.97:  # most are long settled
            roll = rng.random()
            if roll < 0.82:
                outcome, outcome_on = "complied_on_time", due - timedelta(days=rng.randrange(0, 20))
            elif roll < 0.96:
                outcome, outcome_on = "complied_late", due + timedelta(days=rng.randrange(1, 60))
            elif roll < 0.98:
                outcome, outcome_on = "not_complied", due + timedelta(days=rng.randrange(60, 300))
            else:
                outcome, outcome_on, ceased = "ceased", due + timedelta(days=rng.randrange(1, 90)), "Complainant died"
            outcome_on = min(outcome_on, today)
        elif due < today and calendar.working_days_between(due, today) > 20 and rng.random() < 0.5:
            escalated = calendar.add_working_days(due, 20).result
        remedy_type = rng.choice(types)
        rid = next_id + n
        rows.append({
            "id": rid, "case": link["case"], "body": link["body"], "finding": None, "remedy_type": remedy_type,
            "description": "Apologise in writing and review the care charge.", "evidence_expected": "A copy of the letter",
            "public_summary": "", "amount": Decimal("250.00") if REMEDY_TYPES[remedy_type].monetary else None,
            "beneficiary": "", "others_affected": 0, "anchor_event": "final_decision", "anchor_on": decided,
            "period": months, "unit": "months", "original_due_on": due, "due_on": due,
            "due_explanation": f"{months} months after the final decision", "decided_on": decided, "outcome": outcome,
            "outcome_on": outcome_on, "ceased_reason": ceased, "escalated_on": escalated,
            "assigned_to": rng.choice(officers) if officers and rng.random() < 0.6 else None,
            "last_chased_on": None, "created_at": now, "created_by": creator, "updated_at": now, "version": 1,
        })
        if not outcome and rng.random() < 0.15:
            evidence.append({"recommendation": rid, "received_on": min(today, decided + timedelta(days=20)),
                             "description": "Copy of the apology letter", "verdict": "", "verdict_reason": "",
                             "verdict_on": None, "verdict_by": None, "created_at": now, "created_by": creator})
        if len(rows) == BATCH:
            await bulk_insert(Recommendation, rows)
            rows = []
    await bulk_insert(Recommendation, rows)
    for chunk in range(0, len(evidence), BATCH):
        await bulk_insert(Evidence, evidence[chunk:chunk + BATCH])
    from workbench.db import engine

    await engine().run_ddl("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--recommendations", type=int, default=300_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--database", type=Path, help="reuse (or build) this SQLite file")
    args = parser.parse_args()

    # The similar-cases index builds in the background at start-up (about a minute at this size,
    # holding the event loop at times): that is start-up cost, not the dashboard's.
    scratch = harness.scratch(args.database, warm_similarity_index="off")
    from investigations.tables import Case
    from remedies.tables import Evidence, Recommendation

    harness.ensure_demo(args.cases)
    made = asyncio.run(Recommendation.count().run())
    if made < args.recommendations:
        started = time.perf_counter()
        asyncio.run(seed_recommendations(args.recommendations - made))
        print(f"bulk insert: {args.recommendations - made:,} recommendations in {time.perf_counter() - started:.1f} s")
    total = asyncio.run(Recommendation.count().run())
    outstanding = asyncio.run(Recommendation.count().where(Recommendation.outcome == "").run())
    awaiting = asyncio.run(Evidence.count().where(Evidence.verdict == "").run())
    print(f"database: {scratch.database_url} ({asyncio.run(Case.count().run()):,} cases, {total:,} recommendations, "
          f"{outstanding:,} outstanding, {awaiting:,} evidence awaiting a verdict)")

    with harness.signed_in("compliance") as client:
        body = client.get("/compliance").text.split('href="/bodies/', 1)[1].split('"', 1)[0]
        htmx = {"HX-Request": "true"}
        over = harness.time_requests(client, [
            ("dashboard: overdue (default view)", "/compliance", {}),
            ("due in the next 10 working days", "/compliance?list=due_soon", {}),
            ("escalated", "/compliance?list=escalated", {}),
            ("awaiting a verdict on evidence", "/compliance?list=awaiting", {}),
            ("overdue, filtered: mine, personal (htmx)", "/compliance?officer=mine&kind=personal", htmx),
            (f"overdue, filtered: body {body} (htmx)", f"/compliance?body={body}", htmx),
            ("overdue, filtered: investigator 7 + type", "/compliance?investigator=7&remedy_type=apology", {}),
            ("overdue, unassigned, page 3", "/compliance?officer=none&page=3", {}),
            (f"body page {body}", f"/bodies/{body}", {}),
        ], args.runs, TARGET_MS, exempt=lambda label: label.startswith("body page"))
        started = time.perf_counter()
        csv = client.get("/compliance/export.csv?list=overdue")
        print(f"{'CSV export of the overdue list':<48}{(time.perf_counter() - started) * 1000:>10.1f}"
              f"   ({csv.text.count(chr(10)) - 1:,} rows)")
        print(f"{over} dashboard requests over the {TARGET_MS:.0f} ms median target")


if __name__ == "__main__":
    main()
