"""What the notifications API accepts and returns (API contract: the field names are public)."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from services.kit.inputs import NoNulText
from services.kit.thrusts import taxonomy


class Channel(StrEnum):
    EMAIL = "email"
    WEBHOOK = "webhook"
    INBOX = "inbox"


class Rhythm(StrEnum):
    IMMEDIATE = "immediate"
    DAILY = "daily"


class SubscriptionKind(StrEnum):
    PARTNER = "partner"
    THRUST = "thrust"
    REGION = "region"
    ENGAGEMENT_TYPE = "engagement_type"


class Language(StrEnum):
    FR = "fr"
    EN = "en"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    HELD = "held"  # a daily-rhythm item waiting for the digest
    DIGESTED = "digested"  # went out inside a digest
    SENT = "sent"
    FAILED = "failed"


# The partners service's regions and the engagements service's types (DESIGN.md); kept as values
# here because services share contracts, not code.
REGIONS = (
    "north-america",
    "latin-america-caribbean",
    "europe",
    "africa",
    "middle-east-north-africa",
    "asia-pacific",
    "arctic",
    "global",
)
ENGAGEMENT_TYPES = ("meeting", "mission", "call", "event", "agreement", "correspondence", "visit")
# What a webhook may ask for: the event types this service consumes.
WEBHOOK_EVENT_TYPES = (
    "liaison.engagement.logged",
    "liaison.engagement.updated",
    "liaison.engagement.deleted",
    "liaison.followup.created",
    "liaison.followup.completed",
    "liaison.followup.reassigned",
)
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


def _unique(values: list[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


class SubscriptionBase(NoNulText):
    kind: SubscriptionKind
    target: str = Field(
        min_length=1,
        max_length=200,
        description="partner id, thrust code (a parent covers its children), region or engagement type",
    )
    channels: list[Channel] = Field(min_length=1, max_length=3)
    rhythm: Rhythm = Rhythm.IMMEDIATE


class SubscriptionCreate(SubscriptionBase):
    @field_validator("channels")
    @classmethod
    def _no_repeats(cls, channels: list[Channel]) -> list[Channel]:
        return _unique(channels)

    @model_validator(mode="after")
    def _target_fits_kind(self) -> SubscriptionCreate:
        target = self.target.strip()
        if self.kind is SubscriptionKind.PARTNER:
            try:
                target = str(uuid.UUID(target))
            except ValueError:
                raise ValueError("a partner subscription's target is the partner id (a UUID)") from None
        elif self.kind is SubscriptionKind.THRUST:
            if target not in taxonomy():
                raise ValueError(f"{target!r} is not a policy thrust code")
        elif self.kind is SubscriptionKind.REGION:
            if target not in REGIONS:
                raise ValueError(f"region must be one of {', '.join(REGIONS)}")
        elif target not in ENGAGEMENT_TYPES:
            raise ValueError(f"engagement type must be one of {', '.join(ENGAGEMENT_TYPES)}")
        self.target = target
        return self


class SubscriptionRead(SubscriptionBase):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    user: str
    created_at: datetime
    target_label: dict[Language, str] | None = Field(
        default=None,
        description="in lists: what is followed, named in French and English (a partner this service "
        "has not heard of yet has none)",
    )


class PreferencesUpdate(NoNulText):
    email: str | None = Field(default=None, max_length=320)
    language: Language = Language.FR
    timezone: str | None = Field(
        default=None, max_length=64, description="IANA time zone for the times in your notifications"
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError("unknown time zone; use an IANA name such as America/Toronto") from None
        return value

    @field_validator("email")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if not _EMAIL.match(value):
            raise ValueError("not an email address")
        return value


class PreferencesRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    user: str
    email: str | None
    language: Language
    timezone: str | None = None
    updated_at: datetime | None = None


class NotificationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: str
    event_type: str
    subject_id: str
    title: str
    body: str
    link: str | None
    created_at: datetime
    read_at: datetime | None


class WebhookCreate(NoNulText):
    url: str = Field(max_length=2000)
    secret: str = Field(min_length=16, max_length=200, description="shared with the receiver; never shown again")
    event_types: list[str] = Field(min_length=1, max_length=len(WEBHOOK_EVENT_TYPES))
    description: str | None = Field(default=None, max_length=500)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("the URL must be http(s)://host/...")
        return value

    @field_validator("event_types")
    @classmethod
    def _known_types(cls, values: list[str]) -> list[str]:
        unknown = [v for v in values if v not in WEBHOOK_EVENT_TYPES]
        if unknown:
            raise ValueError(f"unknown event type(s) {unknown}; choose among {list(WEBHOOK_EVENT_TYPES)}")
        return _unique(values)


class WebhookRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    owner: str
    url: str
    event_types: list[str]
    description: str | None
    created_at: datetime


class DeliveryAttemptRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int
    started_at: datetime
    duration_ms: float
    ok: bool
    status_code: int | None
    error: str | None


class DeliveryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    trigger_id: str
    trigger_type: str
    recipient: str
    channel: Channel
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    notification_id: uuid.UUID | None
    created_at: datetime
    sent_at: datetime | None


class DeliveryDetail(DeliveryRead):
    log: list[DeliveryAttemptRead] = []


class Page(BaseModel):
    items: list[Any]
    next_cursor: str | None = None
    total: int


class SubscriptionPage(Page):
    items: list[SubscriptionRead]


class NotificationPage(Page):
    items: list[NotificationRead]
    unread: int
