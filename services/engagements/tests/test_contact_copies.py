"""Contacts' e-mail addresses kept from partner events: opened from the sealed block with the key the
partners service gives (asked over HTTP, as this service), deleted on erasure, never kept once the key
is gone; the partners service down is a transient error (the consumer retries)."""

import uuid

import httpx
import pytest
from sqlmodel import select

from services.engagements.events import handlers_with_contacts
from services.engagements.models import ContactCopy
from services.engagements.partners_client import PartnersClient, PartnersUnavailable
from services.kit.events import new_event
from services.kit.sealed import SEALED_NAME, encode_key, new_key, seal
from tests.support.identity import TEST_IDENTITY_SECRET

PARTNER = uuid.uuid4()


class Keys:
    """The partners service's answers: a key per contact, None once erased."""

    def __init__(self) -> None:
        self.keys: dict[uuid.UUID, bytes | None] = {}
        self.asked: list[uuid.UUID] = []

    def contact_key(self, contact_id: uuid.UUID) -> bytes | None:
        self.asked.append(contact_id)
        return self.keys.get(contact_id)


def contact_event(contact_id, *, key, version=1, email="Hans.Mueller@Bayern.example", partner_id=PARTNER, kind="added"):
    personal = {"name": "Hans Müller", "email": email, "phone": None, "mandates": []}
    data = {
        "id": str(contact_id),
        "partner_id": str(partner_id),
        "version": version,
        "name": SEALED_NAME,
        "sealed": seal(personal, key=key, contact_id=str(contact_id), version=version),
    }
    return new_event(type=f"liaison.contact.{kind}", source="/liaison/partners", subject=str(partner_id), data=data)


def deliver(sessions, registry, event):
    with sessions() as session:
        for handler in registry[event["type"] if isinstance(event, dict) else event.type]:
            handler(event, session=session)
        session.commit()


def copies(sessions):
    with sessions() as session:
        return [(c.id, c.partner_id, c.email, c.version) for c in session.exec(select(ContactCopy)).all()]


def test_the_address_is_opened_kept_moved_and_erased(sessions):
    keys, contact, key = Keys(), uuid.uuid4(), new_key()
    keys.keys[contact] = key
    registry = handlers_with_contacts(keys)
    deliver(sessions, registry, contact_event(contact, key=key))
    assert copies(sessions) == [(contact, PARTNER, "hans.mueller@bayern.example", 1)]

    # A merge moves the contact to the survivor (a new version); an older redelivery changes nothing.
    survivor = uuid.uuid4()
    deliver(sessions, registry, contact_event(contact, key=key, version=2, partner_id=survivor, kind="updated"))
    deliver(sessions, registry, contact_event(contact, key=key, version=1, email="old@bayern.example"))
    assert copies(sessions) == [(contact, survivor, "hans.mueller@bayern.example", 2)]

    erased = new_event(
        type="liaison.contact.erased", source="/liaison/partners", subject=str(survivor), data={"id": str(contact)}
    )
    deliver(sessions, registry, erased)
    assert copies(sessions) == []
    # A late redelivery after the erasure: the key is gone, so nothing is kept.
    keys.keys[contact] = None
    deliver(sessions, registry, contact_event(contact, key=key, version=3, kind="updated"))
    assert copies(sessions) == []


def test_the_client_asks_as_this_service_and_reads_erasure_and_outage():
    contact, key = uuid.uuid4(), new_key()
    seen = []

    def partners(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == f"/api/v1/contacts/{contact}/key":
            return httpx.Response(200, json={"contact_id": str(contact), "alg": "A256GCM", "key": encode_key(key)})
        return httpx.Response(410, json={"title": "Gone"})  # any other: erased

    http = httpx.Client(base_url="http://partners.test", transport=httpx.MockTransport(partners))
    client = PartnersClient(base_url="http://partners.test", secret=TEST_IDENTITY_SECRET, timeout=1, client=http)
    assert client.contact_key(contact) == key
    assert seen[0].headers["x-liaison-user"] == "service:engagements"
    assert client.contact_key(uuid.uuid4()) is None  # erased: 410

    down = httpx.Client(base_url="http://partners.test", transport=httpx.MockTransport(lambda r: httpx.Response(503)))
    with pytest.raises(PartnersUnavailable):
        PartnersClient(base_url="http://x", secret=TEST_IDENTITY_SECRET, timeout=1, client=down).contact_key(contact)
