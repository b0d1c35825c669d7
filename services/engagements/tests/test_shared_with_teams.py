"""A restricted engagement shared with teams (issue 13, Teams): the members of those teams (per the
people copy) see it on every read path, as its officers do; everyone else still finds no trace of it.
Sharing lets them read, not change; only its author or an admin changes who it is shared with."""

import uuid

import pytest
from sqlmodel import select

from services.engagements.models import FollowUp, Person
from services.engagements.tests.support import ADMIN, COLLEAGUE, OFFICER, OUTSIDER, VIEWER, add_partner, as_, log
from services.engagements.tests.test_confidentiality import SECRET, read_paths
from services.engagements.tests.test_confidentiality import restricted as restricted
from services.engagements.tests.test_people import user_event

EUROPE, FRANCO = str(uuid.uuid4()), str(uuid.uuid4())


@pytest.fixture
def teams(sessions):
    """VIEWER is in Europe; OUTSIDER in Francophonie; OFFICER (the author) in Europe too."""
    for caller, member_of in ((VIEWER, [EUROPE]), (OUTSIDER, [FRANCO]), (OFFICER, [EUROPE])):
        user_event(sessions, "liaison.user.created", uuid.uuid4(), 1, username=caller.user, teams=member_of)


def assign(sessions, follow_up: dict, user: str) -> None:
    with sessions() as session:
        session.get(FollowUp, uuid.UUID(follow_up["id"])).assignee = user
        session.commit()


@pytest.fixture
def shared(client, sessions, teams, restricted):
    e = restricted["engagement"]
    # The fixture's follow-up was given to OUTSIDER behind the API's back; no change of who sees the
    # engagement passes while an assignee would not see it, so it is its author's for the change.
    assign(sessions, restricted["follow_up"], OFFICER.user)
    answer = client.patch(
        f"/api/v1/engagements/{e['id']}", json={"shared_with_teams": [EUROPE]}, headers={"If-Match": 'W/"1"'}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["shared_with_teams"] == [EUROPE]
    assign(sessions, restricted["follow_up"], OUTSIDER.user)
    return restricted


# Paths where the restricted engagement is found by being its officer or assignee, not by seeing it.
NOT_A_READ_OF_IT = ("follow-ups (mine)", "outsider's calendar", "search by officer", "calendar")


def test_a_member_of_a_team_it_is_shared_with_sees_it_on_every_read_path(client, shared):
    for name, (path, params) in read_paths(shared).items():
        if name in NOT_A_READ_OF_IT:
            continue
        response = client.get(path, params=params, auth=as_(VIEWER))
        assert response.status_code == 200, f"{name}: {response.text}"
        if name != "report":
            assert SECRET in response.text or shared["engagement"]["id"] in response.text, name
    report = client.get("/api/v1/reports/thrusts", params={"group_by": "type"}, auth=as_(VIEWER)).json()
    assert sum(row["total"] for row in report["rows"]) >= 1, "counted for a member"


def test_a_member_of_another_team_finds_no_trace_of_it(client, shared):
    for name, (path, params) in read_paths(shared).items():
        response = client.get(path, params=params, auth=as_(OUTSIDER))
        if name in ("by id", "its follow-ups", "follow-up by id"):
            assert response.status_code == 404, f"{name}: {response.status_code}"
            continue
        assert SECRET not in response.text, f"{name} shows it"
        assert shared["engagement"]["id"] not in response.text, f"{name} shows its id"


def test_sharing_is_reading_not_changing(client, shared):
    e = shared["engagement"]["id"]
    v2 = {"If-Match": 'W/"2"'}
    edit = client.patch(f"/api/v1/engagements/{e}", json={"summary": "x"}, headers=v2, auth=as_(VIEWER))
    assert edit.status_code == 403
    # Its officer changes its content, not who it is shared with (a governing field, as officers are).
    refused = client.patch(f"/api/v1/engagements/{e}", json={"shared_with_teams": []}, headers=v2, auth=as_(COLLEAGUE))
    assert refused.status_code == 403 and refused.json()["fields"] == ["shared_with_teams"]


def test_unsharing_shuts_the_team_out_again(client, sessions, shared):
    e = shared["engagement"]["id"]
    assign(sessions, shared["follow_up"], OFFICER.user)
    assert client.get(f"/api/v1/engagements/{e}", auth=as_(VIEWER)).status_code == 200
    unshared = client.patch(f"/api/v1/engagements/{e}", json={"shared_with_teams": None}, headers={"If-Match": 'W/"2"'})
    assert unshared.status_code == 200 and unshared.json()["shared_with_teams"] == []
    assert client.get(f"/api/v1/engagements/{e}", auth=as_(VIEWER)).status_code == 404
    listed = client.get("/api/v1/engagements", params={"q": SECRET}, auth=as_(VIEWER)).json()
    assert listed["total"] == 0


def test_a_team_with_no_member_in_the_directory_is_a_422(client, sessions, teams):
    unknown = str(uuid.uuid4())
    answer = client.post(
        "/api/v1/engagements",
        json={
            "type": "meeting",
            "title": "Réunion",
            "starts_at": "2026-01-01T10:00:00Z",
            "partner_ids": [str(add_partner(sessions))],
            "thrusts": ["trade"],
            "confidentiality": "restricted",
            "shared_with_teams": [EUROPE, unknown],
        },
        auth=as_(OFFICER),
    )
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["title"] == "Unknown team"
    assert problem["errors"][0]["location"] == ["body", "shared_with_teams"]
    assert problem["errors"][0]["values"] == [unknown]
    assert client.get("/api/v1/engagements", params={"q": "Réunion"}).json()["total"] == 0, "nothing written"


@pytest.mark.parametrize(
    "value", [["europe"], "not-a-list", [str(uuid.uuid4()) for _ in range(21)]], ids=["not a uuid", "not a list", "21"]
)
def test_bad_team_lists_are_problems(client, sessions, value):
    engagement = log(client, [add_partner(sessions)])
    answer = client.patch(
        f"/api/v1/engagements/{engagement['id']}", json={"shared_with_teams": value}, headers={"If-Match": 'W/"1"'}
    )
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert "shared_with_teams" in str(answer.json()["errors"][0]["location"])


def test_a_team_named_twice_is_kept_once_and_a_known_team_is_kept_when_emptied(client, sessions, teams):
    engagement = log(client, [add_partner(sessions)], shared_with_teams=[EUROPE, EUROPE], confidentiality="restricted")
    assert engagement["shared_with_teams"] == [EUROPE]
    # Everyone leaves Europe: an unrelated change still goes through.
    for caller in (VIEWER, OFFICER):
        with sessions() as session:
            person = session.exec(select(Person).where(Person.username == caller.user)).one()
            person.teams = []
            session.add(person)
            session.commit()
    edited = client.patch(
        f"/api/v1/engagements/{engagement['id']}", json={"summary": "Suite"}, headers={"If-Match": 'W/"1"'}
    )
    assert edited.status_code == 200, edited.text


def test_admins_see_it_and_are_in_no_team(client, shared):
    assert client.get(f"/api/v1/engagements/{shared['engagement']['id']}", auth=as_(ADMIN)).status_code == 200
