"""The built-in issuer: short-lived access tokens (JWT, HS256) and rotating refresh tokens.

A refresh token is `<id>.<secret>`; only a SHA-256 of the secret is stored. Each use replaces it
by a new token of the same family. Presenting a token that was already used means it was copied:
the whole family is revoked, and so are the access tokens issued from it (they carry `fam`).
Functions take a session and never commit.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt
from sqlmodel import Session, col, select

from gateway.models import RefreshToken, RevokedToken, User
from gateway.settings import GatewaySettings
from services.kit.types import utcnow

ACCESS_ALGORITHM = "HS256"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    expires_in: int
    refresh_token: str
    refresh_expires_in: int


def issue_access_token(
    *, settings: GatewaySettings, user: User, family_id: uuid.UUID, now: datetime | None = None
) -> str:
    now = now or utcnow()
    claims = {
        "iss": settings.token_issuer,
        "sub": user.username,
        "roles": sorted(user.roles),
        "iat": int(now.timestamp()),
        "exp": int(now.timestamp()) + settings.access_token_seconds,
        "jti": uuid.uuid4().hex,
        "fam": family_id.hex,
        "typ": "access",
    }
    return jwt.encode(claims, settings.token_key(), algorithm=ACCESS_ALGORITHM)


def decode_access_token(token: str, *, settings: GatewaySettings) -> dict[str, Any]:
    """Raises jwt.InvalidTokenError unless the token is ours, intact and current."""
    claims = jwt.decode(
        token,
        settings.token_key(),
        algorithms=[ACCESS_ALGORITHM],
        issuer=settings.token_issuer,
        options={"require": ["exp", "iat", "sub", "jti", "fam"]},
    )
    if claims.get("typ") != "access":
        raise jwt.InvalidTokenError("not an access token")
    return claims


def issue_tokens(
    *, session: Session, settings: GatewaySettings, user: User, family_id: uuid.UUID | None = None
) -> IssuedTokens:
    now = utcnow()
    family_id = family_id or uuid.uuid4()
    secret = secrets.token_urlsafe(32)
    refresh = RefreshToken(
        id=uuid.uuid4(),
        family_id=family_id,
        user_id=user.id,
        secret_hash=digest(secret),
        issued_at=now,
        expires_at=now + timedelta(seconds=settings.refresh_token_seconds),
    )
    session.add(refresh)
    return IssuedTokens(
        access_token=issue_access_token(settings=settings, user=user, family_id=family_id, now=now),
        expires_in=settings.access_token_seconds,
        refresh_token=f"{refresh.id.hex}.{secret}",
        refresh_expires_in=settings.refresh_token_seconds,
    )


@dataclass(frozen=True)
class Rotation:
    tokens: IssuedTokens | None
    refused: str | None = None  # why, when tokens is None
    reuse_detected: bool = False


def rotate(*, session: Session, settings: GatewaySettings, presented: str) -> Rotation:
    """Trades a refresh token for new tokens. Never raises for a bad token: a detected reuse must
    revoke the family, and that revocation has to commit even though the caller is refused."""
    token_id, _, secret = presented.partition(".")
    try:
        stored = session.get(RefreshToken, uuid.UUID(hex=token_id))
    except ValueError:
        stored = None
    if stored is None or not hmac.compare_digest(stored.secret_hash, digest(secret)):
        return Rotation(None, "unknown refresh token")
    now = utcnow()
    if stored.revoked_at is not None:
        return Rotation(None, "refresh token revoked")
    if stored.used_at is not None:
        revoke_family(session=session, settings=settings, family_id=stored.family_id)
        return Rotation(
            None, "refresh token already used: every token of its family is now revoked", reuse_detected=True
        )
    if stored.expires_at <= now:
        return Rotation(None, "refresh token expired")
    user = session.get(User, stored.user_id)
    if user is None or user.disabled:
        return Rotation(None, "user disabled")
    stored.used_at = now
    session.add(stored)
    return Rotation(issue_tokens(session=session, settings=settings, user=user, family_id=stored.family_id))


def revoke_family(*, session: Session, settings: GatewaySettings, family_id: uuid.UUID) -> None:
    now = utcnow()
    for token in session.exec(
        select(RefreshToken).where(RefreshToken.family_id == family_id, col(RefreshToken.revoked_at).is_(None))
    ):
        token.revoked_at = now
        session.add(token)
    # Access tokens of the family live at most this long; the row can go after that.
    revoke_token_id(
        session=session, token_id=family_id.hex, expires_at=now + timedelta(seconds=settings.access_token_seconds)
    )


def revoke_user_tokens(*, session: Session, settings: GatewaySettings, user: User) -> None:
    families = session.exec(
        select(RefreshToken.family_id).where(RefreshToken.user_id == user.id, col(RefreshToken.revoked_at).is_(None))
    ).all()
    for family_id in set(families):
        revoke_family(session=session, settings=settings, family_id=family_id)


def revoke_token_id(*, session: Session, token_id: str, expires_at: datetime) -> None:
    if session.get(RevokedToken, token_id) is None:
        session.add(RevokedToken(token_id=token_id, expires_at=expires_at))


def logout(*, session: Session, settings: GatewaySettings, claims: dict[str, Any]) -> None:
    """Ends the session the access token belongs to: its family (refresh tokens) and the token itself."""
    revoke_family(session=session, settings=settings, family_id=uuid.UUID(hex=claims["fam"]))
    revoke_token_id(
        session=session, token_id=claims["jti"], expires_at=datetime.fromtimestamp(claims["exp"], tz=utcnow().tzinfo)
    )
