"""Events the partners service publishes (topic liaison.partners.v1, keyed by partner id; relationship
events by relationship id), built as the typed models of services/kit/event_models.

Every builder writes to the outbox of the caller's session: the event commits with the change.
"""

from __future__ import annotations

import uuid

from sqlmodel import Session

from services.kit.event_models import (
    ContactErased,
    ContactState,
    EventData,
    PartnerMerged,
    PartnerSnapshot,
    PartnerState,
    PartnerUpdated,
    RelationshipState,
)
from services.kit.events import new_event
from services.kit.outbox import record_event, record_events
from services.kit.sealed import SEALED_NAME, new_key, seal
from services.partners.contact_schemas import ContactRead
from services.partners.models import ContactKey, Partner, Relationship
from services.partners.schemas import PartnerRead, RelationshipRead

TOPIC = "liaison.partners.v1"
SOURCE = "/liaison/partners"
PARTNER_CREATED = "liaison.partner.created"
PARTNER_UPDATED = "liaison.partner.updated"
PARTNER_ARCHIVED = "liaison.partner.archived"
PARTNER_RESTORED = "liaison.partner.restored"
PARTNER_MERGED = "liaison.partner.merged"
PARTNER_SNAPSHOT = "liaison.partner.snapshot"
RELATIONSHIP_ADDED = "liaison.relationship.added"
RELATIONSHIP_REMOVED = "liaison.relationship.removed"
CONTACT_ADDED = "liaison.contact.added"
CONTACT_UPDATED = "liaison.contact.updated"
CONTACT_ERASED = "liaison.contact.erased"


def partner_state(partner: Partner) -> PartnerState:
    return PartnerState.model_validate(PartnerRead.model_validate(partner).model_dump(mode="json"))


def relationship_state(relationship: Relationship, *, version: int | None = None) -> RelationshipState:
    state = RelationshipRead.model_validate(relationship, from_attributes=True)
    fields = ("id", "partner_id", "type", "target_id", "membership_status", "since", "until")
    return RelationshipState(**{name: getattr(state, name) for name in fields}, version=version or relationship.version)


def _publish(
    session: Session, event_type: str, subject: uuid.UUID, data: EventData, *, key: uuid.UUID | None = None
) -> None:
    # Read TOPIC at call time: tests point the service at a topic of their own.
    event = new_event(type=event_type, source=SOURCE, subject=str(subject), data=data)
    record_event(session=session, event=event, topic=TOPIC, key=str(key or subject))


def record_partner_created(*, session: Session, partner: Partner) -> None:
    _publish(session, PARTNER_CREATED, partner.id, partner_state(partner))


def record_partner_updated(*, session: Session, partner: Partner, changed_fields: list[str]) -> None:
    state = partner_state(partner).model_dump(mode="json")
    _publish(session, PARTNER_UPDATED, partner.id, PartnerUpdated(**state, changed_fields=changed_fields))


def record_partner_archived(*, session: Session, partner: Partner) -> None:
    _publish(session, PARTNER_ARCHIVED, partner.id, partner_state(partner))


def record_partner_restored(*, session: Session, partner: Partner) -> None:
    _publish(session, PARTNER_RESTORED, partner.id, partner_state(partner))


def record_partner_merged(*, session: Session, duplicate: Partner, survivor: Partner) -> None:
    data = PartnerMerged(id=duplicate.id, merged_into=survivor.id, survivor=partner_state(survivor))
    _publish(session, PARTNER_MERGED, duplicate.id, data)


def record_partner_snapshot(*, session: Session, partner: Partner, relationships: list[Relationship]) -> None:
    """The partner as it is now and the relationships it is the subject of (services/partners/resync.py)."""
    state = partner_state(partner).model_dump(mode="json")
    snapshot = PartnerSnapshot(**state, relationships=[relationship_state(r) for r in relationships])
    _publish(session, PARTNER_SNAPSHOT, partner.id, snapshot)


# Relationship events are keyed by the relationship, not by its partner: a merge moves a relationship
# from one partner to another, and its removed + added must stay on one partition, in order.
def record_relationship_added(*, session: Session, relationship: Relationship) -> None:
    state = relationship_state(relationship)
    _publish(session, RELATIONSHIP_ADDED, relationship.partner_id, state, key=relationship.id)


def record_relationship_removed(*, session: Session, relationship: Relationship, version: int) -> None:
    """`version`: the relationship's version after the removal (the row itself may be gone)."""
    state = relationship_state(relationship, version=version)
    _publish(session, RELATIONSHIP_REMOVED, relationship.partner_id, state, key=relationship.id)


# What is the person's own: sealed with the contact's key on the bus (services/kit/sealed.py).
PERSONAL_FIELDS = ("honorific", "name", "title", "email", "phone", "preferred_language", "notes", "mandates")


def contact_key(*, session: Session, contact_id: uuid.UUID) -> bytes:
    """The contact's key, made on first use; erasure deletes it (crypto-shredding)."""
    row = session.get(ContactKey, contact_id)
    if row is None:
        row = ContactKey(contact_id=contact_id, key=new_key())
        session.add(row)
        session.flush()
    return row.key


def sealed_contact_state(*, session: Session, contact: ContactRead) -> ContactState:
    """The contact as events carry it: ids, version and times in clear; the person's fields sealed."""
    state = contact.model_dump(mode="json")
    personal = {name: state[name] for name in PERSONAL_FIELDS}
    key = contact_key(session=session, contact_id=contact.id)
    in_clear = {name: value for name, value in state.items() if name not in PERSONAL_FIELDS}
    return ContactState.model_validate(
        in_clear
        | dict.fromkeys(PERSONAL_FIELDS)
        | {
            "name": SEALED_NAME,
            "mandates": [],
            "sealed": seal(personal, key=key, contact_id=str(contact.id), version=contact.version),
        }
    )


def record_contact_added(*, session: Session, contact: ContactRead) -> None:
    _publish(session, CONTACT_ADDED, contact.partner_id, sealed_contact_state(session=session, contact=contact))


def record_contact_updated(*, session: Session, contact: ContactRead) -> None:
    _publish(session, CONTACT_UPDATED, contact.partner_id, sealed_contact_state(session=session, contact=contact))


def record_contact_erased(*, session: Session, contact_id: uuid.UUID, partner_id: uuid.UUID) -> None:
    # Ids only: the person's data must not outlive the erasure on a topic.
    _publish(session, CONTACT_ERASED, partner_id, ContactErased(id=contact_id, partner_id=partner_id))


def record_partners_created(*, session: Session, partners: list[Partner]) -> None:
    """`record_partner_created` for many partners: their outbox rows in one bulk insert (CSV imports)."""
    record_events(
        session=session,
        events=[
            (
                new_event(type=PARTNER_CREATED, source=SOURCE, subject=str(p.id), data=partner_state(p)),
                TOPIC,
                str(p.id),
            )
            for p in partners
        ],
    )
