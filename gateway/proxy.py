"""Forwards a request to the service that owns its path, and the answer back, untouched but for
hop-by-hop headers. A service that is down or slow costs the caller a quick problem+json."""
from __future__ import annotations

import logging

import httpx
from fastapi import Request, Response

from services.kit.identity import IDENTITY_HEADERS, Caller, sign
from services.kit.problems import problem_response

log = logging.getLogger("liaison.gateway.proxy")

# RFC 9110 §7.6.1: meaningful for one connection only, never forwarded. Host and length are
# recomputed for the next hop.
HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
    "transfer-encoding", "upgrade", "host", "content-length",
})
# Set by the gateway's own server on the way out; the service's copies would be duplicates.
UPSTREAM_ONLY = frozenset({"date", "server", "x-request-id"})


def forwardable(headers) -> list[tuple[str, str]]:
    return [(name, value) for name, value in headers.items() if name.lower() not in HOP_BY_HOP]


async def forward(request: Request, *, client: httpx.AsyncClient, service: str, request_id: str,
                  caller: Caller, secret: str) -> Response:
    path = request.scope["path"]
    query = request.scope["query_string"].decode("latin-1")
    # Whatever identity headers the client sent are dropped: only the gateway speaks for a caller.
    # The request id the middleware accepted or made replaces the client's, so the logs agree.
    headers = [(n, v) for n, v in forwardable(request.headers)
               if n.lower() != "x-request-id" and n.lower() not in IDENTITY_HEADERS]
    headers.append(("x-request-id", request_id))
    headers.extend(sign(caller, secret=secret, method=request.method, path=path, query=query).items())
    # The path and query go on as they arrived (raw), so the service verifies the very bytes signed here.
    target = request.scope.get("raw_path", path.encode()).decode("latin-1") + (f"?{query}" if query else "")
    try:
        upstream = await client.request(request.method, target, headers=headers, content=await request.body())
    except httpx.TimeoutException:
        log.warning("upstream timeout", extra={"service": service})
        return problem_response(504, title="Service timed out",
                                detail=f"The {service} service did not answer in time.", service=service)
    except httpx.TransportError as exc:
        log.warning("upstream unreachable", extra={"service": service, "error": repr(exc)})
        return problem_response(503, title="Service unavailable",
                                detail=f"The {service} service cannot be reached.", service=service)
    response_headers = [(n, v) for n, v in forwardable(upstream.headers) if n.lower() not in UPSTREAM_ONLY]
    response = Response(content=upstream.content, status_code=upstream.status_code)
    for name, value in response_headers:
        response.headers.append(name, value)
    return response
