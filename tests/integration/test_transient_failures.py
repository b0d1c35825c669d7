"""Transient is not poison: a dependency that is down for a while delays events, never dead-letters them."""

import time
import uuid

import pytest
from sqlalchemy import select

from services.kit.consumer import ConsumerRunner
from services.kit.kafka import make_consumer, make_producer
from services.notifications.consumers import Consumers, Runtime
from services.notifications.engagements_client import EngagementsClient
from services.notifications.models import Notification, Recipient, Subscription
from services.notifications.settings import NotificationsSettings
from services.notifications.tests import factories as f
from services.notifications.tests.stubs import engagements_stub
from tests.support.databases import migrate
from tests.support.identity import TEST_IDENTITY_SECRET
from tests.support.servers import ThreadedServer
from tests.support.topics import new_topic, produce, read_topic

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]


@pytest.fixture
def notifications_sessions(pg_cluster):
    from services.kit.db import make_engine, make_session_factory

    engine = make_engine(migrate("notifications", pg_cluster.create_database(f"n_{uuid.uuid4().hex[:12]}")))
    yield make_session_factory(engine)
    engine.dispose()


def test_an_engagements_outage_delays_restricted_notifications_and_dead_letters_nothing(
    kafka_broker, notifications_sessions
):
    """Defect: three failed look-ups in 0.6 s sent the event to the DLQ and moved the offset on."""
    partner = uuid.uuid4()
    data = f.engagement(partner_ids=[partner], confidentiality="restricted", officers=["lead@example.test"])
    with notifications_sessions() as session:
        session.add(Recipient(user="lead@example.test", roles=["officer"], language="fr"))
        session.add(Subscription(user="lead@example.test", kind="partner", target=str(partner), channels=["inbox"]))
        session.commit()

    engagements = ThreadedServer(engagements_stub({data["id"]: data}, secret=TEST_IDENTITY_SECRET))  # not up yet
    settings = NotificationsSettings(environment="test", identity_secret=TEST_IDENTITY_SECRET, kafka_enabled=False)
    runtime = Runtime(settings=settings)
    runtime.engagements = EngagementsClient(base_url=engagements.url, secret=TEST_IDENTITY_SECRET, timeout=1)
    topic = new_topic(kafka_broker.connection())
    runner = ConsumerRunner(
        name="notifications",
        session_factory=notifications_sessions,
        registry=Consumers(runtime).registry(),
        consumer_factory=lambda: make_consumer(
            kafka_broker.connection(), group_id=f"g-{uuid.uuid4().hex}", topics=[topic], client_id="t"
        ),
        producer_factory=lambda: make_producer(kafka_broker.connection(), client_id="t-dlq"),
    )
    event = f.restricted_event(data)
    produce(kafka_broker.connection(), topic, key=event.subject.encode(), value=event.to_json().encode())
    runner.start()
    try:
        time.sleep(3.0)  # the engagements service is down for three seconds
        engagements.start()
        deadline = time.monotonic() + 30
        notified = []
        while not notified and time.monotonic() < deadline:
            with notifications_sessions() as session:
                notified = session.scalars(select(Notification.user)).all()
            time.sleep(0.2)
    finally:
        runner.stop()
        engagements.stop()
        runtime.engagements.stop()

    assert notified == ["lead@example.test"]
    assert read_topic(kafka_broker.connection(), topic + ".dlq", expect=0, timeout=2) == []
