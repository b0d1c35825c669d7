"""Engagements at scale: the data the scale benchmark loads, on PostgreSQL (COPY, indexes rebuilt after, as
a bulk import would) or SQLite (batched INSERTs through the models' tables, FTS5 rows stemmed as the
service stems them).

Some partners are busy (a state, an organisation), most are rarely seen: partners are picked with a
skewed weight. The same seed gives the same data on both databases.
"""

from __future__ import annotations

import itertools
import json
import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from sqlalchemy import create_engine, insert, text

from services.engagements import search
from services.engagements.models import Engagement, EngagementOfficer, EngagementPartner, EngagementThrust, PartnerCopy
from services.kit.db import table_of
from services.kit.thrusts import taxonomy

TORONTO = ZoneInfo("America/Toronto")
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


ENGAGEMENT_COLUMNS = [
    "id",
    "type",
    "title",
    "starts_at",
    "ends_at",
    "local_year",
    "local_quarter",
    "location_city",
    "location_country",
    "contact_ids",
    "officers",
    "summary",
    "notes",
    "outcome",
    "discussion_points",
    "thrusts",
    "tags",
    "confidentiality",
    "mission_id",
    "agreement_status",
    "signatories",
    "signed_on",
    "effective_on",
    "expires_on",
    "search_document",
    "created_by",
    "version",
    "created_at",
    "updated_at",
]


@dataclass
class Data:
    partner_ids: list[uuid.UUID]
    partners: list[dict[str, Any]]
    engagements: Iterator[tuple[dict[str, Any], list[tuple], list[tuple], list[tuple]]]


def generate(*, engagements: int, partners: int, seed: int = 7) -> Data:
    """Partners first; then engagements one by one with their partner, thrust and officer links."""
    rng = random.Random(seed)
    codes = [t.code for t in taxonomy()]
    officers = [f"officer{n}@example.test" for n in range(200)]
    partner_ids = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(partners)]
    regions = {pid: rng.choice(REGIONS) for pid in partner_ids}
    names = {pid: f"Partenaire {n} {rng.choice(SUBJECTS)}" for n, pid in enumerate(partner_ids)}
    cumulative = list(itertools.accumulate(1.0 / (rank + 1) ** 0.8 for rank in range(partners)))
    now = datetime.now(UTC)
    partner_rows = [
        {
            "id": pid,
            "kind": "state",
            "name_fr": names[pid],
            "name_en": None,
            "acronyms": [],
            "aliases": [],
            "country": None,
            "region": regions[pid],
            "status": "active",
            "version": 1,
            "received_at": now,
        }
        for pid in partner_ids
    ]

    def rows() -> Iterator[tuple[dict[str, Any], list[tuple], list[tuple], list[tuple]]]:
        for n in range(engagements):
            eid = uuid.UUID(int=rng.getrandbits(128), version=4)
            named = list(dict.fromkeys(rng.choices(partner_ids, cum_weights=cumulative, k=rng.choice((1, 1, 2, 3)))))
            thrusts = list(dict.fromkeys(rng.sample(codes, k=rng.choice((1, 1, 2)))))
            people = rng.sample(officers, k=rng.choice((1, 2)))
            starts = now - timedelta(minutes=rng.randrange(0, 60 * 24 * 365 * 8))
            local = starts.astimezone(TORONTO)
            title = f"{rng.choice(VERBS)} {rng.choice(SUBJECTS)}"
            summary = f"{rng.choice(SUBJECTS).capitalize()} et {rng.choice(SUBJECTS)} : {n}."
            kind = rng.choice(TYPES)
            row = {
                "id": eid,
                "type": kind,
                "title": title,
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=1),
                "local_year": local.year,
                "local_quarter": (local.month - 1) // 3 + 1,
                "location_city": None,
                "location_country": None,
                "contact_ids": [],
                "officers": people,
                "summary": summary,
                "notes": None,
                "outcome": None,
                "discussion_points": [],
                "thrusts": thrusts,
                "tags": [],
                "confidentiality": "restricted" if n % 50 == 0 else ("public" if n % 3 == 0 else "internal"),
                "mission_id": None,
                "agreement_status": "signed" if kind == "agreement" else None,
                "signatories": [],
                "signed_on": None,
                "effective_on": None,
                "expires_on": None,
                "search_document": "\n".join([title, summary, *(names[p] for p in named)]),
                "created_by": people[0],
                "version": 1,
                "created_at": starts,
                "updated_at": starts,
            }
            yield (
                row,
                [(eid, p, position, starts) for position, p in enumerate(named)],
                [(eid, c, c.split(".")[0]) for c in thrusts],
                [(eid, o) for o in people],
            )

    return Data(partner_ids, partner_rows, rows())


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _copy_value(value: Any) -> Any:
    return json.dumps(value) if isinstance(value, list) else value


def link_columns(conn: psycopg.Connection) -> list[str]:
    """engagement_partners' columns as the migrations left them (starts_at: from migration 0006 on)."""
    names = {
        r[0]
        for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'engagement_partners'"
        ).fetchall()
    }
    return [c for c in ("engagement_id", "partner_id", "position", "starts_at") if c in names]


def load_postgres(database_url: str, data: Data) -> None:
    started = time.perf_counter()
    with psycopg.connect(_plain(database_url), autocommit=True) as conn:
        definitions = dict(
            conn.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) AND indexname LIKE 'ix_%%'",
                (["engagements", "engagement_partners", "engagement_thrusts", "engagement_officers"],),
            ).fetchall()
        )
        for name in definitions:
            conn.execute(f"DROP INDEX {name}")
        links = link_columns(conn)
        partner_columns = list(data.partners[0])
        with conn.cursor() as cur:
            with cur.copy(f"COPY partner_copies ({', '.join(partner_columns)}) FROM STDIN") as copy:
                for p in data.partners:
                    copy.write_row([_copy_value(p[c]) for c in partner_columns])
            link_rows: list[tuple] = []
            thrust_rows: list[tuple] = []
            officer_rows: list[tuple] = []
            with cur.copy(f"COPY engagements ({', '.join(ENGAGEMENT_COLUMNS)}) FROM STDIN") as copy:
                for row, named, thrusts, people in data.engagements:
                    copy.write_row([_copy_value(row[c]) for c in ENGAGEMENT_COLUMNS])
                    link_rows.extend(link[: len(links)] for link in named)
                    thrust_rows.extend(thrusts)
                    officer_rows.extend(people)
            for table, cols, rows in (
                ("engagement_partners", ", ".join(links), link_rows),
                ("engagement_thrusts", "engagement_id, code, top", thrust_rows),
                ("engagement_officers", "engagement_id, officer", officer_rows),
            ):
                with cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for r in rows:
                        copy.write_row(r)
        loaded = time.perf_counter() - started
        conn.execute("SET maintenance_work_mem = '512MB'")
        for definition in definitions.values():
            conn.execute(definition)
        conn.execute("VACUUM ANALYZE")
    print(f"    loaded in {loaded:.0f} s, indexes rebuilt in {time.perf_counter() - started - loaded:.0f} s")


def load_sqlite(database_url: str, data: Data, *, batch: int = 5_000) -> None:
    started = time.perf_counter()
    engine = create_engine(database_url)
    tables = {m: table_of(m) for m in (PartnerCopy, Engagement, EngagementPartner, EngagementThrust, EngagementOfficer)}
    link_names = [c.name for c in tables[EngagementPartner].columns]
    with engine.begin() as conn:
        conn.execute(insert(tables[PartnerCopy]), data.partners)
        chunk: list[tuple[dict[str, Any], list[tuple], list[tuple], list[tuple]]] = []

        def flush() -> None:
            conn.execute(insert(tables[Engagement]), [c[0] for c in chunk])
            conn.execute(
                insert(tables[EngagementPartner]),
                [dict(zip(link_names, link, strict=False)) for c in chunk for link in c[1]],
            )
            conn.execute(
                insert(tables[EngagementThrust]),
                [{"engagement_id": e, "code": code, "top": top} for c in chunk for e, code, top in c[2]],
            )
            conn.execute(
                insert(tables[EngagementOfficer]), [{"engagement_id": e, "officer": o} for c in chunk for e, o in c[3]]
            )
            conn.execute(
                text("INSERT INTO engagement_fts (rowid, engagement_id, terms) VALUES (:r, :e, :t)"),
                [
                    {
                        "r": search.fts_rowid(c[0]["id"]),
                        "e": c[0]["id"].hex,
                        "t": " ".join(s for w in search.words(c[0]["search_document"]) for s in search.stems(w)),
                    }
                    for c in chunk
                ],
            )
            chunk.clear()

        for item in data.engagements:
            chunk.append(item)
            if len(chunk) >= batch:
                flush()
        if chunk:
            flush()
        conn.execute(text("ANALYZE"))
    engine.dispose()
    print(f"    loaded in {time.perf_counter() - started:.0f} s")
