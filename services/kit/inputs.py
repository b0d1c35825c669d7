"""What every API accepts, checked once for all services (issue 10, defects 4 and 9).

Dates and datetimes: pydantic takes years 1 to 9999, but the databases, the calendar feed and the
reminder arithmetic (a day before, a week after) do not; year 1 or 9999 turned into 500s and lost
reminders. No ministry record is that old or that far ahead, so every date and datetime the services
accept lies between `EARLIEST_YEAR` and `LATEST_YEAR` (a 422 otherwise); a datetime with a zone by its
instant in UTC. The year as written is checked first: converting a time zone overflows at the ends of
the calendar.

Text: a NUL character is never meaningful in a name or a note; PostgreSQL refuses it (a 500) and SQLite
stores it. `NoNulText` refuses it in every string of a request body, nested or not.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, WithJsonSchema, model_validator

EARLIEST_YEAR = 1900
LATEST_YEAR = 2200
RANGE = f"between {EARLIEST_YEAR}-01-01 and {LATEST_YEAR}-12-31"
When = TypeVar("When", bound=date)


def in_range(value: When) -> When:
    """`value` itself when it lies in the range: a date by its year, a datetime with a zone by its instant
    (in UTC, so that it stays in range once converted), one without a zone as written."""
    if not EARLIEST_YEAR - 1 <= value.year <= LATEST_YEAR + 1:  # far from the ends: converting is safe
        raise ValueError(f"must be {RANGE}")
    if isinstance(value, datetime) and value.utcoffset() is not None:
        year = value.astimezone(UTC).year
    else:
        year = value.year
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise ValueError(f"must be {RANGE}" + (" (UTC)" if year != value.year else ""))
    return value


def _aware_utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("give a time zone (e.g. 2026-03-02T09:30:00-05:00 or ...Z)")
    return value.astimezone(UTC)


def _documented(format_: str, note: str = "") -> WithJsonSchema:
    # The OpenAPI says the range, so that a client learns it before its first 422.
    return WithJsonSchema({"type": "string", "format": format_, "description": f"{RANGE}{note}"})


# A calendar date (follow-up due dates, mandates, relationships, query filters).
Date = Annotated[date, AfterValidator(in_range), _documented("date")]
# A date and time with or without a zone (query filters, where a time without one is local time).
DateTime = Annotated[datetime, AfterValidator(in_range), _documented("date-time")]
# A date and time that must say its zone; handed on in UTC.
AwareDateTime = Annotated[
    datetime,
    AfterValidator(in_range),
    AfterValidator(_aware_utc),
    _documented("date-time", ", with its time zone (Z or an offset)"),
]


def nul_at(value: Any, where: str = "") -> str | None:
    """Where the first NUL character is in `value` (strings in dicts and lists, at any depth)."""
    if isinstance(value, str):
        return where or "value" if "\x00" in value else None
    items: Iterable[tuple[Any, Any]]
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list | tuple):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = nul_at(key, where) if isinstance(key, str) and "\x00" in key else None
        found = found or nul_at(item, f"{where}.{key}" if where else str(key))
        if found:
            return found
    return None


class NoNulText(BaseModel):
    """Base of every model a request body is read into: a NUL anywhere in its text is a 422."""

    @model_validator(mode="before")
    @classmethod
    def _refuse_nul(cls, data: Any) -> Any:
        where = nul_at(data)
        if where:
            raise ValueError(f"{where}: text must not contain the NUL character (U+0000)")
        return data
