"""HTTP routes: thin — parse, call the service, shape the answer."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import BaseModel

from services.kit import sync
from services.kit.app import CallerDep, SessionDep
from services.kit.edge import UpdatedSince
from services.kit.openapi_problems import problems
from services.notifications import service
from services.notifications.channels.destinations import WebhookGuard
from services.notifications.schemas import (
    Channel,
    DeliveryAttemptRead,
    DeliveryDetail,
    DeliveryRead,
    DeliveryStatus,
    NotificationPage,
    NotificationRead,
    Page,
    PreferencesRead,
    PreferencesUpdate,
    SubscriptionCreate,
    SubscriptionKind,
    SubscriptionPage,
    SubscriptionRead,
    WebhookCreate,
    WebhookRead,
)

# Every route checks the caller's roles in the service (`ensure`): 403 for one without them.
router = APIRouter(prefix="/api/v1", responses=problems(403))


def request_now(request: Request) -> datetime:
    """The app's clock (tests inject theirs)."""
    return request.app.state.clock()


NowDep = Annotated[datetime, Depends(request_now)]
Limit = Annotated[int, Query(ge=1, le=200)]
Cursor = Annotated[str | None, Query(max_length=500)]


def _page(items: Sequence[Any], next_cursor: str | None, total: int, read_model: type[BaseModel]) -> dict[str, Any]:
    return {"items": [read_model.model_validate(i) for i in items], "next_cursor": next_cursor, "total": total}


# --- subscriptions ------------------------------------------------------------------------------------


@router.get("/subscriptions", response_model=SubscriptionPage, tags=["subscriptions"])
def list_subscriptions(
    session: SessionDep,
    caller: CallerDep,
    kind: SubscriptionKind | None = None,
    cursor: Cursor = None,
    limit: Limit = 50,
    updated_since: UpdatedSince = None,
) -> dict[str, Any]:
    position = sync.since(updated_since=updated_since, cursor=cursor)
    items, next_cursor, total = service.list_subscriptions(
        session=session, caller=caller, kind=kind, cursor=cursor, limit=limit, position=position
    )
    labels = service.subscription_labels(session=session, subscriptions=list(items))
    return {
        "items": [
            SubscriptionRead.model_validate(s).model_copy(update={"target_label": labels.get(s.id)}) for s in items
        ],
        "next_cursor": next_cursor,
        "total": total,
    }


@router.post(
    "/subscriptions",
    status_code=status.HTTP_201_CREATED,
    response_model=SubscriptionRead,
    tags=["subscriptions"],
    responses=problems(409),  # followed already
)
def create_subscription(
    body: SubscriptionCreate,
    session: SessionDep,
    caller: CallerDep,
    now: NowDep,
    response: Response,
    request: Request,
) -> SubscriptionRead:
    subscription = service.create_subscription(
        session=session,
        caller=caller,
        data=body,
        now=now,
        email_enabled=bool(request.app.state.settings.smtp_host),
    )
    response.headers["Location"] = f"/api/v1/subscriptions/{subscription.id}"
    return SubscriptionRead.model_validate(subscription)


@router.delete("/subscriptions/{subscription_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["subscriptions"])
def delete_subscription(subscription_id: uuid.UUID, session: SessionDep, caller: CallerDep) -> Response:
    service.delete_subscription(session=session, caller=caller, subscription_id=subscription_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- preferences and the inbox ------------------------------------------------------------------------


@router.get("/notifications/preferences", response_model=PreferencesRead, tags=["notifications"])
def get_preferences(session: SessionDep, caller: CallerDep) -> PreferencesRead:
    return PreferencesRead.model_validate(service.get_preferences(session=session, caller=caller))


@router.put("/notifications/preferences", response_model=PreferencesRead, tags=["notifications"])
def put_preferences(body: PreferencesUpdate, session: SessionDep, caller: CallerDep, now: NowDep) -> PreferencesRead:
    return PreferencesRead.model_validate(service.put_preferences(session=session, caller=caller, data=body, now=now))


@router.get("/notifications", response_model=NotificationPage, tags=["notifications"])
def list_notifications(
    session: SessionDep,
    caller: CallerDep,
    unread: bool = False,
    cursor: Cursor = None,
    limit: Limit = 50,
    updated_since: UpdatedSince = None,
) -> dict[str, Any]:
    position = sync.since(updated_since=updated_since, cursor=cursor)
    items, next_cursor, total, unread_count = service.list_notifications(
        session=session, caller=caller, unread_only=unread, cursor=cursor, limit=limit, position=position
    )
    return _page(items, next_cursor, total, NotificationRead) | {"unread": unread_count}


@router.post("/notifications/read-all", tags=["notifications"])
def read_all(session: SessionDep, caller: CallerDep, now: NowDep) -> dict[str, Any]:
    return {"marked_read": service.mark_all_read(session=session, caller=caller, now=now)}


@router.post("/notifications/{notification_id}/read", response_model=NotificationRead, tags=["notifications"])
def read_one(notification_id: uuid.UUID, session: SessionDep, caller: CallerDep, now: NowDep) -> NotificationRead:
    return NotificationRead.model_validate(
        service.mark_read(session=session, caller=caller, notification_id=notification_id, now=now)
    )


# --- webhooks -----------------------------------------------------------------------------------------


@router.get("/webhooks", response_model=Page, tags=["webhooks"])
def list_webhooks(
    session: SessionDep, caller: CallerDep, cursor: Cursor = None, limit: Limit = 50, updated_since: UpdatedSince = None
) -> dict[str, Any]:
    position = sync.since(updated_since=updated_since, cursor=cursor)
    return _page(
        *service.list_webhooks(session=session, caller=caller, cursor=cursor, limit=limit, position=position),
        WebhookRead,
    )


@router.post("/webhooks", status_code=status.HTTP_201_CREATED, response_model=WebhookRead, tags=["webhooks"])
def create_webhook(
    body: WebhookCreate, session: SessionDep, caller: CallerDep, now: NowDep, request: Request, response: Response
) -> WebhookRead:
    guard = WebhookGuard(allowed=tuple(request.app.state.settings.webhook_allowed_networks))
    webhook = service.create_webhook(session=session, caller=caller, data=body, now=now, guard=guard)
    response.headers["Location"] = f"/api/v1/webhooks/{webhook.id}"
    return WebhookRead.model_validate(webhook)


@router.delete("/webhooks/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["webhooks"])
def delete_webhook(webhook_id: uuid.UUID, session: SessionDep, caller: CallerDep) -> Response:
    service.delete_webhook(session=session, caller=caller, webhook_id=webhook_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- the delivery log ---------------------------------------------------------------------------------


@router.get("/deliveries", response_model=Page, tags=["deliveries"])
def list_deliveries(
    session: SessionDep,
    caller: CallerDep,
    status_: Annotated[DeliveryStatus | None, Query(alias="status")] = None,
    channel: Channel | None = None,
    recipient: Annotated[str | None, Query(max_length=200)] = None,
    trigger_id: Annotated[str | None, Query(max_length=200)] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
    updated_since: UpdatedSince = None,
) -> dict[str, Any]:
    position = sync.since(updated_since=updated_since, cursor=cursor)
    return _page(
        *service.list_deliveries(
            session=session,
            caller=caller,
            status=status_,
            channel=channel,
            recipient=recipient,
            trigger_id=trigger_id,
            cursor=cursor,
            limit=limit,
            position=position,
        ),
        DeliveryRead,
    )


@router.get("/deliveries/{delivery_id}", response_model=DeliveryDetail, tags=["deliveries"])
def get_delivery(delivery_id: uuid.UUID, session: SessionDep, caller: CallerDep) -> DeliveryDetail:
    delivery, attempts = service.get_delivery(session=session, caller=caller, delivery_id=delivery_id)
    return DeliveryDetail(
        **DeliveryRead.model_validate(delivery).model_dump(),
        log=[DeliveryAttemptRead.model_validate(a) for a in attempts],
    )


@router.post(
    "/deliveries/{delivery_id}/replay",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=DeliveryRead,
    tags=["deliveries"],
    responses=problems(409),  # only a failed delivery is replayed
)
def replay_delivery(delivery_id: uuid.UUID, session: SessionDep, caller: CallerDep, now: NowDep) -> DeliveryRead:
    return DeliveryRead.model_validate(
        service.replay_delivery(session=session, caller=caller, delivery_id=delivery_id, now=now)
    )
