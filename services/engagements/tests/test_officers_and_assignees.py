"""Officers and assignees are people of the directory (its read copy, services/kit/people.py): named
by id or username, stored by username; anyone else is a 422 naming the field, in the caller's language."""

import uuid

import pytest

from services.engagements.tests.support import (
    COLLEAGUE,
    OFFICER,
    add_partner,
    add_people,
    as_,
    engagement_body,
    log,
    outbox_events,
)

V1 = {"If-Match": 'W/"1"'}


def follow_up(client, engagement, assignee, caller=OFFICER):
    body = {"description": "Envoyer la proposition", "assignee": assignee}
    return client.post(f"/api/v1/engagements/{engagement['id']}/follow-ups", json=body, auth=as_(caller))


def test_people_named_by_id_or_username_are_stored_by_username(client, sessions, cast, engagements_engine):
    camille = add_people(sessions, "camille", display_name="Camille Tremblay")["camille"]
    colleague = cast[COLLEAGUE.user]
    made = log(client, [add_partner(sessions)], officers=[str(camille), COLLEAGUE.user, "camille"])
    assert made["officers"] == ["camille", COLLEAGUE.user], "by username, each once"
    assert made["officer_people"] == [
        {"id": str(camille), "username": "camille", "display_name": "Camille Tremblay"},
        {"id": str(colleague), "username": COLLEAGUE.user, "display_name": COLLEAGUE.user},
    ]
    [logged] = [e for e in outbox_events(engagements_engine) if e["type"] == "liaison.engagement.logged"]
    assert logged["data"]["officers"] == ["camille", COLLEAGUE.user]
    # Named by id, the same officers are no change (and need no author's right to change officers).
    same = client.patch(
        f"/api/v1/engagements/{made['id']}",
        json={"officers": [COLLEAGUE.user, str(camille)][::-1]},
        headers=V1,
        auth=as_(OFFICER),
    )
    assert same.status_code == 200 and same.json()["version"] == 1, same.text
    given = follow_up(client, made, str(camille).upper())  # an id in any spelling
    assert given.status_code == 201, given.text
    assert given.json()["assignee"] == "camille" and given.json()["assignee_person"]["id"] == str(camille)
    moved = client.patch(
        f"/api/v1/follow-ups/{given.json()['id']}", json={"assignee": str(colleague)}, headers=V1, auth=as_(OFFICER)
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["assignee"] == COLLEAGUE.user
    assert moved.json()["assignee_person"]["display_name"] == COLLEAGUE.user
    mine = client.get("/api/v1/follow-ups", params={"assignee": "me"}, auth=as_(COLLEAGUE)).json()["items"]
    assert [f["id"] for f in mine] == [given.json()["id"]], "stored by username: the caller's own"


@pytest.mark.parametrize("who", ["nobody", "jules", "not-a-person-id", "disabled-id"])
def test_an_unknown_or_disabled_person_or_an_id_of_no_person_is_a_422_naming_the_field(client, sessions, who):
    jules = add_people(sessions, "jules", disabled=True)["jules"]
    partner = add_partner(sessions)
    bad = {"not-a-person-id": str(partner), "disabled-id": str(jules)}.get(who, who)  # a partner's id: no person
    engagement = log(client, [partner])
    answers = {
        "officers": [
            client.post("/api/v1/engagements", json=engagement_body([partner], officers=[OFFICER.user, bad])),
            client.patch(f"/api/v1/engagements/{engagement['id']}", json={"officers": [bad]}, headers=V1),
        ],
        "assignee": [follow_up(client, engagement, bad)],
    }
    done = follow_up(client, engagement, OFFICER.user).json()
    answers["assignee"].append(client.patch(f"/api/v1/follow-ups/{done['id']}", json={"assignee": bad}, headers=V1))
    for field, refused in answers.items():
        for answer in refused:
            assert answer.status_code == 422, answer.text
            assert answer.headers["content-type"].startswith("application/problem+json")
            problem = answer.json()
            assert problem["title"] == "Unknown or disabled person"
            [error] = problem["errors"]
            assert error["location"] == ["body", field] and error["values"] == [bad]
            assert problem["field"] == error["field"] == field
            assert repr(bad) in problem["detail"]
    assert log(client, [partner])["version"] == 1, "nothing was written by the refusals"


def test_the_refusal_speaks_french_to_a_french_caller(client, sessions):
    refused = client.post(
        "/api/v1/engagements",
        json=engagement_body([add_partner(sessions)], officers=["nobody", "nemo"]),
        headers={"Accept-Language": "fr"},
    )
    assert refused.status_code == 422
    problem = refused.json()
    assert problem["title"] == "Personne inconnue ou désactivée"
    assert problem["detail"].startswith("officers : 'nobody', 'nemo' ne sont pas des personnes actives de l’annuaire")
    [error] = problem["errors"]
    assert (error["message"], error["label"], problem["field"]) == (
        "personne inconnue ou désactivée",
        "Responsables",
        "officers",
    )


def test_a_person_disabled_since_stays_where_they_are_but_is_given_nothing_new(client, sessions):
    engagement = log(client, [add_partner(sessions)], officers=[OFFICER.user, COLLEAGUE.user])
    owed = follow_up(client, engagement, COLLEAGUE.user).json()
    add_people(sessions, COLLEAGUE.user, disabled=True)
    kept = client.patch(
        f"/api/v1/engagements/{engagement['id']}",
        json={"officers": [OFFICER.user, COLLEAGUE.user], "title": "Rencontre reportée"},
        headers=V1,
    )
    assert kept.status_code == 200 and kept.json()["officers"] == [OFFICER.user, COLLEAGUE.user], kept.text
    edited = client.patch(
        f"/api/v1/follow-ups/{owed['id']}", json={"assignee": COLLEAGUE.user, "due_on": "2030-01-02"}, headers=V1
    )
    assert edited.status_code == 200, edited.text
    assert follow_up(client, engagement, COLLEAGUE.user).status_code == 422
    other = log(client, [add_partner(sessions)])
    added = client.patch(f"/api/v1/engagements/{other['id']}", json={"officers": [COLLEAGUE.user]}, headers=V1)
    assert added.status_code == 422 and added.json()["errors"][0]["location"] == ["body", "officers"]
    assert uuid.UUID(owed["id"])
