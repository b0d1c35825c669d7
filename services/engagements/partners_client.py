"""Asks the partners service for a contact's sealing key (kit/sealed.py), as this service: the key
opens the personal fields a contact's events carry sealed, of which this service keeps the e-mail
address alone (contact_copies.py)."""

from __future__ import annotations

import uuid

from services.kit.identity import Caller
from services.kit.roles import Role, roles
from services.kit.sealed import decode_key
from services.kit.service_client import ServiceClient, ServiceUnavailable

SERVICE_CALLER = Caller(user="service:engagements", roles=roles(Role.SERVICE))


class PartnersUnavailable(ServiceUnavailable):
    pass


class PartnersClient(ServiceClient):
    caller = SERVICE_CALLER
    service = "partners"
    unavailable = PartnersUnavailable

    def contact_key(self, contact_id: uuid.UUID) -> bytes | None:
        """The contact's key, or None once the contact is erased (its key destroyed) or unknown."""
        found = self.get_json(f"/api/v1/contacts/{contact_id}/key")
        return None if found is None else decode_key(found["key"])
