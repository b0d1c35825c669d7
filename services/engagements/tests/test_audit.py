"""The audit trail of an engagement and its follow-ups: who, when, which fields, before and after;
values changed while it was restricted are read by its insiders only."""

import uuid

import pytest

from services.engagements.tests.support import (
    ADMIN,
    COLLEAGUE,
    OFFICER,
    OUTSIDER,
    VIEWER,
    add_partner,
    as_,
    log,
    outbox_events,
)

V = lambda n: {"If-Match": f'W/"{n}"'}  # noqa: E731


@pytest.fixture
def engagement(client, sessions):
    return log(client, [add_partner(sessions)], officers=[OFFICER.user, COLLEAGUE.user])


def trail(client, engagement, caller=OFFICER, **params):
    response = client.get(f"/api/v1/engagements/{engagement['id']}/audit", params=params, auth=as_(caller))
    assert response.status_code == 200, response.text
    return response.json()


def test_every_change_says_who_when_which_fields_before_and_after(client, engagement):
    url = f"/api/v1/engagements/{engagement['id']}"
    client.patch(url, json={"title": "Nouveau titre", "summary": None}, headers=V(1), auth=as_(COLLEAGUE))
    follow_up = client.post(f"{url}/follow-ups", json={"description": "Mémo", "assignee": COLLEAGUE.user}).json()
    client.patch(f"/api/v1/follow-ups/{follow_up['id']}", json={"status": "done"}, headers=V(1), auth=as_(COLLEAGUE))

    items = trail(client, engagement)["items"]
    assert [(i["entity_type"], i["action"], i["actor"]) for i in items] == [
        ("follow_up", "follow_up_updated", COLLEAGUE.user),
        ("follow_up", "follow_up_added", OFFICER.user),
        ("engagement", "updated", COLLEAGUE.user),
        ("engagement", "logged", OFFICER.user),
    ]
    assert items[0]["changes"] == {"status": {"before": "open", "after": "done"}}
    assert items[0]["entity_id"] == follow_up["id"]
    assert items[2]["changes"] == {
        "title": {"before": engagement["title"], "after": "Nouveau titre"},
        "summary": {"before": engagement["summary"], "after": None},
    }
    assert items[3]["changes"]["officers"] == {"before": None, "after": [OFFICER.user, COLLEAGUE.user]}
    assert all(i["engagement_id"] == engagement["id"] and i["at"] for i in items)


def test_a_change_that_changes_nothing_is_not_recorded(client, engagement):
    url = f"/api/v1/engagements/{engagement['id']}"
    assert client.patch(url, json={"title": engagement["title"]}, headers=V(1)).status_code == 200
    assert len(trail(client, engagement)["items"]) == 1


def test_it_pages_newest_first(client, engagement):
    url = f"/api/v1/engagements/{engagement['id']}"
    for version, title in enumerate(("Un", "Deux", "Trois"), start=1):
        assert client.patch(url, json={"title": title}, headers=V(version)).status_code == 200
    first = trail(client, engagement, limit=2)
    second = trail(client, engagement, limit=2, cursor=first["next_cursor"])
    titles = [i["changes"]["title"]["after"] for i in first["items"] + second["items"]]
    assert titles == ["Trois", "Deux", "Un", engagement["title"]]
    assert second["next_cursor"] is None


def test_values_changed_while_restricted_are_read_by_its_insiders_only(client, engagement):
    url = f"/api/v1/engagements/{engagement['id']}"
    client.patch(url, json={"confidentiality": "restricted"}, headers=V(1))
    client.patch(url, json={"notes": "Position de repli: 40 %"}, headers=V(2))
    client.patch(url, json={"notes": "Rien à signaler"}, headers=V(3))
    client.patch(url, json={"confidentiality": "internal"}, headers=V(4))
    client.patch(url, json={"notes": "Suite"}, headers=V(5))

    for insider in (OFFICER, COLLEAGUE, ADMIN):
        assert "40 %" in str(trail(client, engagement, insider)["items"])
    outside = trail(client, engagement, OUTSIDER)["items"]
    assert "40 %" not in str(outside)
    assert [sorted(i["changes"]) for i in outside[:5]] == [
        ["notes"],
        ["confidentiality"],
        ["notes"],
        ["notes"],
        ["confidentiality"],
    ]
    # Made internal, its notes were open to all: the change made after that is read as it was.
    assert outside[0]["changes"]["notes"] == {"before": "Rien à signaler", "after": "Suite"}
    withheld = {"before": "[restricted]", "after": "[restricted]"}
    assert outside[1]["changes"]["confidentiality"] == withheld
    assert outside[2]["changes"]["notes"] == withheld and outside[3]["changes"]["notes"] == withheld
    assert outside[1]["actor"] == OFFICER.user, "who and when stay visible"


def test_an_outsider_gets_no_trail_of_a_restricted_engagement_and_a_viewer_none_of_any(client, sessions):
    engagement = log(client, [add_partner(sessions)], confidentiality="restricted", officers=[])
    url = f"/api/v1/engagements/{engagement['id']}/audit"
    assert client.get(url, auth=as_(OUTSIDER)).status_code == 404
    assert client.get(url, auth=as_(ADMIN)).status_code == 200
    public = log(client, [add_partner(sessions)])
    assert trail(client, public, VIEWER)["items"][0]["action"] == "logged"
    assert client.get(f"/api/v1/engagements/{uuid.uuid4()}/audit", auth=as_(ADMIN)).status_code == 404


def test_an_admin_reads_who_deleted_it(client, engagement):
    assert client.delete(f"/api/v1/engagements/{engagement['id']}").status_code == 204
    url = f"/api/v1/engagements/{engagement['id']}/audit"
    assert client.get(url).status_code == 404, "gone, for everyone but admins"
    deleted = trail(client, engagement, ADMIN)["items"][0]
    assert deleted["action"] == "deleted" and deleted["actor"] == OFFICER.user
    assert deleted["changes"]["title"] == {"before": engagement["title"], "after": None}


def test_events_say_who_changed_it_unless_it_is_restricted(client, engagement, engagements_engine):
    url = f"/api/v1/engagements/{engagement['id']}"
    client.patch(url, json={"title": "Autre"}, headers=V(1), auth=as_(COLLEAGUE))
    client.patch(url, json={"confidentiality": "restricted"}, headers=V(2))
    logged, updated, restricted = [e["data"] for e in outbox_events(engagements_engine)]
    assert logged["updated_by"] == OFFICER.user and updated["updated_by"] == COLLEAGUE.user
    assert "updated_by" not in restricted
