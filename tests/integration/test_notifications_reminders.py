"""A follow-up due tomorrow produces its reminder from the scheduler: the follow-up event comes over
the real broker, the schedule lives in real PostgreSQL, the email reaches a real SMTP server, and
time is injected (the app's clock), never slept."""

import time
import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from services.kit.db import make_engine
from services.kit.identity import Caller
from services.notifications.app import create_app
from services.notifications.models import Reminder
from services.notifications.settings import NotificationsSettings
from services.notifications.tests import factories as f
from services.notifications.tests.conftest import Clock
from tests.support.identity import TEST_IDENTITY_SECRET, SignedAs
from tests.support.smtp import SmtpSink
from tests.support.topics import produce

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]
TORONTO = ZoneInfo("America/Toronto")


def local(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=TORONTO).astimezone(UTC)


def wait_for(fetch, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while not (result := fetch()):
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)
    return result


def scheduled(sessions, followup_id: str) -> int:
    with sessions() as session:
        return session.scalar(
            select(func.count()).select_from(Reminder).where(Reminder.followup_id == uuid.UUID(followup_id))
        )


def test_a_follow_up_due_tomorrow_is_reminded_by_the_scheduler(kafka_broker, postgres_database):
    today = date(2027, 3, 10)
    clock = Clock(local(today, 7))
    smtp = SmtpSink().start()
    engine = make_engine(postgres_database("notifications"))
    settings = NotificationsSettings(
        environment="test",
        identity_secret=TEST_IDENTITY_SECRET,
        metrics_port=None,
        **kafka_broker.service_settings("notifications"),
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        scheduler_interval_seconds=0.05,
        dispatch_idle_seconds=0.05,
    )
    assignee = Caller(f"assignee-{uuid.uuid4().hex[:6]}@example.test", frozenset({"officer"}))
    followup = f.followup(assignee=assignee.user, due_on=today + timedelta(days=1), description="Envoyer l'entente")
    try:
        with TestClient(create_app(settings, engine=engine, clock=clock)) as client:
            client.auth = SignedAs(assignee)
            client.put("/api/v1/notifications/preferences", json={"email": "assignee@mail.test", "language": "fr"})
            produce(
                kafka_broker.connection(),
                "liaison.engagements.v1",
                key=followup["engagement_id"].encode(),
                value=f.followup_event(followup).to_json().encode(),
            )

            wait_for(lambda: scheduled(client.app.state.sessions, followup["id"]))  # the consumer got it
            assert client.app.state.scheduler.run_once() == 0, "at 7:00 the 8:00 reminder is not due yet"
            assert client.get("/api/v1/notifications").json()["total"] == 0

            clock.set(local(today, 9))  # the scheduler's own loop notices the new time
            inbox = wait_for(lambda: (body := client.get("/api/v1/notifications").json())["total"] and body)
            assert inbox["items"][0]["title"] == "Suivi à faire d’ici le 11 mars 2027 : Envoyer l'entente"
            [mail] = smtp.wait_for("assignee@mail.test")
            assert mail.message["Subject"] == "Suivi à faire d’ici le 11 mars 2027 : Envoyer l'entente"

            clock.set(local(today + timedelta(days=2), 9))
            inbox = wait_for(lambda: (body := client.get("/api/v1/notifications").json())["total"] == 2 and body)
            assert inbox["items"][0]["title"].startswith("Suivi en retard")
            assert client.app.state.scheduler.run_once() == 0, "each reminder once"
    finally:
        engine.dispose()
        smtp.stop()
