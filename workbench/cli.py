"""The ``workbench`` command: serve, migrate, createuser, token create, demo, import.

Subcommands are small functions over the same services the web app uses; later domains add theirs
to ``build_parser``.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

import workbench  # noqa: F401  (sets PICCOLO_CONF before Piccolo is imported)


def _settings_or_exit():
    from workbench.settings import SettingsError, get_settings

    try:
        return get_settings()
    except SettingsError as exc:
        sys.exit(f"workbench: {exc}")


async def migrate_database() -> None:
    """Apply every domain's migrations, then load the reference data."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    from investigations.seeding import seed_reference_data

    result = await run_forwards(app_name="all", migration_id="all", fake=False)
    if not result.success:
        raise SystemExit(f"workbench: migrations failed: {result.message}")
    added = await seed_reference_data()
    print(f"Database is up to date. Reference data added: {added['taxonomy']} taxonomy entries, {added['bodies']} bodies.")


def cmd_migrate(args: argparse.Namespace) -> None:
    asyncio.run(migrate_database())


def cmd_serve(args: argparse.Namespace) -> None:
    import uvicorn

    from workbench.process_logs import uvicorn_log_config

    settings = _settings_or_exit()
    if args.workers > 1 and settings.is_sqlite:
        print("Note: SQLite allows one writer at a time; several workers will queue their writes.")
    uvicorn.run(
        "workbench.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=True,
        forwarded_allow_ips=args.forwarded_allow_ips,
        log_level="info",
        log_config=uvicorn_log_config(),
    )


def cmd_scheduler(args: argparse.Namespace) -> None:
    """The timed jobs in a process of their own (web workers then run with WORKBENCH_SCHEDULER=off)."""
    from workbench.process_logs import configure_process_logging
    from workbench.scheduler import current_leader, run_scheduler_process

    settings = _settings_or_exit()
    if args.status:
        leader = asyncio.run(current_leader(settings))
        print(f"The scheduler leader is {leader.describe()}." if leader else "No process holds the scheduler leader lock.")
        sys.exit(0 if leader else 1)
    configure_process_logging()
    asyncio.run(run_scheduler_process(settings))


def _read_password(from_stdin: bool) -> str:
    if from_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password (again): "):
        sys.exit("workbench: the passwords do not match")
    return first


def cmd_createuser(args: argparse.Namespace) -> None:
    from workbench.accounts import AccountError, create_user
    from workbench.roles import parse_role

    try:
        role = parse_role(args.role)
    except ValueError as exc:
        sys.exit(f"workbench: {exc}")
    password = _read_password(args.password_stdin)
    try:
        user = asyncio.run(create_user(args.username, password, role, full_name=args.full_name or "", email=args.email or ""))
    except AccountError as exc:
        sys.exit(f"workbench: {exc}")
    print(f"Created {user.username} ({role.label}).")


def cmd_token_create(args: argparse.Namespace) -> None:
    from workbench.accounts import AccountError, create_token
    from workbench.tables import User

    async def issue() -> str:
        user = await User.objects().where(User.username == args.username.strip().lower()).first()
        if user is None or not user.active:
            raise AccountError(f"No active user {args.username!r}")
        return (await create_token(user, args.name)).token

    try:
        print(asyncio.run(issue()))
    except AccountError as exc:
        sys.exit(f"workbench: {exc}")


def cmd_demo(args: argparse.Namespace) -> None:
    from investigations.demo import demo_logins, load_demo

    if args.cases < 0:
        sys.exit("workbench: --cases must be 0 or more")
    if args.recommendations_per_case < 1:
        sys.exit("workbench: --recommendations-per-case must be 1 or more")
    asyncio.run(load_demo(cases=args.cases, seed=args.seed, only_if_empty=args.if_empty,
                          recommendations_per_case=args.recommendations_per_case))
    print("\nDemo logins (demo mode only):")
    for username, password, role in demo_logins():
        print(f"  {username:<14} {password:<16} {role}")


class _Unreadable(Exception):
    pass


def _read_lines(handle):
    """The file's lines; a read failure part-way (not gzip, truncated, a disk error) becomes _Unreadable."""
    try:
        yield from handle
    except (OSError, EOFError, UnicodeError) as exc:
        raise _Unreadable(exc) from exc


def cmd_import(args: argparse.Namespace) -> None:
    """Import historical cases from a JSON Lines file (gzip if it ends in .gz); see README."""
    import gzip
    import json

    from investigations.importing import format_report, import_cases
    from workbench.tables import User

    def progress(report) -> None:
        print(f"  {report.progress_line()}", file=sys.stderr, flush=True)

    async def run(handle):
        user = None
        if args.user:
            user = await User.objects().where(User.username == args.user.strip().lower()).first()
            if user is None:
                sys.exit(f"workbench: no user {args.user!r}")
        return await import_cases(
            _read_lines(handle), user, progress, format=args.format, dry_run=args.dry_run,
            batch_size=args.batch_size, source=args.file.rsplit("/", 1)[-1],
        )

    if args.batch_size < 1:
        sys.exit("workbench: --batch-size must be 1 or more")
    opener = gzip.open if args.file.endswith(".gz") else open
    try:
        handle = opener(args.file, "rt", encoding="utf-8", errors="surrogateescape", newline="\n")
    except OSError as exc:
        print(f"workbench: cannot read {args.file}: {exc}", file=sys.stderr)
        sys.exit(1)
    try:
        with handle:
            report = asyncio.run(run(handle))
    except _Unreadable as exc:
        print(f"workbench: cannot read {args.file}: {exc} (any lines before the failure were imported)", file=sys.stderr)
        sys.exit(1)
    print(json.dumps(report.as_dict(), indent=2) if args.json else format_report(report))


def _iso_date(text: str):
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-12-18") from None


def cmd_due(args: argparse.Namespace) -> None:
    """The same working-day arithmetic as the app, for a due date checked by hand."""
    from workbench.workdays import default_calendar

    calendar = default_calendar()
    if args.between:
        start, end = args.between
        days = calendar.working_days_between(start, end)
        holidays = calendar.holidays_between(min(start, end), max(start, end))
        print(f"{days} working days after {start:%A %-d %B %Y} up to and including {end:%A %-d %B %Y}.")
        for day, name in holidays:
            print(f"  skipped {name} ({day:%a %-d %b %Y})")
        return
    if args.start is None:
        sys.exit("workbench: give --from DATE with --working-days, --calendar-days or --months, or --between DATE DATE")
    if args.working_days is not None:
        result = calendar.add_working_days(args.start, args.working_days)
    elif args.calendar_days is not None:
        result = calendar.add_calendar_days(args.start, args.calendar_days)
    elif args.months is not None:
        result = calendar.add_months(args.start, args.months)
    else:
        sys.exit("workbench: say how long: --working-days N, --calendar-days N or --months N")
    print(result.explain())


async def _cli_user(username: str | None):
    """The member of staff a command acts as (for the audit log); None means the system."""
    from workbench.tables import User

    if not username:
        return None
    user = await User.objects().where(User.username == username.strip().lower()).first()
    if user is None:
        sys.exit(f"workbench: no user {username!r}")
    return user


def cmd_holidays_list(args: argparse.Namespace) -> None:
    """The published bank holidays this year and next, and the office's own holidays."""
    from datetime import date

    from remedies.holidays import bank_holidays, office_holidays

    year = date.today().year
    print(f"Bank holidays in {year} and {year + 1} (England and Wales):")
    for day, name in bank_holidays(year, year + 1):
        print(f"  {day.isoformat()}  {day:%a}  {name}")
    office = asyncio.run(office_holidays())
    print("Office holidays:" if office else "Office holidays: none added.")
    for holiday in office:
        print(f"  {holiday.on.isoformat()}  {holiday.on:%a}  {holiday.name}  (added by {holiday.added_by})")


def _holiday_change(change, done: str) -> None:
    from remedies.holidays import HolidayError

    try:
        report = asyncio.run(change())
    except HolidayError as exc:
        sys.exit(f"workbench: {exc.message}")
    print(done)
    print(report.summary())


def cmd_holidays_add(args: argparse.Namespace) -> None:
    from remedies.holidays import add_holiday

    async def change():
        return await add_holiday(args.date, args.name, await _cli_user(args.user))

    _holiday_change(change, f"{args.date.isoformat()} ({args.name}) is now an office holiday.")


def cmd_holidays_remove(args: argparse.Namespace) -> None:
    from remedies.holidays import remove_holiday

    async def change():
        return await remove_holiday(args.date, await _cli_user(args.user))

    _holiday_change(change, f"{args.date.isoformat()} is a working day again.")


def cmd_recompute_due_dates(args: argparse.Namespace) -> None:
    """After an upgrade of the holidays package: move the open due dates a new holiday affects."""
    from remedies.calendar import office_calendar
    from remedies.recompute import recompute_due_dates

    async def run():
        return await recompute_due_dates(await office_calendar(), await _cli_user(args.user), dry_run=args.dry_run)

    report = asyncio.run(run())
    print(report.summary())
    for change in report.changes[: None if args.verbose else 20]:
        print(f"  recommendation {change.recommendation_id}: {change.old_original_due_on.isoformat()} -> "
              f"{change.new_original_due_on.isoformat()}{' (extended: due date kept)' if change.extended and change.new_due_on == change.old_due_on else ''}")
    if not args.verbose and report.moved > 20:
        print(f"  ... and {report.moved - 20:,} more (--verbose lists them all)")


def cmd_chase(args: argparse.Namespace) -> None:
    """The chase ladder's daily scan by hand: the same code as the scheduled job."""
    from remedies.chasing import chase, today_in_office
    from workbench.db import close_database, open_database

    settings = _settings_or_exit()

    async def run():
        await open_database(use_pool=settings.db_pool)  # as in the app: a pool on PostgreSQL
        try:
            return await chase(args.as_of or today_in_office(), dry_run=args.dry_run, settings=settings)
        finally:
            await close_database()

    report = asyncio.run(run())
    verb = "Would fire" if report.dry_run else "Fired"
    for fired in report.fired:
        print(f"  {verb}: {fired.case_reference}  {fired.body_name}  {fired.rung.key}  {fired.fire_on.isoformat()}"
              + (f"  (firing {fired.firing_id})" if fired.firing_id else ""))
    print(report.summary())
    if report.dry_run:
        print("Dry run: nothing was written or sent.")


def cmd_scan(args: argparse.Namespace) -> None:
    """The pattern scan by hand: the same code as the nightly job and the "Scan now" button."""
    from datetime import date

    from investigations.access import Viewer
    from systemic.candidates import groups_of_scan, scan_view
    from systemic.scan import ReviewError, ScanBusy, last_twelve_months, run_scan
    from workbench.roles import Role

    end = args.end or date.today()
    start = args.start or last_twelve_months(end)[0]
    print(f"Scanning cases from {start.isoformat()} to {end.isoformat()} for emerging patterns.")

    def progress(phase: str, done: int, total: int) -> None:
        share = f" ({100 * done // total}%)" if total else ""
        print(f"  {phase}: {done:,} of {total:,}{share}", flush=True)

    async def run():
        scan_id = await run_scan(start, end, await _cli_user(args.user), on_progress=progress)
        return await scan_view(scan_id), await groups_of_scan(scan_id, Viewer(user_id=0, role=Role.ADMINISTRATOR))

    try:
        scan, groups = asyncio.run(run())
    except (ScanBusy, ReviewError) as refused:
        print(f"workbench: {refused}", file=sys.stderr)
        sys.exit(1)
    except Exception as exc:  # recorded on the scan as failed; say so plainly
        print(f"workbench: the scan failed: {exc}", file=sys.stderr)
        sys.exit(1)
    print(scan.detail)
    for group in groups:
        bodies = ", ".join(group.bodies[:3]) + (f" and {len(group.bodies) - 3} more" if len(group.bodies) > 3 else "")
        print(f"  [{group.kind_label}] {group.size} cases, {len(group.bodies)} bod{'y' if len(group.bodies) == 1 else 'ies'}"
              f" ({bodies}), score {group.score}, strength {group.strength.value}: {group.title}")
    if groups:
        print("Review them at /systemic/candidates.")


def cmd_similar(args: argparse.Namespace) -> None:
    """The cases most like one case, with the score and reasons (as GET /api/cases/{reference}/similar)."""
    from investigations.access import Viewer
    from investigations.queries import CaseNotFound
    from systemic.suggestions import MAX_LIMIT, similar_for_case
    from workbench.roles import Role

    if not 1 <= args.limit <= MAX_LIMIT:
        print(f"workbench: --limit must be between 1 and {MAX_LIMIT}", file=sys.stderr)
        sys.exit(1)
    try:
        case, found = asyncio.run(similar_for_case(Viewer(user_id=0, role=Role.ADMINISTRATOR), args.reference, args.limit))
    except CaseNotFound:
        print(f"workbench: no case {args.reference!r}", file=sys.stderr)
        sys.exit(1)
    print(f"Cases most similar to {case['reference']}:" if found else f"No cases similar to {case['reference']}.")
    for similar in found:
        print(f"  {similar.reference:<14} {similar.score:>3}  {'; '.join(similar.reasons)}")


def cmd_export(args: argparse.Namespace) -> None:
    """Any document of the Reports area, as an administrator (workbench.report_export)."""
    from workbench.report_export import main as export_main

    export_main(args.kind, args.options, args.output, _settings_or_exit)


def cmd_audit_verify(args: argparse.Namespace) -> None:
    """Recompute the audit log's hash chain; exit 1 naming the first edited, deleted or reordered entry."""
    from workbench.audit import verify_chain

    report = asyncio.run(verify_chain())
    if report.intact:
        print(f"The audit chain is intact: {report.checked:,} entries checked.")
        return
    sys.exit(f"workbench: the audit chain is broken at entry {report.first_broken_sequence} "
             f"({report.checked:,} entries before it are intact); an entry was edited, deleted or reordered")


def cmd_piccolo(args: argparse.Namespace) -> None:
    from piccolo.main import main as piccolo_main

    sys.argv = ["piccolo", *args.rest]
    piccolo_main()


def _backup_target():
    """The database the app really uses (the Piccolo engine) and the data directory."""
    from workbench.backup import Database
    from workbench.db import engine

    return Database.from_engine(engine()), _settings_or_exit().data_dir


def _backup_summary(manifest) -> str:
    from investigations.documents import format_size
    from workbench.backup import ENGINE_LABELS

    return (f"{manifest.counts['cases']:,} cases, {manifest.counts['users']:,} users and {manifest.file_count:,} "
            f"stored files ({format_size(manifest.total_bytes)} before compression), {ENGINE_LABELS[manifest.engine]}, "
            f"made {manifest.created_at} by version {manifest.app_version}")


def _audit_backup(action: str, summary: str) -> None:
    from workbench.audit import record_event

    asyncio.run(record_event(None, action, "database", "", summary))


def cmd_backup(args: argparse.Namespace) -> None:
    """One file holding the database, the stored files and a manifest; safe while the app runs."""
    import time
    from pathlib import Path

    from workbench.backup import BackupError, create_backup

    database, data_dir = _backup_target()
    started = time.monotonic()
    try:
        manifest = create_backup(Path(args.path), database, data_dir)
    except BackupError as exc:
        sys.exit(f"workbench: {exc}")
    size = Path(args.path).stat().st_size
    print(f"Backed up {_backup_summary(manifest)} to {args.path} ({size:,} bytes) in {time.monotonic() - started:.1f} s.")
    _audit_backup("backup.created", f"Backup written to {args.path}")


def cmd_restore(args: argparse.Namespace) -> None:
    """Check a backup, or replace the database and stored files with it (the app must be stopped)."""
    from pathlib import Path

    from workbench.backup import BackupError, check_backup, missing_migrations, restore_backup

    source = Path(args.path)
    try:
        if args.check:
            print(f"{args.path} is a complete backup: {_backup_summary(check_backup(source))}. Nothing was changed.")
            return
        database, data_dir = _backup_target()
        manifest = restore_backup(source, database, data_dir, force=args.force)
    except BackupError as exc:
        sys.exit(f"workbench: {exc}")
    print(f"Restored {_backup_summary(manifest)} into {database.describe()} and {data_dir}. Everyone signs in again.")
    if pending := missing_migrations(manifest):
        print(f"The backup predates {len(pending)} migration(s) of this version: run `workbench migrate` before starting.")
    else:
        _audit_backup("backup.restored", f"Restored from {source.name}, made {manifest.created_at}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="workbench", description="Ombudsman Workbench")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the web app")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--forwarded-allow-ips", default="127.0.0.1", help="proxies trusted for X-Forwarded-For")
    serve.set_defaults(func=cmd_serve)

    scheduler = sub.add_parser("scheduler", help="run the timed jobs as a process of their own (until SIGTERM)")
    scheduler.add_argument("--status", action="store_true",
                           help="print which process holds the scheduler leader lock (exit 1 if none) and stop")
    scheduler.set_defaults(func=cmd_scheduler)

    sub.add_parser("migrate", help="apply migrations and load reference data").set_defaults(func=cmd_migrate)

    create = sub.add_parser("createuser", help="add a member of staff")
    create.add_argument("username")
    create.add_argument("--role", required=True, help="investigator, compliance_officer, report_writer, manager or administrator")
    create.add_argument("--full-name")
    create.add_argument("--email")
    create.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    create.set_defaults(func=cmd_createuser)

    token = sub.add_parser("token", help="personal API tokens")
    token_sub = token.add_subparsers(dest="token_command", required=True)
    token_create = token_sub.add_parser("create", help="print a new API token for a user")
    token_create.add_argument("username")
    token_create.add_argument("--name", default="personal token")
    token_create.set_defaults(func=cmd_token_create)

    demo = sub.add_parser("demo", help="fill the database with synthetic, deterministic casework")
    demo.add_argument("--cases", type=int, default=2000)
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--if-empty", action="store_true", help="do nothing if there are already cases")
    demo.add_argument("--recommendations-per-case", type=float, default=2.5,
                      help="average recommendations on each upheld case (default 2.5, i.e. 1 to 4; "
                           "10.3 gives about 300,000 for 100,000 cases)")
    demo.set_defaults(func=cmd_demo)

    importer = sub.add_parser("import", help="import historical cases from a JSON Lines file (.jsonl or .jsonl.gz)")
    importer.add_argument("file")
    importer.add_argument("--format", choices=["workbench", "housing-ombudsman"], default="workbench")
    importer.add_argument("--dry-run", action="store_true", help="check and count everything, save nothing")
    importer.add_argument("--batch-size", type=int, default=1000, help="lines per write transaction")
    importer.add_argument("--user", help="the member of staff the audit log names (default: system)")
    importer.add_argument("--json", action="store_true", help="print the report as JSON")
    importer.set_defaults(func=cmd_import)

    due = sub.add_parser("due", help="work out a due date, or count working days (England and Wales bank holidays)")
    due.add_argument("--from", dest="start", type=_iso_date, help="the date the period runs from")
    period = due.add_mutually_exclusive_group()
    period.add_argument("--working-days", type=int)
    period.add_argument("--calendar-days", type=int)
    period.add_argument("--months", type=int)
    period.add_argument("--between", nargs=2, type=_iso_date, metavar=("START", "END"),
                        help="count the working days after START up to and including END")
    due.set_defaults(func=cmd_due)

    holidays = sub.add_parser("holidays", help="bank holidays and the office's own holidays (they move open due dates)")
    holidays_sub = holidays.add_subparsers(dest="holidays_command", required=True)
    holidays_sub.add_parser("list", help="list bank holidays this year and next, and office holidays").set_defaults(func=cmd_holidays_list)
    holiday_add = holidays_sub.add_parser("add", help="add an office holiday and recompute open due dates")
    holiday_add.add_argument("date", type=_iso_date, help="YYYY-MM-DD, a weekday that is not a bank holiday")
    holiday_add.add_argument("name")
    holiday_add.add_argument("--user", help="the administrator the audit log names (default: system)")
    holiday_add.set_defaults(func=cmd_holidays_add)
    holiday_remove = holidays_sub.add_parser("remove", help="remove an office holiday and recompute open due dates")
    holiday_remove.add_argument("date", type=_iso_date, help="YYYY-MM-DD")
    holiday_remove.add_argument("--user", help="the administrator the audit log names (default: system)")
    holiday_remove.set_defaults(func=cmd_holidays_remove)

    recompute = sub.add_parser("recompute-due-dates", help="recompute open due dates with the current calendar (after a holidays upgrade)")
    recompute.add_argument("--dry-run", action="store_true", help="say what would move, change nothing")
    recompute.add_argument("--verbose", action="store_true", help="list every moved due date")
    recompute.add_argument("--user", help="the member of staff the audit log names (default: system)")
    recompute.set_defaults(func=cmd_recompute_due_dates)

    chase = sub.add_parser("chase", help="run the chase ladder's scan now (the daily job's code): fire due rungs, send letters")
    chase.add_argument("--dry-run", action="store_true", help="list what would fire; write and send nothing")
    chase.add_argument("--as-of", type=_iso_date, help="scan as if today were this date (YYYY-MM-DD; default today)")
    chase.set_defaults(func=cmd_chase)

    scan = sub.add_parser("scan", help="scan the caseload for emerging patterns (groups of similar cases) now")
    scan.add_argument("--from", dest="start", type=_iso_date, help="first day of the period (default: 12 months before --to)")
    scan.add_argument("--to", dest="end", type=_iso_date, help="last day of the period (default: today)")
    scan.add_argument("--user", help="the member of staff the audit log names (default: system)")
    scan.set_defaults(func=cmd_scan)

    similar = sub.add_parser("similar", help="print the cases most similar to one case, with scores and reasons")
    similar.add_argument("reference", help="a case reference, like 25 001 234")
    similar.add_argument("--limit", type=int, default=10, help="how many (1 to 50; default 10)")
    similar.set_defaults(func=cmd_similar)

    export = sub.add_parser("export", add_help=False,
                            help="write a Reports area document: export KIND [options] -o FILE.docx (export lists them)")
    export.add_argument("kind", nargs="?", help="the document; 'workbench export' alone lists them")
    export.add_argument("-o", "--output", help="where to write the .docx")
    export.add_argument("options", nargs=argparse.REMAINDER, help="the document's options (KIND --help lists them)")
    export.set_defaults(func=cmd_export)

    audit = sub.add_parser("audit", help="the audit log")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    audit_sub.add_parser("verify", help="check the hash chain: exit 1 if an entry was edited or deleted") \
        .set_defaults(func=cmd_audit_verify)

    backup = sub.add_parser("backup", help="write one backup file: database, stored files and a manifest (safe while running)")
    backup.add_argument("path", help="the new file, outside the data directory (e.g. /backups/workbench-2026-12-07.tar.gz)")
    backup.set_defaults(func=cmd_backup)

    restore = sub.add_parser("restore", help="replace the database and stored files with a backup's (stop the app first)")
    restore.add_argument("path", help="a file written by 'workbench backup'")
    restore.add_argument("--force", action="store_true", help="replace a database that already holds cases, users or files")
    restore.add_argument("--check", action="store_true", help="only check the file is complete and undamaged; change nothing")
    restore.set_defaults(func=cmd_restore)

    piccolo = sub.add_parser("piccolo", help="run a Piccolo command (e.g. migrations new APP --auto)")
    piccolo.add_argument("rest", nargs=argparse.REMAINDER)
    piccolo.set_defaults(func=cmd_piccolo)
    return parser



def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    args.func(args)
