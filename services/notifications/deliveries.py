"""Making notifications: the inbox entry at once, and delivery rows the dispatcher works.

Every row is unique per (trigger, recipient, channel); `DeliveryBatch` also drops a second
request for the same triple within one trigger (a user's own webhook that also listens to the
event type, say), so the constraint is a backstop, not a routine error.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from sqlalchemy import select
from sqlmodel import Session, col

from services.kit import tracing
from services.kit.housekeeping import Purge
from services.kit.metrics import after_commit
from services.notifications.audience import remembered
from services.notifications.channels.email import email_payload
from services.notifications.events import record_delivery_outcome
from services.notifications.messages import Reader, Rendered, reader_of
from services.notifications.metrics import DeliveryMetrics
from services.notifications.models import Delivery, Notification, Recipient, Webhook
from services.notifications.schemas import Channel, DeliveryStatus

WEBHOOK_RECIPIENT = "webhook:"


@dataclass(frozen=True)
class Trigger:
    id: str  # the event id, or a reminder's / digest's own key
    type: str  # the event type, or liaison.reminder.due_soon ...
    kind: str  # engagement | reminder | digest
    subject_id: str  # what the notification is about (engagement id, follow-up id)


class DeliveryBatch:
    def __init__(self, *, session: Session, trigger: Trigger, now: datetime, email_enabled: bool, zone: tzinfo) -> None:
        self.session = session
        self.zone = zone  # the service's, for readers who chose none
        self.trigger = trigger
        self.now = now
        self.email_enabled = email_enabled
        self._seen: set[tuple[str, str]] = set()
        self.created: list[Delivery] = []

    def _add(self, recipient: str, channel: Channel, **fields) -> Delivery | None:
        if (recipient, channel) in self._seen:
            return None
        self._seen.add((recipient, channel))
        delivery = Delivery(
            trigger_id=self.trigger.id,
            trigger_type=self.trigger.type,
            recipient=recipient,
            channel=channel,
            created_at=self.now,
            traceparent=tracing.current_traceparent(),
            **fields,
        )
        self.session.add(delivery)
        self.created.append(delivery)
        return delivery

    def notify_user(
        self,
        *,
        user: str,
        channels: set[str],
        render: Callable[[Reader], Rendered],
        held_channels: frozenset[str] = frozenset(),
        event_json: str | None = None,
    ) -> None:
        """Tell one user by the channels they chose; daily-rhythm email waits for the digest."""
        # Once per transaction: a missing recipient (the defaults) would otherwise be asked for every event.
        recipient = remembered(self.session, ("recipient", user), lambda: self.session.get(Recipient, user))
        reader = reader_of(recipient, self.zone)
        language = reader.language
        rendered = render(reader)
        if Channel.INBOX in channels:
            self._inbox(user, rendered)
        if Channel.EMAIL in channels and self.email_enabled and recipient is not None and recipient.email:
            held = Channel.EMAIL in held_channels
            self._add(
                user,
                Channel.EMAIL,
                payload=email_payload(to=recipient.email, rendered=rendered, language=language),
                status=DeliveryStatus.HELD if held else DeliveryStatus.PENDING,
                next_attempt_at=None if held else self.now,
            )
        if Channel.WEBHOOK in channels and event_json is not None:
            for webhook in self.session.execute(
                select(Webhook).where(col(Webhook.owner) == user, col(Webhook.active).is_(True))
            ).scalars():
                self.webhook(webhook, event_json)

    def webhook(self, webhook: Webhook, event_json: str) -> None:
        self._add(
            f"{WEBHOOK_RECIPIENT}{webhook.id}",
            Channel.WEBHOOK,
            payload=event_json,
            status=DeliveryStatus.PENDING,
            next_attempt_at=self.now,
        )

    def _inbox(self, user: str, rendered: Rendered) -> None:
        if (user, Channel.INBOX) in self._seen:
            return
        entry = Notification(
            id=uuid.uuid4(),
            user=user,
            trigger_id=self.trigger.id,
            kind=self.trigger.kind,
            event_type=self.trigger.type,
            subject_id=self.trigger.subject_id,
            title=rendered.title,
            body=rendered.body,
            link=rendered.link,
            created_at=self.now,
        )
        self.session.add(entry)
        delivery = self._add(
            user,
            Channel.INBOX,
            payload=json.dumps({"notification_id": str(entry.id)}),
            notification_id=entry.id,
            status=DeliveryStatus.SENT,
            attempts=1,
            sent_at=self.now,
            next_attempt_at=None,
        )
        if delivery is not None:  # always: the inbox was not seen for this user (checked above)
            record_delivery_outcome(session=self.session, delivery=delivery)
            after_commit(self.session, lambda metrics: metrics.group(DeliveryMetrics).delivered_to_inbox())


ACTIVE_WEBHOOKS = "liaison.notifications.active_webhooks"


def webhooks_listening_to(session: Session, event_type: str) -> list[Webhook]:
    # A handful of rows: filtering the JSON list here keeps the query the same on both databases. Read
    # once per transaction: a consumer's batch of events shares one look-up.
    hooks = session.info.get(ACTIVE_WEBHOOKS)
    if hooks is None:
        hooks = session.info[ACTIVE_WEBHOOKS] = (
            session.execute(select(Webhook).where(col(Webhook.active).is_(True))).scalars().all()
        )
    return [hook for hook in hooks if event_type in hook.event_types]


def webhook_id_of(recipient: str) -> uuid.UUID | None:
    if not recipient.startswith(WEBHOOK_RECIPIENT):
        return None
    try:
        return uuid.UUID(recipient[len(WEBHOOK_RECIPIENT) :])
    except ValueError:
        return None


def delivery_log_purges(settings) -> list[Purge]:
    """The delivery log (and its attempts, which cascade), once sent or failed and past its retention."""
    return [
        Purge(
            "deliveries",
            Delivery,
            col(Delivery.id),
            col(Delivery.created_at),
            timedelta(days=settings.delivery_retention_days),
            (col(Delivery.status).in_([DeliveryStatus.SENT, DeliveryStatus.FAILED]),),
        )
    ]
