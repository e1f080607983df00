"""Partial indexes for the compliance dashboard: only the rows its lists can ever show.

Every list is outstanding recommendations (about 6% of them at 300,000), the "awaiting a verdict"
list is evidence without a verdict, and need-to-know excludes the few restricted cases. Indexes
holding just those rows are a few hundred kilobytes instead of tens of megabytes, and each holds
what its query reads, in list order (due date, then the rest of the order, then the id), so the
planner walks a small index instead of the whole table's:

- recommendation (due_on, escalated_on, body, assigned_to, remedy_type, case, id) WHERE outcome = '';
- evidence (recommendation) WHERE verdict = '';
- case (investigator, id) WHERE restricted = true.

The queries say ``outcome = ''``, ``verdict = ''`` and ``restricted = true`` as literals, so both
engines can match the index's condition when planning (a bound parameter would not). At 100,000
cases on PostgreSQL, before statistics, a list's count dropped from ~60-90 ms to ~4-12 ms.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-07T20:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "compliance dashboard: partial indexes on outstanding, awaiting and restricted rows"

FORWARDS = [
    "CREATE INDEX remedies_recommendation_outstanding_due ON remedies_recommendation "
    "(due_on, escalated_on, body, assigned_to, remedy_type, \"case\", id) WHERE outcome = ''",
    "CREATE INDEX remedies_evidence_awaiting_only ON remedies_evidence (recommendation) WHERE verdict = ''",
    "CREATE INDEX remedies_case_restricted_only ON investigations_case (investigator, id) WHERE restricted = true",
]
BACKWARDS = [
    "DROP INDEX remedies_case_restricted_only",
    "DROP INDEX remedies_evidence_awaiting_only",
    "DROP INDEX remedies_recommendation_outstanding_due",
]


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
