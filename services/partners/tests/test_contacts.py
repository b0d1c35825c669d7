"""Contacts, their mandates, and erasure of a person's data (Loi 25 / GDPR)."""

import json

import pytest
from sqlalchemy import select, update
from sqlmodel import Session

from services.kit.outbox import OutboxMessage
from services.partners.models import AuditEntry, Contact, ContactKey, MandateRow
from services.partners.tests.conftest import BAVARIA, GERMANY, VIEWER, count, create, events, signed

MINISTER = {
    "honorific": "Dr.",
    "name": "Hubert Aiwanger",
    "title": "Minister of Economic Affairs",
    "email": "minister@stmwi.bayern.de",
    "phone": "+4989216201",
    "preferred_language": "en",
    "notes": "Met at the 2019 mission",
    "mandates": [{"post": "Minister of Economic Affairs", "since": "2018-11-12"}],
}
PREDECESSOR = {
    "name": "Franz Josef Pschierer",
    "mandates": [{"post": "Minister of Economic Affairs", "since": "2018-03-21", "until": "2018-11-12"}],
}


def add(client, partner, body):
    return client.post(f"/api/v1/partners/{partner['id']}/contacts", json=body)


def test_add_read_and_publish_a_contact(client, partners_engine):
    bavaria = create(client, BAVARIA)
    response = add(client, bavaria, MINISTER)

    assert response.status_code == 201, response.text
    contact = response.json()
    assert contact["mandates"] == [
        {"post": "Minister of Economic Affairs", "partner_id": bavaria["id"], "since": "2018-11-12", "until": None}
    ]
    assert response.headers["etag"] == 'W/"1"'
    assert client.get(f"/api/v1/contacts/{contact['id']}", auth=signed(VIEWER)).json() == contact
    [event] = events(partners_engine, "liaison.contact.added")
    assert event["_key"] == bavaria["id"]
    assert opened(client, event) == contact, "sealed on the bus, whole for whoever may read the contact"
    assert "Aiwanger" not in json.dumps(event) and event["data"]["name"] == "(sealed)"


def opened(client, event) -> dict:
    """What a consumer allowed to read the contact gets from its event: the key from partners, then the fields."""
    from services.kit.sealed import decode_key, open_sealed

    data = event["data"]
    key = client.get(f"/api/v1/contacts/{data['id']}/key", auth=signed(VIEWER)).json()["key"]
    personal = open_sealed(data["sealed"], key=decode_key(key), contact_id=data["id"], version=data["version"])
    return {name: value for name, value in data.items() if name != "sealed"} | personal


def test_who_held_a_post_on_a_given_day(client):
    bavaria = create(client, BAVARIA)
    add(client, bavaria, MINISTER)
    add(client, bavaria, PREDECESSOR)

    def held(day):
        return [
            c["name"]
            for c in client.get(f"/api/v1/partners/{bavaria['id']}/contacts", params={"as_of": day}).json()["items"]
        ]

    assert held("2019-06-01") == ["Hubert Aiwanger"]
    assert held("2018-05-01") == ["Franz Josef Pschierer"]
    assert held("2017-01-01") == []
    all_of_them = client.get(f"/api/v1/partners/{bavaria['id']}/contacts", params={"limit": 1}).json()
    rest = client.get(
        f"/api/v1/partners/{bavaria['id']}/contacts", params={"limit": 1, "cursor": all_of_them["next_cursor"]}
    ).json()
    assert [c["name"] for c in all_of_them["items"] + rest["items"]] == ["Franz Josef Pschierer", "Hubert Aiwanger"]


@pytest.mark.parametrize(
    "change",
    [
        {"name": ""},
        {"email": "not-an-email"},
        {"phone": "089 21 62 01"},
        {"phone": "+0123"},
        {"preferred_language": "de"},
        {"mandates": [{"post": ""}]},
        {"mandates": [{"post": "x", "since": "2020-01-01", "until": "2019-01-01"}]},
        {"mandates": [{"post": "x", "partner_id": "00000000-0000-0000-0000-000000000000"}]},
    ],
)
def test_bad_contacts_are_refused_and_write_nothing(client, partners_engine, change):
    bavaria = create(client, BAVARIA)
    response = add(client, bavaria, MINISTER | change)
    assert response.status_code == 422, response.text
    assert count(partners_engine, Contact) == count(partners_engine, MandateRow) == 0
    assert events(partners_engine, "liaison.contact.added") == []


def test_update_needs_if_match_and_publishes(client, partners_engine):
    bavaria, germany = create(client, BAVARIA), create(client, GERMANY)
    contact = add(client, bavaria, MINISTER).json()
    url = f"/api/v1/contacts/{contact['id']}"

    assert client.patch(url, json={"title": "Deputy Minister-President"}).status_code == 428
    mandates = MINISTER["mandates"] + [{"post": "Bundesrat delegate", "partner_id": germany["id"]}]
    response = client.patch(
        url, json={"title": "Deputy Minister-President", "mandates": mandates}, headers={"If-Match": 'W/"1"'}
    )
    assert response.status_code == 200, response.text
    assert response.json()["version"] == 2 and len(response.json()["mandates"]) == 2
    assert client.patch(url, json={"title": "x"}, headers={"If-Match": 'W/"1"'}).status_code == 412
    assert client.patch(url, json={"name": None}, headers={"If-Match": 'W/"2"'}).status_code == 422
    [event] = events(partners_engine, "liaison.contact.updated")
    assert opened(client, event)["title"] == "Deputy Minister-President"
    held = client.get(f"/api/v1/partners/{germany['id']}/contacts", params={"as_of": "2030-01-01"}).json()
    assert [c["id"] for c in held["items"]] == [contact["id"]], "a mandate may be at another partner"


def test_erasure_leaves_no_personal_data_anywhere_but_says_it_happened(client, partners_engine):
    bavaria = create(client, BAVARIA)
    contact = add(client, bavaria, MINISTER).json()
    client.patch(f"/api/v1/contacts/{contact['id']}", json={"notes": "Likes Weißwurst"}, headers={"If-Match": 'W/"1"'})

    assert client.delete(f"/api/v1/contacts/{contact['id']}", auth=signed(VIEWER)).status_code == 403
    assert client.delete(f"/api/v1/contacts/{contact['id']}").status_code == 204

    assert client.get(f"/api/v1/contacts/{contact['id']}").status_code == 410
    assert client.delete(f"/api/v1/contacts/{contact['id']}").status_code == 410
    assert client.get(f"/api/v1/contacts/{contact['id']}/key").status_code == 410, "the key is destroyed"
    assert (
        count(partners_engine, Contact) == count(partners_engine, MandateRow) == count(partners_engine, ContactKey) == 0
    )
    [erased] = events(partners_engine, "liaison.contact.erased")
    assert erased["data"] == {"id": contact["id"], "partner_id": bavaria["id"]}
    audit = client.get(f"/api/v1/partners/{bavaria['id']}/audit").json()["items"]
    assert audit[0]["action"] == "contact_erased" and audit[0]["entity_id"] == contact["id"]
    assert audit[0]["changes"] == {}
    trail = json.dumps(audit)
    for personal in ("Aiwanger", "stmwi", "+4989216201", "Weißwurst", "Weisswurst", "2019 mission"):
        assert personal not in trail
    assert count(partners_engine, AuditEntry, AuditEntry.entity_id == contact["id"]) == 3


def test_unknown_contacts_are_404(client):
    bavaria = create(client, BAVARIA)
    unknown = "00000000-0000-0000-0000-000000000001"
    assert client.get(f"/api/v1/contacts/{unknown}").status_code == 404
    assert client.patch(f"/api/v1/contacts/{unknown}", json={}, headers={"If-Match": 'W/"1"'}).status_code == 404
    assert client.get(f"/api/v1/partners/{unknown}/contacts").status_code == 404
    assert client.post(f"/api/v1/partners/{unknown}/contacts", json=MINISTER).status_code == 404
    assert client.get(f"/api/v1/partners/{bavaria['id']}/contacts", params={"cursor": "bad"}).status_code == 400


def test_erasure_also_empties_the_published_events_kept_in_the_outbox(client, partners_engine):
    bavaria = create(client, BAVARIA)
    contact = add(client, bavaria, MINISTER).json()
    with Session(partners_engine) as session:
        session.execute(update(OutboxMessage).values(status="sent"))
        session.commit()
    client.delete(f"/api/v1/contacts/{contact['id']}")

    with Session(partners_engine) as session:
        payloads = " ".join(session.scalars(select(OutboxMessage.payload)))
    assert contact["id"] in payloads and "Aiwanger" not in payloads and "stmwi" not in payloads
