"""Load benchmark: the real server (`workbench serve`) under a bounded load from a second process.

    .venv/bin/python benchmarks/load.py [--engine sqlite|postgres|both] [--cases 100000]
        [--recommendations 300000] [--concurrency 16] [--warmup 3] [--duration 10] [--reseed]
        [--scenario NAME ...] [--workers N] [--keep-log FILE]

Seeds a database with the demo caseload (about 3 recommendations per case), or reuses the one an
earlier run left with the same --cases (`var/bench/load-<cases>.sqlite3`, PostgreSQL database
`workbench_load_<cases>` on WORKBENCH_BENCH_POSTGRES, default postgres@127.0.0.1:5432; --reseed
rebuilds it), starts `python -m workbench serve` on a free port of 127.0.0.1 (SQLite: 1 worker,
PostgreSQL: 2; the scheduler off), waits until every worker has built its similar-cases index, then
drives it from a second process: --concurrency kept-alive connections, each sending its next
request as soon as the last is answered (raw HTTP/1.1, so the client costs little CPU), --warmup
seconds unmeasured then --duration seconds measured, one scenario after another:

    case-list-search      GET /cases?q=...           (body names and summary words; investigator)
    case-page             GET /cases/{reference}     (500 cases in turn; investigator)
    compliance-dashboard  GET /compliance            (compliance officer)
    similar-cases-api     GET /api/cases/{reference}/similar?limit=10
    case-note             POST /cases/{reference}/notes as htmx sends it (CSRF token; the answer is
                          the re-rendered case body)

Each role signs in once (a session cookie). Prints per scenario: requests per second, p50 and p99
latency, errors (any status >= 400, or a broken connection), the load average, the server's CPU use
(all its processes) and its CPU milliseconds per request, which stay meaningful when other work
shares the machine. Targets on 2 cores: >= 300 req/s on the case page, p99 < 100 ms for the reads,
no errors; a "!" names each miss.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import harness

PYTHON = sys.executable
PG_SERVER = os.environ.get("WORKBENCH_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
DEMO_RATIO = 10.3 / 3  # `workbench demo --recommendations-per-case 10.3` gives about 3 per case
SCENARIOS = ("case-list-search", "case-page", "compliance-dashboard", "similar-cases-api", "case-note")
READ_P99_TARGET_MS = 100.0
CASE_PAGE_RPS_TARGET = 300.0


# --- the database -------------------------------------------------------------------------------

def database_url(engine: str, cases: int, sqlite_path: Path | None) -> str:
    if engine == "sqlite":
        return f"sqlite:///{(sqlite_path or harness.ROOT / 'var' / 'bench' / f'load-{cases}.sqlite3').resolve()}"
    return f"{PG_SERVER}/workbench_load_{cases}"


def count_rows(url: str) -> tuple[int, int]:
    """(cases, recommendations) already in the database; (0, 0) when it or its tables are missing."""
    query = "SELECT (SELECT count(*) FROM investigations_case), (SELECT count(*) FROM remedies_recommendation)"
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if not path.exists():
            return 0, 0
        try:
            with sqlite3.connect(path) as connection:
                return tuple(connection.execute(query).fetchone())  # type: ignore[return-value]
        except sqlite3.Error:
            return 0, 0

    async def count() -> tuple[int, int]:
        import asyncpg

        try:
            connection = await asyncpg.connect(url)
        except asyncpg.InvalidCatalogNameError:
            return 0, 0
        try:
            return tuple(await connection.fetchrow(query))  # type: ignore[return-value]
        except asyncpg.UndefinedTableError:
            return 0, 0
        finally:
            await connection.close()

    return asyncio.run(count())


def drop_database(url: str) -> None:
    """An empty database at ``url`` (the SQLite file removed; the PostgreSQL database recreated)."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            leftover.unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    server, name = url.rsplit("/", 1)

    async def recreate() -> None:
        import asyncpg

        connection = await asyncpg.connect(f"{server}/postgres")
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()

    asyncio.run(recreate())


def vacuum_analyze(url: str) -> None:
    """VACUUM ANALYZE a PostgreSQL database whose tables were never analyzed, as autovacuum would
    have soon after a bulk load in production. Without statistics the planner guesses (a sequential
    scan of every case for the few restricted ones), and without the visibility map no index-only
    scan skips the table: on a server with autovacuum off the benchmark measured neither."""
    if url.startswith("sqlite:///"):
        return

    async def run() -> None:
        import asyncpg

        connection = await asyncpg.connect(url)
        try:
            never = await connection.fetchval(
                "SELECT count(*) FROM pg_stat_user_tables WHERE n_live_tup > 0 "
                "AND last_analyze IS NULL AND last_autoanalyze IS NULL")
            if never:
                await connection.execute("VACUUM (ANALYZE)")
        finally:
            await connection.close()

    asyncio.run(run())


def seed(url: str, cases: int, recommendations: int, reseed: bool) -> tuple[int, int]:
    """The demo caseload at ``url``, reused when an earlier run left exactly ``cases`` cases; sets up
    this process's environment for the app (``harness.scratch``), so call it once per process."""
    found = count_rows(url)
    fresh = reseed or found[0] != cases or found[1] == 0
    if fresh:
        drop_database(url)
    harness.scratch(database_url=url, prefix="workbench-load-", warm_similarity_index="on")
    started = time.perf_counter()
    # migrations added since a reused database was built run too
    harness.ensure_demo(cases, recommendations_per_case=max(1.0, DEMO_RATIO * recommendations / max(cases, 1)))
    found = count_rows(url)
    vacuum_analyze(url)
    print(f"{'seeded' if fresh else 'reusing'} {url}: {found[0]:,} cases, {found[1]:,} recommendations"
          + (f" in {time.perf_counter() - started:.0f} s" if fresh else " (--reseed rebuilds it)"))
    return found


# --- the load generator (the second process) ----------------------------------------------------

@dataclass
class Signed:
    """One signed-in client: the cookies to send and the CSRF token for forms."""

    cookie: str
    csrf: str


@dataclass
class Plan:
    """What a scenario sends: requests taken in turn from ``requests``."""

    name: str
    read: bool
    requests: list[bytes] = field(default_factory=list)


def sign_in(base: str, username: str) -> Signed:
    import httpx

    with httpx.Client(base_url=base, follow_redirects=False) as client:
        client.get("/login")
        csrf = client.cookies["workbench-csrf"]
        answer = client.post("/login", data={"username": username, "password": harness.PASSWORD, "_csrf_token": csrf})
        if answer.status_code not in (302, 303) or "workbench-session" not in client.cookies:
            raise SystemExit(f"could not sign in as {username}: {answer.status_code}")
        cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
        return Signed(cookie, csrf)


def raw_request(host: str, signed: Signed, path: str, form: dict[str, str] | None = None,
                headers: dict[str, str] | None = None) -> bytes:
    """The bytes of one HTTP/1.1 request (the load loop writes them as they are: no client library cost)."""
    lines = [f"{'POST' if form is not None else 'GET'} {path} HTTP/1.1", f"Host: {host}", f"Cookie: {signed.cookie}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    body = b""
    if form is not None:
        body = urllib.parse.urlencode({**form, "_csrf_token": signed.csrf}).encode()
        lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def build_plans(base: str, names: list[str], seed: int) -> list[Plan]:
    """The requests of each scenario, over cases and search terms read from the running server."""
    import httpx

    rng = random.Random(seed)
    host = base.removeprefix("http://")
    investigator, compliance = sign_in(base, "investigator"), sign_in(base, "compliance")
    with httpx.Client(base_url=base, headers={"Cookie": investigator.cookie}) as client:
        total = client.get("/api/cases", params={"limit": 1, "queue": "all"}).json()["total"]
        references: list[str] = []
        for offset in sorted(rng.sample(range(max(total - 100, 1)), min(10, max(total - 100, 1)))):
            page = client.get("/api/cases", params={"limit": 100, "offset": offset, "queue": "all", "sort": "reference"})
            references += [item["reference"] for item in page.json()["items"] if not item["restricted"]]
        rng.shuffle(references)
        terms: list[str] = []
        for reference in references[:12]:
            detail = client.get(f"/api/cases/{reference}").json()
            words = [w for w in re.findall(r"[A-Za-z]{6,}", detail["summary"])]
            terms += [detail["bodies"][0]["name"], rng.choice(words) if words else "council"]
    if not references:
        raise SystemExit("no cases to load: seed the database first")
    dashed = [r.replace(" ", "-") for r in references]
    plans = {
        "case-list-search": Plan("case-list-search", True, [
            raw_request(host, investigator, "/cases?" + urllib.parse.urlencode({"q": term})) for term in terms]),
        "case-page": Plan("case-page", True, [raw_request(host, investigator, f"/cases/{r}") for r in dashed[:500]]),
        "compliance-dashboard": Plan("compliance-dashboard", True, [raw_request(host, compliance, "/compliance")]),
        "similar-cases-api": Plan("similar-cases-api", True, [
            raw_request(host, investigator, f"/api/cases/{r}/similar?limit=10") for r in dashed[:500]]),
        # the case page's "Add a note" as htmx sends it: the answer is the case body, re-rendered
        "case-note": Plan("case-note", False, [
            raw_request(host, investigator, f"/cases/{r}/notes", {"note": f"Load test note {n}"},
                        {"HX-Request": "true", "HX-Current-URL": f"{base}/cases/{r}"})
            for n, r in enumerate(dashed[500:1000] or dashed)]),
    }
    return [plans[name] for name in names]


async def exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> int:
    """Send one request and read its whole answer (Content-Length or chunked); the status code."""
    writer.write(request)
    status = int((await reader.readline()).split()[1])
    length, chunked = 0, False
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        while (size := int((await reader.readline()).split(b";")[0], 16)) > 0:
            await reader.readexactly(size + 2)
        await reader.readline()
    elif length:
        await reader.readexactly(length)
    return status


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)


async def run_plan(port: int, plan: Plan, concurrency: int, warmup: float, duration: float) -> Outcome:
    """``concurrency`` kept-alive connections, each sending its next request when the last is answered."""
    outcome = Outcome()
    start = time.perf_counter()
    measure_from, stop_at = start + warmup, start + warmup + duration
    counter = iter(range(10**12))

    async def connection() -> None:
        reader = writer = None
        while time.perf_counter() < stop_at:
            request = plan.requests[next(counter) % len(plan.requests)]
            sent = time.perf_counter()
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                status = await exchange(reader, writer, request)
            except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
                status = 0
                if writer is not None:
                    writer.close()
                reader = writer = None
            done = time.perf_counter()
            if measure_from <= sent and done <= stop_at:
                outcome.latencies.append(done - sent)
                outcome.statuses[status] = outcome.statuses.get(status, 0) + 1
                outcome.errors += not 200 <= status < 400
        if writer is not None:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(concurrency)))
    return outcome


def group_cpu_seconds(group: int) -> float:
    """CPU time used so far by every process in a process group (the server's supervisor and workers)."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group:  # pgrp; utime and stime follow at 11 and 12
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def drive(base: str, names: list[str], concurrency: int, warmup: float, duration: float, seed: int,
          server_group: int) -> None:
    """The second process: build the plans, run each, print one line per scenario."""
    port = int(base.rsplit(":", 1)[1])
    plans = build_plans(base, names, seed)
    print(f"{'scenario':<22}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}  {'load average':<16}"
          f"{'server CPU':>11}{'ms CPU/req':>11}{'client CPU':>11}")
    for plan in plans:
        cpu, server_cpu, clock = time.process_time(), group_cpu_seconds(server_group), time.perf_counter()
        outcome = asyncio.run(run_plan(port, plan, concurrency, warmup, duration))
        clock = time.perf_counter() - clock
        cpu = (time.process_time() - cpu) / clock
        server_seconds = group_cpu_seconds(server_group) - server_cpu
        server_cpu = server_seconds / clock
        ordered = outcome.latencies
        p50, p99 = harness.percentile(ordered, 0.50) * 1000, harness.percentile(ordered, 0.99) * 1000
        rps = len(ordered) / duration
        per_request = server_seconds * 1000 / max(1, len(ordered)) * duration / clock  # over the whole run
        flags = []
        if plan.read and p99 >= READ_P99_TARGET_MS:
            flags.append(f"p99 over {READ_P99_TARGET_MS:.0f} ms")
        if plan.name == "case-page" and rps < CASE_PAGE_RPS_TARGET:
            flags.append(f"under {CASE_PAGE_RPS_TARGET:.0f} req/s")
        if outcome.errors:
            flags.append("statuses " + ", ".join(f"{s}: {n}" for s, n in sorted(outcome.statuses.items())))
        load = " ".join(f"{v:.2f}" for v in os.getloadavg())
        print(f"{plan.name:<22}{rps:>8.0f}{p50:>9.1f}{p99:>9.1f}{outcome.errors:>8}  {load:<16}"
              f"{server_cpu:>11.0%}{per_request:>11.1f}{cpu:>11.0%}"
              + (f"  ! {'; '.join(flags)}" if flags else ""), flush=True)


# --- the whole run ------------------------------------------------------------------------------

def bench_engine(engine: str, args: argparse.Namespace) -> None:
    workers = args.workers or (1 if engine == "sqlite" else 2)
    url = database_url(engine, args.cases, args.database)
    cases, recommendations = seed(url, args.cases, args.recommendations, args.reseed)
    data_dir = Path(os.environ["WORKBENCH_DATA_DIR"])
    try:
        log_path = data_dir / "server.log"
        started = time.perf_counter()
        with harness.running_server(dict(os.environ), workers, log_path, args.start_timeout) as (base, group):
            print(f"\n{engine}, {workers} worker(s), {cases:,} cases, {recommendations:,} recommendations; "
                  f"{args.concurrency} connections, {args.warmup:g} s warm-up + {args.duration:g} s per scenario; "
                  f"ready in {time.perf_counter() - started:.0f} s; load average before: "
                  + " ".join(f"{v:.2f}" for v in os.getloadavg()), flush=True)
            subprocess.run([PYTHON, __file__, "--drive", base, "--server-group", str(group), "--concurrency",
                            str(args.concurrency), "--warmup", str(args.warmup), "--duration", str(args.duration),
                            "--seed", str(args.seed), *(f"--scenario={name}" for name in args.scenario or SCENARIOS)],
                           check=True)
        if args.keep_log:
            print(f"server log: {shutil.copy(log_path, args.keep_log)}")
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--recommendations", type=int, help="default: 3 per case (300,000 for 100,000 cases)")
    parser.add_argument("--database", type=Path, help="the SQLite file (default var/bench/load-<cases>.sqlite3)")
    parser.add_argument("--reseed", action="store_true", help="rebuild the database even if an earlier run left one")
    parser.add_argument("--workers", type=int, help="default: 1 on SQLite, 2 on PostgreSQL")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds unmeasured at the start of each scenario")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds measured per scenario")
    parser.add_argument("--scenario", action="append", choices=SCENARIOS, help="run only these (repeatable)")
    parser.add_argument("--seed", type=int, default=1, help="which cases and search terms the load uses")
    parser.add_argument("--start-timeout", type=float, default=900.0, help="seconds to wait for the server")
    parser.add_argument("--keep-log", type=Path, help="copy the server's log here")
    parser.add_argument("--drive", metavar="URL", help=argparse.SUPPRESS)  # the load-generating process
    parser.add_argument("--server-group", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drive:
        drive(args.drive, args.scenario or list(SCENARIOS), args.concurrency, args.warmup, args.duration, args.seed,
              args.server_group)
        return
    args.recommendations = args.recommendations if args.recommendations is not None else 3 * args.cases
    if args.engine == "both":  # the app reads its settings once per process: one process per engine
        for engine in ("sqlite", "postgres"):
            subprocess.run([PYTHON, __file__, *sys.argv[1:], f"--engine={engine}"], check=True)
        return
    bench_engine(args.engine, args)


if __name__ == "__main__":
    main()
