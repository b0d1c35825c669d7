"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Always UTC and timezone-aware in Python, whatever the database keeps.

    SQLite has no time zones and hands back naive datetimes; PostgreSQL's timestamptz does.
    Refusing naive input here stops a local time from being stored as if it were UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:  # noqa: ARG002 (TypeDecorator API)
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: give a timezone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:  # noqa: ARG002 (TypeDecorator API)
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class UUIDList(TypeDecorator[list[uuid.UUID]]):
    """A list of UUIDs in a JSON column: strings in the database, `uuid.UUID`s in Python."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: list[uuid.UUID] | None, dialect: Any) -> list[str] | None:  # noqa: ARG002 (TypeDecorator API)
        return None if value is None else [str(item) for item in value]

    def process_result_value(self, value: list[str] | None, dialect: Any) -> list[uuid.UUID] | None:  # noqa: ARG002 (TypeDecorator API)
        return None if value is None else [uuid.UUID(item) for item in value]
