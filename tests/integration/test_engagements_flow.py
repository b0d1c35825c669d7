"""Engagements across real processes, the real broker and real PostgreSQL.

partners (uvicorn) → liaison.partners.v1 → engagements' consumer → read copy; an engagement logged
over HTTP → outbox → relay → liaison.engagements.v1, valid against its contract; a merge produced on
the topic re-points the engagement; a restricted engagement's event carries no detail.
"""

import json
import time
import uuid

import httpx
import pytest

from services.kit.events import new_event
from services.kit.identity import Caller
from services.kit.kafka import KafkaConnection
from tests.contract.schemas import validator
from tests.support.identity import TEST_IDENTITY_SECRET, SignedAs
from tests.support.processes import ServiceProcess
from tests.support.topics import produce, read_topic

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.processes]
OFFICER = Caller(user="officer@example.test", roles=frozenset({"officer"}))
OUTSIDER = Caller(user="outsider@example.test", roles=frozenset({"officer"}))


@pytest.fixture(scope="module")
def stack(kafka_broker, pg_cluster, tmp_path_factory):
    logs = tmp_path_factory.mktemp("engagement-logs")
    processes = {}
    for name in ("partners", "engagements"):
        prefix = f"LIAISON_{name.upper()}_"
        env = {
            prefix + "DATABASE_URL": pg_cluster.create_database(f"eflow_{name}_{uuid.uuid4().hex[:6]}"),
            **kafka_broker.service_env(name),
            prefix + "RELAY_IDLE_SECONDS": "0.2",
            prefix + "ENVIRONMENT": "test",
            prefix + "IDENTITY_SECRET": TEST_IDENTITY_SECRET,
        }
        if name == "engagements":  # contacts' sealing keys (contact events on the shared topic need them)
            env[prefix + "PARTNERS_URL"] = processes["partners"].url
        processes[name] = ServiceProcess(name, env=env, log_dir=logs).start()
    for process in processes.values():
        process.wait_ready()
    yield processes | {"kafka": kafka_broker.connection()}
    for process in processes.values():
        process.stop()


def client(url: str, caller: Caller = OFFICER) -> httpx.Client:
    return httpx.Client(base_url=url, auth=SignedAs(caller, TEST_IDENTITY_SECRET), timeout=10)


def eventually(check, *, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.05)


def records_for(kafka: KafkaConnection, key: str, expect: int) -> list[dict]:
    found = read_topic(kafka, "liaison.engagements.v1", expect=expect, match=lambda r: r.key == key.encode())
    return [json.loads(r.value) for r in found]


def test_an_engagement_on_a_partner_from_the_topic_is_published_valid(stack):
    with client(stack["partners"].url) as partners, client(stack["engagements"].url) as engagements:
        partner = partners.post(
            "/api/v1/partners",
            json={
                "kind": "federated_state",
                "name_fr": "Bavière",
                "name_en": "Bavaria",
                "country": "DE",
                "region": "europe",
            },
        ).json()
        assert eventually(lambda: engagements.get(f"/api/v1/partners/{partner['id']}/history").status_code == 200)
        body = {
            "type": "meeting",
            "title": "Négociations sur les batteries",
            "starts_at": "2026-03-02T09:30:00-05:00",
            "partner_ids": [partner["id"]],
            "thrusts": ["trade.investment"],
            "summary": "Premier cycle.",
        }
        created = engagements.post("/api/v1/engagements", json=body, headers={"Idempotency-Key": "flow-1"})
        replay = engagements.post("/api/v1/engagements", json=body, headers={"Idempotency-Key": "flow-1"})
        assert created.status_code == replay.status_code == 201 and created.json() == replay.json()
        engagement = created.json()

        [event] = records_for(stack["kafka"], engagement["id"], 1)
        assert event["type"] == "liaison.engagement.logged" and event["data"]["title"] == engagement["title"]
        assert list(validator(event["dataschema"]).iter_errors(event)) == []
        found = engagements.get("/api/v1/engagements", params={"q": "negociation"}).json()
        assert [e["id"] for e in found["items"]] == [engagement["id"]]
        assert found["facets"]["thrust"]["trade"] == 1


def test_a_merge_on_the_topic_repoints_the_engagement(stack):
    with client(stack["engagements"].url) as engagements:
        ids = [uuid.uuid4(), uuid.uuid4()]
        for n, partner_id in enumerate(ids):
            data = {
                "id": str(partner_id),
                "kind": "academic",
                "name_fr": f"Université {n}",
                "acronyms": [],
                "aliases": [],
                "status": "active",
                "version": 1,
                "created_at": "2026-01-01T00:00:00Z",
                "updated_at": "2026-01-01T00:00:00Z",
            }
            event = new_event(
                type="liaison.partner.created", source="/liaison/partners", subject=str(partner_id), data=data
            )
            produce(stack["kafka"], "liaison.partners.v1", key=str(partner_id).encode(), value=event.to_json().encode())
        survivor, duplicate = ids
        assert eventually(lambda: engagements.get(f"/api/v1/partners/{duplicate}/history").status_code == 200)
        engagement = engagements.post(
            "/api/v1/engagements",
            json={
                "type": "call",
                "title": "Appel",
                "starts_at": "2026-03-02T09:30:00Z",
                "partner_ids": [str(duplicate)],
                "thrusts": ["research-innovation"],
            },
        ).json()
        merged = new_event(
            type="liaison.partner.merged",
            source="/liaison/partners",
            subject=str(duplicate),
            data={"id": str(duplicate), "merged_into": str(survivor)},
        )
        produce(stack["kafka"], "liaison.partners.v1", key=str(duplicate).encode(), value=merged.to_json().encode())

        repointed = eventually(
            lambda: engagements.get(f"/api/v1/engagements/{engagement['id']}").json()["partner_ids"] == [str(survivor)]
        )
        assert repointed
        published = records_for(stack["kafka"], engagement["id"], 2)
        assert [e["type"] for e in published] == ["liaison.engagement.logged", "liaison.engagement.updated"]
        assert published[1]["data"]["changed_fields"] == ["partner_ids"]


def test_a_restricted_engagement_is_published_without_details_and_hidden_from_outsiders(stack):
    with client(stack["engagements"].url) as engagements, client(stack["engagements"].url, OUTSIDER) as outsider:
        partner_id = uuid.uuid4()
        event = new_event(
            type="liaison.partner.created",
            source="/liaison/partners",
            subject=str(partner_id),
            data={
                "id": str(partner_id),
                "kind": "state",
                "name_fr": "France",
                "acronyms": [],
                "aliases": [],
                "status": "active",
                "version": 1,
                "created_at": "2026-01-01T00:00:00Z",
                "updated_at": "2026-01-01T00:00:00Z",
            },
        )
        produce(stack["kafka"], "liaison.partners.v1", key=str(partner_id).encode(), value=event.to_json().encode())
        assert eventually(lambda: engagements.get(f"/api/v1/partners/{partner_id}/history").status_code == 200)
        engagement = engagements.post(
            "/api/v1/engagements",
            json={
                "type": "meeting",
                "title": "Dossier sensible",
                "summary": "Secret",
                "starts_at": "2026-03-02T09:30:00Z",
                "partner_ids": [str(partner_id)],
                "thrusts": ["security"],
                "confidentiality": "restricted",
            },
        ).json()
        [published] = records_for(stack["kafka"], engagement["id"], 1)
        assert published["data"] == {
            "id": engagement["id"],
            "confidentiality": "restricted",
            "version": 1,
            "created_by": OFFICER.user,
        }
        assert outsider.get(f"/api/v1/engagements/{engagement['id']}").status_code == 404
        assert outsider.get("/api/v1/engagements", params={"q": "sensible"}).json()["total"] == 0
