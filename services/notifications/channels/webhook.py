"""Signed webhooks: the CloudEvent JSON, POSTed with an HMAC-SHA256 signature over `<t>.<body>`.

The timestamp is inside the signature and in the header, so a receiver can refuse a replayed
request (`verify(..., tolerance=300)`). `Liaison-Delivery` is stable across retries of one
delivery: a receiver that saw it already can drop the repeat.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time

import httpx

from services.kit import tracing
from services.notifications.channels import SendOutcome
from services.notifications.channels.destinations import RefusedDestination, Unresolvable, WebhookGuard

SIGNATURE_HEADER = "Liaison-Signature"
DELIVERY_HEADER = "Liaison-Delivery"
EVENT_TYPE_HEADER = "Liaison-Event-Type"
CONTENT_TYPE = "application/cloudevents+json"


class BadSignature(ValueError):
    pass


def signature(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, *, now: float | None = None) -> str:
    timestamp = int(now if now is not None else time.time())
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(header: str, body: bytes, *, secret: str, tolerance: float = 300, now: float | None = None) -> int:
    """What a receiver does: check the signature and the age; return the timestamp."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
        given = fields["v1"]
    except (KeyError, ValueError):
        raise BadSignature("malformed signature header") from None
    if abs((now if now is not None else time.time()) - timestamp) > tolerance:
        raise BadSignature("timestamp outside the tolerance: a replay?")
    if not hmac.compare_digest(signature(secret, timestamp, body), given):
        raise BadSignature("signature does not match")
    return timestamp


async def post(
    client: httpx.AsyncClient,
    *,
    url: str,
    secret: str,
    body: bytes,
    delivery_id: str,
    event_type: str,
    timeout: float,
    guard: WebhookGuard,
) -> SendOutcome:
    """`timeout` is the whole send's deadline: resolving, connect, request and the complete answer. httpx's
    own timeouts are per operation, so a receiver that trickles its answer byte by byte would never hit
    them. The name is resolved once and checked (`guard`); the connection goes to that address."""
    headers = {
        "Content-Type": CONTENT_TYPE,
        SIGNATURE_HEADER: signature_header(secret, body),
        DELIVERY_HEADER: delivery_id,
        EVENT_TYPE_HEADER: event_type,
        # The receiver may continue the trace (W3C trace context): the delivery's span is its parent.
        **dict(tracing.inject([])),
    }
    try:
        async with asyncio.timeout(timeout):
            destination = await asyncio.to_thread(guard.resolve, url)
            headers["Host"] = destination.host_header
            extensions = {"sni_hostname": destination.sni_hostname} if destination.sni_hostname else None
            response = await client.post(
                destination.url, content=body, headers=headers, timeout=timeout, extensions=extensions
            )
    except RefusedDestination as exc:
        return SendOutcome(False, error=f"destination refused: {exc}"[:500], final=True)
    except Unresolvable as exc:
        return SendOutcome(False, error=str(exc)[:500])
    except (TimeoutError, httpx.TimeoutException):
        return SendOutcome(False, error=f"no complete answer within the {timeout:g}s deadline")
    except httpx.HTTPError as exc:
        return SendOutcome(False, error=f"{type(exc).__name__}: {exc}"[:500])
    if 200 <= response.status_code < 300:
        return SendOutcome(True, status_code=response.status_code)
    return SendOutcome(False, status_code=response.status_code, error=f"HTTP {response.status_code}")
