"""Partners, engagements and follow-ups made through the API for the search and partner-page tests."""

from __future__ import annotations

import time
import uuid
from urllib.parse import quote

import httpx

PROPAGATION_SECONDS = 60  # the engagements service learns partners from Kafka


def create_partner(api: httpx.Client, **fields) -> dict:
    response = api.post("/partners", params={"allow_duplicate": "true"}, json=fields)
    assert response.status_code == 201, response.text
    return response.json()


def log_engagement(api: httpx.Client, **fields) -> dict:
    """Logs an engagement, waiting for the engagements service to know its partners (they arrive by Kafka)."""
    fields.setdefault("type", "meeting")
    fields.setdefault("thrusts", ["trade"])
    fields.setdefault("confidentiality", "internal")
    deadline = time.monotonic() + PROPAGATION_SECONDS
    while True:
        response = api.post("/engagements", json=fields, headers={"Idempotency-Key": str(uuid.uuid4())})
        if response.status_code == 201:
            return response.json()
        if time.monotonic() > deadline or response.status_code not in (404, 409, 422):
            raise AssertionError(f"{response.status_code}: {response.text}")
        time.sleep(0.3)


def add_follow_up(api: httpx.Client, engagement_id: str, **fields) -> dict:
    fields.setdefault("assignee", "admin")
    response = api.post(
        f"/engagements/{engagement_id}/follow-ups", json=fields, headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert response.status_code == 201, response.text
    return response.json()


def wait_until(check, what: str, seconds: float = PROPAGATION_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.3)


def in_english(page, path: str) -> None:
    """Switches the session's language to English (the header's link) and opens `path`."""
    page.goto(f"/language/en?next={quote(path, safe='')}")


def in_french(page, path: str) -> None:
    page.goto(f"/language/fr?next={quote(path, safe='')}")
