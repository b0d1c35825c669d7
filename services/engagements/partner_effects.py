"""What partner events change in engagements: names re-indexed, merged ids re-pointed, erased contacts dropped.

Each change to an engagement bumps its version and publishes liaison.engagement.updated, so a
consumer's copy of the engagement follows.
"""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select
from sqlmodel import Session

from services.engagements import events, search
from services.engagements.models import Engagement, EngagementPartner, PartnerCopy
from services.engagements.partner_copies import engagements_of, mark_merged, partners_by_id
from services.kit.types import utcnow


def _partners_of(session: Session, engagement: Engagement) -> list[PartnerCopy]:
    copies = partners_by_id(session=session, ids={uuid.UUID(p) for p in engagement.partner_ids})
    return [copies[uuid.UUID(p)] for p in engagement.partner_ids if uuid.UUID(p) in copies]


def reindex_partner(*, session: Session, partner: PartnerCopy) -> int:
    """The partner's names changed: the engagements naming it are found by its new names."""
    engagements = engagements_of(session=session, partner_id=partner.id)
    for engagement in engagements:
        search.index(session=session, engagement=engagement, partners=_partners_of(session, engagement))
    return len(engagements)


def _changed(session: Session, engagement: Engagement, changed_fields: list[str]) -> None:
    engagement.version += 1
    engagement.updated_at = utcnow()
    session.add(engagement)
    events.record_engagement_updated(session=session, engagement=engagement, changed_fields=changed_fields)


def merge_partner(*, session: Session, duplicate_id: uuid.UUID, survivor_id: uuid.UUID) -> int:
    """Every engagement naming the duplicate names the survivor instead (once). Returns how many changed."""
    mark_merged(session=session, duplicate_id=duplicate_id, survivor_id=survivor_id)
    engagements = engagements_of(session=session, partner_id=duplicate_id)
    session.execute(delete(EngagementPartner).where(EngagementPartner.partner_id == duplicate_id))
    session.flush()
    for engagement in engagements:
        repointed = [str(survivor_id) if p == str(duplicate_id) else p for p in engagement.partner_ids]
        engagement.partner_ids = list(dict.fromkeys(repointed))
        has_survivor = session.scalar(
            select(EngagementPartner.engagement_id).where(
                EngagementPartner.engagement_id == engagement.id, EngagementPartner.partner_id == survivor_id
            )
        )
        if has_survivor is None:
            session.add(EngagementPartner(engagement_id=engagement.id, partner_id=survivor_id))
        session.flush()
        search.index(session=session, engagement=engagement, partners=_partners_of(session, engagement))
        _changed(session, engagement, ["partner_ids"])
    return len(engagements)


def erase_contact(*, session: Session, contact_id: uuid.UUID, partner_id: uuid.UUID | None) -> int:
    """Personal data erased upstream: the contact's id leaves every engagement that named it."""
    if partner_id is not None:
        candidates = engagements_of(session=session, partner_id=partner_id)
    else:
        candidates = list(session.scalars(select(Engagement)))
    erased = 0
    for engagement in candidates:
        if str(contact_id) in engagement.contact_ids:
            engagement.contact_ids = [c for c in engagement.contact_ids if c != str(contact_id)]
            _changed(session, engagement, ["contact_ids"])
            erased += 1
    return erased
