"""The gateway's demo users are the officers the engagements demo names: same usernames, same ids
(a convention of the demo data only; the services and the gateway share no code)."""

from gateway import demo as gateway_demo
from services.engagements import demo as engagements_demo
from services.partners import demo as partners_demo


def test_the_engagements_demo_names_the_gateway_s_demo_users_by_username_and_id():
    assert [(u, n, e) for u, n, e, _teams in gateway_demo.PEOPLE] == engagements_demo.PEOPLE
    assert set(engagements_demo.OFFICERS) == {u for u, *_ in gateway_demo.PEOPLE}
    for username, *_ in gateway_demo.PEOPLE:
        assert gateway_demo.person_id(username) == engagements_demo.person_id(username)


def test_the_partners_demo_names_the_gateway_s_demo_teams_as_owners():
    for name in (gateway_demo.EUROPE, gateway_demo.FRANCOPHONIE):
        assert partners_demo.team_id(name) == gateway_demo.team_id(name)
    owners = {handle: partners_demo.owner_team(fields) for handle, fields in partners_demo.PARTNERS}
    assert owners["by"] == gateway_demo.team_id(gateway_demo.EUROPE)  # Bavaria
    assert owners["oif"] == gateway_demo.team_id(gateway_demo.FRANCOPHONIE)
