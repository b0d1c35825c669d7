"""Finding engagements: filters, full text, keyset pages (newest first) and facet counts.

Every query here goes through `visible_to(caller)`: a restricted engagement the caller may not see
is in no list, no total and no facet count.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, Select, String, cast, exists, func, literal, select, union_all
from sqlmodel import Session, col

from services.engagements import search
from services.engagements.access import drafts_of, visible_to
from services.engagements.models import Engagement, EngagementOfficer, EngagementPartner, EngagementThrust, PartnerCopy
from services.engagements.schemas import Confidentiality, EngagementType
from services.kit import cursors
from services.kit.db import table_of
from services.kit.identity import Caller
from services.kit.thrusts import taxonomy


@dataclass
class EngagementFilter:
    q: str | None = None
    partner_ids: list[uuid.UUID] = field(default_factory=list)
    thrust: str | None = None
    type: EngagementType | None = None
    country: str | None = None
    region: str | None = None
    officer: str | None = None
    starts_from: datetime | None = None
    starts_to: datetime | None = None
    confidentiality: Confidentiality | None = None
    mission_id: uuid.UUID | None = None
    drafts: bool = False  # the caller's own drafts instead of engagements


@dataclass
class Page:
    items: list[Engagement]
    next_cursor: str | None
    total: int


def _partner_matches(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists().where(
        col(EngagementPartner.engagement_id) == col(Engagement.id),
        col(EngagementPartner.partner_id) == col(PartnerCopy.id),
        condition,
    )


def conditions(session: Session, caller: Caller, flt: EngagementFilter) -> list[ColumnElement[bool]]:
    where = [drafts_of(caller) if flt.drafts else visible_to(caller)]
    if flt.q and (match := search.matches(session, flt.q)) is not None:
        where.append(match)
    if flt.partner_ids:
        where.append(
            col(Engagement.id).in_(
                select(col(EngagementPartner.engagement_id)).where(
                    col(EngagementPartner.partner_id).in_(flt.partner_ids)
                )
            )
        )
    if flt.thrust:
        where.append(
            col(Engagement.id).in_(
                select(col(EngagementThrust.engagement_id)).where(
                    col(EngagementThrust.code).in_(taxonomy().expand(flt.thrust))
                )
            )
        )
    if flt.type:
        where.append(col(Engagement.type) == flt.type)
    if flt.country:
        where.append(
            (col(Engagement.location_country) == flt.country)
            | _partner_matches(col(PartnerCopy.country) == flt.country)
        )
    if flt.region:
        where.append(_partner_matches(col(PartnerCopy.region) == flt.region))
    if flt.officer:
        where.append(
            exists().where(
                col(EngagementOfficer.engagement_id) == col(Engagement.id),
                col(EngagementOfficer.officer) == flt.officer,
            )
        )
    if flt.starts_from:
        where.append(col(Engagement.starts_at) >= flt.starts_from)
    if flt.starts_to:
        where.append(col(Engagement.starts_at) < flt.starts_to)
    if flt.confidentiality:
        where.append(col(Engagement.confidentiality) == flt.confidentiality)
    if flt.mission_id:
        where.append(col(Engagement.mission_id) == flt.mission_id)
    return where


def _after(cursor: str) -> ColumnElement[bool]:
    starts_at, last_id = cursors.decode(cursor, datetime, uuid.UUID)
    return (Engagement.starts_at < starts_at) | ((Engagement.starts_at == starts_at) & (Engagement.id < last_id))


def find(
    *,
    session: Session,
    caller: Caller,
    flt: EngagementFilter,
    limit: int = 20,
    cursor: str | None = None,
    count: bool = True,
) -> Page:
    """`count=False` leaves `total` at 0 for a caller that knows it already (from facets)."""
    where = conditions(session, caller, flt)
    total = session.scalar(select(func.count()).select_from(Engagement).where(*where)) if count else 0
    query: Select = select(Engagement).where(*where)
    if cursor:
        query = query.where(_after(cursor))
    rows = list(
        session.scalars(query.order_by(col(Engagement.starts_at).desc(), col(Engagement.id).desc()).limit(limit + 1))
    )
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = cursors.encode(rows[-1].starts_at, rows[-1].id)
    return Page(rows, next_cursor, total or 0)


def facets(*, session: Session, caller: Caller, flt: EngagementFilter) -> dict[str, dict[str, int]]:
    """Counts by thrust (a parent counts each engagement under it once), type, year, quarter ("2026-Q4",
    in the service's time zone) and region.

    One statement: the matching engagements are found once (a CTE) and counted five ways.
    """
    matching = (
        select(
            col(Engagement.id).label("id"),
            col(Engagement.type).label("type"),
            col(Engagement.local_year).label("year"),
            col(Engagement.local_quarter).label("quarter"),
        )
        .where(*conditions(session, caller, flt))
        .cte("matching")
    )
    quarter = cast(matching.c.year, String) + literal("-Q") + cast(matching.c.quarter, String)
    thrusts = table_of(EngagementThrust).alias("thrusts")
    links = table_of(EngagementPartner).alias("links")
    partners = table_of(PartnerCopy).alias("partners")
    parts = [
        select(literal("type"), cast(matching.c.type, String), func.count()).group_by(matching.c.type),
        select(literal("year"), cast(matching.c.year, String), func.count()).group_by(matching.c.year),
        select(literal("quarter"), quarter, func.count()).group_by(quarter),
        select(literal("thrust"), thrusts.c.code, func.count())
        .join(matching, matching.c.id == thrusts.c.engagement_id)
        .group_by(thrusts.c.code),
        select(literal("thrust"), thrusts.c.top, func.count(func.distinct(thrusts.c.engagement_id)))
        .join(matching, matching.c.id == thrusts.c.engagement_id)
        .group_by(thrusts.c.top),
        select(literal("region"), partners.c.region, func.count(func.distinct(links.c.engagement_id)))
        .select_from(links)
        .join(matching, matching.c.id == links.c.engagement_id)
        .join(partners, partners.c.id == links.c.partner_id)
        .group_by(partners.c.region),
    ]
    counts: dict[str, dict[str, int]] = {"thrust": {}, "type": {}, "year": {}, "quarter": {}, "region": {}}
    for facet, key, n in session.execute(union_all(*parts)):
        counts[facet][key if key is not None else "unknown"] = n
    counts["thrust"] = dict(sorted(counts["thrust"].items()))
    return counts
