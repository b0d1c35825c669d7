"""Log by e-mail's contact addresses across the two real services (in process): the engagements
service asks the partners app for a contact's key as `service:engagements` (a signed identity the
partners app verifies), opens the sealed e-mail address of the real contact.added event, keeps it;
after the erasure the key is gone (410), so neither the erasure nor a late redelivery leaves it."""

import uuid

from sqlmodel import Session, select
from starlette.testclient import TestClient

from services.engagements.events import handlers_with_contacts
from services.engagements.models import ContactCopy
from services.engagements.partners_client import PartnersClient
from services.kit.db import make_session_factory
from services.kit.events import parse_event
from services.kit.outbox import OutboxMessage
from services.partners.app import create_app
from services.partners.settings import PartnersSettings
from tests.support.apps import service_client, unit_settings
from tests.support.identity import TEST_IDENTITY_SECRET


def outbox(engine, event_type):
    with Session(engine) as session:
        rows = session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    events = [parse_event(row.payload.encode()) for row in rows]
    return [event for event in events if event.type == event_type]


def deliver(sessions, registry, event):
    with sessions() as session:
        for handler in registry[event.type]:
            handler(event, session=session)
        session.commit()


def copies(sessions):
    with sessions() as session:
        return [(c.id, c.partner_id, c.email) for c in session.exec(select(ContactCopy)).all()]


def test_the_address_travels_sealed_and_is_opened_with_the_partners_key(new_engine):
    partners_engine, engagements = new_engine("partners"), make_session_factory(new_engine("engagements"))
    with service_client(create_app, unit_settings(PartnersSettings), engine=partners_engine) as partners:
        partner = partners.post(
            "/api/v1/partners", json={"kind": "federated_state", "name_fr": "Bavière", "country": "DE"}
        ).json()
        contact = partners.post(
            f"/api/v1/partners/{partner['id']}/contacts",
            json={"name": "Hans Müller", "email": "Hans.Mueller@Bayern.example"},
        ).json()
        [added] = outbox(partners_engine, "liaison.contact.added")
        assert "bayern.example" not in added.model_dump_json().lower(), "sealed on the bus"

        # The engagements service's own client, unsigned but for its own identity.
        http = TestClient(partners.app, base_url="http://partners.test")
        keys = PartnersClient(base_url="http://partners.test", secret=TEST_IDENTITY_SECRET, timeout=5, client=http)
        registry = handlers_with_contacts(keys)
        deliver(engagements, registry, added)
        assert copies(engagements) == [
            (uuid.UUID(contact["id"]), uuid.UUID(partner["id"]), "hans.mueller@bayern.example")
        ]

        assert partners.delete(f"/api/v1/contacts/{contact['id']}").status_code == 204
        [erased] = outbox(partners_engine, "liaison.contact.erased")
        deliver(engagements, registry, erased)
        assert copies(engagements) == []
        deliver(engagements, registry, added)  # a late redelivery: the key is gone (410)
        assert copies(engagements) == []
