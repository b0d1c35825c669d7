"""The notifications service's families, read from its app's registry: deliveries by channel and outcome
(the inbox's counted when their transaction commits), attempt durations, what waits, and the scheduler."""

import asyncio
import uuid
from datetime import UTC, timedelta
from ipaddress import ip_network

import pytest

from services.notifications.deliveries import DeliveryBatch, Trigger
from services.notifications.messages import Rendered
from services.notifications.models import Reminder, Webhook
from tests.support.metrics_contract import undeclared
from tests.support.webhooks import WebhookReceiver

RENDERED = Rendered(title="Rencontre", lines=(), link="http://liaison.test/engagements/1")


@pytest.fixture
def db_backend() -> str:
    return "sqlite"  # what is counted is the same on both backends


@pytest.fixture
def receiver():
    server = WebhookReceiver().start()
    yield server
    server.stop()


@pytest.fixture
def settings(settings):
    return settings.model_copy(
        update={"delivery_max_attempts": 2, "webhook_allowed_networks": [ip_network("127.0.0.0/8")]}
    )


def value(client, name: str, **labels) -> float:
    return client.app.state.metrics.registry.get_sample_value(name, labels) or 0.0


def notify(client, clock, trigger: str, *, hook: Webhook | None = None, commit: bool = True) -> None:
    with client.app.state.sessions() as session:
        batch = DeliveryBatch(
            session=session,
            trigger=Trigger(trigger, "liaison.engagement.logged", "engagement", "s"),
            now=clock(),
            email_enabled=False,
            zone=UTC,
        )
        batch.notify_user(user="ana@example.test", channels={"inbox"}, render=lambda _language: RENDERED)
        if hook is not None:
            batch.webhook(hook, '{"id": "e1"}')
        if commit:
            session.commit()
        else:
            session.rollback()


def test_inbox_entries_are_counted_once_their_transaction_commits(client, clock):
    notify(client, clock, "rolled-back", commit=False)
    assert value(client, "liaison_deliveries_total", channel="inbox", outcome="sent") == 0
    notify(client, clock, "t1")
    notify(client, clock, "t2")
    assert value(client, "liaison_deliveries_total", channel="inbox", outcome="sent") == 2


def test_webhook_attempts_are_counted_by_outcome_and_what_waits_is_gauged(client, clock, receiver):
    receiver.scripts["/flaky"] = [500]
    receiver.scripts["/down"] = [500, 500]
    with client.app.state.sessions() as session:
        hooks = [
            Webhook(owner="bi@example.test", url=receiver.url + path, secret="s" * 24, event_types=[])
            for path in ("/flaky", "/down")
        ]
        session.add_all(hooks)
        session.commit()
    for number, hook in enumerate(hooks):
        notify(client, clock, f"e{number}", hook=hook)
    assert value(client, "liaison_deliveries_pending", channel="webhook") == 2
    dispatcher = client.app.state.dispatcher

    asyncio.run(dispatcher.run_once())  # both answer 500: retried later
    clock.set(clock() + timedelta(hours=1))
    asyncio.run(dispatcher.run_once())  # /flaky takes it, /down was its last attempt

    assert value(client, "liaison_deliveries_total", channel="webhook", outcome="retry") == 2
    assert value(client, "liaison_deliveries_total", channel="webhook", outcome="sent") == 1
    assert value(client, "liaison_deliveries_total", channel="webhook", outcome="failed") == 1
    assert value(client, "liaison_delivery_duration_seconds_count", channel="webhook") == 4
    assert value(client, "liaison_deliveries_pending", channel="webhook") == 0


def test_the_scheduler_says_when_it_last_ran_and_how_late_a_due_reminder_is(client, clock):
    registry = client.app.state.metrics.registry
    assert value(client, "liaison_scheduler_lag_seconds", task="reminders") == 0
    with client.app.state.sessions() as session:
        session.add(
            Reminder(
                followup_id=uuid.uuid4(),
                engagement_id=uuid.uuid4(),
                kind="overdue",
                assignee="ana@example.test",
                description="Envoyer le compte rendu",
                due_on=(clock() - timedelta(days=2)).date(),
                fire_at=clock() - timedelta(minutes=10),
            )
        )
        session.commit()
    assert value(client, "liaison_scheduler_lag_seconds", task="reminders") == pytest.approx(600, abs=1)

    client.app.state.scheduler.run_once()

    assert value(client, "liaison_scheduler_lag_seconds", task="reminders") == 0, "sent: nothing is late"
    assert value(client, "liaison_scheduler_last_run_timestamp_seconds", task="reminders") > 0
    assert value(client, "liaison_scheduler_last_run_timestamp_seconds", task="digests") > 0
    assert value(client, "liaison_deliveries_total", channel="inbox", outcome="sent") == 1, "the reminder's"
    assert undeclared(registry) == set()
