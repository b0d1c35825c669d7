"""Incremental sync (kit/sync.py) on the notifications' lists: subscriptions, webhooks, the inbox and
the delivery log added since a time, oldest first, with a cursor to resume from."""

from datetime import timedelta

import pytest

from services.notifications.tests.conftest import ADMIN
from services.notifications.tests.test_api import HOOK
from tests.support.identity import SignedAs

LONG_AGO = "2000-01-01T00:00:00Z"


def get(client, url, **params):
    response = client.get(url, params=params, **({"auth": SignedAs(ADMIN)} if "deliveries" in url else {}))
    assert response.status_code == 200, response.text
    return response.json()


def test_subscriptions_added_since_come_oldest_first_with_a_cursor(client, clock):
    for code in ("trade", "culture", "security"):
        assert (
            client.post(
                "/api/v1/subscriptions", json={"kind": "thrust", "target": code, "channels": ["inbox"]}
            ).status_code
            == 201
        )
    # The tests' clock stands still: equal times, so the id orders them.
    first = get(client, "/api/v1/subscriptions", updated_since=LONG_AGO, limit=2)
    assert len(first["items"]) == 2 and first["total"] == 3
    rest = get(client, "/api/v1/subscriptions", cursor=first["next_cursor"])
    assert {s["target"] for s in first["items"] + rest["items"]} == {"trade", "culture", "security"}
    assert len(rest["items"]) == 1 and sorted(s["id"] for s in first["items"] + rest["items"]) == [
        s["id"] for s in first["items"] + rest["items"]
    ]
    done = get(client, "/api/v1/subscriptions", cursor=rest["next_cursor"])
    assert done["items"] == [] and done["next_cursor"] == rest["next_cursor"], "kept, to resume later"
    clock.set(clock.now + timedelta(seconds=1))
    client.post("/api/v1/subscriptions", json={"kind": "region", "target": "europe", "channels": ["inbox"]})
    later = get(client, "/api/v1/subscriptions", cursor=done["next_cursor"])
    assert [s["target"] for s in later["items"]] == ["europe"]
    assert get(client, "/api/v1/subscriptions", updated_since="2199-01-01T00:00:00Z")["items"] == []


@pytest.mark.parametrize("url", ["/api/v1/subscriptions", "/api/v1/notifications", "/api/v1/deliveries"])
def test_every_list_takes_updated_since_and_refuses_bad_ones(client, url):
    assert get(client, url, updated_since=LONG_AGO)["next_cursor"] is None, "nothing yet"
    for params, status in (
        ({"updated_since": "hier"}, 422),
        ({"updated_since": "2026-12-01T00:00:00"}, 422),
        ({"updated_since": LONG_AGO, "cursor": "garbage!"}, 400),
    ):
        response = client.get(url, params=params, auth=SignedAs(ADMIN))
        assert response.status_code == status, (params, response.text)
        assert response.headers["content-type"] == "application/problem+json"


def test_webhooks_added_since(client):
    made = client.post("/api/v1/webhooks", json=HOOK, auth=SignedAs(ADMIN))
    assert made.status_code == 201, made.text
    page = client.get("/api/v1/webhooks", params={"updated_since": LONG_AGO}, auth=SignedAs(ADMIN)).json()
    assert [w["id"] for w in page["items"]] == [made.json()["id"]] and page["next_cursor"]
