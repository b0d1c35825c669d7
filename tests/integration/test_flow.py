"""The walking skeleton's flow across real processes, the real broker and real PostgreSQL:

POST /api/v1/partners at the gateway → partners (row + outbox, one transaction) → relay →
liaison.partners.v1 (key = partner id) → engagements' consumer → its read copy → visible at the
gateway through engagements; then engagements logged through the gateway by logged-in users, with
confidentiality enforced on every read path and on the topic.
"""

import json
import time
import uuid

import httpx
import pytest

from tests.contract.schemas import validator
from tests.support.gateway import user_headers
from tests.support.system import SERVICES, start_system, stop_system
from tests.support.topics import produce, read_topic

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.processes]


@pytest.fixture(scope="module")
def stack(kafka_broker, pg_cluster, tmp_path_factory):
    databases = {
        name: pg_cluster.create_database(f"flow_{name}_{uuid.uuid4().hex[:6]}") for name in (*SERVICES, "gateway")
    }
    system = start_system(kafka=kafka_broker, database_urls=databases, logs=tmp_path_factory.mktemp("logs"))
    yield {**system["processes"], "kafka": kafka_broker.connection(), "auth": system["admin"]}
    stop_system(system)


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
    created = httpx.post(
        f"{gateway}/api/v1/partners",
        headers={"X-Request-ID": request_id, **stack["auth"]},
        json={
            "kind": "international_organization",
            "name_fr": "Organisation internationale de la Francophonie",
            "acronyms": ["OIF"],
            "region": "global",
        },
    )
    assert created.status_code == 201, created.text
    assert created.headers["x-request-id"] == request_id
    partner = created.json()

    history = wait_for(lambda: httpx.get(f"{gateway}/api/v1/partners/{partner['id']}/history", headers=stack["auth"]))
    assert history.json()["partner"] == {
        "id": partner["id"],
        "kind": "international_organization",
        "name_fr": partner["name_fr"],
        "name_en": None,
        "acronyms": ["OIF"],
        "country": None,
        "region": "global",
        "status": "active",
        "version": 1,
    }

    [record] = read_topic(
        stack["kafka"], "liaison.partners.v1", expect=1, match=lambda r: r.key == partner["id"].encode()
    )
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
    produce(stack["kafka"], "liaison.partners.v1", key=b"junk", value=b"not an event " + marker)

    created = httpx.post(
        f"{stack['gateway'].url}/api/v1/partners",
        headers=stack["auth"],
        json={"kind": "academic", "name_fr": "Université Laval", "country": "CA"},
    )
    assert created.status_code == 201
    wait_for(
        lambda: httpx.get(
            f"{stack['gateway'].url}/api/v1/partners/{created.json()['id']}/history", headers=stack["auth"]
        )
    )

    # Every consumer of the topic dead-letters it (notifications too): this one is engagements'.
    [letter] = read_topic(
        stack["kafka"],
        "liaison.partners.v1.dlq",
        expect=1,
        match=lambda r: (
            r.value is not None and marker in r.value and dict(r.headers).get("dlq.consumer") == b"engagements"
        ),
    )
    assert dict(letter.headers)["dlq.error.type"] == b"MalformedEvent"
    assert dict(letter.headers)["dlq.consumer"] == b"engagements"


def test_every_service_and_the_gateway_are_ready(stack):
    response = httpx.get(f"{stack['gateway'].url}/readyz")
    assert response.json() == {
        "status": "ready",
        "services": dict.fromkeys(SERVICES, True),
        "database": {"ok": True, "outbox": {"failed": 0, "blocked_keys": 0, "waiting": 0}},
    }
    for name in SERVICES:
        checks = httpx.get(f"{stack[name].url}/readyz").json()["checks"]
        assert checks["database"]["ok"] and checks["kafka"]["ok"]


def test_engagements_through_the_gateway_keep_restricted_ones_to_those_allowed(stack):
    gateway, admin = stack["gateway"].url, stack["auth"]
    alice = user_headers(gateway, "alice@mrif.example", {"officer"})
    bob = user_headers(gateway, "bob@mrif.example", {"officer"})
    vera = user_headers(gateway, "vera@mrif.example", {"viewer"})
    partner = httpx.post(
        f"{gateway}/api/v1/partners",
        headers=admin,
        json={"kind": "federated_state", "name_fr": "Catalogne", "name_en": "Catalonia", "country": "ES"},
    ).json()
    wait_for(lambda: httpx.get(f"{gateway}/api/v1/partners/{partner['id']}/history", headers=admin))

    def log(headers, title, confidentiality):
        return httpx.post(
            f"{gateway}/api/v1/engagements",
            headers=headers,
            json={
                "type": "meeting",
                "title": title,
                "starts_at": "2026-11-20T10:00:00-05:00",
                "partner_ids": [partner["id"]],
                "thrusts": ["culture"],
                "confidentiality": confidentiality,
                "summary": "Entente sur les échanges d'artistes",
            },
        )

    assert log(vera, "Viewers only read", "public").status_code == 403, "the gateway's role check"
    secret = log(alice, "Discussion confidentielle sur la Catalogne", "restricted")
    shared = log(alice, "Rencontre culturelle avec la Catalogne", "internal")
    assert secret.status_code == shared.status_code == 201, secret.text
    secret_url = f"{gateway}/api/v1/engagements/{secret.json()['id']}"

    assert httpx.get(secret_url, headers=alice).status_code == 200
    assert httpx.get(secret_url, headers=admin).status_code == 200
    assert httpx.get(secret_url, headers=bob).status_code == 404, "404, not 403: its existence is not told"
    found_by_bob = httpx.get(f"{gateway}/api/v1/engagements", params={"q": "Catalogne"}, headers=bob).json()
    assert [e["title"] for e in found_by_bob["items"]] == ["Rencontre culturelle avec la Catalogne"]
    history_for_vera = httpx.get(f"{gateway}/api/v1/partners/{partner['id']}/history", headers=vera).json()
    assert secret.json()["id"] not in json.dumps(history_for_vera)

    [record] = read_topic(
        stack["kafka"], "liaison.engagements.v1", expect=1, match=lambda r: r.key == secret.json()["id"].encode()
    )
    assert set(json.loads(record.value)["data"]) <= {"id", "confidentiality", "version", "created_by"}, (
        "a restricted engagement's event carries no details"
    )


def test_the_briefing_on_real_services_names_ties_and_what_the_reader_may_see(stack):
    gateway, admin = stack["gateway"].url, stack["auth"]
    alice = user_headers(gateway, "alice@mrif.example", {"officer"})
    bob = user_headers(gateway, "bob@mrif.example", {"officer"})
    scotland = httpx.post(
        f"{gateway}/api/v1/partners",
        headers=admin,
        json={
            "kind": "federated_state",
            "name_fr": "Écosse",
            "name_en": "Scotland",
            "country": "GB",
            "subdivision": "GB-SCT",
        },
    ).json()
    uk = httpx.post(
        f"{gateway}/api/v1/partners",
        headers=admin,
        json={"kind": "state", "name_fr": "Royaume-Uni", "name_en": "United Kingdom", "country": "GB"},
    ).json()
    tie = httpx.post(
        f"{gateway}/api/v1/partners/{scotland['id']}/relationships",
        headers=alice,
        json={"type": "part_of", "target_id": uk["id"]},
    )
    assert tie.status_code == 201, tie.text
    wait_for(lambda: httpx.get(f"{gateway}/api/v1/partners/{scotland['id']}/history", headers=admin))
    for title, level in (("Énergie marémotrice : visite à Orkney", "internal"), ("Dossier sensible", "restricted")):
        assert (
            httpx.post(
                f"{gateway}/api/v1/engagements",
                headers=alice,
                json={
                    "type": "visit",
                    "title": title,
                    "starts_at": "2026-11-02T09:00:00+00:00",
                    "partner_ids": [scotland["id"]],
                    "thrusts": ["climate.clean-tech"],
                    "confidentiality": level,
                },
            ).status_code
            == 201
        )

    as_bob = httpx.get(f"{gateway}/api/v1/partners/{scotland['id']}/briefing", params={"lang": "fr"}, headers=bob)
    assert as_bob.status_code == 200
    assert "fait partie de Royaume-Uni" in as_bob.text
    assert "Énergie marémotrice : visite à Orkney" in as_bob.text
    assert "Technologies propres" in as_bob.text or "climate.clean-tech" in as_bob.text
    assert "Dossier sensible" not in as_bob.text, "a restricted engagement stays out of others' briefings"
    as_alice = httpx.get(f"{gateway}/api/v1/partners/{scotland['id']}/briefing", params={"lang": "en"}, headers=alice)
    assert "Dossier sensible" in as_alice.text and "part of United Kingdom" in as_alice.text
