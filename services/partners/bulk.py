"""Many partners created at once (issue 12: CSV imports): the rows `service.create_partner` writes —
the partner, its searchable names, its thrusts, its audit entry and its `liaison.partner.created`
event — built in memory and written table by table in one bulk insert each (COPY on PostgreSQL),
in the caller's transaction. The rows are checked already, duplicates included (`csv_io.RowChecker`).
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic_core import to_jsonable_python
from sqlmodel import Session

from services.kit.bulk import insert_rows
from services.kit.db import table_of
from services.kit.identity import Caller
from services.kit.types import utcnow
from services.partners import audit, search
from services.partners.events import record_partners_created
from services.partners.models import AuditEntry, Partner, PartnerName, PartnerThrust
from services.partners.schemas import PartnerCreate
from services.partners.service import editable_state, sort_key_for


def create_partners(
    *, session: Session, items: list[tuple[uuid.UUID, PartnerCreate]], caller: Caller | None = None
) -> list[Partner]:
    """Create each (id, data) as `service.create_partner(..., allow_duplicate=True)` would; the thrusts
    are already validated against the taxonomy."""
    now = utcnow()  # one reading: created_at == updated_at, as for one partner
    user = caller.user if caller else None
    # Built without validating again (six times cheaper): each row passed PartnerCreate's checks already.
    # (A constructed table model takes no attribute set afterwards: every field is given here.)
    stamps: dict[str, Any] = {"created_at": now, "updated_at": now, "created_by": user, "updated_by": user}
    partners = [
        Partner.model_construct(
            **data.model_dump(), **stamps, id=partner_id, sort_key=sort_key_for(data.name_fr, data.name_en)
        )
        for partner_id, data in items
    ]
    columns = [column.name for column in table_of(Partner).columns]
    names: list[dict[str, Any]] = []
    thrusts: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    for partner in partners:
        names += [
            {"partner_id": partner.id, "source": source, "name": name, "key": search.fold(name)}
            for source, name in search.names_of(partner)
        ]
        thrusts += [{"partner_id": partner.id, "code": code} for code in dict.fromkeys(partner.thrusts)]
        entries.append(
            {
                "partner_id": partner.id,
                "entity_type": "partner",
                "entity_id": str(partner.id),
                "action": "created",
                "changes": to_jsonable_python(audit.field_changes({}, editable_state(partner))),
                "actor": user,
                "at": now,
            }
        )
    insert_rows(session, table_of(Partner), [{name: getattr(p, name) for name in columns} for p in partners])
    insert_rows(session, table_of(PartnerName), names)
    insert_rows(session, table_of(PartnerThrust), thrusts)
    insert_rows(session, table_of(AuditEntry), entries)
    record_partners_created(session=session, partners=partners)
    return partners
