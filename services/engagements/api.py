"""HTTP routes: thin — parse, call the service, shape the answer."""
from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.kit.app import SessionDep
from services.engagements import service
from services.engagements.schemas import PartnerHistory, PartnerSummary

router = APIRouter(prefix="/api/v1", tags=["history"])


@router.get("/partners/{partner_id}/history", response_model=PartnerHistory)
def partner_history(partner_id: uuid.UUID, session: SessionDep) -> PartnerHistory:
    partner = service.get_known_partner(session=session, partner_id=partner_id)
    return PartnerHistory(partner=PartnerSummary.model_validate(partner), items=[])
