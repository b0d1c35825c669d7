"""Who is calling: a local access token, an OIDC token or an API key -> a `Principal`.

This runs on every request, so it touches no database: tokens are verified with their keys,
API keys are looked up once and then cached, and what was revoked (logged-out tokens, token
families, disabled users, revoked keys) is a set in memory that every worker refreshes from the
database every `revocation_poll_seconds`. The worker that revokes something updates its own sets
at once. API keys' last use is written back by the same poll, not by each request.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import jwt
from sqlalchemy import delete, update
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col, select

from gateway.accounts import split_key
from gateway.models import ApiKey, RevokedToken, User
from gateway.oidc import OidcError, OidcVerifier
from gateway.policy import INTEGRATION
from gateway.settings import GatewaySettings
from gateway.tokens import ACCESS_ALGORITHM, decode_access_token, digest
from services.kit.identity import Caller
from services.kit.types import utcnow

log = logging.getLogger("liaison.gateway.auth")
MAX_VERIFIED_TOKENS = 10_000


class AuthError(Exception):
    """No usable credential: the client gets 401 with this reason."""


@dataclass(frozen=True)
class Principal:
    caller: Caller
    via: str  # "token" (local user), "oidc" or "key"
    scopes: frozenset[str] | None = None  # API keys only
    claims: dict[str, Any] | None = None  # local access tokens only (logout needs jti and fam)
    expires: float = 0.0  # OIDC tokens: their exp

    @property
    def bucket(self) -> str:
        return self.caller.user


@dataclass(frozen=True)
class _CachedKey:
    secret_hash: str
    scopes: frozenset[str]


class Authenticator:
    def __init__(self, settings: GatewaySettings, sessions: sessionmaker[Session], oidc: OidcVerifier | None) -> None:
        self.settings = settings
        self.sessions = sessions
        self.oidc = oidc
        self.revoked_ids: frozenset[str] = frozenset()
        self.disabled_users: frozenset[str] = frozenset()
        self.revoked_keys: frozenset[str] = frozenset()
        self._keys: dict[str, _CachedKey] = {}
        # token -> (exp, principal): a token's signature is checked once, not on each of its requests.
        self._verified: dict[str, tuple[float, Principal]] = {}
        self._key_uses: dict[str, datetime] = {}
        # Revoked here, kept apart from the polled sets: a poll that read the database just before
        # this worker's own commit must not bring a token it revoked back to life.
        self._revoked_here: dict[str, float] = {}
        self._keys_revoked_here: set[str] = set()
        self._users_disabled_here: set[str] = set()

    async def authenticate(self, authorization: str | None, api_key: str | None) -> Principal:
        if api_key:
            return await self._api_key(api_key)
        if not authorization:
            raise AuthError("no credentials: send 'Authorization: Bearer <token>' or 'X-API-Key'")
        scheme, _, credential = authorization.partition(" ")
        credential = credential.strip()
        if scheme.lower() != "bearer" or not credential:
            raise AuthError("the Authorization header must be 'Bearer <token>'")
        if credential.startswith("lia_"):
            return await self._api_key(credential)
        verified = self._verified.get(credential)
        if verified is not None and verified[0] > time.time():
            # Checked again on every use: revocation is not cached, only the signature's verdict.
            return self._still_valid(verified[1])
        principal = await self._verify(credential)
        if len(self._verified) >= MAX_VERIFIED_TOKENS:
            self._verified.clear()
        expires = (principal.claims or {}).get("exp") or principal.expires
        self._verified[credential] = (float(expires), principal)
        return principal

    def _still_valid(self, principal: Principal) -> Principal:
        claims = principal.claims
        if claims is not None:
            self._check_revocation(claims)
        return principal

    async def _verify(self, credential: str) -> Principal:
        try:
            algorithm = jwt.get_unverified_header(credential).get("alg")
        except jwt.InvalidTokenError:
            raise AuthError("malformed token") from None
        if algorithm == ACCESS_ALGORITHM:
            return self._local_token(credential)
        if self.oidc is not None:
            try:
                user, roles, expires = await self.oidc.verify(credential)
            except OidcError as exc:
                raise AuthError(f"invalid token: {exc}") from None
            return Principal(Caller(user=user, roles=roles), via="oidc", expires=expires)
        raise AuthError(f"tokens signed with {algorithm!r} are not accepted")

    def _local_token(self, token: str) -> Principal:
        try:
            claims = decode_access_token(token, settings=self.settings)
        except jwt.ExpiredSignatureError:
            raise AuthError("token expired") from None
        except jwt.InvalidTokenError as exc:
            raise AuthError(f"invalid token: {exc}") from None
        self._check_revocation(claims)
        roles = claims.get("roles") or []
        return Principal(Caller(user=claims["sub"], roles=frozenset(roles)), via="token", claims=claims)

    def _check_revocation(self, claims: dict[str, Any]) -> None:
        jti, family = claims["jti"], claims["fam"]
        if (
            jti in self.revoked_ids
            or family in self.revoked_ids
            or jti in self._revoked_here
            or family in self._revoked_here
        ):
            raise AuthError("token revoked")
        if claims["sub"] in self.disabled_users or claims["sub"] in self._users_disabled_here:
            raise AuthError("user disabled")

    async def _api_key(self, presented: str) -> Principal:
        parts = split_key(presented)
        if parts is None:
            raise AuthError("malformed API key")
        key_id, secret = parts
        if key_id in self.revoked_keys or key_id in self._keys_revoked_here:
            raise AuthError("API key revoked")
        cached = self._keys.get(key_id)
        if cached is None:
            cached = await asyncio.to_thread(self._load_key, key_id)
        if cached is None or not hmac.compare_digest(cached.secret_hash, digest(secret)):
            raise AuthError("unknown API key")
        self._key_uses[key_id] = utcnow()
        return Principal(Caller(user=f"key:{key_id}", roles=frozenset({INTEGRATION})), via="key", scopes=cached.scopes)

    def _load_key(self, key_id: str) -> _CachedKey | None:
        with self.sessions() as session:
            key = session.get(ApiKey, key_id)
            if key is None or key.revoked_at is not None:
                return None
            cached = _CachedKey(key.secret_hash, frozenset(key.scopes))
        self._keys[key_id] = cached
        return cached

    # What this worker revoked itself takes effect at once; the poll brings the others' revocations.
    def revoked_token_ids(self, *ids: str) -> None:
        now = time.monotonic()
        self._revoked_here.update((token_id, now) for token_id in ids)

    def revoked_key(self, key_id: str) -> None:
        self._keys_revoked_here.add(key_id)
        self._keys.pop(key_id, None)

    def user_disabled(self, username: str, disabled: bool = True) -> None:
        if disabled:
            self._users_disabled_here.add(username)
        else:
            self._users_disabled_here.discard(username)

    def poll(self) -> None:
        """Reload what is revoked and write API keys' last use (runs in a thread)."""
        started = time.monotonic()
        now = utcnow()
        uses, self._key_uses = self._key_uses, {}
        with self.sessions() as session:
            for key_id, used_at in uses.items():
                session.execute(update(ApiKey).where(col(ApiKey.id) == key_id).values(last_used_at=used_at))
            session.execute(delete(RevokedToken).where(col(RevokedToken.expires_at) < now))
            revoked_ids = frozenset(session.exec(select(RevokedToken.token_id)))
            disabled = frozenset(session.exec(select(User.username).where(User.disabled)))
            revoked_keys = frozenset(session.exec(select(col(ApiKey.id)).where(col(ApiKey.revoked_at).is_not(None))))
            session.commit()
        self.revoked_ids, self.disabled_users, self.revoked_keys = revoked_ids, disabled, revoked_keys
        for key_id in revoked_keys:
            self._keys.pop(key_id, None)
        # Once the database has it, the local copy can go (and anything older than any access token).
        too_old = started - self.settings.access_token_seconds
        for token_id, when in list(self._revoked_here.items()):
            if token_id in revoked_ids or when < too_old:
                del self._revoked_here[token_id]

    async def run_poller(self) -> None:
        while True:
            await asyncio.sleep(self.settings.revocation_poll_seconds)
            try:
                await asyncio.to_thread(self.poll)
            except Exception:  # a database hiccup must not end the loop: the next poll tries again
                log.exception("revocation poll failed")
