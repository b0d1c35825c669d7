"""The audit trail: who changed an engagement or one of its follow-ups, when, with each field's value
before and after (the partners service keeps the same for partners: `services/partners/audit.py`)."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic_core import to_jsonable_python
from sqlalchemy import select
from sqlmodel import Session, col

from services.engagements.models import EngagementAuditEntry
from services.kit import cursors
from services.kit.audit_trail import ERASED as ERASED
from services.kit.audit_trail import field_changes as field_changes
from services.kit.types import utcnow

WITHHELD = "[restricted]"


def record(
    *,
    session: Session,
    engagement_id: uuid.UUID,
    entity_type: str,
    entity_id: uuid.UUID | str,
    action: str,
    actor: str | None,
    restricted: bool,
    changes: dict[str, Any] | None = None,
) -> EngagementAuditEntry:
    entry = EngagementAuditEntry(
        engagement_id=engagement_id,
        entity_type=entity_type,
        entity_id=str(entity_id),
        action=action,
        changes=to_jsonable_python(changes or {}),
        restricted=restricted,
        actor=actor,
        at=utcnow(),
    )
    session.add(entry)
    return entry


def withheld(entry: EngagementAuditEntry) -> dict[str, Any]:
    """The entry as someone outside a restricted engagement reads it: which fields, not their values."""
    return {name: {"before": WITHHELD, "after": WITHHELD} for name in entry.changes}


def forget_contact(*, session: Session, engagement_id: uuid.UUID, contact_id: uuid.UUID) -> None:
    """An erased contact's id leaves the engagement's earlier entries too (the change itself stays)."""
    erased = str(contact_id)
    for entry in session.scalars(
        select(EngagementAuditEntry).where(col(EngagementAuditEntry.engagement_id) == engagement_id)
    ):
        change = entry.changes.get("contact_ids")
        if change and erased in str(change):
            scrubbed = {
                side: [ERASED if c == erased else c for c in ids] if isinstance(ids, list) else ids
                for side, ids in change.items()
            }
            entry.changes = entry.changes | {"contact_ids": scrubbed}
            session.add(entry)


def recorded(*, session: Session, engagement_id: uuid.UUID) -> bool:
    return (
        session.scalar(
            select(col(EngagementAuditEntry.id))
            .where(col(EngagementAuditEntry.engagement_id) == engagement_id)
            .limit(1)
        )
        is not None
    )


def entries(
    *, session: Session, engagement_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[EngagementAuditEntry], str | None]:
    """Newest first."""
    statement = select(EngagementAuditEntry).where(col(EngagementAuditEntry.engagement_id) == engagement_id)
    if cursor:
        (last_id,) = cursors.decode(cursor, int)
        statement = statement.where(col(EngagementAuditEntry.id) < last_id)
    rows = list(session.scalars(statement.order_by(col(EngagementAuditEntry.id).desc()).limit(limit + 1)))
    next_cursor = cursors.encode(rows[limit - 1].id or 0) if len(rows) > limit else None
    return rows[:limit], next_cursor
