"""Rebuilding others' copies: every partner republished as a `liaison.partner.snapshot` (its state and
the relationships it is the subject of), in batches in partner-id order, through the outbox.

Each batch is one request's unit of work (its outbox rows commit together) and answers the cursor of
the next, so a resync stopped half-way (a crash, Ctrl-C) resumes where the last committed batch ended.
Consumers apply snapshots with the version rule: a resync racing ordinary changes never undoes one.
"""

from __future__ import annotations

import uuid
from collections import defaultdict

from sqlalchemy import select
from sqlmodel import Session, col

from services.kit import cursors
from services.partners.events import record_partner_snapshot
from services.partners.models import Partner, Relationship

MAX_BATCH = 1000


def publish_snapshots(*, session: Session, cursor: str | None, limit: int) -> tuple[int, str | None]:
    """Snapshots of up to `limit` partners after `cursor`; returns how many and the next cursor (None: done)."""
    query = select(Partner).order_by(col(Partner.id)).limit(limit + 1)
    if cursor is not None:
        (after,) = cursors.decode(cursor, uuid.UUID)
        query = query.where(col(Partner.id) > after)
    partners = list(session.scalars(query))
    more = len(partners) > limit
    partners = partners[:limit]
    relationships: dict[uuid.UUID, list[Relationship]] = defaultdict(list)
    if partners:
        for relationship in session.scalars(
            select(Relationship)
            .where(col(Relationship.partner_id).in_([p.id for p in partners]))
            .order_by(col(Relationship.id))
        ):
            relationships[relationship.partner_id].append(relationship)
    for partner in partners:
        record_partner_snapshot(session=session, partner=partner, relationships=relationships[partner.id])
    return len(partners), cursors.encode(partners[-1].id) if more else None
