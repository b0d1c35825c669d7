"""The transactional outbox: an event row written in the same transaction as the change it reports."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, Session, SQLModel

from services.kit import tracing
from services.kit.bulk import insert_rows
from services.kit.db import table_of
from services.kit.events import CloudEvent
from services.kit.types import UTCDateTime, utcnow

OUTBOX_PENDING_KEY = "liaison.outbox.pending"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    SENT = "sent"
    # Gave up (too many attempts, or can never fit): blocks its key until an administrator
    # retries or skips it (`liaison outbox retry|skip`).
    FAILED = "failed"
    SKIPPED = "skipped"


UNSENT = (OutboxStatus.PENDING, OutboxStatus.IN_PROGRESS, OutboxStatus.FAILED)


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "available_at"),
        Index("ix_outbox_key", "key", "id"),
        Index("ix_outbox_sent_at", "sent_at"),
    )

    # None only until the INSERT: every row the relay reads has its id (typed so, for the code that uses it).
    id: int = Field(default=None, primary_key=True)
    event_id: str = Field(max_length=64, unique=True)
    event_type: str = Field(max_length=200)
    topic: str = Field(max_length=200)
    key: str = Field(max_length=200)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default=OutboxStatus.PENDING, max_length=16)
    # When the row may next be claimed: now for new rows, later after a failure (backoff),
    # or the end of the lease while a relay holds it.
    available_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    claim_token: str | None = Field(default=None, max_length=64)
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The trace context the event carries (kit/tracing.py): the relay's send span continues it.
    traceparent: str | None = Field(default=None, max_length=64)


def record_event(*, session: Session, event: CloudEvent, topic: str, key: str | None = None) -> OutboxMessage:
    """Add the event to the outbox of the session's transaction; it is published once that commits.

    The key is the event's subject (the aggregate id) unless given, so one aggregate's events stay
    in order: the relay never publishes a row while an older unsent row of its key exists.
    """
    event = tracing.stamp(event)
    message = OutboxMessage(
        event_id=event.id,
        event_type=event.type,
        topic=topic,
        key=key or event.subject,
        payload=event.to_json(),
        traceparent=tracing.traceparent_of(event.model_extra or {}),
    )
    session.add(message)
    session.info[OUTBOX_PENDING_KEY] = True
    return message


def record_events(*, session: Session, events: list[tuple[CloudEvent, str, str]]) -> None:
    """`record_event` for many (event, topic, key) at once: one bulk insert, in the given order (the
    relay publishes a key's rows in id order), in the session's transaction (issue 12: CSV imports)."""
    if not events:
        return
    now = utcnow()
    rows = []
    for event, topic, key in events:
        stamped = tracing.stamp(event)
        rows.append(
            {
                "event_id": stamped.id,
                "event_type": stamped.type,
                "topic": topic,
                "key": key,
                "payload": stamped.to_json(),
                "status": OutboxStatus.PENDING.value,
                "available_at": now,
                "attempts": 0,
                "created_at": now,
                "traceparent": tracing.traceparent_of(stamped.model_extra or {}),
            }
        )
    insert_rows(session, table_of(OutboxMessage), rows)
    session.info[OUTBOX_PENDING_KEY] = True
