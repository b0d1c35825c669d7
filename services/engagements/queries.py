"""Finding engagements: filters, full text, keyset pages (newest first) and facet counts.

Every query here goes through `visible_to(caller)`: a restricted engagement the caller may not see
is in no list, no total and no facet count.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, Select, exists, func, select
from sqlmodel import Session

from services.kit.identity import Caller
from services.kit.thrusts import taxonomy
from services.engagements import cursors, search
from services.engagements.access import visible_to
from services.engagements.models import (Engagement, EngagementOfficer, EngagementPartner, EngagementThrust,
                                         PartnerCopy)


@dataclass
class EngagementFilter:
    q: str | None = None
    partner_ids: list[uuid.UUID] = field(default_factory=list)
    thrust: str | None = None
    type: str | None = None
    country: str | None = None
    region: str | None = None
    officer: str | None = None
    starts_from: datetime | None = None
    starts_to: datetime | None = None
    confidentiality: str | None = None
    mission_id: uuid.UUID | None = None


@dataclass
class Page:
    items: list[Engagement]
    next_cursor: str | None
    total: int


def _partner_matches(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists().where(EngagementPartner.engagement_id == Engagement.id,
                          EngagementPartner.partner_id == PartnerCopy.id, condition)


def conditions(session: Session, caller: Caller, flt: EngagementFilter) -> list[ColumnElement[bool]]:
    where = [visible_to(caller)]
    if flt.q and (match := search.matches(session, flt.q)) is not None:
        where.append(match)
    if flt.partner_ids:
        where.append(Engagement.id.in_(select(EngagementPartner.engagement_id).where(
            EngagementPartner.partner_id.in_(flt.partner_ids))))
    if flt.thrust:
        where.append(Engagement.id.in_(select(EngagementThrust.engagement_id).where(
            EngagementThrust.code.in_(taxonomy().expand(flt.thrust)))))
    if flt.type:
        where.append(Engagement.type == flt.type)
    if flt.country:
        where.append((Engagement.location_country == flt.country) | _partner_matches(PartnerCopy.country == flt.country))
    if flt.region:
        where.append(_partner_matches(PartnerCopy.region == flt.region))
    if flt.officer:
        where.append(exists().where(EngagementOfficer.engagement_id == Engagement.id,
                                    EngagementOfficer.officer == flt.officer))
    if flt.starts_from:
        where.append(Engagement.starts_at >= flt.starts_from)
    if flt.starts_to:
        where.append(Engagement.starts_at < flt.starts_to)
    if flt.confidentiality:
        where.append(Engagement.confidentiality == flt.confidentiality)
    if flt.mission_id:
        where.append(Engagement.mission_id == flt.mission_id)
    return where


def _after(cursor: str) -> ColumnElement[bool]:
    starts, last = cursors.decode(cursor, size=2)
    try:
        starts_at, last_id = datetime.fromisoformat(starts), uuid.UUID(last)
    except ValueError:
        raise cursors.BadCursor("The cursor is not one this service gave out.") from None
    return (Engagement.starts_at < starts_at) | ((Engagement.starts_at == starts_at) & (Engagement.id < last_id))


def find(*, session: Session, caller: Caller, flt: EngagementFilter, limit: int = 20,
         cursor: str | None = None) -> Page:
    where = conditions(session, caller, flt)
    total = session.scalar(select(func.count()).select_from(Engagement).where(*where))
    query: Select = select(Engagement).where(*where)
    if cursor:
        query = query.where(_after(cursor))
    rows = list(session.scalars(query.order_by(Engagement.starts_at.desc(), Engagement.id.desc()).limit(limit + 1)))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = cursors.encode(rows[-1].starts_at.isoformat(), str(rows[-1].id))
    return Page(rows, next_cursor, total or 0)


def facets(*, session: Session, caller: Caller, flt: EngagementFilter) -> dict[str, dict[str, int]]:
    """Counts by thrust (a parent counts each engagement under it once), type, year and region."""
    matching = select(Engagement.id).where(*conditions(session, caller, flt)).scalar_subquery()

    def counted(column, *, joins=(), distinct=EngagementThrust.engagement_id, source=EngagementThrust):
        query = select(column, func.count(func.distinct(distinct))).select_from(source)
        for target, on in joins:
            query = query.join(target, on)
        rows = session.execute(query.where(distinct.in_(matching)).group_by(column)).all()
        return {str(key if key is not None else "unknown"): n for key, n in rows}

    thrust = counted(EngagementThrust.code) | counted(EngagementThrust.top)
    return {
        "thrust": dict(sorted(thrust.items())),
        "type": counted(Engagement.type, distinct=Engagement.id, source=Engagement),
        "year": counted(Engagement.local_year, distinct=Engagement.id, source=Engagement),
        "region": counted(PartnerCopy.region, source=EngagementPartner, distinct=EngagementPartner.engagement_id,
                          joins=[(PartnerCopy, PartnerCopy.id == EngagementPartner.partner_id)]),
    }
