"""What the gateway's own API accepts and returns: users, API keys, tokens."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, field_validator
from sqlalchemy import String
from sqlmodel import Field, SQLModel

from gateway.policy import KEY_SCOPES, ROLES
from services.kit.inputs import NoNulText

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@\-]{1,63}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 12


def check_roles(values: list[str]) -> list[str]:
    unknown = sorted(set(values) - set(ROLES))
    if unknown:
        raise ValueError(f"unknown role(s) {unknown}; roles are {list(ROLES)}")
    return sorted(set(values))


def check_password(value: str) -> str:
    if len(value) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"a password has at least {MIN_PASSWORD_LENGTH} characters")
    return value


Language = Literal["fr", "en"]


def check_email(value: str | None) -> str | None:
    if value is not None and not _EMAIL.match(value):
        raise ValueError("an e-mail address looks like name@example.org")
    return value


class UserBase(SQLModel, NoNulText):
    username: str = Field(max_length=64, sa_type=String(64))
    display_name: str | None = Field(default=None, max_length=200)
    # The people directory's (gateway/directory.py): where notifications may write, in which language.
    email: str | None = Field(default=None, max_length=320, sa_type=String(320))
    language: Language | None = Field(default=None, sa_type=String(8))


class UserCreate(UserBase):
    password: str = Field(max_length=1024)
    roles: list[str] = Field(min_length=1)
    teams: list[uuid.UUID] = Field(default_factory=list, max_length=50)

    @field_validator("username")
    @classmethod
    def _username(cls, value: str) -> str:
        if not _USERNAME.match(value):
            raise ValueError("a username is 2-64 lower-case letters, digits, '.', '_', '-' or '@'")
        return value

    @field_validator("roles")
    @classmethod
    def _roles(cls, values: list[str]) -> list[str]:
        return check_roles(values)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return check_email(value)

    @field_validator("password")
    @classmethod
    def _password(cls, value: str) -> str:
        return check_password(value)


class UserUpdate(SQLModel, NoNulText):
    display_name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    language: Language | None = None

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return check_email(value)

    roles: list[str] | None = Field(default=None, min_length=1)
    password: str | None = Field(default=None, max_length=1024)
    disabled: bool | None = None
    teams: list[uuid.UUID] | None = Field(default=None, max_length=50)
    # With disabled=true: the username of who takes over the person's open follow-ups.
    successor: str | None = Field(default=None, max_length=64)

    @field_validator("roles")
    @classmethod
    def _roles(cls, values: list[str] | None) -> list[str] | None:
        return None if values is None else check_roles(values)

    @field_validator("password")
    @classmethod
    def _password(cls, value: str | None) -> str | None:
        return None if value is None else check_password(value)


class UserRead(UserBase):
    id: uuid.UUID
    roles: list[str]
    teams: list[uuid.UUID]
    disabled: bool
    version: int
    created_at: datetime
    updated_at: datetime


class TeamCreate(SQLModel, NoNulText):
    name: str = Field(min_length=1, max_length=200)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a team has a name")
        return value.strip()


class TeamUpdate(SQLModel, NoNulText):
    name: str | None = Field(default=None, min_length=1, max_length=200)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("a team has a name")
        return None if value is None else value.strip()


class PersonRead(SQLModel):
    """Someone officers and assignees may name (`GET /people`): no roles, no e-mail."""

    id: uuid.UUID
    username: str
    display_name: str
    teams: list[uuid.UUID]


class TeamRead(SQLModel):
    id: uuid.UUID
    name: str
    version: int
    members: list[str] = Field(default_factory=list, description="usernames")


class KeyCreate(SQLModel, NoNulText):
    name: str = Field(min_length=1, max_length=200)
    scopes: list[str] = Field(min_length=1)

    @field_validator("scopes")
    @classmethod
    def _scopes(cls, values: list[str]) -> list[str]:
        unknown = sorted(set(values) - set(KEY_SCOPES))
        if unknown:
            raise ValueError(f"unknown scope(s) {unknown}; scopes are {list(KEY_SCOPES)}")
        return sorted(set(values))


class KeyRead(SQLModel):
    id: str
    name: str
    scopes: list[str]
    created_by: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class KeyCreated(KeyRead):
    key: str = Field(description="The secret: shown this once, stored only hashed.")


class Page(BaseModel):
    items: list[Any]
    next_cursor: str | None


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 (the OAuth token type, not a secret)
    expires_in: int
    refresh_token: str
    refresh_expires_in: int


class CallerRead(BaseModel):
    user: str
    roles: list[str]
    via: str
