"""One link per case and body, one finding per case and body (composite unique indexes)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-25T18:08:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique (case, body) on case bodies and findings"

STATEMENTS = [
    'CREATE UNIQUE INDEX investigations_case_body_unique ON investigations_case_body ("case", body)',
    'CREATE UNIQUE INDEX investigations_finding_unique ON investigations_finding ("case", body)',
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="investigations", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
