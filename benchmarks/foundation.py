"""Foundation benchmark: demo data load time, and in-process page timings on a large caseload.

    .venv/bin/python benchmarks/foundation.py [--cases 100000] [--runs 30]

Prints medians and 95th percentiles (the machines are noisy: compare runs, not single numbers).
Uses its own SQLite database in a temporary directory; nothing else is touched.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="workbench-bench-"))
    os.environ.update({
        "WORKBENCH_DATA_DIR": str(data_dir),
        "WORKBENCH_DATABASE_URL": f"sqlite:///{data_dir / 'bench.sqlite3'}",
        "WORKBENCH_SECRET_KEY": secrets.token_urlsafe(48),
        "WORKBENCH_SCHEDULER": "off",
        "WORKBENCH_COOKIE_SECURE": "off",
        "WORKBENCH_ALLOWED_HOSTS": "testserver.local",
    })
    import logging

    import workbench  # noqa: F401

    logging.getLogger("httpx").setLevel(logging.WARNING)
    from litestar.testing import TestClient

    from investigations.demo import load_demo
    from workbench.app import create_app
    from workbench.cli import migrate_database

    asyncio.run(migrate_database())
    started = time.perf_counter()
    asyncio.run(load_demo(cases=args.cases, seed=1, quiet=True))
    print(f"demo load: {args.cases:,} cases in {time.perf_counter() - started:.1f} s")

    with TestClient(create_app(), base_url="http://testserver.local") as client:
        client.get("/login")
        token = client.cookies["workbench-csrf"]
        client.post("/login", data={"username": "manager", "password": "workbench-demo", "_csrf_token": token})
        reference = client.get("/api/cases").json()["items"][0]["reference"].replace(" ", "-")
        pages = {
            "case list (first page)": "/cases",
            "case list, search by body": "/cases?q=Hampshire",
            "case list, search by reference": f"/cases?q={reference}",
            "case list fragment (htmx)": "/cases?q=Kent",
            "case page": f"/cases/{reference}",
            "dashboard (manager)": "/",
            "API case list": "/api/cases",
            "API body type-ahead": "/api/bodies?q=Hants%20CC",
        }
        print(f"{'page':<34}{'median ms':>10}{'p95 ms':>10}")
        for label, url in pages.items():
            headers = {"HX-Request": "true"} if "htmx" in label else {}
            timings = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                response = client.get(url, headers=headers)
                timings.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            timings.sort()
            p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
            print(f"{label:<34}{statistics.median(timings):>10.1f}{p95:>10.1f}")


if __name__ == "__main__":
    main()
