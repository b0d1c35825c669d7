"""Partner search latency (p50/p95) on a directory of N partners, and CSV import rows per second.

In-process (the service's own functions on a real database), so the figures are the search's and
the import's, not HTTP's. Run by `make bench` on SQLite and on PostgreSQL in turn.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from contextlib import contextmanager

from services.kit.db import make_engine, make_session_factory, unit_of_work
from services.kit.identity import Caller
from services.kit.types import utcnow
from services.partners import imports, listing, service
from services.partners.demo import load_demo
from services.partners.import_runner import ImportRunner
from services.partners.models import ImportJob
from services.partners.schemas import PartnerCreate
from services.partners.settings import PartnersSettings
from tests.support.apps import unit_settings

# The figure is PostgreSQL at 100,000 partners; loading them through the service's own rules
# takes minutes, so both sizes can be set (LIAISON_BENCH_SEARCH_PARTNERS_SQLITE / _POSTGRES).
BENCH_CALLER = Caller(user="bench", roles=frozenset({"officer"}))
SQLITE_PARTNERS = int(os.environ.get("LIAISON_BENCH_SEARCH_PARTNERS_SQLITE", "10000"))
POSTGRES_PARTNERS = int(os.environ.get("LIAISON_BENCH_SEARCH_PARTNERS_POSTGRES", "100000"))
SYLLABLES = [
    "ba",
    "ve",
    "ri",
    "lo",
    "ma",
    "nor",
    "sud",
    "tel",
    "qua",
    "zen",
    "fra",
    "gor",
    "lin",
    "dor",
    "mar",
    "vel",
    "tis",
    "ron",
    "kal",
    "mes",
    "bel",
    "cor",
    "dan",
    "fer",
    "gal",
]
KINDS = [
    "state",
    "federated_state",
    "international_organization",
    "forum",
    "ngo",
    "company",
    "academic",
    "cultural",
    "government_agency",
    "other",
]
WORDS_FR = ["Association", "Institut", "Conseil", "Agence", "Fondation", "Université", "Chambre", "Réseau"]
WORDS_EN = ["Association", "Institute", "Council", "Agency", "Foundation", "University", "Chamber", "Network"]
COUNTRIES = ["FR", "DE", "BE", "US", "MX", "SN", "HT", "IS", "CA", "JP", "BR", "MA", "CH", "IT", "ES"]


def fake_name(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()


def fake_partner(rng: random.Random) -> PartnerCreate:
    stem, i = fake_name(rng), rng.randrange(len(WORDS_FR))
    return PartnerCreate(
        kind=rng.choice(KINDS),
        name_fr=f"{WORDS_FR[i]} {stem} de {fake_name(rng)}",
        name_en=f"{stem} {WORDS_EN[i]}",
        acronyms=[stem[:3].upper() + str(rng.randint(1, 99))],
        country=rng.choice(COUNTRIES),
        region="europe",
    )


def typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1 :]


def fill(sessions, count: int, rng: random.Random) -> list[str]:
    stems = []
    with contextmanager(unit_of_work)(sessions) as session:
        load_demo(session=session)
    for start in range(0, count, 1000):
        with contextmanager(unit_of_work)(sessions) as session:
            for _ in range(min(1000, count - start)):
                data = fake_partner(rng)
                stems.append(data.name_en.split()[0])
                service.create_partner(session=session, data=data, allow_duplicate=True)
    if sessions.kw["bind"].dialect.name == "postgresql":
        with sessions.kw["bind"].connect() as connection:  # as autovacuum would after a bulk load
            connection.exec_driver_sql("ANALYZE")
            connection.commit()
    return stems


def measure_search(sessions, stems: list[str], rng: random.Random, runs: int = 300) -> dict[str, list[float]]:
    fixed = ["baviere", "Bavière", "Bavria", "Freistaat Bayern", "OIF", "francophonie", "unesco", "Massachussets"]
    kinds = {
        "exact": lambda: rng.choice(fixed[:2] + fixed[3:5] + [rng.choice(stems)]),
        "typo": lambda: typo(rng.choice(stems), rng) if rng.random() < 0.8 else rng.choice(["Bavria", "Massachussets"]),
        "prefix+filter": lambda: rng.choice(stems)[:4],
    }
    timings: dict[str, list[float]] = {name: [] for name in kinds}
    with sessions() as session:
        for n in range(runs):
            name = list(kinds)[n % len(kinds)]
            filters = listing.PartnerFilters(q=kinds[name](), country="FR" if name == "prefix+filter" else None)
            started = time.perf_counter()
            listing.list_partners(session=session, filters=filters, limit=20)
            timings[name].append((time.perf_counter() - started) * 1000)
    return timings


def measure_import(sessions, rng: random.Random, rows: int = 1000) -> float:
    lines = ["kind;name_fr;name_en;acronyms;country;region"]
    for _ in range(rows):
        data = fake_partner(rng)
        lines.append(
            f"{data.kind};{data.name_fr} {rng.randint(1, 10**6)};{data.name_en};{data.acronyms[0]};"
            f"{data.country};europe"
        )
    raw = "\n".join(lines).encode("cp1252", errors="replace")
    started = time.perf_counter()
    with contextmanager(unit_of_work)(sessions) as session:
        job = imports.start_import(
            session=session, raw=raw, caller=BENCH_CALLER, dry_run=False, allow_duplicates=True, now=utcnow()
        )
    ImportRunner(sessions=sessions, settings=unit_settings(PartnersSettings)).run_once(job_id=job.id)
    with sessions() as session:
        done = session.get(ImportJob, job.id)
        assert (done.status, done.rows_refused) == ("done", 0), (done.status, done.error)
    return rows / (time.perf_counter() - started)


def run(url: str, label: str, count: int) -> None:
    rng = random.Random(42)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    try:
        started = time.perf_counter()
        stems = fill(sessions, count, rng)
        print(f"partners search [{label}]: {count} partners loaded in {time.perf_counter() - started:.0f} s")
        for name, timings in measure_search(sessions, stems, rng).items():
            q = statistics.quantiles(timings, n=20)
            print(
                f"  q={name:<14} p50 {statistics.median(timings):6.1f} ms   p95 {q[18]:6.1f} ms   "
                f"max {max(timings):6.1f} ms  ({len(timings)} queries)"
            )
        print(f"  CSV import (1000 rows, checked, one transaction): {measure_import(sessions, rng):.0f} rows/s")
    finally:
        engine.dispose()
