"""The gateway's read routes: health, the merged OpenAPI and its docs page, partner 360 and briefing."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import text

from gateway.briefing import render_briefing
from gateway.composite import Composer
from gateway.upstream import Upstream, UpstreamError
from services.kit.logging import request_id_var
from services.kit.openapi_problems import problems
from services.kit.outbox_admin import failed_or_blocked
from services.kit.types import utcnow

router = APIRouter()


@router.get("/healthz", tags=["health"], include_in_schema=False)
async def healthz() -> dict[str, Any]:
    return {"status": "ok"}


@router.get("/readyz", tags=["health"], include_in_schema=False)
async def readyz(request: Request) -> JSONResponse:
    async def probe(name: str, upstream: Upstream) -> tuple[str, bool]:
        try:
            return name, (await upstream.request("GET", "/readyz", headers=[], timeout=3.0)).status == 200
        except UpstreamError:
            return name, False

    def own_database() -> dict[str, Any]:
        # Its users, tokens and directory outbox: a gateway that cannot read them cannot log anyone in.
        try:
            with request.app.state.sessions() as session:
                session.execute(text("SELECT 1"))
                # A detail, not readiness (as on the services): a failed directory event must be seen.
                return {"ok": True, "outbox": failed_or_blocked(session)}
        except Exception as exc:
            return {"ok": False, "error": type(exc).__name__}

    upstreams = request.app.state.runtime.upstreams
    database, results = await asyncio.gather(
        asyncio.to_thread(own_database), asyncio.gather(*(probe(n, u) for n, u in upstreams.items()))
    )
    services = dict(results)
    ready = database["ok"] and all(services.values())
    return JSONResponse(
        {"status": "ready" if ready else "unavailable", "services": services, "database": database},
        status_code=200 if ready else 503,
    )


@router.get("/api/v1/openapi.json", include_in_schema=False)
async def merged_openapi(request: Request) -> JSONResponse:
    return JSONResponse(await request.app.state.runtime.openapi.get())


# Swagger UI from the web app's vendored copy (gateway/web/static/swagger-ui): the page works with no
# internet access, and under the same CSP as every page (its start-up script is a file, not inline).
DOCS_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Liaison API</title>
<link rel="stylesheet" href="/static/swagger-ui/swagger-ui.css">
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
</head>
<body>
<main id="swagger-ui" data-openapi-url="/api/v1/openapi.json"></main>
<script src="/static/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/static/docs.js"></script>
</body>
</html>
"""


@router.get("/docs", include_in_schema=False)
async def docs() -> HTMLResponse:
    return HTMLResponse(DOCS_PAGE)


def composer(request: Request) -> Composer:
    runtime = request.app.state.runtime
    state = request.scope["state"]
    return Composer(
        upstreams=runtime.upstreams,
        secret=runtime.identity_secret,
        caller=state["principal"].caller,
        request_id=request_id_var.get() or "",
    )


# The partner's own refusal (403, 404) is the answer; 502 when the partners service failed.
@router.get("/api/v1/partners/{partner_id}/overview", tags=["partner 360"], responses=problems(403, 502))
async def partner_overview(partner_id: str, request: Request) -> JSONResponse:
    """The partner, its contacts and relationships, its last 10 engagements the caller may see, and
    open follow-ups; `missing` names any part a service could not give (the answer is then partial)."""
    overview = await composer(request).overview(partner_id)
    return JSONResponse(overview, headers={"Cache-Control": "private, no-store"})


@router.get(
    "/api/v1/partners/{partner_id}/briefing",
    response_class=HTMLResponse,
    tags=["partner 360"],
    responses=problems(403, 502),
)
async def partner_briefing(partner_id: str, request: Request, lang: Literal["fr", "en"] = Query("fr")) -> HTMLResponse:
    """A printable briefing note before a mission, in French or English."""
    overview = await composer(request).overview(partner_id)
    return HTMLResponse(
        render_briefing(overview, lang=lang, now=utcnow()),
        headers={"Cache-Control": "private, no-store", "Content-Language": lang},
    )
