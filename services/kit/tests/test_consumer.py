"""The consumer runner's handling of one message: inbox, retries, dead letters."""

import json

import pytest
from sqlalchemy import select

from services.kit.consumer import ConsumerRunner, RejectedEvent
from services.kit.db import make_engine, make_session_factory
from services.kit.events import new_event
from services.kit.inbox import InboxMessage
from tests.support.doubles import Record, RecordingProducer


@pytest.fixture
def sessions(new_database):
    engine = make_engine(new_database("engagements"))
    yield make_session_factory(engine)
    engine.dispose()


def runner(sessions, registry, producer=None, **kwargs) -> ConsumerRunner:
    return ConsumerRunner(
        name="test",
        session_factory=sessions,
        registry=registry,
        consumer_factory=lambda: None,
        producer_factory=lambda: producer or RecordingProducer(),
        retry_pause=0,
        **kwargs,
    )


def event_record(type_="liaison.partner.created", offset=0, data=None) -> tuple:
    event = new_event(type=type_, source="/liaison/partners", subject="p1", data=data or {"n": 1})
    return event, Record(value=event.to_json().encode(), offset=offset)


def inbox_ids(sessions) -> list[str]:
    with sessions() as session:
        return list(session.execute(select(InboxMessage.event_id)).scalars())


def test_a_handled_event_is_recorded_in_the_inbox_and_a_redelivery_is_dropped(sessions):
    calls = []
    consumer = runner(sessions, {"liaison.partner.created": [lambda e, session: calls.append(e.id)]})
    event, record = event_record()

    assert consumer.handle(record).status == "handled"
    assert consumer.handle(record).status == "duplicate"
    assert calls == [event.id]
    assert inbox_ids(sessions) == [event.id]


def test_events_without_handlers_are_ignored_and_not_recorded(sessions):
    consumer = runner(sessions, {})
    _, record = event_record(type_="liaison.partner.archived")
    assert consumer.handle(record).status == "ignored"
    assert inbox_ids(sessions) == []


@pytest.mark.parametrize("raw", [b"not json", b"[]", json.dumps({"specversion": "1.0"}).encode(), None])
def test_malformed_messages_go_to_the_dead_letter_topic_with_the_reason(sessions, raw):
    producer = RecordingProducer()
    consumer = runner(sessions, {}, producer)

    assert consumer.handle(Record(value=raw, offset=7, partition=2)).status == "dead_lettered"

    [letter] = producer.sent
    assert letter["topic"] == "liaison.partners.v1.dlq"
    assert letter["value"] == raw and letter["key"] == b"key"
    assert letter["headers"]["dlq.error.type"] == b"MalformedEvent"
    assert letter["headers"]["dlq.original.offset"] == b"7"
    assert letter["headers"]["dlq.original.partition"] == b"2"
    assert letter["headers"]["dlq.consumer"] == b"test"


def test_a_failing_handler_is_retried_then_dead_lettered_and_its_effects_rolled_back(sessions):
    attempts = []

    def flaky(event, session):
        attempts.append(1)
        raise RuntimeError("database said no")

    producer = RecordingProducer()
    consumer = runner(sessions, {"liaison.partner.created": [flaky]}, producer, max_attempts=3)
    _, record = event_record()

    assert consumer.handle(record).status == "dead_lettered"
    assert len(attempts) == 3
    assert producer.sent[0]["headers"]["dlq.error"] == b"database said no"
    assert inbox_ids(sessions) == [], "the inbox row rolls back with the failed handler"


def test_a_handler_that_succeeds_on_retry_is_handled_once(sessions):
    attempts = []

    def second_time_lucky(event, session):
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("deadlock")

    consumer = runner(sessions, {"liaison.partner.created": [second_time_lucky]})
    event, record = event_record()
    assert consumer.handle(record).status == "handled"
    assert inbox_ids(sessions) == [event.id]


def test_a_rejected_event_is_dead_lettered_without_retrying(sessions):
    attempts = []

    def reject(event, session):
        attempts.append(1)
        raise RejectedEvent("partner id is not a UUID")

    producer = RecordingProducer()
    consumer = runner(sessions, {"liaison.partner.created": [reject]}, producer, max_attempts=5)
    assert consumer.handle(event_record()[1]).status == "dead_lettered"
    assert len(attempts) == 1
    assert producer.sent[0]["headers"]["dlq.error.type"] == b"RejectedEvent"


def test_handle_batch_returns_the_next_offset_per_partition(sessions):
    consumer = runner(sessions, {})
    batch = {
        ("t", 0): [Record(value=None, offset=4), Record(value=None, offset=5)],
        ("t", 1): [Record(value=None, offset=9, partition=1)],
    }
    assert consumer.handle_batch(batch) == {("t", 0): 6, ("t", 1): 10}


def test_a_database_outage_is_not_the_events_fault_and_never_dead_letters_it(sessions):
    from sqlalchemy.exc import OperationalError

    def database_gone(event, session):
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))

    producer = RecordingProducer()
    consumer = runner(sessions, {"liaison.partner.created": [database_gone]}, producer)
    with pytest.raises(OperationalError):
        consumer.handle(event_record()[1])
    assert producer.sent == [], "the event stays on its topic, uncommitted, for the next round"
