"""The gateway's own tables: users, refresh tokens, API keys, revocations, web sessions and preferences."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Column, Index, String
from sqlmodel import Field, SQLModel

from gateway.schemas import UserBase
from services.kit.types import UTCDateTime, utcnow


class User(UserBase, table=True):
    __tablename__ = "users"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    username: str = Field(max_length=64, sa_type=String(64), unique=True)
    password_hash: str = Field(sa_type=String(200))
    roles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    disabled: bool = False
    # The ids of the teams they belong to (gateway/teams.py), as text.
    teams: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Team(SQLModel, table=True):
    """A team of the directory: people belong to one or more; partners have an owning one."""

    __tablename__ = "teams"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=200, sa_type=String(200), unique=True)
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RefreshToken(SQLModel, table=True):
    """One link of a rotation chain: each use replaces it by a new token of the same family."""

    __tablename__ = "refresh_tokens"
    __table_args__ = (Index("ix_refresh_tokens_family", "family_id"), Index("ix_refresh_tokens_user", "user_id"))

    id: uuid.UUID = Field(primary_key=True)
    family_id: uuid.UUID
    user_id: uuid.UUID = Field(foreign_key="users.id")
    secret_hash: str = Field(sa_type=String(64))
    issued_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_keys"

    id: str = Field(primary_key=True, max_length=32, sa_type=String(32))
    name: str = Field(max_length=200, sa_type=String(200))
    secret_hash: str = Field(sa_type=String(64))
    scopes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_by: str = Field(max_length=200, sa_type=String(200))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class RevokedToken(SQLModel, table=True):
    """An access token id, a token family or an API key that no worker may accept any more.

    Every worker polls this table, so a logout or a revocation reaches all of them within
    `revocation_poll_seconds`; rows are purged once what they name has expired anyway.
    """

    __tablename__ = "revoked_tokens"
    __table_args__ = (Index("ix_revoked_tokens_expires_at", "expires_at"),)

    token_id: str = Field(primary_key=True, max_length=64, sa_type=String(64))
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WebSession(SQLModel, table=True):
    """A browser's login to the web app. The cookie holds a random id; only its SHA-256 is stored,
    so a copy of this table opens no session. Deleting the row is what logging out means."""

    __tablename__ = "web_sessions"
    __table_args__ = (Index("ix_web_sessions_username", "username"), Index("ix_web_sessions_expires_at", "expires_at"))

    id_hash: str = Field(primary_key=True, max_length=64, sa_type=String(64))
    username: str = Field(max_length=200, sa_type=String(200))
    # Local users' roles are read from `users` on each request; OIDC users have no row there.
    roles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    via: str = Field(max_length=16, sa_type=String(16))  # "local" or "oidc"
    csrf_token: str = Field(max_length=64, sa_type=String(64))
    # The `fam` of the access tokens minted for this session: revoked with it at logout.
    family_id: uuid.UUID
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)  # absolute end, whatever the activity


class UserPreference(SQLModel, table=True):
    """Per person (local or OIDC, hence keyed by user name): the web app's language."""

    __tablename__ = "user_preferences"

    username: str = Field(primary_key=True, max_length=200, sa_type=String(200))
    lang: str = Field(max_length=8, sa_type=String(8))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CalendarFeed(SQLModel, table=True):
    """A person's secret calendar address (for Outlook or Google, which send no Authorization header).

    Only the SHA-256 of the secret is kept; the address is shown once, when made. Revoking it
    (`revoked_at`) ends it at once; the row stays, so the person's list says when.
    """

    __tablename__ = "calendar_feeds"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    username: str = Field(max_length=200, sa_type=String(200), index=True)
    secret_hash: str = Field(sa_type=String(64), unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
