"""CSV import rows per second (issue 12): the import job run in-process on a real database, with the
service's rules (every line checked, duplicates refused: `allow_duplicates=false`, the default),
beside the raw COPY of the same number of partner rows on PostgreSQL (the ceiling: no checks, no
names, no events).

`python -m tests.bench import`; sizes from LIAISON_BENCH_IMPORT_SIZES (PostgreSQL, default 10k,100k;
quick: 2k) and LIAISON_BENCH_IMPORT_SQLITE_SIZE (default 10k; quick: 2k; empty: none).
"""

from __future__ import annotations

import io
import os
import random
import time
import uuid
from contextlib import contextmanager

from services.kit.db import make_engine, make_session_factory, unit_of_work
from services.kit.identity import Caller
from services.kit.types import utcnow
from services.partners import imports
from services.partners.import_runner import ImportRunner
from services.partners.models import ImportJob
from services.partners.settings import PartnersSettings
from tests.bench import table
from tests.bench.partners_search import COUNTRIES, KINDS, WORDS_EN, WORDS_FR
from tests.support.apps import unit_settings

BENCH_CALLER = Caller(user="bench", roles=frozenset({"officer"}))
GOAL_ROWS_PER_SECOND = 5000.0
HEADER = "kind;name_fr;name_en;acronyms;country;region;thrusts"


def size_of(label: str) -> int:
    label = label.strip().lower()
    factor = {"k": 1_000, "m": 1_000_000}.get(label[-1:], 1)
    return int(float(label.rstrip("km")) * factor)


CONSONANTS = "bcdfghjklmnprstvwz"
VOWELS = "aeiouy"


def word(rng: random.Random) -> str:
    """A made-up word of 2 to 4 syllables drawn from ~100: as varied as real organisations' names
    (partners_search's 25 syllables make a directory where every name looks like thousands of others)."""
    return "".join(rng.choice(CONSONANTS) + rng.choice(VOWELS) for _ in range(rng.randint(2, 4))).capitalize()


def csv_file(rows: int, rng: random.Random, *, names=word) -> bytes:
    """`rows` lines of partners, a few of them look-alikes (refused as likely duplicates, as they would be)."""
    lines = [HEADER]
    for _ in range(rows):
        stem, other, i = names(rng), names(rng), rng.randrange(len(WORDS_FR))
        lines.append(
            f"{rng.choice(KINDS)};{WORDS_FR[i]} {stem} de {other};{stem} {WORDS_EN[i]};"
            f"{stem[:3].upper()}{other[:3].upper()};{rng.choice(COUNTRIES)};europe;trade"
        )
    return ("\n".join(lines) + "\n").encode()


def import_once(
    sessions, raw: bytes, *, batch_rows: int | None = None, allow_duplicates: bool = False
) -> tuple[float, ImportJob]:
    settings = unit_settings(PartnersSettings, **({"import_batch_rows": batch_rows} if batch_rows else {}))
    started, cpu = time.perf_counter(), time.process_time()
    with contextmanager(unit_of_work)(sessions) as session:
        job = imports.start_import(
            session=session,
            raw=raw,
            caller=BENCH_CALLER,
            dry_run=False,
            allow_duplicates=allow_duplicates,
            now=utcnow(),
        )
    ImportRunner(sessions=sessions, settings=settings).run_once(job_id=job.id)
    elapsed = time.perf_counter() - started
    print(f"  (this process's CPU: {time.process_time() - cpu:.1f} s; load average {os.getloadavg()[0]:.1f})")
    with sessions() as session:
        done = session.get(ImportJob, job.id)
        assert done is not None and done.status == "done", (done and done.status, done and done.error)
    return elapsed, done


def copy_ceiling(engine, rows: int) -> float:
    """Rows/s of a bare COPY of `rows` partner rows into a scratch table shaped like `partners`."""
    now = utcnow().isoformat()
    buffer = io.StringIO()
    for n in range(rows):
        cells = (uuid.uuid4(), "state", f"Nom {n}", f"Name {n}", "[]", "[]", "FR", "europe", now, now, 1, "[]", n)
        cells += ("active",)
        buffer.write("\t".join(map(str, cells)) + "\n")
    data = buffer.getvalue()
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cursor:
            cursor.execute("CREATE TEMP TABLE copy_ceiling (LIKE partners INCLUDING ALL)")
            started = time.perf_counter()
            columns = "id, kind, name_fr, name_en, acronyms, aliases, country, region, created_at, updated_at, version"
            with cursor.copy(f"COPY copy_ceiling ({columns}, thrusts, sort_key, status) FROM STDIN") as copy:
                copy.write(data)
            raw.commit()
            elapsed = time.perf_counter() - started
            cursor.execute("DROP TABLE copy_ceiling")
        raw.commit()
    finally:
        raw.close()
    return rows / elapsed


def run(new_url, label: str, sizes: list[str]) -> None:
    """Each size imported into a fresh database of its own (`new_url()`)."""
    rng = random.Random(12)
    for size in sizes:
        rows = size_of(size)
        engine = make_engine(new_url())
        sessions = make_session_factory(engine)
        try:
            raw = csv_file(rows, rng)
            elapsed, job = import_once(sessions, raw)
            assert job.rows_done == rows and job.rows_created + job.rows_refused == rows, job
            rate = rows / elapsed
            line = (
                f"partners import [{label}] {size}: {rows} rows in {elapsed:.1f} s, {rate:,.0f} rows/s "
                f"({job.rows_refused} refused as likely duplicates)"
            )
            table.record(
                "partners CSV import (checked, deduplicated)",
                "≥ 5,000 rows/s",
                rate,
                "rows/s",
                GOAL_ROWS_PER_SECOND,
                lower_is_better=False,
                size=size,
                database=label,
            )
            if engine.dialect.name == "postgresql":
                ceiling = copy_ceiling(engine, rows)
                line += f"  (raw COPY of as many partner rows: {ceiling:,.0f} rows/s)"
                table.record("partners raw COPY (ceiling)", "", ceiling, "rows/s", size=size, database=label)
            print(line, flush=True)
        finally:
            engine.dispose()


def sizes_from_env(quick: bool) -> tuple[list[str], str]:
    postgres = os.environ.get("LIAISON_BENCH_IMPORT_SIZES", "2k" if quick else "10k,100k")
    sqlite = os.environ.get("LIAISON_BENCH_IMPORT_SQLITE_SIZE", "2k" if quick else "10k")
    return [s for s in postgres.split(",") if s], sqlite
