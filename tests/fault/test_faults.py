"""The fault suite: a few thousand writes through the gateway while one replica of each service, the
broker and PostgreSQL are killed with SIGKILL and restarted, and a webhook receiver hangs. Then the
topics, read with librdkafka, must hold every committed change exactly once, in per-key order; every
read copy must equal its source; every follower must have each notification once; and nothing may sit
in a dead-letter topic but the poison the suite planted. Prints the figures.

LIAISON_FAULT_WRITES sets the least number of writes (default 2,000).
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy.exc import OperationalError

from services.kit.events import new_event
from tests.fault import audit
from tests.fault.load import Load
from tests.fault.stack import SERVICES, FaultStack
from tests.support.topics import produce

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.processes, pytest.mark.timeout(900)]
WRITES = int(os.environ.get("LIAISON_FAULT_WRITES", "2000"))
# Writes per second the load aims at: what this 2-core machine's consumers keep up with while the
# suite kills things, so that recovery times measure recovery, not a backlog of our own making.
RATE = float(os.environ.get("LIAISON_FAULT_RATE", "12"))


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    # LIAISON_FAULT_LOGS keeps the processes' logs where a failed run can be read afterwards.
    kept = os.environ.get("LIAISON_FAULT_LOGS")
    logs = Path(kept) / time.strftime("%Y%m%d-%H%M%S") if kept else tmp_path_factory.mktemp("fault-logs")
    stack = FaultStack(logs=logs)
    try:
        stack.start()
        stack.subscribe_followers()
        yield stack
    finally:
        stack.stop()


def probe(stack: FaultStack, load: Load, client: httpx.Client, partner: str, timeout: float = 180.0) -> float:
    """A write at the gateway seen end to end (partners → topic → engagements' copy, and an engagement →
    a follower's inbox); returns when both came through."""
    started = time.monotonic()
    name = f"Probe {uuid.uuid4().hex[:8]}"
    assert load.update_partner(client, partner, name_en=name), "the probe's write never committed"
    follower = next(iter(stack.followers))
    deadline = started + timeout
    seen_name = seen_notice = False
    engagement = None
    while time.monotonic() < deadline and not (seen_name and seen_notice):
        try:
            if not seen_name:
                history = client.get(f"{stack.gateway.url}/api/v1/partners/{partner}/history", headers=stack.admin)
                seen_name = history.status_code == 200 and history.json()["partner"]["name_en"] == name
            elif engagement is None:
                engagement = load.log_engagement_about(client, partner)
                assert engagement, "the probe's engagement never committed"
            else:
                seen_notice = stack.notified(follower, engagement)
        except (httpx.HTTPError, OperationalError):
            pass
        time.sleep(0.2)
    assert seen_name and seen_notice, f"no recovery within {timeout}s (name: {seen_name}, notice: {seen_notice})"
    return time.monotonic() - started


def settle(stack: FaultStack, timeout: float = 300.0) -> tuple[list[str], dict[str, int], float]:
    """Wait until every consumer group has caught up and the copies match; returns what still differs,
    the groups' lag, and how long the catching up took."""
    started = time.monotonic()
    deadline = started + timeout
    while True:
        behind = audit.lag(stack.broker.connection())
        problems = audit.copies_match(stack.databases) if not any(behind.values()) else ["lag"]
        if not problems or time.monotonic() > deadline:
            return problems, behind, time.monotonic() - started
        time.sleep(1.0)


def test_nothing_is_lost_doubled_or_reordered_through_kills(stack):
    load = Load(stack.gateway.url, stack.admin, rate=RATE).start()
    recovery: dict[str, float] = {}
    with httpx.Client(timeout=30) as client:
        while len(load.partners) < 20:
            time.sleep(0.5)
        target = load.create_partner(client)
        recovery["(no fault: baseline)"] = probe(stack, load, client, target)
        poison = new_event(type="liaison.partner.created", source="/liaison/partners", subject="x", data={"id": "no"})
        produce(stack.broker.connection(), "liaison.partners.v1", key=b"poison", value=poison.to_json().encode())
        for service in SERVICES:
            # Measured while the killed replica is down: the other one must carry its service alone.
            killed = stack.kill_replica(service)
            recovery[f"{service} replica SIGKILL (the other replica alone)"] = probe(stack, load, client, target)
            stack.restart_replica(killed)
        for name, kill in (("broker SIGKILL", stack.kill_broker), ("PostgreSQL SIGKILL", stack.kill_postgres)):
            started = time.monotonic()
            kill()
            restarted = time.monotonic() - started
            recovery[name] = restarted + probe(stack, load, client, target)
        started = time.monotonic()
        stack.hang_receiver()
        recovery["webhook receiver hangs 8 s"] = time.monotonic() - started
        while load.stats.total < WRITES:
            time.sleep(1.0)
    stats = load.stop()

    problems, behind, caught_up = settle(stack)
    topics = [
        audit.check_topic(stack.broker.connection(), t, stack.databases[s], planted={poison.id})
        for t, s in zip(audit.TOPICS, SERVICES, strict=True)
    ]
    letters = audit.dead_letters(stack.broker.connection())
    expected, missing, doubled = audit.notifications_per_follower(
        stack.broker.connection(), stack.databases["notifications"], list(stack.followers)
    )
    webhook_posts = stack.receiver.at(stack.hook_path)

    print("\n== fault suite ==")
    print(f"writes committed: {stats.total} {dict(stats.writes)}; refused on their merits: {dict(stats.refused)}")
    print(f"client retries through outages: {stats.retries}; gave up: {stats.gave_up}")
    for t in topics:
        print(
            f"{t.topic}: events {t.events}, committed {t.committed}, duplicates {t.duplicates}, lost {t.lost}, "
            f"phantoms {t.phantoms}, reordered keys {t.reordered_keys}, repeated versions {t.version_repeats}"
        )
        for example in t.examples:
            print(f"   {example}")
    print(f"notifications: {expected} expected (event x follower), missing {missing}, doubled {doubled}")
    planted = sum(m.event.get("id") == poison.id for m in letters)
    print(f"dead letters: {len(letters)}, of which the planted poison: {planted}")
    deliveries = {p.headers["liaison-delivery"] for p in webhook_posts}
    print(f"webhook POSTs received: {len(webhook_posts)} for {len(deliveries)} deliveries")
    print(f"consumers caught up {caught_up:.1f} s after the load stopped; lag then: {behind}")
    print(f"read copies: {len(problems)} differences")
    for problem in problems[:5]:
        print(f"   {problem}")
    for name, seconds in recovery.items():
        print(f"recovery after {name}: {seconds:.1f} s")
    if problems:  # what the consumers said last, for whoever reads a failed run
        for log_file in sorted(stack.logs.glob("*/*.log")):
            lines = [line for line in log_file.read_text().splitlines() if '"level": "info"' not in line]
            print(f"-- {log_file.relative_to(stack.logs)}: last warnings and errors")
            for line in lines[-12:]:
                print(f"   {line[:400]}")

    assert stats.total >= WRITES and stats.gave_up == 0
    for t in topics:
        assert (t.duplicates, t.lost, t.phantoms, t.reordered_keys, t.version_repeats) == (0, 0, 0, 0, 0), t
    assert problems == [], problems[:10]
    assert (missing, doubled) == (0, 0)
    assert {(m.event.get("id"), m.topic) for m in letters} == {(poison.id, "liaison.partners.v1.dlq")}
    assert len(letters) == 2, "the poison, once per consumer (engagements, notifications)"
