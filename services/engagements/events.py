"""What the engagements service does with the events it consumes: the handler registry."""
from __future__ import annotations

import uuid

from pydantic import ValidationError
from sqlmodel import Session

from services.kit.consumer import RejectedEvent
from services.kit.events import CloudEvent
from services.engagements import service

PARTNERS_TOPIC = "liaison.partners.v1"


def on_partner_changed(event: CloudEvent, *, session: Session) -> None:
    data = event.data
    try:
        command = service.RecordPartner(
            id=uuid.UUID(str(data["id"])),
            kind=str(data["kind"]),
            status=str(data["status"]),
            version=int(data["version"]),
            name_fr=data.get("name_fr"),
            name_en=data.get("name_en"),
            acronyms=list(data.get("acronyms") or []),
            aliases=list(data.get("aliases") or []),
            country=data.get("country"),
            region=data.get("region"),
        )
    except (KeyError, TypeError, ValueError, ValidationError) as exc:
        raise RejectedEvent(f"{event.type} {event.id}: unusable partner data: {exc!r}") from exc
    service.record_partner(session=session, command=command)


HANDLERS = {
    "liaison.partner.created": [on_partner_changed],
}
CONSUMES = [PARTNERS_TOPIC]
