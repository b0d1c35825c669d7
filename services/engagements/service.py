"""Engagement rules. Functions take keyword arguments and never commit: the caller's unit of work does."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlmodel import Session

from services.kit.problems import NotFound
from services.engagements.models import PartnerCopy


@dataclass(frozen=True)
class RecordPartner:
    """Command: make the read copy of a partner match what the partners service says it now is."""

    id: uuid.UUID
    kind: str
    status: str
    version: int
    name_fr: str | None = None
    name_en: str | None = None
    acronyms: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    country: str | None = None
    region: str | None = None


def record_partner(*, session: Session, command: RecordPartner) -> PartnerCopy:
    copy = session.get(PartnerCopy, command.id)
    if copy is not None and copy.version >= command.version:
        return copy
    values = {name: getattr(command, name) for name in command.__dataclass_fields__}
    if copy is None:
        copy = PartnerCopy(**values)
    else:
        for name, value in values.items():
            setattr(copy, name, value)
    session.add(copy)
    return copy


def get_known_partner(*, session: Session, partner_id: uuid.UUID) -> PartnerCopy:
    copy = session.get(PartnerCopy, partner_id)
    if copy is None:
        raise NotFound(f"The engagements service has not heard of partner {partner_id}; "
                       "if it was just created, its event may still be on its way.")
    return copy
