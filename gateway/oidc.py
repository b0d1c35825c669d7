"""Single sign-on: RS256/ES256 tokens from the configured OIDC issuer, checked against its JWKS.

The JWKS is cached; a token signed with a `kid` not in the cache refetches it (the issuer rotated
its keys), at most once per `oidc_jwks_min_refetch_seconds`, so forged kids cannot make the
gateway hammer the issuer.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import jwt

from gateway.policy import ROLES
from gateway.settings import GatewaySettings

log = logging.getLogger("liaison.gateway.oidc")
ALGORITHMS = ("RS256", "ES256")

FetchJson = Callable[[str], Awaitable[dict[str, Any]]]


class OidcError(Exception):
    pass


class OidcVerifier:
    def __init__(self, settings: GatewaySettings, fetch_json: FetchJson) -> None:
        self.settings = settings
        self.fetch_json = fetch_json
        self.keys: dict[str, tuple[jwt.PyJWK, str | None]] = {}  # kid -> key, its declared alg
        self.fetched_at = float("-inf")
        self._lock = asyncio.Lock()

    async def refresh(self) -> None:
        if self.settings.oidc_jwks_url is None:  # OIDC is off: there are no keys to fetch
            return
        async with self._lock:
            if time.monotonic() - self.fetched_at < self.settings.oidc_jwks_min_refetch_seconds:
                return
            self.fetched_at = time.monotonic()
            try:
                document = await self.fetch_json(self.settings.oidc_jwks_url)
            except Exception as exc:  # the issuer being down must not take the gateway down
                log.warning("JWKS fetch failed", extra={"url": self.settings.oidc_jwks_url, "error": repr(exc)})
                return
            keys = {}
            for entry in document.get("keys", []):
                if entry.get("use", "sig") != "sig" or "kid" not in entry:
                    continue
                try:
                    keys[entry["kid"]] = (jwt.PyJWK(entry), entry.get("alg"))
                except jwt.PyJWKError as exc:
                    log.warning("JWKS key skipped", extra={"kid": entry.get("kid"), "error": str(exc)})
            self.keys = keys

    async def verify(self, token: str) -> tuple[str, frozenset[str], float]:
        """The caller's user id, Liaison roles and the token's expiry; raises OidcError."""
        claims = await self.decode(token, audience=self.settings.oidc_audience)
        user = claims.get(self.settings.oidc_user_claim)
        if not user:
            raise OidcError(f"token has no {self.settings.oidc_user_claim!r} claim")
        return str(user), self.map_roles(claims), float(claims["exp"])

    async def decode(self, token: str, *, audience: str | None) -> dict[str, Any]:
        """The claims of a token the issuer signed (checked: key, algorithm, issuer, expiry, audience)."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise OidcError(f"malformed token: {exc}") from None
        algorithm, kid = header.get("alg"), header.get("kid")
        if algorithm not in ALGORITHMS:
            raise OidcError(f"algorithm {algorithm!r} is not accepted")
        entry = self.keys.get(kid) if isinstance(kid, str) else None
        if entry is None and isinstance(kid, str):
            await self.refresh()
            entry = self.keys.get(kid)
        if entry is None:
            raise OidcError(f"no signing key {kid!r} in the issuer's JWKS")
        key, declared = entry
        if declared and declared != algorithm:
            raise OidcError(f"key {kid!r} is for {declared}, the token claims {algorithm}")
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=[algorithm],
                issuer=self.settings.oidc_issuer,
                audience=audience,
                leeway=self.settings.oidc_leeway_seconds,
                options={"require": ["exp", "iss"], "verify_aud": audience is not None},
            )
        except jwt.InvalidTokenError as exc:
            raise OidcError(str(exc)) from None
        return claims

    def map_roles(self, claims: dict[str, Any]) -> frozenset[str]:
        value: object = claims
        for part in self.settings.oidc_roles_claim.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if isinstance(value, str):
            value = value.replace(",", " ").split()
        if not isinstance(value, list):
            return frozenset()
        mapping = self.settings.oidc_role_map
        if mapping:
            return frozenset(mapping[role] for role in value if role in mapping and mapping[role] in ROLES)
        return frozenset(role for role in value if role in ROLES)
