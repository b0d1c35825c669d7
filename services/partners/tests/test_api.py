import json
import uuid

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from services.kit.outbox import OutboxMessage
from services.partners import service
from services.partners.models import Partner

BAVARIA = {
    "kind": "federated_state",
    "name_fr": "Bavière",
    "name_en": "Bavaria",
    "country": "DE",
    "region": "europe",
    "aliases": ["Freistaat Bayern", " Freistaat Bayern ", ""],
    "acronyms": ["BY"],
}


def count(engine, model) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model))


def test_create_returns_the_partner_with_location_and_etag(client):
    response = client.post("/api/v1/partners", json=BAVARIA)

    assert response.status_code == 201
    body = response.json()
    assert body["name_fr"] == "Bavière" and body["kind"] == "federated_state"
    assert body["aliases"] == ["Freistaat Bayern"], "names are trimmed and de-duplicated"
    assert body["status"] == "active" and body["version"] == 1
    assert body["created_at"] == body["updated_at"]
    assert response.headers["location"] == f"/api/v1/partners/{body['id']}"
    assert response.headers["etag"] == 'W/"1"'
    assert client.get(response.headers["location"]).json() == body


def test_create_writes_the_partner_and_its_event_in_one_transaction(client, partners_engine):
    partner = client.post("/api/v1/partners", json=BAVARIA).json()

    with Session(partners_engine) as session:
        [message] = session.execute(select(OutboxMessage)).scalars().all()
    assert message.topic == "liaison.partners.v1"
    assert message.key == partner["id"]
    assert message.status == "pending"
    event = json.loads(message.payload)
    assert event["type"] == "liaison.partner.created"
    assert event["subject"] == partner["id"]
    assert event["data"] == partner, "the event carries the partner as the API shows it"


def test_a_crash_before_commit_leaves_neither_the_partner_nor_its_event(client, partners_engine, monkeypatch):
    original = service.record_partner_created

    def record_then_crash(**kwargs):
        original(**kwargs)
        raise RuntimeError("power cut")

    monkeypatch.setattr(service, "record_partner_created", record_then_crash)
    response = client.post("/api/v1/partners", json=BAVARIA)

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "power cut" not in response.text, "internal errors are logged, not shown"
    assert count(partners_engine, Partner) == 0
    assert count(partners_engine, OutboxMessage) == 0


@pytest.mark.parametrize(
    ("change", "location"),
    [
        ({"kind": "planet"}, ["body", "kind"]),
        ({"name_fr": None, "name_en": None}, ["body"]),
        ({"name_fr": ""}, ["body", "name_fr"]),
        ({"country": "Germany"}, ["body", "country"]),
        ({"country": "de"}, ["body", "country"]),
        ({"region": "mars"}, ["body", "region"]),
        ({"aliases": "Bayern"}, ["body", "aliases"]),
        ({"name_en": "x" * 301}, ["body", "name_en"]),
    ],
)
def test_bad_input_gets_a_problem_naming_the_field_and_writes_nothing(client, partners_engine, change, location):
    response = client.post("/api/v1/partners", json=BAVARIA | change)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422 and problem["title"] == "Invalid request"
    assert any(error["location"][: len(location)] == location for error in problem["errors"])
    assert count(partners_engine, Partner) == 0
    assert count(partners_engine, OutboxMessage) == 0


def test_a_body_that_is_not_json_is_a_problem_too(client):
    response = client.post("/api/v1/partners", content=b"{kind:", headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_an_unknown_partner_is_a_404_problem(client):
    partner_id = uuid.uuid4()
    response = client.get(f"/api/v1/partners/{partner_id}")
    assert response.status_code == 404
    assert response.json()["detail"] == f"No partner has the id {partner_id}."


def test_a_malformed_id_is_a_422_problem(client):
    response = client.get("/api/v1/partners/not-a-uuid")
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == ["path", "partner_id"]


def test_the_service_stays_up_after_bad_requests(client):
    client.post("/api/v1/partners", content=b"\xff\xfe", headers={"content-type": "application/json"})
    client.get("/api/v1/partners/%00")
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.post("/api/v1/partners", json=BAVARIA).status_code == 201
