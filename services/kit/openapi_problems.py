"""The error statuses every operation really answers, documented in OpenAPI as RFC 9457 problem+json.

FastAPI documents a route's success and a 422 in its own shape; the errors a client actually gets
come from what the route takes. One table says which: a route taking a path parameter can answer
404, one taking `require(...)` 403, `ExpectedVersion` 400/412/428, `IdempotencyDep` 400/409/422, a
cursor or a body 400 (a body that cannot be decoded), any input 422, and every `/api` route 401 (no
identity the gateway vouched for). A dependency names its own statuses with `@answers(...)`; a rule
no dependency shows (a duplicate: 409) is named where the route or router is declared,
`responses=problems(409)`. The kit fills in the problem+json content and the `Problem` schema, so
no route writes one by hand.

The gateway adds what its front door answers (401, 403, 413, 429, 502 to 504) to each operation of the
merged document (`gateway/openapi.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from services.kit.http_problems import PROBLEM_JSON

PROBLEM_REF = "#/components/schemas/Problem"
API_PREFIX = "/api/v1"

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details: every error this API answers has this shape.",
    "type": "object",
    "properties": {
        "type": {
            "type": "string",
            "default": "about:blank",
            "description": "What kind of problem, in words no translation changes: about:blank (the status says "
            "it) or a urn:liaison:problem:… a client may act on.",
        },
        "title": {"type": "string", "description": "In the language Accept-Language asks for (fr, en)."},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string", "description": "In the language Accept-Language asks for (fr, en)."},
        "instance": {"type": "string"},
        "request_id": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "On 422: each field that failed validation.",
            "items": {
                "type": "object",
                "properties": {
                    "location": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
                    "field": {"type": "string", "description": "the field's path in the body or query"},
                    "label": {"type": "string", "description": "the field as the web app's form names it"},
                    "message": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
    "required": ["type", "title", "status"],
    "additionalProperties": True,
}

DESCRIPTIONS = {
    400: "Bad request: a malformed header, cursor or value the rules refuse",
    401: "No valid credential",
    403: "The caller's roles or key scopes do not allow this",
    404: "No such resource, or one the caller may not see",
    405: "Method not allowed",
    409: "Conflicts with the current state (a duplicate, a request with this Idempotency-Key under way)",
    410: "Gone: erased, and gone for good",
    412: "If-Match names a version that is no longer current",
    413: "The body is over this route's limit",
    422: "The input failed validation",
    428: "If-Match is required",
    429: "Rate limit reached (Retry-After)",
    502: "The service behind the gateway failed",
    503: "Unavailable for now: the service behind the gateway, or what it depends on",
    504: "The service behind the gateway did not answer in time",
}

Call = TypeVar("Call", bound=Callable[..., Any])


def answers(*statuses: int) -> Callable[[Call], Call]:
    """Marks a dependency with the error statuses it can answer; every route taking it documents them."""

    def mark(call: Call) -> Call:
        call.problem_statuses = frozenset(statuses)  # type: ignore[attr-defined]
        return call

    return mark


def problem_response(status: int) -> dict[str, Any]:
    return {
        "description": DESCRIPTIONS.get(status, "Error"),
        "content": {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}},
    }


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=problems(409)` on a route or router: statuses its own rules answer."""
    return {status: problem_response(status) for status in statuses}


def _dependants(dependant: Any) -> Iterable[Any]:
    yield dependant
    for dependency in dependant.dependencies:
        yield from _dependants(dependency)


def route_statuses(route: Any) -> set[int]:
    """The error statuses `route` (an APIRoute, or FastAPI's context of one as included) answers, from
    what it takes (the table above) and what it, or its router, declares."""
    statuses = {int(code) for code in route.responses if str(code).isdigit() and int(code) >= 400}
    if route.path.startswith(API_PREFIX + "/"):
        statuses.add(401)
    for dependant in _dependants(route.dependant):
        statuses |= getattr(dependant.call, "problem_statuses", frozenset())
        if dependant.path_params:
            statuses.add(404)
        if (
            any((dependant.path_params, dependant.query_params, dependant.header_params, dependant.cookie_params))
            or dependant.body_params
        ):
            statuses.add(422)
        if dependant.body_params:
            statuses.add(400)  # a body that cannot be decoded (not UTF-8 JSON) is refused before validation
        if any(param.name == "cursor" for param in dependant.query_params):
            statuses.add(400)
    return statuses


def document_problems(document: dict[str, Any], routes: Iterable[Any]) -> dict[str, Any]:
    """Writes each route's error statuses into `document` (FastAPI's own), as problem+json; returns it."""
    paths = document.get("paths", {})
    for route in iter_route_contexts(list(routes)):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        for method in route.methods or ():
            operation = paths.get(route.path_format, {}).get(method.lower())
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            for status in sorted(route_statuses(route)):
                # FastAPI's own 422 is in its shape, not the one the kit answers: replaced.
                declared = responses.get(str(status), {})
                responses[str(status)] = {
                    **problem_response(status),
                    **({"description": declared["description"]} if declared.get("description") else {}),
                }
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    # FastAPI's validation error schemas, once no operation refers to them any more.
    for unused in ("HTTPValidationError", "ValidationError"):
        others = {name: schema for name, schema in schemas.items() if name != unused}
        if f"#/components/schemas/{unused}" not in repr((document.get("paths", {}), others)):
            schemas.pop(unused, None)
    return document


def install(app: FastAPI) -> None:
    """The app's `/openapi.json` documents every route's error statuses (built once, on first request)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_problems(generate(), app.routes)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
