"""What the partners API accepts and returns (API contract: the field names are public)."""
from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import field_validator, model_validator
from sqlalchemy import String
from sqlmodel import Field, SQLModel


class PartnerKind(StrEnum):
    STATE = "state"
    FEDERATED_STATE = "federated_state"
    INTERNATIONAL_ORGANIZATION = "international_organization"
    FORUM = "forum"
    NGO = "ngo"
    COMPANY = "company"
    ACADEMIC = "academic"
    CULTURAL = "cultural"
    GOVERNMENT_AGENCY = "government_agency"
    OTHER = "other"


class Region(StrEnum):
    NORTH_AMERICA = "north-america"
    LATIN_AMERICA_CARIBBEAN = "latin-america-caribbean"
    EUROPE = "europe"
    AFRICA = "africa"
    MIDDLE_EAST_NORTH_AFRICA = "middle-east-north-africa"
    ASIA_PACIFIC = "asia-pacific"
    ARCTIC = "arctic"
    GLOBAL = "global"


class PartnerStatus(StrEnum):
    ACTIVE = "active"
    ARCHIVED = "archived"


def _clean_names(values: list[str]) -> list[str]:
    cleaned: list[str] = []
    for value in values:
        value = value.strip()
        if value and value not in cleaned:
            cleaned.append(value)
    return cleaned


class PartnerBase(SQLModel):
    # Enums are stored as their plain values (sa_type), not as database enum types holding names.
    kind: PartnerKind = Field(sa_type=String(32))
    name_fr: str | None = Field(default=None, min_length=1, max_length=300)
    name_en: str | None = Field(default=None, min_length=1, max_length=300)
    country: str | None = Field(default=None, max_length=2, description="ISO 3166-1 alpha-2, upper case")
    region: Region | None = Field(default=None, sa_type=String(32))
    website: str | None = Field(default=None, max_length=500)


    @field_validator("country")
    @classmethod
    def _country_code(cls, value: str | None) -> str | None:
        if value is not None and not (len(value) == 2 and value.isascii() and value.isalpha() and value.isupper()):
            raise ValueError("country must be an ISO 3166-1 alpha-2 code in upper case, like DE")
        return value


class PartnerCreate(PartnerBase):
    acronyms: list[str] = Field(default_factory=list, max_length=20)
    aliases: list[str] = Field(default_factory=list, max_length=50)

    @field_validator("acronyms", "aliases")
    @classmethod
    def _strip(cls, values: list[str]) -> list[str]:
        return _clean_names(values)

    @model_validator(mode="after")
    def _named(self) -> "PartnerCreate":
        if not (self.name_fr or self.name_en):
            raise ValueError("a partner needs name_fr or name_en (or both)")
        return self


class PartnerRead(PartnerBase):
    id: uuid.UUID
    acronyms: list[str]
    aliases: list[str]
    status: PartnerStatus
    version: int
    created_at: datetime
    updated_at: datetime
