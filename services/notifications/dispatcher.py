"""The dispatcher: works due delivery rows (email, webhook) independently, each under a timeout.

Each row is claimed under a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL; the UPDATE re-checks
the row's state on both databases), sent as its own task, then settled: sent, or retried later
with exponential backoff and jitter, or failed after the last attempt (replayable). A receiver
that hangs holds one of `dispatch_concurrency` slots until its timeout, never the others.
A process that dies mid-send leaves the row in progress; when its lease ends it is sent again,
with the same `Liaison-Delivery` id / Message-ID so the receiver can tell.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from opentelemetry.trace import Tracer
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col

from services.kit import tracing
from services.kit.types import utcnow
from services.notifications.channels import SendOutcome, email, webhook
from services.notifications.channels.destinations import WebhookGuard
from services.notifications.deliveries import webhook_id_of
from services.notifications.events import record_delivery_outcome
from services.notifications.metrics import DeliveryMetrics
from services.notifications.models import Delivery, DeliveryAttempt, Webhook
from services.notifications.schemas import Channel, DeliveryStatus
from services.notifications.settings import NotificationsSettings

log = logging.getLogger("liaison.notifications.dispatcher")


def backoff(attempts: int, *, base: float, cap: float, rand: Callable[[], float] = random.random) -> timedelta:
    """Exponential with jitter: between half and all of base·2^(attempts-1), capped."""
    ceiling = min(cap, base * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=ceiling * (0.5 + 0.5 * rand()))


@dataclass(frozen=True)
class Claimed:
    id: uuid.UUID
    token: str
    channel: str
    recipient: str
    trigger_type: str
    payload: str
    url: str | None = None
    secret: str | None = None
    traceparent: str | None = None


def claim_due(sessions: sessionmaker[Session], *, now: datetime, limit: int, lease: timedelta) -> list[Claimed]:
    token = uuid.uuid4().hex
    due = or_(col(Delivery.status) == DeliveryStatus.PENDING, col(Delivery.status) == DeliveryStatus.IN_PROGRESS) & (
        col(Delivery.next_attempt_at) <= now
    )
    with sessions() as session:
        ids = (
            session.execute(
                select(col(Delivery.id))
                .where(due)
                .order_by(col(Delivery.next_attempt_at))
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
            .scalars()
            .all()
        )
        if not ids:
            session.rollback()
            return []
        session.execute(
            update(Delivery)
            .where(col(Delivery.id).in_(ids), due)
            .values(status=DeliveryStatus.IN_PROGRESS, claim_token=token, next_attempt_at=now + lease)
        )
        session.commit()
        rows = session.execute(select(Delivery).where(col(Delivery.claim_token) == token)).scalars().all()
        hook_ids = [webhook_id_of(row.recipient) for row in rows if row.channel == Channel.WEBHOOK]
        hooks = {
            h.id: h
            for h in session.execute(
                select(Webhook).where(col(Webhook.id).in_([h for h in hook_ids if h is not None]))
            ).scalars()
        }
        claimed = []
        for row in rows:
            hook = hooks.get(webhook_id_of(row.recipient)) if row.channel == Channel.WEBHOOK else None
            claimed.append(
                Claimed(
                    id=row.id,
                    token=token,
                    channel=row.channel,
                    recipient=row.recipient,
                    trigger_type=row.trigger_type,
                    payload=row.payload,
                    url=hook.url if hook and hook.active else None,
                    secret=hook.secret if hook and hook.active else None,
                    traceparent=row.traceparent,
                )
            )
        return claimed


def settle(
    sessions: sessionmaker[Session],
    claimed: Claimed,
    outcome: SendOutcome,
    *,
    started_at: datetime,
    duration_ms: float,
    now: datetime,
    settings: NotificationsSettings,
    final: bool = False,
) -> str | None:
    """Record the attempt and the row's next state; None if the lease was lost to another worker
    (the attempt is still recorded: it happened, and the receiver may have seen it)."""
    with sessions() as session:
        delivery = session.execute(
            select(Delivery).where(col(Delivery.id) == claimed.id, col(Delivery.claim_token) == claimed.token)
        ).scalar_one_or_none()
        number = (
            session.scalar(
                select(func.count()).select_from(DeliveryAttempt).where(col(DeliveryAttempt.delivery_id) == claimed.id)
            )
            or 0
        ) + 1
        session.add(
            DeliveryAttempt(
                delivery_id=claimed.id,
                number=number,
                started_at=started_at,
                duration_ms=round(duration_ms, 2),
                ok=outcome.ok,
                status_code=outcome.status_code,
                error=outcome.error if delivery is not None else f"(lease lost) {outcome.error or ''}".strip(),
            )
        )
        if delivery is None:
            session.commit()
            return None
        delivery.attempts += 1
        delivery.claim_token = None
        delivery.last_error = outcome.error
        if outcome.ok:
            delivery.status, delivery.sent_at, delivery.next_attempt_at = DeliveryStatus.SENT, now, None
        elif final or delivery.attempts >= settings.delivery_max_attempts:
            delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
        else:
            delivery.status = DeliveryStatus.PENDING
            delivery.next_attempt_at = now + backoff(
                delivery.attempts, base=settings.retry_base_seconds, cap=settings.retry_max_seconds
            )
        if delivery.status in (DeliveryStatus.SENT, DeliveryStatus.FAILED):
            record_delivery_outcome(session=session, delivery=delivery)
        session.commit()
        return delivery.status


class Dispatcher:
    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        settings: NotificationsSettings,
        clock: Callable[[], datetime] = utcnow,
        http: httpx.AsyncClient | None = None,
        on_outbox: Callable[[], None] = lambda: None,
        guard: WebhookGuard | None = None,
        metrics: DeliveryMetrics | None = None,
        tracer: Tracer | None = None,
    ) -> None:
        self.sessions = sessions
        self.metrics = metrics
        self._tracer = tracer
        self.guard = guard or WebhookGuard(allowed=tuple(settings.webhook_allowed_networks))
        self.settings = settings
        self.clock = clock
        self._http = http
        self._on_outbox = on_outbox
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    async def deliver(self, claimed: Claimed, http: httpx.AsyncClient) -> str | None:
        attributes = {"liaison.delivery.id": str(claimed.id), "liaison.trigger.type": claimed.trigger_type}
        with tracing.delivering(
            self._tracer, channel=claimed.channel, traceparent=claimed.traceparent, attributes=attributes
        ):
            return await self._deliver(claimed, http)

    async def _deliver(self, claimed: Claimed, http: httpx.AsyncClient) -> str | None:
        started_at, started = self.clock(), time.perf_counter()
        final = False
        if claimed.channel == Channel.EMAIL:
            outcome = await email.send(json.loads(claimed.payload), settings=self.settings, delivery_id=str(claimed.id))
        elif claimed.channel == Channel.WEBHOOK and claimed.url and claimed.secret:
            outcome = await webhook.post(
                http,
                url=claimed.url,
                secret=claimed.secret,
                body=claimed.payload.encode(),
                delivery_id=str(claimed.id),
                event_type=claimed.trigger_type,
                timeout=self.settings.webhook_timeout_seconds,
                guard=self.guard,
            )
            final = outcome.final
        else:
            outcome, final = SendOutcome(False, error="the webhook was removed"), True
        seconds = time.perf_counter() - started
        status = await asyncio.to_thread(
            settle,
            self.sessions,
            claimed,
            outcome,
            started_at=started_at,
            duration_ms=seconds * 1000,
            now=self.clock(),
            settings=self.settings,
            final=final,
        )
        if self.metrics is not None:
            self.metrics.attempt(claimed.channel, status, seconds)
        if status in (DeliveryStatus.SENT, DeliveryStatus.FAILED):
            self._on_outbox()
        return status

    async def run_once(self) -> list[str | None]:
        """Claim what is due now and deliver it all (tests drive the dispatcher with this)."""
        async with self._client() as http:
            claimed = await asyncio.to_thread(self._claim, self.settings.dispatch_concurrency)
            return list(await asyncio.gather(*(self.deliver(c, http) for c in claimed)))

    def _claim(self, limit: int) -> list[Claimed]:
        return claim_due(
            self.sessions, now=self.clock(), limit=limit, lease=timedelta(seconds=self.settings.dispatch_lease_seconds)
        )

    def _client(self):
        if self._http is not None:
            return _Borrowed(self._http)
        return httpx.AsyncClient(follow_redirects=False)

    async def _serve(self) -> None:
        in_flight: set[asyncio.Task] = set()
        async with self._client() as http:
            while not self._stop.is_set():
                free = self.settings.dispatch_concurrency - len(in_flight)
                claimed = []
                if free > 0:
                    try:
                        claimed = await asyncio.to_thread(self._claim, free)
                    except Exception:
                        log.exception("claiming deliveries failed")
                for item in claimed:
                    task = asyncio.create_task(self._deliver_logged(item, http))
                    in_flight.add(task)
                    task.add_done_callback(in_flight.discard)
                if claimed and len(claimed) == free:
                    continue  # maybe more is due: claim again as slots allow
                if in_flight:
                    await asyncio.wait(
                        in_flight, timeout=self.settings.dispatch_idle_seconds, return_when=asyncio.FIRST_COMPLETED
                    )
                else:
                    await asyncio.sleep(self.settings.dispatch_idle_seconds)
            if in_flight:
                await asyncio.wait(in_flight, timeout=5)

    async def _deliver_logged(self, claimed: Claimed, http: httpx.AsyncClient) -> None:
        try:
            await self.deliver(claimed, http)
        except Exception:
            # The row stays in progress; its lease ends and it is tried again.
            log.exception("delivery failed unexpectedly", extra={"delivery_id": str(claimed.id)})

    def start(self) -> None:
        self._thread = threading.Thread(target=lambda: asyncio.run(self._serve()), name="dispatcher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)


class _Borrowed:
    """A client the caller owns: used, not closed."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def __aenter__(self) -> httpx.AsyncClient:
        return self.client

    async def __aexit__(self, *exc) -> None:
        return None
