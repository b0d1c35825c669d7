"""A rolling restart under load, on real processes: two partners replicas on one PostgreSQL database and
an engagements consumer, each stopped with SIGTERM (as Kubernetes does: the load balancer first stops
sending it new requests, then the signal) and started again while writes keep coming.

What must hold: each process exits by itself, cleanly, within the grace period; a request it had taken
is answered (no partner is stored whose creator got no 201); every partner stored has exactly one
`liaison.partner.created` on the topic (nothing lost, nothing doubled by a relay stopping mid-wave);
the restarted consumer's copy has every partner."""

from __future__ import annotations

import signal
import threading
import time
import uuid
from collections import Counter

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import Session

from services.engagements.models import PartnerCopy
from services.kit.db import make_engine
from services.kit.identity import Caller
from services.kit.outbox import OutboxMessage
from services.partners.models import Partner
from tests.support.identity import TEST_IDENTITY_SECRET, SignedAs
from tests.support.processes import ServiceProcess
from tests.support.topics import read_topic

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.processes]
OFFICER = Caller(user="officer@example.test", roles=frozenset({"officer"}))
GRACE_SECONDS = 30  # terminationGracePeriodSeconds in infra/k8s


class Load:
    """Clients creating partners on the replicas a load balancer would send them to."""

    def __init__(self, replicas: dict[str, ServiceProcess], *, clients: int = 4) -> None:
        self.replicas = replicas
        self.routable = set(replicas)
        self.created: dict[str, str] = {}  # name -> id, answered 201
        self.refused = 0  # no connection: never sent
        self.unanswered: list[str] = []  # sent, no answer
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(clients)]

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(30)

    def _run(self, n: int) -> None:
        turn = n
        while not self._stop.is_set():
            with self._lock:
                names = sorted(self.routable)
            replica = self.replicas[names[turn % len(names)]]
            turn += 1
            name = f"Partenaire {uuid.uuid4().hex[:10]}"
            body = {"kind": "ngo", "name_fr": name, "name_en": name, "region": "europe"}
            try:
                # A connection per request: a kept-alive one closed by the server's shutdown would fail
                # the next request before the server ever read it.
                response = httpx.post(
                    f"{replica.url}/api/v1/partners",
                    json=body,
                    params={"allow_duplicate": "true"},
                    headers={"Connection": "close"},
                    auth=SignedAs(OFFICER, TEST_IDENTITY_SECRET),
                    timeout=30,
                )
            except httpx.ConnectError:
                with self._lock:
                    self.refused += 1
                continue
            except httpx.TransportError:
                with self._lock:
                    self.unanswered.append(name)
                continue
            assert response.status_code == 201, response.text
            with self._lock:
                self.created[name] = response.json()["id"]

    def drain(self, name: str) -> None:
        with self._lock:
            self.routable.discard(name)

    def route(self, name: str) -> None:
        with self._lock:
            self.routable.add(name)


def restart(process: ServiceProcess, load: Load | None = None, replica: str = "") -> float:
    """SIGTERM, wait for the exit, start again; returns how long the stop took."""
    if load is not None:
        load.drain(replica)  # the endpoint is gone; requests already sent are still in flight
    started = time.monotonic()
    process.stop()
    took = time.monotonic() - started
    # uvicorn, once shut down, re-raises the signal it caught: -SIGTERM, not the -SIGKILL of stop()'s last resort.
    assert process.process.returncode == -signal.SIGTERM, f"{process.name} was killed:\n{process.log_tail()}"
    assert '"Application shutdown complete."' in process.log_tail(3), process.log_tail()
    assert took < GRACE_SECONDS
    process.start().wait_ready()
    if load is not None:
        load.route(replica)
    return took


@pytest.fixture
def system(kafka_broker, pg_cluster, tmp_path):
    env = {
        **kafka_broker.service_env("partners", "engagements"),
        "LIAISON_PARTNERS_DATABASE_URL": pg_cluster.create_database(f"graceful_p_{uuid.uuid4().hex[:6]}"),
        "LIAISON_ENGAGEMENTS_DATABASE_URL": pg_cluster.create_database(f"graceful_e_{uuid.uuid4().hex[:6]}"),
        "LIAISON_PARTNERS_RELAY_IDLE_SECONDS": "0.1",
    }
    for prefix in ("LIAISON_PARTNERS_", "LIAISON_ENGAGEMENTS_"):
        env |= {prefix + "ENVIRONMENT": "test", prefix + "IDENTITY_SECRET": TEST_IDENTITY_SECRET}
    processes = {}
    for name, service in (("a", "partners"), ("b", "partners"), ("engagements", "engagements")):
        (tmp_path / name).mkdir()
        if service == "engagements":  # contacts' sealing keys, for contact events on the shared topic
            env["LIAISON_ENGAGEMENTS_PARTNERS_URL"] = processes["a"].url
        processes[name] = ServiceProcess(service, env=env, log_dir=tmp_path / name).start()
    engines = {
        "partners": make_engine(env["LIAISON_PARTNERS_DATABASE_URL"]),
        "engagements": make_engine(env["LIAISON_ENGAGEMENTS_DATABASE_URL"]),
    }
    try:
        for process in processes.values():
            process.wait_ready()
        yield processes, engines
    finally:
        for process in processes.values():
            process.stop()
        for engine in engines.values():
            engine.dispose()


def eventually(check, *, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while not (result := check()) and time.monotonic() < deadline:
        time.sleep(0.2)
    return result


def test_a_rolling_restart_under_load_loses_and_doubles_nothing(system, kafka_broker):
    processes, engines = system
    stops = {}
    with Load({"a": processes["a"], "b": processes["b"]}) as load:
        time.sleep(1.5)
        stops["partners a"] = restart(processes["a"], load, "a")
        stops["engagements"] = restart(processes["engagements"])
        stops["partners b"] = restart(processes["b"], load, "b")
        time.sleep(1.0)

    with Session(engines["partners"]) as session:
        stored = {p.name_fr: p.id for p in session.scalars(select(Partner))}
        unsent = lambda: session.scalar(select(OutboxMessage).where(OutboxMessage.status != "sent").limit(1))  # noqa: E731
        assert eventually(lambda: (session.expire_all(), unsent() is None)[1]), "the outbox drained"
    print(
        f"\nrolling restart: {len(load.created)} partners created, {load.refused} connections refused "
        f"(never sent), {len(load.unanswered)} unanswered; stops took "
        + ", ".join(f"{name} {took:.1f}s" for name, took in stops.items())
    )
    assert len(load.created) > 20, "the load ran through the restarts"
    assert {name: str(pid) for name, pid in stored.items()} == load.created, (
        "a partner stored whose creator got no 201, or a 201 for nothing stored",
        set(stored) ^ set(load.created),
    )

    ids = {str(pid) for pid in stored.values()}
    created_events = read_topic(
        kafka_broker.connection(),
        "liaison.partners.v1",
        expect=len(ids),
        timeout=30,
        match=lambda record: record.key is not None and record.key.decode() in ids,
    )
    per_partner = Counter(record.key.decode() for record in created_events)
    assert set(per_partner) == ids and set(per_partner.values()) == {1}, "one created event per partner"

    def copied() -> bool:
        with Session(engines["engagements"]) as session:
            held = {str(c.id) for c in session.scalars(select(PartnerCopy).where(PartnerCopy.id.in_(stored.values())))}
        return held == ids

    assert eventually(copied), "the restarted consumer's copy has every partner"
