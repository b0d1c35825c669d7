"""What the engagements API accepts and returns (API contract: the field names are public)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, field_validator, model_validator
from sqlalchemy import JSON, String, Text
from sqlmodel import Field, SQLModel

from services.kit.attachments import AttachmentFields
from services.kit.inputs import AwareDateTime, Date, NoNulText
from services.kit.types import UTCDateTime, UUIDList


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


def _stripped_unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(v.strip() for v in values if v.strip()))


Name = Annotated[str, Field(min_length=1, max_length=200)]
Names = Annotated[list[Name], Field(max_length=50), AfterValidator(_stripped_unique)]
Point = Annotated[str, Field(min_length=1, max_length=2000)]
# Teams a restricted engagement is shared with: a few, each once (the order given is kept).
TeamIds = Annotated[list[uuid.UUID], Field(max_length=20), AfterValidator(lambda ids: list(dict.fromkeys(ids)))]
ThrustCode = Annotated[str, Field(min_length=1, max_length=100)]
LISTS = ("contact_ids", "officers", "discussion_points", "tags", "signatories", "shared_with_teams")


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


class _EngagementChecks(SQLModel, NoNulText):
    """Checks shared by create and update; fields are declared by the subclasses."""

    @field_validator("title", check_fields=False)
    @classmethod
    def _title(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("title must not be blank")
        return value.strip() if value else value

    @field_validator(*LISTS, mode="before", check_fields=False)
    @classmethod
    def _null_is_empty(cls, value: Any) -> Any:
        return [] if value is None else value


class EngagementBase(_EngagementChecks):
    """What an engagement's author writes, declared once: the API's create and read, and the table.

    Enums are stored as their plain values (sa_type); lists as JSON.
    """

    type: EngagementType = Field(sa_type=String(16))
    title: str = Field(min_length=1, max_length=300)
    starts_at: AwareDateTime = Field(sa_type=UTCDateTime)
    ends_at: AwareDateTime = Field(sa_type=UTCDateTime)
    contact_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100, sa_type=UUIDList, nullable=False)
    officers: Names = Field(default_factory=list, sa_type=JSON, nullable=False)
    summary: str | None = Field(default=None, max_length=20_000, sa_type=Text)
    notes: str | None = Field(default=None, max_length=100_000, sa_type=Text, description="Markdown")
    outcome: str | None = Field(default=None, max_length=20_000, sa_type=Text)
    discussion_points: list[Point] = Field(default_factory=list, max_length=100, sa_type=JSON, nullable=False)
    thrusts: list[ThrustCode] = Field(min_length=1, max_length=20, sa_type=JSON, nullable=False)
    tags: Names = Field(default_factory=list, sa_type=JSON, nullable=False)
    confidentiality: Confidentiality = Field(default=Confidentiality.INTERNAL, sa_type=String(16))
    shared_with_teams: TeamIds = Field(
        default_factory=list,
        sa_type=UUIDList,
        nullable=False,
        description="teams (ids of the directory's teams) whose members see it when restricted",
    )
    mission_id: uuid.UUID | None = Field(default=None, foreign_key="engagements.id")
    agreement_status: AgreementStatus | None = Field(default=None, sa_type=String(16))
    signatories: Names = Field(default_factory=list, sa_type=JSON, nullable=False)
    signed_on: date | None = None
    effective_on: date | None = None
    expires_on: date | None = None


class EngagementCreate(EngagementBase):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]  # SQLModel narrows the type, not the keys

    ends_at: AwareDateTime | None = Field(default=None, description="Defaults to starts_at.")  # type: ignore[assignment]
    location: Location | None = None
    partner_ids: list[uuid.UUID] = Field(min_length=1, max_length=50)
    # The range is checked on what comes in; rows stored before it existed still read (`EngagementBase`).
    signed_on: Date | None = None
    effective_on: Date | None = None
    expires_on: Date | None = None


class EngagementUpdate(_EngagementChecks):
    """PATCH: only the fields sent change. `null` clears an optional field (or empties a list);
    required ones refuse it."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]  # SQLModel narrows the type, not the keys
    REQUIRED: ClassVar[frozenset[str]] = frozenset(
        {"type", "title", "starts_at", "ends_at", "partner_ids", "thrusts", "confidentiality"}
    )

    type: EngagementType | None = None
    title: str | None = Field(default=None, min_length=1, max_length=300)
    starts_at: AwareDateTime | None = None
    ends_at: AwareDateTime | None = None
    location: Location | None = None
    partner_ids: list[uuid.UUID] | None = Field(default=None, min_length=1, max_length=50)
    contact_ids: list[uuid.UUID] | None = Field(default=None, max_length=100)
    officers: Names | None = None
    summary: str | None = Field(default=None, max_length=20_000)
    notes: str | None = Field(default=None, max_length=100_000)
    outcome: str | None = Field(default=None, max_length=20_000)
    discussion_points: list[Point] | None = Field(default=None, max_length=100)
    thrusts: list[ThrustCode] | None = Field(default=None, min_length=1, max_length=20)
    tags: Names | None = None
    confidentiality: Confidentiality | None = None
    shared_with_teams: TeamIds | None = None
    mission_id: uuid.UUID | None = None
    agreement_status: AgreementStatus | None = None
    signatories: Names | None = None
    signed_on: Date | None = None
    effective_on: Date | None = None
    expires_on: Date | None = None

    @model_validator(mode="after")
    def _no_null_for_required(self) -> EngagementUpdate:
        nulled = sorted(name for name in self.REQUIRED & self.model_fields_set if getattr(self, name) is None)
        if nulled:
            raise ValueError(f"these fields cannot be null: {', '.join(nulled)}")
        return self


class EngagementState(EngagementBase):
    """An engagement as it is now: what its events carry (unless restricted)."""

    id: uuid.UUID
    location: Location
    partner_ids: list[uuid.UUID]
    created_by: str
    updated_by: str | None = Field(default=None, description="who made the last change")
    version: int
    created_at: datetime
    updated_at: datetime


class EngagementRead(EngagementState):
    # A draft (made from an e-mail) has no thrust until its author completes it.
    thrusts: list[ThrustCode] = Field(default_factory=list, max_length=20)
    draft: bool = Field(default=False, description="made from an e-mail; only its author sees it until confirmed")
    partners: list[dict[str, Any]] = Field(description="id and names of each partner, from the read copy")
    officer_people: list[dict[str, Any]] = Field(
        default_factory=list, description="each officer as the people directory shows them: id, username, display_name"
    )
    notes_html: str | None = Field(description="notes rendered to sanitised HTML")


class EngagementPage(BaseModel):
    items: list[EngagementRead]
    next_cursor: str | None
    total: int = Field(description="exact, unless total_is_estimate")
    total_is_estimate: bool = Field(
        default=False,
        description="more matches than the service counts exactly (LIAISON_ENGAGEMENTS_SEARCH_TOTAL_CAP): total, "
        "and the facets if any, are estimated from a sample",
    )
    facets: dict[str, dict[str, int]] | None = None


class FollowUpBase(SQLModel, NoNulText):
    """What a follow-up's author writes, declared once: the API's create and read, and the table."""

    description: str = Field(min_length=1, max_length=5000, sa_type=Text)
    assignee: str = Field(min_length=1, max_length=200)
    due_on: date | None = None
    owed_by: OwedBy = Field(default=OwedBy.QUEBEC, sa_type=String(16))
    status: FollowUpStatus = Field(default=FollowUpStatus.OPEN, sa_type=String(16))

    @field_validator("description", "assignee", check_fields=False)
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()


class FollowUpCreate(FollowUpBase):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]  # SQLModel narrows the type, not the keys

    due_on: Date | None = None


class FollowUpUpdate(SQLModel, NoNulText):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]  # SQLModel narrows the type, not the keys
    REQUIRED: ClassVar[frozenset[str]] = frozenset({"description", "assignee", "owed_by", "status"})

    description: str | None = Field(default=None, min_length=1, max_length=5000)
    assignee: str | None = Field(default=None, min_length=1, max_length=200)
    due_on: Date | None = None
    owed_by: OwedBy | None = None
    status: FollowUpStatus | None = None

    @model_validator(mode="after")
    def _no_null_for_required(self) -> FollowUpUpdate:
        nulled = sorted(n for n in self.REQUIRED & self.model_fields_set if getattr(self, n) is None)
        if nulled:
            raise ValueError(f"these fields cannot be null: {', '.join(nulled)}")
        return self


class FollowUpState(FollowUpBase):
    """A follow-up as it is now: what its events carry."""

    id: uuid.UUID
    engagement_id: uuid.UUID
    created_by: str
    updated_by: str | None = Field(default=None, description="who made the last change")
    version: int
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None


class PartnerName(BaseModel):
    """A partner named where a list shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name_fr: str | None
    name_en: str | None


class FollowUpRead(FollowUpState):
    overdue: bool = Field(description="open and due before today (in the service's time zone)")
    assignee_person: dict[str, Any] | None = Field(
        default=None, description="the assignee as the people directory shows them: id, username, display_name"
    )
    engagement_title: str | None = Field(default=None, description="in lists: the engagement's title")
    engagement_partners: list[PartnerName] = Field(
        default_factory=list, description="in lists: the engagement's partners, in its order"
    )


class OverdueCounts(BaseModel):
    """Open follow-ups more than N days late, for each N asked, by who owes them."""

    as_of: date = Field(description="today in the service's time zone")
    owed_by: dict[OwedBy, dict[int, int]] = Field(description='{"quebec": {"0": 3, "7": 1}, "partner": {...}}')


class FollowUpPage(BaseModel):
    items: list[FollowUpRead]
    next_cursor: str | None
    total: int


class AuditEntryRead(BaseModel):
    """One change, as the partners service shows its own (`GET /partners/{id}/audit`). On an entry made
    while the engagement was restricted, only its insiders read the values: others get "[restricted]"."""

    id: int
    engagement_id: uuid.UUID
    entity_type: str = Field(description="engagement | follow_up")
    entity_id: str
    action: str = Field(description="logged | updated | deleted | follow_up_added | follow_up_updated")
    changes: dict[str, Any] = Field(description='{field: {"before": ..., "after": ...}}')
    actor: str | None
    at: datetime


class AuditPage(BaseModel):
    items: list[AuditEntryRead]
    next_cursor: str | None


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
    total: int = Field(default=0, description="exact, unless total_is_estimate")
    total_is_estimate: bool = False


class AttachmentRead(AttachmentFields):
    """A file attached to an engagement (minutes, a signed agreement, slides). `content_type` is what
    its bytes are, decided on upload; the file itself: `GET .../attachments/{id}`."""

    model_config = ConfigDict(from_attributes=True)

    engagement_id: uuid.UUID


class AttachmentPage(BaseModel):
    items: list[AttachmentRead]
    next_cursor: str | None
    total: int
