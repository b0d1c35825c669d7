"""The web app's pages through the real gateway process, logged in with a session cookie: p50/p95 of
the time to answer (measured by the client on loopback: the server's time plus a local round trip)
for the home page, a partner page whose history holds 200 engagements, a search page and the reports
page (its two heat maps over those engagements); and the
weight of each page with its assets (HTML + CSS + JS + SVG, as sent and uncompressed).
Goals: p95 ≤ 100 ms, ≤ 200 KB. A page this build does not have is skipped with a message.
"""

from __future__ import annotations

import re
import statistics
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx

from tests.support.gateway import ADMIN_PASSWORD
from tests.support.kafka import KafkaBroker
from tests.support.system import start_system, stop_system

TIMELINE = 200
REQUESTS = 200
WARM_UP = 10
GOAL_MS = 100.0
GOAL_BYTES = 200 * 1024
PARTNER_NAME = "Organisation internationale de la Francophonie (banc d'essai)"


class Assets(HTMLParser):
    """The page's own stylesheets, scripts and SVG images (what a browser fetches to show it)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "link" and "stylesheet" in (found.get("rel") or "").split():
            self.urls.append(found.get("href") or "")
        elif tag == "script" and found.get("src"):
            self.urls.append(found["src"] or "")
        elif tag in ("img", "use", "image"):
            source = found.get("src") or found.get("href") or ""
            if re.search(r"\.svg(#|$|\?)", source):
                self.urls.append(source)


def log_in(client: httpx.Client) -> None:
    """The login form as a browser sends it (its CSRF field included when it has one)."""
    form = client.get("/login")
    form.raise_for_status()
    fields = {"username": "admin", "password": ADMIN_PASSWORD}
    hidden = re.findall(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form.text)
    fields |= dict(hidden)
    answer = client.post("/login", data=fields)
    if answer.status_code >= 400 or "/login" in str(answer.url):
        raise RuntimeError(f"the web login failed: {answer.status_code} at {answer.url}")


def prepare(gateway: str, admin: dict[str, str]) -> str:
    """A partner with TIMELINE engagements in its history; returns its id."""
    with httpx.Client(base_url=f"{gateway}/api/v1", headers=admin, timeout=30) as api:
        partner = api.post(
            "/partners",
            json={"kind": "international_organization", "name_fr": PARTNER_NAME, "acronyms": ["OIFB"]},
        )
        partner.raise_for_status()
        partner_id = partner.json()["id"]
        logged, deadline = 0, time.monotonic() + 60
        while logged < TIMELINE:
            answer = api.post(
                "/engagements",
                json={
                    "type": "meeting",
                    "title": f"Rencontre de travail n° {logged + 1}",
                    "starts_at": f"2026-{1 + logged % 12:02d}-{1 + logged % 28:02d}T14:00:00Z",
                    "partner_ids": [partner_id],
                    "thrusts": ["french-language", "culture"],
                    "summary": "Suivi de la programmation commune et des prochaines étapes.",
                },
            )
            if answer.status_code == 422 and logged == 0 and time.monotonic() < deadline:
                time.sleep(0.1)  # the partner's event has not reached engagements yet
                continue
            answer.raise_for_status()
            logged += 1
    return partner_id


def weigh(client: httpx.Client, path: str, html: httpx.Response) -> tuple[int, int, int]:
    """(bytes sent, bytes uncompressed, asset count) for the page and its same-site assets."""
    parser = Assets()
    parser.feed(html.text)
    sent, raw = html.num_bytes_downloaded, len(html.content)
    urls = dict.fromkeys(urljoin(path, u) for u in parser.urls if u and not urlsplit(u).netloc)
    for url in urls:
        asset = client.get(url)
        sent, raw = sent + asset.num_bytes_downloaded, raw + len(asset.content)
    return sent, raw, len(urls)


def measure(client: httpx.Client, label: str, path: str) -> None:
    first = client.get(path)
    if first.status_code == 404:
        print(f"web page {label} ({path}): skipped, this build has no such page")
        return
    if first.status_code != 200:
        print(f"web page {label} ({path}): skipped, it answered {first.status_code}")
        return
    for _ in range(WARM_UP):
        client.get(path)
    times = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        answer = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        answer.raise_for_status()
    p95 = statistics.quantiles(times, n=20)[18]
    sent, raw, assets = weigh(client, path, first)
    verdict = "ok" if p95 <= GOAL_MS and sent <= GOAL_BYTES else "OVER GOAL"
    print(
        f"web page {label} ({path}), {REQUESTS} requests: median {statistics.median(times):.1f} ms, "
        f"p95 {p95:.1f} ms; weight with {assets} asset(s) {sent / 1024:.1f} KB sent, "
        f"{raw / 1024:.1f} KB uncompressed [{verdict}: goals p95 ≤ {GOAL_MS:.0f} ms, ≤ {GOAL_BYTES // 1024} KB]"
    )


def run(broker: KafkaBroker, database_urls: dict[str, str], label: str) -> None:
    with tempfile.TemporaryDirectory() as logs:
        system = start_system(
            kafka=broker,
            database_urls=database_urls,
            logs=Path(logs),
            # One person asks for a page after another: the per-user API rate limit is not what is measured.
            gateway_settings={"RATE_LIMIT_PER_SECOND": "10000", "RATE_LIMIT_BURST": "10000"},
        )
        try:
            partner_id = prepare(system["gateway"], system["admin"])
            print(f"web pages [{label}]: a partner with {TIMELINE} engagements in its history")
            with httpx.Client(base_url=system["gateway"], timeout=30, follow_redirects=True) as client:
                log_in(client)
                measure(client, "home", "/")
                measure(client, "partner", f"/partners/{partner_id}")
                measure(client, "search", "/search?q=francophonie")
                measure(client, "reports", "/reports")
        finally:
            stop_system(system)
