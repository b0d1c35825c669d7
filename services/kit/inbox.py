"""The inbox: ids of events a consumer has handled, written in the handler's own transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from services.kit.types import UTCDateTime, utcnow


class InboxMessage(SQLModel, table=True):
    __tablename__ = "inbox"
    __table_args__ = (Index("ix_inbox_handled_at", "handled_at"),)

    event_id: str = Field(primary_key=True, max_length=64)
    consumer: str = Field(primary_key=True, max_length=100)
    event_type: str = Field(max_length=200)
    handled_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
