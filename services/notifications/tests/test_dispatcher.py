"""The dispatcher and its channels, against a real local SMTP server and a real HTTP receiver."""

import asyncio
import json
import time
from datetime import UTC, timedelta
from ipaddress import ip_network

import pytest
from sqlalchemy import select

from services.kit.outbox import OutboxMessage
from services.notifications.channels import webhook
from services.notifications.deliveries import DeliveryBatch, Trigger
from services.notifications.dispatcher import Dispatcher, backoff
from services.notifications.messages import Rendered
from services.notifications.models import Delivery, DeliveryAttempt, Recipient, Webhook
from tests.support.smtp import SmtpSink
from tests.support.webhooks import WebhookReceiver

SECRET = "receiver-shared-secret-0123"


@pytest.fixture
def smtp():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def receiver():
    server = WebhookReceiver().start()
    yield server
    server.stop()


@pytest.fixture
def settings(settings, smtp):
    # The receiver listens on loopback, which webhooks may reach only when allowed (destinations.py).
    allowed = [ip_network("127.0.0.0/8")]
    return settings.model_copy(
        update={
            "smtp_port": smtp.port,
            "delivery_max_attempts": 3,
            "webhook_timeout_seconds": 1.0,
            "webhook_allowed_networks": allowed,
        }
    )


@pytest.fixture
def dispatcher(sessions, settings, clock):
    return Dispatcher(sessions=sessions, settings=settings, clock=clock)


def run(dispatcher):
    return asyncio.run(dispatcher.run_once())


def add_webhook(sessions, url, event_types=("liaison.engagement.logged",)) -> Webhook:
    with sessions() as session:
        hook = Webhook(owner="bi@example.test", url=url, secret=SECRET, event_types=list(event_types))
        session.add(hook)
        session.commit()
        return hook


def queue(sessions, clock, *, user=None, hook=None, body='{"id": "e1"}', trigger="e1", language="fr"):
    with sessions() as session:
        batch = DeliveryBatch(
            session=session,
            trigger=Trigger(trigger, "liaison.engagement.logged", "engagement", "s"),
            now=clock(),
            email_enabled=True,
            zone=UTC,
        )
        if user:
            session.merge(Recipient(user=user, email=f"{user.split('@')[0]}@mail.test", language=language))
            session.flush()
            batch.notify_user(
                user=user,
                channels={"email"},
                render=lambda reader: Rendered(
                    title={"fr": "Rencontre consignée : Été", "en": "Meeting logged: Summer"}[reader.language],
                    lines=("Avec : <Bavière>",),
                    link="http://liaison.test/engagements/1",
                ),
            )
        if hook:
            batch.webhook(hook, body)
        session.commit()
        return [d.id for d in batch.created]


def delivery(sessions, delivery_id) -> Delivery:
    with sessions() as session:
        return session.get(Delivery, delivery_id)


def test_signatures_verify_and_refuse_tampering_and_replays():
    header = webhook.signature_header(SECRET, b'{"a":1}', now=1_000_000)
    assert webhook.verify(header, b'{"a":1}', secret=SECRET, now=1_000_010) == 1_000_000
    with pytest.raises(webhook.BadSignature, match="does not match"):
        webhook.verify(header, b'{"a":2}', secret=SECRET, now=1_000_010)
    with pytest.raises(webhook.BadSignature, match="replay"):
        webhook.verify(header, b'{"a":1}', secret=SECRET, now=1_000_000 + 3600)
    with pytest.raises(webhook.BadSignature, match="malformed"):
        webhook.verify("v1=abc", b"", secret=SECRET)


def test_backoff_doubles_with_jitter_and_a_cap():
    assert backoff(1, base=2, cap=100, rand=lambda: 1.0) == timedelta(seconds=2)
    assert backoff(3, base=2, cap=100, rand=lambda: 1.0) == timedelta(seconds=8)
    assert backoff(3, base=2, cap=100, rand=lambda: 0.0) == timedelta(seconds=4)
    assert backoff(20, base=2, cap=100, rand=lambda: 1.0) == timedelta(seconds=100)


def test_an_email_goes_out_in_the_recipients_language_as_text_and_html(sessions, clock, dispatcher, smtp):
    [fr_id] = queue(sessions, clock, user="ana@example.test", trigger="fr")
    [en_id] = queue(sessions, clock, user="bob@example.test", trigger="en", language="en")

    assert sorted(run(dispatcher)) == ["sent", "sent"]

    [french] = smtp.wait_for("ana@mail.test")
    assert french.message["Subject"] == "Rencontre consignée : Été"
    assert "Avec : <Bavière>" in french.part("plain")
    assert "Avec : &lt;Bavière&gt;" in french.part("html"), "HTML is escaped"
    assert "Vous recevez ce message" in french.part("plain")
    assert str(fr_id) in french.message["Message-ID"]
    [english] = smtp.wait_for("bob@mail.test")
    assert english.message["Subject"] == "Meeting logged: Summer"
    assert "You receive this" in english.part("plain")
    assert delivery(sessions, en_id).status == "sent"


def test_a_webhook_is_signed_so_the_receiver_can_verify_it(sessions, clock, dispatcher, receiver):
    hook = add_webhook(sessions, receiver.url + "/signed")
    [delivery_id] = queue(sessions, clock, hook=hook, body='{"id": "e1", "type": "liaison.engagement.logged"}')

    assert run(dispatcher) == ["sent"]

    [got] = receiver.wait_for("/signed")
    assert got.body == b'{"id": "e1", "type": "liaison.engagement.logged"}'
    assert got.headers["content-type"] == "application/cloudevents+json"
    assert got.headers["liaison-delivery"] == str(delivery_id)
    assert got.headers["liaison-event-type"] == "liaison.engagement.logged"
    webhook.verify(got.headers["liaison-signature"], got.body, secret=SECRET)


def test_a_receiver_failing_twice_gets_exactly_one_successful_delivery(sessions, clock, dispatcher, receiver):
    receiver.scripts["/flaky"] = [500, 503]
    hook = add_webhook(sessions, receiver.url + "/flaky")
    [delivery_id] = queue(sessions, clock, hook=hook)

    assert run(dispatcher) == ["pending"]
    assert run(dispatcher) == [], "not retried before its backoff"
    for _ in range(2):
        clock.set(delivery(sessions, delivery_id).next_attempt_at)
        run(dispatcher)

    row = delivery(sessions, delivery_id)
    assert row.status == "sent" and row.attempts == 3
    assert [h.answered for h in receiver.at("/flaky")] == [500, 503, 200]
    with sessions() as session:
        log = (
            session.execute(
                select(DeliveryAttempt)
                .where(DeliveryAttempt.delivery_id == delivery_id)
                .order_by(DeliveryAttempt.number)
            )
            .scalars()
            .all()
        )
        events = session.execute(select(OutboxMessage)).scalars().all()
    assert [(a.number, a.ok, a.status_code) for a in log] == [(1, False, 500), (2, False, 503), (3, True, 200)]
    assert [e.event_type for e in events] == ["liaison.notification.sent"]
    assert json.loads(events[0].payload)["data"]["attempts"] == 3


def test_after_the_last_attempt_the_delivery_fails_and_says_so(sessions, clock, dispatcher, receiver):
    receiver.scripts["/down"] = [500] * 10
    [delivery_id] = queue(sessions, clock, hook=add_webhook(sessions, receiver.url + "/down"))
    for _ in range(3):
        run(dispatcher)
        if (row := delivery(sessions, delivery_id)).next_attempt_at:
            clock.set(row.next_attempt_at)
    row = delivery(sessions, delivery_id)
    assert row.status == "failed" and row.attempts == 3 and row.last_error == "HTTP 500"
    assert run(dispatcher) == []
    with sessions() as session:
        [event] = session.execute(select(OutboxMessage)).scalars().all()
    assert event.event_type == "liaison.notification.failed"


def test_a_removed_webhook_fails_at_once(sessions, clock, dispatcher, receiver):
    hook = add_webhook(sessions, receiver.url + "/gone")
    [delivery_id] = queue(sessions, clock, hook=hook)
    with sessions() as session:
        session.get(Webhook, hook.id).active = False
        session.commit()
    assert run(dispatcher) == ["failed"]
    assert delivery(sessions, delivery_id).last_error == "the webhook was removed"


def test_an_smtp_server_that_is_away_means_a_retry(sessions, clock, settings):
    dispatcher = Dispatcher(sessions=sessions, settings=settings.model_copy(update={"smtp_port": 1}), clock=clock)
    [delivery_id] = queue(sessions, clock, user="ana@example.test")
    assert run(dispatcher) == ["pending"]
    assert "refused" in delivery(sessions, delivery_id).last_error.lower() or delivery(sessions, delivery_id).last_error


def test_a_hanging_receiver_never_stalls_the_other_deliveries(sessions, clock, settings, receiver):
    receiver.delays["/hangs"] = 3.0
    slow, fast = add_webhook(sessions, receiver.url + "/hangs"), add_webhook(sessions, receiver.url + "/fast")
    queue(sessions, clock, hook=slow, trigger="slow")
    dispatcher = Dispatcher(
        sessions=sessions, settings=settings.model_copy(update={"dispatch_idle_seconds": 0.05}), clock=clock
    )
    dispatcher.start()
    try:
        time.sleep(0.3)  # the slow one is in flight now
        queue(sessions, clock, hook=fast, trigger="fast")
        started = time.monotonic()
        receiver.wait_for("/fast", timeout=5)
        assert time.monotonic() - started < 1.0, "the fast receiver waited for the slow one"
    finally:
        dispatcher.stop()
    with sessions() as session:
        statuses = {d.trigger_id: (d.status, d.last_error) for d in session.execute(select(Delivery)).scalars()}
    assert statuses["fast"] == ("sent", None)
    assert statuses["slow"] == ("pending", "no complete answer within the 1s deadline")


def test_a_receiver_that_trickles_its_answer_is_cut_at_the_deadline_and_never_sent_twice_at_once(
    sessions, settings, receiver
):
    """Defect: a trickling answer never hit the per-read timeout, the lease ran out, the row was claimed
    and POSTed again and again, no attempt was recorded and the row never failed."""
    from services.kit.types import utcnow

    receiver.trickles["/slow"] = 0.3
    hook = add_webhook(sessions, receiver.url + "/slow")
    [delivery_id] = queue(sessions, utcnow, hook=hook)
    settings = settings.model_copy(
        update={
            "webhook_timeout_seconds": 1.0,
            "dispatch_lease_seconds": 2.0,
            "delivery_max_attempts": 2,
            "retry_base_seconds": 0.5,
            "retry_max_seconds": 0.5,
            "dispatch_idle_seconds": 0.05,
        }
    )
    dispatcher = Dispatcher(sessions=sessions, settings=settings)
    dispatcher.start()
    try:
        deadline = time.monotonic() + 15
        while delivery(sessions, delivery_id).status != "failed" and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(2.5)  # a lease's length more: nothing may be sent again
    finally:
        dispatcher.stop()

    row = delivery(sessions, delivery_id)
    with sessions() as session:
        attempts = session.scalars(select(DeliveryAttempt).where(DeliveryAttempt.delivery_id == delivery_id)).all()
    posts = receiver.at("/slow")
    assert (row.status, row.attempts) == ("failed", 2)
    assert len(posts) == len(attempts) == 2, "one POST per recorded attempt"
    assert all(a.duration_ms < 2000 and "deadline" in a.error for a in attempts)
    assert {p.headers["liaison-delivery"] for p in posts} == {str(delivery_id)}
    assert posts[1].at - posts[0].at >= settings.webhook_timeout_seconds, "never two sends of one delivery in flight"


def test_the_delivery_log_is_purged_once_sent_or_failed_and_past_its_retention(sessions, settings, clock):
    from services.kit.housekeeping import purge_once
    from services.notifications.deliveries import delivery_log_purges

    hook = add_webhook(sessions, "http://127.0.0.1:9/h")
    old_sent, old_pending, recent = (queue(sessions, clock, hook=hook, trigger=t)[0] for t in ("a", "b", "c"))
    with sessions() as session:
        session.add(DeliveryAttempt(delivery_id=old_sent, number=1, started_at=clock(), duration_ms=1, ok=True))
        for delivery_id, status, days in ((old_sent, "sent", 100), (old_pending, "pending", 100), (recent, "sent", 1)):
            row = session.get(Delivery, delivery_id)
            row.status, row.created_at = status, clock() - timedelta(days=days)
        session.commit()
    [purge] = delivery_log_purges(settings)
    assert purge_once(sessions, purge, now=clock(), pause=0) == 1
    with sessions() as session:
        assert {d.id for d in session.scalars(select(Delivery))} == {old_pending, recent}
        assert session.scalars(select(DeliveryAttempt)).all() == [], "its attempts went with it"
