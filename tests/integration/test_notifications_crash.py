"""`kill -9` of the notifications process in the middle of 500 events, then a restart: every
expected notification exists once and none twice (real broker, real PostgreSQL, real process)."""

import threading
import time
import uuid

import httpx
import pytest
from kafka import KafkaProducer
from sqlalchemy import create_engine, func, select, text
from sqlmodel import Session

from services.kit.identity import Caller
from services.notifications.models import Delivery, Notification
from services.notifications.tests import factories as f
from tests.support.identity import TEST_IDENTITY_SECRET, SignedAs
from tests.support.processes import ServiceProcess
from tests.support.webhooks import LOOPBACK_RECEIVERS, WebhookReceiver

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.processes]
EVENTS = 500
SECRET = "crash-webhook-secret-0123456789"


def count(engine, *where, model=Notification) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_kill_9_mid_stream_then_restart_makes_every_notification_once(kafka_broker, pg_cluster, tmp_path):
    url = pg_cluster.create_database(f"crash_notifications_{uuid.uuid4().hex[:6]}")
    prefix = "LIAISON_NOTIFICATIONS_"
    env = {
        prefix + "DATABASE_URL": url,
        **kafka_broker.service_env("notifications"),
        prefix + "ENVIRONMENT": "test",
        prefix + "IDENTITY_SECRET": TEST_IDENTITY_SECRET,
        prefix + "DISPATCH_IDLE_SECONDS": "0.05",
        prefix + "LOG_LEVEL": "WARNING",
        # A dead worker's claims come back soon; the lease must outlast 1.5 send deadlines.
        prefix + "DISPATCH_LEASE_SECONDS": "3",
        prefix + "WEBHOOK_TIMEOUT_SECONDS": "2",
        prefix + "SMTP_TIMEOUT_SECONDS": "2",
        **LOOPBACK_RECEIVERS,
    }
    receiver = WebhookReceiver().start()
    service = ServiceProcess("notifications", env=env, log_dir=tmp_path).start().wait_ready()
    engine = create_engine(url)
    user = Caller(f"crash-{uuid.uuid4().hex[:6]}@example.test", frozenset({"officer"}))
    partner = uuid.uuid4()
    try:
        with httpx.Client(base_url=service.url, auth=SignedAs(user)) as client:
            assert (
                client.post(
                    "/api/v1/subscriptions", json={"kind": "partner", "target": str(partner), "channels": ["inbox"]}
                ).status_code
                == 201
            )
        with httpx.Client(
            base_url=service.url, auth=SignedAs(Caller("bi@example.test", frozenset({"integration"})))
        ) as client:
            assert (
                client.post(
                    "/api/v1/webhooks",
                    json={
                        "url": receiver.url + "/crash",
                        "secret": SECRET,
                        "event_types": ["liaison.engagement.logged"],
                    },
                ).status_code
                == 201
            )

        events = [f.engagement_event(f.engagement(partner_ids=[partner], title=f"E{n}")) for n in range(EVENTS)]
        producer = KafkaProducer(**kafka_broker.connection().client_options(), acks="all", linger_ms=5)

        def publish():
            for n, event in enumerate(events):
                producer.send("liaison.engagements.v1", key=event.subject.encode(), value=event.to_json().encode())
                if n % 50 == 0:
                    producer.flush()
                    time.sleep(0.05)  # a stream, not one burst, so the kill lands in its middle
            # Kafka redelivers: the same events again, as a producer retry or a replay would.
            for event in events[:25]:
                producer.send("liaison.engagements.v1", key=event.subject.encode(), value=event.to_json().encode())
            producer.flush()

        publisher = threading.Thread(target=publish)
        publisher.start()
        wait_until(lambda: count(engine, Notification.user == user.user) >= 120, 60, "the first notifications")
        service.kill()
        at_kill = count(engine, Notification.user == user.user)
        assert at_kill < EVENTS, "the kill came too late to mean anything"

        publisher.join(60)
        producer.close(timeout=5)
        service.start().wait_ready()
        wait_until(lambda: count(engine, Notification.user == user.user) >= EVENTS, 90, "every notification")
        wait_until(
            lambda: count(engine, Delivery.channel == "webhook", Delivery.status == "sent", model=Delivery) >= EVENTS,
            60,
            "every webhook delivery",
        )
        time.sleep(1.0)  # let anything that would wrongly come twice arrive

        with Session(engine) as session:
            titles = session.execute(select(Notification.title).where(Notification.user == user.user)).scalars().all()
            per_trigger = session.execute(
                text(
                    "SELECT max(n) FROM "
                    "(SELECT count(*) AS n FROM deliveries GROUP BY trigger_id, recipient, channel) c"
                )
            ).scalar_one()
        assert len(titles) == EVENTS and len(set(titles)) == EVENTS, "each event told once, none twice"
        assert sorted(titles) == sorted(f"Rencontre consignée : E{n}" for n in range(EVENTS))
        assert per_trigger == 1
        assert count(engine, Delivery.channel == "inbox", model=Delivery) == EVENTS
        assert count(engine, Delivery.channel == "webhook", model=Delivery) == EVENTS
        received = receiver.at("/crash")
        delivery_ids = [r.headers["liaison-delivery"] for r in received]
        assert len(set(delivery_ids)) == EVENTS, "every webhook delivery arrived"
        # A webhook in flight when the process died is sent again once its lease ends, with the same
        # Liaison-Delivery id for the receiver to drop: at most the dispatcher's concurrency of them.
        assert len(delivery_ids) - EVENTS <= 16
    finally:
        service.stop()
        receiver.stop()
        engine.dispose()
