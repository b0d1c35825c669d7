"""The event pipeline's families (docs/metrics.md): what the relay published, what the consumer took off
its topics and how far behind it is. Groups of `kit/metrics.py`'s registry (`metrics.group(RelayMetrics)`)."""

from __future__ import annotations

import logging
import time
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from prometheus_client import Counter, Gauge, Histogram

from services.kit.event_models import CATALOG
from services.kit.events import CloudEvent
from services.kit.metrics import DURATION_BUCKETS, Metrics
from services.kit.outbox import OutboxMessage

log = logging.getLogger("liaison.metrics")

UNKNOWN = "unknown"
# The consumer's own outcome names, as the contract spells them.
OUTCOMES = {"handled": "handled", "duplicate": "duplicate", "ignored": "skipped", "dead_lettered": "dead_lettered"}


def event_type_label(event_type: str | None) -> str:
    """Only the contract's event types: anything a producer made up is one value, not a new series."""
    return event_type if event_type in CATALOG else UNKNOWN


class RelayMetrics:
    def __init__(self, metrics: Metrics) -> None:
        self.published = Counter(
            "liaison_relay_published", "Events the relay published.", ["topic"], registry=metrics.registry
        )
        self.failures = Counter(
            "liaison_relay_publish_failures", "Publish attempts that failed.", ["topic"], registry=metrics.registry
        )

    def count(self, messages: Sequence[OutboxMessage], *, sent: Iterable[int], failed: Iterable[int]) -> None:
        topic_of = {message.id: message.topic for message in messages}
        for message_id in sent:
            self.published.labels(topic_of[message_id]).inc()
        for message_id in failed:
            self.failures.labels(topic_of[message_id]).inc()


class ConsumerMetrics:
    LAG_EVERY_SECONDS = 5.0  # end offsets are a request to the broker; Prometheus scrapes every 15 s

    def __init__(self, metrics: Metrics) -> None:
        registry = metrics.registry
        self.events = Counter(
            "liaison_consumer_events",
            "Events taken off a topic, by outcome.",
            ["topic", "event_type", "outcome"],
            registry=registry,
        )
        self.duration = Histogram(
            "liaison_consumer_handle_duration_seconds",
            "One event's handling, its transaction included.",
            ["topic"],
            buckets=DURATION_BUCKETS,
            registry=registry,
        )
        self.lag = Gauge(
            "liaison_consumer_lag_messages",
            "The partition's end offset minus the group's committed offset.",
            ["topic", "partition"],
            registry=registry,
        )
        self._lag_at = 0.0
        self._lag_partitions: set[tuple[str, str]] = set()

    def one(self, topic: str, event_type: str | None, outcome: str, seconds: float) -> None:
        self.events.labels(topic, event_type_label(event_type), OUTCOMES.get(outcome, outcome)).inc()
        self.duration.labels(topic).observe(seconds)

    def batch(
        self,
        topic: str,
        events: Sequence[CloudEvent],
        *,
        handled: Collection[str],
        wanted: Collection[str],
        seconds: float,
    ) -> None:
        """A partition's batch, committed in one transaction: each event is given its share of the time."""
        first: set[str] = set()
        for event in events:
            if event.type not in wanted:
                outcome = "ignored"
            elif event.id in handled and event.id not in first:
                first.add(event.id)
                outcome = "handled"
            else:
                outcome = "duplicate"
            self.one(topic, event.type, outcome, seconds / max(len(events), 1))

    def observe_lag(self, consumer: Any) -> None:
        """In the consumer's own thread (a KafkaConsumer is not thread-safe), after the round's commit, when
        the position of every partition it holds is the offset it just committed."""
        now = time.monotonic()
        if consumer is None or now - self._lag_at < self.LAG_EVERY_SECONDS:
            return
        self._lag_at = now
        lags: dict[tuple[str, str], int] = {}
        try:
            assigned = list(consumer.assignment())
            ends = consumer.end_offsets(assigned) if assigned else {}
            for tp in assigned:
                position, end = consumer.position(tp), ends.get(tp)
                if position is not None and end is not None:
                    lags[(tp.topic, str(tp.partition))] = max(end - position, 0)
        except Exception as exc:  # the broker away: the consumer's own loop deals with it
            log.debug("consumer lag not read", extra={"error": repr(exc)[:300]})
            return
        for key, lag in lags.items():
            self.lag.labels(*key).set(lag)
        for gone in self._lag_partitions - lags.keys():  # handed to another replica in a rebalance
            self.lag.remove(*gone)
        self._lag_partitions = set(lags)
