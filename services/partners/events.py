"""Events the partners service publishes (topic liaison.partners.v1, keyed by partner id)."""
from __future__ import annotations

from sqlmodel import Session

from services.kit.events import new_event
from services.kit.outbox import record_event
from services.partners.models import Partner
from services.partners.schemas import PartnerRead

TOPIC = "liaison.partners.v1"
SOURCE = "/liaison/partners"
PARTNER_CREATED = "liaison.partner.created"


def partner_state(partner: Partner) -> dict:
    return PartnerRead.model_validate(partner).model_dump(mode="json")


def record_partner_created(*, session: Session, partner: Partner) -> None:
    event = new_event(type=PARTNER_CREATED, source=SOURCE, subject=str(partner.id), data=partner_state(partner))
    record_event(session=session, event=event, topic=TOPIC)
