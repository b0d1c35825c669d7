"""Incremental sync (kit/sync.py) on the partners' lists: what changed since a time, oldest change
first, and a cursor to resume from later."""

import time
from datetime import UTC, datetime, timedelta

from services.partners.tests.conftest import ADMIN, BAVARIA, GERMANY, OIF, create, signed


def sync(client, url, **params):
    response = client.get(url, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_partners_changed_since_come_oldest_first_with_a_cursor_to_resume(client):
    start = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    bavaria, germany = create(client, BAVARIA), create(client, GERMANY)
    first = sync(client, "/api/v1/partners", updated_since=start, limit=1)
    assert [p["id"] for p in first["items"]] == [bavaria["id"]] and first["total"] == 2
    second = sync(client, "/api/v1/partners", cursor=first["next_cursor"], limit=1)
    assert [p["id"] for p in second["items"]] == [germany["id"]]
    done = sync(client, "/api/v1/partners", cursor=second["next_cursor"])
    assert done["items"] == [] and done["next_cursor"] == second["next_cursor"], "kept to ask again later"

    time.sleep(0.01)
    client.post(f"/api/v1/partners/{bavaria['id']}/archive", auth=signed(ADMIN))
    oif = create(client, OIF)
    later = sync(client, "/api/v1/partners", cursor=done["next_cursor"])
    assert [p["id"] for p in later["items"]] == [bavaria["id"], oif["id"]], "archived ones too: a change"
    assert later["items"][0]["status"] == "archived"
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert sync(client, "/api/v1/partners", updated_since=future) == {"items": [], "next_cursor": None, "total": 0}
    filtered = sync(client, "/api/v1/partners", updated_since=start, q="allemagne")
    assert [p["id"] for p in filtered["items"]] == [germany["id"]]


def test_a_merged_partner_shows_to_a_sync_as_a_redirect(client):
    start = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    bavaria = create(client, BAVARIA)
    twin = create(client, BAVARIA | {"name_fr": "Bavière (doublon)"}, allow_duplicate="true")
    client.post(f"/api/v1/partners/{bavaria['id']}/merge", json={"duplicate_id": twin["id"]}, auth=signed(ADMIN))
    items = sync(client, "/api/v1/partners", updated_since=start)["items"]
    assert {p["id"]: p["merged_into"] for p in items} == {bavaria["id"]: None, twin["id"]: bavaria["id"]}


def test_contacts_changed_since(client):
    partner = create(client, BAVARIA)
    url = f"/api/v1/partners/{partner['id']}/contacts"
    start = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    anna = client.post(url, json={"name": "Anna"}).json()
    bert = client.post(url, json={"name": "Bert"}).json()
    time.sleep(0.01)
    client.patch(f"/api/v1/contacts/{anna['id']}", json={"title": "Chief"}, headers={"If-Match": 'W/"1"'})
    page = sync(client, url, updated_since=start)
    assert [c["id"] for c in page["items"]] == [bert["id"], anna["id"]], "the latest change last"
    assert sync(client, url, cursor=page["next_cursor"])["items"] == []


def test_bad_sync_inputs_are_refused(client):
    create(client, BAVARIA), create(client, GERMANY)
    ordinary = sync(client, "/api/v1/partners", limit=1)
    assert ordinary["next_cursor"]
    for params in (
        {"updated_since": "yesterday"},
        {"updated_since": "2026-12-01T00:00:00"},  # no time zone
        {"updated_since": "1066-10-14T00:00:00Z"},
    ):
        response = client.get("/api/v1/partners", params=params)
        assert response.status_code == 422, params
        assert response.headers["content-type"] == "application/problem+json"
    mixed = client.get(
        "/api/v1/partners", params={"updated_since": "2026-01-01T00:00:00Z", "cursor": ordinary["next_cursor"]}
    )
    assert mixed.status_code == 400, "a list's own cursor is not a sync cursor"
    assert client.get("/api/v1/partners", params={"cursor": "abc"}).status_code == 400
