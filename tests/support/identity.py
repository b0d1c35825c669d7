"""Calling a service directly in tests, as the gateway would: with a signed caller identity."""

from __future__ import annotations

import secrets

import httpx

from services.kit.identity import Caller, sign

# Made for this test session (each process of it), never a constant: as `make up` makes its own.
TEST_IDENTITY_SECRET = secrets.token_urlsafe(32)
OFFICER = Caller(user="officer@example.test", roles=frozenset({"officer"}))


class SignedAs(httpx.Auth):
    """httpx auth that signs each request's identity headers, exactly as the gateway does."""

    def __init__(self, caller: Caller = OFFICER, secret: str = TEST_IDENTITY_SECRET) -> None:
        self.caller = caller
        self.secret = secret

    def auth_flow(self, request: httpx.Request):
        request.headers.update(
            sign(
                self.caller,
                secret=self.secret,
                method=request.method,
                path=request.url.path,
                query=request.url.query.decode("latin-1"),
            )
        )
        yield request
