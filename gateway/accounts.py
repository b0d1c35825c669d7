"""Local users (argon2 password hashes) and integrations' API keys. Functions take a session and never commit."""

from __future__ import annotations

import base64
import secrets
import uuid
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, select

from gateway import directory, teams
from gateway.models import ApiKey, User
from gateway.schemas import KeyCreate, UserCreate, UserUpdate
from gateway.settings import GatewaySettings
from gateway.tokens import digest, revoke_user_tokens
from services.kit import cursors
from services.kit.preconditions import check_version
from services.kit.problems import Conflict, NotFound, Problem
from services.kit.roles import Role
from services.kit.types import utcnow

KEY_PREFIX = "lia_"
ADMIN_USERNAME = "admin"


@lru_cache(maxsize=1)
def hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id with the library's current recommended parameters


@lru_cache(maxsize=1)
def _decoy_hash() -> str:
    return hasher().hash(secrets.token_urlsafe(16))


def create_user(*, session: Session, data: UserCreate, user_id: uuid.UUID | None = None) -> User:
    """`user_id`: only for loaders that need stable ids (demo data)."""
    if session.exec(select(User.id).where(User.username == data.username)).first() is not None:
        raise Conflict(f"A user named {data.username!r} already exists.")
    user = User(
        id=user_id or uuid.uuid4(),
        username=data.username,
        display_name=data.display_name,
        email=data.email,
        language=data.language,
        teams=teams.check_teams(session=session, team_ids=data.teams),
        roles=data.roles,
        password_hash=hasher().hash(data.password),
    )
    session.add(user)
    session.flush()
    directory.record_user_created(session=session, user=user)
    return user


def get_user(*, session: Session, username: str) -> User:
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFound(f"No user is named {username!r}.")
    return user


def list_users(*, session: Session, cursor: str | None, limit: int) -> tuple[list[User], str | None]:
    """A page in username order, and the cursor of the next one (None at the end)."""
    query = select(User).order_by(User.username).limit(limit + 1)
    if cursor:
        (after,) = cursors.decode(cursor, str)
        query = query.where(User.username > after)
    users = list(session.exec(query))
    next_cursor = cursors.encode(users[limit - 1].username) if len(users) > limit else None
    return users[:limit], next_cursor


def update_user(
    *,
    session: Session,
    settings: GatewaySettings,
    username: str,
    data: UserUpdate,
    expected_version: int | None,
    changed_by: str | None = None,
) -> User:
    user = get_user(session=session, username=username)
    check_version(user.version, expected_version, what="user")
    changes = data.model_dump(exclude_unset=True)
    successor = _successor(session=session, user=user, data=changes.pop("successor", None), disabling=data.disabled)
    if "password" in changes:
        user.password_hash = hasher().hash(changes.pop("password"))
    was_disabled = user.disabled
    if changes.get("teams") is not None:
        changes["teams"] = teams.check_teams(session=session, team_ids=changes["teams"])
    changed = [f for f, value in changes.items() if value is not None and getattr(user, f) != value]
    for field in changed:
        setattr(user, field, changes[field])
    # A disabled user, a new password or other roles: the sessions opened before end now.
    if data.disabled or data.password is not None or data.roles is not None:
        revoke_user_tokens(session=session, settings=settings, user=user)
    user.version += 1
    user.updated_at = utcnow()
    session.add(user)
    directory.record_user_changed(
        session=session,
        user=user,
        changed_fields=changed,
        disabled_now=user.disabled and not was_disabled,
        successor=successor,
        changed_by=changed_by,
    )
    return user


class BadSuccessor(Problem):
    status = 422
    title = "Unprocessable content"


def _successor(*, session: Session, user: User, data: str | None, disabling: bool | None) -> User | None:
    """Who takes over a person's open follow-ups when they are disabled: an enabled other user."""
    if data is None:
        return None
    reason = None
    successor = session.exec(select(User).where(User.username == data)).first()
    if not disabling or user.disabled:
        reason = "a successor is named only when disabling an enabled user"
    elif successor is None or successor.disabled or successor.id == user.id:
        reason = "the successor is another enabled user"
    if reason:
        raise BadSuccessor(
            f"successor: {reason}.",
            errors=[{"location": ["body", "successor"], "message": reason, "type": "bad_successor"}],
        )
    return successor


def authenticate(*, session: Session, username: str, password: str) -> User | None:
    user = session.exec(select(User).where(User.username == username)).first()
    try:
        # An unknown user costs the same hash as a known one: timing does not tell who exists.
        hasher().verify(user.password_hash if user else _decoy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or user.disabled:
        return None
    if hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hasher().hash(password)
        session.add(user)
    return user


def bootstrap_admin(*, session: Session, password: str) -> User | None:
    """The first user, on a database that has none; None when there are users already."""
    if session.exec(select(User.id)).first() is not None:
        return None
    user = User(
        username=ADMIN_USERNAME,
        display_name="Administrator",
        roles=[Role.ADMIN.value],
        password_hash=hasher().hash(password),
    )
    session.add(user)
    session.flush()
    directory.record_user_created(session=session, user=user)
    return user


def new_key_id() -> str:
    return base64.b32encode(secrets.token_bytes(10)).decode().lower()  # 16 characters, no '_' or '.'


def split_key(presented: str) -> tuple[str, str] | None:
    if not presented.startswith(KEY_PREFIX):
        return None
    key_id, sep, secret = presented[len(KEY_PREFIX) :].partition("_")
    return (key_id, secret) if sep and key_id and secret else None


def create_key(*, session: Session, data: KeyCreate, created_by: str) -> tuple[ApiKey, str]:
    """The key and its secret; the secret is returned this once and only its hash is kept."""
    key_id, secret = new_key_id(), secrets.token_urlsafe(32)
    key = ApiKey(id=key_id, name=data.name, scopes=data.scopes, created_by=created_by, secret_hash=digest(secret))
    session.add(key)
    session.flush()
    return key, f"{KEY_PREFIX}{key_id}_{secret}"


def get_key(*, session: Session, key_id: str) -> ApiKey:
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFound(f"No API key has the id {key_id!r}.")
    return key


def list_keys(*, session: Session, cursor: str | None, limit: int) -> tuple[list[ApiKey], str | None]:
    """A page in id order, and the cursor of the next one (None at the end)."""
    query = select(ApiKey).order_by(ApiKey.id).limit(limit + 1)
    if cursor:
        (after,) = cursors.decode(cursor, str)
        query = query.where(ApiKey.id > after)
    keys = list(session.exec(query))
    next_cursor = cursors.encode(keys[limit - 1].id) if len(keys) > limit else None
    return keys[:limit], next_cursor


def revoke_key(*, session: Session, key_id: str) -> ApiKey:
    key = get_key(session=session, key_id=key_id)
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.add(key)
    return key
