"""Keyset paging, newest first, with an opaque cursor: (created_at, id) of the last item shown."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlmodel import Session

from services.kit.problems import Problem


class BadCursor(Problem):
    status = 400
    title = "Invalid cursor"


def encode_cursor(created_at: datetime, item_id: uuid.UUID) -> str:
    raw = json.dumps([created_at.isoformat(), str(item_id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_at, item_id = json.loads(raw)
        return datetime.fromisoformat(created_at), uuid.UUID(item_id)
    except (ValueError, TypeError):
        raise BadCursor("The cursor is not one this service gave out.") from None


def page(session: Session, model, *where, cursor: str | None, limit: int) -> tuple[list, str | None, int]:
    """Items newest first after the cursor, the next cursor (None at the end), and the filtered total."""
    total = session.scalar(select(func.count()).select_from(model).where(*where))
    query = select(model).where(*where)
    if cursor:
        created_at, item_id = decode_cursor(cursor)
        query = query.where(
            or_(model.created_at < created_at, and_(model.created_at == created_at, model.id < item_id))
        )
    rows = session.execute(query.order_by(model.created_at.desc(), model.id.desc()).limit(limit + 1)).scalars().all()
    next_cursor = encode_cursor(rows[limit - 1].created_at, rows[limit - 1].id) if len(rows) > limit else None
    return list(rows[:limit]), next_cursor, total
