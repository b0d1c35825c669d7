"""`liaison kafka-users add|list|remove`: integrations' read-only users on the Kafka broker.

An integration user reads every service topic (liaison.partners.v1, ...) in consumer groups named
`<name>.<anything>`, and writes nothing (infra/kafka/acls.py). Its password is generated and shown
once; the broker keeps only a salted SCRAM hash of it. The broker and its admin's password come from
LIAISON_KAFKA_BOOTSTRAP (127.0.0.1:$KAFKA_PORT) and LIAISON_KAFKA_ADMIN_PASSWORD (var/secrets.env).
"""

from __future__ import annotations

import os
import sys

from infra.kafka.acls import SERVICE_TOPICS


def _connection():
    from infra.kafka.admin import admin_connection

    bootstrap = os.environ.get("LIAISON_KAFKA_BOOTSTRAP") or f"127.0.0.1:{os.environ.get('KAFKA_PORT', '9092')}"
    return admin_connection(bootstrap)


def _run(action) -> int:
    from kafka.errors import KafkaError

    from infra.kafka.admin import KafkaSetupError

    try:
        return action()
    except (ValueError, KafkaSetupError, KafkaError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def add(args) -> int:
    from infra.kafka.admin import add_integration
    from infra.local_secrets import new_secret

    def action() -> int:
        password = new_secret()
        connection = _connection()
        add_integration(connection, args.name, password)
        print(f"created Kafka user {args.name}: reads {', '.join(SERVICE_TOPICS)}; consumer groups {args.name}.*")
        print(f"connect with SASL {connection.mechanism} to {connection.bootstrap}")
        print(f"password, shown this once: {password}")
        return 0

    return _run(action)


def list_users(_args) -> int:
    from infra.kafka.admin import list_users as fetch

    def action() -> int:
        for name, kind, grants in fetch(_connection()):
            print(f"{name:<24}{kind:<13}{'; '.join(grants) or ('everything' if kind == 'admin' else 'nothing')}")
        return 0

    return _run(action)


def remove(args) -> int:
    from infra.kafka.admin import remove_integration

    def action() -> int:
        remove_integration(_connection(), args.name)
        print(f"removed Kafka user {args.name} and its ACLs")
        return 0

    return _run(action)


def register(groups) -> None:
    parser = groups.add_parser("kafka-users", help="read-only Kafka users for integrations")
    commands = parser.add_subparsers(dest="command", required=True)
    add_parser = commands.add_parser("add", help="create a read-only user (its password is shown once)")
    add_parser.add_argument("name", help="lowercase letters, digits and '-'; also the prefix of its consumer groups")
    add_parser.set_defaults(handler=add)
    commands.add_parser("list", help="list the broker's users and what each may do").set_defaults(handler=list_users)
    remove_parser = commands.add_parser("remove", help="delete a user and its ACLs")
    remove_parser.add_argument("name")
    remove_parser.set_defaults(handler=remove)
