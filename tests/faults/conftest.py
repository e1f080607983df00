"""Real processes for the fault tests: the server (`python -m workbench serve`) and the command line,
on the test's own database (a copy of the template on SQLite, the run's database on PostgreSQL)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import ENGINE

CLI = [sys.executable, "-m", "workbench"]
START_SECONDS = 30


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url(db) -> str:
    """The URL a child process uses to reach the database this test's ``db`` fixture prepared."""
    if ENGINE == "postgres":
        return os.environ["WORKBENCH_DATABASE_URL"]
    return f"sqlite:///{db.path}"


class ServerProcess:
    """``workbench serve`` on a free port: started, killed with SIGKILL, started again."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen | None = None
        self.base = ""

    def start(self) -> str:
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        log = self.log_path.open("a")
        self.process = subprocess.Popen([*CLI, "serve", "--port", str(port)], env=self.env,
                                        stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                if httpx.get(self.base + "/healthz", timeout=1).status_code == 200:
                    return self.base
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.stop()
                raise RuntimeError("the server did not start:\n" + self.log_path.read_text()[-3000:])
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, no flushing, open transactions cut off."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""


@pytest.fixture
def child_env(db, tmp_path) -> dict[str, str]:
    """The environment of a server or command run by the test: its database, its own data folder."""
    data = tmp_path / "data"
    data.mkdir()
    return {**os.environ, "WORKBENCH_DATABASE_URL": database_url(db), "WORKBENCH_DATA_DIR": str(data),
            "WORKBENCH_DB_POOL": "on", "WORKBENCH_SCHEDULER": "off", "PYTHONUNBUFFERED": "1"}


@pytest.fixture
def server(child_env, tmp_path):
    """A server process (not yet started) that is always stopped at the end."""
    process = ServerProcess(child_env, tmp_path / "server.log")
    yield process
    process.stop()
