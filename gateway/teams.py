"""Teams of the people directory ("Direction Europe", "Francophonie et multilatéral"): a user
belongs to one or more. Functions take a session and never commit; a user's teams travel in the
directory's events (gateway/directory.py), so the services know who is in which team."""

from __future__ import annotations

import uuid

from sqlmodel import Session, col, select

from gateway.models import Team, User
from gateway.schemas import PersonRead, TeamCreate, TeamUpdate
from services.kit.preconditions import check_version
from services.kit.problems import Conflict, NotFound, Problem
from services.kit.types import utcnow


class UnknownTeam(Problem):
    status = 422
    title = "Unknown team"


def _name_taken(session: Session, name: str, but: uuid.UUID | None = None) -> bool:
    query = select(Team.id).where(col(Team.name) == name)
    if but is not None:
        query = query.where(col(Team.id) != but)
    return session.exec(query).first() is not None


def create_team(*, session: Session, data: TeamCreate, team_id: uuid.UUID | None = None) -> Team:
    """`team_id`: a known id (the demo's teams, which other services' demo data name)."""
    if _name_taken(session, data.name):
        raise Conflict(f"A team named {data.name!r} already exists.")
    team = Team(name=data.name) if team_id is None else Team(id=team_id, name=data.name)
    session.add(team)
    session.flush()
    return team


def get_team(*, session: Session, team_id: uuid.UUID) -> Team:
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound(f"No team has the id {team_id}.")
    return team


def list_teams(*, session: Session) -> list[Team]:
    """Every team, by name: a ministry has a few dozen at most."""
    return list(session.exec(select(Team).order_by(col(Team.name))))


def update_team(*, session: Session, team_id: uuid.UUID, data: TeamUpdate, expected_version: int | None) -> Team:
    team = get_team(session=session, team_id=team_id)
    check_version(team.version, expected_version, what="team")
    if data.name is not None and data.name != team.name:
        if _name_taken(session, data.name, but=team.id):
            raise Conflict(f"A team named {data.name!r} already exists.")
        team.name = data.name
    team.version += 1
    team.updated_at = utcnow()
    session.add(team)
    return team


def members(*, session: Session, team_id: uuid.UUID) -> list[User]:
    # A JSON list per user: filtered here, the directory being a few hundred people.
    return [u for u in session.exec(select(User).order_by(col(User.username))) if str(team_id) in u.teams]


def delete_team(*, session: Session, team_id: uuid.UUID, expected_version: int | None) -> None:
    team = get_team(session=session, team_id=team_id)
    check_version(team.version, expected_version, what="team")
    still = members(session=session, team_id=team_id)
    if still:
        raise Conflict(
            f"The team {team.name!r} still has {len(still)} member(s): move them to another team first.",
            members=[u.username for u in still],
        )
    session.delete(team)


def check_teams(*, session: Session, team_ids: list[uuid.UUID], field: str = "teams") -> list[str]:
    """The ids as stored on a user (text, in order, once each), or a 422 naming the unknown ones."""
    wanted = list(dict.fromkeys(team_ids))
    known = set(session.exec(select(Team.id).where(col(Team.id).in_(wanted)))) if wanted else set()
    unknown = [str(t) for t in wanted if t not in known]
    if unknown:
        raise UnknownTeam(
            f"{field}: no team has the id(s) {', '.join(unknown)}.",
            errors=[
                {"location": ["body", field], "message": "unknown team", "type": "unknown_team", "values": unknown}
            ],
        )
    return [str(t) for t in wanted]


def people(*, session: Session) -> list[PersonRead]:
    """The enabled users as the directory shows them, by display name (a few hundred at most)."""
    users = session.exec(select(User).where(col(User.disabled).is_(False))).all()
    found = [
        PersonRead(
            id=u.id,
            username=u.username,
            display_name=u.display_name or u.username,
            teams=[uuid.UUID(t) for t in u.teams],
        )
        for u in users
    ]
    return sorted(found, key=lambda p: (p.display_name.casefold(), p.username))
