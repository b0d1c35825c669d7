"""The outbox relay: publishes committed outbox rows to Kafka and marks them sent.

A row goes pending → in_progress (claimed, with a lease) → sent. A relay that dies holding a
lease leaves its rows to be claimed again once the lease ends, so a crash between publish and
"mark sent" yields a duplicate on the topic, never a loss; consumers drop duplicates by event id.
Two relays may run against one database: on PostgreSQL the claim skips rows another relay has
locked, and on both databases the claim re-checks the row's state in its UPDATE.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from kafka.errors import KafkaError
from sqlalchemy import func, select, update
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from services.kit.events import CONTENT_TYPE
from services.kit.outbox import OutboxMessage, OutboxStatus
from services.kit.types import utcnow

log = logging.getLogger("liaison.relay")

MAX_BACKOFF_SECONDS = 60.0


def retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=min(MAX_BACKOFF_SECONDS, 0.5 * 2 ** max(attempts - 1, 0)))


@dataclass
class Claim:
    token: str
    messages: list[OutboxMessage]


@dataclass
class PublishOutcome:
    sent: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)


class OutboxRelay:
    def __init__(
        self,
        *,
        session_factory: sessionmaker[Session],
        producer_factory: Callable[[], object],
        batch_size: int = 200,
        lease_seconds: float = 30.0,
        idle_seconds: float = 0.5,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._session_factory = session_factory
        self._producer_factory = producer_factory
        self._producer = None
        self.batch_size = batch_size
        self.lease = timedelta(seconds=lease_seconds)
        self.idle_seconds = idle_seconds
        self._clock = clock
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- one round, in three steps the tests can also take one by one -----------------------

    def claim(self) -> Claim:
        """Take up to batch_size due rows (new, retry due, or lease expired) under a fresh lease."""
        now = self._clock()
        token = uuid.uuid4().hex
        due = (OutboxMessage.status != OutboxStatus.SENT) & (OutboxMessage.available_at <= now)
        with self._session_factory() as session:
            ids = (
                session.execute(
                    select(OutboxMessage.id)
                    .where(due)
                    .order_by(OutboxMessage.id)
                    .limit(self.batch_size)
                    .with_for_update(skip_locked=True)
                )
                .scalars()
                .all()
            )
            if not ids:
                session.rollback()
                return Claim(token, [])
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids), due)
                .values(
                    status=OutboxStatus.IN_PROGRESS,
                    claim_token=token,
                    available_at=now + self.lease,
                )
            )
            session.commit()
            messages = (
                session.execute(
                    select(OutboxMessage).where(OutboxMessage.claim_token == token).order_by(OutboxMessage.id)
                )
                .scalars()
                .all()
            )
            return Claim(token, list(messages))

    def publish(self, claim: Claim) -> PublishOutcome:
        outcome = PublishOutcome()
        if not claim.messages:
            return outcome
        producer = self._get_producer()
        pending = []
        for message in claim.messages:
            try:
                future = producer.send(
                    message.topic,
                    key=message.key.encode(),
                    value=message.payload.encode(),
                    headers=[("content-type", CONTENT_TYPE.encode())],
                )
                pending.append((message.id, future))
            except KafkaError as exc:
                outcome.failed[message.id] = repr(exc)
        producer.flush()
        for message_id, future in pending:
            try:
                future.get(timeout=30)
                outcome.sent.append(message_id)
            except KafkaError as exc:
                outcome.failed[message_id] = repr(exc)
        return outcome

    def settle(self, claim: Claim, outcome: PublishOutcome) -> None:
        """Mark what was published as sent and schedule a retry for the rest.

        Each UPDATE names the claim's token, so a relay whose lease ran out cannot overwrite
        the work of the relay that claimed the rows after it.
        """
        now = self._clock()
        by_id = {m.id: m for m in claim.messages}
        with self._session_factory() as session:
            if outcome.sent:
                session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id.in_(outcome.sent), OutboxMessage.claim_token == claim.token)
                    .values(status=OutboxStatus.SENT, sent_at=now, claim_token=None)
                )
            for message_id, error in outcome.failed.items():
                attempts = by_id[message_id].attempts + 1
                session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == message_id, OutboxMessage.claim_token == claim.token)
                    .values(
                        status=OutboxStatus.PENDING,
                        attempts=attempts,
                        last_error=error[:2000],
                        available_at=now + retry_delay(attempts),
                        claim_token=None,
                    )
                )
            session.commit()
        if outcome.failed:
            log.warning("outbox publish failed", extra={"failed": len(outcome.failed), "sent": len(outcome.sent)})

    def run_once(self) -> int:
        """Publish one batch; return how many rows were published."""
        claim = self.claim()
        if not claim.messages:
            return 0
        try:
            outcome = self.publish(claim)
        except Exception as exc:  # the producer itself is unusable: retry the whole batch later
            self._discard_producer()
            outcome = PublishOutcome(failed={m.id: repr(exc) for m in claim.messages})
        self.settle(claim, outcome)
        return len(outcome.sent)

    def pending_count(self) -> int:
        with self._session_factory() as session:
            return session.scalar(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status != OutboxStatus.SENT)
            )

    # --- the background loop ------------------------------------------------------------------

    def wake(self) -> None:
        """Called after a commit that added outbox rows, so they go out now rather than at the next tick."""
        self._wake.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="outbox-relay", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._discard_producer()

    def _loop(self) -> None:
        failures = 0
        while not self._stop.is_set():
            self._wake.clear()
            try:
                published = self.run_once()
                failures = 0
            except Exception:
                failures += 1
                log.exception("outbox relay round failed")
                self._stop.wait(retry_delay(failures).total_seconds())
                continue
            if published < self.batch_size:
                self._wake.wait(self.idle_seconds)

    def _get_producer(self):
        if self._producer is None:
            self._producer = self._producer_factory()
        return self._producer

    def _discard_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            try:
                producer.close(timeout=5)
            except Exception:
                log.debug("producer close failed", exc_info=True)
