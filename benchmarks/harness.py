"""What every benchmark script shares: a scratch environment, the demo caseload, signed-in clients, timing.

The scripts are run as ``.venv/bin/python benchmarks/NAME.py``, so this folder is on ``sys.path``
and they ``import harness``. Settings are read once, when ``workbench`` is first imported: call
``scratch`` before importing anything of the application's.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import math
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "workbench-demo"  # every demo login's
HOST = "testserver.local"  # the in-process client's host name (allowed by ``scratch``)
WARM_LINE = "similar-cases index built"  # logged by systemic.matching when a process's index is ready


@dataclass(frozen=True)
class Scratch:
    data_dir: Path
    database_url: str

    @property
    def sqlite_path(self) -> Path | None:
        return Path(self.database_url.removeprefix("sqlite:///")) if self.database_url.startswith("sqlite:///") else None


def scratch(database: Path | None = None, database_url: str | None = None, prefix: str = "workbench-bench-",
            **settings: str) -> Scratch:
    """A temporary data directory and database (``database``: a SQLite file to reuse or build; or a
    ``database_url``), the environment the app reads, and quiet loggers. ``settings`` add or override
    variables without the WORKBENCH_ prefix: ``scratch(warm_similarity_index="off")``."""
    if sys.path[0] != str(ROOT):
        sys.path.insert(0, str(ROOT))  # the application's packages, wherever the script was started from
    data_dir = Path(tempfile.mkdtemp(prefix=prefix))
    url = database_url or f"sqlite:///{(database.resolve() if database else data_dir / 'bench.sqlite3')}"
    os.environ.update({
        "WORKBENCH_DATA_DIR": str(data_dir),
        "WORKBENCH_DATABASE_URL": url,
        "WORKBENCH_SECRET_KEY": os.environ.get("WORKBENCH_SECRET_KEY") or secrets.token_urlsafe(48),
        "WORKBENCH_SCHEDULER": "off",
        "WORKBENCH_COOKIE_SECURE": "off",
        "WORKBENCH_ALLOWED_HOSTS": f"{HOST},127.0.0.1",
        **{f"WORKBENCH_{name.upper()}": value for name, value in settings.items()},
    })
    import workbench  # noqa: F401  (PICCOLO_CONF, once the environment is set)

    for name in ("httpx", "piccolo"):
        logging.getLogger(name).setLevel(logging.WARNING)
    return Scratch(data_dir, url)


def migrate() -> None:
    """Every domain's migrations and the reference data, without Piccolo's progress lines."""
    from workbench.cli import migrate_database

    with contextlib.redirect_stdout(io.StringIO()):
        asyncio.run(migrate_database())


def ensure_demo(cases: int, seed: int = 1, **demo: Any) -> int:
    """Migrate, then top the database up to ``cases`` demo cases (``demo``: more of ``load_demo``'s
    options, such as ``recommendations_per_case``); the number of cases there now."""
    from investigations.demo import ensure_demo_staff, load_demo
    from investigations.tables import Case

    migrate()
    existing = asyncio.run(Case.count().run())
    if existing < cases:
        started = time.perf_counter()
        result = asyncio.run(load_demo(cases=cases - existing, seed=seed, quiet=True, **demo))
        print(f"demo load: {result.cases:,} cases and {result.recommendations:,} recommendations "
              f"in {time.perf_counter() - started:.1f} s")
    asyncio.run(ensure_demo_staff())
    return asyncio.run(Case.count().run())


@contextlib.contextmanager
def signed_in(username: str) -> Iterator[Any]:
    """The real app in process (Litestar's TestClient), signed in as one of the demo logins."""
    from litestar.testing import TestClient

    from workbench.app import create_app

    with TestClient(create_app(), base_url=f"http://{HOST}") as client:
        client.get("/login")
        answer = client.post("/login", data={"username": username, "password": PASSWORD,
                                             "_csrf_token": client.cookies["workbench-csrf"]}, follow_redirects=False)
        if answer.status_code not in (302, 303):
            raise SystemExit(f"could not sign in as {username}: {answer.status_code}")
        yield client


# --- timing -------------------------------------------------------------------------------------


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (``fraction`` 0.95 for p95) of unsorted values; NaN for none."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


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
    return median(wall), max(wall), median(cpu)


def time_requests(client: Any, requests: Sequence[tuple[str, str, dict[str, str]]], runs: int,
                  target_ms: float | None = None, exempt: Callable[[str], bool] = lambda label: False) -> int:
    """GET each (label, url, headers) once to warm up, then ``runs`` times; print the median and p95
    in ms, marking a median over ``target_ms`` with "!" (unless ``exempt(label)``); how many missed."""
    width = max([40, *(len(label) + 2 for label, _, _ in requests)])
    print(f"{'request':<{width}}{'median ms':>10}{'p95 ms':>10}")
    over = 0
    for label, url, headers in requests:
        client.get(url, headers=headers)
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            response = client.get(url, headers=headers)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        middle = median(timings)
        missed = target_ms is not None and middle > target_ms and not exempt(label)
        over += missed
        print(f"{label:<{width}}{middle:>10.1f}{percentile(timings, 0.95):>10.1f}{' !' if missed else ''}")
    return over


# --- a real server in another process -------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def running_server(env: dict[str, str], workers: int, log_path: Path, timeout: float,
                   warm: bool = True) -> Iterator[tuple[str, int]]:
    """`workbench serve` on a free port, in its own process group; yields (base URL, pid) once every
    worker's similar-cases index is built (``warm``), or as soon as it answers."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "workbench", "serve", "--host", "127.0.0.1", "--port", str(port),
             "--workers", str(workers)],
            env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        deadline = time.monotonic() + timeout
        while not (log_path.read_text().count(WARM_LINE) >= workers if warm else _answers(base)):
            if server.poll() is not None:
                raise SystemExit(f"the server stopped (exit {server.returncode}); see {log_path}")
            if time.monotonic() > deadline:
                raise SystemExit(f"the server was not ready within {timeout:.0f} s; see {log_path}")
            time.sleep(0.5 if warm else 0.01)
        yield base, server.pid
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the server's own group: the supervisor and its workers
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def _answers(base: str) -> bool:
    import httpx

    try:
        return httpx.get(f"{base}/login", timeout=5).status_code == 200
    except httpx.TransportError:
        return False
