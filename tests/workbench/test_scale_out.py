"""Scale-out with real processes: `workbench serve --workers 2` shares one session across its workers
and runs exactly one scheduler; `workbench scheduler` beside workers started with WORKBENCH_SCHEDULER=off
is the only leader; a killed leader is replaced. Runs on both engines (SQLite with its one-writer note)."""

from __future__ import annotations

import asyncio
import dataclasses
import re
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.conftest import CSRF_COOKIE, DEMO_PASSWORD, ENGINE
from tests.faults.conftest import CLI, database_url, free_port
from workbench.scheduler import Leader, current_leader
from workbench.settings import load_settings

SESSION_COOKIE = "workbench-session"
WAIT_SECONDS = 60


def wait_for(condition, what: str, seconds: float = WAIT_SECONDS):
    """Poll until ``condition()`` is truthy and return it; fail saying what never happened."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


class Processes:
    """Every process a test starts, each logging to its own file, all stopped at the end."""

    def __init__(self, env: dict[str, str], folder: Path) -> None:
        self.env, self.folder, self.started = env, folder, []

    def start(self, name: str, *args: str) -> subprocess.Popen:
        with (self.folder / f"{name}.log").open("a") as log:
            process = subprocess.Popen([*CLI, *args], env=self.env, stdout=log, stderr=subprocess.STDOUT)
        process.log_name = name
        self.started.append(process)
        return process

    def log(self, process: subprocess.Popen) -> str:
        return (self.folder / f"{process.log_name}.log").read_text()

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.terminate()
        for process in self.started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def worker_pids(server_pid: int) -> set[int]:
    """uvicorn's worker processes: the parent's children started by multiprocessing's spawn."""
    pids = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[1]) == server_pid and b"spawn_main" in cmdline:
            pids.add(int(stat.parent.name))
    return pids


def served_by(log: str, path: str) -> set[int]:
    """The pids whose access-log lines show ``path`` answered 200 (every line names its process)."""
    return {int(pid) for pid in re.findall(rf'\[pid (\d+)\] INFO: .*"GET {re.escape(path)} HTTP/1.1" 200', log)}


@pytest.fixture
def processes(db, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    env = {**__import__("os").environ, "WORKBENCH_DATABASE_URL": database_url(db), "WORKBENCH_DATA_DIR": str(data),
           "WORKBENCH_DB_POOL": "on", "WORKBENCH_SCHEDULER_STANDBY_SECONDS": "1", "PYTHONUNBUFFERED": "1"}
    running = Processes(env, tmp_path)
    running.settings = dataclasses.replace(load_settings(), database_url=env["WORKBENCH_DATABASE_URL"], data_dir=data)
    yield running
    running.stop_all()


def leader(processes: Processes) -> Leader | None:
    return asyncio.run(current_leader(processes.settings))


def start_server(processes: Processes, scheduler: str, name: str = "server", workers: int = 2) -> tuple[subprocess.Popen, str]:
    """`workbench serve --workers N` (N > 1) on a free port, returned once every worker has started."""
    processes.env["WORKBENCH_SCHEDULER"] = scheduler
    port = free_port()
    server = processes.start(name, "serve", "--port", str(port), "--workers", str(workers))
    base = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        assert server.poll() is None, "the server stopped:\n" + processes.log(server)[-3000:]
        started = processes.log(server).count("Application startup complete")
        return len(worker_pids(server.pid)) == workers and started >= workers

    wait_for(ready, f"{workers} workers to start")
    return server, base


def sign_in(base: str, username: str = "manager") -> str:
    with httpx.Client(base_url=base) as browser:
        browser.get("/login")
        response = browser.post("/login", data={"username": username, "password": DEMO_PASSWORD,
                                                "_csrf_token": browser.cookies[CSRF_COOKIE]})
        assert response.status_code == 302, response.text
        return browser.cookies[SESSION_COOKIE]


def ask_me(base: str, cookie: str, times: int) -> list[tuple[int, str]]:
    """``times`` requests for /api/me with one session, 8 at a time, each on a new connection."""

    def one(_):
        response = httpx.get(base + "/api/me", cookies={SESSION_COOKIE: cookie}, headers={"Connection": "close"})
        return response.status_code, response.json().get("username", "")

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, range(times)))


def test_two_workers_share_one_session_run_one_scheduler_and_replace_a_killed_leader(processes):
    server, base = start_server(processes, scheduler="on")
    workers = worker_pids(server.pid)
    if ENGINE == "sqlite":
        assert "SQLite allows one writer at a time" in processes.log(server)

    # Exactly one worker leads; the other stands by.
    first = wait_for(lambda: leader(processes), "a scheduler leader")
    assert first.pid in workers
    wait_for(lambda: "scheduler standby" in processes.log(server), "the other worker to stand by")
    log = processes.log(server)
    assert log.count("scheduler leader: ") == 1 and "scheduled job chase" in log

    # One sign-in; many requests with that session, answered by both workers.
    cookie = sign_in(base)
    answers = ask_me(base, cookie, 120)
    assert set(answers) == {(200, "manager")}
    wait_for(lambda: served_by(processes.log(server), "/api/me") == workers, "both workers to answer with the session", 10)

    # SIGKILL the leader: uvicorn starts a new worker and the lock passes to a live process.
    survivor = (workers - {first.pid}).pop()
    server_log_before = len(processes.log(server))
    __import__("os").kill(first.pid, signal.SIGKILL)
    second = wait_for(lambda: (found := leader(processes)) and found.pid != first.pid and found, "a new leader")
    assert second.pid in worker_pids(server.pid)
    replacement = wait_for(lambda: (now := worker_pids(server.pid)) and len(now) == 2 and first.pid not in now
                           and (now - {survivor}).pop(), "a replacement worker")
    # The session outlives the killed worker and is seen by the new one.
    def replacement_answered() -> bool:
        assert set(ask_me(base, cookie, 16)) == {(200, "manager")}
        return replacement in served_by(processes.log(server)[server_log_before:], "/api/me")

    wait_for(replacement_answered, "the replacement worker to answer with the same session")
    assert leader(processes) == second  # still exactly one leader, the same one

    # Stop everything: the lock is free; start again: the session is still there.
    server.send_signal(signal.SIGTERM)
    assert server.wait(timeout=30) == 0
    assert leader(processes) is None
    _, base = start_server(processes, scheduler="off", name="server-again")
    assert ask_me(base, cookie, 1) == [(200, "manager")]


def test_the_scheduler_process_is_the_only_leader_beside_workers_without_one(processes):
    server, base = start_server(processes, scheduler="off")
    first = processes.start("scheduler-a", "scheduler")
    assert wait_for(lambda: leader(processes), "the scheduler process to lead").pid == first.pid
    second = processes.start("scheduler-b", "scheduler")
    wait_for(lambda: "scheduler standby" in processes.log(second), "the second scheduler to stand by")
    assert f"the leader is pid {first.pid}" in processes.log(second)
    assert "scheduled job chase" in processes.log(first) and "next run" in processes.log(first)

    status = subprocess.run([*CLI, "scheduler", "--status"], env=processes.env, capture_output=True, text=True)
    assert status.returncode == 0 and f"pid {first.pid}" in status.stdout

    # The workers serve but never take part (WORKBENCH_SCHEDULER=off).
    assert set(ask_me(base, sign_in(base), 8)) == {(200, "manager")}
    assert "scheduler" not in processes.log(server).lower().replace("workbench_scheduler", "")

    # SIGTERM: a clean exit that frees the lock; the standby takes over.
    first.send_signal(signal.SIGTERM)
    assert first.wait(timeout=30) == 0
    assert "scheduler process stopped" in processes.log(first)
    assert wait_for(lambda: leader(processes), "the standby to take over").pid == second.pid

    second.send_signal(signal.SIGINT)
    assert second.wait(timeout=30) == 0
    assert leader(processes) is None
    status = subprocess.run([*CLI, "scheduler", "--status"], env=processes.env, capture_output=True, text=True)
    assert status.returncode == 1 and "No process holds" in status.stdout


def test_one_lock_holder_at_a_time_and_it_names_itself(db, tmp_path, run):
    """The lock itself, in one process: a second claimant is refused; the holder is findable; release frees it."""
    import os

    from workbench.scheduler import LeaderLock, this_process

    settings = dataclasses.replace(load_settings(), data_dir=tmp_path)

    async def scenario():  # one event loop: an advisory lock's connection belongs to the loop that opened it
        first, second = LeaderLock(settings), LeaderLock(settings)
        assert await current_leader(settings) is None
        assert await first.acquire() and await first.acquire()  # asking again while holding it is a yes
        assert not await second.acquire()
        assert await current_leader(settings) == this_process() and this_process().pid == os.getpid()
        assert await first.held()
        await first.release()
        assert await current_leader(settings) is None
        assert await second.acquire()
        await second.release()

    run(scenario())


@pytest.mark.skipif(ENGINE != "postgres", reason="an advisory lock is lost with its connection; a file lock cannot be")
def test_a_leader_whose_lock_connection_dies_stops_its_jobs_and_claims_again(db, tmp_path):
    from workbench.scheduler import SchedulerRunner

    settings = dataclasses.replace(load_settings(), data_dir=tmp_path, scheduler_standby_seconds=1)

    async def scenario():
        import asyncpg

        runner = SchedulerRunner(settings)
        task = asyncio.create_task(runner.run())
        try:
            for _ in range(300):
                if runner.leading:
                    break
                await asyncio.sleep(0.1)
            assert runner.leading
            admin = await asyncpg.connect(settings.database_url)
            try:  # what a database restart or a broken network does to the lock's connection
                await admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'workbench-scheduler %'")
            finally:
                await admin.close()
            lost = False
            for _ in range(600):  # up to 30 s on a busy machine
                lost = lost or not runner.leading
                if lost and runner.leading:
                    break
                await asyncio.sleep(0.05)
            assert lost and runner.leading  # it noticed, stopped, and won the lock back on a new connection
        finally:
            task.cancel()
            with __import__("contextlib").suppress(asyncio.CancelledError):
                await task
        assert not runner.leading and await current_leader(settings) is None

    asyncio.run(scenario())
