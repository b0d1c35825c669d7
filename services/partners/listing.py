"""Lists of partners: filters, ranked search, opaque keyset cursors and a total."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import ColumnElement, func, or_, select, tuple_
from sqlmodel import Session, col

from services.kit import cursors, sync
from services.kit.thrusts import taxonomy
from services.partners import search
from services.partners.models import Partner, PartnerThrust, Relationship
from services.partners.schemas import ArchivedFilter, PartnerKind, PartnerStatus, Region

MAX_LIMIT = 200


@dataclass(frozen=True)
class PartnerFilters:
    q: str | None = None
    kind: PartnerKind | None = None
    country: str | None = None
    region: Region | None = None
    thrust: str | None = None
    status: PartnerStatus | None = None
    member_of: uuid.UUID | None = None
    as_of: date | None = None
    owner: str | None = None
    owner_team: uuid.UUID | None = None
    archived: ArchivedFilter = ArchivedFilter.EXCLUDE

    def conditions(self, *, merged: bool = False) -> list[ColumnElement]:
        # A merged partner is a redirect, not a partner: listed only to a sync (`merged`).
        where: list[ColumnElement] = [] if merged else [col(Partner.merged_into).is_(None)]
        for name in ("kind", "country", "region", "status", "owner"):
            value = getattr(self, name)
            if value is not None:
                where.append(getattr(Partner, name) == value)
        # An archived partner stays out of lists and searches unless asked for (an explicit status asks).
        if self.status is None and self.archived == ArchivedFilter.EXCLUDE:
            where.append(col(Partner.status) == PartnerStatus.ACTIVE)
        elif self.status is None and self.archived == ArchivedFilter.ONLY:
            where.append(col(Partner.status) == PartnerStatus.ARCHIVED)
        if self.owner_team is not None:
            where.append(col(Partner.owner_team_id) == self.owner_team)
        if self.thrust is not None:
            codes = sorted(taxonomy().expand(self.thrust))
            where.append(
                col(Partner.id).in_(select(col(PartnerThrust.partner_id)).where(col(PartnerThrust.code).in_(codes)))
            )
        if self.member_of is not None:
            where.append(col(Partner.id).in_(members_query(self.member_of, self.as_of)))
        return where


def members_query(organisation_id: uuid.UUID, as_of: date | None):
    """Partners that are members of `organisation_id` on `as_of` (today's members when None)."""
    day = as_of or date.today()  # noqa: DTZ011 (the server runs on UTC; membership dates are days)
    return select(col(Relationship.partner_id)).where(
        col(Relationship.type) == "member_of",
        col(Relationship.target_id) == organisation_id,
        or_(col(Relationship.since).is_(None), col(Relationship.since) <= day),
        or_(col(Relationship.until).is_(None), col(Relationship.until) >= day),
    )


def list_partners(
    *,
    session: Session,
    filters: PartnerFilters,
    limit: int = 50,
    cursor: str | None = None,
    position: sync.Since | None = None,
) -> tuple[list[Partner], str | None, int]:
    """`position`: an incremental sync (kit/sync.py): changed since then, oldest change first."""
    if position is not None:
        return _changed_page(session, filters, limit, position)
    conditions = filters.conditions()
    if filters.q and search.fold(filters.q):
        return _ranked_page(session, filters.q, conditions, limit, cursor)
    total = session.scalar(select(func.count()).select_from(Partner).where(*conditions))
    statement = select(Partner).where(*conditions)
    if cursor:
        sort_key, last_id = cursors.decode(cursor, str, uuid.UUID)
        statement = statement.where(tuple_(Partner.sort_key, Partner.id) > tuple_(sort_key, last_id))
    rows = list(session.scalars(statement.order_by(Partner.sort_key, col(Partner.id)).limit(limit + 1)))
    next_cursor = cursors.encode(rows[limit - 1].sort_key, rows[limit - 1].id) if len(rows) > limit else None
    return rows[:limit], next_cursor, total or 0


def _changed_page(session: Session, filters: PartnerFilters, limit: int, position: sync.Since):
    # A sync sees every change: archiving and merging included (a merged partner shows `merged_into`).
    archived = ArchivedFilter.ONLY if filters.archived == ArchivedFilter.ONLY else ArchivedFilter.INCLUDE
    conditions = replace(filters, archived=archived).conditions(merged=True)
    if filters.q and search.fold(filters.q):
        matching = [p.id for _, p in search.ranked(session=session, query=filters.q, conditions=conditions)]
        conditions.append(col(Partner.id).in_(matching))
    after = sync.changed_after(position, col(Partner.updated_at), col(Partner.id))
    total = session.scalar(select(func.count()).select_from(Partner).where(*conditions, after))
    statement = select(Partner).where(*conditions, after).order_by(col(Partner.updated_at), col(Partner.id))
    rows = list(session.scalars(statement.limit(limit)))
    return rows, sync.resume_cursor(position, rows), total or 0


def _ranked_page(session, q, conditions, limit, cursor):
    results = search.ranked(session=session, query=q, conditions=conditions)
    start = 0
    if cursor:
        score, sort_key, last_id = cursors.decode(cursor, float, str, str)
        after = (-score, sort_key, last_id)
        start = next((i for i, (s, p) in enumerate(results) if (-s, p.sort_key, str(p.id)) > after), len(results))
    page = results[start : start + limit]
    next_cursor = None
    if start + limit < len(results):
        s, last = page[-1]
        next_cursor = cursors.encode(s, last.sort_key, str(last.id))
    return [p for _, p in page], next_cursor, len(results)


def all_matching(*, session: Session, filters: PartnerFilters, batch: int = 500) -> Iterator[Partner]:
    """Every partner of a filtered list, page after page (for the CSV export)."""
    cursor = None
    while True:
        items, cursor, _ = list_partners(session=session, filters=filters, limit=batch, cursor=cursor)
        yield from items
        if cursor is None:
            return
