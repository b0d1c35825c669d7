"""Incremental sync for integrations: every list takes `updated_since` and, in that mode, answers
the items changed since then, oldest change first, with a cursor to resume from.

A sync cursor is a `cursors` cursor holding (`SYNC`, changed_at, id) of the last item shown; it is
set on every answer, the last page included (an empty page gives back the cursor it was given), so a
warehouse stores it and asks again later for what changed after it. A list's own cursor and a sync
cursor never pass for each other (`BadCursor`, 400).

Deletions are not changes a list can show (the item is gone): integrations learn them from the
events. A row written by a transaction that commits after a later one was read may carry an earlier
time: a client resuming a few seconds back (`updated_since` instead of the cursor) catches it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_

from services.kit import cursors

SYNC = "since"
HELP = (
    "Incremental sync: only what changed at or after this time, oldest change first; the answer's "
    "`next_cursor` resumes after its last item (kept on the last page too, to ask again later)."
)


@dataclass(frozen=True)
class Since:
    """Where a sync resumes: after (`changed_at`, `last_id`) from a cursor, or from `changed_at` on."""

    changed_at: datetime
    last_id: uuid.UUID | None = None
    given: str | None = None  # the cursor as the client sent it


def is_sync_cursor(cursor: str | None) -> bool:
    if not cursor:
        return False
    try:
        marker: str = cursors.decode(cursor, str, datetime, uuid.UUID)[0]
    except cursors.BadCursor:
        return False
    return marker == SYNC


def since(*, updated_since: datetime | None, cursor: str | None) -> Since | None:
    """The sync position the request asks for, or None for an ordinary list."""
    if cursor and is_sync_cursor(cursor):
        _, changed_at, last_id = cursors.decode(cursor, str, datetime, uuid.UUID)
        return Since(changed_at=changed_at, last_id=last_id, given=cursor)
    if updated_since is None:
        return None
    if cursor:
        raise cursors.BadCursor("With updated_since, give the cursor a sync answered (or none).")
    if updated_since.tzinfo is None:
        raise cursors.BadCursor("updated_since needs a time zone, e.g. 2026-12-01T00:00:00Z.", status=422)
    return Since(changed_at=updated_since)


def changed_after(position: Since, changed_at: Any, row_id: Any) -> ColumnElement[bool]:
    """The rows after the position, on the list's change time and id columns (ordered by both, ascending)."""
    if position.last_id is None:
        from_time: ColumnElement[bool] = changed_at >= position.changed_at
        return from_time
    return or_(changed_at > position.changed_at, and_(changed_at == position.changed_at, row_id > position.last_id))


def resume_cursor(position: Since, rows: Sequence[Any], *, changed_at: str = "updated_at") -> str | None:
    """The cursor after the last row shown (or the one given, when nothing changed since)."""
    if not rows:
        return position.given
    last = rows[-1]
    return cursors.encode(SYNC, getattr(last, changed_at), last.id)
