"""Personal data does not outlive its erasure on the bus: after a contact is erased, reading
liaison.partners.v1 from its first offset finds none of the person's data (crypto-shredding)."""

import base64
import json
import time
import uuid

import httpx
import pytest
from cryptography.exceptions import InvalidTag

from services.kit.identity import Caller
from services.kit.sealed import decode_key, open_sealed
from tests.support.identity import TEST_IDENTITY_SECRET, SignedAs
from tests.support.processes import ServiceProcess
from tests.support.topics import read_topic

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.processes]
OFFICER = Caller(user="officer@example.test", roles=frozenset({"officer"}))


@pytest.fixture(scope="module")
def partners(kafka_broker, pg_cluster, tmp_path_factory):
    env = {
        "LIAISON_PARTNERS_DATABASE_URL": pg_cluster.create_database(f"shred_{uuid.uuid4().hex[:8]}"),
        **kafka_broker.service_env("partners"),
        "LIAISON_PARTNERS_ENVIRONMENT": "test",
        "LIAISON_PARTNERS_IDENTITY_SECRET": TEST_IDENTITY_SECRET,
        "LIAISON_PARTNERS_RELAY_IDLE_SECONDS": "0.1",
    }
    process = ServiceProcess("partners", env=env, log_dir=tmp_path_factory.mktemp("shred-logs")).start()
    process.wait_ready()
    yield process
    process.stop()


def forms(text: str) -> list[bytes]:
    """The person's data as a reader could find it: raw, JSON-escaped, base64 (any alphabet)."""
    raw = text.encode()
    escaped = text.encode("ascii", "backslashreplace").decode().replace("\\x", "\\u00").encode()
    return [raw, escaped, base64.b64encode(raw)[:12], base64.urlsafe_b64encode(raw)[:12]]


def test_after_an_erasure_the_topic_read_from_the_start_holds_none_of_the_persons_data(partners, kafka_broker):
    api = httpx.Client(base_url=partners.url, auth=SignedAs(OFFICER, TEST_IDENTITY_SECRET), timeout=30)
    marker = uuid.uuid4().hex[:8]
    person = {
        "honorific": "Dr",
        "name": f"Ingrid Østergaard-{marker}",
        "title": f"Chief of protocol {marker}",
        "email": f"ingrid.{marker}@example.test",
        "phone": "+4532123456",
        "notes": f"Allergic to shellfish ({marker})",
        "mandates": [{"post": f"Envoy {marker}", "since": "2021-01-01"}],
    }
    partner = api.post("/api/v1/partners", json={"kind": "state", "name_fr": f"Danemark {marker}", "country": "DK"})
    partner_id = partner.json()["id"]
    contact = api.post(f"/api/v1/partners/{partner_id}/contacts", json=person).json()
    api.patch(
        f"/api/v1/contacts/{contact['id']}", json={"notes": f"Prefers tea {marker}"}, headers={"If-Match": 'W/"1"'}
    )

    def about_the_contact(record):
        return contact["id"].encode() in (record.value or b"")

    before = read_topic(kafka_broker.connection(), "liaison.partners.v1", expect=2, match=about_the_contact)
    assert len(before) == 2, "added and updated are on the topic"
    # Before erasure, a consumer allowed to read the contact can open its events.
    key = decode_key(api.get(f"/api/v1/contacts/{contact['id']}/key").json()["key"])
    latest = json.loads(before[-1].value)["data"]
    opened = open_sealed(latest["sealed"], key=key, contact_id=contact["id"], version=latest["version"])
    assert opened["notes"] == f"Prefers tea {marker}" and opened["email"] == person["email"]

    assert api.delete(f"/api/v1/contacts/{contact['id']}").status_code == 204
    time.sleep(0.5)
    after = read_topic(kafka_broker.connection(), "liaison.partners.v1", expect=3, match=about_the_contact)
    assert [json.loads(r.value)["type"] for r in after] == [
        "liaison.contact.added",
        "liaison.contact.updated",
        "liaison.contact.erased",
    ]
    everything = b"\n".join((r.value or b"") + b"".join(v for _, v in r.headers or []) for r in after)
    for text in (person["name"], "Østergaard", person["email"], person["phone"], marker + ")", "Prefers tea"):
        for form in forms(text):
            assert form not in everything, f"{text!r} is still readable on the topic"
    assert marker.encode() not in everything, "not a trace of the person's strings"
    assert api.get(f"/api/v1/contacts/{contact['id']}/key").status_code == 410, "the key is gone for good"
    with pytest.raises(InvalidTag):
        open_sealed(latest["sealed"], key=decode_key("A" * 43), contact_id=contact["id"], version=latest["version"])
