"""Asks the partners service for a contact's sealing key (kit/sealed.py), as this service: the key
opens the personal fields a contact's events carry sealed, of which this service keeps the e-mail
address alone (contact_copies.py)."""

from __future__ import annotations

import uuid

import httpx

from services.kit.consumer import TransientError
from services.kit.identity import Caller, sign
from services.kit.roles import Role, roles
from services.kit.sealed import decode_key

SERVICE_CALLER = Caller(user="service:engagements", roles=roles(Role.SERVICE))


class PartnersUnavailable(TransientError):
    """No answer now: the consumer pauses the partition and asks again later, however long it takes."""


class PartnersClient:
    """A worker of the app (kit/app.py): nothing to start, its connections to close at the end."""

    def __init__(self, *, base_url: str, secret: str, timeout: float, client: httpx.Client | None = None) -> None:
        self._secret = secret
        self._own = client is None
        self._client = client or httpx.Client(base_url=base_url, timeout=timeout)

    def contact_key(self, contact_id: uuid.UUID) -> bytes | None:
        """The contact's key, or None once the contact is erased (its key destroyed) or unknown."""
        path = f"/api/v1/contacts/{contact_id}/key"
        headers = sign(SERVICE_CALLER, secret=self._secret, method="GET", path=path)
        try:
            response = self._client.get(path, headers=headers)
        except httpx.HTTPError as exc:
            raise PartnersUnavailable(f"partners service unreachable: {exc!r}") from exc
        if response.status_code in (404, 410):
            return None
        if response.status_code != 200:
            raise PartnersUnavailable(f"partners service answered {response.status_code}")
        return decode_key(response.json()["key"])

    def start(self) -> None:
        pass  # connects on the first request

    def stop(self) -> None:
        if self._own:
            self._client.close()
