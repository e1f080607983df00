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
import contextlib
import io
import os
import secrets
import statistics
import tempfile
import time
from pathlib import Path

TARGET_MS = 150.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
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

    from investigations.demo import load_demo
    from investigations.tables import Case, CaseBody, Person
    from workbench.app import create_app
    from workbench.cli import migrate_database

    with contextlib.redirect_stdout(io.StringIO()):
        asyncio.run(migrate_database())
    existing = asyncio.run(Case.count().run())
    if existing < args.cases:
        started = time.perf_counter()
        asyncio.run(load_demo(cases=args.cases - existing, seed=1, quiet=True))
        print(f"demo load: {args.cases - existing:,} cases in {time.perf_counter() - started:.1f} s")
    total = asyncio.run(Case.count().run())
    family = asyncio.run(Person.select(Person.family_name).where(Person.id == 7).first().run())["family_name"]
    body = asyncio.run(CaseBody.select(CaseBody.body.name.as_alias("name")).where(CaseBody.case == 12345).first().run())["name"]
    print(f"database: {database} ({total:,} cases)")

    def signed_in(client: TestClient, username: str) -> TestClient:
        client.get("/login")
        token = client.cookies["workbench-csrf"]
        client.post("/login", data={"username": username, "password": "workbench-demo", "_csrf_token": token})
        return client

    htmx = {"HX-Request": "true"}
    with TestClient(create_app(), base_url="http://testserver.local") as manager, \
            TestClient(create_app(), base_url="http://testserver.local") as investigator:
        signed_in(manager, "manager")
        signed_in(investigator, "investigator")
        reference = manager.get("/api/cases", params={"stage": "investigation"}).json()["items"][0]["reference"]
        cases = [
            # (label, client, url, headers)
            ("all cases (default list)", manager, "/cases", {}),
            ("all cases, page 40", manager, "/cases?page=40", {}),
            ("my cases (investigator)", investigator, "/cases?queue=mine", {}),
            ("unallocated (allocation order)", manager, "/cases?queue=unallocated", {}),
            ("stage filter: assessment", manager, "/cases?stage=assessment", {}),
            ("stage filter: closed", manager, "/cases?stage=closed", {}),
            ("body filter: Hampshire", manager, "/cases?body=Hampshire", {}),
            ("body filter: 'council' (~300)", manager, "/cases?body=council", {}),
            ("category filter: housing", manager, "/cases?category=housing", {}),
            ("investigator filter", manager, "/cases?investigator=7", {}),
            ("received date range (6 months)", manager, "/cases?received_from=1/1/2025&received_to=30/6/2025", {}),
            ("sort by age (oldest first)", manager, "/cases?sort=-age", {}),
            ("sort by stage", manager, "/cases?sort=stage", {}),
            ("sort by reference", manager, "/cases?sort=reference", {}),
            ("search: body name", manager, f"/cases?q={body.split()[0]}", {}),
            (f"search: complainant '{family}'", manager, f"/cases?q={family}", {}),
            ("search: summary words", manager, "/cases?q=care%20home", {}),
            ("search: common word 'council'", manager, "/cases?q=council", {}),
            ("search: reference", manager, f"/cases?q={reference.replace(' ', '')}", {}),
            ("search: partial reference", manager, f"/cases?q={reference[:6]}", {}),
            ("search as you type (htmx) 'Ham'", manager, "/cases?q=Ham", htmx),
            ("search + stage + date (htmx)", manager, "/cases?q=delay&stage=investigation&received_from=1/1/2024", htmx),
            ("search, sorted by age", manager, "/cases?q=Hampshire&sort=-age", {}),
            ("dashboard (manager)", manager, "/", {}),
            ("dashboard (investigator)", investigator, "/", {}),
            ("API list", manager, "/api/cases", {}),
            ("API unallocated", manager, "/api/cases?queue=unallocated", {}),
            ("API search + filter", manager, "/api/cases?q=Hampshire&stage=closed", {}),
        ]
        print(f"{'query':<40}{'median ms':>10}{'p95 ms':>10}")
        over = 0
        for label, client, url, headers in cases:
            client.get(url, headers=headers)  # warm up
            timings = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                response = client.get(url, headers=headers)
                timings.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            timings.sort()
            median = statistics.median(timings)
            p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
            flag = " !" if median > TARGET_MS else ""
            over += bool(flag)
            print(f"{label:<40}{median:>10.1f}{p95:>10.1f}{flag}")
        print(f"{over} of {len(cases)} over the {TARGET_MS:.0f} ms median target")


if __name__ == "__main__":
    main()
