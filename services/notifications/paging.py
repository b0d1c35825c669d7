"""Keyset paging, newest first, with an opaque cursor: (created_at, id) of the last item shown; or an
incremental sync (kit/sync.py) on created_at, oldest first: subscriptions and webhooks are never
edited (only added and removed), and an inbox entry's change of state is not a new entry."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlmodel import Session

from services.kit import cursors, sync


def page(
    session: Session, model, *where, cursor: str | None, limit: int, position: sync.Since | None = None
) -> tuple[list[Any], str | None, int]:
    """Items newest first after the cursor, the next cursor (None at the end), and the filtered total."""
    if position is not None:
        where = (*where, sync.changed_after(position, model.created_at, model.id))
        total = session.scalar(select(func.count()).select_from(model).where(*where))
        query = select(model).where(*where).order_by(model.created_at, model.id).limit(limit)
        changed = list(session.execute(query).scalars().all())
        return changed, sync.resume_cursor(position, changed, changed_at="created_at"), total or 0
    total = session.scalar(select(func.count()).select_from(model).where(*where))
    query = select(model).where(*where)
    if cursor:
        created_at, item_id = cursors.decode(cursor, datetime, uuid.UUID)
        query = query.where(
            or_(model.created_at < created_at, and_(model.created_at == created_at, model.id < item_id))
        )
    rows = session.execute(query.order_by(model.created_at.desc(), model.id.desc()).limit(limit + 1)).scalars().all()
    next_cursor = cursors.encode(rows[limit - 1].created_at, rows[limit - 1].id) if len(rows) > limit else None
    return list(rows[:limit]), next_cursor, total or 0
