"""What the engagement pages' browser tests share: partners the engagements service knows (with a
contact), engagements made through the API, and a keyboard that counts what it is asked to press."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx


def wait_known_to_engagements(api: httpx.Client, partner_id: str, timeout: float = 30.0) -> None:
    """A partner reaches the engagements service by its event: until then an engagement cannot name it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if api.get(f"/partners/{partner_id}/history").status_code == 200:
            return
        time.sleep(0.2)
    raise AssertionError(f"the engagements service never heard of partner {partner_id}")


def partner(
    api: httpx.Client,
    *,
    name_fr: str,
    name_en: str,
    acronyms: list[str],
    kind: str,
    country: str | None,
    contact: tuple[str, str],
) -> dict:
    """A partner with these names and this contact (found, or made): the search's best answer for its name."""
    found = api.get("/partners", params={"q": name_fr, "status": "active", "limit": 5}).json()["items"]
    chosen = next((p for p in found if p["name_fr"] == name_fr), None)
    if chosen is None:
        body = {"kind": kind, "name_fr": name_fr, "name_en": name_en, "acronyms": acronyms, "country": country}
        answer = api.post("/partners", json=body, params={"allow_duplicate": "true"})
        answer.raise_for_status()
        chosen = answer.json()
    contacts = api.get(f"/partners/{chosen['id']}/contacts").json()["items"]
    person = next((c for c in contacts if c["name"] == contact[0]), None)
    if person is None:
        answer = api.post(f"/partners/{chosen['id']}/contacts", json={"name": contact[0], "title": contact[1]})
        answer.raise_for_status()
        person = answer.json()
    wait_known_to_engagements(api, chosen["id"])
    return {**chosen, "contact": person}


def engagement(api: httpx.Client, partner_ids: list[str], **fields) -> dict:
    body = {
        "type": "meeting",
        "title": f"Rencontre {uuid.uuid4().hex[:6]}",
        "starts_at": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
        "partner_ids": partner_ids,
        "thrusts": ["trade.investment"],
        **fields,
    }
    answer = api.post("/engagements", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def engagements_titled(api: httpx.Client, title: str) -> list[dict]:
    items = api.get("/engagements", params={"q": title, "limit": 100}).json()["items"]
    return [e for e in items if e["title"] == title]


@dataclass
class CountingKeyboard:
    """The page's keyboard, counting every key pressed (a character typed is a key; a chord is one)."""

    page: object
    keys: int = 0
    characters: int = 0
    log: list[str] = field(default_factory=list)

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)
        self.keys += len(text)
        self.characters += len(text)
        self.log.append(f"type {text!r}")

    def press(self, key: str, times: int = 1) -> None:
        for _ in range(times):
            self.page.keyboard.press(key)
        self.keys += times
        self.log.append(f"{key} x{times}" if times > 1 else key)
