"""`liaison partners import FILE [--dry-run]` and `liaison partners demo`.

Runs the partners service's own code on its database (LIAISON_PARTNERS_DATABASE_URL), the way its
API would: the same checks, the same events in the same transaction.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import time
from contextlib import contextmanager
from pathlib import Path


def register(groups) -> None:
    parser = groups.add_parser("partners", help="the partners directory")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    importing = commands.add_parser("import", help="import partners from a CSV file (each line created or refused)")
    importing.add_argument("file", type=Path)
    importing.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
    importing.add_argument("--allow-duplicates", action="store_true", help="accept rows like existing partners")
    importing.add_argument("--as", dest="user", default=None, help="who the audit names (default: cli:$USER)")
    importing.set_defaults(handler=import_file)
    demo = commands.add_parser("demo", help="load the demo directory (once)")
    demo.set_defaults(handler=load_demo)


class ProgressBar:
    """A plain progress bar on stderr: no dependency, redrawn at most once per percent."""

    def __init__(self, label: str, stream=sys.stderr, width: int = 30) -> None:
        self.label, self.stream, self.width, self.shown = label, stream, width, -1

    def __call__(self, done: int, total: int) -> None:
        percent = 100 if total == 0 else done * 100 // total
        if percent == self.shown and done != total:
            return
        self.shown = percent
        filled = self.width * percent // 100
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {done}/{total}")
        if done == total:
            self.stream.write("\n")
        self.stream.flush()


@contextmanager
def partners_database():
    """The service's settings and sessions on its database, migrated to head."""
    from services.kit.db import make_engine, make_session_factory
    from services.kit.migrations import upgrade
    from services.kit.settings import load_settings
    from services.partners.settings import PartnersSettings

    # Rows and their outbox events go to the database; the running service's relay publishes them.
    settings = load_settings(PartnersSettings, kafka_enabled=False)
    upgrade(Path(__file__).resolve().parents[1] / "services" / "partners" / "migrations", settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        yield settings, make_session_factory(engine)
    finally:
        engine.dispose()


@contextmanager
def partners_session():
    from services.kit.db import unit_of_work

    with partners_database() as (_settings, sessions), contextmanager(unit_of_work)(sessions) as session:
        yield session


def import_file(args: argparse.Namespace) -> int:
    """The same job the API queues, run here and awaited (or awaited while a running service runs it)."""
    from services.kit.db import unit_of_work
    from services.kit.identity import Caller
    from services.kit.problems import Problem
    from services.kit.roles import Role, roles
    from services.kit.types import utcnow
    from services.partners.import_runner import ImportRunner
    from services.partners.imports import job_read, start_import
    from services.partners.models import ImportJob

    try:
        raw = args.file.read_bytes()
    except OSError as exc:
        print(f"cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    caller = Caller(user=args.user or f"cli:{getpass.getuser()}", roles=roles(Role.OFFICER))
    with partners_database() as (settings, sessions):
        try:
            with contextmanager(unit_of_work)(sessions) as session:
                job = start_import(
                    session=session,
                    raw=raw,
                    caller=caller,
                    dry_run=args.dry_run,
                    allow_duplicates=args.allow_duplicates,
                    now=utcnow(),
                )
        except Problem as problem:
            print(f"error: {problem.detail}", file=sys.stderr)
            return 1
        runner = ImportRunner(sessions=sessions, settings=settings)
        bar = ProgressBar("checking" if args.dry_run else "importing")
        while True:
            runner.run_once(job_id=job.id, progress=bar)
            with sessions() as session:
                job = session.get(ImportJob, job.id)
                if job.finished_at is not None:
                    report = job_read(session=session, job=job, errors_limit=max(job.rows_refused, 1))
                    break
                bar(job.rows_done, job.rows_total)  # a running service holds it: wait for it
            time.sleep(settings.import_poll_seconds)
    for error in report.errors:
        print(f"line {error.line}: {'; '.join(error.reasons)}", file=sys.stderr)
    fields = {"id", "status", "dry_run", "rows_total", "rows_valid", "rows_created", "rows_refused"}
    print(json.dumps(report.model_dump(mode="json", include=fields)))
    if report.error:
        print(f"error: {report.error}", file=sys.stderr)
    if report.rows_refused:
        print(f"{report.rows_refused} line(s) refused", file=sys.stderr)
    return 0 if report.status == "done" and not report.rows_refused else 1


def load_demo(_args: argparse.Namespace) -> int:
    from services.partners.demo import load_demo as load

    with partners_session() as session:
        added = load(session=session)
    print(f"demo directory: {added} partner(s) added")
    return 0
