"""PostgreSQL: a trigram index over case summaries, so a search's ``summary ILIKE '%word%'`` is
answered from the index instead of reading all 100,000 summaries (400 ms -> 5 ms for a body name).

The pg_trgm extension ships with PostgreSQL and is trusted (a database owner may create it).
It finds exactly what the ILIKE finds: the index narrows, PostgreSQL rechecks each row.
SQLite already has its FTS5 word index (the worklist migration); nothing changes there.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

ID = "2026-12-07T20:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "case summary trigram index (PostgreSQL)"

POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS investigations_case_summary_trgm ON investigations_case "
    "USING gin (summary gin_trgm_ops)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="investigations", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        if not isinstance(engine, SQLiteEngine):
            for statement in POSTGRES:
                await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
