"""The relay's claim / publish / settle logic, on both databases, with a recording producer.

The same paths against the real broker are in tests/integration/test_crash_points.py.
"""

from datetime import timedelta

import pytest
from sqlalchemy import select

from services.kit.db import make_engine, make_session_factory
from services.kit.events import new_event
from services.kit.outbox import OutboxMessage, OutboxStatus, record_event
from services.kit.relay import OutboxRelay
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
    assert producer.sent[0]["headers"] == {"content-type": b"application/cloudevents+json"}
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

    relay = OutboxRelay(session_factory=sessions, producer_factory=no_broker)
    assert relay.run_once() == 0
    assert statuses(sessions) == ["pending", "pending"]


def test_record_event_only_lands_with_its_transaction(sessions):
    with sessions() as session:
        event = new_event(type="t", source="/s", subject="x", data={})
        record_event(session=session, event=event, topic="liaison.partners.v1")
        session.rollback()
    assert statuses(sessions) == []
