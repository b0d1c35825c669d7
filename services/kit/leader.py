"""One leader among a service's replicas, for the work only one of them should do (the outbox relay).

The lock is one the database server or the kernel releases the moment its holder dies: a PostgreSQL
session advisory lock held on a connection of its own, or, on SQLite, an exclusive `flock` on a file
beside the database. So a replica killed with SIGKILL hands over within one relay round, with no
lease to wait out; the new leader then reclaims the rows its predecessor held (`OutboxRelay.take_over`).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import time
import zlib
from pathlib import Path
from typing import TextIO

from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url

log = logging.getLogger("liaison.leader")


class PostgresLeader:
    def __init__(self, engine: Engine, name: str, *, check_seconds: float = 1.0) -> None:
        self._engine = engine
        self._key = zlib.crc32(f"liaison-leader:{name}".encode())
        self._connection: Connection | None = None
        self._checked = 0.0
        self._check_seconds = check_seconds

    def acquire(self) -> bool:
        """Try to become (or stay) the leader; True only on the round it becomes one."""
        if self._connection is not None:
            return False
        connection = None
        try:
            connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            got = connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self._key}).scalar()
        except Exception:
            if connection is not None:
                with contextlib.suppress(Exception):
                    connection.invalidate()
            raise
        if not got:
            connection.close()
            return False
        self._connection, self._checked = connection, time.monotonic()
        log.info("relay leadership taken", extra={"lock": self._key})
        return True

    def is_leader(self) -> bool:
        if self._connection is None:
            return False
        if time.monotonic() - self._checked < self._check_seconds:
            return True
        try:
            self._connection.execute(text("SELECT 1"))
            self._checked = time.monotonic()
            return True
        except Exception:
            # The server went away, and the lock with it: someone else may lead now.
            log.warning("relay leadership lost")
            self._drop()
            return False

    def release(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self._key})
            self._drop()

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                connection.invalidate()


class FileLeader:
    """SQLite: replicas share the database file, so they share a lock file beside it."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._file: TextIO | None = None

    def acquire(self) -> bool:
        if self._file is not None:
            return False
        handle = open(self._path, "a+")  # noqa: SIM115 (held open for as long as we lead)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._file = handle
        return True

    def is_leader(self) -> bool:
        return self._file is not None

    def release(self) -> None:
        handle, self._file = self._file, None
        if handle is not None:
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()


class AlwaysLeader:
    """An in-memory database has one process by definition."""

    def acquire(self) -> bool:
        return False

    def is_leader(self) -> bool:
        return True

    def release(self) -> None:
        return None


def make_leader(engine: Engine, name: str) -> PostgresLeader | FileLeader | AlwaysLeader:
    url = make_url(str(engine.url))
    if url.get_backend_name() == "postgresql":
        return PostgresLeader(engine, name)
    if url.database and url.database != ":memory:":
        return FileLeader(Path(f"{url.database}.{name}-relay.lock"))
    return AlwaysLeader()
