"""Asks the engagements service what a restricted engagement's events leave out, as this service."""

from __future__ import annotations

import uuid
from typing import Any

from services.kit.identity import Caller
from services.kit.roles import Role, roles
from services.kit.service_client import ServiceClient, ServiceUnavailable

SERVICE_CALLER = Caller(user="service:notifications", roles=roles(Role.SERVICE))


class EngagementsUnavailable(ServiceUnavailable):
    pass


class EngagementsClient(ServiceClient):
    caller = SERVICE_CALLER
    service = "engagements"
    unavailable = EngagementsUnavailable

    def fetch(self, engagement_id: uuid.UUID) -> dict[str, Any] | None:
        """The engagement as its service shows it to us, or None if it no longer exists."""
        found: dict[str, Any] | None = self.get_json(f"/api/v1/engagements/{engagement_id}")
        return found
