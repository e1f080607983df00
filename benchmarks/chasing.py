"""Chase scan benchmark: how long the daily scan takes over ~30,000 outstanding recommendations.

    .venv/bin/python benchmarks/chasing.py [--recommendations 30000] [--cases 2000] [--smtp]
                                           [--postgres postgresql://postgres@127.0.0.1:5432/postgres]

Seeds a scratch database (the demo caseload, contacts for every body, then outstanding
recommendations by bulk insert with final decisions spread over the last 15 months), then times:

1. a dry run as of today (what would fire: the load and the ladder arithmetic, no writes);
2. the catch-up: the first real scan, as of yesterday, fires every rung missed so far (the worst
   case: a new installation, or a long outage);
3. the daily scan as of today (the day's new rungs, with their letters and emails when --smtp
   starts a local SMTP server);
4. the same scan again (nothing left to fire: the steady-state cost of a repeat or a second worker).

With --postgres it creates (and afterwards drops) a database of its own on that server.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import time
import uuid
from datetime import date, datetime, timedelta, timezone

import harness

BATCH = 5_000


async def seed(count: int, seed: int = 1) -> None:
    """Contacts for every body, and ``count`` outstanding recommendations on the demo cases."""
    from investigations.tables import Body, BodyContact, CaseBody
    from remedies.tables import Recommendation
    from workbench.db import bulk_insert
    from workbench.tables import User
    from workbench.workdays import default_calendar

    rng = random.Random(seed)
    calendar = default_calendar()
    today = date.today()
    bodies = [r["id"] for r in await Body.select(Body.id)]
    await bulk_insert(BodyContact, [
        {"body": b, "role": role, "name": f"{title} {b}", "job_title": title, "email": f"{role}.{b}@body.example",
         "active": True}
        for b in bodies for role, title in (("link_officer", "Link officer"), ("chief_executive", "Chief Executive"))
    ])
    links = await CaseBody.select(CaseBody.case, CaseBody.body)
    creator = (await User.select(User.id).where(User.username == "investigator").first())["id"]
    now = datetime.now(timezone.utc)
    rows = []
    for n in range(count):
        link = rng.choice(links)
        decided = today - timedelta(days=rng.randrange(0, 460))
        months = rng.choice((1, 1, 2, 3))
        due = calendar.roll_forward(calendar.add_months(decided, months)).result
        rows.append({
            "case": link["case"], "body": link["body"], "finding": None, "remedy_type": "apology",
            "description": "Apologise in writing and review the care charge.", "evidence_expected": "A copy of the letter",
            "public_summary": "", "amount": None, "beneficiary": "", "others_affected": 0,
            "anchor_event": "final_decision", "anchor_on": decided, "period": months, "unit": "months",
            "original_due_on": due, "due_on": due, "due_explanation": f"{months} months after the final decision",
            "decided_on": decided, "outcome": "", "outcome_on": None, "ceased_reason": "", "escalated_on": None,
            "assigned_to": None, "last_chased_on": None, "created_at": now, "created_by": creator, "updated_at": now,
            "version": 1,
        })
        if len(rows) == BATCH:
            await bulk_insert(Recommendation, rows)
            rows = []
    await bulk_insert(Recommendation, rows)
    from workbench.db import engine

    await engine().run_ddl("ANALYZE")


class _Inbox:
    count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recommendations", type=int, default=30_000)
    parser.add_argument("--cases", type=int, default=2_000)
    parser.add_argument("--smtp", action="store_true", help="email the letters to a local SMTP server")
    parser.add_argument("--postgres", help="an admin URL of a PostgreSQL server to benchmark on instead of SQLite")
    args = parser.parse_args()

    pg_database = f"workbench_bench_{uuid.uuid4().hex[:8]}"
    url = None
    if args.postgres:
        import asyncpg

        async def create() -> None:
            connection = await asyncpg.connect(args.postgres)
            await connection.execute(f'CREATE DATABASE "{pg_database}"')
            await connection.close()

        asyncio.run(create())
        url = args.postgres.rsplit("/", 1)[0] + "/" + pg_database
    scratch = harness.scratch(database_url=url)
    from dataclasses import replace

    from remedies.chasing import chase
    from remedies.tables import ChaseFiring, Recommendation
    from workbench.db import close_database, open_database
    from workbench.settings import SmtpConfig, get_settings

    controller = None
    settings = replace(get_settings(), smtp=None)
    inbox = _Inbox()
    if args.smtp:
        from aiosmtpd.controller import Controller

        port = harness.free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        settings = replace(settings, smtp=SmtpConfig("127.0.0.1", port))
    try:
        started = time.perf_counter()
        harness.ensure_demo(args.cases)
        asyncio.run(seed(args.recommendations))
        outstanding = asyncio.run(Recommendation.count().where(Recommendation.outcome == "").run())
        print(f"{'PostgreSQL' if args.postgres else 'SQLite'}: {outstanding:,} outstanding recommendations "
              f"(seeded in {time.perf_counter() - started:.1f} s)")

        today = date.today()
        steps = [
            ("dry run as of today", today, True, None),
            ("catch-up as of yesterday (first run)", today - timedelta(days=1), False, None),
            ("daily scan as of today" + (" (emails)" if args.smtp else ""), today, False, settings),
            ("the same scan again", today, False, settings),
        ]
        print(f"{'scan':<44}{'seconds':>9}{'fired':>9}")
        async def scan(as_of, dry_run, with_settings):
            await open_database(use_pool=True)  # as the app and the CLI do: a pool on PostgreSQL
            try:
                return await chase(as_of, dry_run=dry_run, settings=with_settings or replace(settings, smtp=None))
            finally:
                await close_database()

        for label, as_of, dry_run, with_settings in steps:
            report = asyncio.run(scan(as_of, dry_run, with_settings))
            deliveries = ", ".join(f"{n:,} {k}" for k, n in sorted(report.deliveries.items()))
            print(f"{label:<44}{report.seconds:>9.2f}{len(report.fired):>9,}  {deliveries}")
        print(f"firings stored: {asyncio.run(ChaseFiring.count().run()):,}; emails received: {inbox.count:,}")
    finally:
        if controller is not None:
            controller.stop()
        shutil.rmtree(scratch.data_dir, ignore_errors=True)
        if args.postgres:
            import asyncpg

            async def drop() -> None:
                from piccolo.engine import engine_finder

                engine = engine_finder()
                if getattr(engine, "pool", None) is not None:
                    await engine.close_connection_pool()
                connection = await asyncpg.connect(args.postgres)
                await connection.execute(f'DROP DATABASE IF EXISTS "{pg_database}" WITH (FORCE)')
                await connection.close()

            asyncio.run(drop())


if __name__ == "__main__":
    main()
