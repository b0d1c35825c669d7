"""The partners service's tables."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, LargeBinary, String, Text, Uuid
from sqlmodel import Field, SQLModel

from services.kit.attachments import AttachmentColumns
from services.kit.types import UTCDateTime, utcnow
from services.partners.schemas import ImportJobBase, PartnerBase, PartnerStatus


class Partner(PartnerBase, table=True):
    __tablename__ = "partners"
    __table_args__ = (
        Index("ix_partners_country", "country"),
        Index("ix_partners_sort", "sort_key", "id"),
        Index("ix_partners_owner_team", "owner_team_id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    acronyms: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    thrusts: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: PartnerStatus = Field(default=PartnerStatus.ACTIVE, sa_type=String(16))
    # Set once merged into another partner: this row is then only a redirect to that one.
    merged_into: uuid.UUID | None = Field(default=None, index=True)
    # The display name folded (no case, no accents): what lists are ordered by.
    sort_key: str = Field(default="", max_length=300)
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by: str | None = Field(default=None, max_length=200)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_by: str | None = Field(default=None, max_length=200)


class PartnerName(SQLModel, table=True):
    """Every name a partner is known by (names, acronyms, aliases), folded for search.

    The search indexes hang off this table: FTS5 tables kept by triggers on SQLite, trigram and
    full-text GIN indexes on PostgreSQL (see the 0002 migration).
    """

    __tablename__ = "partner_names"

    id: int | None = Field(default=None, primary_key=True)
    partner_id: uuid.UUID = Field(sa_column=Column(Uuid(), ForeignKey("partners.id"), nullable=False, index=True))
    source: str = Field(max_length=16)  # name_fr | name_en | acronym | alias
    name: str = Field(max_length=300)
    key: str = Field(max_length=300)


class PartnerThrust(SQLModel, table=True):
    """One row per (partner, thrust code): what the `thrust` filter looks up."""

    __tablename__ = "partner_thrusts"

    partner_id: uuid.UUID = Field(sa_column=Column(Uuid(), ForeignKey("partners.id"), primary_key=True))
    code: str = Field(max_length=100, primary_key=True, index=True)


class Relationship(SQLModel, table=True):
    __tablename__ = "relationships"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    partner_id: uuid.UUID = Field(sa_column=Column(Uuid(), ForeignKey("partners.id"), nullable=False, index=True))
    type: str = Field(max_length=16)
    target_id: uuid.UUID = Field(sa_column=Column(Uuid(), ForeignKey("partners.id"), nullable=False, index=True))
    membership_status: str | None = Field(default=None, max_length=16)
    since: date | None = None
    until: date | None = None
    # Every event about the relationship carries its next version (a merge moves it: removed, then added).
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by: str | None = Field(default=None, max_length=200)


class Contact(SQLModel, table=True):
    """A person at a partner: personal data, erased on request (DELETE /contacts/{id})."""

    __tablename__ = "contacts"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    partner_id: uuid.UUID = Field(sa_column=Column(Uuid(), ForeignKey("partners.id"), nullable=False, index=True))
    honorific: str | None = Field(default=None, max_length=50)
    name: str = Field(max_length=300)
    title: str | None = Field(default=None, max_length=300)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=16)
    preferred_language: str | None = Field(default=None, max_length=2)
    notes: str | None = Field(default=None, sa_column=Column(Text))
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by: str | None = Field(default=None, max_length=200)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_by: str | None = Field(default=None, max_length=200)


class ContactKey(SQLModel, table=True):
    """The key a contact's personal fields are sealed with on the bus; erasure deletes it (crypto-shredding)."""

    __tablename__ = "contact_keys"

    contact_id: uuid.UUID = Field(primary_key=True)
    key: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MandateRow(SQLModel, table=True):
    __tablename__ = "mandates"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: uuid.UUID = Field(
        sa_column=Column(Uuid(), ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    post: str = Field(max_length=300)
    partner_id: uuid.UUID = Field(sa_column=Column(Uuid(), ForeignKey("partners.id"), nullable=False, index=True))
    since: date | None = None
    until: date | None = None


class AuditEntry(SQLModel, table=True):
    """Who changed what, when: one row per change, field-level before/after in `changes`."""

    __tablename__ = "audit_entries"

    id: int | None = Field(default=None, primary_key=True)
    partner_id: uuid.UUID = Field(index=True)
    entity_type: str = Field(max_length=16)  # partner | contact | relationship
    entity_id: str = Field(max_length=64, index=True)
    action: str = Field(max_length=32)
    changes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    actor: str | None = Field(default=None, max_length=200)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ImportJob(ImportJobBase, table=True):
    __tablename__ = "import_jobs"
    __table_args__ = (Index("ix_import_jobs_due", "status", "lease_until"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    # The starter's roles: the worker creates the rows with the authority of whoever asked.
    started_roles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # The worker running the job holds it until `lease_until` and renews it with every batch.
    lease_token: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    failures: int = 0


class ImportFile(SQLModel, table=True):
    """The uploaded file, kept apart so that polling a job never reads it; deleted when the job ends."""

    __tablename__ = "import_files"

    job_id: uuid.UUID = Field(
        sa_column=Column(Uuid(), ForeignKey("import_jobs.id", ondelete="CASCADE"), primary_key=True)
    )
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class ImportRefusal(SQLModel, table=True):
    """A line of an import that was not created, and why."""

    __tablename__ = "import_refusals"
    __table_args__ = (Index("ix_import_refusals_job_line", "job_id", "line"),)

    id: int | None = Field(default=None, primary_key=True)
    job_id: uuid.UUID = Field(
        sa_column=Column(Uuid(), ForeignKey("import_jobs.id", ondelete="CASCADE"), nullable=False)
    )
    line: int
    reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class DuplicateDismissal(SQLModel, table=True):
    """A pair an administrator said is not a duplicate: the review queue never proposes it again.

    Stored with the smaller id first, so (a, b) and (b, a) are one row."""

    __tablename__ = "duplicate_dismissals"

    first_id: uuid.UUID = Field(sa_column=Column(Uuid(), ForeignKey("partners.id"), primary_key=True))
    second_id: uuid.UUID = Field(sa_column=Column(Uuid(), ForeignKey("partners.id"), primary_key=True))
    dismissed_by: str | None = Field(default=None, max_length=200)
    dismissed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PartnerAttachment(AttachmentColumns, table=True):
    """A file attached to a partner (minutes, an agreement, slides): the row names it, the file is in
    the service's blob store under `storage_key` (partners/<partner>/<attachment>). A merge moves the
    duplicate's rows to the survivor; the key stays what it was (it names the file, not the owner)."""

    __tablename__ = "partner_attachments"
    __table_args__ = (Index("ix_partner_attachments_partner", "partner_id", "uploaded_at"),)

    partner_id: uuid.UUID = Field(sa_column=Column(Uuid(), ForeignKey("partners.id"), nullable=False))
