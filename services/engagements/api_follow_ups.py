"""HTTP routes for follow-ups: on an engagement, and "my follow-ups" across them."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import JSONResponse

from services.engagements import followups, idempotency, service
from services.engagements.api import IdempotencyKey, IfMatch
from services.engagements.schemas import FollowUpCreate, FollowUpPage, FollowUpRead, FollowUpStatus, FollowUpUpdate
from services.engagements.views import follow_up_read
from services.kit.app import CallerDep, SessionDep
from services.kit.preconditions import etag

router = APIRouter(prefix="/api/v1", tags=["follow-ups"])
Limit = Annotated[int, Query(ge=1, le=200)]
Cursor = Annotated[str | None, Query(max_length=500)]


def _page(rows, next_cursor, total) -> FollowUpPage:
    return FollowUpPage(items=[follow_up_read(f) for f in rows], next_cursor=next_cursor, total=total)


@router.get("/engagements/{engagement_id}/follow-ups", response_model=FollowUpPage)
def follow_ups_of_engagement(
    engagement_id: uuid.UUID,
    session: SessionDep,
    caller: CallerDep,
    status: FollowUpStatus | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> FollowUpPage:
    service.get_engagement(session=session, caller=caller, engagement_id=engagement_id)
    return _page(
        *followups.list_follow_ups(
            session=session, caller=caller, engagement_id=engagement_id, status=status, limit=limit, cursor=cursor
        )
    )


@router.post(
    "/engagements/{engagement_id}/follow-ups", status_code=status.HTTP_201_CREATED, response_model=FollowUpRead
)
def add_follow_up(
    engagement_id: uuid.UUID,
    body: FollowUpCreate,
    session: SessionDep,
    caller: CallerDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
):
    record = None
    if idempotency_key is not None:
        record = idempotency.begin(
            session=session,
            caller=caller,
            key=idempotency_key,
            scope=f"POST engagements/{engagement_id}/follow-ups",
            body=body.model_dump(mode="json"),
        )
        if record.status_code:
            return JSONResponse(
                record.response,
                status_code=record.status_code,
                headers=record.headers | {"Idempotent-Replayed": "true"},
            )
    follow_up = followups.add_follow_up(session=session, caller=caller, engagement_id=engagement_id, data=body)
    read = follow_up_read(follow_up)
    headers = {"Location": f"/api/v1/follow-ups/{follow_up.id}", "ETag": etag(follow_up.version)}
    if record is not None:
        idempotency.finish(
            session=session, record=record, status_code=201, response=read.model_dump(mode="json"), headers=headers
        )
    response.headers.update(headers)
    return read


@router.get("/follow-ups", response_model=FollowUpPage)
def list_follow_ups(
    session: SessionDep,
    caller: CallerDep,
    assignee: Annotated[str | None, Query(max_length=200, description="`me`: the caller")] = None,
    status: FollowUpStatus | None = None,
    due_before: date | None = None,
    partner_id: uuid.UUID | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> FollowUpPage:
    return _page(
        *followups.list_follow_ups(
            session=session,
            caller=caller,
            assignee=assignee,
            status=status,
            due_before=due_before,
            partner_id=partner_id,
            limit=limit,
            cursor=cursor,
        )
    )


@router.get("/follow-ups/{follow_up_id}", response_model=FollowUpRead)
def get_follow_up(follow_up_id: uuid.UUID, session: SessionDep, caller: CallerDep, response: Response):
    follow_up, _ = followups.get_follow_up(session=session, caller=caller, follow_up_id=follow_up_id)
    response.headers["ETag"] = etag(follow_up.version)
    return follow_up_read(follow_up)


@router.patch("/follow-ups/{follow_up_id}", response_model=FollowUpRead)
def update_follow_up(
    follow_up_id: uuid.UUID,
    body: FollowUpUpdate,
    session: SessionDep,
    caller: CallerDep,
    response: Response,
    if_match: IfMatch = None,
):
    follow_up = followups.update_follow_up(
        session=session, caller=caller, follow_up_id=follow_up_id, data=body, if_match=if_match
    )
    response.headers["ETag"] = etag(follow_up.version)
    return follow_up_read(follow_up)
