"""One service reading another over HTTP, as itself: a signed GET, 404/410 as "gone", anything else
that is not an answer a `TransientError`, so the consumer that asked pauses its partition and asks
again later. Each asking service subclasses it with its identity and its own error."""

from __future__ import annotations

from typing import Any, ClassVar

import httpx

from services.kit.consumer import TransientError
from services.kit.identity import Caller, sign


class ServiceUnavailable(TransientError):
    """No answer now: the consumer pauses the partition and asks again later, however long it takes."""


class ServiceClient:
    """A worker of the app (kit/app.py): nothing to start, its connections to close at the end."""

    caller: ClassVar[Caller]
    service: ClassVar[str]
    unavailable: ClassVar[type[ServiceUnavailable]] = ServiceUnavailable

    def __init__(self, *, base_url: str, secret: str, timeout: float, client: httpx.Client | None = None) -> None:
        self._secret = secret
        self._own = client is None
        self._client = client or httpx.Client(base_url=base_url, timeout=timeout)

    def get_json(self, path: str) -> Any | None:
        """The answer's JSON, or None when the thing asked for is gone (404, 410)."""
        headers = sign(self.caller, secret=self._secret, method="GET", path=path)
        try:
            response = self._client.get(path, headers=headers)
        except httpx.HTTPError as exc:
            raise self.unavailable(f"{self.service} service unreachable: {exc!r}") from exc
        if response.status_code in (404, 410):
            return None
        if response.status_code != 200:
            raise self.unavailable(f"{self.service} service answered {response.status_code}")
        return response.json()

    def start(self) -> None:
        pass  # connects on the first request

    def stop(self) -> None:
        if self._own:
            self._client.close()
