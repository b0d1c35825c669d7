"""The fault suite's load: partner and engagement writes through the gateway, as officers make them.

Creates, updates (If-Match), relationships, merges, engagements (Idempotency-Key), engagement
updates and follow-ups, from a few threads, until told to stop and a number of writes is reached.
A write that meets a dead replica, a broker or database outage is retried as a careful client
would (the same Idempotency-Key, a fresh If-Match); what the services refused on its merits (409,
412, 422) is counted apart, not retried blindly.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import httpx

RETRYABLE = {500, 502, 503, 504}
COUNTRIES = ("DE", "FR", "BE", "IT", "ES", "JP", "SN", "MX", "CA", "GB")


@dataclass
class LoadStats:
    writes: Counter = field(default_factory=Counter)  # committed (2xx), by kind
    refused: Counter = field(default_factory=Counter)  # 4xx on the merits
    retries: int = 0
    gave_up: int = 0

    @property
    def total(self) -> int:
        return sum(self.writes.values())


class Load:
    def __init__(self, gateway: str, admin: dict, *, threads: int = 4, rate: float = 12.0, seed: int = 11) -> None:
        self.gateway = gateway
        self.pause = threads / rate  # each thread's pace
        self.admin = admin
        self.threads = threads
        self.stats = LoadStats()
        self.partners: list[str] = []
        self.engagements: list[str] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._workers: list[threading.Thread] = []
        self._random = random.Random(seed)

    # --- one write, retried through outages --------------------------------------------------------

    def call(self, client: httpx.Client, method: str, path: str, kind: str, **kwargs) -> httpx.Response | None:
        deadline = time.monotonic() + 90
        pause = 0.2
        while True:
            try:
                response = client.request(method, self.gateway + path, headers=self._headers(kwargs), **kwargs)
            except httpx.HTTPError:
                response = None
            if response is not None and response.status_code not in RETRYABLE:
                with self._lock:
                    if method == "GET":
                        pass
                    elif response.is_success:
                        self.stats.writes[kind] += 1
                    else:
                        self.stats.refused[f"{kind} {response.status_code}"] += 1
                return response
            if time.monotonic() > deadline:
                with self._lock:
                    self.stats.gave_up += 1
                return None
            with self._lock:
                self.stats.retries += 1
            time.sleep(pause)
            pause = min(2.0, pause * 2)

    def _headers(self, kwargs: dict) -> dict:
        return self.admin | kwargs.pop("headers", {})

    # --- the writes --------------------------------------------------------------------------------

    def create_partner(self, client: httpx.Client) -> str | None:
        n = uuid.uuid4().hex[:8]
        body = {
            "kind": "federated_state",
            "name_fr": f"Région {n}",
            "name_en": f"Region {n}",
            "country": self._random.choice(COUNTRIES),
            "region": "europe",
        }
        response = self.call(
            client, "POST", "/api/v1/partners", "partner.create", json=body, params={"allow_duplicate": "true"}
        )
        if response is not None and response.status_code == 201:
            with self._lock:
                self.partners.append(response.json()["id"])
            return response.json()["id"]
        return None

    def update_partner(self, client: httpx.Client, partner_id: str, **changes) -> bool:
        for _ in range(5):
            current = self.call(client, "GET", f"/api/v1/partners/{partner_id}", "read")
            if current is None or current.status_code != 200 or current.json().get("id") != partner_id:
                return False  # merged away, or gone
            body = changes or {"description_en": f"Updated {uuid.uuid4().hex[:6]}"}
            response = self.call(
                client,
                "PATCH",
                f"/api/v1/partners/{partner_id}",
                "partner.update",
                json=body,
                headers={"If-Match": current.headers["etag"]},
            )
            if response is not None and response.status_code == 200:
                return True
            if response is None or response.status_code != 412:
                return False
        return False

    def relate(self, client: httpx.Client, a: str, b: str) -> None:
        self.call(
            client,
            "POST",
            f"/api/v1/partners/{a}/relationships",
            "relationship.add",
            json={"type": "partner_of", "target_id": b},
        )

    def merge(self, client: httpx.Client) -> None:
        survivor, duplicate = self.create_partner(client), self.create_partner(client)
        other = self._some_partner()
        if not (survivor and duplicate and other) or other in (survivor, duplicate):
            return
        self.relate(client, duplicate, other)
        self.call(
            client, "POST", f"/api/v1/partners/{survivor}/merge", "partner.merge", json={"duplicate_id": duplicate}
        )
        with self._lock:
            if duplicate in self.partners:
                self.partners.remove(duplicate)

    def log_engagement(self, client: httpx.Client) -> str | None:
        partner = self._some_partner()
        return self.log_engagement_about(client, partner) if partner else None

    def log_engagement_about(self, client: httpx.Client, partner: str) -> str | None:
        body = {
            "type": "meeting",
            "title": f"Rencontre {uuid.uuid4().hex[:6]}",
            "starts_at": "2026-11-24T15:00:00+00:00",
            "partner_ids": [partner],
            "thrusts": ["trade.investment"],
            "summary": "Suivi des investissements.",
            "confidentiality": "public",
        }
        key = {"Idempotency-Key": uuid.uuid4().hex}
        response = self.call(client, "POST", "/api/v1/engagements", "engagement.log", json=body, headers=key)
        if response is not None and response.status_code == 201:
            with self._lock:
                self.engagements.append(response.json()["id"])
            return response.json()["id"]
        return None

    def update_engagement(self, client: httpx.Client) -> None:
        with self._lock:
            engagement = self._random.choice(self.engagements) if self.engagements else None
        if engagement is None:
            return
        for _ in range(5):
            current = self.call(client, "GET", f"/api/v1/engagements/{engagement}", "read")
            if current is None or current.status_code != 200:
                return
            response = self.call(
                client,
                "PATCH",
                f"/api/v1/engagements/{engagement}",
                "engagement.update",
                json={"outcome": f"Suite {uuid.uuid4().hex[:6]}"},
                headers={"If-Match": current.headers["etag"]},
            )
            if response is None or response.status_code != 412:
                return

    def add_follow_up(self, client: httpx.Client) -> None:
        with self._lock:
            engagement = self._random.choice(self.engagements) if self.engagements else None
        if engagement is not None:
            self.call(
                client,
                "POST",
                f"/api/v1/engagements/{engagement}/follow-ups",
                "followup.create",
                json={
                    "description": "Envoyer le compte rendu",
                    "assignee": "admin",  # who the load writes as: a person of the directory (stack.py waits)
                    "due_on": "2027-01-15",
                },
            )

    def _some_partner(self) -> str | None:
        with self._lock:
            return self._random.choice(self.partners) if self.partners else None

    # --- threads -----------------------------------------------------------------------------------

    def one_write(self, client: httpx.Client) -> None:
        roll = self._random.random()
        if roll < 0.2 or len(self.partners) < 10:
            self.create_partner(client)
        elif roll < 0.45:
            partner = self._some_partner()
            if partner:
                self.update_partner(client, partner)
        elif roll < 0.52:
            a, b = self._some_partner(), self._some_partner()
            if a and b and a != b:
                self.relate(client, a, b)
        elif roll < 0.54:
            self.merge(client)
        elif roll < 0.8:
            self.log_engagement(client)
        elif roll < 0.93:
            self.update_engagement(client)
        else:
            self.add_follow_up(client)

    def start(self) -> Load:
        for n in range(self.threads):
            worker = threading.Thread(target=self._work, name=f"load-{n}", daemon=True)
            worker.start()
            self._workers.append(worker)
        return self

    def _work(self) -> None:
        with httpx.Client(timeout=30) as client:
            while not self._stop.is_set():
                started = time.monotonic()
                self.one_write(client)
                self._stop.wait(max(0.0, self.pause - (time.monotonic() - started)))

    def stop(self) -> LoadStats:
        self._stop.set()
        for worker in self._workers:
            worker.join(120)
        return self.stats
