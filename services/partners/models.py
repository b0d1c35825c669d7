"""The partners service's tables."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Column, Index, String
from sqlmodel import Field

from services.kit.types import UTCDateTime, utcnow
from services.partners.schemas import PartnerBase, PartnerStatus


class Partner(PartnerBase, table=True):
    __tablename__ = "partners"
    __table_args__ = (Index("ix_partners_country", "country"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    acronyms: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: PartnerStatus = Field(default=PartnerStatus.ACTIVE, sa_type=String(16))
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
