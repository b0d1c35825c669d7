"""Housekeeping: sent outbox rows, inbox rows (and a service's own logs) deleted after their retention.

In small batches, each its own short transaction, with a breath between them, so writers never wait
long behind a purge. Every replica may run it: two purges of one batch delete it once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Mapped, sessionmaker
from sqlmodel import Session, col

from services.kit.inbox import InboxMessage
from services.kit.outbox import OutboxMessage, OutboxStatus
from services.kit.types import utcnow

log = logging.getLogger("liaison.housekeeping")


@dataclass(frozen=True)
class Purge:
    """Rows of `model` whose `column` is older than `retention`, and (optionally) matching `where`."""

    name: str
    model: type[Any]
    key: Mapped[Any]  # the primary key column the batches are picked by (`sqlmodel.col(Model.id)`)
    column: Mapped[datetime | None]
    retention: timedelta
    where: tuple[Any, ...] = ()


def kit_purges(*, outbox_retention: timedelta, inbox_retention: timedelta, has_inbox: bool) -> list[Purge]:
    purges = [
        Purge(
            "outbox",
            OutboxMessage,
            col(OutboxMessage.id),
            col(OutboxMessage.sent_at),
            outbox_retention,
            (col(OutboxMessage.status).in_([OutboxStatus.SENT, OutboxStatus.SKIPPED]),),
        )
    ]
    if has_inbox:
        purges.append(
            Purge("inbox", InboxMessage, col(InboxMessage.event_id), col(InboxMessage.handled_at), inbox_retention)
        )
    return purges


def purge_once(
    sessions: sessionmaker[Session], purge: Purge, *, now: datetime, batch_size: int = 500, pause: float = 0.05
) -> int:
    """Delete everything past its retention, one batch per transaction; return how many rows went."""
    cutoff = now - purge.retention
    total = 0
    while True:
        with sessions() as session:
            keys = session.scalars(select(purge.key).where(purge.column < cutoff, *purge.where).limit(batch_size)).all()
            if not keys:
                return total
            session.execute(delete(purge.model).where(purge.key.in_(keys)))
            session.commit()
        total += len(keys)
        if len(keys) < batch_size:
            return total
        time.sleep(pause)


class Housekeeper:
    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        purges: Sequence[Purge],
        interval_seconds: float = 300.0,
        batch_size: int = 500,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.sessions = sessions
        self.purges = list(purges)
        self.interval = interval_seconds
        self.batch_size = batch_size
        self.clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> dict[str, int]:
        return {p.name: purge_once(self.sessions, p, now=self.clock(), batch_size=self.batch_size) for p in self.purges}

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="housekeeping", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                purged = self.run_once()
                if any(purged.values()):
                    log.info("purged", extra={"purged": purged})
            except Exception:
                log.exception("housekeeping round failed")
