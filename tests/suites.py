"""Run the test suites `make test` promises, and say plainly which were skipped and why.

1. sqlite:   unit and integration tests against SQLite (always).
2. postgres: the integration tests again against PostgreSQL, in a database the run creates and drops.
3. browser:  the pages in Chromium (Playwright driving /usr/bin/chromium; no browser download).

A suite whose service is missing is skipped with a reason, unless WORKBENCH_REQUIRE_POSTGRES=1 or
WORKBENCH_REQUIRE_BROWSER=1 makes it mandatory (CI sets both).

The sqlite suite also converts every Word document to PDF with LibreOffice
(tests/workbench/test_documents_open.py); without soffice and pdfinfo that check is skipped, unless
WORKBENCH_REQUIRE_LIBREOFFICE=1 (CI) makes it fail. The summary says which.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys

PG_URL = os.environ.get("WORKBENCH_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
CHROMIUM = os.environ.get("WORKBENCH_CHROMIUM", "/usr/bin/chromium")


def _required(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "on", "true", "yes"}


def postgres_problem() -> str | None:
    try:
        import asyncpg
    except ImportError:
        return "asyncpg is not installed"

    async def probe() -> None:
        connection = await asyncpg.connect(PG_URL, timeout=5)
        await connection.close()

    try:
        asyncio.run(probe())
    except Exception as exc:  # any failure to connect means the suite cannot run
        return f"cannot connect to {PG_URL}: {exc}"
    return None


def browser_problem() -> str | None:
    if not (os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK)) and not shutil.which(CHROMIUM):
        return f"{CHROMIUM} is not installed (apt-get install chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    return None


def libreoffice_problem() -> str | None:
    if not (shutil.which("soffice") or shutil.which("libreoffice")):
        return "LibreOffice is not installed (apt-get install libreoffice-writer-nogui)"
    if not shutil.which("pdfinfo"):
        return "pdfinfo is not installed (apt-get install poppler-utils)"
    return None


def pytest(args: list[str], env: dict[str, str]) -> int:
    return subprocess.call([sys.executable, "-m", "pytest", *args], env={**os.environ, **env})


def main() -> int:
    extra = sys.argv[1:]
    results: list[tuple[str, str]] = []
    failed = False

    code = pytest(["-m", "not browser", *extra], {"WORKBENCH_TEST_ENGINE": "sqlite"})
    results.append(("sqlite", "passed" if code == 0 else f"FAILED (exit {code})"))
    failed |= code != 0

    for name, problem, required_flag, args, env in (
        ("postgres", postgres_problem(), "WORKBENCH_REQUIRE_POSTGRES",
         ["-m", "not browser", "tests/workbench", "tests/investigations", "tests/remedies", "tests/systemic",
          "tests/faults"],
         {"WORKBENCH_TEST_ENGINE": "postgres"}),
        ("browser", browser_problem(), "WORKBENCH_REQUIRE_BROWSER", ["-m", "browser", "tests/browser"],
         {"WORKBENCH_TEST_ENGINE": "sqlite", "WORKBENCH_CHROMIUM": CHROMIUM}),
    ):
        if problem:
            if _required(required_flag):
                results.append((name, f"FAILED: required by {required_flag} but {problem}"))
                failed = True
            else:
                results.append((name, f"SKIPPED: {problem}"))
            continue
        args = [a for a in args if a.startswith("-") or a in ("not browser", "browser") or os.path.isdir(a)]
        code = pytest([*args, *extra], env)
        results.append((name, "passed" if code == 0 else f"FAILED (exit {code})"))
        failed |= code != 0

    documents = libreoffice_problem()
    if not documents:
        results.append(("documents", "converted with LibreOffice as part of the sqlite suite"))
    elif _required("WORKBENCH_REQUIRE_LIBREOFFICE"):
        results.append(("documents", f"FAILED (in the sqlite suite): required by WORKBENCH_REQUIRE_LIBREOFFICE but {documents}"))
    else:
        results.append(("documents", f"SKIPPED: {documents}"))

    print("\n=== test suites ===")
    for name, outcome in results:
        print(f"  {name:<9} {outcome}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
