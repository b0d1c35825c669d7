"""The event pipeline's families: what the relay published or failed to, what the consumer took off its
topics (one by one and in a batch), and its lag per partition."""

import pytest
from kafka.structs import TopicPartition

from services.kit.consumer import ConsumerRunner, RejectedEvent
from services.kit.db import make_engine, make_session_factory
from services.kit.events import new_event
from services.kit.metrics import Metrics
from services.kit.metrics_pipeline import ConsumerMetrics, RelayMetrics
from services.kit.outbox import record_event
from services.kit.relay import OutboxRelay
from tests.support.doubles import Record, RecordingProducer
from tests.support.metrics_contract import undeclared

TOPIC = "liaison.partners.v1"


@pytest.fixture
def db_backend() -> str:
    return "sqlite"  # counting is the same on both backends


@pytest.fixture
def metrics() -> Metrics:
    return Metrics(version="test")


def value(metrics: Metrics, name: str, **labels) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0


def test_the_relay_counts_what_it_published_and_what_failed_by_topic(new_database, metrics):
    engine = make_engine(new_database("partners"))
    sessions = make_session_factory(engine)
    with sessions() as session:
        for key in ("a", "b", "c"):
            event = new_event(type="liaison.partner.created", source="/liaison/partners", subject=key, data={})
            record_event(session=session, event=event, topic=TOPIC)
        session.commit()
    producer = RecordingProducer(fail_next={b"b": 1})
    relay = OutboxRelay(
        session_factory=sessions, producer_factory=lambda: producer, metrics=metrics.group(RelayMetrics)
    )

    relay.run_once()
    assert value(metrics, "liaison_relay_published_total", topic=TOPIC) == 2
    assert value(metrics, "liaison_relay_publish_failures_total", topic=TOPIC) == 1
    engine.dispose()


def consumer(sessions, registry, metrics, producer=None) -> ConsumerRunner:
    return ConsumerRunner(
        name="test",
        session_factory=sessions,
        registry=registry,
        consumer_factory=lambda: None,
        producer_factory=lambda: producer or RecordingProducer(),
        retry_pause=0,
        metrics=metrics.group(ConsumerMetrics),
    )


def record(type_="liaison.partner.created", offset=0, event=None) -> Record:
    event = event or new_event(type=type_, source="/liaison/partners", subject="p1", data={})
    return Record(value=event.to_json().encode(), offset=offset)


def reject(event, session):
    raise RejectedEvent("never fits")


@pytest.fixture
def sessions(new_database):
    engine = make_engine(new_database("engagements"))
    yield make_session_factory(engine)
    engine.dispose()


def test_events_taken_one_at_a_time_are_counted_by_type_and_outcome(sessions, metrics):
    registry = {"liaison.partner.created": [lambda e, session: None], "liaison.partner.updated": [reject]}
    runner = consumer(sessions, registry, metrics)
    created = record()
    runner.handle(created)
    runner.handle(created)  # redelivered
    runner.handle(record("liaison.partner.archived"))  # no handler here
    runner.handle(record("liaison.partner.updated"))
    runner.handle(record("liaison.made.up"))
    runner.handle(Record(value=b"not an event"))

    def events(event_type, outcome):
        return value(metrics, "liaison_consumer_events_total", topic=TOPIC, event_type=event_type, outcome=outcome)

    assert events("liaison.partner.created", "handled") == 1
    assert events("liaison.partner.created", "duplicate") == 1
    assert events("liaison.partner.archived", "skipped") == 1
    assert events("liaison.partner.updated", "dead_lettered") == 1
    assert events("unknown", "skipped") == 1, "a type the contract does not know is one label value"
    assert events("unknown", "dead_lettered") == 1
    assert value(metrics, "liaison_consumer_handle_duration_seconds_count", topic=TOPIC) == 6


def test_a_batch_is_counted_once_when_it_commits(sessions, metrics):
    calls = []
    registry = {"liaison.partner.created": [lambda e, session: calls.append(e.id)]}
    runner = consumer(sessions, registry, metrics)
    first = new_event(type="liaison.partner.created", source="/liaison/partners", subject="p1", data={})
    records = [record(event=first), record(event=first, offset=1), record("liaison.partner.archived", offset=2)]

    runner.handle_batch({TopicPartition(TOPIC, 0): records})

    def events(event_type, outcome):
        return value(metrics, "liaison_consumer_events_total", topic=TOPIC, event_type=event_type, outcome=outcome)

    assert calls == [first.id]
    assert events("liaison.partner.created", "handled") == 1
    assert events("liaison.partner.created", "duplicate") == 1
    assert events("liaison.partner.archived", "skipped") == 1
    assert value(metrics, "liaison_consumer_handle_duration_seconds_count", topic=TOPIC) == 3


def test_a_batch_that_fails_is_counted_as_its_events_are_handled_again_one_by_one(sessions, metrics):
    registry = {"liaison.partner.created": [lambda e, session: None], "liaison.partner.updated": [reject]}
    runner = consumer(sessions, registry, metrics)
    records = [record(), record("liaison.partner.updated", offset=1)]

    runner.handle_batch({TopicPartition(TOPIC, 0): records})

    def events(event_type, outcome):
        return value(metrics, "liaison_consumer_events_total", topic=TOPIC, event_type=event_type, outcome=outcome)

    assert events("liaison.partner.created", "handled") == 1, "the rolled back batch is not counted"
    assert events("liaison.partner.updated", "dead_lettered") == 1


class Assigned:
    """What observe_lag asks of a KafkaConsumer."""

    def __init__(self, positions: dict, ends: dict) -> None:
        self.positions, self.ends = positions, ends

    def assignment(self):
        return set(self.positions)

    def end_offsets(self, partitions):
        return {tp: self.ends[tp] for tp in partitions}

    def position(self, tp):
        return self.positions[tp]


def test_lag_is_gauged_per_partition_held_and_dropped_when_a_partition_goes(metrics):
    group = metrics.group(ConsumerMetrics)
    group.LAG_EVERY_SECONDS = 0
    zero, one = TopicPartition(TOPIC, 0), TopicPartition(TOPIC, 1)

    group.observe_lag(Assigned({zero: 5, one: 7}, {zero: 12, one: 7}))
    assert value(metrics, "liaison_consumer_lag_messages", topic=TOPIC, partition="0") == 7
    assert metrics.registry.get_sample_value("liaison_consumer_lag_messages", {"topic": TOPIC, "partition": "1"}) == 0

    group.observe_lag(Assigned({zero: 12}, {zero: 12}))  # partition 1 went to another replica
    assert (
        metrics.registry.get_sample_value("liaison_consumer_lag_messages", {"topic": TOPIC, "partition": "1"}) is None
    )
    assert value(metrics, "liaison_consumer_lag_messages", topic=TOPIC, partition="0") == 0
    assert undeclared(metrics.registry) == set()
