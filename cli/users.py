"""`liaison users add|list|disable`: the gateway's local users, in its own database (LIAISON_GATEWAY_DATABASE_URL)."""

from __future__ import annotations

import secrets
import sys

from cli.gateway_db import gateway_session
from services.kit.roles import ASSIGNABLE


def add(args) -> int:
    from pydantic import ValidationError

    from gateway.accounts import create_user
    from gateway.schemas import UserCreate

    generated = args.password_stdin is False
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else secrets.token_urlsafe(18)
    try:
        data = UserCreate(username=args.username, password=password, roles=args.role, display_name=args.name)
    except ValidationError as exc:
        print(
            "error: " + "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()), file=sys.stderr
        )
        return 2
    from services.kit.problems import Problem

    try:
        with gateway_session() as session:
            user = create_user(session=session, data=data)
    except Problem as problem:
        print(f"error: {problem.detail}", file=sys.stderr)
        return 1
    print(f"created {user.username} ({', '.join(user.roles)})")
    if generated:
        print(f"password, shown this once: {password}")
    return 0


def list_users(_args) -> int:
    from gateway.accounts import list_users as fetch

    with gateway_session() as session:
        users, _ = fetch(session=session, cursor=None, limit=10_000)
        for user in users:
            state = "disabled" if user.disabled else "active"
            print(f"{user.username}\t{','.join(user.roles)}\t{state}")
    return 0


def disable(args) -> int:
    from gateway.accounts import get_user, update_user
    from gateway.schemas import UserUpdate
    from gateway.settings import GatewaySettings
    from services.kit.problems import Problem
    from services.kit.settings import load_settings

    try:
        with gateway_session() as session:
            user = get_user(session=session, username=args.username)
            update_user(
                session=session,
                settings=load_settings(GatewaySettings, kafka_enabled=False),
                username=args.username,
                data=UserUpdate(disabled=True),
                expected_version=user.version,
            )
    except Problem as problem:
        print(f"error: {problem.detail}", file=sys.stderr)
        return 1
    print(f"disabled {args.username}; their sessions are revoked")
    return 0


def register(groups) -> None:
    parser = groups.add_parser("users", help="the gateway's local users")
    commands = parser.add_subparsers(dest="command", required=True)
    add_parser = commands.add_parser(
        "add", help="add a user (password generated and printed once, or --password-stdin)"
    )
    add_parser.add_argument("username")
    add_parser.add_argument(
        "--role",
        action="append",
        required=True,
        choices=ASSIGNABLE,
        help="repeat for several roles",
    )
    add_parser.add_argument("--name", help="display name")
    add_parser.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add_parser.set_defaults(handler=add)
    commands.add_parser("list", help="list users").set_defaults(handler=list_users)
    disable_parser = commands.add_parser("disable", help="disable a user and end their sessions")
    disable_parser.add_argument("username")
    disable_parser.set_defaults(handler=disable)
