"""Foundation benchmark: demo data load time, and in-process page timings on a large caseload.

    .venv/bin/python benchmarks/foundation.py [--cases 100000] [--runs 30]

Prints medians and 95th percentiles (the machines are noisy: compare runs, not single numbers).
Uses its own SQLite database in a temporary directory; nothing else is touched.
"""

from __future__ import annotations

import argparse

import harness


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    harness.scratch()
    harness.ensure_demo(args.cases)
    with harness.signed_in("manager") as client:
        reference = client.get("/api/cases").json()["items"][0]["reference"].replace(" ", "-")
        htmx = {"HX-Request": "true"}
        harness.time_requests(client, [
            ("case list (first page)", "/cases", {}),
            ("case list, search by body", "/cases?q=Hampshire", {}),
            ("case list, search by reference", f"/cases?q={reference}", {}),
            ("case list fragment (htmx)", "/cases?q=Kent", htmx),
            ("case page", f"/cases/{reference}", {}),
            ("dashboard (manager)", "/", {}),
            ("API case list", "/api/cases", {}),
            ("API body type-ahead", "/api/bodies?q=Hants%20CC", {}),
        ], args.runs)


if __name__ == "__main__":
    main()
