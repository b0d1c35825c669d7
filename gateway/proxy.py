"""Forwards a request to the service that owns its path, and the answer back, untouched but for
hop-by-hop headers. A service that is down or slow costs the caller a quick problem+json.

Plain ASGI on purpose: this is the gateway's hot path, so no framework objects are built per request.
"""

from __future__ import annotations

import logging

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from gateway.upstream import Upstream, UpstreamError, UpstreamResponse
from services.kit import tracing
from services.kit.http_problems import problem_response
from services.kit.identity import IDENTITY_HEADERS, Caller, sign

log = logging.getLogger("liaison.gateway.proxy")

# RFC 9110 §7.6.1: meaningful for one connection only, never forwarded. Host and length are
# recomputed for the next hop.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)
# The gateway sets these itself (request id, trace context) or keeps them (credentials stop here:
# the services trust the signed identity, never a token they could replay).
_NOT_FORWARDED = (
    HOP_BY_HOP | IDENTITY_HEADERS | {"x-request-id", "traceparent", "tracestate", "authorization", "x-api-key"}
)
# Set by the gateway's own server on the way out; the service's copies would be duplicates.
_NOT_RETURNED = frozenset(
    name.encode() for name in HOP_BY_HOP | {"date", "server", "x-request-id", "traceparent", "tracestate"}
)


def forwarded_headers(raw: list[tuple[bytes, bytes]], *, request_id: str) -> list[tuple[str, str]]:
    """The request's headers for the service, with the gateway's request id and its span's trace context."""
    headers = [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, value in raw
        if name.decode("latin-1") not in _NOT_FORWARDED
    ]
    headers.append(("x-request-id", request_id))
    return tracing.inject(headers)


def signed_headers(
    headers: list[tuple[str, str]], *, caller: Caller, secret: str, method: str, path: str, query: str
) -> list[tuple[str, str]]:
    return [*headers, *sign(caller, secret=secret, method=method, path=path, query=query).items()]


def returned_headers(response: UpstreamResponse, *, head: bool) -> list[tuple[bytes, bytes]]:
    headers = [(name.lower(), value) for name, value in response.headers if name.lower() not in _NOT_RETURNED]
    if head:  # a HEAD answer's length is the GET body's: keep the service's
        length = response.header(b"content-length")
        if length is not None:
            headers.append((b"content-length", length))
    else:
        headers.append((b"content-length", str(len(response.body)).encode()))
    return headers


def upstream_problem(error: UpstreamError) -> Response:
    if error.reason == "timeout":
        return problem_response(
            504,
            title="Service timed out",
            detail=f"The {error.service} service did not answer in time.",
            service=error.service,
        )
    if error.reason == "dropped":
        return problem_response(
            502,
            title="Bad gateway",
            detail=f"The {error.service} service closed the connection without answering this request.",
            service=error.service,
        )
    detail = (
        f"The {error.service} service is failing; the gateway stopped calling it for a few seconds."
        if error.reason == "circuit_open"
        else f"The {error.service} service cannot be reached."
    )
    return problem_response(
        503, title="Service unavailable", detail=detail, service=error.service, headers={"Retry-After": "5"}
    )


async def forward(
    scope: Scope,
    receive: Receive,
    send: Send,
    *,
    upstream: Upstream,
    body: bytes,
    caller: Caller,
    secret: str,
    request_id: str,
) -> None:
    """`body`: the request's, already read by the front door (within its route's limit)."""
    method = scope["method"]
    query = scope["query_string"].decode("latin-1")
    headers = signed_headers(
        forwarded_headers(scope["headers"], request_id=request_id),
        caller=caller,
        secret=secret,
        method=method,
        path=scope["path"],
        query=query,
    )
    # The path and query go on as they arrived (raw), so the service verifies the very bytes signed here.
    target = scope.get("raw_path", scope["path"].encode()).decode("latin-1") + (f"?{query}" if query else "")
    try:
        response = await upstream.request(method, target, headers=headers, body=body)
    except UpstreamError as error:
        log.warning("upstream failed", extra={"service": error.service, "reason": error.reason})
        await upstream_problem(error)(scope, receive, send)
        return
    await send(
        {
            "type": "http.response.start",
            "status": response.status,
            "headers": returned_headers(response, head=method == "HEAD"),
        }
    )
    await send({"type": "http.response.body", "body": b"" if method == "HEAD" else response.body})
