"""liaison.engagements.v1: engagements and their follow-ups."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import Field

from services.kit.event_models.base import EventData

ENGAGEMENTS_TOPIC = "liaison.engagements.v1"
ENGAGEMENTS_SOURCE = "/liaison/engagements"


class EngagementState(EventData):
    """Two shapes: a restricted engagement carries id, confidentiality, version and created_by only;
    a public or internal one all of it. Everything but those four is therefore optional here."""

    id: uuid.UUID
    confidentiality: str = Field(min_length=1)
    version: int = Field(ge=1)
    created_by: str | None = None
    type: str | None = None
    title: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    location: Any = None
    partner_ids: list[uuid.UUID] = Field(default_factory=list)
    contact_ids: list[str] = Field(default_factory=list)
    officers: list[Any] = Field(default_factory=list)
    summary: str | None = None
    notes: str | None = None
    outcome: str | None = None
    discussion_points: list[Any] = Field(default_factory=list)
    thrusts: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    # Teams whose members see it when restricted (issue 13); a restricted event leaves it out.
    shared_with_teams: list[uuid.UUID] = Field(default_factory=list)
    mission_id: uuid.UUID | None = None
    agreement_status: str | None = None
    signatories: list[Any] = Field(default_factory=list)
    signed_on: date | None = None
    effective_on: date | None = None
    expires_on: date | None = None
    created_at: datetime | None = None
    updated_by: str | None = None
    updated_at: datetime | None = None


class EngagementUpdated(EngagementState):
    changed_fields: list[str] | None = None


class EngagementDeleted(EventData):
    """A tombstone: the version it had when deleted; partner_ids and thrusts absent when restricted."""

    id: uuid.UUID
    confidentiality: str = Field(min_length=1)
    version: int = Field(ge=1)
    created_by: str | None = None
    partner_ids: list[uuid.UUID] = Field(default_factory=list)
    thrusts: list[str] = Field(default_factory=list)
    deleted_by: str | None = None
    deleted_at: datetime | None = None


class FollowUpState(EventData):
    id: uuid.UUID
    engagement_id: uuid.UUID
    engagement_confidentiality: str | None = None
    description: str | None = None  # absent when the engagement is restricted
    assignee: str | dict[str, Any] | None = None
    due_on: date | None = None
    status: str = "open"
    owed_by: str | None = None
    version: int = Field(default=0, ge=0)
    created_by: str | None = None
    created_at: datetime | None = None
    updated_by: str | None = None
    updated_at: datetime | None = None
    completed_at: datetime | None = None


class FollowUpReassigned(FollowUpState):
    """The follow-up after its assignee or due date changed, what changed, and who had it before."""

    changed_fields: list[str] | None = None
    previous_assignee: str | None = None
