"""The audit log refuses UPDATE and DELETE at the database level, on both engines.

The hash chain detects tampering after the fact; these triggers stop the application (or anyone
using its database account) from doing it in the first place.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-25T18:05:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit log is append-only (triggers)"

SQLITE = [
    """CREATE TRIGGER workbench_audit_no_update BEFORE UPDATE ON workbench_audit_event
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
    """CREATE TRIGGER workbench_audit_no_delete BEFORE DELETE ON workbench_audit_event
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
]
POSTGRES = [
    """CREATE OR REPLACE FUNCTION workbench_audit_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'the audit log is append-only'; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER workbench_audit_no_change BEFORE UPDATE OR DELETE ON workbench_audit_event
       FOR EACH ROW EXECUTE FUNCTION workbench_audit_append_only()""",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="workbench", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in SQLITE if engine.engine_type == "sqlite" else POSTGRES:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
