"""Indexes for the working lists (queues, filters, counts and search) on 100,000 cases.

Both engines:
- case (stage, received_on, restricted, investigator, category, stage_entered_on, urgent): a stage
  filter read in received order, and counts by stage, queue, category or date that never touch the
  wide case rows (the need-to-know test reads restricted and investigator from the index too);
- case (investigator, stage, received_on, restricted): "My cases" and each investigator's counts;
- case (complainant): cases of the complainants a name search finds.

Complainant names are searched by prefix: SQLite answers LIKE 'smi%' from a NOCASE index,
PostgreSQL answers lower(name) LIKE 'smi%' from a text_pattern_ops index on lower(name).

SQLite only: an FTS5 word index over case summaries (external content, kept in step by triggers on
every insert, update and delete of a case), so a summary search does not read 100,000 rows.
PostgreSQL searches summaries with ILIKE.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

ID = "2026-11-25T18:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "worklist indexes: stage/received, investigator/stage, complainant, names; summary word index"

BOTH = [
    "CREATE INDEX investigations_case_worklist ON investigations_case "
    "(stage, received_on, restricted, investigator, category, stage_entered_on, urgent)",
    "CREATE INDEX investigations_case_investigator_stage ON investigations_case "
    "(investigator, stage, received_on, restricted)",
    "CREATE INDEX investigations_case_complainant ON investigations_case (complainant)",
]

SQLITE = [
    "CREATE INDEX investigations_person_family_name_nocase ON investigations_person (family_name COLLATE NOCASE)",
    "CREATE INDEX investigations_person_given_name_nocase ON investigations_person (given_name COLLATE NOCASE)",
    "CREATE VIRTUAL TABLE investigations_case_fts USING fts5("
    "summary, content='investigations_case', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER investigations_case_fts_insert AFTER INSERT ON investigations_case BEGIN "
    "INSERT INTO investigations_case_fts (rowid, summary) VALUES (new.id, new.summary); END",
    "CREATE TRIGGER investigations_case_fts_delete AFTER DELETE ON investigations_case BEGIN "
    "INSERT INTO investigations_case_fts (investigations_case_fts, rowid, summary) "
    "VALUES ('delete', old.id, old.summary); END",
    "CREATE TRIGGER investigations_case_fts_update AFTER UPDATE OF summary ON investigations_case BEGIN "
    "INSERT INTO investigations_case_fts (investigations_case_fts, rowid, summary) "
    "VALUES ('delete', old.id, old.summary); "
    "INSERT INTO investigations_case_fts (rowid, summary) VALUES (new.id, new.summary); END",
    "INSERT INTO investigations_case_fts (investigations_case_fts) VALUES ('rebuild')",
]

POSTGRES = [
    "CREATE INDEX investigations_person_family_name_lower ON investigations_person "
    "(lower(family_name) text_pattern_ops)",
    "CREATE INDEX investigations_person_given_name_lower ON investigations_person "
    "(lower(given_name) text_pattern_ops)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="investigations", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in BOTH + (SQLITE if isinstance(engine, SQLiteEngine) else POSTGRES):
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
