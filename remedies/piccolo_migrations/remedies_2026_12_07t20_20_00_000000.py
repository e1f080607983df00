"""Each case's investigator, in an index small enough to probe for every row of a dashboard list.

The dashboard groups a list (7,500 overdue recommendations at 300,000) by the case's investigator.
Reading that from the case rows means a probe into a table of wide rows (summaries) for each one,
or on PostgreSQL a hash of every case; from case (id, investigator) it is an index-only probe.
At 100,000 cases the grouped query fell from ~68 to ~15 ms on PostgreSQL and ~22 to ~12 ms on
SQLite (which is told to use it: ``remedies.worklist.groups``).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-07T20:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "compliance dashboard: case (id, investigator) for grouping lists by investigator"

FORWARDS = ["CREATE INDEX remedies_case_investigator ON investigations_case (id, investigator)"]
BACKWARDS = ["DROP INDEX remedies_case_investigator"]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="remedies", description=DESCRIPTION)

    async def run(statements=FORWARDS):
        engine = engine_finder()
        for statement in statements:
            await engine.run_ddl(statement)

    async def back():
        await run(BACKWARDS)

    manager.add_raw(run)
    manager.add_raw_backwards(back)
    return manager
