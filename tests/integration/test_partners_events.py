"""The partners service as a real process on PostgreSQL and the real broker: every kind of change
reaches liaison.partners.v1 through the outbox, keyed by partner id, in order, valid to its schema."""

import json
import uuid

import httpx
import pytest

from services.kit.identity import Caller
from tests.contract.schemas import validator
from tests.support.identity import TEST_IDENTITY_SECRET, SignedAs
from tests.support.processes import ServiceProcess
from tests.support.topics import read_topic

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.processes]
ADMIN = SignedAs(Caller(user="admin@example.test", roles=frozenset({"admin"})))


@pytest.fixture(scope="module")
def partners(kafka_broker, pg_cluster, tmp_path_factory):
    prefix = "LIAISON_PARTNERS_"
    process = (
        ServiceProcess(
            "partners",
            log_dir=tmp_path_factory.mktemp("logs"),
            env={
                prefix + "DATABASE_URL": pg_cluster.create_database(f"partners_events_{uuid.uuid4().hex[:6]}"),
                **kafka_broker.service_env("partners"),
                prefix + "RELAY_IDLE_SECONDS": "0.2",
                prefix + "ENVIRONMENT": "test",
                prefix + "IDENTITY_SECRET": TEST_IDENTITY_SECRET,
            },
        )
        .start()
        .wait_ready()
    )
    yield process
    process.stop()


def test_changes_are_published_in_order_per_partner(partners, kafka_broker):
    api = httpx.Client(base_url=partners.url + "/api/v1", auth=SignedAs(), timeout=10)
    suffix = uuid.uuid4().hex[:6]
    bavaria = api.post(
        "/partners",
        json={"kind": "federated_state", "name_fr": f"Bavière {suffix}", "country": "DE", "subdivision": "DE-BY"},
    ).json()
    germany = api.post("/partners", json={"kind": "state", "name_fr": f"Allemagne {suffix}", "country": "DE"}).json()
    twin = api.post(
        "/partners",
        params={"allow_duplicate": "true"},
        json={"kind": "federated_state", "name_en": f"Bavaria {suffix}", "country": "DE"},
    ).json()
    api.patch(f"/partners/{bavaria['id']}", json={"name_en": f"Bavaria {suffix}"}, headers={"If-Match": 'W/"1"'})
    link = api.post(f"/partners/{twin['id']}/relationships", json={"type": "part_of", "target_id": germany["id"]})
    assert link.status_code == 201, link.text
    contact = api.post(f"/partners/{bavaria['id']}/contacts", json={"name": "Jane Doe", "phone": "+498912345"})
    assert api.delete(f"/contacts/{contact.json()['id']}").status_code == 204
    merged = api.post(f"/partners/{bavaria['id']}/merge", json={"duplicate_id": twin["id"]}, auth=ADMIN)
    assert merged.status_code == 200, merged.text

    # A partner's own events are keyed by the partner; a relationship's by the relationship, so that a
    # merge that moves it to the survivor keeps its events in one ordered stream.
    keys = {bavaria["id"].encode(), twin["id"].encode(), link.json()["id"].encode()}
    records = read_topic(kafka_broker.connection(), "liaison.partners.v1", expect=10, match=lambda r: r.key in keys)
    by_key: dict[str, list[str]] = {}
    for record in records:
        event = json.loads(record.value)
        errors = [e.message for e in validator(event["dataschema"]).iter_errors(event)]
        assert errors == [], (event["type"], errors)
        by_key.setdefault(record.key.decode(), []).append(event["type"])
    assert by_key[bavaria["id"]] == [
        "liaison.partner.created",
        "liaison.partner.updated",
        "liaison.contact.added",
        "liaison.contact.erased",
        "liaison.partner.updated",
    ]
    assert by_key[twin["id"]] == ["liaison.partner.created", "liaison.partner.merged"]
    assert by_key[link.json()["id"]] == [
        "liaison.relationship.added",
        "liaison.relationship.removed",  # from the duplicate ...
        "liaison.relationship.added",  # ... to the survivor
    ]

    redirect = api.get(f"/partners/{twin['id']}")
    assert redirect.json()["id"] == bavaria["id"]
    assert redirect.headers["content-location"] == f"/api/v1/partners/{bavaria['id']}"


def test_bad_requests_leave_the_process_up(partners):
    api = httpx.Client(base_url=partners.url + "/api/v1", auth=SignedAs(), timeout=10)
    assert api.post("/partners", json={"kind": "state", "name_fr": "X", "country": "ZZ"}).status_code == 422
    assert (
        api.post("/partners/imports", content=b"\xff\xfe\x00", headers={"content-type": "text/csv"}).status_code == 422
    )
    assert api.get("/partners", params={"q": "'; DROP TABLE partners; --"}).status_code == 200
    refused = api.get("/partners", params={"q": "\x00'; DROP TABLE partners; --"})
    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"  # a NUL
    assert httpx.get(partners.url + "/readyz").status_code == 200
