"""Piccolo's configuration: the engine chosen by WORKBENCH_DATABASE_URL, and the domain apps."""

from pathlib import Path

from piccolo.conf.apps import AppRegistry
from piccolo.engine.postgres import PostgresEngine

from workbench.settings import database_url_from_env
from workbench.sqlite_engine import PooledSQLiteEngine

# Apps in dependency order: the shell (users, audit) first, the domains after it.
APPS = [
    "workbench.piccolo_app",
    "investigations.piccolo_app",
    "remedies.piccolo_app",
    "systemic.piccolo_app",
]


def make_engine(url: str):
    if url.startswith(("postgres://", "postgresql://")):
        # The pool is started by the app's lifespan; outside it each query opens its own connection.
        return PostgresEngine(config={"dsn": url}, log_queries=False)
    path = Path(url.removeprefix("sqlite:///"))
    path.parent.mkdir(parents=True, exist_ok=True)
    # timeout becomes SQLite's busy timeout: writers queue for up to 15 s instead of failing.
    # Its connections are reused once the app's lifespan starts the pool (workbench.sqlite_engine).
    return PooledSQLiteEngine(path=str(path), timeout=15)


DB = make_engine(database_url_from_env())
APP_REGISTRY = AppRegistry(apps=APPS)
