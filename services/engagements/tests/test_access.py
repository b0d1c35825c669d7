"""Who may change an engagement: its author, its listed officers or an admin; who may change its
officers, its confidentiality or delete it: its author or an admin. Judged on the state before the change."""

import pytest

from services.engagements.tests.support import ADMIN, COLLEAGUE, OFFICER, OUTSIDER, add_partner, as_, log

V1 = {"If-Match": 'W/"1"'}


@pytest.fixture
def engagement(client, sessions):
    """OFFICER's engagement, with COLLEAGUE listed as one of its officers."""
    return log(client, [add_partner(sessions)], officers=[OFFICER.user, COLLEAGUE.user])


def url(engagement) -> str:
    return f"/api/v1/engagements/{engagement['id']}"


def test_an_outsider_cannot_take_it_over_by_listing_himself(client, engagement):
    taken = client.patch(url(engagement), json={"officers": [OUTSIDER.user]}, headers=V1, auth=as_(OUTSIDER))
    assert taken.status_code == 403, taken.text
    assert taken.headers["content-type"] == "application/problem+json"
    assert client.delete(url(engagement), auth=as_(OUTSIDER)).status_code == 403
    assert client.get(url(engagement)).json() == engagement, "nothing changed"


def test_an_outsider_cannot_restrict_it_and_lock_its_officers_out(client, engagement):
    response = client.patch(
        url(engagement),
        json={"officers": [OUTSIDER.user], "confidentiality": "restricted"},
        headers=V1,
        auth=as_(OUTSIDER),
    )
    assert response.status_code == 403
    assert client.get(url(engagement), auth=as_(COLLEAGUE)).status_code == 200


def test_an_outsider_cannot_change_any_field(client, engagement):
    response = client.patch(url(engagement), json={"title": "Autre"}, headers=V1, auth=as_(OUTSIDER))
    assert response.status_code == 403
    assert "author" in response.json()["detail"]
    # Refused before its version is compared: no precondition answers someone who may not change it.
    assert client.patch(url(engagement), json={"title": "Autre"}, auth=as_(OUTSIDER)).status_code == 403
    stale = client.delete(url(engagement), headers={"If-Match": 'W/"9"'}, auth=as_(COLLEAGUE))
    assert stale.status_code == 403


def test_a_listed_officer_changes_its_content_but_not_who_governs_it(client, engagement):
    edited = client.patch(url(engagement), json={"summary": "Suite"}, headers=V1, auth=as_(COLLEAGUE))
    assert edited.status_code == 200 and edited.json()["updated_by"] == COLLEAGUE.user
    v2 = {"If-Match": 'W/"2"'}
    for change in ({"officers": [COLLEAGUE.user]}, {"confidentiality": "restricted"}, {"confidentiality": "public"}):
        refused = client.patch(url(engagement), json=change, headers=v2, auth=as_(COLLEAGUE))
        assert refused.status_code == 403, change
        assert refused.json()["fields"] == sorted(change)
    assert client.delete(url(engagement), auth=as_(COLLEAGUE)).status_code == 403
    # Sending the officers as they are is no change of who they are.
    same = client.patch(url(engagement), json={"officers": engagement["officers"]}, headers=v2, auth=as_(COLLEAGUE))
    assert same.status_code == 200 and same.json()["version"] == 2


def test_an_officer_removed_from_the_list_can_no_longer_change_it(client, engagement):
    assert client.patch(url(engagement), json={"officers": [OFFICER.user]}, headers=V1).status_code == 200
    response = client.patch(
        url(engagement), json={"title": "Autre"}, headers={"If-Match": 'W/"2"'}, auth=as_(COLLEAGUE)
    )
    assert response.status_code == 403


def test_the_author_and_an_admin_govern_it(client, engagement):
    by_author = client.patch(url(engagement), json={"officers": [], "confidentiality": "restricted"}, headers=V1)
    assert by_author.status_code == 200 and by_author.json()["updated_by"] == OFFICER.user
    assert client.get(url(engagement), auth=as_(COLLEAGUE)).status_code == 404, "locked out by its author"
    by_admin = client.patch(
        url(engagement), json={"officers": [COLLEAGUE.user]}, headers={"If-Match": 'W/"2"'}, auth=as_(ADMIN)
    )
    assert by_admin.status_code == 200 and by_admin.json()["updated_by"] == ADMIN.user
    assert client.delete(url(engagement), auth=as_(ADMIN)).status_code == 204


def test_the_author_deletes_it(client, engagement):
    assert client.delete(url(engagement)).status_code == 204


def test_follow_ups_are_written_by_the_engagements_insiders_and_their_assignee(client, engagement):
    follow_ups = f"{url(engagement)}/follow-ups"
    body = {"description": "Envoyer le mémo", "assignee": COLLEAGUE.user}
    assert client.post(follow_ups, json=body, auth=as_(OUTSIDER)).status_code == 403
    created = client.post(follow_ups, json=body, auth=as_(COLLEAGUE))
    assert created.status_code == 201 and created.json()["updated_by"] == COLLEAGUE.user
    follow_up = f"/api/v1/follow-ups/{created.json()['id']}"
    refused = client.patch(follow_up, json={"status": "done"}, headers=V1, auth=as_(OUTSIDER))
    assert refused.status_code == 403
    # Its assignee may complete it even once off the engagement's list.
    assert client.patch(url(engagement), json={"officers": [OFFICER.user]}, headers=V1).status_code == 200
    done = client.patch(follow_up, json={"status": "done"}, headers=V1, auth=as_(COLLEAGUE))
    assert done.status_code == 200 and done.json()["updated_by"] == COLLEAGUE.user


def test_a_follow_up_on_a_restricted_engagement_goes_only_to_someone_who_sees_it(client, sessions):
    engagement = log(client, [add_partner(sessions)], officers=[COLLEAGUE.user], confidentiality="restricted")
    follow_ups = f"{url(engagement)}/follow-ups"
    refused = client.post(follow_ups, json={"description": "Rappeler", "assignee": OUTSIDER.user})
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["field"] == "assignee"
    created = client.post(follow_ups, json={"description": "Rappeler", "assignee": COLLEAGUE.user})
    assert created.status_code == 201
    moved = client.patch(f"/api/v1/follow-ups/{created.json()['id']}", json={"assignee": OUTSIDER.user}, headers=V1)
    assert moved.status_code == 422
    assert client.post(follow_ups, json={"description": "Rappeler", "assignee": OFFICER.user}).status_code == 201


def test_no_one_owing_an_open_follow_up_is_locked_out_of_it(client, engagement):
    """Restricting it, or taking an officer off it, must not leave his open follow-up unseen by him."""
    follow_ups = f"{url(engagement)}/follow-ups"
    owed = client.post(follow_ups, json={"description": "Rappeler", "assignee": COLLEAGUE.user}).json()
    restricted = client.patch(url(engagement), json={"confidentiality": "restricted"}, headers=V1)
    assert restricted.status_code == 200, "COLLEAGUE is one of its officers: he still sees it"
    v2 = {"If-Match": 'W/"2"'}
    dropped = client.patch(url(engagement), json={"officers": [OFFICER.user]}, headers=v2)
    assert dropped.status_code == 422 and dropped.json()["assignees"] == [COLLEAGUE.user]
    assert dropped.headers["content-type"] == "application/problem+json"
    follow_up = f"/api/v1/follow-ups/{owed['id']}"
    assert client.patch(follow_up, json={"status": "done"}, headers=V1).status_code == 200
    assert client.patch(url(engagement), json={"officers": [OFFICER.user]}, headers=v2).status_code == 200, "done"
    reopened = client.patch(follow_up, json={"status": "open"}, headers={"If-Match": 'W/"2"'})
    assert reopened.status_code == 422 and reopened.json()["field"] == "assignee"


def test_an_engagement_with_open_follow_ups_of_outsiders_is_not_restricted(client, sessions):
    engagement = log(client, [add_partner(sessions)])
    client.post(f"{url(engagement)}/follow-ups", json={"description": "Rappeler", "assignee": OUTSIDER.user})
    response = client.patch(url(engagement), json={"confidentiality": "restricted"}, headers=V1)
    assert response.status_code == 422 and response.json()["field"] == "confidentiality"
    assert client.get(url(engagement), auth=as_(OUTSIDER)).status_code == 200


def test_only_those_who_may_change_a_mission_add_to_it(client, sessions):
    """Else an outsider's meeting put into someone's mission would keep its author from deleting it."""
    partner = add_partner(sessions)
    mission = log(client, [partner], type="mission", officers=[COLLEAGUE.user])
    outsiders = log(client, [partner], caller=OUTSIDER, officers=[OUTSIDER.user])
    moved = client.patch(url(outsiders), json={"mission_id": mission["id"]}, headers=V1, auth=as_(OUTSIDER))
    assert moved.status_code == 403 and "mission" in moved.json()["detail"]
    body = {
        "type": "meeting",
        "title": "Rencontre",
        "starts_at": "2026-03-02T09:30:00Z",
        "partner_ids": [str(partner)],
        "thrusts": ["trade"],
        "mission_id": mission["id"],
    }
    assert client.post("/api/v1/engagements", json=body, auth=as_(OUTSIDER)).status_code == 403
    assert client.post("/api/v1/engagements", json=body, auth=as_(COLLEAGUE)).status_code == 201, "one of its officers"
    assert client.delete(url(mission)).status_code == 409, "it holds COLLEAGUE's meeting"
