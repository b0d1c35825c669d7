"""The web app's way to the API: the gateway's own front door, in-process, as the logged-in person.

Each call carries a short-lived access token from the gateway's issuer, minted for the session's
person (token family = the session's, so logging out revokes them), and goes through the policy
table, the roles, the rate limits and the signed identity exactly like any other client's. The
services therefore decide what this person may see; the pages re-implement nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.types import ASGIApp

from gateway.policy import API_PREFIX
from services.kit import tracing

PROBLEM_JSON = "application/problem+json"


@dataclass
class ApiResponse:
    status: int
    headers: httpx.Headers
    json: Any = None  # dict | list | None (None when the body is not JSON)
    text: str = ""
    content: bytes = b""  # the raw body: a file fetched to hand on (an attachment's download)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def problem(self) -> dict[str, Any] | None:
        """The problem+json body of an error, None for a success (or an error without one)."""
        if self.ok or not isinstance(self.json, dict):
            return None
        return self.json

    @property
    def problem_type(self) -> str:
        """The problem's RFC 9457 `type` (`services.kit.problems.ProblemType`), "" for a success."""
        problem = self.problem or {}
        return str(problem.get("type") or "about:blank") if self.problem is not None else ""

    @property
    def field_errors(self) -> dict[str, str]:
        """{"field.path": "message"} from a 422's `errors` (the location without its leading "body")."""
        problem = self.problem or {}
        found: dict[str, str] = {}
        for error in problem.get("errors") or []:
            location = [str(part) for part in error.get("location") or error.get("loc") or []]
            if location and location[0] in ("body", "query", "path", "header"):
                location = location[1:]
            key = ".".join(location) or "_"
            found.setdefault(key, error.get("message") or error.get("msg") or "")
        return found

    @classmethod
    def of(cls, response: httpx.Response) -> ApiResponse:
        body: Any = None
        content_type = response.headers.get("content-type", "")
        if response.content and ("json" in content_type):
            try:
                body = response.json()
            except ValueError:
                body = None
        return cls(
            status=response.status_code,
            headers=response.headers,
            json=body,
            text=response.text,
            content=response.content,
        )


@dataclass
class TokenCache:
    """One access token per web session, minted again shortly before it expires."""

    entries: dict[str, tuple[str, float]] = field(default_factory=dict)
    margin_seconds: float = 60.0

    def get(self, key: str) -> str | None:
        entry = self.entries.get(key)
        if entry is None or entry[1] - self.margin_seconds <= time.time():
            return None
        return entry[0]

    def put(self, key: str, token: str, expires_at: float) -> None:
        if len(self.entries) > 10_000:  # the expired ones are of no use to anyone
            now = time.time()
            self.entries = {k: v for k, v in self.entries.items() if v[1] > now}
        self.entries[key] = (token, expires_at)

    def drop(self, prefix: str) -> None:
        """Forgets every token whose key starts with `prefix` (a session's id hash)."""
        for key in [k for k in self.entries if k.startswith(prefix)]:
            del self.entries[key]


class ApiClient:
    """`await web.api.get("/partners", params=...)`: paths are the API's, without `/api/v1`."""

    def __init__(
        self, http: httpx.AsyncClient, token: str, *, request_id: str | None = None, language: str | None = None
    ) -> None:
        self._http = http
        self._headers = {"Authorization": f"Bearer {token}"}
        if language:
            # The services answer problems in the page's language, so their words can be shown as they are;
            # the pages decide on a problem's status, `type` and `errors`, never on its (translated) title.
            self._headers["Accept-Language"] = language
        if request_id:
            self._headers["X-Request-ID"] = request_id  # the page's request and its API calls share one id

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        json: Any = None,
        data: Any = None,
        files: Any = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> ApiResponse:
        if not path.startswith("/"):
            raise ValueError(f"API paths start with '/': {path!r}")
        response = await self._http.request(
            method,
            API_PREFIX + path,
            params=params,
            json=json,
            data=data,
            files=files,
            content=content,
            # The page's span is the parent of its API calls' (kit/tracing.py): one trace per page.
            headers={**self._headers, **dict(tracing.inject([])), **(headers or {})},
        )
        return ApiResponse.of(response)

    async def open_stream(self, path: str) -> httpx.Response:
        """GET a file: the answer with its body unread, for the page to stream on (then `aclose()` it)."""
        if not path.startswith("/"):
            raise ValueError(f"API paths start with '/': {path!r}")
        request = self._http.build_request(
            "GET", API_PREFIX + path, headers={**self._headers, **dict(tracing.inject([]))}
        )
        return await self._http.send(request, stream=True)

    async def get(self, path: str, **kwargs: Any) -> ApiResponse:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> ApiResponse:
        return await self.request("POST", path, **kwargs)

    async def put(self, path: str, **kwargs: Any) -> ApiResponse:
        return await self.request("PUT", path, **kwargs)

    async def patch(self, path: str, **kwargs: Any) -> ApiResponse:
        return await self.request("PATCH", path, **kwargs)

    async def delete(self, path: str, **kwargs: Any) -> ApiResponse:
        return await self.request("DELETE", path, **kwargs)


def front_door_client(front: ASGIApp) -> httpx.AsyncClient:
    """An httpx client whose transport is the front door itself: no socket, the same checks."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=front, client=("127.0.0.1", 0)),
        base_url="http://gateway.internal",
        timeout=httpx.Timeout(30.0),
    )
