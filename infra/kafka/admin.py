"""Kafka chores the runner, the tests and CI share: wait for the broker, create the project's topics.

Usage: python -m infra.kafka.admin ready|topics --bootstrap HOST:PORT [--timeout SECONDS]
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import sys
import time

from kafka import KafkaAdminClient
from kafka.errors import KafkaError, TopicAlreadyExistsError

SERVICE_TOPICS = ("liaison.partners.v1", "liaison.engagements.v1", "liaison.notifications.v1")
DEAD_LETTER_SUFFIX = ".dlq"
PARTITIONS = 3


def project_topics() -> list[str]:
    return [t for topic in SERVICE_TOPICS for t in (topic, topic + DEAD_LETTER_SUFFIX)]


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def wait_until_ready(bootstrap: str, *, timeout: float = 60.0) -> dict:
    """Return the cluster description once the broker answers a metadata request."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    host, port = bootstrap.rsplit(":", 1)
    while time.monotonic() < deadline:
        # kafka-python's client keeps retrying a dead port past any timeout we give it: ask the
        # socket first, so `--timeout` means what it says.
        if not port_open(host, int(port)):
            last_error = ConnectionRefusedError(f"nothing listens on {bootstrap}")
            time.sleep(0.3)
            continue
        try:
            admin = KafkaAdminClient(
                bootstrap_servers=bootstrap, request_timeout_ms=5000, client_id="liaison-ready-probe"
            )
            try:
                cluster = admin.describe_cluster()
                if cluster.get("brokers"):
                    return cluster
            finally:
                admin.close()
        except (KafkaError, OSError) as exc:
            last_error = exc
        time.sleep(0.3)
    raise TimeoutError(f"Kafka at {bootstrap} did not answer metadata within {timeout:.0f}s: {last_error!r}")


def create_topics(bootstrap: str, topics: list[str] | None = None, *, partitions: int = PARTITIONS) -> list[str]:
    """Create the topics that are missing; return the ones this call created."""
    wanted = topics or project_topics()
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000, client_id="liaison-topic-admin")
    try:
        missing = sorted(set(wanted) - set(admin.list_topics()))
        if missing:
            # Another runner may win the race; the topics exist then, which is all we need.
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics(
                    {name: {"num_partitions": partitions, "replication_factor": 1} for name in missing},
                    wait_for_metadata=True,
                )
        return missing
    finally:
        admin.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.kafka.admin")
    parser.add_argument("command", choices=["ready", "topics"])
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args(argv)
    try:
        if args.command == "ready":
            cluster = wait_until_ready(args.bootstrap, timeout=args.timeout)
            print(f"kafka ready at {args.bootstrap} (cluster {cluster.get('cluster_id')})")
        else:
            wait_until_ready(args.bootstrap, timeout=args.timeout)
            created = create_topics(args.bootstrap)
            print("topics created: " + (", ".join(created) if created else "none (all present)"))
    except (TimeoutError, KafkaError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
