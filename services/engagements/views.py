"""Rows to API answers: an engagement with its partners' names and rendered notes; a follow-up with its flag."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from services.engagements.models import Engagement, FollowUp, PartnerCopy
from services.engagements.partner_copies import partners_by_id
from services.engagements.rendering import render_notes
from services.engagements.schemas import EngagementRead, FollowUpRead, Location

LOCAL_ZONE = ZoneInfo("America/Toronto")


def local_today() -> date:
    return datetime.now(LOCAL_ZONE).date()


def partner_label(partner: PartnerCopy | None, partner_id: str) -> dict:
    if partner is None:
        return {"id": partner_id, "name_fr": None, "name_en": None, "acronyms": []}
    return {
        "id": partner_id,
        "name_fr": partner.name_fr,
        "name_en": partner.name_en,
        "acronyms": list(partner.acronyms),
    }


def engagement_read(engagement: Engagement, partners: dict[uuid.UUID, PartnerCopy]) -> EngagementRead:
    return EngagementRead(
        id=engagement.id,
        type=engagement.type,
        title=engagement.title,
        starts_at=engagement.starts_at,
        ends_at=engagement.ends_at,
        location=Location(city=engagement.location_city, country=engagement.location_country),
        partner_ids=engagement.partner_ids,
        partners=[partner_label(partners.get(uuid.UUID(p)), p) for p in engagement.partner_ids],
        contact_ids=engagement.contact_ids,
        officers=engagement.officers,
        summary=engagement.summary,
        notes=engagement.notes,
        notes_html=render_notes(engagement.notes),
        outcome=engagement.outcome,
        discussion_points=engagement.discussion_points,
        thrusts=engagement.thrusts,
        tags=engagement.tags,
        confidentiality=engagement.confidentiality,
        mission_id=engagement.mission_id,
        agreement_status=engagement.agreement_status,
        signatories=engagement.signatories,
        signed_on=engagement.signed_on,
        effective_on=engagement.effective_on,
        expires_on=engagement.expires_on,
        created_by=engagement.created_by,
        version=engagement.version,
        created_at=engagement.created_at,
        updated_at=engagement.updated_at,
    )


def engagements_read(session: Session, engagements: list[Engagement]) -> list[EngagementRead]:
    ids = {uuid.UUID(p) for e in engagements for p in e.partner_ids}
    partners = partners_by_id(session=session, ids=ids)
    return [engagement_read(e, partners) for e in engagements]


def follow_up_read(follow_up: FollowUp, *, today: date | None = None) -> FollowUpRead:
    today = today or local_today()
    overdue = follow_up.status == "open" and follow_up.due_on is not None and follow_up.due_on < today
    return FollowUpRead(
        **{name: getattr(follow_up, name) for name in FollowUpRead.model_fields if name != "overdue"}, overdue=overdue
    )
