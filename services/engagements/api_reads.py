"""HTTP routes that read across engagements: a partner's history, the thrusts report, an officer's calendar."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from sqlalchemy import select
from sqlmodel import col

from services.engagements import calendar_feed, partner_copies, queries, reports
from services.engagements.deps import CallerTeams, Cursor, LocalZone, SearchLimits, as_utc
from services.engagements.models import FollowUp
from services.engagements.schemas import EngagementType, HistoryItem, PartnerHistory, PartnerSummary
from services.engagements.views import engagements_read, follow_up_read, local_today, people_of
from services.kit.app import CallerDep, SessionDep
from services.kit.headers import content_disposition
from services.kit.inputs import DateTime

router = APIRouter(prefix="/api/v1", tags=["history", "reports"], dependencies=[CallerTeams])


@router.get("/partners/{partner_id}/history", response_model=PartnerHistory)
def partner_history(
    partner_id: uuid.UUID,
    session: SessionDep,
    caller: CallerDep,
    zone: LocalZone,
    limits: SearchLimits,
    include: Annotated[Literal["members"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Cursor = None,
) -> PartnerHistory:
    """Newest first: each engagement with its follow-ups. A merged partner's history is its survivor's."""
    partner = partner_copies.get_known_partner(session=session, partner_id=partner_id)
    ids = partner_copies.with_members(session=session, partner_id=partner.id) if include else [partner.id]
    page = queries.find(
        session=session,
        caller=caller,
        flt=queries.EngagementFilter(partner_ids=ids),
        limit=limit,
        cursor=cursor,
        limits=limits,
    )
    by_engagement: dict[uuid.UUID, list[Any]] = {}
    if page.items:
        today = local_today(zone)
        rows = list(
            session.scalars(
                select(FollowUp)
                .where(col(FollowUp.engagement_id).in_([e.id for e in page.items]))
                .order_by(col(FollowUp.created_at), col(FollowUp.id))
            )
        )
        people = people_of(session, (f.assignee for f in rows))
        for follow_up in rows:
            read = follow_up_read(follow_up, today=today, people=people)
            by_engagement.setdefault(follow_up.engagement_id, []).append(read)
    items = [
        HistoryItem(engagement=read, follow_ups=by_engagement.get(read.id, []))
        for read in engagements_read(session, page.items)
    ]
    return PartnerHistory(
        partner=PartnerSummary.model_validate(partner),
        included_partner_ids=ids,
        items=items,
        next_cursor=page.next_cursor,
        total=page.total,
        total_is_estimate=page.total_is_estimate,
    )


@router.get("/reports/thrusts")
def thrust_report(
    session: SessionDep,
    caller: CallerDep,
    zone: LocalZone,
    starts_from: Annotated[DateTime | None, Query(alias="from")] = None,
    starts_to: Annotated[DateTime | None, Query(alias="to")] = None,
    group_by: Literal["region", "quarter", "type"] | None = None,
    type: EngagementType | None = None,
    region: Annotated[str | None, Query(max_length=32)] = None,
) -> dict[str, Any]:
    """Engagements per thrust (a parent counts each engagement once), grouped by `group_by`; `type` and
    `region` (of a partner involved) keep only those engagements, as on the engagement list."""
    return reports.thrust_report(
        session=session,
        caller=caller,
        starts_from=as_utc(starts_from, zone),
        starts_to=as_utc(starts_to, zone),
        group_by=group_by,
        type=type,
        region=region,
    )


@router.get("/calendar/{officer}.ics", response_class=Response, responses={200: {"content": {"text/calendar": {}}}})
def officer_calendar(
    officer: Annotated[str, Path(max_length=200)], session: SessionDep, caller: CallerDep, zone: LocalZone
) -> Response:
    body = calendar_feed.officer_calendar(session=session, caller=caller, officer=officer, zone=zone)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": content_disposition(f"{officer}.ics", disposition="inline")},
    )
