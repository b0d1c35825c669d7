"""Data for the home, follow-ups, inbox and confidentiality browser tests, made through the API."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from tests.support.gateway import bearer, login

TORONTO = ZoneInfo("America/Toronto")


def today() -> date:
    return datetime.now(TORONTO).date()


def wait_for(check, *, timeout: float = 45.0, what: str = "the condition"):
    """Polls `check` until it returns something truthy (Kafka carries events in their own time)."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.3)


def client_for(web_system, user) -> httpx.Client:
    """The API as `user` (a WebUser from make_user)."""
    token = login(web_system["url"], user.username, user.password)
    return httpx.Client(base_url=web_system["url"] + "/api/v1", headers=bearer(token), timeout=30)


def new_partner(api, *, region: str = "europe", name: str | None = None) -> dict:
    name = name or f"Partenaire {uuid.uuid4().hex[:8]}"
    response = api.post(
        "/partners",
        params={"allow_duplicate": "true"},  # tests name partners alike on purpose
        json={"kind": "state", "name_fr": name, "name_en": name + " (EN)", "country": "FR", "region": region},
    )
    response.raise_for_status()
    return response.json()


def log_engagement(
    api,
    partner: dict,
    *,
    title: str | None = None,
    starts: datetime | None = None,
    officers: list[str] = (),
    thrusts: list[str] = ("trade",),
    confidentiality: str = "internal",
) -> dict:
    """Logs an engagement once the engagements service has heard of the partner (its event may still travel)."""
    body = {
        "type": "meeting",
        "title": title or f"Rencontre {uuid.uuid4().hex[:8]}",
        "starts_at": (starts or datetime.now(UTC) - timedelta(days=1)).isoformat(),
        "partner_ids": [partner["id"]],
        "officers": list(officers),
        "thrusts": list(thrusts),
        "confidentiality": confidentiality,
    }

    def attempt():
        response = api.post("/engagements", json=body, headers={"Idempotency-Key": str(uuid.uuid4())})
        if response.status_code == 422 and "Unknown partner" in response.text:
            return None
        assert response.status_code == 201, response.text
        return response.json()

    return wait_for(attempt, what=f"the engagements service to know partner {partner['id']}")


def add_follow_up(api, engagement: dict, *, assignee: str, description: str, due_on: date | None, owed_by="quebec"):
    body = {"description": description, "assignee": assignee, "owed_by": owed_by}
    if due_on:
        body["due_on"] = due_on.isoformat()
    response = api.post(f"/engagements/{engagement['id']}/follow-ups", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def notified(client, title: str):
    """The notification about `title` in the inbox of the client's person, once it has arrived."""

    def check():
        items = client.get("/notifications", params={"limit": 200}).json()["items"]
        return next((n for n in items if title in n["title"]), None)

    return check


def disable(api, username: str) -> None:
    etag = api.get(f"/users/{username}").headers["ETag"]
    api.patch(f"/users/{username}", json={"disabled": True}, headers={"If-Match": etag}).raise_for_status()


def log_in(page, user) -> None:
    """As the `login_as` fixture does, for fixtures wider than one test."""
    page.goto("/login")
    page.locator("#f-username").fill(user.username)
    page.locator("#f-password").fill(user.password)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)


def no_overflow(page) -> bool:
    """Nothing wider than the window (a 360 px phone scrolls only down)."""
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")


def switch_language(page) -> None:
    page.locator("a.lang-switch").click()
    page.wait_for_load_state()
