"""Partner 360: one partner's record, contacts, relationships, recent history and open follow-ups,
fetched concurrently from the services that own them, each call carrying the caller's own identity.

Nothing is cached or shared between callers: what each service lets this caller see (restricted
engagements, for one) is its decision, made on every call. A part whose service fails is left
out and named in `missing`; the answer is then partial, never an error.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from gateway.proxy import signed_headers
from gateway.upstream import UpstreamError
from services.kit import tracing
from services.kit.identity import Caller
from services.kit.problems import Problem

log = logging.getLogger("liaison.gateway.composite")
HISTORY_LIMIT = 10
PART_TIMEOUT = 5.0


@dataclass(frozen=True)
class Part:
    name: str
    service: str
    path: str  # with {id}
    query: dict[str, Any]


PARTNER = Part("partner", "partners", "/api/v1/partners/{id}", {})
PARTS = (
    Part("contacts", "partners", "/api/v1/partners/{id}/contacts", {}),
    Part("relationships", "partners", "/api/v1/partners/{id}/relationships", {}),
    Part("history", "engagements", "/api/v1/partners/{id}/history", {"limit": HISTORY_LIMIT}),
    Part("open_follow_ups", "engagements", "/api/v1/follow-ups", {"partner_id": "{id}", "status": "open"}),
)


@dataclass
class Fetched:
    part: Part
    status: int | None
    body: object | None
    problem: str | None = None


class Composer:
    def __init__(self, *, upstreams: dict[str, Any], secret: str, caller: Caller, request_id: str) -> None:
        self.upstreams = upstreams
        self.secret = secret
        self.caller = caller
        self.request_id = request_id

    async def fetch(self, part: Part, partner_id: str) -> Fetched:
        path = part.path.format(id=quote(partner_id, safe=""))
        query = urlencode({k: str(v).format(id=partner_id) for k, v in part.query.items()})
        headers = signed_headers(
            tracing.inject([("accept", "application/json"), ("x-request-id", self.request_id)]),
            caller=self.caller,
            secret=self.secret,
            method="GET",
            path=path,
            query=query,
        )
        upstream = self.upstreams.get(part.service)
        if upstream is None:
            return Fetched(part, None, None, f"the {part.service} service is not configured")
        try:
            response = await upstream.request(
                "GET", path + (f"?{query}" if query else ""), headers=headers, timeout=PART_TIMEOUT
            )
        except UpstreamError as error:
            return Fetched(part, None, None, f"the {part.service} service is unavailable ({error.reason})")
        try:
            body = json.loads(response.body) if response.body else None
        except ValueError:
            return Fetched(part, response.status, None, f"the {part.service} service answered something not JSON")
        if response.status != 200:
            detail = body.get("detail") if isinstance(body, dict) else None
            return Fetched(
                part, response.status, body, detail or f"the {part.service} service answered {response.status}"
            )
        return Fetched(part, 200, body)

    async def overview(self, partner_id: str) -> dict[str, Any]:
        partner, *others = await asyncio.gather(
            self.fetch(PARTNER, partner_id), *(self.fetch(part, partner_id) for part in PARTS)
        )
        if partner.status is not None and partner.status != 200:
            # The partner itself is what was asked for: its 404 or 403 is the answer.
            detail = partner.problem or f"partners answered {partner.status}"
            raise Problem(
                detail,
                status=partner.status if 400 <= partner.status < 500 else 502,
                title="Partner unavailable" if partner.status >= 500 else None,
            )
        survivor = surviving_id(partner.body, partner_id) if partner.status == 200 else partner_id
        if survivor != partner_id:
            # A merged partner: the rest is about the survivor, which holds the merged history now.
            others = await asyncio.gather(*(self.fetch(part, survivor) for part in PARTS))
        answer: dict[str, Any] = {"partner": partner.body if partner.status == 200 else None}
        if survivor != partner_id:
            answer["requested_id"] = partner_id
        missing = []
        for fetched in (partner, *others):
            if fetched.part is not PARTNER:
                answer[fetched.part.name] = fetched.body if fetched.status == 200 else None
            if fetched.status != 200:
                missing.append(
                    {
                        "part": fetched.part.name,
                        "service": fetched.part.service,
                        "status": fetched.status,
                        "detail": fetched.problem,
                    }
                )
        answer["missing"] = missing
        answer["complete"] = not missing
        return answer


def surviving_id(partner: object, requested: str) -> str:
    """The id the partner lives on under: itself, or the survivor it was merged into."""
    if not isinstance(partner, dict):
        return requested
    survivor = partner.get("merged_into") or partner.get("id")
    if not survivor or _canonical(str(survivor)) == _canonical(requested):
        return requested
    return str(survivor)


def _canonical(partner_id: str) -> str:
    return partner_id.replace("-", "").lower()


def items(part: object) -> list[Any]:
    """The rows of a list answer ({"items": [...]}), or [] when the part is missing."""
    if isinstance(part, dict) and isinstance(rows := part.get("items"), list):
        return rows
    return part if isinstance(part, list) else []
