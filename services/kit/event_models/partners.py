"""liaison.partners.v1: partners, their relationships and contacts."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import Field

from services.kit.event_models.base import EventData

PARTNERS_TOPIC = "liaison.partners.v1"
PARTNERS_SOURCE = "/liaison/partners"


class PartnerState(EventData):
    """A partner as it is after the change (created, updated, archived, restored; the survivor of a merge)."""

    id: uuid.UUID
    kind: str = Field(min_length=1)
    status: str = Field(min_length=1)
    version: int = Field(ge=1)
    name_fr: str | None = None
    name_en: str | None = None
    acronyms: list[str] = Field(default_factory=list)
    aliases: list[str] = Field(default_factory=list)
    country: str | None = None
    subdivision: str | None = None
    region: str | None = None
    website: str | None = None
    description_fr: str | None = None
    description_en: str | None = None
    owner: str | None = None
    owner_team_id: uuid.UUID | None = None
    thrusts: list[str] = Field(default_factory=list)
    merged_into: uuid.UUID | None = None
    created_at: datetime | None = None
    created_by: str | None = None
    updated_at: datetime | None = None
    updated_by: str | None = None


class PartnerUpdated(PartnerState):
    changed_fields: list[str] = Field(default_factory=list)


class PartnerMerged(EventData):
    id: uuid.UUID  # the duplicate, now a redirect
    merged_into: uuid.UUID
    survivor: PartnerState | None = None


class RelationshipState(EventData):
    """A link from partner_id to target_id; `version` absent in events from before versions."""

    id: uuid.UUID
    partner_id: uuid.UUID
    type: str = Field(min_length=1)
    target_id: uuid.UUID
    membership_status: str | None = None
    since: date | None = None
    until: date | None = None
    version: int | None = Field(default=None, ge=1)


class PartnerSnapshot(PartnerState):
    """A partner as it is now and the relationships it is the subject of, republished for a consumer
    to rebuild its copy (`liaison resync partners`); applied like any state: only if newer."""

    relationships: list[RelationshipState] = Field(default_factory=list)


class Sealed(EventData):
    alg: str
    kid: str
    nonce: str
    ciphertext: str


class ContactState(EventData):
    """A contact: since December 2026 the person's fields are in `sealed` only (services/kit/sealed.py)."""

    id: uuid.UUID
    partner_id: uuid.UUID
    version: int = Field(ge=1)
    name: str = Field(min_length=1)
    mandates: list[dict[str, Any]] = Field(default_factory=list)
    honorific: str | None = None
    title: str | None = None
    email: str | None = None
    phone: str | None = None
    preferred_language: str | None = None
    notes: str | None = None
    sealed: Sealed | None = None
    created_at: datetime | None = None
    created_by: str | None = None
    updated_at: datetime | None = None
    updated_by: str | None = None


class ContactErased(EventData):
    id: uuid.UUID
    partner_id: uuid.UUID | None = None
