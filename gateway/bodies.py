"""Request bodies at the front door: refused over their route's limit without being buffered (413 from
the declared Content-Length alone, or as soon as a chunked body passes the limit), and, for the
gateway's own routes, refused when their JSON nests deeper than anyone needs (422), before a parser
can recurse on them. Plain ASGI, like the rest of the hot path."""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response
from starlette.types import Message, Receive, Scope

from services.kit.http_problems import problem_response

# The gateway's own bodies (logins, users, keys) are flat; this is generous.
MAX_JSON_DEPTH = 32


def declared_length(scope: Scope) -> int | None:
    """The Content-Length the client declared; -1 when it is not a number."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else -1
    return None


def too_large(limit: int) -> Response:
    return problem_response(
        413,
        title="Content too large",
        detail=f"This route takes bodies of at most {limit} bytes.",
        limit_bytes=limit,
    )


async def read_limited(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None as soon as it passes `limit` bytes (the rest is never read)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"".join(chunks)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


def replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands the inner app the body read already, then waits on the real one."""
    delivered = False

    async def receive_again() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return receive_again


def is_json(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-type":
            media_type = bytes(value).split(b";", 1)[0].strip().lower()
            return media_type == b"application/json" or media_type.endswith(b"+json")
    return False


def nests_too_deep(body: bytes, *, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when the JSON in `body` nests deeper than `limit` (or than the parser can recurse).
    Malformed JSON is not this function's business: the route's own parser says what is wrong."""
    try:
        document = json.loads(body)
    except RecursionError:
        return True
    except ValueError:
        return False
    return _depth(document, limit) > limit


def _depth(value: Any, limit: int) -> int:
    deepest, level = 0, [(value, 1)]
    while level:
        node, depth = level.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, depth)
            if deepest > limit:
                return deepest
            level.extend((child, depth + 1) for child in (node.values() if isinstance(node, dict) else node))
    return deepest


def nested_too_deep() -> Response:
    return problem_response(
        422,
        title="Invalid request",
        detail=f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels.",
        errors=[{"location": ["body"], "message": "nested too deeply", "type": "json_too_deep"}],
    )
