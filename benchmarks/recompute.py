"""Holiday recompute benchmark: adding and removing an office holiday with many open recommendations.

    .venv/bin/python benchmarks/recompute.py [--recommendations 30000] [--spread-days 730] [--database-url URL]

Builds its own SQLite database in a temporary directory (or uses the PostgreSQL database given,
which must be empty), fills it with outstanding recommendations whose decision dates spread over
two years (the due rules real recommendations use), then times: a recompute that moves nothing,
adding a holiday (which moves the due dates it affects, with history and audit), and removing it.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from datetime import date, datetime, timedelta, timezone

import harness

RULES = [(20, "working_days"), (10, "working_days"), (28, "calendar_days"), (1, "months"), (3, "months")]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recommendations", type=int, default=30_000)
    parser.add_argument("--spread-days", type=int, default=730,
                        help="decision dates spread over this many days back (fewer: more dates move)")
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: a temporary SQLite file)")
    args = parser.parse_args()

    harness.scratch(database_url=args.database_url)
    harness.ensure_demo(20)
    asyncio.run(run(args.recommendations, args.spread_days))


async def run(count: int, spread_days: int) -> None:
    from investigations.tables import CaseBody
    from remedies.calendar import office_calendar
    from remedies.holidays import add_holiday, remove_holiday
    from remedies.recommendations import due_rule
    from remedies.recompute import recompute_due_dates
    from remedies.tables import Recommendation
    from workbench.db import bulk_insert

    pairs = await CaseBody.select(CaseBody.case, CaseBody.body)
    calendar = await office_calendar()
    rng = random.Random(1)
    today = date.today()
    now = datetime.now(timezone.utc)
    rows = []
    for _ in range(count):
        pair = rng.choice(pairs)
        anchor = today - timedelta(days=rng.randrange(0, spread_days))
        period, unit = rng.choice(RULES)
        explanation = due_rule(anchor, period, unit).compute(calendar)
        rows.append({
            "case": pair["case"], "body": pair["body"], "finding": None, "remedy_type": "apology", "description": "x",
            "evidence_expected": "", "public_summary": "", "amount": None, "beneficiary": "", "others_affected": 0,
            "anchor_event": "final_decision", "anchor_on": anchor, "period": period, "unit": unit,
            "original_due_on": explanation.result, "due_on": explanation.result, "due_explanation": explanation.explain(),
            "decided_on": anchor, "outcome": "", "outcome_on": None, "ceased_reason": "", "escalated_on": None,
            "assigned_to": None, "last_chased_on": None, "created_at": now, "created_by": None, "updated_at": now,
            "version": 1,
        })
    for start in range(0, len(rows), 5000):
        await bulk_insert(Recommendation, rows[start:start + 5000])
    print(f"{await Recommendation.count():,} outstanding recommendations")

    holiday = today + timedelta(days=(2 - today.weekday()) % 7 + 7)  # a Wednesday next week
    while calendar.holiday_name(holiday):
        holiday += timedelta(days=7)

    started = time.perf_counter()
    report = await recompute_due_dates(calendar)
    print(f"recompute, nothing to move: {time.perf_counter() - started:.2f} s ({report.rules:,} distinct rules; {report.summary()})")
    started = time.perf_counter()
    report = await add_holiday(holiday, "Benchmark holiday", None)
    print(f"add a holiday on {holiday}: {time.perf_counter() - started:.2f} s ({report.summary()})")
    started = time.perf_counter()
    report = await remove_holiday(holiday, None)
    print(f"remove it again: {time.perf_counter() - started:.2f} s ({report.summary()})")


if __name__ == "__main__":
    main()
