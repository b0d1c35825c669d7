"""What every event's data model shares."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class EventData(BaseModel):
    # Producers may add fields; a consumer keeps what it does not know and never fails on it.
    model_config = ConfigDict(extra="allow", frozen=True)
