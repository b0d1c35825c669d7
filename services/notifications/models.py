"""The notifications service's tables."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Column, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.kit.people import PersonCopyBase
from services.kit.types import UTCDateTime, utcnow


class Recipient(SQLModel, table=True):
    """A user as this service knows them: where and in which language to write, and the roles their
    identity carried when they last subscribed or set preferences (for restricted engagements)."""

    __tablename__ = "recipients"

    user: str = Field(primary_key=True, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    language: str = Field(default="fr", sa_type=String(2))
    # IANA name; times in their notifications are shown in it (none: the service's zone).
    timezone: str | None = Field(default=None, max_length=64)
    roles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    has_preferences: bool = False
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Subscription(SQLModel, table=True):
    __tablename__ = "subscriptions"
    __table_args__ = (
        UniqueConstraint("user", "kind", "target", name="uq_subscriptions_user_kind_target"),
        Index("ix_subscriptions_kind_target", "kind", "target"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user: str = Field(max_length=200, index=True)
    kind: str = Field(sa_type=String(32))
    target: str = Field(max_length=200)
    channels: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    rhythm: str = Field(default="immediate", sa_type=String(16))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class KnownPartner(SQLModel, table=True):
    """What this service needs of a partner (names for the messages, region for region subscriptions),
    kept from the partners service's events; `version` keeps an older event from undoing a newer one."""

    __tablename__ = "known_partners"

    id: uuid.UUID = Field(primary_key=True)
    name_fr: str | None = Field(default=None, max_length=300)
    name_en: str | None = Field(default=None, max_length=300)
    region: str | None = Field(default=None, max_length=32)
    merged_into: uuid.UUID | None = None
    version: int = 0
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Webhook(SQLModel, table=True):
    __tablename__ = "webhooks"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    owner: str = Field(max_length=200, index=True)
    url: str = Field(max_length=2000)
    secret: str = Field(max_length=200)
    event_types: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    description: str | None = Field(default=None, max_length=500)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Notification(SQLModel, table=True):
    """An in-app inbox entry. One per (trigger, user): a redelivered event cannot add a second."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("trigger_id", "user", name="uq_notifications_trigger_user"),
        Index("ix_notifications_user_created", "user", "created_at", "id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user: str = Field(max_length=200)
    trigger_id: str = Field(max_length=200)
    kind: str = Field(sa_type=String(32))
    event_type: str = Field(max_length=200)
    subject_id: str = Field(max_length=200)
    title: str = Field(max_length=500)
    body: str = Field(sa_column=Column(Text, nullable=False))
    link: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Delivery(SQLModel, table=True):
    """The delivery log: one row per (trigger, recipient, channel), whatever Kafka redelivers.

    `trigger_id` is the event id (or a reminder's or digest's own key); `recipient` a user or
    `webhook:<id>`. A row goes pending → in_progress (claimed under a lease) → sent, or back to
    pending with a later `next_attempt_at`, and failed after the last attempt (replayable).
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("trigger_id", "recipient", "channel", name="uq_deliveries_trigger_recipient_channel"),
        Index("ix_deliveries_due", "status", "next_attempt_at"),
        Index("ix_deliveries_created", "created_at", "id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    trigger_id: str = Field(max_length=200)
    trigger_type: str = Field(max_length=200)
    recipient: str = Field(max_length=200)
    channel: str = Field(sa_type=String(16))
    status: str = Field(default="pending", sa_type=String(16))
    # What goes out, fixed when the row is made, so a replay sends the very same thing:
    # the rendered email, or the CloudEvent JSON for a webhook.
    payload: str = Field(sa_column=Column(Text, nullable=False))
    notification_id: uuid.UUID | None = None
    attempts: int = 0
    # Rises with every outcome published (sent, failed, sent after a replay): the events' version.
    version: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claim_token: str | None = Field(default=None, max_length=64)
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The trace context of the handling that made the row (kit/tracing.py): the delivery continues it.
    traceparent: str | None = Field(default=None, max_length=64)


class DeliveryAttempt(SQLModel, table=True):
    __tablename__ = "delivery_attempts"

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("deliveries.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    number: int
    started_at: datetime = Field(sa_type=UTCDateTime)
    duration_ms: float
    ok: bool
    status_code: int | None = None
    error: str | None = Field(default=None, sa_column=Column(Text))


class Reminder(SQLModel, table=True):
    """A follow-up reminder waiting in the database (not in a timer), claimed once when due."""

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("followup_id", "kind", name="uq_reminders_followup_kind"),
        Index("ix_reminders_due", "status", "fire_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    followup_id: uuid.UUID
    engagement_id: uuid.UUID
    kind: str = Field(sa_type=String(16))  # due_soon | overdue | renewal (an agreement's; followup_id: its id)
    assignee: str = Field(max_length=200)
    description: str = Field(sa_column=Column(Text, nullable=False))
    due_on: date = Field(sa_type=Date)
    fire_at: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default="pending", sa_type=String(16))  # pending | sent | cancelled
    followup_version: int = 0
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Everyone the reminder goes to, when more than the assignee (an agreement's officers and author).
    recipients: list[str] | None = Field(default=None, sa_type=JSON)


class Person(PersonCopyBase, table=True):
    """A person of the directory (the gateway's users), kept from liaison.directory.v1 (kit/people.py)."""

    __tablename__ = "known_people"
