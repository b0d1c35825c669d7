"""`liaison dlq list|show|replay --service NAME`: a consumer's dead letters, through its admin routes.

Replaying runs the letter through the running service's own consumer (its handlers, its inbox), so
the command asks the service (LIAISON_<SERVICE>_HOST/PORT, or --url) as an administrator signed with
the identity secret the services share. Replay is idempotent: twice is a `duplicate`.
"""

from __future__ import annotations

import argparse
import json

SERVICES = ("engagements", "notifications")


def register(groups) -> None:
    parser = groups.add_parser("dlq", help="dead letters: list, show, replay")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    listing = commands.add_parser("list", help="the service's dead letters (handled: replayed since)")
    showing = commands.add_parser("show", help="one letter, whole")
    replaying = commands.add_parser("replay", help="hand one letter to the consumer again")
    for command in (showing, replaying):
        command.add_argument("topic", help="the .dlq topic, e.g. liaison.engagements.v1.dlq")
        command.add_argument("partition", type=int)
        command.add_argument("offset", type=int)
    for command, handler in ((listing, list_letters), (showing, show_letter), (replaying, replay_letter)):
        command.add_argument("--service", required=True, choices=SERVICES)
        command.add_argument("--url", help="the service's base URL (default: from its settings)")
        command.set_defaults(handler=handler)


def _call(args: argparse.Namespace, method: str, path: str):
    from cli.service_api import call

    return call(args.service, method, path, url=args.url)


def list_letters(args: argparse.Namespace) -> int:
    body = _call(args, "GET", "/dlq")
    if body is None:
        return 1
    for item in body["items"]:
        print(json.dumps(item))
    return 0


def show_letter(args: argparse.Namespace) -> int:
    body = _call(args, "GET", f"/dlq/{args.topic}/{args.partition}/{args.offset}")
    if body is None:
        return 1
    print(json.dumps(body, indent=2))
    return 0


def replay_letter(args: argparse.Namespace) -> int:
    body = _call(args, "POST", f"/dlq/{args.topic}/{args.partition}/{args.offset}/replay")
    if body is None:
        return 1
    print(body["outcome"])
    return 0 if body["outcome"] in ("handled", "duplicate", "ignored") else 1
