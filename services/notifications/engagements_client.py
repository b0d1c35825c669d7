"""Asks the engagements service what a restricted engagement's events leave out, as this service."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from services.kit.consumer import TransientError
from services.kit.identity import Caller, sign
from services.kit.roles import Role, roles

SERVICE_CALLER = Caller(user="service:notifications", roles=roles(Role.SERVICE))


class EngagementsUnavailable(TransientError):
    """No answer now: the consumer pauses the partition and asks again later, however long it takes."""


class EngagementsClient:
    """A worker of the app (kit/app.py): nothing to start, its connections to close at the end."""

    def __init__(self, *, base_url: str, secret: str, timeout: float, client: httpx.Client | None = None) -> None:
        self._secret = secret
        self._own = client is None
        self._client = client or httpx.Client(base_url=base_url, timeout=timeout)

    def fetch(self, engagement_id: uuid.UUID) -> dict[str, Any] | None:
        """The engagement as its service shows it to us, or None if it no longer exists."""
        path = f"/api/v1/engagements/{engagement_id}"
        headers = sign(SERVICE_CALLER, secret=self._secret, method="GET", path=path)
        try:
            response = self._client.get(path, headers=headers)
        except httpx.HTTPError as exc:
            raise EngagementsUnavailable(f"engagements service unreachable: {exc!r}") from exc
        if response.status_code in (404, 410):
            return None
        if response.status_code != 200:
            raise EngagementsUnavailable(f"engagements service answered {response.status_code}")
        return response.json()

    def start(self) -> None:
        pass  # connects on the first request

    def stop(self) -> None:
        if self._own:
            self._client.close()
