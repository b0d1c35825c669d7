"""`liaison keys create|list|revoke`: integrations' API keys, in the gateway's database."""

from __future__ import annotations

import sys

from cli.gateway_db import gateway_session


def create(args) -> int:
    from gateway.accounts import create_key
    from gateway.schemas import KeyCreate

    with gateway_session() as session:
        key, secret = create_key(
            session=session, data=KeyCreate(name=args.name, scopes=args.scope), created_by=args.created_by
        )
        print(f"created key {key.id} ({', '.join(key.scopes)}) for {key.name}")
    print(f"key, shown this once: {secret}")
    return 0


def list_keys(_args) -> int:
    from gateway.accounts import list_keys as fetch

    with gateway_session() as session:
        keys, _ = fetch(session=session, cursor=None, limit=10_000)
        for key in keys:
            state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
            used = f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "never used"
            print(f"{key.id}\t{key.name}\t{','.join(key.scopes)}\t{state}\t{used}")
    return 0


def revoke(args) -> int:
    from gateway.accounts import revoke_key
    from services.kit.problems import Problem

    try:
        with gateway_session() as session:
            revoke_key(session=session, key_id=args.key_id)
    except Problem as problem:
        print(f"error: {problem.detail}", file=sys.stderr)
        return 1
    print(f"revoked {args.key_id}")
    return 0


def register(groups) -> None:
    parser = groups.add_parser("keys", help="API keys for integrations")
    commands = parser.add_subparsers(dest="command", required=True)
    create_parser = commands.add_parser("create", help="create a key (shown once)")
    create_parser.add_argument("name", help="who or what the key is for")
    create_parser.add_argument("--scope", action="append", required=True, choices=["read", "webhooks"])
    create_parser.add_argument("--created-by", default="cli")
    create_parser.set_defaults(handler=create)
    commands.add_parser("list", help="list keys").set_defaults(handler=list_keys)
    revoke_parser = commands.add_parser("revoke", help="revoke a key")
    revoke_parser.add_argument("key_id")
    revoke_parser.set_defaults(handler=revoke)
