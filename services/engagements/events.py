"""Events: what the engagements service publishes (liaison.engagements.v1, keyed by engagement id)
and, in `HANDLERS`, what it does with the partner events it consumes."""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import Session

from services.engagements import contact_copies, partner_copies, partner_effects, people_effects
from services.engagements.models import Engagement, FollowUp, Person
from services.engagements.schemas import Confidentiality, EngagementState, FollowUpState
from services.kit.consumer import RejectedEvent
from services.kit.event_models import (
    ContactErased,
    ContactState,
    PartnerMerged,
    PartnerSnapshot,
    PartnerState,
    RelationshipState,
    TypedEvent,
    UserDisabled,
)
from services.kit.event_models.directory import DIRECTORY_TOPIC
from services.kit.events import new_event
from services.kit.handlers import Handlers
from services.kit.outbox import record_event
from services.kit.people import people_handlers
from services.kit.types import utcnow

TOPIC = "liaison.engagements.v1"
SOURCE = "/liaison/engagements"
PARTNERS_TOPIC = "liaison.partners.v1"
ENGAGEMENT_LOGGED = "liaison.engagement.logged"
ENGAGEMENT_UPDATED = "liaison.engagement.updated"
ENGAGEMENT_DELETED = "liaison.engagement.deleted"
FOLLOWUP_CREATED = "liaison.followup.created"
FOLLOWUP_COMPLETED = "liaison.followup.completed"
FOLLOWUP_REASSIGNED = "liaison.followup.reassigned"
RESTRICTED = Confidentiality.RESTRICTED

# --- publishing -------------------------------------------------------------------------------------


def engagement_state(engagement: Engagement) -> dict[str, Any]:
    """The engagement as events carry it. Restricted: ids and the level only (DESIGN.md: Events)."""
    if engagement.confidentiality == RESTRICTED:
        return {
            "id": str(engagement.id),
            "confidentiality": RESTRICTED,
            "version": engagement.version,
            "created_by": engagement.created_by,
        }
    return EngagementState.model_validate(engagement).model_dump(mode="json")


def _record(session: Session, event_type: str, engagement_id: uuid.UUID, data: dict[str, Any]) -> None:
    event = new_event(type=event_type, source=SOURCE, subject=str(engagement_id), data=data)
    record_event(session=session, event=event, topic=TOPIC)


def record_engagement_logged(*, session: Session, engagement: Engagement) -> None:
    _record(session, ENGAGEMENT_LOGGED, engagement.id, engagement_state(engagement))


def record_engagement_updated(*, session: Session, engagement: Engagement, changed_fields: list[str]) -> None:
    if engagement.draft:  # told to no one until confirmed (then as logged), whatever changed it
        return
    data = engagement_state(engagement)
    if engagement.confidentiality != RESTRICTED:
        data["changed_fields"] = changed_fields
    _record(session, ENGAGEMENT_UPDATED, engagement.id, data)


def record_engagement_deleted(*, session: Session, engagement: Engagement, deleted_by: str) -> None:
    if engagement.draft:  # never told of, so never untold
        return
    data = {
        "id": str(engagement.id),
        "confidentiality": engagement.confidentiality,
        "version": engagement.version,
        "created_by": engagement.created_by,
        "deleted_by": deleted_by,
        "deleted_at": utcnow(),
    }
    if engagement.confidentiality != RESTRICTED:
        data |= {"partner_ids": [str(p) for p in engagement.partner_ids], "thrusts": list(engagement.thrusts)}
    _record(session, ENGAGEMENT_DELETED, engagement.id, data)


def followup_state(follow_up: FollowUp, engagement: Engagement) -> dict[str, Any]:
    data = FollowUpState.model_validate(follow_up).model_dump(mode="json")
    data["engagement_confidentiality"] = engagement.confidentiality
    if engagement.confidentiality == RESTRICTED:
        del data["description"]
    return data


def record_followup(*, session: Session, event_type: str, follow_up: FollowUp, engagement: Engagement, **extra) -> None:
    _record(session, event_type, engagement.id, followup_state(follow_up, engagement) | extra)


# --- consuming liaison.partners.v1 (typed events: data that does not fit its model never gets here) ----

HANDLERS = Handlers()
RELATIONSHIP_TYPES = ("member_of", "part_of", "partner_of")


def _partner_command(partner: PartnerState) -> partner_copies.RecordPartner:
    return partner_copies.RecordPartner(
        id=partner.id,
        kind=partner.kind,
        status=partner.status,
        version=partner.version,
        name_fr=partner.name_fr,
        name_en=partner.name_en,
        acronyms=list(partner.acronyms),
        aliases=list(partner.aliases),
        country=partner.country,
        region=partner.region,
    )


def _record_partner(session: Session, partner: PartnerState) -> None:
    copy, names_changed = partner_copies.record_partner(session=session, command=_partner_command(partner))
    if names_changed:
        partner_effects.reindex_partner(session=session, partner=copy)


@HANDLERS.on(
    "liaison.partner.created", "liaison.partner.updated", "liaison.partner.archived", "liaison.partner.restored"
)
def on_partner_changed(event: TypedEvent[PartnerState], *, session: Session) -> None:
    _record_partner(session, event.data)


@HANDLERS.on("liaison.partner.merged")
def on_partner_merged(event: TypedEvent[PartnerMerged], *, session: Session) -> None:
    data = event.data
    if data.survivor is not None and data.survivor.id != data.merged_into:
        raise RejectedEvent(f"{event.type} {event.id}: survivor.id differs from merged_into")
    if data.id == data.merged_into:
        raise RejectedEvent(f"{event.type} {event.id}: a partner cannot be merged into itself")
    if data.survivor is not None:
        partner_copies.record_partner(session=session, command=_partner_command(data.survivor))
    merged_by = data.survivor.updated_by if data.survivor is not None else None
    for engagement in partner_effects.merge_partner(
        session=session, duplicate_id=data.id, survivor_id=data.merged_into, merged_by=merged_by
    ):
        record_engagement_updated(session=session, engagement=engagement, changed_fields=["partner_ids"])


def _relationship_command(event: TypedEvent, data: RelationshipState) -> partner_copies.RecordRelationship:
    if data.type not in RELATIONSHIP_TYPES:
        raise RejectedEvent(f"{event.type} {event.id}: unknown relationship type {data.type!r}")
    return partner_copies.RecordRelationship(
        id=data.id,
        partner_id=data.partner_id,
        type=data.type,
        target_id=data.target_id,
        membership_status=data.membership_status,
        since=data.since,
        until=data.until,
        version=data.version,
    )


@HANDLERS.on("liaison.relationship.added")
def on_relationship_added(event: TypedEvent[RelationshipState], *, session: Session) -> None:
    partner_copies.record_relationship(session=session, command=_relationship_command(event, event.data))


@HANDLERS.on("liaison.relationship.removed")
def on_relationship_removed(event: TypedEvent[RelationshipState], *, session: Session) -> None:
    if event.data.version is None:
        # From before versions: nothing to compare, so it is applied as it comes.
        partner_copies.remove_relationship(session=session, relationship_id=event.data.id)
        return
    # A tombstone, so that an older added (a replay, another partition) cannot revive it.
    partner_copies.record_relationship(session=session, command=_relationship_command(event, event.data), removed=True)


@HANDLERS.on("liaison.partner.snapshot")
def on_partner_snapshot(event: TypedEvent[PartnerSnapshot], *, session: Session) -> None:
    """A resync: the partner and its relationships applied like any state, each only if newer than the copy."""
    data = event.data
    if data.merged_into == data.id:
        raise RejectedEvent(f"{event.type} {event.id}: a partner cannot be merged into itself")
    foreign = [r.id for r in data.relationships if r.partner_id != data.id]
    if foreign:
        raise RejectedEvent(f"{event.type} {event.id}: relationships of another partner: {foreign}")
    commands = [_relationship_command(event, r) for r in data.relationships]  # all checked before any applies
    _record_partner(session, data)
    for command in commands:
        partner_copies.record_relationship(session=session, command=command)
    if data.merged_into is not None:
        # Re-points what still names the duplicate: nothing the second time, so a repeated resync is quiet.
        for engagement in partner_effects.merge_partner(
            session=session, duplicate_id=data.id, survivor_id=data.merged_into, merged_by=data.updated_by
        ):
            record_engagement_updated(session=session, engagement=engagement, changed_fields=["partner_ids"])


@HANDLERS.on("liaison.contact.erased")
def on_contact_erased(event: TypedEvent[ContactErased], *, session: Session) -> None:
    contact_copies.erase_contact(session=session, contact_id=event.data.id)
    erased = partner_effects.erase_contact(session=session, contact_id=event.data.id, partner_id=event.data.partner_id)
    for engagement in erased:
        record_engagement_updated(session=session, engagement=engagement, changed_fields=["contact_ids"])


# The people directory: officers and assignees are its people (kit/people.py).
people_handlers(Person, HANDLERS)


@HANDLERS.on("liaison.user.disabled")
def on_user_disabled(event: TypedEvent[UserDisabled], *, session: Session) -> None:
    for handed in people_effects.hand_over_follow_ups(session=session, person=event.data):
        record_followup(
            session=session,
            event_type=FOLLOWUP_REASSIGNED,
            follow_up=handed.follow_up,
            engagement=handed.engagement,
            changed_fields=["assignee"],
            previous_assignee=handed.previous_assignee,
        )


def handlers_with_contacts(keys: contact_copies.ContactKeys) -> Handlers:
    """HANDLERS and those that keep contacts' addresses, which need the partners service's keys
    (the app's `partners` worker): the service's consumer runs these (app.py)."""
    registry = Handlers()
    for event_type in HANDLERS:
        for handler in HANDLERS.handlers_of(event_type):
            registry.add(event_type, handler)

    @registry.on("liaison.contact.added", "liaison.contact.updated")
    def on_contact(event: TypedEvent[ContactState], *, session: Session) -> None:
        contact_copies.record_contact(session=session, data=event.data, keys=keys)

    return registry


CONSUMES = [PARTNERS_TOPIC, DIRECTORY_TOPIC]
