"""What an administrator does with outbox rows that gave up (`failed`): look, retry, or skip.

A failed row blocks the newer rows of its key (order by construction); retrying puts it back in
line with a fresh count of attempts, skipping lets the key go on without it (it is never sent).
Used by `liaison outbox failed|retry|skip` and by the admin API; `/readyz` and the metrics count
them with `failed_or_blocked`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlmodel import Session, col

from services.kit.db import rowcount
from services.kit.outbox import OutboxMessage, OutboxStatus
from services.kit.types import utcnow


def failed_rows(*, session: Session, limit: int = 100) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(OutboxMessage)
        .where(col(OutboxMessage.status) == OutboxStatus.FAILED)
        .order_by(col(OutboxMessage.id))
        .limit(limit)
    ).all()
    found = []
    for row in rows:
        waiting = session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                col(OutboxMessage.topic) == row.topic,
                col(OutboxMessage.key) == row.key,
                col(OutboxMessage.id) > row.id,
                col(OutboxMessage.status).in_([OutboxStatus.PENDING, OutboxStatus.IN_PROGRESS]),
            )
        )
        found.append(
            {
                "id": row.id,
                "event_id": row.event_id,
                "event_type": row.event_type,
                "topic": row.topic,
                "key": row.key,
                "attempts": row.attempts,
                "last_error": row.last_error,
                "created_at": row.created_at.isoformat(),
                "bytes": len(row.payload.encode()),
                "waiting_behind": waiting,
            }
        )
    return found


def _failed(row_id: int | None) -> list[ColumnElement[bool]]:
    where = [col(OutboxMessage.status) == OutboxStatus.FAILED]
    if row_id is not None:
        where.append(col(OutboxMessage.id) == row_id)
    return where


def retry(*, session: Session, row_id: int | None = None) -> int:
    """Back in line (all failed rows when `row_id` is None); returns how many."""
    result = session.execute(
        update(OutboxMessage)
        .where(*_failed(row_id))
        .values(status=OutboxStatus.PENDING, attempts=0, available_at=utcnow(), claim_token=None)
    )
    return rowcount(result)


def skip(*, session: Session, row_id: int) -> int:
    """Never sent: its key goes on without it. Returns 1, or 0 if no failed row has that id."""
    result = session.execute(
        update(OutboxMessage)
        .where(*_failed(row_id))
        .values(status=OutboxStatus.SKIPPED, sent_at=utcnow(), claim_token=None)
    )
    return rowcount(result)


def failed_or_blocked(session: Session) -> dict[str, Any]:
    """For /readyz and metrics: rows that gave up, and how many rows wait behind them."""
    failed = session.execute(
        select(col(OutboxMessage.topic), col(OutboxMessage.key), func.count())
        .where(col(OutboxMessage.status) == OutboxStatus.FAILED)
        .group_by(OutboxMessage.topic, OutboxMessage.key)
    ).all()
    if not failed:
        return {"failed": 0, "blocked_keys": 0, "waiting": 0}
    waiting = session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            col(OutboxMessage.status).in_([OutboxStatus.PENDING, OutboxStatus.IN_PROGRESS]),
            or_(*[(OutboxMessage.topic == t) & (OutboxMessage.key == k) for t, k, _ in failed[:100]]),
        )
    )
    return {"failed": sum(n for _, _, n in failed), "blocked_keys": len(failed), "waiting": waiting}
