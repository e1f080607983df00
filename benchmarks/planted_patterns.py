"""Pattern scan quality on the demo: does the scan find the planted patterns, and how much else?

    .venv/bin/python benchmarks/planted_patterns.py [--cases 3000 10000] [--seed 1] [--database-url URL]

For each size: a fresh database (SQLite in a temporary directory, or the empty PostgreSQL database
named), ``workbench demo`` with that many cases (``systemic.demo`` plants eight fault patterns among
them), then the real nightly scan of the last twelve months. Prints the groups found, how many of
the eight planted patterns a group catches (all its cases but one at most, in a group no more than
three times its size: what ``tests/systemic/test_demo_patterns.py`` asks), the spurious groups (no
planted case at all, the titles of the first few shown), the scan time, and where the review page
puts the planted patterns: "top" is the place of the last of them in its strongest-first order
(8 means they are the first eight groups a manager sees). A manager reviews every group, so
spurious groups are the measure of noise.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from datetime import date

import harness

ANCHOR = date(2026, 11, 2)  # fixed, so every run of a size scans the same cases


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, nargs="+", default=[3000, 10_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", help="an empty PostgreSQL database (emptied again before each size)")
    parser.add_argument("--show", type=int, default=5, help="spurious group titles to print")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:  # one size, in a process of its own (settings are read once per process)
        harness.scratch(database_url=args.database_url, db_pool="off", warm_similarity_index="off")
        if args.database_url:
            asyncio.run(_empty_postgres())
        harness.migrate()
        print(json.dumps(asyncio.run(_measure(args.child, args.seed, args.show))))
        return
    print(f"{'cases':>7} {'scanned':>8} {'groups':>7} {'planted found':>14} {'spurious':>9} {'top':>4} {'scan s':>7}",
          flush=True)
    for cases in args.cases:
        command = [sys.executable, __file__, "--child", str(cases), "--seed", str(args.seed), "--show", str(args.show)]
        if args.database_url:
            command += ["--database-url", args.database_url]
        child = subprocess.run(command, capture_output=True, text=True, check=False)
        if child.returncode != 0:
            sys.exit(f"{cases} cases failed:\n{child.stderr}")
        r = json.loads(child.stdout.strip().splitlines()[-1])
        print(f"{cases:>7,} {r['scanned']:>8,} {r['groups']:>7} {r['found']:>10}/{r['patterns']:<3} "
              f"{r['spurious']:>9} {r['top']:>4} {r['seconds']:>7.1f}", flush=True)
        for slug in r["missed"]:
            print(f"        missed: {slug}")
        for title in r["spurious_titles"]:
            print(f"        spurious: {title}")


async def _measure(cases: int, seed: int, show: int) -> dict:
    from investigations.demo import load_demo
    from investigations.tables import Case
    from investigations.access import Viewer
    from systemic.candidates import groups_of_scan
    from systemic.demo import PLANTED_PATTERNS
    from workbench.roles import Role
    from systemic.scan import last_twelve_months, run_scan
    from systemic.tables import CandidateGroup, ScanRun

    await load_demo(cases=cases, seed=seed, anchor=ANCHOR, quiet=True)
    planted = {}
    for pattern in PLANTED_PATTERNS:
        rows = await Case.select(Case.id).where(Case.summary.is_in(list(pattern.summaries)))
        planted[pattern.slug] = {r["id"] for r in rows}
    started = time.perf_counter()
    scan_id = await run_scan(*last_twelve_months(ANCHOR))
    seconds = time.perf_counter() - started
    scan = await ScanRun.select().where(ScanRun.id == scan_id).first()
    groups = await CandidateGroup.select().where(CandidateGroup.scan == scan_id).output(load_json=True)
    every = set().union(*planted.values())
    missed, catching = [], set()
    for pattern in PLANTED_PATTERNS:
        ids = planted[pattern.slug]
        caught = [g for g in groups if len(ids & set(g["case_ids"])) >= len(ids) - 1 and len(g["case_ids"]) <= 3 * len(ids)]
        if not caught:
            missed.append(pattern.slug)
        catching |= {g["id"] for g in caught}
    ranked = [c.id for c in await groups_of_scan(scan_id, Viewer(user_id=0, role=Role.ADMINISTRATOR))]
    top = max((ranked.index(i) + 1 for i in catching if i in ranked), default=0)
    spurious = [g for g in groups if not every & set(g["case_ids"])]
    return {"scanned": scan["total"], "groups": len(groups), "patterns": len(PLANTED_PATTERNS),
            "found": len(PLANTED_PATTERNS) - len(missed), "missed": missed, "spurious": len(spurious), "top": top,
            "spurious_titles": [f"{len(g['case_ids'])} cases, {len(g['body_ids'])} bodies, score {g['score']}: "
                                f"{g['title']}" for g in spurious[:show]],
            "seconds": seconds}


async def _empty_postgres() -> None:
    """Drop every table of the named database, so each size starts from nothing."""
    from workbench.db import fetch_all

    tables = await fetch_all("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    if tables:
        from investigations.tables import Case

        await Case.raw("DROP TABLE " + ", ".join(f'"{t["tablename"]}"' for t in tables) + " CASCADE")


if __name__ == "__main__":
    main()
