"""The people directory: each change to a user that the directory shows is one event in the gateway's
outbox, in the same transaction, and every event matches its contract (contracts/events/liaison.user.*)."""

import json
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from gateway.tests.conftest import ECHO_EVERYWHERE, PASSWORD, bearer, token_for
from services.kit.outbox import OutboxMessage
from services.kit.types import utcnow
from tests.contract.schemas import validator

ADMIN = bearer(token_for("admin", user="root"))


@pytest.fixture
def gateway(make_gateway, engine):
    return make_gateway(ECHO_EVERYWHERE, engine=engine)


def events(engine) -> list[dict]:
    with Session(engine) as session:
        rows = session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    for row in rows:
        assert row.topic == "liaison.directory.v1"
    return [json.loads(row.payload) | {"key": row.key} for row in rows]


def change(gateway, username: str, version: int, body: dict):
    return gateway.patch(f"/api/v1/users/{username}", json=body, headers={"If-Match": f'W/"{version}"', **ADMIN})


def test_creating_changing_disabling_a_user_publishes_the_person_on_the_directory_topic(gateway, engine):
    created = gateway.post(
        "/api/v1/users",
        json={
            "username": "camille",
            "password": PASSWORD,
            "roles": ["officer"],
            "display_name": "Camille Tremblay",
            "email": "camille@mri.example",
            "language": "fr",
        },
        headers=ADMIN,
    )
    assert created.status_code == 201, created.text
    person_id = created.json()["id"]
    assert change(gateway, "camille", 1, {"display_name": "Camille Tremblay-Roy"}).status_code == 200
    assert change(gateway, "camille", 2, {"roles": ["officer", "viewer"]}).status_code == 200  # not shown: no event
    assert change(gateway, "camille", 3, {"disabled": True}).status_code == 200
    assert change(gateway, "camille", 4, {"disabled": False}).status_code == 200

    published = events(engine)
    assert [e["type"] for e in published] == [
        "liaison.user.created",
        "liaison.user.updated",
        "liaison.user.disabled",
        "liaison.user.updated",
    ]
    for event in published:
        assert event["key"] == event["subject"] == event["data"]["id"] == person_id
        envelope = {k: v for k, v in event.items() if k != "key"}
        errors = [e.message for e in validator(event["dataschema"]).iter_errors(envelope)]
        assert errors == [], errors
    first, renamed, disabled, enabled = (e["data"] for e in published)
    assert first == first | {"username": "camille", "email": "camille@mri.example", "language": "fr", "version": 1}
    assert (renamed["display_name"], renamed["changed_fields"], renamed["version"]) == (
        "Camille Tremblay-Roy",
        ["display_name"],
        2,
    )
    assert disabled["disabled"] is True and disabled["version"] == 4
    assert enabled["disabled"] is False and enabled["changed_fields"] == ["disabled"]


@pytest.mark.parametrize(
    ("body", "field"),
    [({"email": "not an address"}, "email"), ({"language": "de"}, "language")],
)
def test_a_bad_email_or_language_is_refused_and_nothing_is_published(gateway, engine, body, field):
    base = {"username": "zoe", "password": PASSWORD, "roles": ["officer"]}
    response = gateway.post("/api/v1/users", json=base | body, headers=ADMIN)
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == ["body", field]
    assert events(engine) == []


def test_disabling_with_a_successor_names_them_in_the_event_and_bad_successors_are_422(gateway, engine):
    for name in ("camille", "bruno", "gone"):
        body = {"username": name, "password": PASSWORD, "roles": ["officer"]}
        assert gateway.post("/api/v1/users", json=body, headers=ADMIN).status_code == 201
    assert change(gateway, "gone", 1, {"disabled": True}).status_code == 200
    before = len(events(engine))
    for body in (
        {"disabled": True, "successor": "nobody"},
        {"disabled": True, "successor": "gone"},  # disabled
        {"disabled": True, "successor": "camille"},  # themself
        {"display_name": "C.", "successor": "bruno"},  # not disabling
    ):
        refused = change(gateway, "camille", 1, body)
        assert refused.status_code == 422, (body, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["errors"][0]["location"] == ["body", "successor"]
    assert len(events(engine)) == before, "nothing half-written"

    assert change(gateway, "camille", 1, {"disabled": True, "successor": "bruno"}).status_code == 200
    disabled = events(engine)[-1]
    bruno = gateway.get("/api/v1/users/bruno", headers=ADMIN).json()
    assert disabled["type"] == "liaison.user.disabled"
    assert (disabled["data"]["successor_id"], disabled["data"]["successor_username"]) == (bruno["id"], "bruno")
    assert disabled["data"]["disabled_by"] == "root"
    envelope = {k: v for k, v in disabled.items() if k != "key"}
    assert [e.message for e in validator(disabled["dataschema"]).iter_errors(envelope)] == []


def test_sent_directory_events_leave_the_gateways_outbox_after_their_retention(make_gateway, engine):
    gateway = make_gateway(ECHO_EVERYWHERE, engine=engine, outbox_retention_days=7)
    for username in ("ines", "omar"):
        made = gateway.post(
            "/api/v1/users", json={"username": username, "password": PASSWORD, "roles": ["officer"]}, headers=ADMIN
        )
        assert made.status_code == 201, made.text
    with Session(engine) as session:
        old, recent = session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        old.status, old.sent_at = "sent", utcnow() - timedelta(days=8)
        recent.status, recent.sent_at = "sent", utcnow() - timedelta(days=6)
        session.add_all([old, recent])
        session.commit()
        kept = recent.id

    assert gateway.app.inner.state.housekeeper.run_once() == {"outbox": 1}
    with Session(engine) as session:
        assert [row.id for row in session.exec(select(OutboxMessage))] == [kept]
