"""Builders the engagements tests share: partners and people in the read copies, engagements, callers."""

from __future__ import annotations

import json
import uuid

from sqlalchemy import select

from services.engagements.events import HANDLERS
from services.engagements.models import Person
from services.kit.event_models import UserState
from services.kit.events import new_event
from services.kit.identity import Caller
from services.kit.outbox import OutboxMessage
from services.kit.people import record_person
from tests.support.identity import SignedAs

OFFICER = Caller(user="officer@example.test", roles=frozenset({"officer"}))
COLLEAGUE = Caller(user="colleague@example.test", roles=frozenset({"officer"}))
OUTSIDER = Caller(user="outsider@example.test", roles=frozenset({"officer"}))
VIEWER = Caller(user="viewer@example.test", roles=frozenset({"viewer"}))
ADMIN = Caller(user="admin@example.test", roles=frozenset({"admin"}))
NOTIFICATIONS = Caller(user="service:notifications", roles=frozenset({"service"}))
# The people the callers above are: officers and assignees must be people of the directory copy
# (the `client` fixture records them for every test).
CAST = (OFFICER, COLLEAGUE, OUTSIDER, VIEWER, ADMIN)


def add_people(
    sessions, *usernames: str, teams: tuple[uuid.UUID, ...] = (), disabled: bool = False, **fields
) -> dict[str, uuid.UUID]:
    """Each username a person of the directory copy, as the gateway's events would make them
    (`fields`: display_name, email, language); their ids by username."""
    ids: dict[str, uuid.UUID] = {}
    with sessions() as session:
        for username in usernames:
            existing = session.scalars(select(Person).where(Person.username == username)).first()
            state = UserState(
                id=existing.id if existing else uuid.uuid4(),
                username=username,
                disabled=disabled,
                version=existing.version + 1 if existing else 1,
                teams=list(teams),
                **fields,
            )
            ids[username] = record_person(session=session, table=Person, state=state).id
        session.commit()
    return ids


def as_(caller: Caller) -> SignedAs:
    return SignedAs(caller)


def partner_data(partner_id: uuid.UUID, *, version: int = 1, **changes) -> dict:
    return {
        "id": str(partner_id),
        "kind": "federated_state",
        "name_fr": "Bavière",
        "name_en": "Bavaria",
        "acronyms": ["BY"],
        "aliases": ["Freistaat Bayern"],
        "country": "DE",
        "region": "europe",
        "website": None,
        "status": "active",
        "version": version,
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
    } | changes


def deliver(sessions, event_type: str, subject: str, data: dict):
    """Run the consumer's handlers for one event, in one transaction, as the ConsumerRunner does."""
    event = new_event(type=event_type, source="/liaison/partners", subject=subject, data=data)
    with sessions() as session:
        for handler in HANDLERS[event_type]:
            handler(event, session=session)
        session.commit()
    return event


def add_partner(
    sessions, *, partner_id: uuid.UUID | None = None, event: str = "liaison.partner.created", **changes
) -> uuid.UUID:
    partner_id = partner_id or uuid.uuid4()
    deliver(sessions, event, str(partner_id), partner_data(partner_id, **changes))
    return partner_id


def engagement_body(partner_ids, **changes) -> dict:
    return {
        "type": "meeting",
        "title": "Rencontre sur la coopération économique",
        "starts_at": "2026-03-02T09:30:00-05:00",
        "ends_at": "2026-03-02T11:00:00-05:00",
        "location": {"city": "Munich", "country": "DE"},
        "partner_ids": [str(p) for p in partner_ids],
        "officers": ["officer@example.test"],
        "summary": "Négociations sur les batteries.",
        "thrusts": ["trade.investment"],
        "confidentiality": "internal",
    } | changes


def log(client, partner_ids, *, caller: Caller = OFFICER, **changes) -> dict:
    response = client.post("/api/v1/engagements", json=engagement_body(partner_ids, **changes), auth=as_(caller))
    assert response.status_code == 201, response.text
    return response.json()


def outbox_events(engine) -> list[dict]:
    from sqlmodel import Session

    with Session(engine) as session:
        rows = session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()
    return [json.loads(row.payload) | {"_key": row.key, "_topic": row.topic} for row in rows]
