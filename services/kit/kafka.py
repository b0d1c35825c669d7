"""Kafka clients as Liaison uses them: built on demand (never at import), configured in one place."""

from __future__ import annotations

import contextlib
import threading
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.errors import KafkaError


def make_producer(bootstrap: str, *, client_id: str) -> KafkaProducer:
    # Idempotent with acks=all: a retried send is written once and in order. Never pass acks=1:
    # kafka-python then turns idempotence off without a word.
    return KafkaProducer(
        bootstrap_servers=bootstrap,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        linger_ms=2,
        max_block_ms=10_000,
        request_timeout_ms=15_000,
    )


def make_consumer(bootstrap: str, *, group_id: str, topics: list[str], client_id: str) -> KafkaConsumer:
    # Offsets are committed by hand, after the handler's transaction has committed.
    return KafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap,
        group_id=group_id,
        client_id=client_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=200,
        session_timeout_ms=10_000,
        heartbeat_interval_ms=1_000,
    )


class KafkaProbe:
    """Answers "is the broker reachable?" for /readyz, asking it at most once per `ttl` seconds."""

    def __init__(self, bootstrap: str, *, ttl: float = 2.0) -> None:
        self._bootstrap = bootstrap
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
                    bootstrap_servers=self._bootstrap, request_timeout_ms=3000, client_id="liaison-readyz"
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
