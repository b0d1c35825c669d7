"""Finding engagements: filters, full text, keyset pages (newest first) and facet counts.

Every query here goes through `visible_to(caller)`: a restricted engagement the caller may not see
is in no list, no total and no facet count.

Nothing here counts or groups more than a bounded number of rows, whatever the size of the record:
- a page is the first rows of an index in the page's order (`ix_engagements_starts`, or for one
  partner `ix_engagement_partners_recent`), the planner stopping at limit + 1;
- the total is exact up to `total_cap` matches (it stops counting there); beyond, it is estimated
  from a sample, and the answer says so (`Page.total_is_estimate`);
- facets are exact when the total is; beyond, they are counted on the same sample and scaled.
The sample is every engagement whose id falls below a bound: ids are random (uuid4), so that is a
uniform sample, found through the primary key on both databases, and the same one from one request
to the next (a page reloaded shows the same estimate).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    String,
    cast,
    exists,
    func,
    literal,
    select,
    text,
    union_all,
)
from sqlmodel import Session, col

from services.engagements import search
from services.engagements.access import drafts_of, visible_to
from services.engagements.models import Engagement, EngagementOfficer, EngagementPartner, EngagementThrust, PartnerCopy
from services.engagements.schemas import AgreementStatus, Confidentiality, EngagementType
from services.kit import cursors, sync
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
    agreement_status: AgreementStatus | None = None
    expires_from: date | None = None
    expires_before: date | None = None
    drafts: bool = False  # the caller's own drafts instead of engagements


# Beyond this many matches, totals and facets are estimated; the sample holds about this many engagements.
TOTAL_CAP = 500
SAMPLE_ROWS = 5_000


@dataclass
class Page:
    items: list[Engagement]
    next_cursor: str | None
    total: int
    total_is_estimate: bool = False


@dataclass
class Counts:
    total: int
    is_estimate: bool
    facets: dict[str, dict[str, int]] | None


def _partner_matches(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists().where(
        col(EngagementPartner.engagement_id) == col(Engagement.id),
        col(EngagementPartner.partner_id) == col(PartnerCopy.id),
        condition,
    )


def conditions(
    session: Session, caller: Caller, flt: EngagementFilter, *, sample: float | None = None
) -> list[ColumnElement[bool]]:
    """`sample`: only the engagements of that sample (`count`), the text matched on each of them."""
    where = [drafts_of(caller) if flt.drafts else visible_to(caller)]
    if sample is not None:
        where.append(_in_sample(sample))
    if flt.q and (match := search.matches(session, flt.q, row_by_row=sample is not None)) is not None:
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
    if flt.agreement_status:
        where.append(col(Engagement.agreement_status) == flt.agreement_status)
    if flt.expires_from:
        where.append(col(Engagement.expires_on) >= flt.expires_from)
    if flt.expires_before:
        where.append(col(Engagement.expires_on) < flt.expires_before)
    return where


def _one_partner(flt: EngagementFilter) -> uuid.UUID | None:
    return flt.partner_ids[0] if len(flt.partner_ids) == 1 else None


def page_statement(
    *, session: Session, caller: Caller, flt: EngagementFilter, limit: int = 20, cursor: str | None = None
) -> Select:
    """One page, newest first, plus one row to tell whether there is a next page.

    For one partner (its history), the page is read from that partner's links in start order
    (`ix_engagement_partners_recent`): the planner walks the newest ones and stops at limit + 1.
    """
    partner_id = _one_partner(flt)
    if partner_id is None:
        starts, ident = table_of(Engagement).c.starts_at, table_of(Engagement).c.id
        query: Select = select(Engagement).where(*conditions(session, caller, flt))
    else:
        starts, ident = table_of(EngagementPartner).c.starts_at, table_of(EngagementPartner).c.engagement_id
        query = (
            select(Engagement)
            .join(EngagementPartner, ident == col(Engagement.id))
            .where(
                col(EngagementPartner.partner_id) == partner_id,
                *conditions(session, caller, replace(flt, partner_ids=[])),
            )
        )
    if cursor:
        after, last_id = cursors.decode(cursor, datetime, uuid.UUID)
        query = query.where((starts < after) | ((starts == after) & (ident < last_id)))
    return query.order_by(starts.desc(), ident.desc()).limit(limit + 1)


def count_statement(
    *, session: Session, caller: Caller, flt: EngagementFilter, cap: int = TOTAL_CAP, sample: float | None = None
) -> Select:
    """How many match, counting no further than cap + 1; with `sample`, among the sampled engagements only."""
    matching = select(col(Engagement.id)).where(*conditions(session, caller, flt, sample=sample))
    if sample is None:
        # In page order: the planner then walks the same index as the page and stops at cap + 1, rather
        # than listing every match from the text index first.
        matching = matching.order_by(col(Engagement.starts_at).desc(), col(Engagement.id).desc()).limit(cap + 1)
    return select(func.count()).select_from(matching.subquery())


def sample_fraction(session: Session, sample_rows: int = SAMPLE_ROWS) -> float:
    """The share of all engagements a sample of about `sample_rows` takes."""
    if search.is_postgres(session):
        # The planner's own row count (VACUUM/ANALYZE keep it): reading it costs nothing.
        rows = session.scalar(text("SELECT reltuples::bigint FROM pg_class WHERE relname = 'engagements'"))
    else:
        rows = session.scalar(text("SELECT max(rowid) FROM engagements"))  # rowids only grow: an upper bound
    return min(1.0, sample_rows / max(rows or 0, 1))


def _in_sample(fraction: float) -> ColumnElement[bool]:
    bound = uuid.UUID(int=min(int(fraction * 2**128), 2**128 - 1))
    return col(Engagement.id) < bound


@dataclass(frozen=True)
class Limits:
    """Beyond `total_cap` matches, totals and facets are estimated on a sample of about `sample_rows`."""

    total_cap: int = TOTAL_CAP
    sample_rows: int = SAMPLE_ROWS


def count(
    *, session: Session, caller: Caller, flt: EngagementFilter, with_facets: bool, limits: Limits = Limits()
) -> Counts:
    """The total (exact up to `cap`, estimated beyond) and, if asked, the facets, counted the same way."""
    cap = limits.total_cap
    exact = session.scalar(count_statement(session=session, caller=caller, flt=flt, cap=cap)) or 0
    if exact <= cap:
        return Counts(exact, False, facets(session=session, caller=caller, flt=flt) if with_facets else None)
    fraction = sample_fraction(session, limits.sample_rows)
    if fraction >= 1.0:  # a small record: the exact figures cost no more than the sample
        where = conditions(session, caller, flt)
        exact = session.scalar(select(func.count()).select_from(Engagement).where(*where)) or 0
        return Counts(exact, False, facets(session=session, caller=caller, flt=flt) if with_facets else None)
    if with_facets:
        sampled = facets(session=session, caller=caller, flt=flt, sample=fraction)
        found = sum(sampled["type"].values())  # every engagement has exactly one type
        scaled = {name: {k: max(1, round(n / fraction)) for k, n in part.items()} for name, part in sampled.items()}
    else:
        found = session.scalar(count_statement(session=session, caller=caller, flt=flt, sample=fraction)) or 0
        scaled = None
    # More than `cap` were seen: an estimate below that would be known to be wrong.
    return Counts(max(cap + 1, round(found / fraction)), True, scaled)


def find(
    *,
    session: Session,
    caller: Caller,
    flt: EngagementFilter,
    limit: int = 20,
    cursor: str | None = None,
    count_total: bool = True,
    limits: Limits = Limits(),
    position: sync.Since | None = None,
) -> Page:
    """`count_total=False` leaves `total` at 0 for a caller that counts it otherwise (`count`). `position`:
    an incremental sync (kit/sync.py), changed since then, oldest change first."""
    if position is not None:
        where = conditions(session, caller, flt)
        where.append(sync.changed_after(position, col(Engagement.updated_at), col(Engagement.id)))
        total = session.scalar(select(func.count()).select_from(Engagement).where(*where)) if count_total else 0
        changed = select(Engagement).where(*where).order_by(col(Engagement.updated_at), col(Engagement.id))
        rows = list(session.scalars(changed.limit(limit)))
        return Page(rows, sync.resume_cursor(position, rows), total or 0)
    query = page_statement(session=session, caller=caller, flt=flt, limit=limit, cursor=cursor)
    rows = list(session.scalars(query))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = cursors.encode(rows[-1].starts_at, rows[-1].id)
    if not count_total:
        return Page(rows, next_cursor, 0)
    if cursor is None and next_cursor is None:  # everything there is fits this page: its size is the total
        return Page(rows, None, len(rows))
    counted = count(session=session, caller=caller, flt=flt, with_facets=False, limits=limits)
    return Page(rows, next_cursor, counted.total, counted.is_estimate)


def facets(
    *, session: Session, caller: Caller, flt: EngagementFilter, sample: float | None = None
) -> dict[str, dict[str, int]]:
    """Counts by thrust (a parent counts each engagement under it once), type, year, quarter ("2026-Q4",
    in the service's time zone) and region; with `sample`, among the sampled engagements only (`count`)."""
    counts: dict[str, dict[str, int]] = {"thrust": {}, "type": {}, "year": {}, "quarter": {}, "region": {}}
    for facet, key, n in session.execute(facets_statement(session=session, caller=caller, flt=flt, sample=sample)):
        counts[facet][key if key is not None else "unknown"] = n
    counts["thrust"] = dict(sorted(counts["thrust"].items()))
    return counts


def facets_statement(
    *, session: Session, caller: Caller, flt: EngagementFilter, sample: float | None = None
) -> CompoundSelect:
    """One statement: the matching engagements are found once (a CTE), their thrusts once (another,
    read through the thrusts' primary key for those engagements only), and counted five ways."""
    where = conditions(session, caller, flt, sample=sample)
    matching = (
        select(
            col(Engagement.id).label("id"),
            col(Engagement.type).label("type"),
            col(Engagement.local_year).label("year"),
            col(Engagement.local_quarter).label("quarter"),
        )
        .where(*where)
        .cte("matching")
    )
    quarter = cast(matching.c.year, String) + literal("-Q") + cast(matching.c.quarter, String)
    thrust_rows = table_of(EngagementThrust).alias("thrusts")
    thrusts = (
        select(thrust_rows.c.engagement_id, thrust_rows.c.code, thrust_rows.c.top)
        .join(matching, matching.c.id == thrust_rows.c.engagement_id)
        .cte("matching_thrusts")
    )
    links = table_of(EngagementPartner).alias("links")
    partners = table_of(PartnerCopy).alias("partners")
    parts = [
        select(literal("type"), cast(matching.c.type, String), func.count()).group_by(matching.c.type),
        select(literal("year"), cast(matching.c.year, String), func.count()).group_by(matching.c.year),
        select(literal("quarter"), quarter, func.count()).group_by(quarter),
        select(literal("thrust"), thrusts.c.code, func.count()).group_by(thrusts.c.code),
        select(literal("thrust"), thrusts.c.top, func.count(func.distinct(thrusts.c.engagement_id))).group_by(
            thrusts.c.top
        ),
        select(literal("region"), partners.c.region, func.count(func.distinct(links.c.engagement_id)))
        .select_from(matching)
        .join(links, matching.c.id == links.c.engagement_id)
        .join(partners, partners.c.id == links.c.partner_id)
        .group_by(partners.c.region),
    ]
    return union_all(*parts)
