"""From an engagement event on the topic to the follower's inbox entry, through a real
notifications process and a real broker.

The engagements service's POST arrives with its issue, so the event is produced to
liaison.engagements.v1 the way its relay would. Prints p50/p95 over N events sent one after
another (the next waits for the previous entry), then notifications per second for a burst.
"""

from __future__ import annotations

import statistics
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from kafka import KafkaProducer

from services.kit.identity import Caller
from services.notifications.tests import factories as f
from tests.bench import table
from tests.support.identity import TEST_IDENTITY_SECRET, SignedAs
from tests.support.kafka import KafkaBroker
from tests.support.processes import ServiceProcess

TOPIC = "liaison.engagements.v1"


def start(broker: KafkaBroker, database_url: str, logs: Path) -> ServiceProcess:
    prefix = "LIAISON_NOTIFICATIONS_"
    env = {
        prefix + "DATABASE_URL": database_url,
        **broker.service_env("notifications"),
        prefix + "ENVIRONMENT": "test",
        prefix + "IDENTITY_SECRET": TEST_IDENTITY_SECRET,
        prefix + "LOG_LEVEL": "WARNING",
    }
    return ServiceProcess("notifications", env=env, log_dir=logs).start().wait_ready()


def total(client: httpx.Client) -> int:
    return client.get("/api/v1/notifications", params={"limit": 1}).json()["total"]


def wait_total(client: httpx.Client, expected: int, timeout: float = 120.0, poll: float = 0.002) -> None:
    deadline = time.monotonic() + timeout
    while total(client) < expected:
        if time.monotonic() > deadline:
            raise TimeoutError(f"inbox stuck below {expected}")
        time.sleep(poll)


def run(broker: KafkaBroker, database_url: str, label: str, count: int = 200, burst: int = 1000) -> None:
    user = Caller(f"bench-{uuid.uuid4().hex[:6]}@example.test", frozenset({"officer"}))
    partner = uuid.uuid4()
    producer = KafkaProducer(**broker.connection().client_options(), acks="all", linger_ms=0)
    with tempfile.TemporaryDirectory() as logs:
        service = start(broker, database_url, Path(logs))
        try:
            with httpx.Client(base_url=service.url, auth=SignedAs(user), timeout=10) as client:
                client.post(
                    "/api/v1/subscriptions", json={"kind": "partner", "target": str(partner), "channels": ["inbox"]}
                ).raise_for_status()
                delays = []
                for n in range(count + 5):  # the first five warm the consumer and connections up
                    event = f.engagement_event(f.engagement(partner_ids=[partner], title=f"Bench {n}"))
                    started = time.perf_counter()
                    producer.send(TOPIC, key=event.subject.encode(), value=event.to_json().encode())
                    producer.flush()
                    wait_total(client, n + 1)
                    if n >= 5:
                        delays.append((time.perf_counter() - started) * 1000)
                before = total(client)
                events = [f.engagement_event(f.engagement(partner_ids=[partner])) for _ in range(burst)]
                started = time.perf_counter()
                for event in events:
                    producer.send(TOPIC, key=event.subject.encode(), value=event.to_json().encode())
                producer.flush()
                wait_total(client, before + burst, poll=0.05)  # light polling: the CPU is for the service
                elapsed = time.perf_counter() - started
        finally:
            service.stop()
            producer.close(timeout=5)
    quantiles = statistics.quantiles(delays, n=20)
    print(
        f"engagement event → inbox entry [{label}], {count} events: p50 {statistics.median(delays):.1f} ms, "
        f"p95 {quantiles[18]:.1f} ms, min {min(delays):.1f} ms, max {max(delays):.1f} ms"
    )
    print(
        f"notifications throughput [{label}]: {burst} events in {elapsed:.2f} s = {burst / elapsed:.0f} "
        f"inbox notifications/s (one follower, inbox channel, each with its sent event in the outbox)"
    )
    table.record("event → inbox p95 (idle)", "≤ 50 ms", quantiles[18], "ms", target=50, database=label)
    table.record(
        "notifications consumed",
        "≥ 2,000 events/s",
        burst / elapsed,
        "events/s",
        target=2000,
        lower_is_better=False,
        database=label,
    )
