"""Rebuilding a read copy from its source, on the real thing: partners and engagements as processes on
PostgreSQL and Kafka. Engagements' partner copy is wiped, `bin/liaison resync partners` makes the
partners service republish every partner as a liaison.partner.snapshot, and the copy comes back equal
to the source (partners, merges, relationships); a snapshot that cannot apply goes to the .dlq."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid

import httpx
import pytest
from sqlalchemy import delete, select
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from services.engagements.models import PartnerCopy, PartnerRelationship
from services.kit.db import make_engine
from services.kit.events import new_event
from services.kit.identity import Caller
from services.partners.models import Partner, Relationship
from tests.support.identity import TEST_IDENTITY_SECRET, SignedAs
from tests.support.processes import REPO_ROOT, ServiceProcess
from tests.support.topics import produce

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.processes]
ADMIN = Caller(user="ops@example.test", roles=frozenset({"admin"}))
FIELDS = ("kind", "status", "version", "name_fr", "name_en", "acronyms", "aliases", "country", "region", "merged_into")


@pytest.fixture
def services(kafka_broker, pg_cluster, tmp_path):
    databases = {name: pg_cluster.create_database(f"resync_{name}_{uuid.uuid4().hex[:6]}") for name in ("p", "e")}
    env = {
        **kafka_broker.service_env("partners", "engagements"),
        "LIAISON_PARTNERS_DATABASE_URL": databases["p"],
        "LIAISON_ENGAGEMENTS_DATABASE_URL": databases["e"],
        "LIAISON_PARTNERS_RELAY_IDLE_SECONDS": "0.2",
    }
    for prefix in ("LIAISON_PARTNERS_", "LIAISON_ENGAGEMENTS_"):
        env |= {prefix + "ENVIRONMENT": "test", prefix + "IDENTITY_SECRET": TEST_IDENTITY_SECRET}
    processes = {"partners": ServiceProcess("partners", env=env, log_dir=tmp_path).start()}
    # Contacts' sealing keys: the shared topic holds earlier tests' contact events, which engagements
    # handles by asking a partners service for the key (unknown here: the copy is not kept). Without
    # one to ask, those events would hold their partitions back, and this test's events behind them.
    env["LIAISON_ENGAGEMENTS_PARTNERS_URL"] = processes["partners"].url
    processes["engagements"] = ServiceProcess("engagements", env=env, log_dir=tmp_path).start()
    engines = {"partners": make_engine(databases["p"]), "engagements": make_engine(databases["e"])}
    try:
        for process in processes.values():
            process.wait_ready()
        yield processes, engines
    finally:
        for process in processes.values():
            process.stop()
        for engine in engines.values():
            engine.dispose()


def source(engine) -> tuple[dict, set]:
    with Session(engine) as session:
        partners = {p.id: tuple(getattr(p, f) for f in FIELDS) for p in session.scalars(select(Partner))}
        links = {(r.id, r.partner_id, r.type, r.target_id, r.version) for r in session.scalars(select(Relationship))}
    return partners, links


def copy(engine, ids) -> tuple[dict, set]:
    with Session(engine) as session:
        partners = {
            c.id: tuple(getattr(c, f) for f in FIELDS)
            for c in session.scalars(select(PartnerCopy).where(PartnerCopy.id.in_(ids)))
        }
        links = {
            (r.id, r.partner_id, r.type, r.target_id, r.version)
            for r in session.scalars(select(PartnerRelationship).where(PartnerRelationship.removed.is_(False)))
            if r.partner_id in ids
        }
    return partners, links


def differences(got, want) -> list:
    partners = [(k, got[0].get(k), v) for k, v in want[0].items() if got[0].get(k) != v]
    return [*partners, ("links missing", want[1] - got[1]), ("links extra", got[1] - want[1])]


def until_equal(engines, *, same=lambda got, want: got == want, timeout=30.0):
    deadline = time.monotonic() + timeout
    while True:
        want = source(engines["partners"])
        got = copy(engines["engagements"], set(want[0]))
        if same(got, want) or time.monotonic() > deadline:
            return got, want
        time.sleep(0.2)


def wipe(engine, attempts: int = 5) -> None:
    """The copy emptied while the consumer may still be writing (other tests' events on the shared
    topic): a deadlock with it is retried, as an operator would."""
    for attempt in range(attempts):
        try:
            with Session(engine) as session:
                session.execute(delete(PartnerRelationship))
                session.execute(delete(PartnerCopy))
                session.commit()
            return
        except OperationalError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.5)


def test_a_wiped_partner_copy_is_rebuilt_equal_to_its_source(services, kafka_broker):
    processes, engines = services
    api = httpx.Client(base_url=processes["partners"].url, auth=SignedAs(ADMIN, TEST_IDENTITY_SECRET), timeout=30)

    def new(name: str, **extra) -> str:
        body = {"kind": "federated_state", "name_fr": name, "name_en": name, "country": "DE", "region": "europe"}
        response = api.post("/api/v1/partners", json=body | extra, params={"allow_duplicate": "true"})
        assert response.status_code == 201, response.text
        return response.json()["id"]

    germany = new("Allemagne", kind="state", aliases=["Deutschland"])
    states = [new(f"Land {n}", acronyms=[f"L{n}"]) for n in range(11)]
    for state in states[:4]:
        api.post(f"/api/v1/partners/{state}/relationships", json={"type": "part_of", "target_id": germany})
    api.patch(f"/api/v1/partners/{states[5]}", json={"name_en": "Renamed"}, headers={"If-Match": 'W/"1"'})
    api.post(f"/api/v1/partners/{states[6]}/archive")
    merged = api.post(f"/api/v1/partners/{states[0]}/merge", json={"duplicate_id": states[1]})
    assert merged.status_code == 200, merged.text
    # Built from the events, the copy knows every partner and link (a merged duplicate's own status and
    # version never came: the merge event carries the survivor; a snapshot carries both).
    got, want = until_equal(engines, same=lambda got, want: (set(got[0]), got[1]) == (set(want[0]), want[1]))
    assert (set(got[0]), got[1]) == (set(want[0]), want[1]), differences(got, want)
    assert len(want[0]) == 12 and len(want[1]) == 3  # the merge dropped the duplicate's twin link

    wipe(engines["engagements"])
    assert copy(engines["engagements"], set(want[0])) == ({}, set())
    # A snapshot no consumer can apply, on the topic among the real ones: it goes to the .dlq, the rest apply.
    poison = new_event(
        type="liaison.partner.snapshot", source="/liaison/partners", subject=germany, data={"id": germany}
    )
    produce(kafka_broker.connection(), "liaison.partners.v1", key=germany.encode(), value=poison.to_json().encode())

    started = time.monotonic()
    resync = subprocess.run(
        [sys.executable, "-m", "cli", "resync", "partners", "--batch", "5", "--url", processes["partners"].url],
        cwd=REPO_ROOT,
        env=os.environ | {"LIAISON_PARTNERS_IDENTITY_SECRET": TEST_IDENTITY_SECRET},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert resync.returncode == 0, resync.stderr
    lines = resync.stdout.splitlines()
    assert len(lines) == 3 and lines[-1] == "12 snapshot(s) queued; done", lines
    got, want = until_equal(engines)
    assert got == want, differences(got, want)
    print(f"\nresync: 12 partners, 3 relationships rebuilt in {time.monotonic() - started:.2f}s")

    letters = httpx.get(
        f"{processes['engagements'].url}/api/v1/admin/engagements/dlq",
        auth=SignedAs(ADMIN, TEST_IDENTITY_SECRET),
        timeout=30,
    ).json()["items"]
    (letter,) = [item for item in letters if item["event_id"] == poison.id]
    assert letter["error_type"] == "RejectedEvent"
