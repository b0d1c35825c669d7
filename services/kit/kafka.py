"""Kafka clients as Liaison uses them: built on demand (never at import), configured in one place."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.errors import KafkaError

if TYPE_CHECKING:
    from services.kit.outbox import OutboxMessage

SCRAM = "SCRAM-SHA-512"


def consumer_group(service: str) -> str:
    """The one consumer group of a service's replicas (its ACL names it: infra/kafka/acls.py)."""
    return f"liaison-{service}"


@dataclass(frozen=True)
class KafkaConnection:
    """Where the broker is and who this client is there: every client Liaison makes goes through one.

    The broker lets no one in without SASL credentials (infra/kafka/server.properties); each service
    is its own principal, allowed by ACLs to write its topic and read what it consumes. SASL_PLAINTEXT
    is for loopback; anywhere else SASL_SSL (with `ssl_cafile` when the broker's CA is a private one).
    """

    bootstrap: str
    username: str
    password: str = field(repr=False)
    security_protocol: str = "SASL_PLAINTEXT"
    mechanism: str = SCRAM
    ssl_cafile: str | None = None

    def client_options(self) -> dict[str, Any]:
        """The kafka-python settings for this connection (bootstrap servers included)."""
        options: dict[str, Any] = {
            "bootstrap_servers": self.bootstrap,
            "security_protocol": self.security_protocol,
            "sasl_mechanism": self.mechanism,
            "sasl_plain_username": self.username,
            "sasl_plain_password": self.password,
            # kafka-python backs off up to 30 s between reconnects (the Java client: 1 s): a broker
            # back after a restart would wait that long for every client before events flow again.
            "reconnect_backoff_max_ms": 1000,
        }
        if self.ssl_cafile:
            options["ssl_cafile"] = self.ssl_cafile
        return options


def make_producer(connection: KafkaConnection, *, client_id: str, deadline_seconds: float = 20.0) -> KafkaProducer:
    """`deadline_seconds` bounds a send, retries included (the relay keeps it inside its lease)."""
    # Idempotent with acks=all: a retried send is written once and in order. Never pass acks=1:
    # kafka-python then turns idempotence off without a word.
    deadline_ms = int(deadline_seconds * 1000)
    return KafkaProducer(
        **connection.client_options(),
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        linger_ms=2,
        max_block_ms=min(10_000, deadline_ms),
        request_timeout_ms=min(15_000, deadline_ms - 10),
        delivery_timeout_ms=deadline_ms,
    )


def make_consumer(connection: KafkaConnection, *, group_id: str, topics: list[str], client_id: str) -> KafkaConsumer:
    # Offsets are committed by hand, after the handler's transaction has committed.
    return KafkaConsumer(
        *topics,
        **connection.client_options(),
        group_id=group_id,
        client_id=client_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=200,
        # A topic whose metadata had not reached the client when the group first assigned partitions
        # leaves this member with nothing until the next refresh: 5 min by default, 10 s here.
        metadata_max_age_ms=10_000,
        session_timeout_ms=10_000,
        heartbeat_interval_ms=1_000,
    )


class KafkaProbe:
    """Answers "is the broker reachable?" for /readyz, asking it at most once per `ttl` seconds."""

    def __init__(self, connection: KafkaConnection, *, ttl: float = 2.0) -> None:
        self._connection = connection
        self._ttl = ttl
        self._admin: KafkaAdminClient | None = None
        self._checked_at = 0.0
        self._last: tuple[bool, str] = (False, "not checked yet")
        self._lock = threading.Lock()

    def check(self) -> tuple[bool, str]:
        with self._lock:
            if time.monotonic() - self._checked_at < self._ttl:
                return self._last
            self._last = self._ask()
            self._checked_at = time.monotonic()
            return self._last

    def _ask(self) -> tuple[bool, str]:
        try:
            if self._admin is None:
                self._admin = KafkaAdminClient(
                    **self._connection.client_options(),
                    request_timeout_ms=3000,
                    bootstrap_timeout_ms=3000,
                    client_id="liaison-readyz",
                )
            brokers = self._admin.describe_cluster().get("brokers") or []
            return (bool(brokers), f"{len(brokers)} broker(s)")
        except (KafkaError, OSError) as exc:
            self.close()
            return (False, type(exc).__name__)

    def close(self) -> None:
        admin, self._admin = self._admin, None
        if admin is not None:
            with contextlib.suppress(Exception):
                admin.close()


class TopicLookup:
    """Is this event already on its topic? Asked by the relay before it sends a row again whose earlier
    attempt may have reached the broker (a timeout, a relay killed between send and "mark sent").

    Reads the key's partition from a little before the row was written to its end, by the `ce_id`
    header every Liaison message carries. Recovery only: the normal path never asks.
    """

    def __init__(self, connection: KafkaConnection, *, client_id: str, slack_seconds: float = 60.0) -> None:
        self._connection = connection
        self._client_id = client_id
        self._slack_ms = int(slack_seconds * 1000)

    def __call__(self, messages: Sequence[OutboxMessage]) -> set[str]:
        from kafka import TopicPartition
        from kafka.partitioner.default import murmur2

        wanted = {m.event_id for m in messages}
        consumer = KafkaConsumer(
            **self._connection.client_options(),
            client_id=self._client_id,
            group_id=None,
            enable_auto_commit=False,
            request_timeout_ms=10_000,
        )
        try:
            since: dict[TopicPartition, int] = {}
            for m in messages:
                partitions = sorted(consumer.partitions_for_topic(m.topic) or [])
                if not partitions:
                    continue
                # The producer's own partitioner (murmur2, as the Java client): the key's partition.
                tp = TopicPartition(m.topic, partitions[(murmur2(m.key.encode()) & 0x7FFFFFFF) % len(partitions)])
                written_ms = int(m.created_at.timestamp() * 1000) - self._slack_ms
                since[tp] = min(since.get(tp, written_ms), written_ms)
            if not since:
                return set()
            starts = consumer.offsets_for_times(since)
            ends = consumer.end_offsets(list(since))
            todo = {tp: ends[tp] for tp in since if starts.get(tp) is not None and starts[tp].offset < ends[tp]}
            if not todo:
                return set()
            consumer.assign(list(todo))
            for tp in todo:
                consumer.seek(tp, starts[tp].offset)
            found: set[str] = set()
            deadline = time.monotonic() + 20
            while todo and time.monotonic() < deadline:
                for tp, records in consumer.poll(timeout_ms=200).items():
                    for record in records:
                        event_id = dict(record.headers or []).get("ce_id")
                        if event_id and event_id.decode() in wanted:
                            found.add(event_id.decode())
                    if consumer.position(tp) >= todo.get(tp, 0):
                        todo.pop(tp, None)
            if todo:
                raise TimeoutError("could not read the topic to its end: try again later")
            return found
        finally:
            consumer.close(autocommit=False)
