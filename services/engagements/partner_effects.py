"""What partner events change in engagements: names re-indexed, merged ids re-pointed, erased contacts dropped.

Each change to an engagement bumps its version, names who made it and enters its audit trail; the
caller (events.py, the handlers) publishes liaison.engagement.updated for the engagements returned,
so a consumer's copy follows.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlmodel import Session

from services.engagements import audit, search
from services.engagements.models import Engagement, PartnerCopy
from services.engagements.partner_copies import engagements_of, mark_merged, partners_by_id
from services.engagements.schemas import Confidentiality
from services.kit.types import utcnow

# Who a change made by the partners service's events is put down to, when the event names nobody.
PARTNERS_SERVICE = "service:partners"


def _partners_of(session: Session, engagement: Engagement) -> list[PartnerCopy]:
    copies = partners_by_id(session=session, ids=set(engagement.partner_ids))
    return [copies[p] for p in engagement.partner_ids if p in copies]


def reindex_partner(*, session: Session, partner: PartnerCopy) -> int:
    """The partner's names changed: the engagements naming it are found by its new names."""
    engagements = engagements_of(session=session, partner_id=partner.id)
    for engagement in engagements:
        search.index(session=session, engagement=engagement, partners=_partners_of(session, engagement))
    return len(engagements)


def _changed(session: Session, engagement: Engagement, *, actor: str, action: str, changes: dict) -> Engagement:
    engagement.version += 1
    engagement.updated_at = utcnow()
    engagement.updated_by = actor
    session.add(engagement)
    audit.record(
        session=session,
        engagement_id=engagement.id,
        entity_type="engagement",
        entity_id=engagement.id,
        action=action,
        actor=actor,
        restricted=engagement.confidentiality == Confidentiality.RESTRICTED,
        changes=changes,
    )
    return engagement


def merge_partner(
    *, session: Session, duplicate_id: uuid.UUID, survivor_id: uuid.UUID, merged_by: str | None = None
) -> list[Engagement]:
    """Every engagement naming the duplicate names the survivor instead (once, in its place). Returns them."""
    mark_merged(session=session, duplicate_id=duplicate_id, survivor_id=survivor_id)
    changed = []
    for engagement in engagements_of(session=session, partner_id=duplicate_id):
        before = engagement.partner_ids
        engagement.name_partners([survivor_id if p == duplicate_id else p for p in before])
        session.flush()
        search.index(session=session, engagement=engagement, partners=_partners_of(session, engagement))
        diff = audit.field_changes({"partner_ids": before}, {"partner_ids": engagement.partner_ids})
        changed.append(
            _changed(session, engagement, actor=merged_by or PARTNERS_SERVICE, action="partner_merged", changes=diff)
        )
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
            audit.forget_contact(session=session, engagement_id=engagement.id, contact_id=contact_id)
            # Which field changed, not the ids: the trail keeps no trace of an erased person.
            erased = {"contact_ids": {"before": audit.ERASED, "after": audit.ERASED}}
            changed.append(
                _changed(session, engagement, actor=PARTNERS_SERVICE, action="contact_erased", changes=erased)
            )
    return changed
