"""The read copy of the people directory (liaison.directory.v1, services/kit/people.py): kept from
the gateway's events by version, and what callers name resolved to enabled people, or a 422."""

import uuid

import pytest

from services.engagements.events import HANDLERS
from services.engagements.models import Engagement, Person
from services.kit.events import new_event
from services.kit.people import UnknownPerson, names_of, resolve_people


def user_event(sessions, event_type: str, person_id: uuid.UUID, version: int, **fields):
    data = {"id": str(person_id), "username": "camille", "disabled": False, "version": version} | fields
    event = new_event(type=event_type, source="/liaison/directory", subject=str(person_id), data=data)
    with sessions() as session:
        for handler in HANDLERS[event_type]:
            handler(event, session=session)
        session.commit()


def person(sessions, person_id) -> Person | None:
    with sessions() as session:
        return session.get(Person, person_id)


def test_the_copy_follows_the_directory_and_never_goes_back_a_version(sessions):
    camille = uuid.uuid4()
    user_event(sessions, "liaison.user.created", camille, 1, display_name="Camille T.", teams=[str(uuid.uuid4())])
    user_event(sessions, "liaison.user.updated", camille, 3, display_name="Camille Tremblay", changed_fields=[])
    user_event(sessions, "liaison.user.updated", camille, 2, display_name="Stale", changed_fields=[])  # late
    copy = person(sessions, camille)
    assert (copy.display_name, copy.version, copy.disabled, len(copy.teams)) == ("Camille Tremblay", 3, False, 0)
    user_event(sessions, "liaison.user.disabled", camille, 4, disabled=True, display_name="Camille Tremblay")
    assert person(sessions, camille).disabled is True
    user_event(sessions, "liaison.user.created", camille, 1)  # a replay of the first event changes nothing
    assert person(sessions, camille).version == 4


def test_ids_and_usernames_resolve_to_enabled_people_and_others_are_a_422_naming_the_field(sessions):
    camille, gone = uuid.uuid4(), uuid.uuid4()
    user_event(sessions, "liaison.user.created", camille, 1, display_name="Camille Tremblay")
    user_event(sessions, "liaison.user.created", gone, 1, username="jules")
    user_event(sessions, "liaison.user.disabled", gone, 2, username="jules", disabled=True)
    with sessions() as session:
        found = resolve_people(session=session, table=Person, values=[str(camille), "camille"], field="officers")
        assert [p.id for p in found] == [camille]  # named twice, listed once
        assert names_of(session=session, table=Person, ids=[camille]) == {camille: "Camille Tremblay"}
        for bad in (["camile"], [str(uuid.uuid4())], ["jules"], [str(gone)]):
            with pytest.raises(UnknownPerson) as refused:
                resolve_people(session=session, table=Person, values=[str(camille), *bad], field="officers")
            assert refused.value.status == 422
            [error] = refused.value.extensions["errors"]
            assert error["location"] == ["body", "officers"] and error["values"] == bad


def test_a_username_taken_over_by_a_new_person_points_at_them(sessions):
    old, new = uuid.uuid4(), uuid.uuid4()
    user_event(sessions, "liaison.user.created", old, 1)
    user_event(sessions, "liaison.user.created", new, 1)  # the same username, another person
    with sessions() as session:
        [found] = resolve_people(session=session, table=Person, values=["camille"], field="assignee")
    assert found.id == new


def test_a_disabled_person_s_open_follow_ups_go_to_the_successor_the_admin_named(client, sessions, engagements_engine):
    from services.engagements.tests.support import COLLEAGUE, OFFICER, add_partner, as_, log, outbox_events

    leaving = uuid.uuid4()
    public = log(client, [add_partner(sessions)])
    secret = log(client, [add_partner(sessions)], confidentiality="restricted", officers=[])  # OFFICER's own

    def add(engagement, status=None):
        body = {"description": "Envoyer la proposition", "assignee": OFFICER.user}
        made = client.post(f"/api/v1/engagements/{engagement['id']}/follow-ups", json=body, auth=as_(OFFICER))
        assert made.status_code == 201, made.text
        if status:
            done = client.patch(
                f"/api/v1/follow-ups/{made.json()['id']}",
                json={"status": status},
                headers={"If-Match": 'W/"1"'},
                auth=as_(OFFICER),
            )
            assert done.status_code == 200, done.text
        return made.json()["id"]

    open_one, closed_one, secret_one = add(public), add(public, status="done"), add(secret)
    user_event(sessions, "liaison.user.created", leaving, 1, username=OFFICER.user)
    user_event(
        sessions,
        "liaison.user.disabled",
        leaving,
        2,
        username=OFFICER.user,
        disabled=True,
        successor_id=str(uuid.uuid4()),
        successor_username=COLLEAGUE.user,
        disabled_by="admin",
    )

    def assignee(follow_up_id):
        return client.get(f"/api/v1/follow-ups/{follow_up_id}", auth=as_(OFFICER)).json()["assignee"]

    assert assignee(open_one) == COLLEAGUE.user
    assert assignee(closed_one) == OFFICER.user, "what is done stays with who did it"
    # The colleague cannot see the restricted engagement: its author takes the follow-up back.
    assert assignee(secret_one) == secret["created_by"] == OFFICER.user
    reassigned = [e for e in outbox_events(engagements_engine) if e["type"] == "liaison.followup.reassigned"]
    assert [(e["data"]["id"], e["data"]["assignee"], e["data"]["previous_assignee"]) for e in reassigned] == [
        (open_one, COLLEAGUE.user, OFFICER.user)
    ]
    assert reassigned[0]["data"]["updated_by"] == "admin"


def test_officers_and_assignees_show_with_their_display_names(client, sessions):
    from services.engagements.tests.support import OFFICER, add_partner, as_, log

    camille = uuid.uuid4()
    user_event(sessions, "liaison.user.created", camille, 1, display_name="Camille Tremblay")
    engagement = log(client, [add_partner(sessions)], officers=["camille"])
    with sessions() as session:  # a name from before officers were people, that the directory never knew
        row = session.get(Engagement, uuid.UUID(engagement["id"]))
        row.officers = ["camille", "stranger"]
        session.add(row)
        session.commit()
    read = client.get(f"/api/v1/engagements/{engagement['id']}", auth=as_(OFFICER)).json()
    assert read["officer_people"] == [
        {"id": str(camille), "username": "camille", "display_name": "Camille Tremblay"},
        {"id": None, "username": "stranger", "display_name": "stranger"},
    ]
    body = {"description": "Envoyer la proposition", "assignee": "camille"}
    made = client.post(f"/api/v1/engagements/{engagement['id']}/follow-ups", json=body, auth=as_(OFFICER))
    assert made.status_code == 201, made.text
    assert made.json()["assignee_person"]["display_name"] == "Camille Tremblay"
    listed = client.get("/api/v1/follow-ups", params={"assignee": "camille"}, auth=as_(OFFICER)).json()["items"]
    assert [f["assignee_person"]["id"] for f in listed] == [str(camille)]


def test_my_team_s_follow_ups(client, sessions):
    from services.engagements.tests.support import (
        ADMIN,
        COLLEAGUE,
        OFFICER,
        OUTSIDER,
        add_partner,
        add_people,
        as_,
        log,
    )

    add_people(sessions, "stranger")  # in no team
    europe, franco = str(uuid.uuid4()), str(uuid.uuid4())
    for caller, teams in ((OFFICER, [europe]), (COLLEAGUE, [europe, franco]), (OUTSIDER, [franco])):
        user_event(sessions, "liaison.user.created", uuid.uuid4(), 1, username=caller.user, teams=teams)
    engagement = log(client, [add_partner(sessions)])
    made = {}
    for who in (OFFICER.user, COLLEAGUE.user, OUTSIDER.user, "stranger"):
        body = {"description": f"Pour {who}", "assignee": who}
        answer = client.post(f"/api/v1/engagements/{engagement['id']}/follow-ups", json=body, auth=as_(OFFICER))
        assert answer.status_code == 201, answer.text
        made[who] = answer.json()["id"]

    def assignees(caller, team):
        answer = client.get("/api/v1/follow-ups", params={"team": team}, auth=as_(caller))
        assert answer.status_code == 200, answer.text
        return sorted(f["assignee"] for f in answer.json()["items"])

    assert assignees(OFFICER, "mine") == sorted([OFFICER.user, COLLEAGUE.user])
    assert assignees(OUTSIDER, "mine") == sorted([COLLEAGUE.user, OUTSIDER.user])
    assert assignees(OFFICER, franco) == sorted([COLLEAGUE.user, OUTSIDER.user])
    assert assignees(ADMIN, "mine") == []  # in no team
    refused = client.get("/api/v1/follow-ups", params={"team": "europe"}, auth=as_(OFFICER))
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["errors"][0]["location"] == ["query", "team"]
