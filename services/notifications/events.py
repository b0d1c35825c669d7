"""Events the notifications service publishes (topic liaison.notifications.v1, key = delivery id).

What it consumes is in consumers.py (the handler registry).
"""

from __future__ import annotations

from sqlmodel import Session

from services.kit.event_models import NotificationState
from services.kit.events import new_event
from services.kit.outbox import record_event
from services.notifications.models import Delivery

TOPIC = "liaison.notifications.v1"
SOURCE = "/liaison/notifications"
NOTIFICATION_SENT = "liaison.notification.sent"
NOTIFICATION_FAILED = "liaison.notification.failed"


def delivery_state(delivery: Delivery) -> NotificationState:
    """A notification as others may know it: never its content nor an email address."""
    return NotificationState(
        id=delivery.id,
        trigger_id=delivery.trigger_id,
        trigger_type=delivery.trigger_type,
        recipient=delivery.recipient,
        channel=delivery.channel,
        status=delivery.status,
        attempts=delivery.attempts,
        notification_id=delivery.notification_id,
        sent_at=delivery.sent_at,
        last_error=delivery.last_error,
        version=delivery.version,
    )


def record_delivery_outcome(*, session: Session, delivery: Delivery) -> None:
    delivery.version = (delivery.version or 0) + 1
    event_type = NOTIFICATION_SENT if delivery.status == "sent" else NOTIFICATION_FAILED
    event = new_event(type=event_type, source=SOURCE, subject=str(delivery.id), data=delivery_state(delivery))
    record_event(session=session, event=event, topic=TOPIC)
