"""The web app's sessions and preferences. Functions take a session and never commit.

The browser holds a random id (cookie); the table holds its SHA-256, the person, a CSRF token and
the token family of the access tokens minted for it. Opening a session always makes a new id (no
fixation); a session idle longer than `web_session_idle_seconds`, or older than
`web_session_max_seconds`, is gone.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from gateway.models import User, UserPreference, WebSession
from gateway.settings import GatewaySettings
from gateway.tokens import digest, revoke_family
from services.kit.db import rowcount
from services.kit.types import utcnow

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
# Writing last_seen_at on every page would make each read a write; this much staleness is harmless.
TOUCH_EVERY = timedelta(seconds=30)


@dataclass(frozen=True)
class OpenSession:
    """What a request needs to know about its session."""

    id_hash: str
    username: str
    display_name: str | None
    roles: frozenset[str]
    csrf_token: str
    family_id: uuid.UUID
    lang: str | None  # the person's remembered choice, None when never made


def open_session(
    *, session: Session, settings: GatewaySettings, username: str, roles: list[str], via: str
) -> tuple[str, WebSession]:
    """A new session: returns the id for the cookie (never stored) and the row. Logins are rare
    enough to sweep the abandoned sessions here, and frequent enough to keep the table small."""
    purge_expired(session=session, settings=settings)
    session_id = secrets.token_urlsafe(32)
    now = utcnow()
    row = WebSession(
        id_hash=digest(session_id),
        username=username,
        roles=sorted(roles),
        via=via,
        csrf_token=secrets.token_urlsafe(32),
        family_id=uuid.uuid4(),
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(seconds=settings.web_session_max_seconds),
    )
    session.add(row)
    session.flush()
    return session_id, row


def load_session(*, session: Session, settings: GatewaySettings, session_id: str) -> OpenSession | None:
    """The session behind a cookie, None if there is none any more (ended, idle, expired, user disabled)."""
    row = session.get(WebSession, digest(session_id))
    if row is None:
        return None
    now = utcnow()
    if row.expires_at <= now or row.last_seen_at + timedelta(seconds=settings.web_session_idle_seconds) <= now:
        end_session(session=session, settings=settings, row=row)
        return None
    roles, display_name = frozenset(row.roles), None
    if row.via == "local":
        user = session.exec(select(User).where(User.username == row.username)).first()
        if user is None or user.disabled:
            end_session(session=session, settings=settings, row=row)
            return None
        roles, display_name = frozenset(user.roles), user.display_name
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        session.add(row)
    preference = session.get(UserPreference, row.username)
    return OpenSession(
        id_hash=row.id_hash,
        username=row.username,
        display_name=display_name,
        roles=roles,
        csrf_token=row.csrf_token,
        family_id=row.family_id,
        lang=preference.lang if preference else None,
    )


def end_session(*, session: Session, settings: GatewaySettings, row: WebSession) -> None:
    """Deletes the row and revokes the access tokens minted for it."""
    revoke_family(session=session, settings=settings, family_id=row.family_id)
    session.delete(row)


def end_session_by_id(*, session: Session, settings: GatewaySettings, session_id: str) -> uuid.UUID | None:
    """Logs out; returns the session's token family (None when there was no such session)."""
    row = session.get(WebSession, digest(session_id))
    if row is None:
        return None
    family_id = row.family_id
    end_session(session=session, settings=settings, row=row)
    return family_id


def purge_expired(*, session: Session, settings: GatewaySettings) -> int:
    """Deletes the sessions nobody can use any more (abandoned without logging out); returns how many.
    Their access tokens need no revocation: none is minted for a session that is over, and those
    minted before expire within `access_token_seconds`."""
    now = utcnow()
    idle_before = now - timedelta(seconds=settings.web_session_idle_seconds)
    result = session.execute(
        delete(WebSession).where((col(WebSession.expires_at) <= now) | (col(WebSession.last_seen_at) <= idle_before))
    )
    return rowcount(result)


def get_language(*, session: Session, username: str) -> str | None:
    preference = session.get(UserPreference, username)
    return preference.lang if preference else None


def set_language(*, session: Session, username: str, lang: str) -> None:
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}")
    preference = session.get(UserPreference, username) or UserPreference(username=username, lang=lang)
    preference.lang = lang
    preference.updated_at = utcnow()
    session.add(preference)
