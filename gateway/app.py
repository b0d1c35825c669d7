"""The gateway: the only public entry. Routing now; authentication and roles arrive with the gateway issue."""
from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from gateway.proxy import forward
from gateway.routing import API_PREFIX, service_for
from gateway.settings import GatewaySettings
from services.kit.identity import Caller
from services.kit.logging import request_id_var
from services.kit.middleware import RequestContextMiddleware
from services.kit.problems import install_problem_handlers, problem_response

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
# Until the gateway authenticates callers (the gateway issue), every request is this one's.
ANONYMOUS = Caller(user="anonymous")


def make_clients(settings: GatewaySettings) -> dict[str, httpx.AsyncClient]:
    timeout = httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout)
    limits = httpx.Limits(max_connections=settings.max_connections_per_service,
                          max_keepalive_connections=settings.max_connections_per_service)
    return {name: httpx.AsyncClient(base_url=url, timeout=timeout, limits=limits)
            for name, url in settings.service_urls().items()}


def create_app(settings: GatewaySettings | None = None,
               *, clients: dict[str, httpx.AsyncClient] | None = None) -> FastAPI:
    settings = settings or GatewaySettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.clients = clients or make_clients(settings)
        try:
            yield
        finally:
            if clients is None:
                await asyncio.gather(*(client.aclose() for client in app.state.clients.values()))

    app = FastAPI(title="Liaison gateway", version="0.1.0", lifespan=lifespan)
    app.add_middleware(RequestContextMiddleware)
    install_problem_handlers(app)

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"])
    async def readyz(request: Request) -> JSONResponse:
        async def probe(name: str, client: httpx.AsyncClient) -> tuple[str, bool]:
            try:
                return name, (await client.get("/readyz", timeout=3.0)).status_code == 200
            except httpx.HTTPError:
                return name, False
        results = dict(await asyncio.gather(*(probe(n, c) for n, c in request.app.state.clients.items())))
        ready = all(results.values())
        return JSONResponse({"status": "ready" if ready else "unavailable", "services": results},
                            status_code=200 if ready else 503)

    @app.api_route(API_PREFIX + "/{path:path}", methods=METHODS, include_in_schema=False)
    async def route(request: Request, path: str):
        service = service_for(request.url.path)
        if service is None:
            return problem_response(404, detail=f"No resource at {request.url.path}.")
        return await forward(request, client=request.app.state.clients[service], service=service,
                             request_id=request_id_var.get() or "", caller=ANONYMOUS,
                             secret=settings.identity_key())

    return app
