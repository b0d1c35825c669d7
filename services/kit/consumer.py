"""The consumer runner: at-least-once delivery made effectively-once by the inbox table.

A poll's records are handled partition by partition, in order. Fast path: one transaction per
partition's batch, the inbox de-duplication in one statement (INSERT ... ON CONFLICT DO NOTHING
RETURNING: the ids it returns are the events not handled before), then each new event's handlers.
If anything in the batch fails, the batch is rolled back and taken again one event per transaction,
to find the one at fault and keep the others. Offsets are committed only after the transactions.

What a failure means decides where the event goes:
- poison (`MalformedEvent`, `RejectedEvent`, data that fails its typed model): the topic's `.dlq`,
  at once, with the reason in its headers; the partition goes on;
- transient (a database outage, `TransientError` such as a dependency that is down, a timeout):
  the partition pauses at that event and is retried with backoff, however long it takes; the
  offset does not move, and nothing is dead-lettered;
- anything else (a bug?): retried `max_attempts` times, then dead-lettered (replayable).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kafka.structs import OffsetAndMetadata, TopicPartition
from opentelemetry.trace import Tracer
from pydantic import ValidationError
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col

from services.kit import tracing
from services.kit.events import CloudEvent, MalformedEvent, parse_event
from services.kit.inbox import InboxMessage
from services.kit.metrics_pipeline import ConsumerMetrics
from services.kit.types import utcnow

log = logging.getLogger("liaison.consumer")

Handler = Callable[..., None]  # handler(event, *, session)
HandlerRegistry = Mapping[str, Sequence[Handler]]
DLQ_SUFFIX = ".dlq"
MAX_PAUSE_SECONDS = 30.0


class RejectedEvent(ValueError):
    """A handler's verdict that this event can never be applied (bad data): no retry, straight to the DLQ."""


class TransientError(RuntimeError):
    """Not the event's fault and not for ever (a dependency down, a timeout): retry, never dead-letter."""


# The database or a dependency is away, not the event at fault: dead-lettering would throw good events away.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, TransientError, TimeoutError, ConnectionError)
POISON_ERRORS = (MalformedEvent, RejectedEvent, ValidationError)


@dataclass(frozen=True)
class Outcome:
    status: str  # handled | duplicate | ignored | dead_lettered
    event_id: str | None = None


class PartitionPaused(Exception):
    """A transient failure at `offset`: handled records before it stand, it and those after wait."""

    def __init__(self, offset: int, cause: BaseException) -> None:
        super().__init__(f"paused at offset {offset}: {cause!r}")
        self.offset = offset
        self.cause = cause


class ConsumerRunner:
    def __init__(
        self,
        *,
        name: str,
        session_factory: sessionmaker[Session],
        registry: HandlerRegistry,
        consumer_factory: Callable[[], object],
        producer_factory: Callable[[], object],
        max_attempts: int = 3,
        retry_pause: float = 0.2,
        stall_check_seconds: float = 10.0,
        metrics: ConsumerMetrics | None = None,
        tracer: Tracer | None = None,
    ) -> None:
        self.name = name
        self.metrics = metrics
        self._tracer = tracer
        self._session_factory = session_factory
        self._registry = registry
        self._consumer_factory = consumer_factory
        self._producer_factory = producer_factory
        self._consumer: Any = None  # KafkaConsumer, KafkaProducer: kafka-python ships no types
        self._producer: Any = None
        self.max_attempts = max_attempts
        self.retry_pause = retry_pause
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._paused: dict[TopicPartition, float] = {}  # partition -> when to try again (monotonic)
        self._failures: dict[TopicPartition, int] = {}
        self.stall_check_seconds = stall_check_seconds
        self._checked_at = time.monotonic()
        self._suspect: dict[TopicPartition, int] = {}  # positions seen behind at the last check

    # --- one message ----------------------------------------------------------------------------

    def handle(self, record: Any) -> Outcome:
        """One record in its own transaction. Transient failures are raised for the caller to pause on."""
        started = time.perf_counter()
        outcome = self._handle(record)
        if self.metrics is not None:
            try:
                event_type: str | None = parse_event(record.value).type
            except MalformedEvent:
                event_type = None
            self.metrics.one(record.topic, event_type, outcome.status, time.perf_counter() - started)
        return outcome

    def _handle(self, record: Any) -> Outcome:
        try:
            event = parse_event(record.value)
        except MalformedEvent as exc:
            self._dead_letter(record, exc)
            return Outcome("dead_lettered")
        handlers = self._registry.get(event.type, ())
        if not handlers:
            return Outcome("ignored", event.id)
        for attempt in range(1, self.max_attempts + 1):
            try:
                return self._apply(event, handlers)
            except POISON_ERRORS as exc:
                self._dead_letter(record, exc, event=event)
                return Outcome("dead_lettered", event.id)
            except TRANSIENT_ERRORS:
                raise
            except Exception as exc:
                log.warning(
                    "handler failed",
                    extra={"event_id": event.id, "event_type": event.type, "attempt": attempt, "error": repr(exc)},
                )
                if attempt == self.max_attempts:
                    self._dead_letter(record, exc, event=event)
                    return Outcome("dead_lettered", event.id)
                time.sleep(self.retry_pause * attempt)
        raise AssertionError("unreachable")

    def _apply(self, event: CloudEvent, handlers: Sequence[Handler]) -> Outcome:
        with self._session_factory() as session:
            session.add(InboxMessage(event_id=event.id, consumer=self.name, event_type=event.type))
            try:
                session.flush()
            except IntegrityError:
                session.rollback()
                return Outcome("duplicate", event.id)
            with tracing.processing(self._tracer, event, consumer=self.name):
                for handler in handlers:
                    handler(event, session=session)
            session.commit()
        return Outcome("handled", event.id)

    def _dead_letter(self, record: Any, exc: BaseException, *, event: CloudEvent | None = None) -> None:
        headers = [
            ("dlq.error", str(exc)[:2000].encode()),
            ("dlq.error.type", type(exc).__name__.encode()),
            ("dlq.original.topic", record.topic.encode()),
            ("dlq.original.partition", str(record.partition).encode()),
            ("dlq.original.offset", str(record.offset).encode()),
            ("dlq.consumer", self.name.encode()),
            ("dlq.at", utcnow().isoformat().encode()),
        ]
        # Waits for the broker's ack: the offset must not move past a message the DLQ never got.
        self._get_producer().send(record.topic + DLQ_SUFFIX, key=record.key, value=record.value, headers=headers).get(
            timeout=30
        )
        log.error(
            "event dead-lettered",
            extra={
                "topic": record.topic,
                "partition": record.partition,
                "offset": record.offset,
                "error": str(exc)[:500],
                "event_id": event.id if event else None,
            },
        )

    # --- a partition's batch ----------------------------------------------------------------------

    def handle_records(self, records: Sequence[Any]) -> None:
        """A partition's records, in order: one transaction if all goes well, else one per record.

        Raises PartitionPaused at the first record that failed for a transient reason.
        """
        parsed: list[tuple[Any, CloudEvent | None]] = []
        for record in records:
            try:
                parsed.append((record, parse_event(record.value)))
            except MalformedEvent:
                parsed.append((record, None))
        events = [event for _, event in parsed if event is not None]
        if len(events) < len(parsed) or not self._apply_batch(events, topic=records[0].topic):
            for record, _ in parsed:
                try:
                    self.handle(record)
                except TRANSIENT_ERRORS as exc:
                    raise PartitionPaused(record.offset, exc) from exc

    def _apply_batch(self, events: list[CloudEvent], *, topic: str = "") -> bool:
        """All of them in one transaction; False (nothing written) if any handler failed."""
        started = time.perf_counter()
        wanted = [e for e in events if self._registry.get(e.type)]
        if not wanted:
            self._count_batch(topic, events, set(), started)
            return True
        try:
            with self._session_factory() as session:
                new = self._claim_in_inbox(session, wanted)
                handled = set(new)
                for event in wanted:
                    if event.id in new:
                        new.discard(event.id)  # the same id twice in one batch: handled once
                        with tracing.processing(self._tracer, event, consumer=self.name):
                            for handler in self._registry[event.type]:
                                handler(event, session=session)
                session.commit()
            self._count_batch(topic, events, handled, started)
            return True
        except Exception as exc:
            log.info("batch failed, taking it one event at a time", extra={"error": repr(exc)[:300]})
            return False

    def _count_batch(self, topic: str, events: list[CloudEvent], handled: set[str], started: float) -> None:
        if self.metrics is None:
            return
        wanted = {e.type for e in events if self._registry.get(e.type)}
        try:  # the batch is committed: a failure here must not send it down the one-by-one path
            self.metrics.batch(topic, events, handled=handled, wanted=wanted, seconds=time.perf_counter() - started)
        except Exception:
            log.exception("consumer metrics failed")

    def _claim_in_inbox(self, session: Session, events: list[CloudEvent]) -> set[str]:
        """One statement: record the ids, get back those that were not there yet."""
        rows = [
            {"event_id": e.id, "consumer": self.name, "event_type": e.type, "handled_at": utcnow()}
            for e in {e.id: e for e in events}.values()
        ]
        insert = postgres_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        statement = insert(InboxMessage).values(rows).on_conflict_do_nothing().returning(col(InboxMessage.event_id))
        return set(session.execute(statement).scalars())

    def handle_batch(self, batch: dict[str, Any]) -> dict[TopicPartition, int]:
        """Handle every partition's records; return the next offset to commit for each partition.

        A partition that meets a transient failure is paused at that record (seeked back to it) and
        its position is that record's offset, so the commit keeps it.
        """
        positions: dict[TopicPartition, int] = {}
        for partition, records in batch.items():
            if not records:
                continue
            try:
                self.handle_records(records)
                positions[partition] = records[-1].offset + 1
                self._failures.pop(partition, None)
            except PartitionPaused as paused:
                if paused.offset > records[0].offset:
                    positions[partition] = paused.offset
                self._pause(partition, paused)
        return positions

    def _pause(self, partition: TopicPartition, paused: PartitionPaused) -> None:
        failures = self._failures.get(partition, 0) + 1
        self._failures[partition] = failures
        delay = min(MAX_PAUSE_SECONDS, self.retry_pause * 2 ** min(failures, 10)) or 0.0
        self._paused[partition] = time.monotonic() + max(delay, 0.05)
        log.warning(
            "transient failure: partition paused",
            extra={
                "consumer": self.name,
                "partition": str(partition),
                "offset": paused.offset,
                "retry_in": round(delay, 2),
                "error": repr(paused.cause)[:300],
            },
        )
        consumer = self._consumer
        if consumer is not None and isinstance(partition, TopicPartition):
            consumer.seek(partition, paused.offset)
            consumer.pause(partition)

    def _resume_due(self) -> None:
        now = time.monotonic()
        due = [tp for tp, at in self._paused.items() if at <= now]
        if not due:
            return
        consumer = self._get_consumer()
        assigned = consumer.assignment()
        for tp in due:
            del self._paused[tp]
            if tp in assigned:
                consumer.resume(tp)

    def paused(self) -> list[str]:
        """For /readyz: partitions waiting out a transient failure."""
        return sorted(f"{tp.topic}[{tp.partition}]" for tp in self._paused if isinstance(tp, TopicPartition))

    def commit(self, positions: dict[TopicPartition, int]) -> None:
        if positions:
            self._get_consumer().commit({tp: OffsetAndMetadata(offset, "", -1) for tp, offset in positions.items()})

    def poll(self, timeout_ms: int = 500) -> dict[str, Any]:
        self._resume_due()
        batch: dict[str, Any] = self._get_consumer().poll(timeout_ms=timeout_ms)
        return batch

    def poll_once(self, timeout_ms: int = 500) -> int:
        batch = self.poll(timeout_ms)
        self.commit(self.handle_batch(batch))
        if self.metrics is not None:
            self.metrics.observe_lag(self._consumer)
        return sum(len(records) for records in batch.values())

    # --- the background loop ----------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name=f"consumer-{self.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self.close()

    def close(self) -> None:
        consumer, self._consumer = self._consumer, None
        producer, self._producer = self._producer, None
        self._paused.clear()
        for client in (consumer, producer):
            if client is None:
                continue
            try:
                if client is consumer:
                    client.close(autocommit=False)
                else:
                    client.close(timeout=5)
            except Exception:
                log.debug("kafka client close failed", exc_info=True)

    # --- a consumer that stopped fetching ------------------------------------------------------------

    def stalled(self) -> bool:
        """True when an assigned, unpaused partition has had events waiting past our position for two
        checks in a row without the position moving. kafka-python has been seen to stop fetching after
        a broker restart without raising; only a new consumer gets it going again."""
        consumer = self._consumer
        if consumer is None:
            return False
        active = [tp for tp in consumer.assignment() if tp not in self._paused]
        behind: dict[TopicPartition, int] = {}
        if active:
            ends = consumer.end_offsets(active)
            for tp in active:
                position = consumer.position(tp)
                if position is not None and ends.get(tp) is not None and position < ends[tp]:
                    behind[tp] = position
        suspect, self._suspect = self._suspect, behind
        return any(suspect.get(tp) == position for tp, position in behind.items())

    def _watch(self) -> None:
        # Every partition on its own, whether or not others are flowing: under steady load one stuck
        # partition hides behind the events its neighbours hand over, and its events wait for ever.
        now = time.monotonic()
        if now - self._checked_at < self.stall_check_seconds:
            return
        self._checked_at = now
        if self.stalled():
            log.warning("consumer stalled with events waiting: starting it over", extra={"consumer": self.name})
            self._suspect = {}
            self.close()

    def _loop(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                self.poll_once()
                self._watch()
                failures = 0
            except Exception:
                # The broker is away (or a commit failed in a rebalance). Start over from the last
                # committed offsets: whatever was handled but not committed comes again, the inbox drops it.
                failures += 1
                log.exception("consumer round failed", extra={"consumer": self.name})
                self.close()
                self._stop.wait(min(5.0, 0.25 * 2**failures))

    def _get_consumer(self) -> Any:
        if self._consumer is None:
            self._consumer = self._consumer_factory()
        return self._consumer

    def _get_producer(self) -> Any:
        if self._producer is None:
            self._producer = self._producer_factory()
        return self._producer
