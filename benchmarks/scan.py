"""Pattern scan benchmark: a full scan of a large caseload for candidate groups (SQLite or PostgreSQL).

    .venv/bin/python benchmarks/scan.py [--cases 100000] [--runs 3] [--database PATH | --database-url URL]

The target is a full scan of 100,000 cases in under 2 minutes on 2 cores. Each run is the real
``systemic.scan.run_scan`` over every case (the period spans the whole caseload), in a fresh
process so its peak memory is its own; earlier candidate groups are cleared first so every run
does the same work. Prints each run's time by step (reading, comparing, saving), then the median
time and the peak memory (max RSS) of the runs. The machines are noisy: compare several runs.

Without --database or --database-url it builds its own SQLite database in a temporary directory
(about a minute for 100,000 demo cases). With --database it reuses that file if it already holds
the cases (built by an earlier run with the same option), or builds it there. --database-url
names an empty PostgreSQL database to fill (or one this script filled before).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import harness

TARGET_SECONDS = 120.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--database", type=Path, help="reuse (or build) this SQLite file")
    where.add_argument("--database-url", help="a PostgreSQL database to fill (or filled by an earlier run)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:  # one timed scan, in a process of its own; the parent set the environment
        print(json.dumps(asyncio.run(_one_scan())))
        return

    scratch = harness.scratch(args.database, args.database_url, db_pool="off")
    total = harness.ensure_demo(args.cases)
    print(f"database: {scratch.database_url} ({total:,} cases)")

    runs = []
    for number in range(1, args.runs + 1):
        child = subprocess.run([sys.executable, __file__, "--child"],
                               capture_output=True, text=True, check=False)
        if child.returncode != 0:
            sys.exit(f"run {number} failed:\n{child.stderr}")
        result = json.loads(child.stdout.strip().splitlines()[-1])
        runs.append(result)
        steps = ", ".join(f"{phase.lower()} {seconds:.1f} s" for phase, seconds in result["steps"].items())
        print(f"run {number}: {result['seconds']:.1f} s ({steps}); {result['cases']:,} cases, "
              f"{result['groups']:,} groups; peak memory {result['max_rss_mb']:,.0f} MB")
    median = harness.median([r["seconds"] for r in runs])
    peak = max(r["max_rss_mb"] for r in runs)
    flag = "" if median <= TARGET_SECONDS else f"  ! over the {TARGET_SECONDS:.0f} s target"
    print(f"scan of {runs[0]['cases']:,} cases: median {median:.1f} s of {len(runs)} runs; "
          f"peak memory {peak:,.0f} MB (max RSS of the scanning process){flag}")


async def _one_scan() -> dict:
    import workbench  # noqa: F401
    from systemic.scan import run_scan
    from systemic.tables import CandidateGroup, ScanRun
    from workbench.db import fetch_all, write_transaction

    async with write_transaction():  # every run does the same work: nothing is remembered between runs
        await CandidateGroup.delete(force=True)
        await ScanRun.delete(force=True)
    span = (await fetch_all("SELECT MIN(COALESCE(decided_on, received_on)) AS first, "
                            "MAX(COALESCE(decided_on, received_on)) AS last FROM investigations_case"))[0]
    first, last = (date.fromisoformat(str(span[k])[:10]) for k in ("first", "last"))

    marks: dict[str, float] = {}

    def progress(phase: str, done: int, total: int) -> None:
        marks.setdefault(phase, time.perf_counter())

    started = time.perf_counter()
    scan_id = await run_scan(first, last, on_progress=progress)
    ended = time.perf_counter()
    scan = await ScanRun.select().where(ScanRun.id == scan_id).first()
    phases = list(marks.items()) + [("end", ended)]
    steps = {phase: later - at for (phase, at), (_, later) in zip(phases, phases[1:])}
    return {"seconds": ended - started, "steps": steps, "cases": scan["total"], "groups": scan["groups_found"],
            "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


if __name__ == "__main__":
    main()
