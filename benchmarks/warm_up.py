"""Start-up benchmark: how long a request waits while the similar-cases index builds after a restart.

    .venv/bin/python benchmarks/warm_up.py [--cases 20000] [--database PATH] [--interval 0.05]

Seeds (or reuses, with --database) a SQLite database of demo cases, starts the real server
(`workbench serve`, one worker, the index warmed at start-up), and from the moment it first
answers sends ``GET /login`` every ``--interval`` seconds until the worker logs that its index is
built, then for as long again. Prints the latency of those requests during the warm-up and after
it (median, p99, the slowest): the event loop must keep answering while the index is built, so the
two should be close.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import harness


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--database", type=Path, help="reuse (or build) this SQLite file")
    parser.add_argument("--interval", type=float, default=0.05, help="seconds between requests")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds to wait for the index")
    args = parser.parse_args()

    scratch = harness.scratch(args.database, warm_similarity_index="on")
    total = harness.ensure_demo(args.cases)
    print(f"database: {scratch.database_url} ({total:,} cases)")
    import httpx

    log_path = scratch.data_dir / "server.log"
    with harness.running_server(dict(os.environ), 1, log_path, args.timeout, warm=False) as (base, _):
        during, after = [], []
        with httpx.Client(base_url=base, timeout=args.timeout) as client:
            started = time.perf_counter()
            built_at = None
            while built_at is None or time.perf_counter() - built_at < max(built_at - started, 2.0):
                sent = time.perf_counter()
                assert client.get("/login").status_code == 200
                (during if built_at is None else after).append((time.perf_counter() - sent) * 1000)
                if built_at is None and harness.WARM_LINE in log_path.read_text():
                    built_at = time.perf_counter()
                    print(f"index built {built_at - started:.1f} s after the server first answered")
                if time.perf_counter() - started > args.timeout:
                    raise SystemExit(f"the index was not built within {args.timeout:.0f} s; see {log_path}")
                time.sleep(args.interval)
    print(f"{'GET /login':<28}{'requests':>9}{'median ms':>11}{'p99 ms':>9}{'max ms':>9}")
    for label, timings in (("while the index builds", during), ("after", after)):
        print(f"{label:<28}{len(timings):>9}{harness.median(timings):>11.1f}"
              f"{harness.percentile(timings, 0.99):>9.1f}{max(timings):>9.1f}")


if __name__ == "__main__":
    main()
