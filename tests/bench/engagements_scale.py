"""Engagements at scale, on PostgreSQL: search and history latency, and logging throughput.

Loads N engagements (default 1,000,000) over P partners (default 50,000) straight into a migrated
database with COPY (indexes dropped during the load, rebuilt after, as a bulk import would), then
starts the engagements service as a real uvicorn process and measures over HTTP, with a signed
caller identity as the gateway sends it:
- search: GET /api/v1/engagements?q=... (full text, facets included), p50/p95;
- history: GET /api/v1/partners/{id}/history?limit=20, p50/p95;
- logging: POST /api/v1/engagements from C concurrent clients for a few seconds, engagements/s
  (each POST commits the engagement, its links, its search entry and its outbox row; the relay
  publishes to the real broker meanwhile).
Scale: LIAISON_BENCH_ENGAGEMENTS, LIAISON_BENCH_PARTNERS (smaller for a quick look).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import statistics
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import psycopg

from services.kit.identity import Caller
from services.kit.thrusts import taxonomy
from tests.support.identity import TEST_IDENTITY_SECRET, SignedAs
from tests.support.kafka import KafkaBroker
from tests.support.processes import ServiceProcess

TORONTO = ZoneInfo("America/Toronto")
OFFICER = Caller(user="bench.officer@example.test", roles=frozenset({"officer"}))
REGIONS = [
    "north-america",
    "latin-america-caribbean",
    "europe",
    "africa",
    "middle-east-north-africa",
    "asia-pacific",
    "arctic",
    "global",
]
TYPES = ["meeting", "mission", "call", "event", "agreement", "correspondence", "visit"]
SUBJECTS = [
    "négociation",
    "négociations",
    "accord",
    "coopération",
    "investissement",
    "investments",
    "batteries",
    "hydroélectricité",
    "mobilité étudiante",
    "francophonie",
    "cybersécurité",
    "tourisme",
    "culture",
    "aérospatiale",
    "intelligence artificielle",
    "minéraux critiques",
    "changements climatiques",
    "agriculture",
    "santé",
    "énergie propre",
    "trade mission",
    "clean technology",
    "student mobility",
    "emergency management",
    "Arctic research",
    "carbon market",
    "supply chains",
    "water management",
]
VERBS = [
    "Rencontre sur",
    "Appel au sujet de",
    "Mission :",
    "Suivi de",
    "Entente sur",
    "Discussion on",
    "Follow-up on",
    "Atelier sur",
    "Visite :",
    "Briefing on",
]
SEARCHES = [
    "négociations",
    "batteries",
    "investment",
    "hydroelectricite",
    "coopération accord",
    "cybersecurite",
    "carbon market",
    "francophonie",
    "tourisme",
    "minéraux critiques",
]
INDEXES_TO_REBUILD = [
    "ix_engagements_search",
    "ix_engagements_starts",
    "ix_engagements_mission",
    "ix_engagements_created_by",
    "ix_engagement_partners_partner",
    "ix_engagement_thrusts_code",
    "ix_engagement_thrusts_top",
    "ix_engagement_officers_officer",
]


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _index_definitions(conn) -> dict[str, str]:
    rows = conn.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE indexname = ANY(%s)", (INDEXES_TO_REBUILD,)
    ).fetchall()
    return dict(rows)


def load(database_url: str, *, engagements: int, partners: int, seed: int = 7) -> list[uuid.UUID]:
    """Fill the database; return the partner ids (for history requests)."""
    rng = random.Random(seed)
    codes = [t.code for t in taxonomy()]
    officers = [f"officer{n}@example.test" for n in range(200)]
    partner_ids = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(partners)]
    regions = {pid: rng.choice(REGIONS) for pid in partner_ids}
    names = {pid: f"Partenaire {n} {rng.choice(SUBJECTS)}" for n, pid in enumerate(partner_ids)}
    # Some partners are busy (a state, an organisation), most are rarely seen: a skewed pick.
    cumulative = list(itertools.accumulate(1.0 / (rank + 1) ** 0.8 for rank in range(partners)))
    now = datetime.now(UTC)
    started = time.perf_counter()
    with psycopg.connect(_plain(database_url), autocommit=True) as conn:
        definitions = _index_definitions(conn)
        for name in definitions:
            conn.execute(f"DROP INDEX {name}")
        with conn.cursor() as cur:
            with cur.copy(
                "COPY partner_copies (id, kind, name_fr, name_en, acronyms, aliases, country, region, "
                "status, version, received_at) FROM STDIN"
            ) as copy:
                for pid in partner_ids:
                    copy.write_row((pid, "state", names[pid], None, "[]", "[]", None, regions[pid], "active", 1, now))
            columns = (
                "id, type, title, starts_at, ends_at, local_year, local_quarter, location_city, "
                "location_country, contact_ids, officers, summary, notes, outcome, "
                "discussion_points, thrusts, tags, confidentiality, mission_id, agreement_status, "
                "signatories, signed_on, effective_on, expires_on, search_document, created_by, version, "
                "created_at, updated_at"
            )
            links: list[tuple] = []
            thrust_links: list[tuple] = []
            officer_links: list[tuple] = []
            with cur.copy(f"COPY engagements ({columns}) FROM STDIN") as copy:
                for n in range(engagements):
                    eid = uuid.UUID(int=rng.getrandbits(128), version=4)
                    named = list(
                        dict.fromkeys(rng.choices(partner_ids, cum_weights=cumulative, k=rng.choice((1, 1, 2, 3))))
                    )
                    thrusts = list(dict.fromkeys(rng.sample(codes, k=rng.choice((1, 1, 2)))))
                    people = rng.sample(officers, k=rng.choice((1, 2)))
                    starts = now - timedelta(minutes=rng.randrange(0, 60 * 24 * 365 * 8))
                    local = starts.astimezone(TORONTO)
                    title = f"{rng.choice(VERBS)} {rng.choice(SUBJECTS)}"
                    summary = f"{rng.choice(SUBJECTS).capitalize()} et {rng.choice(SUBJECTS)} : {n}."
                    document = "\n".join([title, summary, *(names[p] for p in named)])
                    kind = rng.choice(TYPES)
                    level = "restricted" if n % 50 == 0 else ("public" if n % 3 == 0 else "internal")
                    copy.write_row(
                        (
                            eid,
                            kind,
                            title,
                            starts,
                            starts + timedelta(hours=1),
                            local.year,
                            (local.month - 1) // 3 + 1,
                            None,
                            None,
                            "[]",
                            json.dumps(people),
                            summary,
                            None,
                            None,
                            "[]",
                            json.dumps(thrusts),
                            "[]",
                            level,
                            None,
                            "signed" if kind == "agreement" else None,
                            "[]",
                            None,
                            None,
                            None,
                            document,
                            people[0],
                            1,
                            starts,
                            starts,
                        )
                    )
                    links.extend((eid, p, position) for position, p in enumerate(named))
                    thrust_links.extend((eid, c, c.split(".")[0]) for c in thrusts)
                    officer_links.extend((eid, o) for o in people)
            for table, cols, rows in (
                ("engagement_partners", "engagement_id, partner_id, position", links),
                ("engagement_thrusts", "engagement_id, code, top", thrust_links),
                ("engagement_officers", "engagement_id, officer", officer_links),
            ):
                with cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        loaded = time.perf_counter() - started
        conn.execute("SET maintenance_work_mem = '512MB'")
        for definition in definitions.values():
            conn.execute(definition)
        conn.execute("VACUUM ANALYZE")
    print(
        f"  loaded {engagements:,} engagements over {partners:,} partners in {loaded:.0f} s, "
        f"indexes rebuilt in {time.perf_counter() - started - loaded:.0f} s"
    )
    return partner_ids


def percentiles(samples: list[float]) -> str:
    cuts = statistics.quantiles(samples, n=20)
    return f"p50 {statistics.median(samples):.1f} ms, p95 {cuts[18]:.1f} ms (n={len(samples)})"


def timed_gets(client: httpx.Client, requests: list[tuple[str, dict]]) -> list[float]:
    delays = []
    for path, params in requests:
        started = time.perf_counter()
        response = client.get(path, params=params)
        response.raise_for_status()
        delays.append((time.perf_counter() - started) * 1000)
    return delays


def logging_throughput(url: str, partner_ids: list[uuid.UUID], *, clients: int = 8, seconds: float = 15.0) -> float:
    deadline = time.monotonic() + seconds
    counts = [0] * clients
    errors: list[str] = []

    def worker(slot: int) -> None:
        rng = random.Random(slot)
        with httpx.Client(base_url=url, auth=SignedAs(OFFICER, TEST_IDENTITY_SECRET), timeout=30) as client:
            while time.monotonic() < deadline:
                response = client.post(
                    "/api/v1/engagements",
                    json={
                        "type": "meeting",
                        "title": f"Rencontre {rng.choice(SUBJECTS)}",
                        "starts_at": datetime.now(UTC).isoformat(),
                        "summary": rng.choice(SUBJECTS),
                        "partner_ids": [str(rng.choice(partner_ids))],
                        "thrusts": ["trade.investment"],
                        "officers": [OFFICER.user],
                    },
                )
                if response.status_code == 201:
                    counts[slot] += 1
                else:
                    errors.append(response.text[:200])

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        print(f"  {len(errors)} failed POSTs, first: {errors[0]}")
    return sum(counts) / (time.perf_counter() - started)


def run(broker: KafkaBroker, database_url: str) -> None:
    engagements = int(os.environ.get("LIAISON_BENCH_ENGAGEMENTS", "1000000"))
    partners = int(os.environ.get("LIAISON_BENCH_PARTNERS", "50000"))
    print(f"engagements at scale [PostgreSQL]: {engagements:,} engagements, {partners:,} partners")
    partner_ids = load(database_url, engagements=engagements, partners=partners)
    with tempfile.TemporaryDirectory() as logs:
        service = (
            ServiceProcess(
                "engagements",
                log_dir=Path(logs),
                env={
                    "LIAISON_ENGAGEMENTS_DATABASE_URL": database_url,
                    **broker.service_env("engagements"),
                    "LIAISON_ENGAGEMENTS_LOG_LEVEL": "WARNING",
                    "LIAISON_ENGAGEMENTS_ENVIRONMENT": "test",
                    "LIAISON_ENGAGEMENTS_IDENTITY_SECRET": TEST_IDENTITY_SECRET,
                },
            )
            .start()
            .wait_ready()
        )
        try:
            rng = random.Random(11)
            with httpx.Client(base_url=service.url, auth=SignedAs(OFFICER, TEST_IDENTITY_SECRET), timeout=60) as client:
                timed_gets(client, [("/api/v1/engagements", {"q": q}) for q in SEARCHES])  # warm-up
                searches = [("/api/v1/engagements", {"q": rng.choice(SEARCHES)}) for _ in range(100)]
                print(f"  search (q, newest first, total + facets): {percentiles(timed_gets(client, searches))}")
                filtered = [
                    (
                        "/api/v1/engagements",
                        {"q": rng.choice(SEARCHES), "region": rng.choice(REGIONS), "facets": "false"},
                    )
                    for _ in range(100)
                ]
                print(f"  search + region filter, no facets: {percentiles(timed_gets(client, filtered))}")
                busy, rare = partner_ids[:50], partner_ids[50:]
                history = [
                    (f"/api/v1/partners/{rng.choice(busy if n % 5 == 0 else rare)}/history", {"limit": 20})
                    for n in range(200)
                ]
                print(f"  history (limit 20, 1 in 5 of a busy partner): {percentiles(timed_gets(client, history))}")
            rate = logging_throughput(service.url, partner_ids)
            print(f"  logging: {rate:.0f} engagements/s (8 concurrent clients, 15 s, one uvicorn worker)")
        finally:
            service.stop()
