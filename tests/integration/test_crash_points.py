"""A crash at each of the four points of the outbox → Kafka → inbox path loses nothing and doubles
nothing, on the real broker and real PostgreSQL.

  (a) before the producer's DB commit      → no row, no event
  (b) after commit, before publish          → the relay publishes on restart
  (c) after publish, before "mark sent"     → the relay that takes the row over finds it on its partition
                                              and marks it sent (without that look-up: a duplicate on the
                                              topic, dropped by the consumer's inbox)
  (d) after the consumer's DB commit, before its offset commit → redelivery, dropped by the inbox

A "crash" here is a component dropped mid-way without its remaining steps or any clean-up, then
a fresh one built as a restarted process would build it.
"""

import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from services.engagements.events import HANDLERS, on_partner_changed
from services.engagements.models import PartnerCopy
from services.kit.consumer import ConsumerRunner
from services.kit.inbox import InboxMessage
from services.kit.kafka import TopicLookup, make_consumer, make_producer
from services.kit.outbox import OutboxMessage
from services.kit.relay import OutboxRelay
from services.kit.types import utcnow
from services.partners import events as partner_events
from services.partners import service as partners
from services.partners.models import Partner
from services.partners.schemas import PartnerCreate
from tests.support.topics import new_topic, read_topic

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]


@pytest.fixture
def topic(kafka_broker, monkeypatch):
    """Partner events go to a topic of this test's own."""
    name = new_topic(kafka_broker.connection())
    monkeypatch.setattr(partner_events, "TOPIC", name)
    return name


def relay_for(sessions, kafka, *, clock=utcnow, lease_seconds=30.0, lookup=False) -> OutboxRelay:
    return OutboxRelay(
        session_factory=sessions,
        producer_factory=lambda: make_producer(kafka, client_id="t-relay"),
        clock=clock,
        lease_seconds=lease_seconds,
        already_published=TopicLookup(kafka, client_id="t-lookup") if lookup else None,
    )


def consumer_for(sessions, kafka, topic, group, registry=HANDLERS) -> ConsumerRunner:
    return ConsumerRunner(
        name="engagements",
        session_factory=sessions,
        registry=registry,
        consumer_factory=lambda: make_consumer(kafka, group_id=group, topics=[topic], client_id="t-consumer"),
        producer_factory=lambda: make_producer(kafka, client_id="t-dlq"),
    )


def create_partner(sessions, name="Wallonie") -> uuid.UUID:
    with sessions() as session:
        partner = partners.create_partner(
            session=session, data=PartnerCreate(kind="federated_state", name_fr=name, country="BE", region="europe")
        )
        session.commit()
        return partner.id


def count(sessions, model, *where) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def events_for(kafka, topic, partner_id, expect=1, timeout=10.0) -> list:
    return read_topic(kafka, topic, expect=expect, timeout=timeout, match=lambda r: r.key == str(partner_id).encode())


def drain(runner: ConsumerRunner, *, until, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not until() and time.monotonic() < deadline:
        runner.poll_once(timeout_ms=200)
    assert until(), "the consumer did not get there in time"


def test_a_crash_before_commit_leaves_no_row_and_no_event(kafka_broker, topic, partners_sessions):
    with partners_sessions() as session:
        partner = partners.create_partner(session=session, data=PartnerCreate(kind="ngo", name_en="Lost"))
        partner_id = partner.id
        session.close()  # the process dies here: the transaction never commits

    relay = relay_for(partners_sessions, kafka_broker.connection())
    assert relay.run_once() == 0
    relay.stop()
    assert count(partners_sessions, Partner) == 0
    assert count(partners_sessions, OutboxMessage) == 0
    assert events_for(kafka_broker.connection(), topic, partner_id, expect=1, timeout=2) == []


def test_a_crash_after_commit_before_publish_is_published_on_restart(kafka_broker, topic, partners_sessions):
    partner_id = create_partner(partners_sessions)  # committed; the relay never got to run

    restarted = relay_for(partners_sessions, kafka_broker.connection())
    assert restarted.run_once() == 1
    restarted.stop()

    [record] = events_for(kafka_broker.connection(), topic, partner_id)
    assert record.value and b'"liaison.partner.created"' in record.value
    assert restarted.pending_count() == 0


def test_a_crash_after_publish_before_mark_sent_duplicates_on_the_topic_and_the_consumer_drops_it(
    kafka_broker, topic, partners_sessions, engagements_sessions
):
    partner_id = create_partner(partners_sessions)
    doomed = relay_for(partners_sessions, kafka_broker.connection())
    claim = doomed.claim()
    doomed.publish(claim)  # on the topic...
    doomed._discard_producer()  # ...and the process dies before settle(): the row stays in progress

    later = utcnow() + timedelta(seconds=31)
    sweeper = relay_for(partners_sessions, kafka_broker.connection(), clock=lambda: later)
    assert sweeper.run_once() == 1, "the expired lease is swept and the row published again"
    sweeper.stop()

    copies = events_for(kafka_broker.connection(), topic, partner_id, expect=2)
    assert len(copies) == 2 and copies[0].value == copies[1].value, "the same event, twice"

    calls = []
    counting = {
        "liaison.partner.created": [lambda e, session: (calls.append(e.id), on_partner_changed(e, session=session))]
    }
    runner = consumer_for(engagements_sessions, kafka_broker.connection(), topic, f"g-{uuid.uuid4().hex}", counting)
    try:
        drain(runner, until=lambda: count(engagements_sessions, PartnerCopy, PartnerCopy.id == partner_id) == 1)
        runner.poll_once(timeout_ms=1000)
    finally:
        runner.stop()
    assert len(calls) == 1, "the duplicate changed nothing"
    assert count(engagements_sessions, InboxMessage) == 1


def test_a_row_taken_over_after_a_crash_between_publish_and_mark_sent_is_found_on_its_partition_not_resent(
    kafka_broker, topic, partners_sessions
):
    partner_id = create_partner(partners_sessions)
    other = create_partner(partners_sessions, name="Flandre")
    doomed = relay_for(partners_sessions, kafka_broker.connection())
    claim = doomed.claim()
    doomed.publish(claim)  # both on the topic...
    doomed._discard_producer()  # ...and the process dies before settle(): the rows stay in progress

    later = utcnow() + timedelta(seconds=31)
    taker = relay_for(partners_sessions, kafka_broker.connection(), clock=lambda: later, lookup=True)
    assert taker.run_once() == 2, "both marked sent"
    taker.stop()
    assert taker.pending_count() == 0
    for partner in (partner_id, other):
        copies = events_for(kafka_broker.connection(), topic, partner, expect=2, timeout=3)
        assert len(copies) == 1, "found on its partition: not sent a second time"


def test_a_crash_after_the_consumer_commits_before_the_offset_commit_redelivers_and_the_inbox_drops_it(
    kafka_broker, topic, partners_sessions, engagements_sessions
):
    partner_id = create_partner(partners_sessions)
    relay = relay_for(partners_sessions, kafka_broker.connection())
    relay.run_once()
    relay.stop()
    group = f"g-{uuid.uuid4().hex}"

    first = consumer_for(engagements_sessions, kafka_broker.connection(), topic, group)
    handled = []
    deadline = time.monotonic() + 30
    while not handled and time.monotonic() < deadline:
        batch = first.poll(timeout_ms=200)
        first.handle_batch(batch)  # the read copy is committed...
        handled = [r for records in batch.values() for r in records]
    first.close()  # ...and the process dies before committing the offset
    assert count(engagements_sessions, PartnerCopy, PartnerCopy.id == partner_id) == 1

    outcomes = []
    second = consumer_for(engagements_sessions, kafka_broker.connection(), topic, group)
    deadline = time.monotonic() + 30
    while not outcomes and time.monotonic() < deadline:
        batch = second.poll(timeout_ms=200)
        outcomes = [second.handle(r) for records in batch.values() for r in records]
        second.commit({tp: records[-1].offset + 1 for tp, records in batch.items()})
    second.stop()

    assert [o.status for o in outcomes] == ["duplicate"], "redelivered, and dropped by the inbox"
    assert count(engagements_sessions, PartnerCopy) == 1
    assert count(engagements_sessions, InboxMessage) == 1
