"""Uniqueness the systemic tables rely on, and the indexes that keep the similarity index current.

- issue case (issue, case), cohort (issue, body), dismissed suggestion (case, other): UNIQUE, so a
  double click or two managers at once cannot link a case twice or open two cohorts for a body;
- case (updated_at) and finding (updated_at): each web process asks "what changed since I last
  looked?" before answering a similar-cases query.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-25T21:41:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "systemic unique keys; changed-since indexes on cases and findings"

STATEMENTS = [
    "CREATE UNIQUE INDEX systemic_issue_case_once ON systemic_issue_case (issue, \"case\")",
    "CREATE UNIQUE INDEX systemic_cohort_once ON systemic_cohort (issue, body)",
    "CREATE UNIQUE INDEX systemic_dismissed_once ON systemic_dismissed_suggestion (\"case\", other)",
    "CREATE INDEX systemic_case_updated_at ON investigations_case (updated_at)",
    "CREATE INDEX systemic_finding_updated_at ON investigations_finding (updated_at)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="systemic", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
