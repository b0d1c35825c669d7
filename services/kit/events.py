"""The CloudEvents 1.0 envelope (structured JSON mode) every Liaison event travels in."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import to_jsonable_python

from services.kit.types import utcnow

CONTENT_TYPE = "application/cloudevents+json"


class CloudEvent(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(min_length=1)
    source: str = Field(min_length=1)
    type: str = Field(min_length=1)
    subject: str = Field(min_length=1)
    time: datetime
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str
    data: dict[str, Any]

    def to_json(self) -> str:
        return self.model_dump_json()


def dataschema_for(event_type: str) -> str:
    """The schema's path under contracts/ (DESIGN.md: Events)."""
    return f"events/{event_type}.json"


def new_event(*, type: str, source: str, subject: str, data: dict[str, Any] | BaseModel) -> CloudEvent:
    """`data`: the event type's model (services/kit/event_models): only the fields set go on the topic."""
    if isinstance(data, BaseModel):
        data = data.model_dump(mode="json", exclude_unset=True)
    return CloudEvent(
        id=str(uuid.uuid4()),
        source=source,
        type=type,
        subject=subject,
        time=utcnow(),
        dataschema=dataschema_for(type),
        data=to_jsonable_python(data),
    )


class MalformedEvent(ValueError):
    """A message that is not a CloudEvent we can read; it can never succeed, so it goes to the DLQ."""


def parse_event(raw: bytes | None) -> CloudEvent:
    if raw is None:
        raise MalformedEvent("empty message (tombstone)")
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedEvent(f"not JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise MalformedEvent("not a JSON object")
    try:
        return CloudEvent.model_validate(document)
    except ValueError as exc:
        raise MalformedEvent(f"not a CloudEvent: {exc}") from exc
