"""`liaison partners import FILE [--dry-run]` and `liaison partners demo`.

Runs the partners service's own code on its database (LIAISON_PARTNERS_DATABASE_URL), the way its
API would: the same checks, the same events in the same transaction.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from contextlib import contextmanager
from pathlib import Path


def register(groups) -> None:
    parser = groups.add_parser("partners", help="the partners directory")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    importing = commands.add_parser("import", help="import partners from a CSV file (all rows or none)")
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
def partners_session():
    from services.kit.db import make_engine, make_session_factory, unit_of_work
    from services.kit.migrations import upgrade
    from services.kit.settings import load_settings
    from services.partners.settings import PartnersSettings

    # Rows and their outbox events go to the database; the running service's relay publishes them.
    settings = load_settings(PartnersSettings, kafka_enabled=False)
    upgrade(Path(__file__).resolve().parents[1] / "services" / "partners" / "migrations", settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with contextmanager(unit_of_work)(make_session_factory(engine)) as session:
            yield session
    finally:
        engine.dispose()


def import_file(args: argparse.Namespace) -> int:
    from services.kit.identity import Caller
    from services.kit.problems import Problem
    from services.kit.roles import Role, roles
    from services.partners.csv_io import import_partners

    try:
        raw = args.file.read_bytes()
    except OSError as exc:
        print(f"cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    caller = Caller(user=args.user or f"cli:{getpass.getuser()}", roles=roles(Role.OFFICER))
    try:
        with partners_session() as session:
            report = import_partners(
                session=session,
                raw=raw,
                dry_run=args.dry_run,
                caller=caller,
                allow_duplicates=args.allow_duplicates,
                progress=ProgressBar("checking"),
                write_progress=ProgressBar("writing "),
            )
    except Problem as problem:
        print(f"error: {problem.detail}", file=sys.stderr)
        return 1
    for error in report.errors:
        print(f"line {error.line}: {'; '.join(error.reasons)}", file=sys.stderr)
    summary = report.as_dict()
    summary.pop("ids")
    print(json.dumps(summary | {"errors": len(report.errors)}))
    if report.errors:
        print("nothing was written" if not args.dry_run else "dry run: nothing was written", file=sys.stderr)
        return 1
    return 0


def load_demo(_args: argparse.Namespace) -> int:
    from services.partners.demo import load_demo as load

    with partners_session() as session:
        added = load(session=session)
    print(f"demo directory: {added} partner(s) added")
    return 0
