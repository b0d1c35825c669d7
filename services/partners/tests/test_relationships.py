"""Typed, dated links between partners, and "members of X as of a day"."""

import uuid

import pytest

from services.partners.models import Relationship
from services.partners.tests.conftest import BAVARIA, GERMANY, OIF, VIEWER, count, create, events, signed

FRANCE = {"kind": "state", "name_fr": "France", "country": "FR", "region": "europe"}
SENEGAL = {"kind": "state", "name_fr": "Sénégal", "name_en": "Senegal", "country": "SN", "region": "africa"}


def link(client, partner, body):
    return client.post(f"/api/v1/partners/{partner['id']}/relationships", json=body)


def test_part_of_and_member_of_with_their_events(client, partners_engine):
    bavaria, germany, oif = create(client, BAVARIA), create(client, GERMANY), create(client, OIF)

    part = link(client, bavaria, {"type": "part_of", "target_id": germany["id"]})
    assert part.status_code == 201, part.text
    member = link(client, germany, {"type": "member_of", "target_id": oif["id"], "since": "2000-01-01"})
    assert member.json()["membership_status"] == "member", "member_of defaults to a full member"

    added = events(partners_engine, "liaison.relationship.added")
    assert [e["subject"] for e in added] == [bavaria["id"], germany["id"]]
    assert [e["_key"] for e in added] == [part.json()["id"], member.json()["id"]], "keyed by relationship"
    assert added[0]["data"] == {
        "id": part.json()["id"],
        "partner_id": bavaria["id"],
        "type": "part_of",
        "target_id": germany["id"],
        "membership_status": None,
        "since": None,
        "until": None,
        "version": 1,
    }

    both = client.get(f"/api/v1/partners/{germany['id']}/relationships", auth=signed(VIEWER)).json()
    assert {r["id"] for r in both["items"]} == {part.json()["id"], member.json()["id"]}
    incoming = client.get(f"/api/v1/partners/{germany['id']}/relationships", params={"direction": "incoming"})
    assert [r["partner_id"] for r in incoming.json()["items"]] == [bavaria["id"]]
    [listed] = incoming.json()["items"]
    assert listed["partner"] == {"id": bavaria["id"], "name_fr": bavaria["name_fr"], "name_en": bavaria["name_en"]}
    assert listed["target"]["id"] == germany["id"] and listed["target"]["name_fr"] == germany["name_fr"]


def test_members_as_of_a_day(client):
    oif, france, senegal, germany = (create(client, b) for b in (OIF, FRANCE, SENEGAL, GERMANY))
    link(client, france, {"type": "member_of", "target_id": oif["id"], "since": "1970-03-20"})
    link(
        client,
        senegal,
        {
            "type": "member_of",
            "target_id": oif["id"],
            "since": "1970-03-20",
            "until": "2010-12-31",
            "membership_status": "member",
        },
    )
    link(
        client,
        germany,
        {"type": "member_of", "target_id": oif["id"], "since": "2016-01-01", "membership_status": "observer"},
    )

    def members(as_of=None):
        params = {"member_of": oif["id"]} | ({"as_of": as_of} if as_of else {})
        return {p["name_fr"] for p in client.get("/api/v1/partners", params=params).json()["items"]}

    assert members("2015-01-01") == {"France"}
    assert members("2005-06-01") == {"France", "Sénégal"}
    assert members() == {"France", "Allemagne"}
    assert members("1960-01-01") == set()


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"type": "married_to"}, 422),
        ({"type": "part_of", "membership_status": "member"}, 422),
        ({"type": "member_of", "membership_status": "king"}, 422),
        ({"type": "member_of", "since": "2020-01-01", "until": "2019-01-01"}, 422),
        ({"type": "member_of", "since": "yesterday"}, 422),
        ({"type": "member_of", "target_id": "self"}, 422),
        ({"type": "member_of", "target_id": "unknown"}, 404),
    ],
)
def test_bad_links_are_refused_and_write_nothing(client, partners_engine, body, status):
    germany, oif = create(client, GERMANY), create(client, OIF)
    target = {"self": germany["id"], "unknown": str(uuid.uuid4())}.get(body.get("target_id"), oif["id"])
    response = link(client, germany, {"target_id": oif["id"]} | body | {"target_id": target})

    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert count(partners_engine, Relationship) == 0
    assert events(partners_engine, "liaison.relationship.added") == []


def test_part_of_cannot_loop(client):
    germany, bavaria = create(client, GERMANY), create(client, BAVARIA)
    munich = create(client, {"kind": "government_agency", "name_en": "City of Munich", "country": "DE"})
    assert link(client, bavaria, {"type": "part_of", "target_id": germany["id"]}).status_code == 201
    assert link(client, munich, {"type": "part_of", "target_id": bavaria["id"]}).status_code == 201

    response = link(client, germany, {"type": "part_of", "target_id": munich["id"]})
    assert response.status_code == 409 and "loop" in response.json()["detail"]
    assert link(client, bavaria, {"type": "part_of", "target_id": germany["id"]}).status_code == 409, "twice"


def test_remove_publishes_the_link_as_it_was(client, partners_engine):
    germany, oif = create(client, GERMANY), create(client, OIF)
    relationship = link(client, germany, {"type": "member_of", "target_id": oif["id"]}).json()
    url = f"/api/v1/partners/{germany['id']}/relationships/{relationship['id']}"

    assert client.delete(url, auth=signed(VIEWER)).status_code == 403
    assert client.delete(url).status_code == 204
    assert client.delete(url).status_code == 404
    [removed] = events(partners_engine, "liaison.relationship.removed")
    assert removed["data"]["id"] == relationship["id"] == removed["_key"] and removed["subject"] == germany["id"]
    assert removed["data"]["version"] == 2, "a removal is the relationship's next version"
    assert client.get(f"/api/v1/partners/{germany['id']}/relationships").json()["items"] == []
    actions = [e["action"] for e in client.get(f"/api/v1/partners/{germany['id']}/audit").json()["items"]]
    assert actions[:2] == ["relationship_removed", "relationship_added"]
