"""Exactly-once chasing, and the indexes the compliance dashboard reads.

- chase firing (recommendation, rung, key_on) UNIQUE: a repeated or concurrent scan inserts
  nothing for a rung that already fired (INSERT ... ON CONFLICT DO NOTHING on both engines);
- recommendation (outcome, due_on, escalated_on, body, assigned_to): the outstanding ones by due
  date, with what the dashboard groups and filters on, read from the index alone;
- evidence (verdict, recommendation): the "awaiting a verdict" list;
- case (restricted, investigator): the few restricted cases, which lists of recommendations exclude
  for viewers without need-to-know.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-25T21:32:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "chase firing unique key; dashboard indexes"

STATEMENTS = [
    "CREATE UNIQUE INDEX remedies_chase_firing_once ON remedies_chase_firing (recommendation, rung, key_on)",
    "CREATE INDEX remedies_recommendation_outstanding ON remedies_recommendation "
    "(outcome, due_on, escalated_on, body, assigned_to)",
    "CREATE INDEX remedies_evidence_awaiting ON remedies_evidence (verdict, recommendation)",
    "CREATE INDEX remedies_case_restricted ON investigations_case (restricted, investigator)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="remedies", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
