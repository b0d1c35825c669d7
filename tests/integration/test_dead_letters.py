"""A message the consumer cannot use goes to `<topic>.dlq` with the reason, and the consumer goes on."""

import json
import time
import uuid

import pytest
from sqlalchemy import select

from services.engagements.events import HANDLERS
from services.engagements.models import PartnerCopy
from services.kit.consumer import ConsumerRunner
from services.kit.events import new_event
from services.kit.kafka import make_consumer, make_producer
from tests.support.topics import new_topic, produce, read_topic

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]


def good_event(partner_id):
    return new_event(
        type="liaison.partner.created",
        source="/liaison/partners",
        subject=str(partner_id),
        data={
            "id": str(partner_id),
            "kind": "forum",
            "name_en": "Arctic Council",
            "name_fr": None,
            "acronyms": [],
            "aliases": [],
            "country": None,
            "region": "arctic",
            "status": "active",
            "version": 1,
        },
    )


def test_malformed_and_unusable_messages_are_dead_lettered_and_the_next_one_is_handled(
    kafka_broker, engagements_sessions
):
    topic = new_topic(kafka_broker.connection())
    unusable = new_event(
        type="liaison.partner.created", source="/liaison/partners", subject="x", data={"id": "not-a-uuid"}
    )
    partner_id = uuid.uuid4()
    key = str(partner_id).encode()  # one key: one partition, so the order below is the order consumed
    produce(kafka_broker.connection(), topic, key=key, value=b"\x00garbage{")
    produce(kafka_broker.connection(), topic, key=key, value=unusable.to_json().encode())
    produce(kafka_broker.connection(), topic, key=key, value=good_event(partner_id).to_json().encode())

    runner = ConsumerRunner(
        name="engagements",
        session_factory=engagements_sessions,
        registry=HANDLERS,
        consumer_factory=lambda: make_consumer(
            kafka_broker.connection(), group_id=f"g-{uuid.uuid4().hex}", topics=[topic], client_id="t"
        ),
        producer_factory=lambda: make_producer(kafka_broker.connection(), client_id="t-dlq"),
    )
    try:
        deadline = time.monotonic() + 30
        seen = 0
        while seen < 3 and time.monotonic() < deadline:
            seen += runner.poll_once(timeout_ms=200)
    finally:
        runner.stop()

    with engagements_sessions() as session:
        assert (
            session.execute(select(PartnerCopy.name_en).where(PartnerCopy.id == partner_id)).scalar_one()
            == "Arctic Council"
        )

    letters = read_topic(kafka_broker.connection(), topic + ".dlq", expect=2)
    assert [letter.value for letter in letters] == [b"\x00garbage{", unusable.to_json().encode()]
    headers = [dict(letter.headers) for letter in letters]
    assert headers[0]["dlq.error.type"] == b"MalformedEvent"
    assert headers[1]["dlq.error.type"] == b"RejectedEvent"
    assert all(h["dlq.original.topic"] == topic.encode() and h["dlq.consumer"] == b"engagements" for h in headers)
    assert json.loads(letters[1].value)["id"] == unusable.id
