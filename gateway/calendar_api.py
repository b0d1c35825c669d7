"""Routes for secret calendar addresses: make, list and revoke one's own; read one with no credential.

The front door has checked the caller against the policy table (the `.ics` route is public: the
secret in the address is the credential).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status
from pydantic import BaseModel, ConfigDict

from gateway import calendar_feeds
from gateway.api import PrincipalDep, runtime_of
from services.kit.app import SessionDep
from services.kit.openapi_problems import problems
from services.kit.problems import NotFound, Problem

router = APIRouter(prefix="/api/v1", tags=["calendar"])


class CalendarFeedRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    created_at: datetime
    revoked_at: datetime | None


class CalendarFeedCreated(CalendarFeedRead):
    url: str  # shown this once: the secret is not kept


class CalendarFeedList(BaseModel):
    items: list[CalendarFeedRead]


def _person(principal: PrincipalDep) -> str:
    if principal.via == "key":
        # A calendar belongs to a person; an integration's key has none.
        raise Problem("Calendar addresses are for people, not API keys.", status=403, title="Forbidden")
    return principal.caller.user


@router.post(
    "/calendar/feeds", status_code=status.HTTP_201_CREATED, response_model=CalendarFeedCreated, responses=problems(409)
)
def create_feed(
    request: Request, principal: PrincipalDep, session: SessionDep, response: Response
) -> CalendarFeedCreated:
    feed, secret = calendar_feeds.create_feed(session=session, username=_person(principal))
    response.headers["Location"] = f"/api/v1/calendar/feeds/{feed.id}"
    url = f"{str(request.base_url).rstrip('/')}/api/v1/calendar/feeds/{secret}.ics"
    return CalendarFeedCreated(id=feed.id, created_at=feed.created_at, revoked_at=feed.revoked_at, url=url)


@router.get("/calendar/feeds", response_model=CalendarFeedList)
def list_feeds(principal: PrincipalDep, session: SessionDep) -> CalendarFeedList:
    feeds = calendar_feeds.list_feeds(session=session, username=_person(principal))
    return CalendarFeedList(items=[CalendarFeedRead.model_validate(f) for f in feeds])


@router.delete("/calendar/feeds/{feed_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problems(404))
def revoke_feed(feed_id: uuid.UUID, principal: PrincipalDep, session: SessionDep) -> Response:
    calendar_feeds.revoke_feed(session=session, username=_person(principal), feed_id=feed_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/calendar/feeds/{secret}.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}, **problems(404, 503)},
)
async def read_feed(request: Request, secret: Annotated[str, Path(max_length=200)], session: SessionDep) -> Response:
    username = calendar_feeds.feed_owner(session=session, secret=secret)
    if username is None:
        raise NotFound("No calendar at this address: it was revoked, or never was.")
    runtime = runtime_of(request)
    body = await calendar_feeds.read_calendar(
        http=request.app.state.web.http, settings=runtime.settings, username=username
    )
    if body is None:
        raise Problem("The calendar is unavailable for now; try again in a moment.", status=503)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "private, max-age=300", "Content-Disposition": 'inline; filename="liaison.ics"'},
    )
