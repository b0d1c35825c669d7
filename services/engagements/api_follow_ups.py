"""HTTP routes for follow-ups: on an engagement, and "my follow-ups" across them."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from services.engagements import followups, service
from services.engagements.deps import CallerTeams, Cursor, LocalZone, Writer
from services.engagements.schemas import (
    FollowUpCreate,
    FollowUpPage,
    FollowUpRead,
    FollowUpStatus,
    FollowUpUpdate,
    OverdueCounts,
    OwedBy,
    PartnerName,
)
from services.engagements.views import follow_up_read, local_today, people_of
from services.kit import sync
from services.kit.app import CallerDep, SessionDep
from services.kit.edge import Answer, ExpectedVersion, IdempotencyDep, UpdatedSince
from services.kit.inputs import Date
from services.kit.preconditions import etag

router = APIRouter(prefix="/api/v1", tags=["follow-ups"], dependencies=[CallerTeams])
Limit = Annotated[int, Query(ge=1, le=200)]


def _page(session, rows, next_cursor, total, zone) -> FollowUpPage:
    today = local_today(zone)
    titles, partners = followups.engagement_context(session=session, follow_ups=rows)
    people = people_of(session, (f.assignee for f in rows))
    items = [
        follow_up_read(f, today=today, people=people).model_copy(
            update={
                "engagement_title": titles.get(f.engagement_id),
                "engagement_partners": [PartnerName.model_validate(p) for p in partners.get(f.engagement_id, [])],
            }
        )
        for f in rows
    ]
    return FollowUpPage(items=items, next_cursor=next_cursor, total=total)


@router.get("/engagements/{engagement_id}/follow-ups", response_model=FollowUpPage)
def follow_ups_of_engagement(
    engagement_id: uuid.UUID,
    session: SessionDep,
    caller: CallerDep,
    zone: LocalZone,
    status: FollowUpStatus | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
    updated_since: UpdatedSince = None,
) -> FollowUpPage:
    service.get_engagement(session=session, caller=caller, engagement_id=engagement_id)
    position = sync.since(updated_since=updated_since, cursor=cursor)
    return _page(
        session,
        *followups.list_follow_ups(
            session=session,
            caller=caller,
            engagement_id=engagement_id,
            status=status,
            limit=limit,
            cursor=cursor,
            position=position,
        ),
        zone,
    )


@router.post(
    "/engagements/{engagement_id}/follow-ups", status_code=status.HTTP_201_CREATED, response_model=FollowUpRead
)
def add_follow_up(
    engagement_id: uuid.UUID,
    body: FollowUpCreate,
    session: SessionDep,
    caller: Writer,
    zone: LocalZone,
    idempotency: IdempotencyDep,
):
    def write() -> Answer:
        follow_up = followups.add_follow_up(session=session, caller=caller, engagement_id=engagement_id, data=body)
        headers = {"Location": f"/api/v1/follow-ups/{follow_up.id}", "ETag": etag(follow_up.version)}
        return follow_up_read(follow_up, today=local_today(zone), session=session), headers

    return idempotency.run(body=body, write=write)


@router.get("/follow-ups", response_model=FollowUpPage)
def list_follow_ups(
    session: SessionDep,
    caller: CallerDep,
    zone: LocalZone,
    assignee: Annotated[str | None, Query(max_length=200, description="`me`: the caller")] = None,
    status: FollowUpStatus | None = None,
    due_before: Date | None = None,
    partner_id: uuid.UUID | None = None,
    owed_by: Annotated[OwedBy | None, Query(description="`quebec`: owed by us; `partner`: owed to us")] = None,
    team: Annotated[str | None, Query(max_length=64, description="`mine`: the caller's teams; or a team id")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
    updated_since: UpdatedSince = None,
) -> FollowUpPage:
    position = sync.since(updated_since=updated_since, cursor=cursor)
    return _page(
        session,
        *followups.list_follow_ups(
            session=session,
            caller=caller,
            assignee=assignee,
            status=status,
            due_before=due_before,
            partner_id=partner_id,
            owed_by=owed_by,
            team=team,
            limit=limit,
            cursor=cursor,
            position=position,
        ),
        zone,
    )


@router.get("/follow-ups/overdue", response_model=OverdueCounts)
def overdue_follow_ups(
    session: SessionDep,
    caller: CallerDep,
    zone: LocalZone,
    ages: Annotated[
        list[Annotated[int, Query(ge=0, le=3650)]],
        Query(max_length=8, description="days late; each answered with the open follow-ups later than that"),
    ] = [0, 7, 30, 90],  # noqa: B006 - FastAPI copies a list default per request
    assignee: Annotated[str | None, Query(max_length=200, description="`me`: the caller")] = None,
) -> OverdueCounts:
    today = local_today(zone)
    ages = sorted(set(ages))
    counts = followups.overdue_counts(session=session, caller=caller, today=today, ages=ages, assignee=assignee)
    return OverdueCounts(as_of=today, owed_by=counts)


@router.get("/follow-ups/{follow_up_id}", response_model=FollowUpRead)
def get_follow_up(follow_up_id: uuid.UUID, session: SessionDep, caller: CallerDep, zone: LocalZone, response: Response):
    follow_up, _ = followups.get_follow_up(session=session, caller=caller, follow_up_id=follow_up_id)
    response.headers["ETag"] = etag(follow_up.version)
    return follow_up_read(follow_up, today=local_today(zone), session=session)


@router.patch("/follow-ups/{follow_up_id}", response_model=FollowUpRead)
def update_follow_up(
    follow_up_id: uuid.UUID,
    body: FollowUpUpdate,
    session: SessionDep,
    caller: Writer,
    zone: LocalZone,
    response: Response,
    expected: ExpectedVersion,
):
    follow_up = followups.update_follow_up(
        session=session, caller=caller, follow_up_id=follow_up_id, data=body, expected_version=expected
    )
    response.headers["ETag"] = etag(follow_up.version)
    return follow_up_read(follow_up, today=local_today(zone), session=session)
