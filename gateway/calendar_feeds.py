"""Secret calendar addresses: made, listed and revoked by their person; read by anyone holding one.

The address carries its own credential (calendar programs send no Authorization header), so it
is a random secret of which only the SHA-256 is kept. Reading it mints, for that one read, an
access token for its person with the `viewer` role and asks the engagements service for that
person's calendar through the front door: the service's confidentiality rules apply as to any of
their reads (a restricted engagement's title only for its insiders), and the address can read
nothing but that one calendar. A revoked address, or one whose local account is disabled, is a 404.
"""

from __future__ import annotations

import secrets
import uuid
from urllib.parse import quote

import httpx
from sqlmodel import Session, col, select

from gateway.models import CalendarFeed, User
from gateway.settings import GatewaySettings
from gateway.tokens import digest, issue_access_token
from services.kit.problems import Conflict, NotFound
from services.kit.types import utcnow

MAX_ACTIVE_FEEDS = 10


def create_feed(*, session: Session, username: str) -> tuple[CalendarFeed, str]:
    """The feed and its secret; the secret is returned this once and only its hash is kept."""
    active = session.exec(
        select(CalendarFeed).where(col(CalendarFeed.username) == username, col(CalendarFeed.revoked_at).is_(None))
    ).all()
    if len(active) >= MAX_ACTIVE_FEEDS:
        raise Conflict(f"You have {MAX_ACTIVE_FEEDS} calendar addresses already: revoke one first.")
    secret = secrets.token_urlsafe(32)
    feed = CalendarFeed(username=username, secret_hash=digest(secret))
    session.add(feed)
    session.flush()
    return feed, secret


def list_feeds(*, session: Session, username: str) -> list[CalendarFeed]:
    return list(
        session.exec(
            select(CalendarFeed).where(col(CalendarFeed.username) == username).order_by(col(CalendarFeed.created_at))
        ).all()
    )


def revoke_feed(*, session: Session, username: str, feed_id: uuid.UUID) -> CalendarFeed:
    feed = session.get(CalendarFeed, feed_id)
    if feed is None or feed.username != username:
        raise NotFound(f"You have no calendar address {feed_id}.")
    if feed.revoked_at is None:
        feed.revoked_at = utcnow()
        session.add(feed)
    return feed


def feed_owner(*, session: Session, secret: str) -> str | None:
    """The person a live secret belongs to, None for anything else (unknown, revoked, disabled)."""
    if not secret or len(secret) > 200:
        return None
    feed = session.exec(
        select(CalendarFeed).where(
            col(CalendarFeed.secret_hash) == digest(secret), col(CalendarFeed.revoked_at).is_(None)
        )
    ).first()
    if feed is None:
        return None
    account = session.exec(select(User).where(col(User.username) == feed.username)).first()
    if account is not None and account.disabled:
        return None
    return feed.username


async def read_calendar(*, http: httpx.AsyncClient, settings: GatewaySettings, username: str) -> bytes | None:
    """`username`'s calendar as they may see it, through the front door; None when it cannot be read."""
    # Never stored: only the subject and roles of a token minted for this one read.
    reader = User(username=username, roles=["viewer"], password_hash="-")  # noqa: S106
    access = issue_access_token(settings=settings, user=reader, family_id=uuid.uuid4())
    upstream = await http.get(
        f"/api/v1/calendar/{quote(username, safe='')}.ics", headers={"Authorization": f"Bearer {access}"}
    )
    return upstream.content if upstream.status_code == 200 else None
