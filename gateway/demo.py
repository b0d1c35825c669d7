"""The demo's people for `make up`: two teams and the officers the demo engagements name.

`python -m gateway demo` (after `bootstrap-admin`) creates them through the gateway's own rules, with
their directory events in the outbox, so they reach the services like any user; running it again
changes nothing. Their ids are uuid5 of `PEOPLE_DEMO_NAMESPACE` and "user:" + username (teams:
"team:" + name), the convention the engagements demo (services/engagements/demo.py) also follows; it
names them as officers and assignees by username; the partners demo names the teams as owners.
"""

from __future__ import annotations

import uuid

from sqlmodel import Session, col, select

from gateway import accounts, teams
from gateway.models import Team, User
from gateway.schemas import TeamCreate, UserCreate
from services.kit.roles import Role

PEOPLE_DEMO_NAMESPACE = uuid.UUID("6f2d8e3f-4b52-4d6a-8e8b-5c2a4f3b0d21")
EUROPE = "Direction Europe"
FRANCOPHONIE = "Francophonie et multilatéral"
# username, display name, e-mail, teams
PEOPLE = [
    ("marie.tremblay", "Marie Tremblay", "marie.tremblay@mrif.example", [EUROPE]),
    ("jean.gagnon", "Jean Gagnon", "jean.gagnon@mrif.example", [FRANCOPHONIE]),
    ("sophie.roy", "Sophie Roy", "sophie.roy@mrif.example", [EUROPE, FRANCOPHONIE]),
]


def person_id(username: str) -> uuid.UUID:
    return uuid.uuid5(PEOPLE_DEMO_NAMESPACE, f"user:{username}")


def team_id(name: str) -> uuid.UUID:
    """The demo team's id, which the partners demo names as its partners' owning team."""
    return uuid.uuid5(PEOPLE_DEMO_NAMESPACE, f"team:{name}")


def load(session: Session, *, password: str) -> list[str]:
    """The demo's teams and officers (all with `password`), those missing only; the usernames added."""
    team_ids: dict[str, uuid.UUID] = {}
    for name in (EUROPE, FRANCOPHONIE):
        team = session.exec(select(Team).where(col(Team.name) == name)).first()
        if team is None:
            team = teams.create_team(session=session, data=TeamCreate(name=name), team_id=team_id(name))
        team_ids[name] = team.id
    added = []
    for username, display_name, email, their_teams in PEOPLE:
        if session.exec(select(User.id).where(col(User.username) == username)).first() is not None:
            continue
        data = UserCreate(
            username=username,
            display_name=display_name,
            email=email,
            language="fr",
            password=password,
            roles=[Role.OFFICER.value],
            teams=[team_ids[t] for t in their_teams],
        )
        accounts.create_user(session=session, data=data, user_id=person_id(username))
        added.append(username)
    return added
