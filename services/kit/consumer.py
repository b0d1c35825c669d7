"""The consumer runner: at-least-once delivery made effectively-once by the inbox table.

For each message: parse the CloudEvent, find its handlers in the registry, and run them in one
database transaction that also records the event id in the inbox. Offsets are committed only
after that transaction, so a crash in between means a redelivery, which the inbox drops.
A message that cannot be read, or whose handler keeps failing, goes to `<topic>.dlq` with the
reason in its headers, and the consumer moves on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from kafka.structs import OffsetAndMetadata, TopicPartition
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from services.kit.events import CloudEvent, MalformedEvent, parse_event
from services.kit.inbox import InboxMessage

log = logging.getLogger("liaison.consumer")

Handler = Callable[..., None]  # handler(event, *, session)
HandlerRegistry = Mapping[str, Sequence[Handler]]
DLQ_SUFFIX = ".dlq"


class RejectedEvent(ValueError):
    """A handler's verdict that this event can never be applied (bad data): no retry, straight to the DLQ."""


# The database is away, not the event at fault: dead-lettering would throw good events away. These
# stop the round instead; the loop backs off and the uncommitted messages come again.
INFRASTRUCTURE_ERRORS = (OperationalError, InterfaceError)


@dataclass(frozen=True)
class Outcome:
    status: str  # handled | duplicate | ignored | dead_lettered
    event_id: str | None = None


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
    ) -> None:
        self.name = name
        self._session_factory = session_factory
        self._registry = registry
        self._consumer_factory = consumer_factory
        self._producer_factory = producer_factory
        self._consumer = None
        self._producer = None
        self.max_attempts = max_attempts
        self.retry_pause = retry_pause
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- one message ----------------------------------------------------------------------------

    def handle(self, record) -> Outcome:
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
            except RejectedEvent as exc:
                self._dead_letter(record, exc, event=event)
                return Outcome("dead_lettered", event.id)
            except INFRASTRUCTURE_ERRORS:
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
            for handler in handlers:
                handler(event, session=session)
            session.commit()
        return Outcome("handled", event.id)

    def _dead_letter(self, record, exc: Exception, *, event: CloudEvent | None = None) -> None:
        headers = [
            ("dlq.error", str(exc)[:2000].encode()),
            ("dlq.error.type", type(exc).__name__.encode()),
            ("dlq.original.topic", record.topic.encode()),
            ("dlq.original.partition", str(record.partition).encode()),
            ("dlq.original.offset", str(record.offset).encode()),
            ("dlq.consumer", self.name.encode()),
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

    # --- batches ----------------------------------------------------------------------------------

    def poll(self, timeout_ms: int = 500) -> dict:
        return self._get_consumer().poll(timeout_ms=timeout_ms)

    def handle_batch(self, batch: dict) -> dict[TopicPartition, int]:
        """Handle every record; return the next offset to commit for each partition."""
        positions: dict[TopicPartition, int] = {}
        for partition, records in batch.items():
            for record in records:
                self.handle(record)
                positions[partition] = record.offset + 1
        return positions

    def commit(self, positions: dict[TopicPartition, int]) -> None:
        if positions:
            self._get_consumer().commit({tp: OffsetAndMetadata(offset, "", -1) for tp, offset in positions.items()})

    def poll_once(self, timeout_ms: int = 500) -> int:
        batch = self.poll(timeout_ms)
        self.commit(self.handle_batch(batch))
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

    def _loop(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                self.poll_once()
                failures = 0
            except Exception:
                # The broker or the database is away. Start over from the last committed offsets:
                # whatever was handled but not committed comes again and the inbox drops it.
                failures += 1
                log.exception("consumer round failed", extra={"consumer": self.name})
                self.close()
                self._stop.wait(min(30.0, 0.5 * 2 ** min(failures, 6)))

    def _get_consumer(self):
        if self._consumer is None:
            self._consumer = self._consumer_factory()
        return self._consumer

    def _get_producer(self):
        if self._producer is None:
            self._producer = self._producer_factory()
        return self._producer
