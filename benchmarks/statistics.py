"""Compliance statistics benchmark: the yearly figures for all bodies over ~300,000 recommendations.

    .venv/bin/python benchmarks/statistics.py [--cases 100000] [--recommendations-per-case 10.3]
                                              [--runs 7] [--database PATH]

The issue's target: the yearly statistics for all bodies compute within 2 seconds. Seeds a scratch
SQLite database through ``workbench demo``'s loader (100,000 cases; 10.3 recommendations per
recommending case gives about 300,000 recommendations in every status), then prints the median
(and slowest, and the median CPU time) of several runs of: loading the facts, the statistics per body for one financial year
and for all years, and ``GET /api/stats/compliance`` over HTTP (Litestar's TestClient, in process).
With --database it reuses that file if it already holds recommendations.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named like the standard library's statistics module: keep its folder off the path,
# or every `import statistics` (ours and the libraries') would load this script instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import asyncio  # noqa: E402
import contextlib  # noqa: E402
import io  # noqa: E402
import os  # noqa: E402
import secrets  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import date  # noqa: E402
from typing import Callable  # noqa: E402

TARGET_S = 2.0


def timed(runs: int, work: Callable[[], object]) -> tuple[float, float, float]:
    """Median and slowest wall-clock time, and median CPU time, of ``runs`` runs in seconds (after one
    warm-up run). CPU time counts every thread of this process (the app's, the driver's), so on a
    machine shared with other work it shows what the code costs when wall-clock time is inflated."""
    work()
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        work()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(wall), max(wall), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--recommendations-per-case", type=float, default=10.3)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--database", type=Path, help="reuse (or build) this SQLite file")
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="workbench-bench-"))
    database = args.database.resolve() if args.database else data_dir / "bench.sqlite3"
    os.environ.update({
        "WORKBENCH_DATA_DIR": str(data_dir),
        "WORKBENCH_DATABASE_URL": f"sqlite:///{database}",
        "WORKBENCH_SECRET_KEY": secrets.token_urlsafe(48),
        "WORKBENCH_SCHEDULER": "off",
        "WORKBENCH_COOKIE_SECURE": "off",
        "WORKBENCH_ALLOWED_HOSTS": "testserver.local",
    })
    import logging

    import workbench  # noqa: F401

    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("piccolo").setLevel(logging.WARNING)
    from litestar.testing import TestClient

    from investigations.demo import ensure_demo_staff, load_demo
    from investigations.tables import Case
    from remedies.compliance import by_body, financial_year_start, statistics as all_statistics
    from remedies.compliance_report import in_year
    from remedies.facts import load_facts
    from remedies.tables import Recommendation
    from workbench.app import create_app
    from workbench.cli import migrate_database

    with contextlib.redirect_stdout(io.StringIO()):
        asyncio.run(migrate_database())
    if asyncio.run(Recommendation.count().run()) == 0:
        started = time.perf_counter()
        result = asyncio.run(load_demo(cases=args.cases, seed=1, quiet=True,
                                       recommendations_per_case=args.recommendations_per_case))
        print(f"demo load: {result.cases:,} cases and {result.recommendations:,} recommendations "
              f"in {time.perf_counter() - started:.1f} s")
    asyncio.run(ensure_demo_staff())
    cases = asyncio.run(Case.count().run())
    recommendations = asyncio.run(Recommendation.count().run())
    print(f"database: {database} ({cases:,} cases, {recommendations:,} recommendations)")

    year = financial_year_start(date.today()) - 1  # the last complete financial year
    facts = asyncio.run(load_facts())
    year_facts = in_year(facts, year)
    print(f"financial year {year}: {len(year_facts):,} recommendations; all years: {len(facts):,}\n")
    rows: list[tuple[str, float, float, float]] = []
    rows.append(("load facts, all years", *timed(args.runs, lambda: asyncio.run(load_facts()))))
    rows.append((f"load facts, {year}", *timed(args.runs, lambda: asyncio.run(load_facts(financial_year=year)))))
    rows.append((f"by_body over {year}", *timed(args.runs, lambda: by_body(year_facts))))
    rows.append(("by_body over all years", *timed(args.runs, lambda: by_body(facts))))
    rows.append(("statistics over all years", *timed(args.runs, lambda: all_statistics(facts))))
    rows.append((f"load + by_body, {year} (yearly stats, all bodies)", *timed(
        args.runs, lambda: by_body(asyncio.run(load_facts(financial_year=year))))))

    with TestClient(create_app(), base_url="http://testserver.local") as client:
        client.get("/login")
        client.post("/login", data={"username": "compliance", "password": "workbench-demo",
                                    "_csrf_token": client.cookies["workbench-csrf"]})

        def get(url: str) -> Callable[[], object]:
            def call() -> None:
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code, response.text[:200])
            return call

        rows.append((f"API stats, year={year}", *timed(args.runs, get(f"/api/stats/compliance?year={year}"))))
        rows.append((f"API stats, year={year}&by=body", *timed(args.runs, get(f"/api/stats/compliance?year={year}&by=body"))))
        rows.append(("API stats, by=body,year (all years)", *timed(args.runs, get("/api/stats/compliance?by=body,year"))))
        rows.append((f"statistics page, {year}", *timed(args.runs, get(f"/compliance/statistics?year={year}"))))
        rows.append(("API recommendations, overdue", *timed(args.runs, get("/api/recommendations?status=overdue"))))

    print(f"{'measure':<52}{'median s':>10}{'max s':>10}{'cpu s':>10}")
    for label, median, worst, cpu in rows:
        flag = " !" if median > TARGET_S else ""
        print(f"{label:<52}{median:>10.3f}{worst:>10.3f}{cpu:>10.3f}{flag}")
    print(f"\ntarget: yearly statistics for all bodies within {TARGET_S:.0f} s (median); '!' marks a miss")


if __name__ == "__main__":
    main()
