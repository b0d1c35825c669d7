"""The audit trail: who changed what, when, with each field's value before and after."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic_core import to_jsonable_python
from sqlalchemy import select
from sqlmodel import Session, col

from services.kit import cursors
from services.kit.audit_trail import ERASED as ERASED
from services.kit.audit_trail import field_changes as field_changes
from services.kit.types import utcnow
from services.partners.models import AuditEntry


def record(
    *,
    session: Session,
    partner_id: uuid.UUID,
    entity_type: str,
    entity_id: uuid.UUID | str,
    action: str,
    actor: str | None,
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        partner_id=partner_id,
        entity_type=entity_type,
        entity_id=str(entity_id),
        action=action,
        changes=to_jsonable_python(changes or {}),
        actor=actor,
        at=utcnow(),
    )
    session.add(entry)
    return entry


def forget_person(*, session: Session, contact_id: uuid.UUID) -> None:
    """Loi 25 / GDPR erasure: earlier entries about a contact keep which fields changed, when and
    by which officer, but no longer the values that said who the person was."""
    for entry in session.scalars(
        select(AuditEntry).where(col(AuditEntry.entity_type) == "contact", col(AuditEntry.entity_id) == str(contact_id))
    ):
        entry.changes = {name: {"before": ERASED, "after": ERASED} for name in entry.changes}
        session.add(entry)
    session.flush()


def entries(
    *, session: Session, partner_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[AuditEntry], str | None]:
    """Newest first."""
    statement = select(AuditEntry).where(col(AuditEntry.partner_id) == partner_id)
    if cursor:
        (last_id,) = cursors.decode(cursor, int)
        statement = statement.where(AuditEntry.id < last_id)
    rows = list(session.scalars(statement.order_by(col(AuditEntry.id).desc()).limit(limit + 1)))
    next_cursor = cursors.encode(rows[limit - 1].id or 0) if len(rows) > limit else None  # ids are set once stored
    return rows[:limit], next_cursor
