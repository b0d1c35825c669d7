"""The people directory as staff read it: `/api/v1/people` (enabled users: who may be named officer
or assignee) and `/api/v1/teams`, which admins create, rename and delete. Thin: parse, call
gateway/teams.py, shape the answer."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Response, status
from sqlmodel import Session

from gateway import teams
from gateway.models import Team
from gateway.schemas import TeamCreate, TeamRead, TeamUpdate
from services.kit.app import SessionDep
from services.kit.edge import ExpectedVersion
from services.kit.openapi_problems import problems
from services.kit.preconditions import etag

router = APIRouter(prefix="/api/v1", tags=["teams"])


def _read(session: Session, team: Team) -> TeamRead:
    names = [u.username for u in teams.members(session=session, team_id=team.id)]
    return TeamRead(id=team.id, name=team.name, version=team.version, members=names)


@router.get("/people", tags=["people"])
def list_people(session: SessionDep) -> dict[str, Any]:
    """Everyone who may be named officer or assignee, by display name: the web forms' choices."""
    return {"items": [p.model_dump(mode="json") for p in teams.people(session=session)]}


@router.get("/teams")
def list_teams(session: SessionDep) -> dict[str, Any]:
    return {"items": [_read(session, t).model_dump(mode="json") for t in teams.list_teams(session=session)]}


@router.post("/teams", status_code=status.HTTP_201_CREATED, response_model=TeamRead, responses=problems(409))
def create_team(body: TeamCreate, session: SessionDep, response: Response) -> TeamRead:
    team = teams.create_team(session=session, data=body)
    response.headers["Location"] = f"/api/v1/teams/{team.id}"
    response.headers["ETag"] = etag(team.version)
    return _read(session, team)


@router.get("/teams/{team_id}", response_model=TeamRead)
def get_team(team_id: uuid.UUID, session: SessionDep, response: Response) -> TeamRead:
    team = teams.get_team(session=session, team_id=team_id)
    response.headers["ETag"] = etag(team.version)
    return _read(session, team)


@router.patch("/teams/{team_id}", response_model=TeamRead, responses=problems(409))
def update_team(
    team_id: uuid.UUID, body: TeamUpdate, session: SessionDep, response: Response, expected: ExpectedVersion
) -> TeamRead:
    team = teams.update_team(session=session, team_id=team_id, data=body, expected_version=expected)
    response.headers["ETag"] = etag(team.version)
    return _read(session, team)


@router.delete("/teams/{team_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problems(409))
def delete_team(team_id: uuid.UUID, session: SessionDep, expected: ExpectedVersion) -> Response:
    teams.delete_team(session=session, team_id=team_id, expected_version=expected)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
