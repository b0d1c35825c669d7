"""The raw INSERT ceiling the logging figure is read against: the rows one logged engagement writes
(the engagement, its partner, thrust and officer links, its audit entry, its outbox row), with plain SQL
through the database driver, one transaction per engagement, from 8 connections at once."""

from __future__ import annotations

import json
import random
import sqlite3
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from tests.bench.engagements_data import ENGAGEMENT_COLUMNS, SUBJECTS, _plain, link_columns


def _rows(rng: random.Random, partner_ids: list[uuid.UUID]) -> list[tuple[str, list[str], tuple]]:
    now = datetime.now(UTC)
    eid = uuid.uuid4()
    subject = rng.choice(SUBJECTS)
    values: dict[str, Any] = dict.fromkeys(ENGAGEMENT_COLUMNS)
    values |= {
        "id": eid,
        "type": "meeting",
        "title": f"Rencontre {subject}",
        "starts_at": now,
        "ends_at": now,
        "local_year": now.year,
        "local_quarter": 4,
        "contact_ids": "[]",
        "officers": '["bench.officer@example.test"]',
        "summary": subject,
        "discussion_points": "[]",
        "thrusts": '["trade.investment"]',
        "tags": "[]",
        "confidentiality": "internal",
        "signatories": "[]",
        "search_document": f"Rencontre {subject}\n{subject}",
        "created_by": "bench.officer@example.test",
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }
    return [
        ("engagements", ENGAGEMENT_COLUMNS, tuple(values[c] for c in ENGAGEMENT_COLUMNS)),
        ("engagement_partners", [], (eid, rng.choice(partner_ids), 0, now)),
        ("engagement_thrusts", ["engagement_id", "code", "top"], (eid, "trade.investment", "trade")),
        ("engagement_officers", ["engagement_id", "officer"], (eid, "bench.officer@example.test")),
        (
            "engagement_audit_entries",
            ["engagement_id", "entity_type", "entity_id", "action", "changes", "restricted", "actor", "at"],
            (eid, "engagement", str(eid), "logged", json.dumps({"title": [None, subject]}), False, "bench", now),
        ),
        (
            "outbox",
            ["event_id", "event_type", "topic", "key", "payload", "status", "available_at", "attempts", "created_at"],
            (uuid.uuid4().hex, "bench.raw", "bench.raw", str(eid), "{}", "sent", now, 0, now),
        ),
    ]


def insert_ceiling(database_url: str, partner_ids: list[uuid.UUID], *, clients: int = 8, seconds: float = 5.0) -> float:
    """Engagements/s written with plain SQL (outbox rows written as already sent: the relay ignores them)."""
    postgres = make_url(database_url).get_backend_name() == "postgresql"
    if postgres:
        with psycopg.connect(_plain(database_url)) as conn:
            links = link_columns(conn)
    else:
        with sqlite3.connect(make_url(database_url).database) as conn:
            links = [r[1] for r in conn.execute("PRAGMA table_info(engagement_partners)")]
    deadline = time.monotonic() + seconds
    counts = [0] * clients

    def connect() -> Any:
        if postgres:
            return psycopg.connect(_plain(database_url))
        conn = sqlite3.connect(make_url(database_url).database, timeout=30, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def worker(slot: int) -> None:
        rng = random.Random(slot)
        mark = "%s" if postgres else "?"
        conn = connect()
        try:
            while time.monotonic() < deadline:
                cur = conn.cursor()
                if not postgres:
                    cur.execute("BEGIN IMMEDIATE")
                for table, columns, values in _rows(rng, partner_ids):
                    cols = columns or links
                    row = values[: len(cols)]
                    if not postgres:
                        row = tuple(v.hex if isinstance(v, uuid.UUID) else v for v in row)
                    marks = ", ".join([mark] * len(cols))
                    # Table and column names are this module's constants; the values are bound.
                    cur.execute(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", row)  # noqa: S608
                conn.commit() if postgres else cur.execute("COMMIT")
                counts[slot] += 1
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.perf_counter() - started)
