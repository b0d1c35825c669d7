"""liaison.directory.v1: the people directory (the gateway's users), which officers and assignees name."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from services.kit.event_models.base import EventData

DIRECTORY_TOPIC = "liaison.directory.v1"
DIRECTORY_SOURCE = "/liaison/directory"


class UserState(EventData):
    """A person as they are after the change (created, updated, disabled)."""

    id: uuid.UUID
    username: str = Field(min_length=1)
    disabled: bool
    version: int = Field(ge=1)
    display_name: str | None = None
    email: str | None = None
    language: str | None = None
    teams: list[uuid.UUID] = Field(default_factory=list)
    updated_at: datetime | None = None


class UserUpdated(UserState):
    changed_fields: list[str] = Field(default_factory=list)


class UserDisabled(UserState):
    """A person disabled, and who takes over their open follow-ups when the admin named someone."""

    successor_id: uuid.UUID | None = None
    successor_username: str | None = None
    disabled_by: str | None = None
