"""The roles, spelled once: what a caller may hold, and the groups the gateway and services check."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    VIEWER = "viewer"
    OFFICER = "officer"
    ADMIN = "admin"
    INTEGRATION = "integration"  # other ministry systems, by API key
    SERVICE = "service"  # another Liaison service, with its own identity (never given to a person)


def roles(*members: Role) -> frozenset[str]:
    # Plain strings: they meet the roles a Caller carries, and print as themselves in messages.
    return frozenset(member.value for member in members)


# The roles a person or an API key can hold (the gateway gives out no others).
ASSIGNABLE = tuple(role.value for role in (Role.VIEWER, Role.OFFICER, Role.ADMIN, Role.INTEGRATION))

STAFF = roles(Role.VIEWER, Role.OFFICER, Role.ADMIN)  # people, not integrations
READERS = STAFF | roles(Role.INTEGRATION)
EDITORS = roles(Role.OFFICER, Role.ADMIN)
ADMINS = roles(Role.ADMIN)
INTEGRATORS = roles(Role.ADMIN, Role.INTEGRATION)  # webhooks and their delivery log
