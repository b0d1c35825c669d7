"""What the partners API accepts and returns about a partner's people: contacts and their mandates
(API contract: the field names are public)."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import field_validator, model_validator
from sqlmodel import Field

from services.kit.inputs import Date, NoNulText

_E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class Language(StrEnum):
    FR = "fr"
    EN = "en"


class Mandate(NoNulText):
    """A post a person held: "Minister of Economic Affairs (Bavaria), 2018-2023"."""

    post: str = Field(min_length=1, max_length=300)
    partner_id: uuid.UUID | None = Field(default=None, description="Where; the contact's partner when absent")
    since: date | None = None
    until: date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Mandate:
        if self.since and self.until and self.until < self.since:
            raise ValueError("until must not be before since")
        return self


class MandateIn(Mandate):
    """A mandate as written to the API: its dates in the range (kit/inputs.py). Stored ones read as
    `Mandate`, whatever they hold."""

    since: Date | None = None
    until: Date | None = None


class _ContactChecks(NoNulText):
    @field_validator("email", check_fields=False)
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.match(value):
            raise ValueError("email must look like name@example.org")
        return value

    @field_validator("phone", check_fields=False)
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is not None and not _E164.match(value):
            raise ValueError("phone must be in E.164 form, like +4989123456")
        return value


class ContactCreate(_ContactChecks):
    honorific: str | None = Field(default=None, max_length=50)
    name: str = Field(min_length=1, max_length=300)
    title: str | None = Field(default=None, max_length=300)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=16)
    preferred_language: Language | None = None
    notes: str | None = Field(default=None, max_length=5000)
    mandates: list[MandateIn] = Field(default_factory=list, max_length=50)


class ContactUpdate(_ContactChecks):
    honorific: str | None = Field(default=None, max_length=50)
    name: str | None = Field(default=None, min_length=1, max_length=300)
    title: str | None = Field(default=None, max_length=300)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=16)
    preferred_language: Language | None = None
    notes: str | None = Field(default=None, max_length=5000)
    mandates: list[MandateIn] | None = Field(default=None, max_length=50)

    @model_validator(mode="after")
    def _required_stay_set(self) -> ContactUpdate:
        for name in ("name", "mandates"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class ContactRead(ContactCreate):
    mandates: list[Mandate] = Field(default_factory=list, max_length=50)  # type: ignore[assignment]
    id: uuid.UUID
    partner_id: uuid.UUID
    version: int
    created_at: datetime
    created_by: str | None
    updated_at: datetime
    updated_by: str | None
