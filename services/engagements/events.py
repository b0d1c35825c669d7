"""Events: what the engagements service publishes (liaison.engagements.v1, keyed by engagement id)
and, in `HANDLERS`, what it does with the partner events it consumes."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import ValidationError
from sqlmodel import Session

from services.engagements import partner_copies, partner_effects
from services.engagements.models import Engagement, FollowUp
from services.kit.consumer import RejectedEvent
from services.kit.events import CloudEvent, new_event
from services.kit.outbox import record_event
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
RESTRICTED = "restricted"

# --- publishing -------------------------------------------------------------------------------------


def engagement_state(engagement: Engagement) -> dict:
    """The engagement as events carry it. Restricted: ids and the level only (DESIGN.md: Events)."""
    if engagement.confidentiality == RESTRICTED:
        return {
            "id": str(engagement.id),
            "confidentiality": RESTRICTED,
            "version": engagement.version,
            "created_by": engagement.created_by,
        }
    return {
        "id": str(engagement.id),
        "type": engagement.type,
        "title": engagement.title,
        "starts_at": engagement.starts_at,
        "ends_at": engagement.ends_at,
        "location": {"city": engagement.location_city, "country": engagement.location_country},
        "partner_ids": list(engagement.partner_ids),
        "contact_ids": list(engagement.contact_ids),
        "officers": list(engagement.officers),
        "summary": engagement.summary,
        "notes": engagement.notes,
        "outcome": engagement.outcome,
        "discussion_points": list(engagement.discussion_points),
        "thrusts": list(engagement.thrusts),
        "tags": list(engagement.tags),
        "confidentiality": engagement.confidentiality,
        "mission_id": str(engagement.mission_id) if engagement.mission_id else None,
        "agreement_status": engagement.agreement_status,
        "signatories": list(engagement.signatories),
        "signed_on": engagement.signed_on,
        "effective_on": engagement.effective_on,
        "expires_on": engagement.expires_on,
        "created_by": engagement.created_by,
        "version": engagement.version,
        "created_at": engagement.created_at,
        "updated_at": engagement.updated_at,
    }


def _record(session: Session, event_type: str, engagement_id: uuid.UUID, data: dict) -> None:
    event = new_event(type=event_type, source=SOURCE, subject=str(engagement_id), data=data)
    record_event(session=session, event=event, topic=TOPIC)


def record_engagement_logged(*, session: Session, engagement: Engagement) -> None:
    _record(session, ENGAGEMENT_LOGGED, engagement.id, engagement_state(engagement))


def record_engagement_updated(*, session: Session, engagement: Engagement, changed_fields: list[str]) -> None:
    data = engagement_state(engagement)
    if engagement.confidentiality != RESTRICTED:
        data["changed_fields"] = changed_fields
    _record(session, ENGAGEMENT_UPDATED, engagement.id, data)


def record_engagement_deleted(*, session: Session, engagement: Engagement, deleted_by: str) -> None:
    data = {
        "id": str(engagement.id),
        "confidentiality": engagement.confidentiality,
        "version": engagement.version,
        "created_by": engagement.created_by,
        "deleted_by": deleted_by,
        "deleted_at": utcnow(),
    }
    if engagement.confidentiality != RESTRICTED:
        data |= {"partner_ids": list(engagement.partner_ids), "thrusts": list(engagement.thrusts)}
    _record(session, ENGAGEMENT_DELETED, engagement.id, data)


def followup_state(follow_up: FollowUp, engagement: Engagement) -> dict:
    data = {
        "id": str(follow_up.id),
        "engagement_id": str(follow_up.engagement_id),
        "engagement_confidentiality": engagement.confidentiality,
        "description": follow_up.description,
        "assignee": follow_up.assignee,
        "due_on": follow_up.due_on,
        "status": follow_up.status,
        "owed_by": follow_up.owed_by,
        "version": follow_up.version,
        "created_by": follow_up.created_by,
        "created_at": follow_up.created_at,
        "updated_at": follow_up.updated_at,
        "completed_at": follow_up.completed_at,
    }
    if engagement.confidentiality == RESTRICTED:
        del data["description"]
    return data


def record_followup(*, session: Session, event_type: str, follow_up: FollowUp, engagement: Engagement, **extra) -> None:
    _record(session, event_type, engagement.id, followup_state(follow_up, engagement) | extra)


# --- consuming liaison.partners.v1 ---------------------------------------------------------------------


def _uuid(value) -> uuid.UUID:
    return uuid.UUID(str(value))


def _date(value) -> date | None:
    return None if value in (None, "") else date.fromisoformat(str(value)[:10])


def _unusable(event: CloudEvent, exc: Exception) -> RejectedEvent:
    return RejectedEvent(f"{event.type} {event.id}: unusable data: {exc!r}")


def _partner_command(data: dict) -> partner_copies.RecordPartner:
    return partner_copies.RecordPartner(
        id=_uuid(data["id"]),
        kind=str(data["kind"]),
        status=str(data["status"]),
        version=int(data["version"]),
        name_fr=data.get("name_fr"),
        name_en=data.get("name_en"),
        acronyms=[str(a) for a in data.get("acronyms") or []],
        aliases=[str(a) for a in data.get("aliases") or []],
        country=data.get("country"),
        region=data.get("region"),
    )


def on_partner_changed(event: CloudEvent, *, session: Session) -> None:
    try:
        command = _partner_command(event.data)
        if command.version < 1 or command.kind in ("", "None") or command.status in ("", "None"):
            raise ValueError("kind, status and a positive version are required")
    except (KeyError, TypeError, ValueError, ValidationError) as exc:
        raise RejectedEvent(f"{event.type} {event.id}: unusable partner data: {exc!r}") from exc
    copy, names_changed = partner_copies.record_partner(session=session, command=command)
    if names_changed:
        partner_effects.reindex_partner(session=session, partner=copy)


def on_partner_merged(event: CloudEvent, *, session: Session) -> None:
    data = event.data
    try:
        duplicate_id, survivor_id = _uuid(data["id"]), _uuid(data["merged_into"])
        survivor = _partner_command(data["survivor"]) if data.get("survivor") else None
        if survivor is not None and survivor.id != survivor_id:
            raise ValueError("survivor.id differs from merged_into")
        if duplicate_id == survivor_id:
            raise ValueError("a partner cannot be merged into itself")
    except (KeyError, TypeError, ValueError) as exc:
        raise _unusable(event, exc) from exc
    if survivor is not None:
        partner_copies.record_partner(session=session, command=survivor)
    partner_effects.merge_partner(session=session, duplicate_id=duplicate_id, survivor_id=survivor_id)


def on_relationship_added(event: CloudEvent, *, session: Session) -> None:
    data = event.data
    try:
        command = partner_copies.RecordRelationship(
            id=_uuid(data["id"]),
            partner_id=_uuid(data["partner_id"]),
            type=str(data["type"]),
            target_id=_uuid(data["target_id"]),
            membership_status=data.get("membership_status"),
            since=_date(data.get("since")),
            until=_date(data.get("until")),
        )
        if command.type not in ("member_of", "part_of", "partner_of"):
            raise ValueError(f"unknown relationship type {command.type!r}")
    except (KeyError, TypeError, ValueError) as exc:
        raise _unusable(event, exc) from exc
    partner_copies.record_relationship(session=session, command=command)


def on_relationship_removed(event: CloudEvent, *, session: Session) -> None:
    try:
        relationship_id = _uuid(event.data["id"])
    except (KeyError, TypeError, ValueError) as exc:
        raise _unusable(event, exc) from exc
    partner_copies.remove_relationship(session=session, relationship_id=relationship_id)


def on_contact_erased(event: CloudEvent, *, session: Session) -> None:
    try:
        contact_id = _uuid(event.data["id"])
        partner_id = _uuid(event.data["partner_id"]) if event.data.get("partner_id") else None
    except (KeyError, TypeError, ValueError) as exc:
        raise _unusable(event, exc) from exc
    partner_effects.erase_contact(session=session, contact_id=contact_id, partner_id=partner_id)


HANDLERS = {
    "liaison.partner.created": [on_partner_changed],
    "liaison.partner.updated": [on_partner_changed],
    "liaison.partner.archived": [on_partner_changed],
    "liaison.partner.merged": [on_partner_merged],
    "liaison.relationship.added": [on_relationship_added],
    "liaison.relationship.removed": [on_relationship_removed],
    "liaison.contact.erased": [on_contact_erased],
}
CONSUMES = [PARTNERS_TOPIC]
