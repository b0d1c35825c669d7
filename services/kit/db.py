"""Engines and sessions for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, Result, Table, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, SQLModel, create_engine

SQLITE_POOL_SIZE = 40


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str) -> Engine:
    if is_sqlite(url):
        database = make_url(url).database
        pool: dict[str, int] = {}
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
            # As many pooled connections as worker threads (anyio's 40): with QueuePool's default 5 + 10,
            # a busy moment opened and closed a connection (and ran its PRAGMAs) per request (issue 12).
            pool = {"pool_size": SQLITE_POOL_SIZE, "max_overflow": 10}
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **pool)
        event.listen(engine, "connect", _tune_sqlite)
        return engine
    # No JIT: the services' statements are short, and PostgreSQL compiling one (from its cost estimate
    # alone) took 400 ms of a 500 ms search with facets in the engagements benchmark (EXPLAIN ANALYZE).
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, connect_args={"options": "-c jit=off"})


def _tune_sqlite(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the relay and consumers read while a request writes; the busy timeout makes
    # writers queue instead of failing with "database is locked".
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    # Objects stay readable after commit: responses are built from them once the unit of work ends.
    return sessionmaker(bind=engine, class_=Session, expire_on_commit=False)


def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commits if the block finishes, rolls back if it raises."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def rowcount(result: Result[Any]) -> int:
    """The rows an UPDATE or DELETE touched: `Session.execute` is typed as returning any `Result`,
    while a DML statement's is always a `CursorResult`."""
    return cast(CursorResult[Any], result).rowcount


def table_of(model: type[SQLModel]) -> Table:
    """A table model's Core table (SQLModel declares no `__table__` for type checkers)."""
    table: Table = getattr(model, "__table__")  # noqa: B009
    return table
