"""What the partners API accepts and returns (API contract: the field names are public)."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, field_validator, model_validator
from sqlalchemy import String
from sqlmodel import Field, SQLModel

from services.kit.attachments import AttachmentFields
from services.kit.inputs import Date, NoNulText
from services.kit.types import UTCDateTime, utcnow
from services.partners.places import check_country, check_place, subdivision_country


class PartnerKind(StrEnum):
    STATE = "state"
    FEDERATED_STATE = "federated_state"
    INTERNATIONAL_ORGANIZATION = "international_organization"
    FORUM = "forum"
    NGO = "ngo"
    COMPANY = "company"
    ACADEMIC = "academic"
    CULTURAL = "cultural"
    GOVERNMENT_AGENCY = "government_agency"
    OTHER = "other"


class Region(StrEnum):
    NORTH_AMERICA = "north-america"
    LATIN_AMERICA_CARIBBEAN = "latin-america-caribbean"
    EUROPE = "europe"
    AFRICA = "africa"
    MIDDLE_EAST_NORTH_AFRICA = "middle-east-north-africa"
    ASIA_PACIFIC = "asia-pacific"
    ARCTIC = "arctic"
    GLOBAL = "global"


class PartnerStatus(StrEnum):
    ACTIVE = "active"
    ARCHIVED = "archived"


class ArchivedFilter(StrEnum):
    """Whether a list shows archived partners: left out unless asked for."""

    EXCLUDE = "exclude"
    INCLUDE = "include"
    ONLY = "only"


_WEBSITE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


def _clean_names(values: list[str]) -> list[str]:
    cleaned: list[str] = []
    for raw in values:
        value = raw.strip()
        if value and value not in cleaned:
            cleaned.append(value)
    return cleaned


class _CheckedFields(SQLModel, NoNulText):
    """Checks shared by create and update; fields are declared by the subclasses."""

    @field_validator("country", check_fields=False)
    @classmethod
    def _country_code(cls, value: str | None) -> str | None:
        return None if value is None else check_country(value)

    @field_validator("subdivision", check_fields=False)
    @classmethod
    def _subdivision_code(cls, value: str | None) -> str | None:
        if value is not None:
            subdivision_country(value)
        return value

    @field_validator("website", check_fields=False)
    @classmethod
    def _website(cls, value: str | None) -> str | None:
        if value is not None and not _WEBSITE.match(value):
            raise ValueError("website must be an http:// or https:// address")
        return value


class PartnerBase(_CheckedFields):
    # Enums are stored as their plain values (sa_type), not as database enum types holding names.
    kind: PartnerKind = Field(sa_type=String(32))
    name_fr: str | None = Field(default=None, min_length=1, max_length=300)
    name_en: str | None = Field(default=None, min_length=1, max_length=300)
    country: str | None = Field(default=None, max_length=2, description="ISO 3166-1 alpha-2, upper case")
    subdivision: str | None = Field(default=None, max_length=6, description="ISO 3166-2, within `country`")
    region: Region | None = Field(default=None, sa_type=String(32))
    website: str | None = Field(default=None, max_length=500)
    description_fr: str | None = Field(default=None, max_length=5000)
    description_en: str | None = Field(default=None, max_length=5000)
    owner: str | None = Field(default=None, max_length=200, description="The officer responsible")
    owner_team_id: uuid.UUID | None = Field(
        default=None, description="The team of the people directory (gateway /api/v1/teams) that owns the file"
    )


class PartnerCreate(PartnerBase):
    acronyms: list[str] = Field(default_factory=list, max_length=20)
    aliases: list[str] = Field(default_factory=list, max_length=50)
    thrusts: list[str] = Field(default_factory=list, max_length=50, description="Policy thrust codes")

    @field_validator("acronyms", "aliases")
    @classmethod
    def _strip(cls, values: list[str]) -> list[str]:
        return _clean_names(values)

    @model_validator(mode="after")
    def _named_and_placed(self) -> PartnerCreate:
        if not (self.name_fr or self.name_en):
            raise ValueError("a partner needs name_fr or name_en (or both)")
        check_place(self.country, self.subdivision)
        return self


class PartnerUpdate(_CheckedFields):
    """Only the fields sent change; `null` clears an optional one. Status changes through /archive."""

    kind: PartnerKind | None = None
    name_fr: str | None = Field(default=None, min_length=1, max_length=300)
    name_en: str | None = Field(default=None, min_length=1, max_length=300)
    acronyms: list[str] | None = Field(default=None, max_length=20)
    aliases: list[str] | None = Field(default=None, max_length=50)
    country: str | None = Field(default=None, max_length=2)
    subdivision: str | None = Field(default=None, max_length=6)
    region: Region | None = None
    website: str | None = Field(default=None, max_length=500)
    description_fr: str | None = Field(default=None, max_length=5000)
    description_en: str | None = Field(default=None, max_length=5000)
    owner: str | None = Field(default=None, max_length=200)
    owner_team_id: uuid.UUID | None = None
    thrusts: list[str] | None = Field(default=None, max_length=50)

    @field_validator("acronyms", "aliases")
    @classmethod
    def _strip(cls, values: list[str] | None) -> list[str] | None:
        return None if values is None else _clean_names(values)

    @model_validator(mode="after")
    def _required_stay_set(self) -> PartnerUpdate:
        for name in ("kind", "acronyms", "aliases", "thrusts"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class PartnerRead(PartnerBase):
    id: uuid.UUID
    acronyms: list[str]
    aliases: list[str]
    thrusts: list[str] = []
    status: PartnerStatus
    merged_into: uuid.UUID | None = None
    version: int
    created_at: datetime
    created_by: str | None = None
    updated_at: datetime
    updated_by: str | None = None


class Keep(StrEnum):
    SURVIVOR = "survivor"
    DUPLICATE = "duplicate"


class MergeChoices(NoNulText):
    """Field by field, whose value survives a merge. A field not named keeps the survivor's value,
    or the duplicate's when the survivor has none. Names, acronyms, aliases and thrusts are united."""

    model_config = ConfigDict(extra="forbid")

    kind: Keep | None = None
    name_fr: Keep | None = None
    name_en: Keep | None = None
    country: Keep | None = None
    subdivision: Keep | None = None
    region: Keep | None = None
    website: Keep | None = None
    description_fr: Keep | None = None
    description_en: Keep | None = None
    owner: Keep | None = None
    owner_team_id: Keep | None = None


class MergeRequest(NoNulText):
    duplicate_id: uuid.UUID
    keep: MergeChoices = MergeChoices()


class DuplicatePartner(BaseModel):
    id: uuid.UUID
    name_fr: str | None
    name_en: str | None
    acronyms: list[str]
    kind: str
    country: str | None
    status: str


class DuplicatePair(BaseModel):
    first: DuplicatePartner
    second: DuplicatePartner
    score: float
    reasons: list[str]
    merge: str  # where to merge the second into the first


class DismissRequest(NoNulText):
    partner_ids: tuple[uuid.UUID, uuid.UUID]


class DismissalRead(BaseModel):
    first_id: uuid.UUID
    second_id: uuid.UUID
    dismissed_by: str | None
    dismissed_at: datetime


class ResyncBatch(BaseModel):
    """One batch of `liaison.partner.snapshot` events queued; `next_cursor` resumes after it (None: done)."""

    published: int
    next_cursor: str | None


class DuplicateCandidate(BaseModel):
    id: uuid.UUID
    name_fr: str | None
    name_en: str | None
    country: str | None
    kind: str
    matched: str
    status: str = "active"
    restore: str | None = None  # where to restore it, when the match is archived


# --- relationships ---------------------------------------------------------------------------


class RelationshipType(StrEnum):
    MEMBER_OF = "member_of"
    PART_OF = "part_of"
    PARTNER_OF = "partner_of"


class MembershipStatus(StrEnum):
    MEMBER = "member"
    ASSOCIATE = "associate"
    OBSERVER = "observer"
    SUSPENDED = "suspended"


class RelationshipCreate(NoNulText):
    type: RelationshipType
    target_id: uuid.UUID
    membership_status: MembershipStatus | None = None
    since: Date | None = None
    until: Date | None = None

    @model_validator(mode="after")
    def _consistent(self) -> RelationshipCreate:
        if self.type is RelationshipType.MEMBER_OF:
            self.membership_status = self.membership_status or MembershipStatus.MEMBER
        elif self.membership_status is not None:
            raise ValueError("membership_status applies to member_of only")
        if self.since and self.until and self.until < self.since:
            raise ValueError("until must not be before since")
        return self


class RelationshipRead(BaseModel):
    id: uuid.UUID
    partner_id: uuid.UUID
    type: RelationshipType
    target_id: uuid.UUID
    membership_status: MembershipStatus | None
    since: date | None
    until: date | None
    created_at: datetime
    created_by: str | None


class PartnerNames(BaseModel):
    id: uuid.UUID
    name_fr: str | None
    name_en: str | None


class RelationshipListed(RelationshipRead):
    """A relationship in a partner's list, with both ends named so that a reader needs no second call."""

    partner: PartnerNames
    target: PartnerNames


# --- audit and lists -------------------------------------------------------------------------


class AuditEntryRead(BaseModel):
    id: int
    partner_id: uuid.UUID
    entity_type: str
    entity_id: str
    action: str
    changes: dict[str, Any]
    actor: str | None
    at: datetime


Item = TypeVar("Item")


class Page(BaseModel, Generic[Item]):
    items: list[Item]
    next_cursor: str | None
    total: int | None = None


class ImportStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ImportJobBase(SQLModel):
    """A CSV import: the file waits in the database; a worker checks and creates its rows in batches.

    Every record of the file is one of `rows_total`; blank lines count as done, neither valid nor
    refused. A dry run checks every row (`rows_valid`, `rows_refused`) and creates nothing.
    """

    status: ImportStatus = Field(default=ImportStatus.QUEUED, sa_type=String(16))
    dry_run: bool = False
    allow_duplicates: bool = False
    rows_total: int = 0
    rows_done: int = 0
    rows_valid: int = 0
    rows_created: int = 0
    rows_refused: int = 0
    started_by: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Why a failed job stopped (not a refused row: those are in `errors`).
    error: str | None = Field(default=None, max_length=1000)


class ImportLine(BaseModel):
    line: int
    reasons: list[str]


class ImportJobRead(ImportJobBase):
    id: uuid.UUID
    # The refused lines in file order, at most `errors_limit` of them (`rows_refused` counts them all).
    errors: list[ImportLine] = []
    errors_limit: int


class PartnerAttachmentRead(AttachmentFields):
    """A file attached to a partner (minutes, an agreement, slides). `content_type` is what its bytes
    are, decided on upload; the file itself: `GET .../attachments/{id}`."""

    model_config = ConfigDict(from_attributes=True)

    partner_id: uuid.UUID


class PartnerAttachmentPage(BaseModel):
    items: list[PartnerAttachmentRead]
    next_cursor: str | None
    total: int
