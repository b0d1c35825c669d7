"""Events the partners service publishes (topic liaison.partners.v1, keyed by partner id).

Every builder writes to the outbox of the caller's session: the event commits with the change.
"""

from __future__ import annotations

import uuid

from sqlmodel import Session

from services.kit.events import new_event
from services.kit.outbox import record_event
from services.partners.models import Partner, Relationship
from services.partners.schemas import ContactRead, PartnerRead, RelationshipRead

TOPIC = "liaison.partners.v1"
SOURCE = "/liaison/partners"
PARTNER_CREATED = "liaison.partner.created"
PARTNER_UPDATED = "liaison.partner.updated"
PARTNER_ARCHIVED = "liaison.partner.archived"
PARTNER_MERGED = "liaison.partner.merged"
RELATIONSHIP_ADDED = "liaison.relationship.added"
RELATIONSHIP_REMOVED = "liaison.relationship.removed"
CONTACT_ADDED = "liaison.contact.added"
CONTACT_UPDATED = "liaison.contact.updated"
CONTACT_ERASED = "liaison.contact.erased"


def partner_state(partner: Partner) -> dict:
    return PartnerRead.model_validate(partner).model_dump(mode="json")


def relationship_state(relationship: Relationship) -> dict:
    state = RelationshipRead.model_validate(relationship, from_attributes=True).model_dump(mode="json")
    return {
        name: state[name] for name in ("id", "partner_id", "type", "target_id", "membership_status", "since", "until")
    }


def _publish(session: Session, event_type: str, key: uuid.UUID, data: dict) -> None:
    # Read TOPIC at call time: tests point the service at a topic of their own.
    record_event(
        session=session, event=new_event(type=event_type, source=SOURCE, subject=str(key), data=data), topic=TOPIC
    )


def record_partner_created(*, session: Session, partner: Partner) -> None:
    _publish(session, PARTNER_CREATED, partner.id, partner_state(partner))


def record_partner_updated(*, session: Session, partner: Partner, changed_fields: list[str]) -> None:
    _publish(session, PARTNER_UPDATED, partner.id, partner_state(partner) | {"changed_fields": changed_fields})


def record_partner_archived(*, session: Session, partner: Partner) -> None:
    _publish(session, PARTNER_ARCHIVED, partner.id, partner_state(partner))


def record_partner_merged(*, session: Session, duplicate: Partner, survivor: Partner) -> None:
    _publish(
        session,
        PARTNER_MERGED,
        duplicate.id,
        {"id": str(duplicate.id), "merged_into": str(survivor.id), "survivor": partner_state(survivor)},
    )


def record_relationship_added(*, session: Session, relationship: Relationship) -> None:
    _publish(session, RELATIONSHIP_ADDED, relationship.partner_id, relationship_state(relationship))


def record_relationship_removed(*, session: Session, relationship: Relationship) -> None:
    _publish(session, RELATIONSHIP_REMOVED, relationship.partner_id, relationship_state(relationship))


def record_contact_added(*, session: Session, contact: ContactRead) -> None:
    _publish(session, CONTACT_ADDED, contact.partner_id, contact.model_dump(mode="json"))


def record_contact_updated(*, session: Session, contact: ContactRead) -> None:
    _publish(session, CONTACT_UPDATED, contact.partner_id, contact.model_dump(mode="json"))


def record_contact_erased(*, session: Session, contact_id: uuid.UUID, partner_id: uuid.UUID) -> None:
    # Ids only: the person's data must not outlive the erasure on a topic.
    _publish(session, CONTACT_ERASED, partner_id, {"id": str(contact_id), "partner_id": str(partner_id)})
