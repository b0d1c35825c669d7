"""The policy's coverage: how many engagements each thrust has had, by region, quarter or type, over the
engagements a filter keeps (time range, type, partners' region: the engagement list's own conditions)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from services.engagements import queries
from services.engagements.models import Engagement, EngagementPartner, EngagementThrust, PartnerCopy
from services.engagements.schemas import EngagementType
from services.kit.identity import Caller
from services.kit.thrusts import taxonomy

GROUPS = ("region", "quarter", "type")


def thrust_report(
    *,
    session: Session,
    caller: Caller,
    starts_from: datetime | None,
    starts_to: datetime | None,
    group_by: str | None,
    type: EngagementType | None = None,
    region: str | None = None,
) -> dict[str, Any]:
    flt = queries.EngagementFilter(type=type, region=region, starts_from=starts_from, starts_to=starts_to)
    where = queries.conditions(session, caller, flt)
    group_columns: list[Any] = []
    joins: list[Any] = []
    if group_by == "type":
        group_columns = [Engagement.type]
    elif group_by == "quarter":
        group_columns = [Engagement.local_year, Engagement.local_quarter]
    elif group_by == "region":
        # Aliased: the region filter's EXISTS on the partner copies must not correlate with this join.
        link, copy = aliased(EngagementPartner), aliased(PartnerCopy)
        group_columns = [copy.region]
        joins = [(link, link.engagement_id == Engagement.id), (copy, copy.id == link.partner_id)]

    def count(code_column) -> dict[str, dict[str, int]]:
        query = (
            select(code_column, *group_columns, func.count(func.distinct(Engagement.id)))
            .select_from(EngagementThrust)
            .join(Engagement, col(Engagement.id) == col(EngagementThrust.engagement_id))
        )
        for target, on in joins:
            query = query.join(target, on)
        counts: dict[str, dict[str, int]] = {}
        for code, *keys, n in session.execute(query.where(*where).group_by(code_column, *group_columns)):
            counts.setdefault(code, {})[_group_key(group_by, keys)] = n
        return counts

    def totals(code_column) -> dict[str, int]:
        query = (
            select(code_column, func.count(func.distinct(Engagement.id)))
            .select_from(EngagementThrust)
            .join(Engagement, col(Engagement.id) == col(EngagementThrust.engagement_id))
            .where(*where)
            .group_by(code_column)
        )
        return dict(session.execute(query).all())

    by_code, by_top = (count(EngagementThrust.code), count(EngagementThrust.top)) if group_by else ({}, {})
    total_code, total_top = totals(EngagementThrust.code), totals(EngagementThrust.top)
    rows = []
    for thrust in taxonomy():
        top_level = thrust.parent is None
        rows.append(
            {
                "code": thrust.code,
                "parent": thrust.parent,
                "en": thrust.en,
                "fr": thrust.fr,
                "total": (total_top if top_level else total_code).get(thrust.code, 0),
                "groups": dict(sorted((by_top if top_level else by_code).get(thrust.code, {}).items())),
            }
        )
    return {"from": starts_from, "to": starts_to, "group_by": group_by, "type": type, "region": region, "rows": rows}


def _group_key(group_by: str | None, keys: list[Any]) -> str:
    if group_by == "quarter":
        return f"{keys[0]}-Q{keys[1]}"
    return "unknown" if keys[0] is None else str(keys[0])
