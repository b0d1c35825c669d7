"""Archive is not forever: restore, archived partners left out of lists unless asked, and duplicate
detection that points at an archived match says it can be restored instead of forcing a new one."""

import uuid

from services.partners.tests.conftest import ADMIN, BAVARIA, GERMANY, VIEWER, create, events, signed


def archive(client, partner):
    response = client.post(f"/api/v1/partners/{partner['id']}/archive", auth=signed(ADMIN))
    assert response.status_code == 200, response.text
    return response.json()


def test_restore_brings_an_archived_partner_back_and_tells_the_others(client, partners_engine):
    partner = create(client, BAVARIA)
    archive(client, partner)
    url = f"/api/v1/partners/{partner['id']}/restore"

    assert client.post(url).status_code == 403, "an officer cannot restore"
    assert client.post(url, auth=signed(VIEWER)).status_code == 403
    stale = client.post(url, auth=signed(ADMIN), headers={"If-Match": 'W/"1"'})
    assert stale.status_code == 412 and stale.headers["content-type"] == "application/problem+json"

    response = client.post(url, auth=signed(ADMIN), headers={"If-Match": 'W/"2"'})
    assert response.status_code == 200, response.text
    restored = response.json()
    assert restored["status"] == "active" and restored["version"] == 3 and restored["updated_by"] == ADMIN.user
    assert response.headers["etag"] == 'W/"3"'
    assert client.post(url, auth=signed(ADMIN)).json()["version"] == 3, "restoring an active partner changes nothing"

    [event] = events(partners_engine, "liaison.partner.restored")
    assert event["_key"] == event["subject"] == partner["id"]
    assert event["data"]["status"] == "active" and event["data"]["version"] == 3
    audit = client.get(f"/api/v1/partners/{partner['id']}/audit", auth=signed(ADMIN)).json()["items"]
    assert [e["action"] for e in audit][:2] == ["restored", "archived"]


def test_restore_refuses_unknown_and_merged_partners(client):
    assert client.post(f"/api/v1/partners/{uuid.uuid4()}/restore", auth=signed(ADMIN)).status_code == 404
    assert client.post("/api/v1/partners/not-a-uuid/restore", auth=signed(ADMIN)).status_code == 422
    bavaria = create(client, BAVARIA)
    twin = create(client, BAVARIA | {"name_fr": "Bavière (doublon)"}, allow_duplicate="true")
    client.post(f"/api/v1/partners/{bavaria['id']}/merge", json={"duplicate_id": twin["id"]}, auth=signed(ADMIN))
    merged = client.post(f"/api/v1/partners/{twin['id']}/restore", auth=signed(ADMIN))
    assert merged.status_code == 409 and merged.json()["merged_into"] == bavaria["id"]


def test_archived_partners_are_left_out_of_lists_and_searches_unless_asked(client):
    bavaria, germany = create(client, BAVARIA), create(client, GERMANY)
    archive(client, bavaria)

    def ids(**params):
        response = client.get("/api/v1/partners", params=params)
        assert response.status_code == 200, response.text
        return [p["id"] for p in response.json()["items"]], response.json()["total"]

    assert ids() == ([germany["id"]], 1)
    assert ids(q="baviere") == ([], 0), "a search leaves the archived partner out"
    assert ids(q="baviere", include_archived="true") == ([bavaria["id"]], 1)
    assert set(ids(archived="include")[0]) == {bavaria["id"], germany["id"]}
    assert ids(archived="only") == ([bavaria["id"]], 1)
    assert ids(status="archived") == ([bavaria["id"]], 1), "asking for the status asks for archived ones"
    bad = client.get("/api/v1/partners", params={"archived": "sometimes"})
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    assert client.get("/api/v1/partners", params={"include_archived": "perhaps"}).status_code == 422
    exported = client.get("/api/v1/partners/export.csv").text
    assert "Allemagne" in exported and "Bavière" not in exported


def test_a_duplicate_of_an_archived_partner_says_restore_it(client):
    bavaria = create(client, BAVARIA)
    archive(client, bavaria)

    response = client.post("/api/v1/partners", json=BAVARIA | {"aliases": [], "acronyms": []})
    assert response.status_code == 409 and response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert "archived" in problem["detail"] and "restore it?" in problem["detail"]
    assert problem["restore"] == f"/api/v1/partners/{bavaria['id']}/restore"
    [candidate] = problem["candidates"]
    assert candidate["id"] == bavaria["id"] and candidate["status"] == "archived"
    assert candidate["restore"] == problem["restore"]

    client.post(problem["restore"], auth=signed(ADMIN))
    again = client.post("/api/v1/partners", json=BAVARIA | {"aliases": [], "acronyms": []}).json()
    assert again["candidates"][0]["status"] == "active" and again["candidates"][0]["restore"] is None
    assert "restore" not in again and "restore it?" not in again["detail"]
