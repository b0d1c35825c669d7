"""Engagements at scale: search and history latency, logging throughput, resident memory, at several sizes.

For each size (10,000 / 100,000 / 1,000,000 engagements over 500 / 5,000 / 50,000 partners) a fresh
database is loaded (tests/bench/engagements_data.py), the engagements service is started as a real
uvicorn process and measured over HTTP, with a signed caller identity as the gateway sends it:
- search: GET /api/v1/engagements?q=... (full text, newest first, total + facets), p50/p95;
- search with a region filter and no facets, p95, beside the same SQL run straight on the database
  (the statements the service builds, no HTTP, no ORM), with EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL;
- history: GET /api/v1/partners/{id}/history?limit=20 (1 in 5 of a busy partner), p95;
- logging: POST /api/v1/engagements from 8 concurrent clients, engagements/s, beside the raw INSERT
  ceiling (the same rows written with plain SQL, one transaction each, 8 connections);
- resident memory of the service at idle and under the logging load.
Every figure goes to the bench table (tests/bench/table.py). LIAISON_BENCH_PROFILE=<folder> also
records the service with py-spy during each phase and prints where the time went.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import Engine, create_engine, select
from sqlmodel import Session

from services.engagements import queries
from services.engagements.models import EngagementPartner, PartnerCopy, Person
from services.kit.db import table_of
from services.kit.event_models import UserState
from services.kit.identity import Caller
from services.kit.people import record_person
from tests.bench import engagements_data as data
from tests.bench import engagements_raw, profiling, table
from tests.support.identity import TEST_IDENTITY_SECRET, SignedAs
from tests.support.kafka import KafkaBroker
from tests.support.processes import ServiceProcess

OFFICER = Caller(user="bench.officer@example.test", roles=frozenset({"officer"}))
# label: (engagements, partners)
SIZES = {"10k": (10_000, 500), "100k": (100_000, 5_000), "1M": (1_000_000, 50_000)}


def percentile(samples: list[float], pct: int) -> float:
    return statistics.quantiles(samples, n=100)[pct - 1] if len(samples) > 1 else samples[0]


def describe(samples: list[float]) -> str:
    return f"p50 {statistics.median(samples):.1f} ms, p95 {percentile(samples, 95):.1f} ms (n={len(samples)})"


def timed_gets(client: httpx.Client, requests: list[tuple[str, dict]]) -> list[float]:
    delays = []
    for path, params in requests:
        started = time.perf_counter()
        response = client.get(path, params=params)
        response.raise_for_status()
        delays.append((time.perf_counter() - started) * 1000)
    return delays


def logging_throughput(
    url: str, partner_ids: list[uuid.UUID], *, pid: int, clients: int = 8, seconds: float = 10.0
) -> tuple[float, float]:
    """Engagements/s, and the service's peak resident memory meanwhile."""
    deadline = time.monotonic() + seconds
    counts = [0] * clients
    errors: list[str] = []
    peak = [0.0]

    def worker(slot: int) -> None:
        rng = random.Random(slot)
        with httpx.Client(base_url=url, auth=SignedAs(OFFICER, TEST_IDENTITY_SECRET), timeout=30) as client:
            while time.monotonic() < deadline:
                response = client.post(
                    "/api/v1/engagements",
                    json={
                        "type": "meeting",
                        "title": f"Rencontre {rng.choice(data.SUBJECTS)}",
                        "starts_at": datetime.now(UTC).isoformat(),
                        "summary": rng.choice(data.SUBJECTS),
                        "partner_ids": [str(rng.choice(partner_ids))],
                        "thrusts": ["trade.investment"],
                        "officers": [OFFICER.user],
                    },
                )
                if response.status_code == 201:
                    counts[slot] += 1
                else:
                    errors.append(response.text[:200])

    def watch() -> None:
        while time.monotonic() < deadline:
            peak[0] = max(peak[0], table.rss_mb(pid))
            time.sleep(0.5)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    threads.append(threading.Thread(target=watch))
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        print(f"    {len(errors)} failed POSTs, first: {errors[0]}")
    return sum(counts) / (time.perf_counter() - started), peak[0]


def raw_sql(engine: Engine, flt: queries.EngagementFilter, *, explain: bool) -> float:
    """Every statement the service runs for this search (the page, its partner links and names, the capped
    count and, beyond the cap, the sample's), straight on the database through SQLAlchemy Core: no HTTP,
    no ORM objects, no JSON. Milliseconds. With `explain`, prints their plans (PostgreSQL)."""
    links, partners = table_of(EngagementPartner), table_of(PartnerCopy)
    with Session(engine) as session:
        page = queries.page_statement(session=session, caller=OFFICER, flt=flt, limit=20)
        counting = queries.count_statement(session=session, caller=OFFICER, flt=flt)
        conn = session.connection()
        started = time.perf_counter()
        ids = [row.id for row in conn.execute(page)]
        named = conn.execute(select(links).where(links.c.engagement_id.in_(ids))).all()
        conn.execute(select(partners).where(partners.c.id.in_({row.partner_id for row in named}))).all()
        statements = [page, counting]
        if (conn.execute(counting).scalar() or 0) > queries.TOTAL_CAP:
            fraction = queries.sample_fraction(session)
            sampled = queries.count_statement(session=session, caller=OFFICER, flt=flt, sample=fraction)
            conn.execute(sampled).scalar()
            statements.append(sampled)
        elapsed = (time.perf_counter() - started) * 1000
        if explain and engine.dialect.name == "postgresql":
            for statement in statements:
                compiled = statement.compile(dialect=engine.dialect)
                plan = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) {compiled}", compiled.params)
                print("      " + "\n      ".join(row[0] for row in plan))
    return elapsed


def explain(engine: Engine, q: str) -> None:
    """The plans of a search with facets, as the service runs it (PostgreSQL)."""
    if engine.dialect.name != "postgresql":
        return
    flt = queries.EngagementFilter(q=q)
    with Session(engine) as session:
        conn = session.connection()
        statements = [
            queries.page_statement(session=session, caller=OFFICER, flt=flt, limit=20),
            queries.count_statement(session=session, caller=OFFICER, flt=flt),
        ]
        if (conn.execute(statements[1]).scalar() or 0) > queries.TOTAL_CAP:
            fraction = queries.sample_fraction(session)
            statements.append(queries.facets_statement(session=session, caller=OFFICER, flt=flt, sample=fraction))
        else:
            statements.append(queries.facets_statement(session=session, caller=OFFICER, flt=flt))
        print(f"    EXPLAIN (ANALYZE, BUFFERS) of a search for {q!r} with facets (page, capped count, facets):")
        for statement in statements:
            compiled = statement.compile(dialect=engine.dialect)
            plan = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) {compiled}", compiled.params)
            print("      " + "\n      ".join(row[0] for row in plan))


def measure(broker: KafkaBroker, database_url: str, loaded: data.Data, *, db: str, size: str, quick: bool) -> None:
    rec = {"size": size, "database": db}
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
        pid = service.process.pid
        engine = create_engine(database_url)
        with Session(engine) as session:  # the officer the bench logs as: a person of the directory copy
            state = UserState(
                id=uuid.uuid5(uuid.NAMESPACE_URL, OFFICER.user), username=OFFICER.user, disabled=False, version=1
            )
            record_person(session=session, table=Person, state=state)
            session.commit()
        try:
            rng = random.Random(11)
            auth = SignedAs(OFFICER, TEST_IDENTITY_SECRET)
            with httpx.Client(base_url=service.url, auth=auth, timeout=60) as client:
                timed_gets(client, [("/api/v1/engagements", {"q": q}) for q in data.SEARCHES])  # warm-up
                table.record("engagements RSS idle", "≤ 150 MB", table.rss_mb(pid), "MB", 150, True, **rec)
                explain(engine, data.SEARCHES[0])
                searches = [("/api/v1/engagements", {"q": rng.choice(data.SEARCHES)}) for _ in range(100)]
                with profiling.recording(pid, f"search-{db}-{size}"):
                    delays = timed_gets(client, searches)
                print(f"    search (q, newest first, total + facets): {describe(delays)}")
                table.record("search q + total + facets p95", "≤ 100 ms", percentile(delays, 95), "ms", 100, **rec)
                picks = [(rng.choice(data.SEARCHES), rng.choice(data.REGIONS)) for _ in range(100)]
                filtered = [("/api/v1/engagements", {"q": q, "region": r, "facets": "false"}) for q, r in picks]
                with profiling.recording(pid, f"region-{db}-{size}"):
                    delays = timed_gets(client, filtered)
                raw = [
                    raw_sql(engine, queries.EngagementFilter(q=q, region=r), explain=n == 0)
                    for n, (q, r) in enumerate(picks)
                ]
                raw_p95, p95 = percentile(raw, 95), percentile(delays, 95)
                print(f"    search + region, no facets: {describe(delays)}; the raw SQL: {describe(raw)}")
                table.record("search q + region, no facets p95", "≤ 50 ms", p95, "ms", 50, **rec)
                table.record(
                    "  the same ÷ its raw SQL (p95)", "≤ 1.5", p95 / raw_p95 if raw_p95 else 0, "x", 1.5, **rec
                )
                busy, rare = loaded.partner_ids[:50], loaded.partner_ids[50:]
                history = [
                    (f"/api/v1/partners/{rng.choice(busy if n % 5 == 0 else rare)}/history", {"limit": 20})
                    for n in range(200)
                ]
                with profiling.recording(pid, f"history-{db}-{size}"):
                    delays = timed_gets(client, history)
                print(f"    history (limit 20, 1 in 5 of a busy partner): {describe(delays)}")
                table.record("partner history (limit 20) p95", "≤ 30 ms", percentile(delays, 95), "ms", 30, **rec)
            with profiling.recording(pid, f"logging-{db}-{size}"):
                rate, peak = logging_throughput(
                    service.url, loaded.partner_ids, pid=pid, seconds=5.0 if quick else 10.0
                )
            ceiling = engagements_raw.insert_ceiling(database_url, loaded.partner_ids, seconds=3.0 if quick else 5.0)
            print(f"    logging: {rate:.0f} engagements/s (8 clients, 1 uvicorn worker); raw INSERTs: {ceiling:.0f}/s")
            table.record("logging engagements, 8 clients", "≥ 1,000/s", rate, "/s", 1000, False, **rec)
            table.record("  raw INSERT ceiling, 8 connections", "(beside it)", ceiling, "/s", None, False, **rec)
            table.record("engagements RSS under load", "≤ 150 MB", peak, "MB", 150, True, **rec)
            # 2 cores shared: a load far above 2 means every figure above waited for a core too.
            load = os.getloadavg()[0]
            table.record("  machine load average (1 min)", "(context)", load, "", None, True, **rec)
        finally:
            engine.dispose()
            service.stop()


def run(
    broker: KafkaBroker,
    new_postgres: Callable[[], str],
    sqlite_url: Callable[[], str] | None,
    *,
    sizes: list[str],
    sqlite_size: str,
    quick: bool = False,
) -> None:
    for size in sizes:
        engagements, partners = SIZES[size]
        url = new_postgres()
        print(f"engagements at scale [PostgreSQL]: {engagements:,} engagements, {partners:,} partners")
        loaded = data.generate(engagements=engagements, partners=partners)
        data.load_postgres(url, loaded)
        measure(broker, url, data.generate(engagements=0, partners=partners), db="PostgreSQL", size=size, quick=quick)
    if sqlite_url is not None:
        engagements, partners = SIZES[sqlite_size]
        url = sqlite_url()
        print(f"engagements at scale [SQLite]: {engagements:,} engagements, {partners:,} partners")
        data.load_sqlite(url, data.generate(engagements=engagements, partners=partners))
        measure(
            broker, url, data.generate(engagements=0, partners=partners), db="SQLite", size=sqlite_size, quick=quick
        )
