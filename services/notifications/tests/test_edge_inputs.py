"""Inputs at the edges (issue 10, defect 9): NUL characters are 422 problems in every text field."""

from services.notifications.models import Subscription, Webhook
from services.notifications.tests.conftest import INTEGRATION, as_
from services.notifications.tests.test_api import HOOK, count


def assert_problem(response, status: int = 422) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()


def test_nul_characters_are_refused_in_every_text_field(client, notifications_engine):
    subscription = {"kind": "region", "target": "europe\x00", "channels": ["inbox"]}
    assert "NUL" in str(assert_problem(client.post("/api/v1/subscriptions", json=subscription))["errors"])
    assert_problem(client.put("/api/v1/notifications/preferences", json={"email": "a\x00@example.test"}))
    hook = HOOK | {"description": "BI\x00"}
    assert_problem(as_(client, INTEGRATION).post("/api/v1/webhooks", json=hook))
    assert_problem(client.get("/api/v1/deliveries", params={"recipient": "a\x00"}))
    assert count(notifications_engine, Subscription) == 0 and count(notifications_engine, Webhook) == 0
