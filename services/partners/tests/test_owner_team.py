"""A partner's owning team (issue 13, Teams): set, changed and cleared like any field, carried in the
partner's events, kept through a merge, and a filter of the list (`owner_team=<team id>`).

The partners service keeps no copy of the people directory: any team id is taken as given (see
ARCHITECTURE.md); only its form is checked."""

import uuid

import pytest

from services.partners.tests.conftest import ADMIN, BAVARIA, GERMANY, OIF, create, events, signed

EUROPE, FRANCO = str(uuid.uuid4()), str(uuid.uuid4())


def listed(client, **params) -> list[str]:
    answer = client.get("/api/v1/partners", params=params)
    assert answer.status_code == 200, answer.text
    return [p["id"] for p in answer.json()["items"]]


def test_a_partner_s_owning_team_is_set_changed_cleared_and_published(client, partners_engine):
    partner = create(client, BAVARIA | {"owner_team_id": EUROPE})
    assert partner["owner_team_id"] == EUROPE
    [created] = events(partners_engine, "liaison.partner.created")
    assert created["data"]["owner_team_id"] == EUROPE

    url = f"/api/v1/partners/{partner['id']}"
    moved = client.patch(url, json={"owner_team_id": FRANCO}, headers={"If-Match": 'W/"1"'})
    assert moved.status_code == 200, moved.text
    assert moved.json()["owner_team_id"] == FRANCO
    cleared = client.patch(url, json={"owner_team_id": None}, headers={"If-Match": 'W/"2"'})
    assert cleared.status_code == 200 and cleared.json()["owner_team_id"] is None
    updates = [e["data"]["owner_team_id"] for e in events(partners_engine, "liaison.partner.updated")]
    assert updates == [FRANCO, None]
    audit = client.get(f"{url}/audit", auth=signed(ADMIN)).json()["items"]
    assert any("owner_team_id" in str(entry) for entry in audit)


def test_the_list_filters_by_owning_team(client):
    europe = create(client, BAVARIA | {"owner_team_id": EUROPE})
    franco = create(client, OIF | {"owner_team_id": FRANCO})
    create(client, GERMANY)
    assert listed(client, owner_team=EUROPE) == [europe["id"]]
    assert listed(client, owner_team=FRANCO) == [franco["id"]]
    assert listed(client, owner_team=str(uuid.uuid4())) == []
    assert listed(client, owner_team=EUROPE, q="Bavaria") == [europe["id"]]


@pytest.mark.parametrize("value", ["mine", "europe", "12"])
def test_a_team_filter_that_is_not_an_id_is_a_problem(client, value):
    answer = client.get("/api/v1/partners", params={"owner_team": value})
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["errors"][0]["location"] == ["query", "owner_team"]


@pytest.mark.parametrize("value", ["europe", 12, ["a"]])
def test_an_owning_team_that_is_not_an_id_is_a_problem(client, value):
    answer = client.post("/api/v1/partners", json=BAVARIA | {"owner_team_id": value})
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["errors"][0]["location"] == ["body", "owner_team_id"]
    assert listed(client) == [], "nothing written"


def test_a_merge_keeps_the_survivor_s_team_or_takes_the_duplicate_s(client):
    survivor = create(client, BAVARIA)
    duplicate = create(client, GERMANY | {"owner_team_id": EUROPE})
    merged = client.post(
        f"/api/v1/partners/{survivor['id']}/merge", json={"duplicate_id": duplicate["id"]}, auth=signed(ADMIN)
    )
    assert merged.status_code == 200, merged.text
    assert merged.json()["owner_team_id"] == EUROPE, "the survivor had none"
