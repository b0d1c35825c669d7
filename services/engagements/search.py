"""Full-text search over engagements, the same behaviour on PostgreSQL and SQLite.

The searched text is one document per engagement (title, summary, notes, outcome, discussion
points and its partners' names), kept in `engagements.search_document`.
- PostgreSQL: a stored, GIN-indexed tsvector of that document in two text search configurations, `liaison_fr` and
  `liaison_en` (each: unaccent, then the language's Snowball stemmer; migration 0002); a query
  matches if it matches in either language.
- SQLite: FTS5 has no French stemmer, so the words are unaccented and stemmed here with the same
  Snowball stemmers (French and English) and FTS5 indexes the stems (`engagement_fts`).
Either way "négociations" finds "negociation" and "investments" finds "investment". Across
languages, a query is also tried in its variants (`synonyms.py`: "artificial intelligence" is also
"intelligence artificielle"), and a query naming a thrust finds the engagements tagged with it.
"""

from __future__ import annotations

import uuid
from functools import cache, lru_cache

import snowballstemmer
from sqlalchemy import ColumnElement, and_, or_, select, text
from sqlmodel import Session, col

from services.engagements import synonyms
from services.engagements.models import Engagement, EngagementThrust, PartnerCopy
from services.engagements.words import words
from services.kit.thrusts import taxonomy

# A generated column on PostgreSQL only (migration 0002), so not in the model.
PG_VECTOR = "engagements.search_vector"
PG_QUERY = "(plainto_tsquery('liaison_fr', :q) || plainto_tsquery('liaison_en', :q))"


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


@cache
def _stemmers():
    return snowballstemmer.stemmer("french"), snowballstemmer.stemmer("english")


def stems(word: str) -> list[str]:
    return list(_stems(word))


@lru_cache(maxsize=50_000)
def _stems(word: str) -> tuple[str, ...]:
    # A record's words repeat (subjects, partner names): stemming was half the CPU of logging one on SQLite.
    french, english = _stemmers()
    return tuple(dict.fromkeys((french.stemWord(word), english.stemWord(word))))


def document(engagement: Engagement, partners: list[PartnerCopy]) -> str:
    parts = [
        engagement.title,
        engagement.summary,
        engagement.notes,
        engagement.outcome,
        *engagement.discussion_points,
        *(name for p in partners for name in p.search_names()),
    ]
    return "\n".join(p for p in parts if p)


def fts_rowid(engagement_id: uuid.UUID) -> int:
    # A stable 63-bit integer from the id: FTS5 finds its row by rowid without a scan.
    return int.from_bytes(engagement_id.bytes[:8], "big") >> 1


def index(*, session: Session, engagement: Engagement, partners: list[PartnerCopy]) -> None:
    engagement.search_document = document(engagement, partners)
    if is_postgres(session):
        return  # the generated search_vector column follows
    terms = " ".join(stem for word in words(engagement.search_document) for stem in stems(word))
    rowid = fts_rowid(engagement.id)
    session.execute(text("DELETE FROM engagement_fts WHERE rowid = :r"), {"r": rowid})
    session.execute(
        text("INSERT INTO engagement_fts (rowid, engagement_id, terms) VALUES (:r, :e, :t)"),
        {"r": rowid, "e": engagement.id.hex, "t": terms},
    )


def unindex(*, session: Session, engagement_id: uuid.UUID) -> None:
    if not is_postgres(session):
        session.execute(text("DELETE FROM engagement_fts WHERE rowid = :r"), {"r": fts_rowid(engagement_id)})


def fts5_query(q: str) -> str | None:
    """Every word must match, by its French or its English stem; words are quoted (no FTS syntax)."""
    clauses = ["(" + " OR ".join(f'"{stem}"' for stem in stems(word)) + ")" for word in words(q)]
    return " AND ".join(clauses) or None


def _pg_query(n: int) -> str:
    return f"(plainto_tsquery('liaison_fr', :q{n}) || plainto_tsquery('liaison_en', :q{n}))"


def matches(session: Session, q: str, *, row_by_row: bool = False) -> ColumnElement[bool] | None:
    """The condition "this engagement matches q, or one of its variants in the other language, or is
    tagged with the thrust q names", or None when q has no word to look for.

    `row_by_row` (PostgreSQL): checked on each row read another way, never through the GIN index, whose
    bitmap lists every match (a quarter of a million for a common word in a million engagements) before
    the first is returned. For a bounded set of rows (a sample: queries.py) that is much the cheaper;
    the planner cannot tell, so the condition is written as the function call, which no index serves.
    """
    if not words(q):
        return None
    said = [q, *synonyms.variants(q)]
    if is_postgres(session):
        tsquery = " || ".join(_pg_query(n) for n in range(len(said)))
        values = {f"q{n}": v for n, v in enumerate(said)}
        if row_by_row:
            condition = text(f"ts_match_vq({PG_VECTOR}, ({tsquery}))").bindparams(**values)
        else:
            condition = text(f"{PG_VECTOR} @@ ({tsquery})").bindparams(**values)
    else:
        fts = " OR ".join(f"({query})" for query in map(fts5_query, said) if query)
        condition = text(
            "engagements.id IN (SELECT engagement_id FROM engagement_fts WHERE engagement_fts MATCH :fts)"
        ).bindparams(fts=fts)
    code = synonyms.thrust_named(q)
    if code is None:
        return and_(condition)  # and_() of one clause is that clause, typed as the condition it is
    tagged = select(col(EngagementThrust.engagement_id)).where(col(EngagementThrust.code).in_(taxonomy().expand(code)))
    return or_(condition, col(Engagement.id).in_(tagged))
