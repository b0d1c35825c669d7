"""Partner fields, updates with ETags, archive, roles, duplicates and the audit trail."""

import uuid

import pytest

from services.kit.outbox import OutboxMessage
from services.partners.models import AuditEntry, Partner
from services.partners.tests.conftest import ADMIN, BAVARIA, GERMANY, INTEGRATION, VIEWER, count, create, events, signed


def test_create_keeps_every_field_and_who_created_it(client):
    body = BAVARIA | {
        "website": "https://www.bayern.de",
        "description_fr": "Land du sud de l'Allemagne",
        "description_en": "Southern German state",
        "owner": "officer@example.test",
        "thrusts": ["trade.investment", "climate", "trade.investment"],
    }
    partner = create(client, body)

    assert partner["subdivision"] == "DE-BY" and partner["website"] == "https://www.bayern.de"
    assert partner["thrusts"] == ["trade.investment", "climate"], "codes are de-duplicated in their order"
    assert partner["created_by"] == partner["updated_by"] == "officer@example.test"
    assert partner["merged_into"] is None and partner["status"] == "active"


@pytest.mark.parametrize(
    ("change", "location"),
    [
        ({"country": "XX"}, ["body", "country"]),
        ({"subdivision": "DE-XX"}, ["body", "subdivision"]),
        ({"subdivision": "CA-QC"}, ["body"]),
        ({"country": None}, ["body"]),
        ({"website": "javascript:alert(1)"}, ["body", "website"]),
        ({"description_en": "x" * 5001}, ["body", "description_en"]),
        ({"owner": "x" * 201}, ["body", "owner"]),
        ({"thrusts": "trade"}, ["body", "thrusts"]),
        ({"acronyms": ["A"] * 21}, ["body", "acronyms"]),
    ],
)
def test_bad_fields_are_422_problems_and_write_nothing(client, partners_engine, change, location):
    response = client.post("/api/v1/partners", json=BAVARIA | change)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert any(e["location"][: len(location)] == location for e in response.json()["errors"])
    assert count(partners_engine, Partner) == count(partners_engine, OutboxMessage) == 0


def test_an_unknown_thrust_is_refused_by_name(client, partners_engine):
    response = client.post("/api/v1/partners", json=BAVARIA | {"thrusts": ["trade", "astrology"]})

    assert response.status_code == 422
    assert response.json()["unknown"] == ["astrology"]
    assert count(partners_engine, Partner) == 0


def test_a_likely_duplicate_gets_409_with_candidates_unless_deliberate(client, partners_engine):
    bavaria = create(client, BAVARIA)

    for twin in (
        {"name_en": "Bavaria", "name_fr": None, "aliases": []},
        {"name_fr": "Baviere", "name_en": None, "aliases": [], "acronyms": []},
        {"name_fr": "État libre de Bavière", "name_en": None, "aliases": ["Freistaat Bayern"]},
    ):
        response = client.post("/api/v1/partners", json=BAVARIA | twin)
        assert response.status_code == 409, twin
        assert [c["id"] for c in response.json()["candidates"]] == [bavaria["id"]]
    assert count(partners_engine, Partner) == 1

    elsewhere = client.post("/api/v1/partners", json=BAVARIA | {"country": "FR", "subdivision": None})
    assert elsewhere.status_code == 201, "another country is no duplicate"
    deliberate = client.post("/api/v1/partners", json=BAVARIA, params={"allow_duplicate": "true"})
    assert deliberate.status_code == 201


def test_patch_needs_if_match_refuses_a_stale_one_and_publishes_the_changed_fields(client, partners_engine):
    partner = create(client, BAVARIA)
    url = f"/api/v1/partners/{partner['id']}"

    assert client.patch(url, json={"name_en": "Free State of Bavaria"}).status_code == 428
    response = client.patch(
        url, json={"name_en": "Free State of Bavaria", "owner": "someone"}, headers={"If-Match": 'W/"1"'}
    )
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == 'W/"2"'
    updated = response.json()
    assert updated["name_en"] == "Free State of Bavaria" and updated["version"] == 2
    assert updated["name_fr"] == "Bavière", "fields not sent stay as they were"

    stale = client.patch(url, json={"name_en": "Bavaria"}, headers={"If-Match": 'W/"1"'})
    assert stale.status_code == 412 and stale.json()["current_version"] == 2
    assert client.patch(url, json={"name_en": "x"}, headers={"If-Match": "yesterday"}).status_code == 400

    [event] = events(partners_engine, "liaison.partner.updated")
    assert event["data"]["changed_fields"] == ["name_en", "owner"]
    assert event["data"]["name_en"] == "Free State of Bavaria" and event["data"]["version"] == 2
    assert event["_key"] == partner["id"]


def test_a_patch_that_changes_nothing_is_no_new_version(client, partners_engine):
    partner = create(client, BAVARIA)
    response = client.patch(
        f"/api/v1/partners/{partner['id']}", json={"name_en": "Bavaria"}, headers={"If-Match": 'W/"1"'}
    )
    assert response.json()["version"] == 1
    assert events(partners_engine, "liaison.partner.updated") == []


@pytest.mark.parametrize(
    "change",
    [
        {"name_fr": None, "name_en": None},
        {"kind": None},
        {"country": "FR"},
        {"subdivision": "US-NY"},
        {"thrusts": ["nope"]},
        {"region": "moon"},
        {"aliases": None},
    ],
)
def test_a_bad_patch_is_422_and_changes_nothing(client, partners_engine, change):
    partner = create(client, BAVARIA)
    response = client.patch(f"/api/v1/partners/{partner['id']}", json=change, headers={"If-Match": 'W/"1"'})

    assert response.status_code == 422, response.text
    assert client.get(f"/api/v1/partners/{partner['id']}").json() == partner
    assert events(partners_engine, "liaison.partner.updated") == []


def test_archive_is_for_admins_and_the_partner_stays_readable(client, partners_engine):
    partner = create(client, BAVARIA)
    url = f"/api/v1/partners/{partner['id']}/archive"

    assert client.post(url).status_code == 403, "an officer cannot archive"
    response = client.post(url, auth=signed(ADMIN))
    assert response.status_code == 200
    assert response.json()["status"] == "archived" and response.json()["updated_by"] == ADMIN.user
    assert client.get(f"/api/v1/partners/{partner['id']}").json()["status"] == "archived"
    assert client.post(url, auth=signed(ADMIN)).json()["version"] == 2, "archiving twice changes nothing"
    [event] = events(partners_engine, "liaison.partner.archived")
    assert event["data"]["status"] == "archived"


def test_roles_readers_read_officers_write(client):
    partner = create(client, BAVARIA)
    for reader in (VIEWER, INTEGRATION):
        assert client.get(f"/api/v1/partners/{partner['id']}", auth=signed(reader)).status_code == 200
        assert client.get("/api/v1/partners", auth=signed(reader)).status_code == 200
        denied = client.post("/api/v1/partners", json=GERMANY, auth=signed(reader))
        assert denied.status_code == 403 and denied.headers["content-type"] == "application/problem+json"
        assert (
            client.patch(
                f"/api/v1/partners/{partner['id']}",
                json={"owner": "x"},
                headers={"If-Match": 'W/"1"'},
                auth=signed(reader),
            ).status_code
            == 403
        )
    nobody = signed(type(ADMIN)(user="stranger", roles=frozenset()))
    assert client.get(f"/api/v1/partners/{partner['id']}", auth=nobody).status_code == 403
    assert client.post("/api/v1/partners", json=GERMANY, auth=signed(ADMIN)).status_code == 201


def test_the_audit_says_who_changed_what_and_when(client, partners_engine):
    partner = create(client, BAVARIA)
    client.patch(
        f"/api/v1/partners/{partner['id']}",
        json={"website": "https://www.bayern.de"},
        headers={"If-Match": 'W/"1"'},
        auth=signed(ADMIN),
    )

    response = client.get(f"/api/v1/partners/{partner['id']}/audit", auth=signed(VIEWER))
    assert response.status_code == 200
    updated, created = response.json()["items"]
    assert created["action"] == "created" and created["actor"] == "officer@example.test"
    assert created["changes"]["name_fr"] == {"before": None, "after": "Bavière"}
    assert updated["action"] == "updated" and updated["actor"] == ADMIN.user
    assert updated["changes"] == {"website": {"before": None, "after": "https://www.bayern.de"}}
    assert updated["at"] >= created["at"]

    first = client.get(f"/api/v1/partners/{partner['id']}/audit", params={"limit": 1}).json()
    second = client.get(
        f"/api/v1/partners/{partner['id']}/audit", params={"limit": 1, "cursor": first["next_cursor"]}
    ).json()
    assert [first["items"][0]["id"], second["items"][0]["id"]] == [updated["id"], created["id"]]
    assert second["next_cursor"] is None
    assert client.get(f"/api/v1/partners/{uuid.uuid4()}/audit").status_code == 404
    assert client.get(f"/api/v1/partners/{partner['id']}/audit", params={"cursor": "junk!"}).status_code == 400
    assert count(partners_engine, AuditEntry) == 2
