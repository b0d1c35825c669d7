"""Kafka chores the runner, the tests, CI and the CLI share, done as the broker's `admin`: wait for the
broker; set it up (topics, the services' SCRAM users, every ACL of infra/kafka/acls.py); add, list and
remove integration users.

Usage: python -m infra.kafka.admin ready|topics|setup --bootstrap HOST:PORT [--timeout SECONDS]
The admin's password comes from LIAISON_KAFKA_ADMIN_PASSWORD; `setup` reads each service's password
from LIAISON_<SERVICE>_KAFKA_SASL_PASSWORD (what that service will present). For a broker elsewhere:
LIAISON_KAFKA_SECURITY_PROTOCOL (SASL_SSL), LIAISON_KAFKA_SSL_CAFILE, LIAISON_KAFKA_ADMIN_MECHANISM.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import sys
import time
from collections.abc import Iterator, Mapping
from typing import Any

from kafka import KafkaAdminClient
from kafka.admin import (
    ACLFilter,
    ACLOperation,
    ACLPermissionType,
    ResourcePatternFilter,
    ResourceType,
    UserScramCredentialDeletion,
    UserScramCredentialUpsertion,
)
from kafka.admin import ACLResourcePatternType as Pattern
from kafka.errors import KafkaError, TopicAlreadyExistsError

from infra.kafka.acls import (
    ADMIN,
    DEAD_LETTER_SUFFIX,
    RESERVED_NAMES,
    SERVICE_TOPICS,
    SERVICES,
    check_integration_name,
    integration_acls,
    principal,
    service_acls,
)
from services.kit.kafka import SCRAM, KafkaConnection

PARTITIONS = 3


def project_topics() -> list[str]:
    return [t for topic in SERVICE_TOPICS for t in (topic, topic + DEAD_LETTER_SUFFIX)]


def admin_connection(bootstrap: str, environ: Mapping[str, str] = os.environ) -> KafkaConnection:
    password = environ.get("LIAISON_KAFKA_ADMIN_PASSWORD")
    if not password:
        raise KafkaSetupError("LIAISON_KAFKA_ADMIN_PASSWORD is not set (make up keeps it in var/secrets.env)")
    return KafkaConnection(
        bootstrap=bootstrap,
        username=ADMIN,
        password=password,
        security_protocol=environ.get("LIAISON_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT"),
        mechanism=environ.get("LIAISON_KAFKA_ADMIN_MECHANISM", SCRAM),
        ssl_cafile=environ.get("LIAISON_KAFKA_SSL_CAFILE") or None,
    )


class KafkaSetupError(Exception):
    """Something the broker's setup needs is missing or was refused."""


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def admin_client(connection: KafkaConnection, *, timeout_ms: int = 10_000) -> Iterator[KafkaAdminClient]:
    admin = KafkaAdminClient(
        **connection.client_options(),
        request_timeout_ms=timeout_ms,
        bootstrap_timeout_ms=timeout_ms,
        client_id="liaison-admin",
    )
    try:
        yield admin
    finally:
        admin.close()


def wait_until_ready(connection: KafkaConnection, *, timeout: float = 60.0) -> dict[str, Any]:
    """Return the cluster description once the broker answers a metadata request."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    host, port = connection.bootstrap.split(",")[0].rsplit(":", 1)
    while time.monotonic() < deadline:
        # The client keeps retrying a dead port past any timeout we give it: ask the socket first,
        # so that `--timeout` means what it says.
        if not port_open(host, int(port)):
            last_error = ConnectionRefusedError(f"nothing listens on {connection.bootstrap}")
            time.sleep(0.3)
            continue
        try:
            left_ms = max(1000, int((deadline - time.monotonic()) * 1000))
            with admin_client(connection, timeout_ms=min(5000, left_ms)) as admin:
                cluster = admin.describe_cluster()
                if cluster.get("brokers"):
                    return cluster
        except (KafkaError, OSError) as exc:
            last_error = exc
        time.sleep(0.3)
    raise TimeoutError(f"Kafka at {connection.bootstrap} did not answer metadata within {timeout:.0f}s: {last_error!r}")


def create_topics(connection: KafkaConnection, topics: list[str] | None = None, *, partitions: int = PARTITIONS):
    """Create the topics that are missing; return the ones this call created."""
    wanted = topics or project_topics()
    with admin_client(connection) as admin:
        missing = sorted(set(wanted) - set(admin.list_topics()))
        if missing:
            # Another runner may win the race; the topics exist then, which is all we need.
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics(
                    {name: {"num_partitions": partitions, "replication_factor": 1} for name in missing},
                    wait_for_metadata=True,
                )
        return missing


def _grant(admin: KafkaAdminClient, acls: list[Any]) -> None:
    result = admin.create_acls(acls)
    if result.get("failed"):
        raise KafkaSetupError(f"the broker refused ACLs: {result['failed']}")


def _set_password(admin: KafkaAdminClient, user: str, password: str) -> None:
    errors = admin.alter_user_scram_credentials([UserScramCredentialUpsertion(user, SCRAM, password)])
    if errors.get(user):
        raise KafkaSetupError(f"could not set {user}'s SCRAM credential: {errors[user]}")


def set_up(connection: KafkaConnection, service_passwords: Mapping[str, str]) -> list[str]:
    """Topics, the services' users (with the passwords they will present) and all their ACLs.
    Safe to repeat: it is what every start of the local stack does. Returns the topics it created."""
    missing = sorted(service.name for service in SERVICES if not service_passwords.get(service.name))
    if missing:
        names = ", ".join(f"LIAISON_{name.upper()}_KAFKA_SASL_PASSWORD" for name in missing)
        raise KafkaSetupError(f"no Kafka password for {', '.join(missing)}: set {names}")
    created = create_topics(connection)
    with admin_client(connection) as admin:
        for service in SERVICES:
            _set_password(admin, service.name, service_passwords[service.name])
        _grant(admin, [acl for service in SERVICES for acl in service_acls(service)])
    return created


def add_integration(connection: KafkaConnection, name: str, password: str) -> None:
    check_integration_name(name)
    with admin_client(connection) as admin:
        if name in admin.describe_user_scram_credentials():
            raise KafkaSetupError(f"{name!r} exists already; remove it first to give it a new password")
        _set_password(admin, name, password)
        _grant(admin, integration_acls(name))


def remove_integration(connection: KafkaConnection, name: str) -> None:
    check_integration_name(name)
    with admin_client(connection) as admin:
        if name not in admin.describe_user_scram_credentials():
            raise KafkaSetupError(f"no Kafka user named {name!r}")
        errors = admin.alter_user_scram_credentials([UserScramCredentialDeletion(name, SCRAM)])
        if errors.get(name):
            raise KafkaSetupError(f"could not remove {name}: {errors[name]}")
        admin.delete_acls([_everything_of(name)])


def _everything_of(user: str) -> ACLFilter:
    return ACLFilter(
        principal=principal(user),
        host=None,
        operation=ACLOperation.ANY,
        permission_type=ACLPermissionType.ANY,
        resource_pattern=ResourcePatternFilter(ResourceType.ANY, None, Pattern.ANY),
    )


def list_users(connection: KafkaConnection) -> list[tuple[str, str, list[str]]]:
    """(name, kind, what its ACLs grant) for every SCRAM user, by name."""
    with admin_client(connection) as admin:
        users = sorted(admin.describe_user_scram_credentials())
        grants = []
        for user in users:
            acls, _error = admin.describe_acls(_everything_of(user))
            grants.append(
                sorted(
                    f"{acl.operation.name} {acl.resource_pattern.resource_type.name.lower()} "
                    f"{acl.resource_pattern.resource_name}"
                    f"{'*' if acl.resource_pattern.pattern_type == Pattern.PREFIXED else ''}"
                    for acl in acls
                )
            )
    kinds = {ADMIN: "admin"} | dict.fromkeys(RESERVED_NAMES - {ADMIN}, "service")
    return [(user, kinds.get(user, "integration"), granted) for user, granted in zip(users, grants, strict=True)]


def service_passwords_from(environ: Mapping[str, str]) -> dict[str, str]:
    return {
        service.name: environ[f"LIAISON_{service.name.upper()}_KAFKA_SASL_PASSWORD"]
        for service in SERVICES
        if environ.get(f"LIAISON_{service.name.upper()}_KAFKA_SASL_PASSWORD")
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.kafka.admin")
    parser.add_argument("command", choices=["ready", "topics", "setup"])
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args(argv)
    try:
        connection = admin_connection(args.bootstrap)
        cluster = wait_until_ready(connection, timeout=args.timeout)
        if args.command == "ready":
            print(f"kafka ready at {args.bootstrap} (cluster {cluster.get('cluster_id')})")
        elif args.command == "topics":
            created = create_topics(connection)
            print("topics created: " + (", ".join(created) if created else "none (all present)"))
        else:
            created = set_up(connection, service_passwords_from(os.environ))
            print(
                "kafka set up: topics created: "
                + (", ".join(created) if created else "none (all present)")
                + f"; users and ACLs for {', '.join(s.name for s in SERVICES)}"
            )
    except (TimeoutError, KafkaError, KafkaSetupError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
