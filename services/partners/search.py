"""Finding a partner by any of its names: accent- and case-blind, tolerant of a typo, best first.

Names are folded once, in Python, the same way for stored names and queries, so both databases
compare the same strings. The database's job is to find candidates fast, with its own indexes:

- SQLite: FTS5 over the folded names (word prefixes) and an FTS5 `trigram` table for typos.
- PostgreSQL: full text (`to_tsvector('simple', key)`, word prefixes) and pg_trgm (`%`) for typos.

Candidates are then scored here, identically for both, so results and their order agree.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, column, delete, func, literal_column, select
from sqlalchemy import table as table_clause
from sqlmodel import Session, col

from services.partners.models import Partner, PartnerName

CANDIDATE_LIMIT = 500
FUZZY_LIMIT = 200
# Names at least this alike, in the same country, make a likely duplicate (creation, review queue).
DUPLICATE_SIMILARITY = 0.6
PREFIX_SCORE = 80.0  # a name that is the query, or starts with it, scores at least this
MIN_SIMILARITY = 0.3  # pg_trgm's default threshold for `%`; the same cut-off applies on SQLite
_SPECIAL_LETTERS = str.maketrans(
    {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}
)
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def fold(value: str) -> str:
    """ "Bavière" -> "baviere", "Côte d'Ivoire" -> "cote d ivoire": the form names are compared in."""
    value = unicodedata.normalize("NFKD", value.casefold().translate(_SPECIAL_LETTERS))
    value = "".join(ch for ch in value if not unicodedata.combining(ch))
    return _NOT_WORD.sub(" ", value).strip()


@lru_cache(maxsize=65_536)
def trigrams(value: str) -> frozenset[str]:
    """pg_trgm's trigrams: each word padded with two spaces before and one after. Remembered: a
    duplicate check compares one name with many candidates, and candidates come back again and again
    (issue 12: an import spent most of its time here)."""
    grams: set[str] = set()
    for word in value.split():
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return frozenset(grams)


def similarity(a: str, b: str) -> float:
    ta, tb = trigrams(a), trigrams(b)
    if not ta or not tb:
        return 0.0
    return len(ta & tb) / len(ta | tb)


def score(query: str, key: str) -> float | None:
    """How well a folded name answers a folded query; None if it does not."""
    if key == query:
        return 100.0
    closeness = len(query) / max(len(key), 1)
    if key.startswith(query):
        return PREFIX_SCORE + 10 * closeness
    words = key.split()
    if all(any(word.startswith(term) for word in words) for term in query.split()):
        return 60.0 + 10 * closeness
    resemblance = similarity(query, key)
    return 50.0 * resemblance if resemblance >= MIN_SIMILARITY else None


# --- keeping the names -----------------------------------------------------------------------


def names_of(partner: Partner) -> list[tuple[str, str]]:
    names = [("name_fr", partner.name_fr), ("name_en", partner.name_en)]
    names += [("acronym", a) for a in partner.acronyms] + [("alias", a) for a in partner.aliases]
    return [(source, name) for source, name in names if name and fold(name)]


def reindex(*, session: Session, partner: Partner) -> None:
    """Replace the partner's searchable names with what the partner says now."""
    session.execute(delete(PartnerName).where(col(PartnerName.partner_id) == partner.id))
    for source, name in names_of(partner):
        session.add(PartnerName(partner_id=partner.id, source=source, name=name, key=fold(name)))
    session.flush()


# --- finding ---------------------------------------------------------------------------------


def ranked(*, session: Session, query: str, conditions: Iterable[ColumnElement]) -> list[tuple[float, Partner]]:
    """Partners matching `query` and `conditions`, best first (score, then name)."""
    folded = fold(query)
    if not folded:
        return []
    conditions = list(conditions)
    postgres = session.get_bind().dialect.name == "postgresql"
    finder = _postgres_candidates if postgres else _sqlite_candidates
    best: dict[uuid.UUID, float] = {}

    def keep(candidates: list[tuple[uuid.UUID, str]]) -> None:
        for partner_id, key in candidates:
            value = score(folded, key)
            if value is not None and value > best.get(partner_id, -1.0):
                best[partner_id] = value

    words = finder(session, folded, conditions, fuzzy=False)
    keep(words)
    # Few word matches, none of them the name itself or its beginning: a typo is likely, so look-alikes
    # are looked for too. A name found as typed needs none (and the trigram scan is the slow half).
    if len(words) < 20 and not any(value >= PREFIX_SCORE for value in best.values()):
        keep(finder(session, folded, conditions, fuzzy=True))
    if not best:
        return []
    partners = {p.id: p for p in session.scalars(select(Partner).where(col(Partner.id).in_(list(best))))}
    results = [(best[pid], partners[pid]) for pid in best if pid in partners]
    results.sort(key=lambda item: (-item[0], item[1].sort_key, str(item[1].id)))
    return results


def _candidate_select(conditions: list[ColumnElement]):
    return (
        select(col(PartnerName.partner_id), col(PartnerName.key))
        .join(Partner, col(Partner.id) == col(PartnerName.partner_id))
        .where(*conditions)
    )


def _sqlite_candidates(session: Session, folded: str, conditions, *, fuzzy: bool) -> list[tuple[uuid.UUID, str]]:
    if fuzzy:
        grams = sorted(
            {g for word in folded.split() if len(word) >= 3 for g in (word[i : i + 3] for i in range(len(word) - 2))}
        )
        if not grams:
            return []
        table, match = "partner_names_trigram", " OR ".join(f'"{g}"' for g in grams)
        order: ColumnElement[Any] = literal_column("partner_names_trigram.rank")
        limit = FUZZY_LIMIT
    else:
        table, match = "partner_names_fts", " ".join(f'"{word}"*' for word in folded.split())
        order, limit = func.length(col(PartnerName.key)), CANDIDATE_LIMIT
    fts = table_clause(table, column("rowid"))
    statement = (
        _candidate_select(conditions)
        .join(fts, fts.c.rowid == PartnerName.id)
        .where(literal_column(table).op("MATCH")(match))
        .order_by(order, PartnerName.id)
        .limit(limit)
    )
    return [(row[0], row[1]) for row in session.execute(statement)]


def _postgres_candidates(session: Session, folded: str, conditions, *, fuzzy: bool) -> list[tuple[uuid.UUID, str]]:
    key = func.lower(PartnerName.key)
    if fuzzy:
        statement = (
            _candidate_select(conditions)
            .where(key.op("%")(folded))
            .order_by(func.similarity(key, folded).desc(), PartnerName.id)
            .limit(FUZZY_LIMIT)
        )
    else:
        tsquery = " & ".join(f"{word}:*" for word in folded.split())
        matches = func.to_tsvector(literal_column("'simple'"), PartnerName.key).op("@@")(
            func.to_tsquery(literal_column("'simple'"), tsquery)
        )
        statement = (
            _candidate_select(conditions)
            .where(matches)
            .order_by(func.length(PartnerName.key), PartnerName.id)
            .limit(CANDIDATE_LIMIT)
        )
    return [(row[0], row[1]) for row in session.execute(statement)]


def likely_duplicates(
    *, session: Session, partner: Partner, threshold: float = DUPLICATE_SIMILARITY
) -> list[tuple[Partner, str]]:
    """Partners in the same country (or none) known by a name close to one of this partner's names."""
    same_place = (Partner.country == partner.country) if partner.country else col(Partner.country).is_(None)
    conditions = [same_place, col(Partner.merged_into).is_(None), col(Partner.id) != partner.id]
    found: dict[uuid.UUID, tuple[Partner, str]] = {}
    for _source, name in names_of(partner):
        folded = fold(name)
        postgres = session.get_bind().dialect.name == "postgresql"
        finder = _postgres_candidates if postgres else _sqlite_candidates
        for partner_id, key in finder(session, folded, conditions, fuzzy=False) + finder(
            session, folded, conditions, fuzzy=True
        ):
            if partner_id not in found and (key == folded or similarity(folded, key) >= threshold):
                candidate = session.get(Partner, partner_id)
                if candidate is not None:  # always: the candidate came from this transaction's index
                    found[partner_id] = (candidate, name)
    return list(found.values())
