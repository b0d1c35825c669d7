"""Request ids and the access log, as plain ASGI (no per-request task or body copy)."""

from __future__ import annotations

import itertools
import logging
import re
import secrets
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.kit.http_problems import problem_response
from services.kit.identity import IDENTITY_HEADERS, IdentityError, verify
from services.kit.logging import request_id_var
from services.kit.problems import accepted_language, problem_language

access_log = logging.getLogger("liaison.access")
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._\-]{1,128}$")
# A made request id: this process's random prefix and a counter, as unique as a uuid4 (32 hex digits)
# without a system call per request (uuid4 was 7% of a read's time in issue 12's profile).
_ID_PREFIX = secrets.token_hex(8)
_id_counter = itertools.count()


def new_request_id() -> str:
    return f"{_ID_PREFIX}{next(_id_counter):016x}"


def incoming_request_id(headers: list[tuple[bytes, bytes]]) -> str:
    for name, value in headers:
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            if _VALID_REQUEST_ID.match(candidate):
                return candidate
            break
    return new_request_id()


class RequestContextMiddleware:
    """Accepts or makes `X-Request-ID`, returns it, and writes one access log line per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = incoming_request_id(scope["headers"])
        token = request_id_var.set(request_id)
        language = problem_language.set(accepted_language(header_value(scope, b"accept-language")))
        started = time.perf_counter()
        status_holder = {"status": 500}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            access_log.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status_holder["status"],
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
            request_id_var.reset(token)
            problem_language.reset(language)


def header_value(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value).decode("latin-1")
    return None


class NulInUrlMiddleware:
    """A NUL character in the path or the query is a 422: it is text no field takes (issue 10), and
    PostgreSQL fails on it (a 500) where SQLite would compare or store it. Bodies are the models' job
    (`kit/inputs.py`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and ("\x00" in scope["path"] or b"%00" in scope["query_string"]):
            response = problem_response(
                422, title="Invalid request", detail="The address holds a NUL character (%00), which no field takes."
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


class IdentityMiddleware:
    """Refuses every request but health and docs unless the gateway signed the caller's identity.

    The verified `Caller` is left in `scope["state"]["caller"]` for the routes (`CallerDep`).
    """

    OPEN_PATHS = frozenset({"/healthz", "/readyz", "/docs", "/docs/oauth2-redirect", "/openapi.json"})

    def __init__(self, app: ASGIApp, *, secret: str) -> None:
        self.app = app
        self.secret = secret

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        headers = {
            name.decode("latin-1"): value.decode("latin-1")
            for name, value in scope["headers"]
            if name.decode("latin-1") in IDENTITY_HEADERS
        }
        try:
            caller = verify(
                headers,
                secret=self.secret,
                method=scope["method"],
                path=scope["path"],
                query=scope["query_string"].decode("latin-1"),
            )
        except IdentityError as exc:
            response = problem_response(
                401, title="Unauthenticated", detail=f"This service only answers requests signed by the gateway: {exc}."
            )
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})["caller"] = caller
        await self.app(scope, receive, send)
