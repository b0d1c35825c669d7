"""Two relays on one PostgreSQL database publish every row once between them (FOR UPDATE SKIP LOCKED)."""

import threading
from collections import Counter

import pytest

from services.kit.events import new_event
from services.kit.kafka import make_producer
from services.kit.outbox import record_event
from services.kit.relay import OutboxRelay
from tests.support.topics import new_topic, read_topic

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]
ROWS = 600


def test_two_relays_share_the_outbox_without_publishing_a_row_twice(kafka_broker, partners_sessions):
    topic = new_topic(kafka_broker.connection(), with_dlq=False)
    with partners_sessions() as session:
        for n in range(ROWS):
            record_event(
                session=session,
                topic=topic,
                event=new_event(type="liaison.partner.created", source="/t", subject=f"p{n % 50}", data={"n": n}),
            )
        session.commit()

    relays = [
        OutboxRelay(
            session_factory=partners_sessions,
            batch_size=25,
            producer_factory=lambda i=i: make_producer(kafka_broker.connection(), client_id=f"relay-{i}"),
        )
        for i in range(2)
    ]
    published = Counter()

    def drain(index: int) -> None:
        while (n := relays[index].run_once()) > 0:
            published[index] += n

    threads = [threading.Thread(target=drain, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    for relay in relays:
        relay.stop()

    assert sum(published.values()) == ROWS
    assert all(published[i] > 0 for i in range(2)), f"both relays did some of the work: {published}"
    records = read_topic(kafka_broker.connection(), topic, expect=ROWS, timeout=30)
    assert len(records) == ROWS
    assert len({r.value for r in records}) == ROWS, "no event published twice"
    assert relays[0].pending_count() == 0
