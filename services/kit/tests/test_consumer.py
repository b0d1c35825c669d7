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


# --- a poll's batch (issue 12): one transaction, the inbox de-duplication in one statement ---------------


def records(*events, partition=0, start=0):
    return [
        Record(value=e.to_json().encode(), offset=start + i, partition=partition, key=e.subject.encode())
        for i, e in enumerate(events)
    ]


def make_events(n, type_="liaison.partner.created"):
    return [new_event(type=type_, source="/liaison/partners", subject=f"p{i % 3}", data={"n": i}) for i in range(n)]


def test_a_batch_is_handled_in_order_in_one_transaction(sessions):
    seen, transactions = [], set()

    def keep(event, session):
        seen.append(event.data["n"])
        transactions.add(id(session))

    consumer = runner(sessions, {"liaison.partner.created": [keep]})
    events = make_events(50)
    assert consumer.handle_batch({("t", 0): records(*events)}) == {("t", 0): 50}
    assert seen == list(range(50)) and len(transactions) == 1
    assert sorted(inbox_ids(sessions)) == sorted(e.id for e in events)


def test_a_redelivered_batch_changes_nothing_and_repeats_in_one_batch_count_once(sessions):
    seen = []
    consumer = runner(sessions, {"liaison.partner.created": [lambda e, session: seen.append(e.id)]})
    events = make_events(5)
    consumer.handle_batch({("t", 0): records(*events)})
    consumer.handle_batch({("t", 0): records(events[0], *events, start=5)})
    assert seen == [e.id for e in events]


def test_poison_in_a_batch_is_dead_lettered_and_the_rest_is_kept_in_order(sessions):
    seen = []

    def picky(event, session):
        if event.data["n"] == 2:
            raise RejectedEvent("n=2 can never apply")
        seen.append(event.data["n"])

    producer = RecordingProducer()
    consumer = runner(sessions, {"liaison.partner.created": [picky]}, producer)
    events = make_events(5)
    assert consumer.handle_batch({("t", 0): records(*events)}) == {("t", 0): 5}
    assert seen[-4:] == [0, 1, 3, 4], "taken again one by one, in order (the failed batch left nothing)"
    assert sorted(inbox_ids(sessions)) == sorted(e.id for i, e in enumerate(events) if i != 2)
    assert [json.loads(letter["value"])["data"]["n"] for letter in producer.sent] == [2]
    assert events[2].id not in inbox_ids(sessions), "replayable later: not marked handled"


def test_a_transient_failure_pauses_the_partition_at_that_event_and_keeps_what_came_before(sessions):
    from services.kit.consumer import TransientError

    seen, down = [], {"yes": True}

    def needs_a_dependency(event, session):
        if event.data["n"] == 3 and down["yes"]:
            raise TransientError("the engagements service is down")
        seen.append(event.data["n"])

    producer = RecordingProducer()
    consumer = runner(sessions, {"liaison.partner.created": [needs_a_dependency]}, producer)
    events = make_events(6)
    other = make_events(2)
    positions = consumer.handle_batch({("t", 0): records(*events), ("t", 1): records(*other, partition=1)})
    assert positions == {("t", 0): 3, ("t", 1): 2}, "the offset stops at the event that waits"
    assert sorted(inbox_ids(sessions)) == sorted(e.id for e in [*events[:3], *other])
    assert producer.sent == [], "nothing dead-lettered"

    down["yes"] = False
    assert consumer.handle_batch({("t", 0): records(*events[3:], start=3)}) == {("t", 0): 6}
    assert seen[-3:] == [3, 4, 5]
    assert sorted(inbox_ids(sessions)) == sorted(e.id for e in [*events, *other])
