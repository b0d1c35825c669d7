"""liaison.notifications.v1: what became of each notification (never its content nor an address)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from services.kit.event_models.base import EventData

NOTIFICATIONS_TOPIC = "liaison.notifications.v1"
NOTIFICATIONS_SOURCE = "/liaison/notifications"


class NotificationState(EventData):
    id: uuid.UUID
    trigger_id: str = Field(min_length=1)
    trigger_type: str = Field(min_length=1)
    recipient: str = Field(min_length=1)
    channel: str
    status: str
    attempts: int = Field(ge=0)
    notification_id: uuid.UUID | None = None
    sent_at: datetime | None = None
    last_error: str | None = None
    version: int | None = Field(default=None, ge=1)
