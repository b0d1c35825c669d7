"""What the engagements API returns."""
from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict


class PartnerSummary(BaseModel):
    """A partner as this service knows it (from its read copy)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: str
    name_fr: str | None
    name_en: str | None
    acronyms: list[str]
    country: str | None
    region: str | None
    status: str
    version: int


class PartnerHistory(BaseModel):
    partner: PartnerSummary
    items: list[dict]
    next_cursor: str | None = None
