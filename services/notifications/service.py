"""Notification rules behind the REST API. Functions take keyword arguments and never commit:
the request's unit of work does."""

from __future__ import annotations

import contextlib
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from services.kit.db import rowcount
from services.kit.identity import Caller
from services.kit.permissions import ensure
from services.kit.problems import Conflict, NotFound, Problem
from services.kit.roles import INTEGRATORS, STAFF
from services.kit.sync import Since
from services.kit.thrusts import taxonomy
from services.notifications.channels.destinations import RefusedDestination, WebhookGuard
from services.notifications.deliveries import WEBHOOK_RECIPIENT
from services.notifications.messages import TYPE_NAMES
from services.notifications.models import (
    Delivery,
    DeliveryAttempt,
    KnownPartner,
    Notification,
    Recipient,
    Subscription,
    Webhook,
)
from services.notifications.paging import page
from services.notifications.schemas import Channel, DeliveryStatus, PreferencesUpdate, SubscriptionCreate, WebhookCreate


def _recipient(session: Session, caller: Caller, now: datetime) -> Recipient:
    """The caller as a recipient, with the roles their identity carries now."""
    recipient = session.get(Recipient, caller.user) or Recipient(user=caller.user)
    recipient.roles = sorted(caller.roles)
    recipient.updated_at = now
    session.add(recipient)
    return recipient


# --- subscriptions ------------------------------------------------------------------------------------


def list_subscriptions(
    *, session: Session, caller: Caller, kind: str | None, cursor: str | None, limit: int, position: Since | None = None
) -> tuple[list[Any], str | None, int]:
    where = [Subscription.user == caller.user] + ([Subscription.kind == kind] if kind else [])
    return page(session, Subscription, *where, cursor=cursor, limit=limit, position=position)


REGION_NAMES = {
    "north-america": ("Amérique du Nord", "North America"),
    "latin-america-caribbean": ("Amérique latine et Caraïbes", "Latin America and the Caribbean"),
    "europe": ("Europe", "Europe"),
    "africa": ("Afrique", "Africa"),
    "middle-east-north-africa": ("Moyen-Orient et Afrique du Nord", "Middle East and North Africa"),
    "asia-pacific": ("Asie-Pacifique", "Asia-Pacific"),
    "arctic": ("Arctique", "Arctic"),
    "global": ("Monde", "Global"),
}


def subscription_labels(*, session: Session, subscriptions: list[Subscription]) -> dict[uuid.UUID, dict[str, str]]:
    """What each subscription follows, named in French and English: the partner's names (as this
    service last heard them), the thrust's label, the region's or the engagement type's name."""
    partner_ids = []
    for s in subscriptions:
        if s.kind == "partner":
            with contextlib.suppress(ValueError):
                partner_ids.append(uuid.UUID(s.target))
    partners = {
        str(p.id): p
        for p in session.execute(select(KnownPartner).where(col(KnownPartner.id).in_(partner_ids))).scalars()
    }
    labels: dict[uuid.UUID, dict[str, str]] = {}
    for s in subscriptions:
        names: tuple[str | None, str | None] = (None, None)
        if s.kind == "partner" and (partner := partners.get(s.target)):
            names = (partner.name_fr or partner.name_en, partner.name_en or partner.name_fr)
        elif s.kind == "thrust" and (thrust := taxonomy().get(s.target)):
            names = (thrust.fr, thrust.en)
        elif s.kind == "region":
            names = REGION_NAMES.get(s.target, (None, None))
        elif s.kind == "engagement_type":
            names = (TYPE_NAMES["fr"].get(s.target, (None,))[0], TYPE_NAMES["en"].get(s.target, (None,))[0])
        if names[0] and names[1]:
            labels[s.id] = {"fr": names[0], "en": names[1]}
    return labels


def create_subscription(
    *, session: Session, caller: Caller, data: SubscriptionCreate, now: datetime, email_enabled: bool
) -> Subscription:
    ensure(caller, STAFF, "Following a partner, thrust, region or type")
    if Channel.EMAIL in data.channels:
        _check_email_reachable(session=session, caller=caller, email_enabled=email_enabled)
    existing = session.execute(
        select(Subscription).where(
            col(Subscription.user) == caller.user,
            col(Subscription.kind) == data.kind,
            col(Subscription.target) == data.target,
        )
    ).scalar_one_or_none()
    if existing is not None:
        raise Conflict(f"You already follow this {data.kind} ({existing.id}).", subscription_id=str(existing.id))
    _recipient(session, caller, now)
    subscription = Subscription(
        user=caller.user,
        kind=data.kind,
        target=data.target,
        channels=[str(c) for c in data.channels],
        rhythm=data.rhythm,
        created_at=now,
    )
    session.add(subscription)
    try:
        session.flush()
    except IntegrityError:  # the same request twice at once
        raise Conflict("You already follow this.") from None
    return subscription


def _check_email_reachable(*, session: Session, caller: Caller, email_enabled: bool) -> None:
    """An email subscription nobody could ever receive is refused, not kept silently."""
    if not email_enabled:
        raise Problem(
            "E-mail is switched off on this Liaison: follow by inbox (or webhook) instead.",
            status=422,
            title="E-mail unavailable",
            field="channels",
        )
    recipient = session.get(Recipient, caller.user)
    if recipient is None or not recipient.email:
        raise Problem(
            "You have no e-mail address on file: add one in your notification preferences first.",
            status=422,
            title="No e-mail address",
            field="channels",
        )


def delete_subscription(*, session: Session, caller: Caller, subscription_id: uuid.UUID) -> None:
    subscription = session.get(Subscription, subscription_id)
    if subscription is None or subscription.user != caller.user:
        raise NotFound(f"You have no subscription {subscription_id}.")
    session.delete(subscription)


# --- preferences --------------------------------------------------------------------------------------


def get_preferences(*, session: Session, caller: Caller) -> Recipient:
    return session.get(Recipient, caller.user) or Recipient(user=caller.user, updated_at=None)  # type: ignore[arg-type]  # never stored: the defaults, shown


def put_preferences(*, session: Session, caller: Caller, data: PreferencesUpdate, now: datetime) -> Recipient:
    recipient = _recipient(session, caller, now)
    recipient.email, recipient.language, recipient.has_preferences = data.email, str(data.language), True
    recipient.timezone = data.timezone
    return recipient


# --- the inbox ----------------------------------------------------------------------------------------


def list_notifications(
    *,
    session: Session,
    caller: Caller,
    unread_only: bool,
    cursor: str | None,
    limit: int,
    position: Since | None = None,
):
    where = [col(Notification.user) == caller.user] + ([col(Notification.read_at).is_(None)] if unread_only else [])
    items, next_cursor, total = page(session, Notification, *where, cursor=cursor, limit=limit, position=position)
    unread = session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(col(Notification.user) == caller.user, col(Notification.read_at).is_(None))
    )
    return items, next_cursor, total, unread


def mark_read(*, session: Session, caller: Caller, notification_id: uuid.UUID, now: datetime) -> Notification:
    notification = session.get(Notification, notification_id)
    if notification is None or notification.user != caller.user:
        raise NotFound(f"You have no notification {notification_id}.")
    if notification.read_at is None:
        notification.read_at = now
    return notification


def mark_all_read(*, session: Session, caller: Caller, now: datetime) -> int:
    return rowcount(
        session.execute(
            update(Notification)
            .where(col(Notification.user) == caller.user, col(Notification.read_at).is_(None))
            .values(read_at=now)
        )
    )


# --- webhooks -----------------------------------------------------------------------------------------


def list_webhooks(
    *, session: Session, caller: Caller, cursor: str | None, limit: int, position: Since | None = None
) -> tuple[list[Any], str | None, int]:
    ensure(caller, INTEGRATORS, "Managing webhooks")
    where = [col(Webhook.active).is_(True)] + ([] if caller.is_admin else [col(Webhook.owner) == caller.user])
    return page(session, Webhook, *where, cursor=cursor, limit=limit, position=position)


def create_webhook(
    *, session: Session, caller: Caller, data: WebhookCreate, now: datetime, guard: WebhookGuard
) -> Webhook:
    ensure(caller, INTEGRATORS, "Managing webhooks")
    try:
        guard.check_url(data.url)
    except RefusedDestination as exc:
        raise Problem(
            f"Webhooks go to public addresses only: {exc}.", status=422, title="Destination refused"
        ) from None
    webhook = Webhook(
        owner=caller.user,
        url=data.url,
        secret=data.secret,
        event_types=data.event_types,
        description=data.description,
        created_at=now,
    )
    session.add(webhook)
    return webhook


def delete_webhook(*, session: Session, caller: Caller, webhook_id: uuid.UUID) -> None:
    """Deactivated rather than deleted: the delivery log still names it."""
    ensure(caller, INTEGRATORS, "Managing webhooks")
    webhook = session.get(Webhook, webhook_id)
    if webhook is None or not webhook.active or not (caller.is_admin or webhook.owner == caller.user):
        raise NotFound(f"No webhook {webhook_id} of yours.")
    webhook.active = False


# --- the delivery log ---------------------------------------------------------------------------------


def _visible_deliveries(session: Session, caller: Caller) -> list[Any]:
    ensure(caller, INTEGRATORS, "Reading the delivery log")
    if caller.is_admin:
        return []
    own = session.execute(select(col(Webhook.id)).where(col(Webhook.owner) == caller.user)).scalars().all()
    return [col(Delivery.recipient).in_([f"{WEBHOOK_RECIPIENT}{hook}" for hook in own])]


def list_deliveries(
    *,
    session: Session,
    caller: Caller,
    status: str | None,
    channel: str | None,
    recipient: str | None,
    trigger_id: str | None,
    cursor: str | None,
    limit: int,
    position: Since | None = None,
) -> tuple[list[Any], str | None, int]:
    where = _visible_deliveries(session, caller)
    for column, value in (
        (Delivery.status, status),
        (Delivery.channel, channel),
        (Delivery.recipient, recipient),
        (Delivery.trigger_id, trigger_id),
    ):
        if value is not None:
            where.append(column == value)
    return page(session, Delivery, *where, cursor=cursor, limit=limit, position=position)


def get_delivery(*, session: Session, caller: Caller, delivery_id: uuid.UUID) -> tuple[Delivery, list[Any]]:
    where = _visible_deliveries(session, caller)
    delivery = session.execute(select(Delivery).where(col(Delivery.id) == delivery_id, *where)).scalar_one_or_none()
    if delivery is None:
        raise NotFound(f"No delivery {delivery_id} you may see.")
    attempts = (
        session.execute(
            select(DeliveryAttempt)
            .where(col(DeliveryAttempt.delivery_id) == delivery_id)
            .order_by(col(DeliveryAttempt.number))
        )
        .scalars()
        .all()
    )
    return delivery, list(attempts)


def replay_delivery(*, session: Session, caller: Caller, delivery_id: uuid.UUID, now: datetime) -> Delivery:
    """A failed delivery gets a fresh round of attempts; its log keeps the old ones."""
    delivery, _ = get_delivery(session=session, caller=caller, delivery_id=delivery_id)
    if delivery.status != DeliveryStatus.FAILED:
        raise Conflict(
            f"Only a failed delivery can be replayed; this one is {delivery.status}.", status_now=delivery.status
        )
    delivery.status, delivery.attempts, delivery.next_attempt_at = DeliveryStatus.PENDING, 0, now
    return delivery
