"""The notifications service's families (docs/metrics.md, "Deliveries and scheduler"), on the app's
registry (`state.metrics.group(DeliveryMetrics)`), and the gauges read from its tables at scrape time."""

from __future__ import annotations

import time as clock_time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, time

from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col

from services.kit.metrics import DURATION_BUCKETS, Metrics, QueriedGauges
from services.notifications.models import Delivery, Reminder
from services.notifications.schemas import Channel, DeliveryStatus
from services.notifications.settings import NotificationsSettings

# A settled attempt's new state, as the contract names the outcome; None (the lease was lost) is not counted.
OUTCOMES: dict[str, str] = {
    DeliveryStatus.SENT: "sent",
    DeliveryStatus.FAILED: "failed",
    DeliveryStatus.PENDING: "retry",
}
REMINDERS, DIGESTS = "reminders", "digests"


class DeliveryMetrics:
    def __init__(self, metrics: Metrics) -> None:
        registry = metrics.registry
        self.deliveries = Counter(
            "liaison_deliveries",
            "Delivery attempts, by channel and outcome.",
            ["channel", "outcome"],
            registry=registry,
        )
        self.duration = Histogram(
            "liaison_delivery_duration_seconds",
            "One attempt, from connect to the receiver's answer.",
            ["channel"],
            buckets=DURATION_BUCKETS,
            registry=registry,
        )
        self.last_run = Gauge(
            "liaison_scheduler_last_run_timestamp_seconds",
            "Unix time of the scheduler's last completed pass.",
            ["task"],
            registry=registry,
        )

    def attempt(self, channel: str, status: str | None, seconds: float) -> None:
        self.duration.labels(channel).observe(seconds)
        if status in OUTCOMES:
            self.deliveries.labels(channel, OUTCOMES[status]).inc()

    def delivered_to_inbox(self) -> None:
        """An inbox entry is its own delivery, sent when its transaction commits (`kit.metrics.after_commit`)."""
        self.deliveries.labels(Channel.INBOX.value, "sent").inc()

    def scheduler_ran(self) -> None:
        now = clock_time.time()
        for task in (REMINDERS, DIGESTS):
            self.last_run.labels(task).set(now)


def pending_and_lag(
    sessions: sessionmaker[Session], settings: NotificationsSettings, clock: Callable[[], datetime]
) -> QueriedGauges:
    def read(session: Session) -> dict[str, Iterable[tuple[Sequence[str], float]]]:
        now = clock()
        waiting = dict(
            session.execute(
                select(col(Delivery.channel), func.count())
                .where(col(Delivery.status).in_([DeliveryStatus.PENDING, DeliveryStatus.IN_PROGRESS]))
                .group_by(col(Delivery.channel))
            ).all()
        )
        pending = [
            ((channel.value,), float(waiting.get(channel.value, 0))) for channel in (Channel.EMAIL, Channel.WEBHOOK)
        ]
        oldest_reminder = session.scalar(
            select(func.min(col(Reminder.fire_at))).where(
                col(Reminder.status) == "pending", col(Reminder.fire_at) <= now
            )
        )
        return {
            "liaison_deliveries_pending": pending,
            "liaison_scheduler_lag_seconds": [
                ((REMINDERS,), _late(now, oldest_reminder)),
                ((DIGESTS,), _late(now, _digest_due(session, settings, now))),
            ],
        }

    return QueriedGauges(
        sessions,
        [
            ("liaison_deliveries_pending", "Deliveries due or waiting for a retry.", ("channel",)),
            ("liaison_scheduler_lag_seconds", "How late the oldest due, unclaimed job is.", ("task",)),
        ],
        read,
    )


def _digest_due(session: Session, settings: NotificationsSettings, now: datetime) -> datetime | None:
    """Today's digest time, once it has passed with held emails from before it still waiting (reminders.py)."""
    zone = settings.zone
    cut = datetime.combine(now.astimezone(zone).date(), time(settings.reminder_hour), zone)
    if now < cut:
        return None
    held = session.scalar(
        select(func.count())
        .select_from(Delivery)
        .where(col(Delivery.status) == DeliveryStatus.HELD, col(Delivery.created_at) < cut)
    )
    return cut if held else None


def _late(now: datetime, due: datetime | None) -> float:
    return max((now - due).total_seconds(), 0.0) if due is not None else 0.0
