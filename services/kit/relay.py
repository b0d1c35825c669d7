"""The outbox relay: publishes committed outbox rows to Kafka and marks them sent.

Order by construction: a row is claimed only while no older unsent row of its key stands in the
way (one pending in its backoff, one another relay holds, one `failed`), and the claim itself is
one statement, serialised between relays, so two relays can never split one key's rows between
them. A row goes pending → in_progress (claimed, with a lease; each claim is an attempt) → sent,
or back to pending with a backoff, or to `failed` after `max_attempts` or when it can never fit
the broker's size limit; a failed row blocks its key until an administrator retries or skips it.

Exactly once on the topic: every message carries its event id in a `ce_id` header. A row claimed
before (its attempt may have reached the broker before a timeout or a crash) is first looked for
on its partition; found, it is marked sent without being sent again. Sends finish within a
deadline shorter than the lease, so a relay never publishes a row another relay has since claimed.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from kafka.errors import KafkaError, KafkaTimeoutError, MessageSizeTooLargeError, RetriableError
from opentelemetry.trace import Tracer
from sqlalchemy import ColumnElement, Engine, exists, func, select, text, update
from sqlalchemy.orm import aliased, sessionmaker
from sqlmodel import Session, col

from services.kit import tracing
from services.kit.db import rowcount
from services.kit.events import CONTENT_TYPE
from services.kit.kafka import TopicLookup, make_producer
from services.kit.leader import make_leader
from services.kit.metrics_pipeline import RelayMetrics
from services.kit.outbox import UNSENT, OutboxMessage, OutboxStatus
from services.kit.types import utcnow

if TYPE_CHECKING:
    from services.kit.settings import PublisherSettings

log = logging.getLogger("liaison.relay")

MAX_BACKOFF_SECONDS = 60.0
EVENT_ID_HEADER = "ce_id"
# How an error starts when the send certainly never reached the broker: no look-up needed before the next.
NEVER_LEFT = "unsent: "
# One number for every relay's claim lock: the claims of all relays on one database take turns.
CLAIM_LOCK = 0x6C6961736F6E  # "liason"


def retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=min(MAX_BACKOFF_SECONDS, 0.5 * 2 ** max(attempts - 1, 0)))


class NeverFits(Exception):
    """The event is larger than the broker accepts: no retry can help."""


# The broker is away (or slow), not the row at fault: such failures never count toward `max_attempts`.
OUTAGE_ERRORS = (RetriableError, ConnectionError, TimeoutError, OSError)


class BrokerAway(Exception):
    pass


class Leader(Protocol):
    """What the relay asks of `kit/leader.py`'s leaders."""

    def acquire(self) -> bool: ...

    def is_leader(self) -> bool: ...

    def release(self) -> None: ...


@dataclass
class Claim:
    token: str
    messages: list[OutboxMessage]


@dataclass
class PublishOutcome:
    sent: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)
    never: set[int] = field(default_factory=set)  # failed for good: straight to `failed`
    held: list[int] = field(default_factory=list)  # not tried: an older row of the key failed first
    outage: set[int] = field(default_factory=set)  # failed because the broker is away: not the row's fault

    @property
    def broker_away(self) -> bool:
        return not self.sent and bool(self.failed) and set(self.failed) <= self.outage


class OutboxRelay:
    def __init__(
        self,
        *,
        session_factory: sessionmaker[Session],
        producer_factory: Callable[[], Any],
        batch_size: int = 200,
        lease_seconds: float = 30.0,
        idle_seconds: float = 0.5,
        max_attempts: int = 10,
        max_message_bytes: int = 1_000_000,
        publish_timeout_seconds: float | None = None,
        already_published: Callable[[list[OutboxMessage]], set[str]] | None = None,
        leader: Leader | None = None,
        clock: Callable[[], datetime] = utcnow,
        metrics: RelayMetrics | None = None,
        tracer: Tracer | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._send_spans = tracing.SendSpans(tracer)
        self._producer_factory = producer_factory
        self.metrics = metrics
        self._producer: Any = None  # a KafkaProducer (kafka-python ships no types)
        self.batch_size = batch_size
        self.lease = timedelta(seconds=lease_seconds)
        self.idle_seconds = idle_seconds
        self.max_attempts = max_attempts
        self.max_message_bytes = max_message_bytes
        # Well inside the lease: once it is over, another relay may claim the same rows.
        self.publish_timeout = publish_timeout_seconds or lease_seconds * 0.5
        self._already_published = already_published
        self._leader = leader
        self._clock = clock
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- one round, in three steps the tests can also take one by one -----------------------

    def claim(self) -> Claim:
        """Take up to batch_size due rows, each one only if nothing older of its key stands in the way."""
        now = self._clock()
        token = uuid.uuid4().hex
        row, older = aliased(OutboxMessage), aliased(OutboxMessage)

        def due(m: type[OutboxMessage]) -> ColumnElement[bool]:
            return col(m.status).in_([OutboxStatus.PENDING, OutboxStatus.IN_PROGRESS]) & (col(m.available_at) <= now)

        in_the_way = exists().where(
            col(older.key) == row.key,
            col(older.topic) == row.topic,
            col(older.id) < row.id,
            col(older.status).in_(UNSENT),
            # An older row due now is claimed in the same statement (ordered by id, so before this one).
            ~due(older),
        )
        claimable = select(col(row.id)).where(due(row), ~in_the_way).order_by(col(row.id)).limit(self.batch_size)
        with self._session_factory() as session:
            if session.get_bind().dialect.name == "postgresql":
                # Claims take turns (released at commit): each one sees what the one before took.
                session.execute(text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": CLAIM_LOCK})
            result = session.execute(
                update(OutboxMessage)
                .where(col(OutboxMessage.id).in_(claimable.scalar_subquery()))
                .values(
                    status=OutboxStatus.IN_PROGRESS,
                    claim_token=token,
                    available_at=now + self.lease,
                    attempts=OutboxMessage.attempts + 1,
                )
                .execution_options(synchronize_session=False)
            )
            session.commit()
            if not rowcount(result):
                return Claim(token, [])
            messages = (
                session.execute(
                    select(OutboxMessage).where(col(OutboxMessage.claim_token) == token).order_by(col(OutboxMessage.id))
                )
                .scalars()
                .all()
            )
            return Claim(token, list(messages))

    def publish(self, claim: Claim) -> PublishOutcome:
        """Send in waves: the first row of every key, then the second once the first is acknowledged...
        so a failed send can never be overtaken by a newer event of its key."""
        outcome = PublishOutcome()
        if not claim.messages:
            return outcome
        # Tried before: an earlier attempt may have reached the broker (a timeout, a relay that died).
        retried = [
            m for m in claim.messages if m.attempts > 1 or (m.last_error and not m.last_error.startswith(NEVER_LEFT))
        ]
        found = self._already_published(retried) if retried and self._already_published else set()
        chains: dict[tuple[str, str], list[OutboxMessage]] = {}
        for message in claim.messages:
            chains.setdefault((message.topic, message.key), []).append(message)
        producer = self._get_producer()
        wave = 0
        while True:
            pending = []
            for chain in chains.values():
                if wave >= len(chain):
                    continue
                message = chain[wave]
                if wave and chain[wave - 1].id not in outcome.sent:
                    outcome.held.extend(m.id for m in chain[wave:])
                    chain[wave:] = []
                    continue
                if message.event_id in found:
                    outcome.sent.append(message.id)
                    continue
                if (future := self._send(producer, message, outcome)) is not None:
                    pending.append((message, future))
            if not pending and not any(wave < len(chain) for chain in chains.values()):
                return outcome
            producer.flush(timeout=self.publish_timeout)
            for message, future in pending:
                try:
                    future.get(timeout=0.001 if future.is_done else self.publish_timeout)
                    outcome.sent.append(message.id)
                except Exception as exc:  # KafkaError, or a future not done by the deadline
                    # Expired in the producer's buffer: never left this process, so never needs looking up.
                    unsent = str(exc).startswith("Expiring") and isinstance(exc, KafkaTimeoutError)
                    outcome.failed[message.id] = (NEVER_LEFT if unsent else "") + repr(exc)
                    if isinstance(exc, MessageSizeTooLargeError):
                        outcome.never.add(message.id)
                    elif isinstance(exc, OUTAGE_ERRORS):
                        outcome.outage.add(message.id)
            wave += 1

    def _send(self, producer: Any, message: OutboxMessage, outcome: PublishOutcome) -> Any:
        value = message.payload.encode()
        self._send_spans.start(message)
        try:
            if len(value) > self.max_message_bytes:
                raise NeverFits(f"{len(value)} bytes, over the {self.max_message_bytes}-byte limit")
            return producer.send(
                message.topic,
                key=message.key.encode(),
                value=value,
                headers=[("content-type", CONTENT_TYPE.encode()), (EVENT_ID_HEADER, message.event_id.encode())],
            )
        except (KafkaError, NeverFits) as exc:
            outcome.failed[message.id] = NEVER_LEFT + repr(exc)  # refused before it left this process
            if isinstance(exc, NeverFits | MessageSizeTooLargeError):
                outcome.never.add(message.id)
            elif isinstance(exc, OUTAGE_ERRORS):
                outcome.outage.add(message.id)
            return None

    def settle(self, claim: Claim, outcome: PublishOutcome) -> None:
        """Mark what was published as sent; schedule a retry for the rest, or fail it for good.

        Each UPDATE names the claim's token, so a relay whose lease ran out cannot overwrite
        the work of the relay that claimed the rows after it.
        """
        now = self._clock()
        by_id = {m.id: m for m in claim.messages}
        with self._session_factory() as session:
            if outcome.sent:
                session.execute(
                    update(OutboxMessage)
                    .where(col(OutboxMessage.id).in_(outcome.sent), col(OutboxMessage.claim_token) == claim.token)
                    .values(status=OutboxStatus.SENT, sent_at=now, claim_token=None)
                )
            if outcome.held:
                # Not an attempt: they go back as they were, behind the row that failed.
                session.execute(
                    update(OutboxMessage)
                    .where(col(OutboxMessage.id).in_(outcome.held), col(OutboxMessage.claim_token) == claim.token)
                    .values(
                        status=OutboxStatus.PENDING,
                        attempts=OutboxMessage.attempts - 1,
                        available_at=now,
                        claim_token=None,
                    )
                )
            away = outcome.broker_away
            for message_id, error in outcome.failed.items():
                attempts = by_id[message_id].attempts
                if away:
                    # The whole round failed on the broker: the rows wait for it, not for their backoff
                    # (the relay's loop backs off), and the attempt is not theirs to count.
                    values = {"status": OutboxStatus.PENDING, "attempts": attempts - 1, "available_at": now}
                else:
                    give_up = message_id in outcome.never or attempts >= self.max_attempts
                    values = {
                        "status": OutboxStatus.FAILED if give_up else OutboxStatus.PENDING,
                        "available_at": now + retry_delay(attempts),
                    }
                session.execute(
                    update(OutboxMessage)
                    .where(col(OutboxMessage.id) == message_id, col(OutboxMessage.claim_token) == claim.token)
                    .values(last_error=error[:2000], claim_token=None, **values)
                )
            session.commit()
        if outcome.failed:
            log.warning(
                "outbox publish failed",
                extra={"failed": len(outcome.failed), "sent": len(outcome.sent), "never": len(outcome.never)},
            )

    def run_once(self) -> int:
        """Publish one batch; return how many rows were published. Raises BrokerAway when the whole
        batch failed on the broker (the loop then backs off, briefly, so that it is back within seconds)."""
        if self._leader is not None and not self._leader.is_leader():
            return 0
        claim = self.claim()
        if not claim.messages:
            return 0
        try:
            outcome = self.publish(claim)
        except Exception as exc:  # the producer itself is unusable, or the broker could not be read
            self._discard_producer()
            ids = {m.id for m in claim.messages}
            outcome = PublishOutcome(failed=dict.fromkeys(ids, repr(exc)), outage=ids)
        self.settle(claim, outcome)
        if self.metrics is not None:
            self.metrics.count(claim.messages, sent=outcome.sent, failed=outcome.failed)
        self._send_spans.finish(sent=outcome.sent, failed=outcome.failed)
        if outcome.broker_away:
            raise BrokerAway(next(iter(outcome.failed.values())))
        return len(outcome.sent)

    def pending_count(self) -> int:
        with self._session_factory() as session:
            count = session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(col(OutboxMessage.status).in_([OutboxStatus.PENDING, OutboxStatus.IN_PROGRESS]))
            )
            return count or 0

    def take_over(self) -> int:
        """The previous leader is gone: its rows need not wait for their leases to end."""
        with self._session_factory() as session:
            result = session.execute(
                update(OutboxMessage)
                .where(col(OutboxMessage.status) == OutboxStatus.IN_PROGRESS)
                .values(available_at=self._clock())
            )
            session.commit()
            return rowcount(result)

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
        if self._leader is not None:
            self._leader.release()

    def _loop(self) -> None:
        failures = 0
        while not self._stop.is_set():
            self._wake.clear()
            try:
                if self._leader is not None and self._leader.acquire():
                    self.take_over()
                published = self.run_once()
                failures = 0
            except BrokerAway as exc:
                failures += 1
                log.warning("broker away: outbox waits", extra={"error": str(exc)[:300], "rounds": failures})
                self._stop.wait(min(5.0, 0.25 * 2**failures))
                continue
            except Exception:
                failures += 1
                log.exception("outbox relay round failed")
                self._stop.wait(min(5.0, retry_delay(failures).total_seconds()))
                continue
            if published < self.batch_size:
                self._wake.wait(self.idle_seconds)

    def _get_producer(self) -> Any:
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


def make_relay(
    settings: PublisherSettings,
    engine: Engine,
    sessions: sessionmaker[Session],
    name: str,
    *,
    metrics: RelayMetrics | None = None,
    tracer: Tracer | None = None,
) -> OutboxRelay:
    """The one way a process's outbox reaches its topic (each service's, and the gateway's directory)."""
    kafka = settings.kafka_connection()
    # A send's deadline, retries included, stays well inside the lease (see above).
    publish_deadline = settings.relay_lease_seconds / 2
    return OutboxRelay(
        session_factory=sessions,
        producer_factory=lambda: make_producer(kafka, client_id=f"{name}-relay", deadline_seconds=publish_deadline),
        batch_size=settings.relay_batch_size,
        lease_seconds=settings.relay_lease_seconds,
        idle_seconds=settings.relay_idle_seconds,
        max_attempts=settings.relay_max_attempts,
        max_message_bytes=settings.relay_max_message_bytes,
        publish_timeout_seconds=publish_deadline,
        already_published=TopicLookup(kafka, client_id=f"{name}-relay-lookup"),
        leader=make_leader(engine, name),
        metrics=metrics,
        tracer=tracer,
    )
