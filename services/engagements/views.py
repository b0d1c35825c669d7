"""Rows to API answers: an engagement with its partners' names and rendered notes; a follow-up with its flag."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from services.engagements.models import Engagement, FollowUp, PartnerCopy
from services.engagements.partner_copies import partners_by_id
from services.engagements.schemas import EngagementRead, FollowUpRead, FollowUpStatus
from services.kit.markdown import render_notes


def local_today(zone: ZoneInfo) -> date:
    return datetime.now(zone).date()


def partner_label(partner: PartnerCopy | None, partner_id: uuid.UUID) -> dict[str, Any]:
    if partner is None:
        return {"id": str(partner_id), "name_fr": None, "name_en": None, "acronyms": []}
    return {
        "id": str(partner_id),
        "name_fr": partner.name_fr,
        "name_en": partner.name_en,
        "acronyms": list(partner.acronyms),
    }


def engagement_read(engagement: Engagement, partners: dict[uuid.UUID, PartnerCopy]) -> EngagementRead:
    return EngagementRead.model_validate(
        engagement,
        update={
            "partners": [partner_label(partners.get(p), p) for p in engagement.partner_ids],
            "notes_html": render_notes(engagement.notes),
        },
    )


def engagements_read(session: Session, engagements: list[Engagement]) -> list[EngagementRead]:
    ids = {p for e in engagements for p in e.partner_ids}
    partners = partners_by_id(session=session, ids=ids)
    return [engagement_read(e, partners) for e in engagements]


def follow_up_read(follow_up: FollowUp, *, today: date) -> FollowUpRead:
    """`today`: the date in the service's time zone (`local_today`)."""
    overdue = follow_up.status == FollowUpStatus.OPEN and follow_up.due_on is not None and follow_up.due_on < today
    return FollowUpRead.model_validate(follow_up, update={"overdue": overdue})
