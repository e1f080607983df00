"""A real server on a free port with demo data, and Chromium driven by Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

import pytest

CHROMIUM = os.environ.get("WORKBENCH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_server(data_dir: Path, cases: int = 300, seed: int = 7, prepare: Callable[[Path], None] | None = None):
    """Migrate, load demo data, let ``prepare`` change the database file, then serve it on a free port."""
    env = {
        **os.environ,
        "WORKBENCH_DATA_DIR": str(data_dir),
        "WORKBENCH_DATABASE_URL": f"sqlite:///{data_dir / 'live.sqlite3'}",
        "WORKBENCH_SCHEDULER": "off",
        "WORKBENCH_COOKIE_SECURE": "off",
        "WORKBENCH_DB_POOL": "on",
    }
    cli = [sys.executable, "-m", "workbench"]
    subprocess.run([*cli, "migrate"], env=env, check=True, capture_output=True)
    subprocess.run([*cli, "demo", "--cases", str(cases), "--seed", str(seed)], env=env, check=True, capture_output=True)
    if prepare is not None:
        prepare(data_dir / "live.sqlite3")
    port = _free_port()
    log = (Path(data_dir) / "server.log").open("w")
    server = subprocess.Popen([*cli, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError("the server did not start: " + (Path(data_dir) / "server.log").read_text())
            time.sleep(0.2)
    try:
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("live")) as base:
        yield base


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


def watched_page(context):
    """A page that records console errors and CSP violations in ``page.problems``."""
    page = context.new_page()
    page.problems = []  # console errors and CSP violations seen while the test ran
    page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    # Leaving a page aborts its htmx requests still in flight, which htmx logs as a console error:
    # a test that navigates right after a swap waits for the lazy panels first.
    page.settle = lambda: _settle(page)
    return page


def _settle(page, timeout: float = 10.0) -> None:
    """Wait until no htmx request is in flight (polled from Python: wait_for_function needs eval, which the CSP forbids)."""
    deadline = time.monotonic() + timeout
    while page.evaluate("document.querySelector('.htmx-request') !== null"):
        if time.monotonic() > deadline:
            raise AssertionError("htmx requests still in flight after %s s" % timeout)
        page.wait_for_timeout(50)


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server)
    yield watched_page(context)
    context.close()
