"""`liaison resync partners`: the partners service republishes every partner as a
`liaison.partner.snapshot` (with its relationships), so that engagements' partner copy and
notifications' audience data can be rebuilt from empty (docs/operations.md, "Rebuild a read copy").

Batches of `--batch` partners, each one transaction on the service (its outbox rows commit together);
after each the command prints the cursor of the next, and `--cursor` resumes a run that stopped there.
Running it again is harmless: consumers apply a snapshot only when it is newer than their copy.
"""

from __future__ import annotations

import argparse
import sys

SOURCES = ("partners",)  # the services whose aggregates others keep copies of


def register(groups) -> None:
    parser = groups.add_parser("resync", help="republish a service's aggregates as snapshots (rebuild read copies)")
    parser.add_argument("service", choices=SOURCES)
    parser.add_argument("--batch", type=int, default=200, help="partners per transaction (1-1000)")
    parser.add_argument("--cursor", help="resume after the batch that printed this cursor")
    parser.add_argument("--url", help="the service's base URL (default: from its settings)")
    parser.set_defaults(handler=resync)


def resync(args: argparse.Namespace) -> int:
    from cli.service_api import call

    cursor, total = args.cursor, 0
    while True:
        batch = call(args.service, "POST", "/resync", url=args.url, params={"cursor": cursor, "limit": args.batch})
        if batch is None:
            resume = f"; resume with --cursor {cursor}" if cursor else ""
            print(f"stopped after {total} snapshot(s){resume}", file=sys.stderr)
            return 1
        total += batch["published"]
        cursor = batch["next_cursor"]
        print(f"{total} snapshot(s) queued" + (f"; next cursor {cursor}" if cursor else "; done"), flush=True)
        if cursor is None:
            return 0
