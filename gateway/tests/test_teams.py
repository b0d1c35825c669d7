"""/api/v1/teams: admins make teams, users belong to one or more, and their teams travel in the
directory's events; staff read them; bad input is a problem, never half-written."""

import json
import uuid

import pytest
from sqlmodel import Session, select

from gateway.tests.conftest import ECHO_EVERYWHERE, PASSWORD, bearer, token_for
from services.kit.outbox import OutboxMessage

ADMIN = bearer(token_for("admin", user="root"))
OFFICER = bearer(token_for("officer", user="camille"))


@pytest.fixture
def gateway(make_gateway, engine):
    return make_gateway(ECHO_EVERYWHERE, engine=engine)


def new_team(gateway, name: str) -> dict:
    created = gateway.post("/api/v1/teams", json={"name": name}, headers=ADMIN)
    assert created.status_code == 201, created.text
    assert created.headers["location"] == f"/api/v1/teams/{created.json()['id']}"
    return created.json()


def test_admins_make_teams_people_join_them_and_the_directory_says_so(gateway, engine):
    europe = new_team(gateway, "Direction Europe")
    franco = new_team(gateway, "Francophonie et multilatéral")
    user = gateway.post(
        "/api/v1/users",
        json={"username": "camille", "password": PASSWORD, "roles": ["officer"], "teams": [europe["id"]]},
        headers=ADMIN,
    )
    assert user.status_code == 201, user.text
    assert user.json()["teams"] == [europe["id"]]
    both = gateway.patch(
        "/api/v1/users/camille",
        json={"teams": [europe["id"], franco["id"]]},
        headers={"If-Match": 'W/"1"', **ADMIN},
    )
    assert both.status_code == 200 and both.json()["teams"] == [europe["id"], franco["id"]]

    listed = gateway.get("/api/v1/teams", headers=OFFICER)  # staff read the teams (filters, forms)
    assert listed.status_code == 200
    assert [(t["name"], t["members"]) for t in listed.json()["items"]] == [
        ("Direction Europe", ["camille"]),
        ("Francophonie et multilatéral", ["camille"]),
    ]
    with Session(engine) as session:
        payloads = [json.loads(r.payload) for r in session.exec(select(OutboxMessage).order_by(OutboxMessage.id))]
    assert payloads[-1]["type"] == "liaison.user.updated"
    assert payloads[-1]["data"]["teams"] == [europe["id"], franco["id"]]
    assert payloads[-1]["data"]["changed_fields"] == ["teams"]

    renamed = gateway.patch(
        f"/api/v1/teams/{europe['id']}", json={"name": "Direction de l'Europe"}, headers={"If-Match": 'W/"1"', **ADMIN}
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == "Direction de l'Europe"
    refused = gateway.delete(f"/api/v1/teams/{europe['id']}", headers={"If-Match": 'W/"2"', **ADMIN})
    assert refused.status_code == 409 and refused.json()["members"] == ["camille"]
    assert gateway.get(f"/api/v1/teams/{europe['id']}", headers=ADMIN).status_code == 200


def test_a_team_nobody_is_in_is_deleted(gateway):
    team = new_team(gateway, "Amériques")
    assert gateway.delete(f"/api/v1/teams/{team['id']}", headers={"If-Match": 'W/"1"', **ADMIN}).status_code == 204
    assert gateway.get(f"/api/v1/teams/{team['id']}", headers=ADMIN).status_code == 404


def test_bad_team_input_is_refused(gateway, engine):
    new_team(gateway, "Direction Europe")
    assert gateway.post("/api/v1/teams", json={"name": "Direction Europe"}, headers=ADMIN).status_code == 409
    assert gateway.post("/api/v1/teams", json={"name": "  "}, headers=ADMIN).status_code == 422
    assert gateway.post("/api/v1/teams", json={"name": "Asie"}, headers=OFFICER).status_code == 403
    assert gateway.get(f"/api/v1/teams/{uuid.uuid4()}", headers=ADMIN).status_code == 404
    stranger = str(uuid.uuid4())
    user = gateway.post(
        "/api/v1/users",
        json={"username": "zoe", "password": PASSWORD, "roles": ["officer"], "teams": [stranger]},
        headers=ADMIN,
    )
    assert user.status_code == 422, user.text
    assert user.headers["content-type"].startswith("application/problem+json")
    assert user.json()["errors"][0]["location"] == ["body", "teams"]
    assert user.json()["errors"][0]["values"] == [stranger]
    with Session(engine) as session:  # nothing half-written: no user, no event
        assert session.exec(select(OutboxMessage)).all() == []
    assert gateway.get("/api/v1/users/zoe", headers=ADMIN).status_code == 404


def test_staff_read_the_enabled_people_by_display_name(gateway):
    team = new_team(gateway, "Direction Europe")
    for username, name in (("zoe", "Zoé Martin"), ("bruno", None), ("gone", "Parti")):
        body = {"username": username, "password": PASSWORD, "roles": ["officer"], "teams": [team["id"]]}
        assert gateway.post("/api/v1/users", json=body | {"display_name": name}, headers=ADMIN).status_code == 201
    assert gateway.patch(
        "/api/v1/users/gone", json={"disabled": True}, headers={"If-Match": 'W/"1"', **ADMIN}
    ).is_success
    listed = gateway.get("/api/v1/people", headers=OFFICER)
    assert listed.status_code == 200
    assert [(p["username"], p["display_name"], p["teams"]) for p in listed.json()["items"]] == [
        ("bruno", "bruno", [team["id"]]),
        ("zoe", "Zoé Martin", [team["id"]]),
    ]
    assert "email" not in listed.json()["items"][0] and "roles" not in listed.json()["items"][0]
    integration = bearer(token_for("integration", user="warehouse"))
    assert gateway.get("/api/v1/people", headers=integration).status_code == 403
