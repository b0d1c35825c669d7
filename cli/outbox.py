"""`liaison outbox failed|retry|skip --service NAME`: outbox rows that gave up, on the service's database.

A failed row blocks the newer events of its key: retry puts it back in line (with fresh attempts),
skip lets its key go on without it (it is never published; say why in your change log).
"""

from __future__ import annotations

import argparse
import json

from cli.service_db import SERVICES, service_session


def register(groups) -> None:
    parser = groups.add_parser("outbox", help="outbox rows that could not be published")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    failed = commands.add_parser("failed", help="list the failed rows and how many events wait behind each")
    retrying = commands.add_parser("retry", help="put a failed row (or all) back in line")
    retrying.add_argument("id", nargs="?", type=int)
    retrying.add_argument("--all", action="store_true", help="every failed row")
    skipping = commands.add_parser("skip", help="never publish this row: its key goes on without it")
    skipping.add_argument("id", type=int)
    for command, handler in ((failed, list_failed), (retrying, retry_rows), (skipping, skip_row)):
        command.add_argument("--service", required=True, choices=SERVICES)
        command.set_defaults(handler=handler)


def list_failed(args: argparse.Namespace) -> int:
    from services.kit.outbox_admin import failed_rows

    with service_session(args.service) as session:
        for row in failed_rows(session=session, limit=1000):
            print(json.dumps(row))
    return 0


def retry_rows(args: argparse.Namespace) -> int:
    from services.kit.outbox_admin import retry

    if (args.id is None) == (not args.all):
        print("give a row id or --all", flush=True)
        return 2
    with service_session(args.service) as session:
        count = retry(session=session, row_id=None if args.all else args.id)
    print(f"{count} row(s) back in line")
    return 0 if count else 1


def skip_row(args: argparse.Namespace) -> int:
    from services.kit.outbox_admin import skip

    with service_session(args.service) as session:
        count = skip(session=session, row_id=args.id)
    print("skipped" if count else f"no failed row {args.id}")
    return 0 if count else 1
