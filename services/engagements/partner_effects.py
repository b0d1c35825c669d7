"""What partner events change in engagements: names re-indexed, merged ids re-pointed, erased contacts dropped.

Each change to an engagement bumps its version; the caller (events.py, the handlers) publishes
liaison.engagement.updated for the engagements returned, so a consumer's copy follows.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlmodel import Session

from services.engagements import search
from services.engagements.models import Engagement, PartnerCopy
from services.engagements.partner_copies import engagements_of, mark_merged, partners_by_id
from services.kit.types import utcnow


def _partners_of(session: Session, engagement: Engagement) -> list[PartnerCopy]:
    copies = partners_by_id(session=session, ids=set(engagement.partner_ids))
    return [copies[p] for p in engagement.partner_ids if p in copies]


def reindex_partner(*, session: Session, partner: PartnerCopy) -> int:
    """The partner's names changed: the engagements naming it are found by its new names."""
    engagements = engagements_of(session=session, partner_id=partner.id)
    for engagement in engagements:
        search.index(session=session, engagement=engagement, partners=_partners_of(session, engagement))
    return len(engagements)


def _changed(session: Session, engagement: Engagement) -> Engagement:
    engagement.version += 1
    engagement.updated_at = utcnow()
    session.add(engagement)
    return engagement


def merge_partner(*, session: Session, duplicate_id: uuid.UUID, survivor_id: uuid.UUID) -> list[Engagement]:
    """Every engagement naming the duplicate names the survivor instead (once, in its place). Returns them."""
    mark_merged(session=session, duplicate_id=duplicate_id, survivor_id=survivor_id)
    changed = []
    for engagement in engagements_of(session=session, partner_id=duplicate_id):
        engagement.name_partners([survivor_id if p == duplicate_id else p for p in engagement.partner_ids])
        session.flush()
        search.index(session=session, engagement=engagement, partners=_partners_of(session, engagement))
        changed.append(_changed(session, engagement))
    return changed


def erase_contact(*, session: Session, contact_id: uuid.UUID, partner_id: uuid.UUID | None) -> list[Engagement]:
    """Personal data erased upstream: the contact's id leaves every engagement that named it. Returns them."""
    if partner_id is not None:
        candidates = engagements_of(session=session, partner_id=partner_id)
    else:
        candidates = list(session.scalars(select(Engagement)))
    changed = []
    for engagement in candidates:
        if contact_id in engagement.contact_ids:
            engagement.contact_ids = [c for c in engagement.contact_ids if c != contact_id]
            changed.append(_changed(session, engagement))
    return changed
