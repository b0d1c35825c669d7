"""What the engagements API accepts and returns (API contract: the field names are public)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator


class EngagementType(StrEnum):
    MEETING = "meeting"
    MISSION = "mission"
    CALL = "call"
    EVENT = "event"
    AGREEMENT = "agreement"
    CORRESPONDENCE = "correspondence"
    VISIT = "visit"


class Confidentiality(StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"
    RESTRICTED = "restricted"


class AgreementStatus(StrEnum):
    NEGOTIATING = "negotiating"
    SIGNED = "signed"
    IN_FORCE = "in_force"
    EXPIRED = "expired"
    TERMINATED = "terminated"


class FollowUpStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class OwedBy(StrEnum):
    QUEBEC = "quebec"
    PARTNER = "partner"


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("give a time zone (e.g. 2026-03-02T09:30:00-05:00 or ...Z)")
    return value.astimezone(UTC)


def _stripped_unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(v.strip() for v in values if v.strip()))


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]
Text = Annotated[str, Field(max_length=20_000)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Names = Annotated[list[Name], Field(max_length=50), AfterValidator(_stripped_unique)]


class Location(BaseModel):
    model_config = ConfigDict(extra="forbid")

    city: str | None = Field(default=None, max_length=200)
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2, upper case")

    @field_validator("country")
    @classmethod
    def _country_code(cls, value: str | None) -> str | None:
        if value is not None and not (len(value) == 2 and value.isascii() and value.isalpha() and value.isupper()):
            raise ValueError("country must be an ISO 3166-1 alpha-2 code in upper case, like FR")
        return value


class EngagementFields(BaseModel):
    """Every writable field, all optional: the shape of a PATCH."""

    model_config = ConfigDict(extra="forbid")

    type: EngagementType | None = None
    title: str | None = Field(default=None, min_length=1, max_length=300)
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    location: Location | None = None
    partner_ids: list[uuid.UUID] | None = Field(default=None, min_length=1, max_length=50)
    contact_ids: list[uuid.UUID] | None = Field(default=None, max_length=100)
    officers: Names | None = None
    summary: Text | None = None
    notes: Annotated[str, Field(max_length=100_000)] | None = None
    outcome: Text | None = None
    discussion_points: (
        Annotated[list[Annotated[str, Field(min_length=1, max_length=2000)]], Field(max_length=100)] | None
    ) = None
    thrusts: list[Annotated[str, Field(min_length=1, max_length=100)]] | None = Field(
        default=None, min_length=1, max_length=20
    )
    tags: Names | None = None
    confidentiality: Confidentiality | None = None
    mission_id: uuid.UUID | None = None
    agreement_status: AgreementStatus | None = None
    signatories: Names | None = None
    signed_on: date | None = None
    effective_on: date | None = None
    expires_on: date | None = None

    @field_validator("title")
    @classmethod
    def _title(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("title must not be blank")
        return value.strip() if value else value


class EngagementUpdate(EngagementFields):
    """PATCH: only the fields sent change. `null` clears an optional field; required ones refuse it."""

    @model_validator(mode="after")
    def _no_null_for_required(self) -> EngagementUpdate:
        required = {"type", "title", "starts_at", "ends_at", "partner_ids", "thrusts", "confidentiality"}
        nulled = sorted(name for name in required & self.model_fields_set if getattr(self, name) is None)
        if nulled:
            raise ValueError(f"these fields cannot be null: {', '.join(nulled)}")
        return self


class EngagementCreate(EngagementFields):
    type: EngagementType
    title: str = Field(min_length=1, max_length=300)
    starts_at: AwareDatetime
    ends_at: AwareDatetime | None = Field(default=None, description="Defaults to starts_at.")
    partner_ids: list[uuid.UUID] = Field(min_length=1, max_length=50)
    thrusts: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(min_length=1, max_length=20)
    confidentiality: Confidentiality = Confidentiality.INTERNAL


class EngagementRead(BaseModel):
    id: uuid.UUID
    type: EngagementType
    title: str
    starts_at: datetime
    ends_at: datetime
    location: Location
    partner_ids: list[uuid.UUID]
    partners: list[dict[str, Any]] = Field(description="id and names of each partner, from the read copy")
    contact_ids: list[uuid.UUID]
    officers: list[str]
    summary: str | None
    notes: str | None = Field(description="Markdown, as written")
    notes_html: str | None = Field(description="notes rendered to sanitised HTML")
    outcome: str | None
    discussion_points: list[str]
    thrusts: list[str]
    tags: list[str]
    confidentiality: Confidentiality
    mission_id: uuid.UUID | None
    agreement_status: AgreementStatus | None
    signatories: list[str]
    signed_on: date | None
    effective_on: date | None
    expires_on: date | None
    created_by: str
    version: int
    created_at: datetime
    updated_at: datetime


class EngagementPage(BaseModel):
    items: list[EngagementRead]
    next_cursor: str | None
    total: int
    facets: dict[str, dict[str, int]] | None = None


class FollowUpCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str = Field(min_length=1, max_length=5000)
    assignee: Name
    due_on: date | None = None
    owed_by: OwedBy = OwedBy.QUEBEC
    status: FollowUpStatus = FollowUpStatus.OPEN

    @field_validator("description", "assignee")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()


class FollowUpUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str | None = Field(default=None, min_length=1, max_length=5000)
    assignee: Name | None = None
    due_on: date | None = None
    owed_by: OwedBy | None = None
    status: FollowUpStatus | None = None

    @model_validator(mode="after")
    def _no_null_for_required(self) -> FollowUpUpdate:
        nulled = sorted(
            n
            for n in {"description", "assignee", "owed_by", "status"} & self.model_fields_set
            if getattr(self, n) is None
        )
        if nulled:
            raise ValueError(f"these fields cannot be null: {', '.join(nulled)}")
        return self


class FollowUpRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    engagement_id: uuid.UUID
    description: str
    assignee: str
    due_on: date | None
    status: FollowUpStatus
    owed_by: OwedBy
    overdue: bool = Field(description="open and due before today (America/Toronto)")
    created_by: str
    version: int
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None


class FollowUpPage(BaseModel):
    items: list[FollowUpRead]
    next_cursor: str | None
    total: int


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


class HistoryItem(BaseModel):
    kind: str = "engagement"
    engagement: EngagementRead
    follow_ups: list[FollowUpRead]


class PartnerHistory(BaseModel):
    partner: PartnerSummary
    included_partner_ids: list[uuid.UUID] = Field(description="the partner and, with include=members, its members")
    items: list[HistoryItem]
    next_cursor: str | None = None
    total: int = 0
