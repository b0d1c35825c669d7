"""The engagements service's tables."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Column, String
from sqlmodel import Field, SQLModel

from services.kit.types import UTCDateTime, utcnow


class PartnerCopy(SQLModel, table=True):
    """This service's read copy of a partner, kept from the partners service's events.

    `version` is the partner's own version: an event older than what is here changes nothing,
    whatever order redeliveries come in.
    """

    __tablename__ = "partner_copies"

    id: uuid.UUID = Field(primary_key=True)
    kind: str = Field(sa_type=String(32))
    name_fr: str | None = Field(default=None, max_length=300)
    name_en: str | None = Field(default=None, max_length=300)
    acronyms: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    country: str | None = Field(default=None, max_length=2)
    region: str | None = Field(default=None, max_length=32)
    status: str = Field(sa_type=String(16))
    version: int
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
