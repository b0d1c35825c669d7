"""Who is calling: an identity the gateway vouches for with an HMAC over the request line.

The gateway authenticates the caller, then adds these headers to what it forwards. A service
refuses any /api request whose headers it cannot verify, so nothing reaches a service around the
gateway's checks. The signature covers method, path and query (a signed identity cannot be
replayed on another request line) and a timestamp (nor an hour later).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass

from services.kit.roles import Role

USER_HEADER = "x-liaison-user"
ROLES_HEADER = "x-liaison-roles"
TIME_HEADER = "x-liaison-identity-time"
SIGNATURE_HEADER = "x-liaison-signature"
IDENTITY_HEADERS = frozenset({USER_HEADER, ROLES_HEADER, TIME_HEADER, SIGNATURE_HEADER})
MAX_SKEW_SECONDS = 60


@dataclass(frozen=True)
class Caller:
    user: str
    roles: frozenset[str] = frozenset()
    # The caller's team ids as a service's people copy says (kit/people.py), added by a service that
    # decides by team (engagements: restricted engagements shared with teams). Never signed nor sent:
    # the gateway vouches for user and roles only.
    teams: frozenset[str] = frozenset()

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    def has_any(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


class IdentityError(Exception):
    """The request's identity headers are missing, stale or forged."""


def _message(*, method: str, path: str, query: str, user: str, roles: str, timestamp: str) -> bytes:
    return "\n".join((method.upper(), path, query, user, roles, timestamp)).encode()


def _digest(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(
    caller: Caller, *, secret: str, method: str, path: str, query: str = "", now: float | None = None
) -> dict[str, str]:
    roles = ",".join(sorted(caller.roles))
    timestamp = str(int(now if now is not None else time.time()))
    signature = _digest(
        secret, _message(method=method, path=path, query=query, user=caller.user, roles=roles, timestamp=timestamp)
    )
    return {USER_HEADER: caller.user, ROLES_HEADER: roles, TIME_HEADER: timestamp, SIGNATURE_HEADER: signature}


def verify(
    headers: Mapping[str, str], *, secret: str, method: str, path: str, query: str = "", now: float | None = None
) -> Caller:
    try:
        user, roles, timestamp, signature = (
            headers[h] for h in (USER_HEADER, ROLES_HEADER, TIME_HEADER, SIGNATURE_HEADER)
        )
    except KeyError as missing:
        raise IdentityError(f"missing identity header {missing}") from None
    try:
        age = abs((now if now is not None else time.time()) - int(timestamp))
    except ValueError:
        raise IdentityError("identity timestamp is not a number") from None
    if age > MAX_SKEW_SECONDS:
        raise IdentityError("identity timestamp is too old or in the future")
    expected = _digest(
        secret, _message(method=method, path=path, query=query, user=user, roles=roles, timestamp=timestamp)
    )
    if not hmac.compare_digest(expected, signature):
        raise IdentityError("identity signature does not match")
    if not user:
        raise IdentityError("identity names no user")
    return Caller(user=user, roles=frozenset(r for r in roles.split(",") if r))
