"""The front door every request goes through, as plain ASGI (the hot path builds no framework objects):

request id and trace context (the gateway's server span, kit/tracing.py) -> the policy table (404/405) ->
a declared body over the route's limit (413) -> who is calling (401) -> may they (403) -> their rate
limit (429) -> the body, read up to the limit (413) -> the owning service (proxy), or the gateway's own
routes (FastAPI app; 422 for JSON nested absurdly deep).
One structured access log line per request.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer, get_current_span
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.auth import AuthError, Principal
from gateway.bodies import declared_length, is_json, nested_too_deep, nests_too_deep, read_limited, replay, too_large
from gateway.policy import API_PREFIX, GATEWAY, Policy, Rule
from gateway.proxy import forward
from gateway.ratelimit import too_many_requests
from services.kit import tracing
from services.kit.http_problems import problem_response
from services.kit.logging import request_id_var
from services.kit.middleware import incoming_request_id
from services.kit.problems import accepted_language, problem_language

if TYPE_CHECKING:
    from gateway.app import Runtime

access_log = logging.getLogger("liaison.access")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value).decode("latin-1")
    return None


class FrontDoor:
    def __init__(self, inner: ASGIApp, *, policy: Policy, tracer: Tracer) -> None:
        self.inner = inner  # the FastAPI app: lifespan, health, docs, the gateway's own routes
        self.policy = policy
        self.tracer = tracer
        self.runtime: Runtime | None = None  # set by the inner app's lifespan

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.inner(scope, receive, send)
            return
        request_id = incoming_request_id(scope["headers"])
        token = request_id_var.set(request_id)
        language = problem_language.set(accepted_language(_header(scope, b"accept-language")))
        started = time.perf_counter()
        outcome = {"status": 500, "user": None, "service": None}
        # The caller's trace continues (a new one when its traceparent is missing or invalid): the
        # gateway's span is the parent of the service's, of the events and of all that follows.
        incoming = {"traceparent": _header(scope, b"traceparent"), "tracestate": _header(scope, b"tracestate")}
        with self.tracer.start_as_current_span(
            scope["method"],
            context=tracing.context_of(incoming),
            kind=SpanKind.SERVER,
            attributes={"http.request.method": scope["method"], "url.path": scope["path"]},
        ) as span:
            extra_headers = [
                (b"x-request-id", request_id.encode()),
                *((name.encode(), value.encode()) for name, value in tracing.inject([])),
            ]

            async def send_with_context(message: Message) -> None:
                if message["type"] == "http.response.start":
                    outcome["status"] = message["status"]
                    message["headers"] = [*message.get("headers", []), *extra_headers]
                await send(message)

            try:
                await self.dispatch(scope, receive, send_with_context, request_id=request_id, outcome=outcome)
            finally:
                span.set_attribute("http.response.status_code", outcome["status"])
                if isinstance(outcome["status"], int) and outcome["status"] >= 500:
                    span.set_status(Status(StatusCode.ERROR))
                access_log.info(
                    "request",
                    extra={
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": outcome["status"],
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                        "user": outcome["user"],
                        "service": outcome["service"],
                    },
                )
                request_id_var.reset(token)
                problem_language.reset(language)

    async def dispatch(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        request_id: str,
        outcome: dict[str, Any],
    ) -> None:
        path = scope["path"]
        if not path.startswith(API_PREFIX + "/"):
            # /healthz, /readyz, /docs and the web app's pages; a form (a CSV upload at most) is never
            # larger than what the API would take from it.
            limit = self.runtime.settings.import_body_limit_bytes if self.runtime else None
            if limit is not None and (declared_length(scope) or 0) > limit:
                await too_large(limit)(scope, receive, send)
                return
            await self.inner(scope, receive, send)
            return
        runtime = self.runtime
        if runtime is None:  # uvicorn serves no request before the lifespan has started
            raise RuntimeError("the gateway's lifespan has not started")
        match = self.policy.match(scope["method"], path)
        rule = match.rule
        if rule is None:
            if match.allowed_methods:
                allowed = ", ".join(match.allowed_methods)
                response = problem_response(405, detail=f"{path} answers {allowed}.", headers={"Allow": allowed})
            else:
                response = problem_response(404, title="No such route", detail=f"No resource at {path}.")
            await response(scope, receive, send)
            return
        route = f"{API_PREFIX}{rule.template}"
        get_current_span().update_name(f"{scope['method']} {route}")
        get_current_span().set_attribute("http.route", route)
        settings = runtime.settings
        limit = settings.import_body_limit_bytes if rule.large_body else settings.body_limit_bytes
        if (declared_length(scope) or 0) > limit:
            await too_large(limit)(scope, receive, send)  # never read
            return

        principal: Principal | None = None
        if rule.public:
            wait = runtime.limiter.take("ip:" + (scope.get("client") or ("?",))[0])
        else:
            try:
                principal = await runtime.authenticator.authenticate(
                    _header(scope, b"authorization"), _header(scope, b"x-api-key")
                )
            except AuthError as exc:
                response = problem_response(
                    401,
                    title="Unauthenticated",
                    detail=str(exc),
                    headers={"WWW-Authenticate": 'Bearer realm="liaison"'},
                )
                await response(scope, receive, send)
                return
            outcome["user"] = principal.caller.user
            refusal = self.refusal(rule, principal)
            if refusal:
                await problem_response(403, title="Forbidden", detail=refusal)(scope, receive, send)
                return
            wait = runtime.limiter.take(principal.bucket)
        if wait:
            detail = "Rate limit reached; try again after Retry-After seconds."
            await too_many_requests(wait, detail=detail)(scope, receive, send)
            return
        body = await read_limited(receive, limit)
        if body is None:
            await too_large(limit)(scope, receive, send)
            return

        if rule.target == GATEWAY:
            outcome["service"] = GATEWAY
            if body and is_json(scope) and nests_too_deep(body):
                await nested_too_deep()(scope, receive, send)
                return
            state = scope.setdefault("state", {})
            state["principal"] = principal
            await self.inner(scope, replay(body, receive), send)
            return
        outcome["service"] = rule.target
        if principal is None:  # no public route leads to a service: there would be no caller to sign for
            raise RuntimeError(f"public route {path} cannot be forwarded to {rule.target}")
        await forward(
            scope,
            receive,
            send,
            upstream=runtime.upstreams[rule.target],
            body=body,
            caller=principal.caller,
            secret=runtime.identity_secret,
            request_id=request_id,
        )

    @staticmethod
    def refusal(rule: Rule, principal: Principal) -> str | None:
        if not rule.allows(principal.caller.roles):
            held = ", ".join(sorted(principal.caller.roles)) or "no role"
            roles = ", ".join(sorted(rule.roles))
            return f"{rule.method} {API_PREFIX}{rule.template} needs one of: {roles} ({held} held)."
        if principal.scopes is not None and rule.key_scope not in principal.scopes:
            return (
                f"This API key's scopes ({', '.join(sorted(principal.scopes))}) do not cover "
                f"{rule.method} {API_PREFIX}{rule.template}."
            )
        return None
