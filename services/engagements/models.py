"""The engagements service's tables."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Column, ForeignKey, Index, String, Text, Uuid
from sqlmodel import Field, SQLModel

from services.kit.types import UTCDateTime, utcnow


class PartnerCopy(SQLModel, table=True):
    """This service's read copy of a partner, kept from the partners service's events.

    `version` is the partner's own version: an event older than what is here changes nothing,
    whatever order redeliveries come in. `merged_into` is set once the partner was merged into
    another: its id is then re-pointed to that survivor wherever it appears.
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
    merged_into: uuid.UUID | None = Field(default=None, sa_type=Uuid)

    def search_names(self) -> list[str]:
        return [n for n in (self.name_fr, self.name_en, *self.acronyms, *self.aliases) if n]


class PartnerRelationship(SQLModel, table=True):
    """Read copy of the partners' relationships: "Bavaria part_of Germany" is partner Bavaria, target Germany."""

    __tablename__ = "partner_relationships"
    __table_args__ = (Index("ix_partner_relationships_target", "target_id", "type"),)

    id: uuid.UUID = Field(primary_key=True)
    partner_id: uuid.UUID = Field(index=True)
    type: str = Field(sa_type=String(16))
    target_id: uuid.UUID
    membership_status: str | None = Field(default=None, max_length=32)
    since: date | None = None
    until: date | None = None


class Engagement(SQLModel, table=True):
    __tablename__ = "engagements"
    __table_args__ = (
        Index("ix_engagements_starts", "starts_at", "id"),
        Index("ix_engagements_mission", "mission_id"),
        Index("ix_engagements_created_by", "created_by"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    type: str = Field(sa_type=String(16))
    title: str = Field(max_length=300)
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    # Year and quarter of starts_at in America/Toronto, kept for facets and reports, which
    # SQLite could not compute in that time zone itself.
    local_year: int
    local_quarter: int
    location_city: str | None = Field(default=None, max_length=200)
    location_country: str | None = Field(default=None, max_length=2)
    partner_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    contact_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    officers: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    summary: str | None = Field(default=None, sa_column=Column(Text))
    notes: str | None = Field(default=None, sa_column=Column(Text))
    outcome: str | None = Field(default=None, sa_column=Column(Text))
    discussion_points: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    thrusts: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    confidentiality: str = Field(default="internal", sa_type=String(16))
    mission_id: uuid.UUID | None = Field(default=None, sa_column=Column(Uuid, ForeignKey("engagements.id")))
    agreement_status: str | None = Field(default=None, sa_type=String(16))
    signatories: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    signed_on: date | None = None
    effective_on: date | None = None
    expires_on: date | None = None
    # Title, summary, notes, outcome, discussion points and the partners' names, as one text:
    # what the full-text index reads (PostgreSQL: a generated tsvector column; SQLite: FTS5, see search.py).
    search_document: str = Field(default="", sa_column=Column(Text, nullable=False))
    created_by: str = Field(max_length=200)
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class EngagementPartner(SQLModel, table=True):
    """Which partners an engagement involves, as rows: history, filters and facets join on it."""

    __tablename__ = "engagement_partners"
    __table_args__ = (Index("ix_engagement_partners_partner", "partner_id", "engagement_id"),)

    engagement_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("engagements.id", ondelete="CASCADE"), primary_key=True)
    )
    partner_id: uuid.UUID = Field(primary_key=True)


class EngagementThrust(SQLModel, table=True):
    """An engagement's thrust codes with their top-level code, so a parent's count is one GROUP BY."""

    __tablename__ = "engagement_thrusts"
    __table_args__ = (
        Index("ix_engagement_thrusts_code", "code", "engagement_id"),
        Index("ix_engagement_thrusts_top", "top", "engagement_id"),
    )

    engagement_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("engagements.id", ondelete="CASCADE"), primary_key=True)
    )
    code: str = Field(primary_key=True, max_length=100)
    top: str = Field(max_length=100)


class EngagementOfficer(SQLModel, table=True):
    """Our people on an engagement (and its author): who may see it when it is restricted."""

    __tablename__ = "engagement_officers"
    __table_args__ = (Index("ix_engagement_officers_officer", "officer", "engagement_id"),)

    engagement_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("engagements.id", ondelete="CASCADE"), primary_key=True)
    )
    officer: str = Field(primary_key=True, max_length=200)


class FollowUp(SQLModel, table=True):
    __tablename__ = "follow_ups"
    __table_args__ = (Index("ix_follow_ups_assignee", "assignee", "status", "due_on"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    engagement_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("engagements.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    description: str = Field(sa_column=Column(Text, nullable=False))
    assignee: str = Field(max_length=200)
    due_on: date | None = None
    status: str = Field(default="open", sa_type=String(16))
    owed_by: str = Field(default="quebec", sa_type=String(16))
    created_by: str = Field(max_length=200)
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class IdempotencyRecord(SQLModel, table=True):
    """A write done under an Idempotency-Key: the same key again gets the same answer, not a second write."""

    __tablename__ = "idempotency_keys"

    caller: str = Field(primary_key=True, max_length=200)
    key: str = Field(primary_key=True, max_length=200)
    request_hash: str = Field(max_length=64)
    status_code: int
    response: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    headers: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
