"""From `POST /api/v1/engagements` at the gateway to the follower's inbox entry: the whole path
(gateway → engagements → outbox → Kafka → notifications → inbox), p50/p95 over N engagements logged
one after another, each waited for before the next."""

from __future__ import annotations

import statistics
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from services.kit.identity import Caller
from tests.support.gateway import user_headers
from tests.support.identity import SignedAs
from tests.support.kafka import KafkaBroker
from tests.support.system import start_system, stop_system


def run(broker: KafkaBroker, database_urls: dict[str, str], label: str, count: int = 200) -> None:
    with tempfile.TemporaryDirectory() as logs:
        system = start_system(
            kafka=broker,
            database_urls=database_urls,
            logs=Path(logs),
            LIAISON_GATEWAY_RATE_LIMIT_PER_SECOND="1000",
            LIAISON_GATEWAY_RATE_LIMIT_BURST="1000",
        )
        try:
            delays = measure(system, count)
        finally:
            stop_system(system)
    q = statistics.quantiles(delays, n=20)
    print(
        f"engagement POST → follower's inbox entry [{label}], {count} engagements: median "
        f"{statistics.median(delays):.1f} ms, p95 {q[18]:.1f} ms, max {max(delays):.1f} ms"
    )


def measure(system: dict, count: int) -> list[float]:
    gateway, admin = system["gateway"], system["admin"]
    author = user_headers(gateway, "bench-author@mrif.example", {"officer"})
    follower = "bench-follower@mrif.example"
    follower_headers = user_headers(gateway, follower, {"officer"})
    partner = httpx.post(
        f"{gateway}/api/v1/partners", headers=admin, json={"kind": "ngo", "name_en": "Bench NGO"}
    ).json()
    httpx.post(
        f"{gateway}/api/v1/subscriptions",
        headers=follower_headers,
        json={"kind": "partner", "target": partner["id"], "channels": ["inbox"]},
    ).raise_for_status()
    # The inbox is read straight from the notifications service, so that polling costs the gateway nothing.
    inbox = httpx.Client(
        base_url=system["processes"]["notifications"].url,
        auth=SignedAs(Caller(follower, frozenset({"officer"}))),
        timeout=10,
    )
    delays: list[float] = []
    logged_so_far = 0
    with httpx.Client(timeout=10, headers=author) as client:
        while len(delays) < count:
            started = time.perf_counter()
            logged = client.post(
                f"{gateway}/api/v1/engagements",
                json={
                    "type": "call",
                    "title": f"Appel {uuid.uuid4().hex[:6]}",
                    "starts_at": "2026-11-25T14:00:00Z",
                    "partner_ids": [partner["id"]],
                    "thrusts": ["solidarity"],
                },
            )
            if logged.status_code == 422 and logged_so_far == 0:  # the partner's event is still on its way
                time.sleep(0.1)
                continue
            logged.raise_for_status()
            logged_so_far += 1
            while inbox.get("/api/v1/notifications", params={"limit": 1}).json()["total"] < logged_so_far:
                if time.perf_counter() - started > 30:
                    raise TimeoutError("no inbox entry after 30 s")
                time.sleep(0.002)
            if logged_so_far > 5:  # the first five warm connections, caches and the consumers up
                delays.append((time.perf_counter() - started) * 1000)
    inbox.close()
    return delays
