"""A small, true-to-life directory for `make up`: real ISO codes, real memberships.

`load_demo(session=...)` adds what is missing and nothing else (stable ids), so calling it at
every start is safe. From a shell: `python -m services.partners demo` (migrates first).
"""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

from sqlmodel import Session

from services.kit.identity import Caller
from services.kit.problems import Conflict
from services.kit.roles import Role, roles
from services.partners import relationships, service
from services.partners.demo_data import LINKS, PARTNERS
from services.partners.models import Partner
from services.partners.schemas import PartnerCreate, RelationshipCreate

DEMO = Caller(user="demo-loader", roles=roles(Role.ADMIN))
_NAMESPACE = uuid.UUID("6f0c7d2e-3a41-4c59-9d7a-4b1f3e2a9c10")
# The gateway's demo teams (gateway/demo.py), by the ids it gives them: uuid5(this, "team:" + name),
# a convention of the demo data only. Europe's partners are Direction Europe's; international
# organisations and forums are the multilateral team's.
PEOPLE_DEMO_NAMESPACE = uuid.UUID("6f2d8e3f-4b52-4d6a-8e8b-5c2a4f3b0d21")
EUROPE = "Direction Europe"
FRANCOPHONIE = "Francophonie et multilatéral"


def demo_id(handle: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, handle)


def team_id(name: str) -> uuid.UUID:
    return uuid.uuid5(PEOPLE_DEMO_NAMESPACE, f"team:{name}")


def owner_team(fields: dict[str, Any]) -> uuid.UUID | None:
    if fields["kind"] in ("international_organization", "forum"):
        return team_id(FRANCOPHONIE)
    return team_id(EUROPE) if fields.get("region") == "europe" else None


def load_demo(*, session: Session) -> int:
    """Adds the demo partners and links that are not there yet; returns how many partners it added."""
    added = 0
    for handle, fields in PARTNERS:
        if session.get(Partner, demo_id(handle)) is None:
            service.create_partner(
                session=session,
                data=PartnerCreate(**fields, owner_team_id=owner_team(fields)),
                caller=DEMO,
                allow_duplicate=True,
                partner_id=demo_id(handle),
            )
            added += 1
    for source, kind, target, status, since in LINKS:
        # Refused before anything is written when the link is already there.
        with contextlib.suppress(Conflict):
            relationships.add_relationship(
                session=session,
                partner_id=demo_id(source),
                caller=DEMO,
                data=RelationshipCreate(type=kind, target_id=demo_id(target), membership_status=status, since=since),
            )
    return added
