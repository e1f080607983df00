"""Compliance statistics benchmark: the yearly figures for all bodies over ~300,000 recommendations.

    .venv/bin/python benchmarks/compliance_statistics.py [--cases 100000] [--recommendations-per-case 10.3]
                                                         [--runs 7] [--database PATH]

The issue's target: the yearly statistics for all bodies compute within 2 seconds. Seeds a scratch
SQLite database through ``workbench demo``'s loader (100,000 cases; 10.3 recommendations per
recommending case gives about 300,000 recommendations in every status), then prints the median
(and slowest, and the median CPU time) of several runs of: loading the facts, the statistics per body for one financial year
and for all years, and ``GET /api/stats/compliance`` over HTTP (Litestar's TestClient, in process).
With --database it reuses that file if it already holds recommendations.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import date
from pathlib import Path
from typing import Callable

import harness

TARGET_S = 2.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--recommendations-per-case", type=float, default=10.3)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--database", type=Path, help="reuse (or build) this SQLite file")
    args = parser.parse_args()

    scratch = harness.scratch(args.database)
    from remedies.compliance import by_body, financial_year_start, statistics as all_statistics
    from remedies.compliance_report import in_year
    from remedies.facts import load_facts
    from remedies.tables import Recommendation

    cases = harness.ensure_demo(args.cases, recommendations_per_case=args.recommendations_per_case)
    recommendations = asyncio.run(Recommendation.count().run())
    print(f"database: {scratch.database_url} ({cases:,} cases, {recommendations:,} recommendations)")

    year = financial_year_start(date.today()) - 1  # the last complete financial year
    facts = asyncio.run(load_facts())
    year_facts = in_year(facts, year)
    print(f"financial year {year}: {len(year_facts):,} recommendations; all years: {len(facts):,}\n")
    rows: list[tuple[str, float, float, float]] = []
    rows.append(("load facts, all years", *harness.timed(args.runs, lambda: asyncio.run(load_facts()))))
    rows.append((f"load facts, {year}", *harness.timed(args.runs, lambda: asyncio.run(load_facts(financial_year=year)))))
    rows.append((f"by_body over {year}", *harness.timed(args.runs, lambda: by_body(year_facts))))
    rows.append(("by_body over all years", *harness.timed(args.runs, lambda: by_body(facts))))
    rows.append(("statistics over all years", *harness.timed(args.runs, lambda: all_statistics(facts))))
    rows.append((f"load + by_body, {year} (yearly stats, all bodies)", *harness.timed(
        args.runs, lambda: by_body(asyncio.run(load_facts(financial_year=year))))))

    with harness.signed_in("compliance") as client:

        def get(url: str) -> Callable[[], object]:
            def call() -> None:
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code, response.text[:200])
            return call

        rows.append((f"API stats, year={year}", *harness.timed(args.runs, get(f"/api/stats/compliance?year={year}"))))
        rows.append((f"API stats, year={year}&by=body", *harness.timed(args.runs, get(f"/api/stats/compliance?year={year}&by=body"))))
        rows.append(("API stats, by=body,year (all years)", *harness.timed(args.runs, get("/api/stats/compliance?by=body,year"))))
        rows.append((f"statistics page, {year}", *harness.timed(args.runs, get(f"/compliance/statistics?year={year}"))))
        rows.append(("API recommendations, overdue", *harness.timed(args.runs, get("/api/recommendations?status=overdue"))))

    print(f"{'measure':<52}{'median s':>10}{'max s':>10}{'cpu s':>10}")
    for label, median, worst, cpu in rows:
        flag = " !" if median > TARGET_S else ""
        print(f"{label:<52}{median:>10.3f}{worst:>10.3f}{cpu:>10.3f}{flag}")
    print(f"\ntarget: yearly statistics for all bodies within {TARGET_S:.0f} s (median); '!' marks a miss")


if __name__ == "__main__":
    main()

