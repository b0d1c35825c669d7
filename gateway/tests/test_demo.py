"""The demo's people (`python -m gateway demo`): its two teams and officers, made once, published on
the directory like any user (tests/test_demo_people.py: as the engagements demo names them)."""

import uuid

from sqlmodel import Session, select

from gateway import demo
from gateway.models import Team, User
from gateway.tests.test_directory import events
from services.kit.db import make_session_factory, unit_of_work


def test_the_demo_users_are_made_once_in_their_teams_and_published(engine):
    sessions = make_session_factory(engine)
    for session in unit_of_work(sessions):
        assert demo.load(session, password="correct horse battery") == [u for u, *_ in demo.PEOPLE]
    for session in unit_of_work(sessions):
        assert demo.load(session, password="another") == [], "loaded twice, it changes nothing"
    with Session(engine) as session:
        teams = {t.id: t.name for t in session.exec(select(Team))}
        users = {u.username: u for u in session.exec(select(User))}
    assert sorted(teams.values()) == sorted([demo.EUROPE, demo.FRANCOPHONIE])
    sophie = users["sophie.roy"]
    assert sorted(teams[uuid.UUID(t)] for t in sophie.teams) == sorted(teams.values())
    assert "officer" in users["marie.tremblay"].roles and users["marie.tremblay"].email == "marie.tremblay@mrif.example"
    published = [e for e in events(engine) if e["type"] == "liaison.user.created"]
    assert sorted(e["data"]["username"] for e in published) == sorted(users)
