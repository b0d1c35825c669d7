"""The walking skeleton's flow across real processes, the real broker and real PostgreSQL:

POST /api/v1/partners at the gateway → partners (row + outbox, one transaction) → relay →
liaison.partners.v1 (key = partner id) → engagements' consumer → its read copy → visible at the
gateway through engagements.
"""
import json
import time
import uuid

import httpx
import pytest

from tests.contract.schemas import validator
from tests.support.gateway import bearer, login, start_gateway
from tests.support.identity import TEST_IDENTITY_SECRET
from tests.support.processes import ServiceProcess
from tests.support.topics import produce, read_topic

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.processes]
SERVICES = ("partners", "engagements", "notifications")


@pytest.fixture(scope="module")
def stack(kafka_broker, pg_cluster, tmp_path_factory):
    logs = tmp_path_factory.mktemp("logs")
    env = {}
    for name in SERVICES:
        prefix = f"LIAISON_{name.upper()}_"
        env[prefix + "DATABASE_URL"] = pg_cluster.create_database(f"flow_{name}_{uuid.uuid4().hex[:6]}")
        env[prefix + "KAFKA_BOOTSTRAP"] = kafka_broker.bootstrap
        env[prefix + "RELAY_IDLE_SECONDS"] = "0.2"
        env[prefix + "ENVIRONMENT"] = "test"
        env[prefix + "IDENTITY_SECRET"] = TEST_IDENTITY_SECRET
    services = {name: ServiceProcess(name, env=env, log_dir=logs).start() for name in SERVICES}
    for service in services.values():
        service.wait_ready()
    gateway = start_gateway({name: services[name].url for name in SERVICES},
                            pg_cluster.create_database(f"flow_gateway_{uuid.uuid4().hex[:6]}"), logs)
    yield {"gateway": gateway, **services, "bootstrap": kafka_broker.bootstrap, "auth": bearer(login(gateway.url))}
    for process in (gateway, *services.values()):
        process.stop()


def wait_for(fetch, *, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = fetch()
        if response.status_code == 200:
            return response
        time.sleep(0.05)
    raise AssertionError(f"still {response.status_code} after {timeout}s: {response.text}")


def test_a_partner_posted_at_the_gateway_reaches_the_engagements_read_copy(stack):
    gateway = stack["gateway"].url
    request_id = f"flow-{uuid.uuid4().hex[:8]}"
    created = httpx.post(f"{gateway}/api/v1/partners", headers={"X-Request-ID": request_id, **stack["auth"]}, json={
        "kind": "international_organization", "name_fr": "Organisation internationale de la Francophonie",
        "acronyms": ["OIF"], "region": "global"})
    assert created.status_code == 201, created.text
    assert created.headers["x-request-id"] == request_id
    partner = created.json()

    history = wait_for(lambda: httpx.get(f"{gateway}/api/v1/partners/{partner['id']}/history", headers=stack["auth"]))
    assert history.json()["partner"] == {
        "id": partner["id"], "kind": "international_organization", "name_fr": partner["name_fr"],
        "name_en": None, "acronyms": ["OIF"], "country": None, "region": "global", "status": "active", "version": 1}

    [record] = read_topic(stack["bootstrap"], "liaison.partners.v1", expect=1,
                          match=lambda r: r.key == partner["id"].encode())
    event = json.loads(record.value)
    assert dict(record.headers)["content-type"] == b"application/cloudevents+json"
    assert event["specversion"] == "1.0" and event["type"] == "liaison.partner.created"
    assert event["source"] == "/liaison/partners" and event["subject"] == partner["id"]
    assert event["dataschema"] == "events/liaison.partner.created.json"
    assert event["data"] == partner
    errors = sorted(validator("events/liaison.partner.created.json").iter_errors(event), key=str)
    assert errors == [], "the published event breaks its contract: " + "; ".join(e.message for e in errors)

    # The caller's request id is in the partners service's own log line for that request.
    lines = [json.loads(line) for line in stack["partners"].log_lines() if line.startswith("{")]
    assert any(line.get("request_id") == request_id and line.get("path") == "/api/v1/partners" for line in lines)


def test_a_malformed_message_on_the_partners_topic_is_dead_lettered_and_the_flow_goes_on(stack):
    marker = uuid.uuid4().hex.encode()
    produce(stack["bootstrap"], "liaison.partners.v1", key=b"junk", value=b"not an event " + marker)

    created = httpx.post(f"{stack['gateway'].url}/api/v1/partners", headers=stack["auth"],
                         json={"kind": "academic", "name_fr": "Université Laval", "country": "CA"})
    assert created.status_code == 201
    wait_for(lambda: httpx.get(f"{stack['gateway'].url}/api/v1/partners/{created.json()['id']}/history",
                               headers=stack["auth"]))

    # Every consumer of the topic dead-letters it (notifications too): this one is engagements'.
    [letter] = read_topic(stack["bootstrap"], "liaison.partners.v1.dlq", expect=1,
                          match=lambda r: r.value is not None and marker in r.value
                          and dict(r.headers).get("dlq.consumer") == b"engagements")
    assert dict(letter.headers)["dlq.error.type"] == b"MalformedEvent"
    assert dict(letter.headers)["dlq.consumer"] == b"engagements"


def test_every_service_and_the_gateway_are_ready(stack):
    response = httpx.get(f"{stack['gateway'].url}/readyz")
    assert response.json() == {"status": "ready", "services": {name: True for name in SERVICES}}
    for name in SERVICES:
        checks = httpx.get(f"{stack[name].url}/readyz").json()["checks"]
        assert checks["database"]["ok"] and checks["kafka"]["ok"]
