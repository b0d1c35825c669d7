"""One OpenAPI document for the whole public API, merged from each service's own `/openapi.json`
and the gateway's routes. Fetched when first asked for and refreshed after `openapi_refresh_seconds`
(sooner while a service is missing); a service that is down leaves its part out and is named in
`x-liaison-missing` and in the description."""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from gateway.policy import API_PREFIX, DEFAULT_POLICY, GATEWAY, Policy
from gateway.upstream import Upstream, UpstreamError
from services.kit.openapi_problems import PROBLEM_SCHEMA, problem_response

# (method, path) -> the service the gateway sends it to, or None
OwnerOf = Callable[[str, str], str | None]

log = logging.getLogger("liaison.gateway.openapi")
MISSING_RETRY_SECONDS = 5.0
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _rename_refs(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            name = ref.rsplit("/", 1)[1]
            if name in renames:
                node = {**node, "$ref": f"#/components/schemas/{renames[name]}"}
        return {key: _rename_refs(value, renames) for key, value in node.items()}
    if isinstance(node, list):
        return [_rename_refs(value, renames) for value in node]
    return node


def front_statuses(policy: Policy, method: str, path: str, operation: dict[str, Any]) -> set[int]:
    """What the front door itself answers for an operation, before (or instead of) its service:
    429 over the rate limit; 401/403 unless public; 413 for a body over the route's limit; 502/503/504
    when the service behind it fails, is down (breaker open) or is too slow."""
    rule = policy.match(method.upper(), path).rule
    if rule is None:
        return set()
    statuses = {429}
    if not rule.public:
        statuses |= {401, 403}
    if "requestBody" in operation:
        statuses.add(413)
    if rule.target != GATEWAY:
        statuses |= {502, 503, 504}
    return statuses


def document_front(document: dict[str, Any], policy: Policy) -> None:
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for status in sorted(front_statuses(policy, method, path, operation)):
                responses.setdefault(str(status), problem_response(status))
    document.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA


def merge(
    gateway_doc: dict[str, Any],
    service_docs: dict[str, dict[str, Any] | None],
    *,
    owner_of: OwnerOf,
    policy: Policy = DEFAULT_POLICY,
) -> dict[str, Any]:
    """`owner_of(method, path)` says which service the gateway routes a path to: a service's
    path is published only if the gateway sends it there (and the gateway's own routes win).
    Each operation also documents what the front door answers for it (`policy`'s rule)."""
    merged = copy.deepcopy(gateway_doc)
    merged["info"] = {"title": "Liaison API", "version": gateway_doc.get("info", {}).get("version", "1")}
    paths: dict[str, Any] = merged.setdefault("paths", {})
    schemas: dict[str, Any] = merged.setdefault("components", {}).setdefault("schemas", {})
    missing = sorted(name for name, doc in service_docs.items() if doc is None)
    for service, original in sorted((n, d) for n, d in service_docs.items() if d is not None):
        renames = {}
        for name, schema in original.get("components", {}).get("schemas", {}).items():
            if name in schemas and schemas[name] != schema:
                renames[name] = f"{service}.{name}"  # same name, different shape: keep both
        doc = _rename_refs(original, renames)
        for name, schema in doc.get("components", {}).get("schemas", {}).items():
            schemas[renames.get(name, name)] = schema
        for path, operations in doc.get("paths", {}).items():
            if not path.startswith(API_PREFIX + "/"):
                continue  # health and docs are each service's own, not the public API
            kept = {
                method: op
                for method, op in operations.items()
                if method not in METHODS or owner_of(method.upper(), path) == service
            }
            if any(method in METHODS for method in kept):
                paths.setdefault(path, {}).update({m: op for m, op in kept.items() if m not in paths.get(path, {})})
    document_front(merged, policy)
    merged.setdefault("components", {})["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
        "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
    }
    merged["security"] = [{"bearer": []}, {"apiKey": []}]
    merged["x-liaison-missing"] = missing
    description = "Every route of the Liaison API, through the gateway."
    if missing:
        description += f" Incomplete: the {', '.join(missing)} service(s) did not answer; their routes are missing."
    merged["info"]["description"] = description
    return merged


class MergedOpenAPI:
    def __init__(
        self,
        *,
        upstreams: dict[str, Upstream],
        gateway_doc: Callable[[], dict[str, Any]],
        refresh_seconds: float,
        owner_of: OwnerOf,
    ) -> None:
        self.upstreams = upstreams
        self.gateway_doc = gateway_doc  # a callable: the gateway app's own document
        self.refresh_seconds = refresh_seconds
        self.owner_of = owner_of
        self.document: dict[str, Any] | None = None
        self.built_at = float("-inf")
        self._lock = asyncio.Lock()

    def stale(self) -> bool:
        age = time.monotonic() - self.built_at
        if self.document is None or age > self.refresh_seconds:
            return True
        return bool(self.document["x-liaison-missing"]) and age > MISSING_RETRY_SECONDS

    async def get(self) -> dict[str, Any]:
        if self.stale():
            async with self._lock:
                if self.stale():
                    docs = dict(await asyncio.gather(*(self._fetch(n, u) for n, u in self.upstreams.items())))
                    self.document = merge(self.gateway_doc(), docs, owner_of=self.owner_of)
                    self.built_at = time.monotonic()
        assert self.document is not None  # stale() is True until a document is built
        return self.document

    @staticmethod
    async def _fetch(name: str, upstream: Upstream) -> tuple[str, dict[str, Any] | None]:
        try:
            response = await upstream.request(
                "GET", "/openapi.json", headers=[("accept", "application/json")], timeout=5.0
            )
            if response.status == 200:
                return name, json.loads(response.body)
            log.warning("openapi fetch failed", extra={"service": name, "status": response.status})
        except (UpstreamError, ValueError) as exc:
            log.warning("openapi fetch failed", extra={"service": name, "error": repr(exc)})
        return name, None
