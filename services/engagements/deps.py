"""What the engagements routes share: who may write, the service's time zone, common parameters."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, Query, Request

from services.engagements.access import with_teams
from services.engagements.queries import Limits
from services.kit.app import SessionDep
from services.kit.edge import require
from services.kit.identity import Caller
from services.kit.roles import EDITORS, STAFF

Writer = Annotated[Caller, require(EDITORS, "Logging and changing engagements")]
StaffReader = Annotated[Caller, require(STAFF, "Reading the audit trail")]  # the audit names colleagues
Cursor = Annotated[str | None, Query(max_length=500)]


def request_zone(request: Request) -> ZoneInfo:
    return request.app.state.settings.zone


LocalZone = Annotated[ZoneInfo, Depends(request_zone)]


def search_limits(request: Request) -> Limits:
    settings = request.app.state.settings
    return Limits(total_cap=settings.search_total_cap, sample_rows=settings.search_sample_rows)


SearchLimits = Annotated[Limits, Depends(search_limits)]


def as_utc(value: datetime | None, zone: ZoneInfo) -> datetime | None:
    """Query times without a zone are the service's local time (LIAISON_ENGAGEMENTS_TIMEZONE)."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=zone)
    return value


def caller_teams(request: Request, session: SessionDep) -> None:
    """Every route's dependency (its router's): the caller the gateway vouched for, with their teams
    from the people copy, so that whatever decides who sees a restricted engagement (lists, search,
    history, calendar, attachments, reports) lets in the teams it is shared with. Runs before the
    route's own parameters, which read the caller from the request's state."""
    request.state.caller = with_teams(session=session, caller=request.state.caller)


CallerTeams = Depends(caller_teams)
