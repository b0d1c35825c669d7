"""Partner rules. Functions take keyword arguments and never commit: the caller's unit of work does."""
from __future__ import annotations

import uuid

from sqlmodel import Session

from services.kit.problems import NotFound
from services.kit.types import utcnow
from services.partners.events import record_partner_created
from services.partners.models import Partner
from services.partners.schemas import PartnerCreate


def create_partner(*, session: Session, data: PartnerCreate) -> Partner:
    now = utcnow()
    # One clock reading: a partner never updated has created_at == updated_at exactly.
    partner = Partner.model_validate(data, update={"created_at": now, "updated_at": now})
    session.add(partner)
    session.flush()
    record_partner_created(session=session, partner=partner)
    return partner


def get_partner(*, session: Session, partner_id: uuid.UUID) -> Partner:
    partner = session.get(Partner, partner_id)
    if partner is None:
        raise NotFound(f"No partner has the id {partner_id}.")
    return partner
