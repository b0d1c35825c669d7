"""Every event the service really publishes matches its JSON Schema in contracts/events/ and its typed model."""

import json

from services.partners.events import TOPIC
from services.partners.tests.conftest import ADMIN, BAVARIA, GERMANY, create, events, signed
from tests.contract.schemas import validator

EVERY_TYPE = {
    "liaison.partner.created",
    "liaison.partner.updated",
    "liaison.partner.archived",
    "liaison.partner.restored",
    "liaison.partner.merged",
    "liaison.partner.snapshot",
    "liaison.relationship.added",
    "liaison.relationship.removed",
    "liaison.contact.added",
    "liaison.contact.updated",
    "liaison.contact.erased",
}


def test_every_published_event_matches_its_schema(client, partners_engine):
    bavaria, germany = create(client, BAVARIA), create(client, GERMANY)
    twin = create(client, BAVARIA | {"name_fr": "Bavière (doublon)"}, allow_duplicate="true")
    client.patch(f"/api/v1/partners/{bavaria['id']}", json={"owner": "o@example.test"}, headers={"If-Match": 'W/"1"'})
    rel = client.post(
        f"/api/v1/partners/{bavaria['id']}/relationships",
        json={"type": "part_of", "target_id": germany["id"], "since": "1949-05-23"},
    ).json()
    client.delete(f"/api/v1/partners/{bavaria['id']}/relationships/{rel['id']}")
    contact = client.post(
        f"/api/v1/partners/{twin['id']}/contacts",
        json={
            "name": "A. Person",
            "phone": "+4989123456",
            "preferred_language": "fr",
            "mandates": [{"post": "Head of protocol", "since": "2020-01-01", "until": "2022-01-01"}],
        },
    ).json()
    client.post(f"/api/v1/partners/{bavaria['id']}/merge", json={"duplicate_id": twin["id"]}, auth=signed(ADMIN))
    client.patch(f"/api/v1/contacts/{contact['id']}", json={"title": "Chief"}, headers={"If-Match": 'W/"2"'})
    client.delete(f"/api/v1/contacts/{contact['id']}")
    client.post(f"/api/v1/partners/{germany['id']}/archive", auth=signed(ADMIN))
    client.post(f"/api/v1/partners/{germany['id']}/restore", auth=signed(ADMIN))
    client.post("/api/v1/admin/partners/resync", auth=signed(ADMIN))

    published = events(partners_engine)
    assert {e["type"] for e in published} == EVERY_TYPE
    for event in published:
        key = event.pop("_key")
        errors = sorted(validator(event["dataschema"]).iter_errors(event), key=str)
        assert errors == [], f"{event['type']}: " + "; ".join(e.message for e in errors)
        assert event["source"] == "/liaison/partners"
        if event["type"].startswith("liaison.relationship."):
            assert key == event["data"]["id"], "keyed by the relationship: a move stays on one partition"
            assert event["subject"] == event["data"]["partner_id"]
        elif event["type"].startswith("liaison.contact."):
            assert key == event["subject"] == event["data"]["partner_id"], "keyed by partner id"
        else:
            assert key == event["subject"] == event["data"]["id"]
    assert TOPIC == "liaison.partners.v1"


def test_every_published_event_parses_into_its_typed_model(client, partners_engine):
    from services.kit.event_models import CATALOG, typed
    from services.kit.events import parse_event

    test_every_published_event_matches_its_schema(client, partners_engine)
    for event in events(partners_engine):
        event.pop("_key")
        parsed = typed(parse_event(json.dumps(event).encode()))
        assert isinstance(parsed.data, CATALOG[event["type"]][0])
        assert parsed.data.model_dump(mode="json", exclude_unset=True) == event["data"], "nothing lost or added"
