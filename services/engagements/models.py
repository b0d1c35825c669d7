"""The engagements service's tables.

No `from __future__ import annotations` here: SQLModel resolves the relationship's annotation at
class creation, which a postponed (string) annotation defeats.
"""

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, String, Text, Uuid
from sqlmodel import Field, Relationship, SQLModel

from services.engagements.schemas import EngagementBase, FollowUpBase, Location
from services.kit.attachments import AttachmentColumns
from services.kit.idempotency import IdempotencyRecordBase
from services.kit.people import PersonCopyBase
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
    # The relationship's version in the partners service (0: an event from before versions), and
    # whether it was removed: a removal stays as a tombstone so that an older event cannot revive it.
    version: int = 0
    removed: bool = False


class EngagementPartner(SQLModel, table=True):
    """The partners an engagement involves, in the order given: history, filters and facets join on it.

    `starts_at` is the engagement's (kept in step by `Engagement.name_partners`): a partner's history,
    newest first, is then the first rows of one index instead of all its engagements sorted.
    """

    __tablename__ = "engagement_partners"
    __table_args__ = (Index("ix_engagement_partners_recent", "partner_id", "starts_at", "engagement_id"),)

    engagement_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("engagements.id", ondelete="CASCADE"), primary_key=True)
    )
    partner_id: uuid.UUID = Field(primary_key=True)
    position: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    starts_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Engagement(EngagementBase, table=True):
    __tablename__ = "engagements"
    __table_args__ = (
        Index("ix_engagements_starts", "starts_at", "id"),
        Index("ix_engagements_mission", "mission_id"),
        Index("ix_engagements_created_by", "created_by"),
        Index("ix_engagements_drafts", "created_by", "draft"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    # Year and quarter of starts_at in the service's time zone, kept for facets and reports, which
    # SQLite could not compute in that time zone itself.
    local_year: int
    local_quarter: int
    location_city: str | None = Field(default=None, max_length=200)
    location_country: str | None = Field(default=None, max_length=2)
    # Title, summary, notes, outcome, discussion points and the partners' names, as one text:
    # what the full-text index reads (PostgreSQL: a generated tsvector column; SQLite: FTS5, see search.py).
    search_document: str = Field(default="", sa_column=Column(Text, nullable=False))
    created_by: str = Field(max_length=200)
    updated_by: str | None = Field(default=None, max_length=200)
    # Made from an e-mail (mail_in.py) and not yet confirmed by its author: seen by them alone, in no
    # list, count or report, and published to no one until `service.confirm_draft`.
    draft: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    partner_links: list[EngagementPartner] = Relationship(
        sa_relationship_kwargs={
            "order_by": "EngagementPartner.position",
            "cascade": "all, delete-orphan",
            "lazy": "selectin",  # a page of engagements loads its links in one more query
        }
    )

    @property
    def partner_ids(self) -> list[uuid.UUID]:
        return [link.partner_id for link in self.partner_links]

    def name_partners(self, partner_ids: Sequence[uuid.UUID]) -> None:
        """The engagement involves these partners, in this order (links kept, added or dropped).
        Called after every change of `starts_at` too: the links carry it (see EngagementPartner)."""
        kept = {link.partner_id: link for link in self.partner_links}
        links = []
        for position, partner_id in enumerate(dict.fromkeys(partner_ids)):
            # engagement_id is filled in when the link joins partner_links.
            link = kept.get(partner_id) or EngagementPartner(partner_id=partner_id)  # type: ignore[call-arg]
            link.position = position
            link.starts_at = self.starts_at
            links.append(link)
        self.partner_links = links

    @property
    def location(self) -> Location:
        return Location(city=self.location_city, country=self.location_country)


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


class EngagementTeam(SQLModel, table=True):
    """The teams a restricted engagement is shared with (`shared_with_teams`): their members see it."""

    __tablename__ = "engagement_teams"
    __table_args__ = (Index("ix_engagement_teams_team", "team_id", "engagement_id"),)

    engagement_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("engagements.id", ondelete="CASCADE"), primary_key=True)
    )
    team_id: uuid.UUID = Field(primary_key=True)


class FollowUp(FollowUpBase, table=True):
    __tablename__ = "follow_ups"
    __table_args__ = (Index("ix_follow_ups_assignee", "assignee", "status", "due_on"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    engagement_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("engagements.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    created_by: str = Field(max_length=200)
    updated_by: str | None = Field(default=None, max_length=200)
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class EngagementAuditEntry(SQLModel, table=True):
    """Who changed what, when: one row per change of an engagement or one of its follow-ups,
    field-level before/after in `changes` (as the partners service keeps its own).

    `restricted`: the engagement was restricted before or after the change; only its insiders
    then read the values (`audit.entries`). No foreign key: the trail outlives a deletion.
    """

    __tablename__ = "engagement_audit_entries"
    __table_args__ = (Index("ix_engagement_audit_entries_engagement_id", "engagement_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    engagement_id: uuid.UUID
    entity_type: str = Field(max_length=16)  # engagement | follow_up
    entity_id: str = Field(max_length=64)
    action: str = Field(max_length=32)
    changes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    restricted: bool = False
    actor: str | None = Field(default=None, max_length=200)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Attachment(AttachmentColumns, table=True):
    """A file attached to an engagement: the row names it, the file is in the service's blob store
    under `storage_key` (written before this row commits, deleted after the row is)."""

    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_engagement", "engagement_id", "uploaded_at"),)

    engagement_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("engagements.id", ondelete="CASCADE"), nullable=False)
    )


class ContactCopy(SQLModel, table=True):
    """A partner's contact as log by e-mail needs it: its partner and e-mail address (lower case), kept
    from liaison.partners.v1 (the address opened from the event's sealed block), deleted on erasure."""

    __tablename__ = "contact_copies"

    id: uuid.UUID = Field(primary_key=True)
    partner_id: uuid.UUID = Field(sa_type=Uuid)
    email: str | None = Field(default=None, max_length=320, index=True)
    version: int


class IdempotencyRecord(IdempotencyRecordBase, table=True):
    __tablename__ = "idempotency_keys"


class Person(PersonCopyBase, table=True):
    """A person of the directory (the gateway's users), kept from liaison.directory.v1 (kit/people.py)."""

    __tablename__ = "people"
