"""HTTP routes: thin — parse, call the service, shape the answer."""
from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from services.kit.app import SessionDep
from services.partners import service
from services.partners.schemas import PartnerCreate, PartnerRead

router = APIRouter(prefix="/api/v1/partners", tags=["partners"])


def _etag(version: int) -> str:
    return f'W/"{version}"'


@router.post("", status_code=status.HTTP_201_CREATED, response_model=PartnerRead)
def create_partner(body: PartnerCreate, session: SessionDep, response: Response) -> PartnerRead:
    partner = service.create_partner(session=session, data=body)
    response.headers["Location"] = f"/api/v1/partners/{partner.id}"
    response.headers["ETag"] = _etag(partner.version)
    return PartnerRead.model_validate(partner)


@router.get("/{partner_id}", response_model=PartnerRead)
def get_partner(partner_id: uuid.UUID, session: SessionDep, response: Response) -> PartnerRead:
    partner = service.get_partner(session=session, partner_id=partner_id)
    response.headers["ETag"] = _etag(partner.version)
    return PartnerRead.model_validate(partner)
