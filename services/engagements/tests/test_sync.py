"""Incremental sync (kit/sync.py) on the engagements' lists: engagements and follow-ups changed since
a time, oldest change first, with a cursor to resume from; restricted ones only for their insiders."""

import time
from datetime import UTC, datetime, timedelta

from services.engagements.tests.support import OUTSIDER, add_partner, as_, log


def get(client, url, caller=None, **params):
    response = client.get(url, params=params, **({"auth": as_(caller)} if caller else {}))
    assert response.status_code == 200, response.text
    return response.json()


def since_a_moment_ago() -> str:
    return (datetime.now(UTC) - timedelta(seconds=1)).isoformat()


def test_engagements_changed_since_come_oldest_first_with_a_cursor(client, sessions):
    partner = add_partner(sessions)
    start = since_a_moment_ago()
    first, second = log(client, [partner], title="Un"), log(client, [partner], title="Deux")
    secret = log(client, [partner], title="Secret", confidentiality="restricted")
    page = get(client, "/api/v1/engagements", updated_since=start, limit=2)
    assert [e["id"] for e in page["items"]] == [first["id"], second["id"]] and page["total"] == 3
    assert page["facets"] is None
    rest = get(client, "/api/v1/engagements", cursor=page["next_cursor"])
    assert [e["id"] for e in rest["items"]] == [secret["id"]]
    outsider = get(client, "/api/v1/engagements", OUTSIDER, updated_since=start)
    assert [e["id"] for e in outsider["items"]] == [first["id"], second["id"]], "restricted: insiders only"

    time.sleep(0.01)
    client.patch(f"/api/v1/engagements/{first['id']}", headers={"If-Match": 'W/"1"'}, json={"title": "Un bis"})
    later = get(client, "/api/v1/engagements", cursor=rest["next_cursor"])
    assert [e["title"] for e in later["items"]] == ["Un bis"]
    assert get(client, "/api/v1/engagements", cursor=later["next_cursor"])["items"] == []
    typed = get(client, "/api/v1/engagements", updated_since=start, q="deux")
    assert [e["id"] for e in typed["items"]] == [second["id"]], "filters apply to a sync too"


def test_follow_ups_changed_since(client, sessions):
    engagement = log(client, [add_partner(sessions)])
    start = since_a_moment_ago()
    url = f"/api/v1/engagements/{engagement['id']}/follow-ups"
    made = [
        client.post(url, json={"description": d, "assignee": "officer@example.test", "due_on": due}).json()
        for d, due in (("Envoyer le compte rendu", "2026-12-20"), ("Relancer", "2026-12-10"))
    ]
    page = get(client, url, updated_since=start)
    assert [f["id"] for f in page["items"]] == [m["id"] for m in made], "by change, not by due date"
    mine = get(client, "/api/v1/follow-ups", assignee="me", updated_since=start, limit=1)
    assert [f["id"] for f in mine["items"]] == [made[0]["id"]] and mine["total"] == 2
    time.sleep(0.01)
    client.patch(f"/api/v1/follow-ups/{made[0]['id']}", json={"status": "done"}, headers={"If-Match": 'W/"1"'})
    resumed = get(client, "/api/v1/follow-ups", cursor=mine["next_cursor"], assignee="me")
    assert [f["id"] for f in resumed["items"]] == [made[1]["id"], made[0]["id"]]


def test_bad_sync_inputs_are_refused(client, sessions):
    partner = add_partner(sessions)
    log(client, [partner]), log(client, [partner])
    ordinary = get(client, "/api/v1/engagements", limit=1)["next_cursor"]
    for url in ("/api/v1/engagements", "/api/v1/follow-ups"):
        for params, status in (
            ({"updated_since": "not a time"}, 422),
            ({"updated_since": "2026-12-01T00:00:00"}, 422),
            ({"updated_since": "2500-01-01T00:00:00Z"}, 422),
            ({"updated_since": "2026-12-01T00:00:00Z", "cursor": ordinary}, 400),
        ):
            response = client.get(url, params=params)
            assert response.status_code == status, (url, params, response.text)
            assert response.headers["content-type"] == "application/problem+json"
