"""The relay's claim / publish / settle logic, on both databases, with a recording producer.

The same paths against the real broker are in tests/integration/test_crash_points.py.
"""

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from services.kit.db import make_engine, make_session_factory
from services.kit.events import new_event
from services.kit.outbox import OutboxMessage, OutboxStatus, record_event
from services.kit.relay import BrokerAway, OutboxRelay
from services.kit.types import utcnow
from tests.support.doubles import RecordingProducer


class Clock:
    def __init__(self):
        self.now = utcnow()

    def __call__(self):
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def sessions(new_database):
    engine = make_engine(new_database("partners"))
    yield make_session_factory(engine)
    engine.dispose()


def add_events(sessions, *keys: str) -> list[str]:
    ids = []
    with sessions() as session:
        for key in keys:
            event = new_event(type="liaison.partner.created", source="/liaison/partners", subject=key, data={"k": key})
            record_event(session=session, event=event, topic="liaison.partners.v1")
            ids.append(event.id)
        session.commit()
    return ids


def statuses(sessions) -> list[str]:
    with sessions() as session:
        return list(session.execute(select(OutboxMessage.status).order_by(OutboxMessage.id)).scalars())


def make_relay(sessions, producer, clock=None, **kwargs) -> OutboxRelay:
    return OutboxRelay(session_factory=sessions, producer_factory=lambda: producer, clock=clock or utcnow, **kwargs)


def test_run_once_publishes_in_order_keyed_by_subject_and_marks_sent(sessions):
    add_events(sessions, "a", "b", "a")
    producer = RecordingProducer()

    assert make_relay(sessions, producer).run_once() == 3

    assert [m["key"] for m in producer.sent] == [b"a", b"b", b"a"]
    assert {m["topic"] for m in producer.sent} == {"liaison.partners.v1"}
    assert producer.sent[0]["headers"] == {
        "content-type": b"application/cloudevents+json",
        "ce_id": json.loads(producer.sent[0]["value"])["id"].encode(),
    }
    assert statuses(sessions) == ["sent"] * 3


def test_nothing_is_published_twice_by_later_rounds(sessions):
    add_events(sessions, "a")
    producer = RecordingProducer()
    relay = make_relay(sessions, producer)
    relay.run_once()
    assert relay.run_once() == 0
    assert len(producer.sent) == 1
    assert relay.pending_count() == 0


def test_a_claimed_row_is_not_claimed_again_until_its_lease_ends(sessions):
    add_events(sessions, "a")
    clock = Clock()
    first = make_relay(sessions, RecordingProducer(), clock, lease_seconds=30)
    second = make_relay(sessions, RecordingProducer(), clock, lease_seconds=30)

    assert len(first.claim().messages) == 1
    assert second.claim().messages == []
    clock.advance(31)
    assert len(second.claim().messages) == 1, "a relay that died holding the lease must not strand the row"


def test_a_relay_whose_lease_ran_out_cannot_settle_rows_another_relay_claimed(sessions):
    add_events(sessions, "a")
    clock = Clock()
    slow = make_relay(sessions, RecordingProducer(), clock, lease_seconds=5)
    stale_claim = slow.claim()
    clock.advance(6)
    fresh = make_relay(sessions, RecordingProducer(), clock, lease_seconds=5)
    fresh_claim = fresh.claim()

    slow.settle(stale_claim, slow.publish(stale_claim))
    assert statuses(sessions) == ["in_progress"]
    fresh.settle(fresh_claim, fresh.publish(fresh_claim))
    assert statuses(sessions) == ["sent"]


def test_failed_sends_go_back_to_pending_with_backoff_and_the_error(sessions):
    add_events(sessions, "ok", "bad")
    clock = Clock()
    producer = RecordingProducer(fail_keys={b"bad"})
    relay = make_relay(sessions, producer, clock)

    assert relay.run_once() == 1
    with sessions() as session:
        bad = session.execute(select(OutboxMessage).where(OutboxMessage.key == "bad")).scalar_one()
    assert bad.status == OutboxStatus.PENDING
    assert bad.attempts == 1
    assert "KafkaTimeoutError" in bad.last_error
    assert bad.available_at > clock.now

    assert relay.run_once() == 0, "not retried before its backoff ends"
    producer.fail_keys.clear()
    clock.advance(60)
    assert relay.run_once() == 1
    assert statuses(sessions) == ["sent", "sent"]


def test_a_broker_that_cannot_be_reached_leaves_every_row_pending(sessions):
    add_events(sessions, "a", "b")

    def no_broker():
        raise ConnectionError("no broker")

    relay = OutboxRelay(session_factory=sessions, producer_factory=no_broker, max_attempts=1)
    for _ in range(3):
        with pytest.raises(BrokerAway):
            relay.run_once()
    assert statuses(sessions) == ["pending", "pending"], "an outage is not the rows' fault: never failed for it"
    with sessions() as session:
        assert {m.attempts for m in session.scalars(select(OutboxMessage))} == {0}


def test_record_event_only_lands_with_its_transaction(sessions):
    with sessions() as session:
        event = new_event(type="t", source="/s", subject="x", data={})
        record_event(session=session, event=event, topic="liaison.partners.v1")
        session.rollback()
    assert statuses(sessions) == []


# --- order by construction (issue 11, defect 1) -----------------------------------------------------


def sent_ids(producer) -> list[str]:
    return [json.loads(m["value"])["id"] for m in producer.sent]


def test_a_failed_send_holds_back_the_newer_events_of_its_key(sessions):
    """Defect: the failed event 1 went back with a backoff while event 2 of the same key went out at once."""
    first, second, other = add_events(sessions, "a", "a", "b")
    clock = Clock()
    producer = RecordingProducer(fail_next={b"a": 1})
    relay = make_relay(sessions, producer, clock)

    relay.run_once()
    assert sent_ids(producer) == [other], "event 2 of key a must wait for event 1"
    clock.advance(60)
    while relay.run_once():
        pass
    assert sent_ids(producer) == [other, first, second]


def test_a_row_claimed_by_another_relay_blocks_the_newer_rows_of_its_key(sessions):
    first, _second = add_events(sessions, "a", "a")
    clock = Clock()
    slow = make_relay(sessions, RecordingProducer(), clock, batch_size=1)
    fast = make_relay(sessions, RecordingProducer(), clock)

    held = slow.claim()
    assert [m.event_id for m in held.messages] == [first]
    assert fast.claim().messages == [], "event 2 must not be claimed while event 1 is in flight"


def test_a_row_that_can_never_fit_fails_at_once_and_blocks_its_key(sessions):
    from kafka.errors import MessageSizeTooLargeError

    too_big, after, other = add_events(sessions, "a", "a", "b")
    clock = Clock()
    producer = RecordingProducer(fail_keys={b"a"}, errors={b"a": MessageSizeTooLargeError("1 MB limit")})
    relay = make_relay(sessions, producer, clock)

    relay.run_once()
    clock.advance(3600)
    relay.run_once()
    assert sent_ids(producer) == [other]
    with sessions() as session:
        rows = {r.event_id: r for r in session.scalars(select(OutboxMessage))}
    assert rows[too_big].status == OutboxStatus.FAILED
    assert rows[too_big].attempts == 1 and "MessageSizeTooLarge" in rows[too_big].last_error
    assert rows[after].status == OutboxStatus.PENDING


def test_a_row_that_keeps_failing_goes_to_failed_after_max_attempts(sessions):
    from kafka.errors import KafkaError

    [event_id] = add_events(sessions, "a")
    clock = Clock()
    producer = RecordingProducer(fail_keys={b"a"}, errors={b"a": KafkaError("CorruptRecordError")})
    relay = make_relay(sessions, producer, clock, max_attempts=3)
    for _ in range(5):
        relay.run_once()
        clock.advance(3600)
    with sessions() as session:
        row = session.scalar(select(OutboxMessage).where(OutboxMessage.event_id == event_id))
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, 3)
