"""The officers' web app, served by the gateway: server-rendered pages (Jinja2 + htmx) that call the
public API through the gateway's own front door as the logged-in person.

`install(app)` adds the pages, /static and the HTML error pages to the gateway's inner app at
creation; `start(app, front)` builds what they use, in the lifespan.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import jinja2
from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp

ExceptionHandler = Callable[[Request, Any], Awaitable[Response]]

if TYPE_CHECKING:
    from gateway.app import Runtime
    from gateway.web.context import WebRuntime

# Imported inside the functions below: `python -m gateway.web.i18n` must not find i18n already loaded.

WEB_DIR = Path(__file__).parent
TEMPLATES = WEB_DIR / "templates"
STATIC = WEB_DIR / "static"


def make_templates() -> jinja2.Environment:
    from gateway.web import i18n

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html", "xml"], default=True),
        undefined=jinja2.ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    i18n.install(environment)
    return environment


def install(app: FastAPI) -> None:
    from gateway.web.headers import SecurityHeaders
    from gateway.web.routes import routers

    for router in routers():
        app.include_router(router, include_in_schema=False)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(SecurityHeaders)
    _install_error_pages(app)


def start(app: FastAPI, front: ASGIApp, runtime: Runtime) -> WebRuntime:
    from gateway.web import charts
    from gateway.web.client import front_door_client
    from gateway.web.context import WebRuntime

    web = WebRuntime(
        settings=runtime.settings,
        sessions=runtime.sessions,
        http=front_door_client(front),
        templates=make_templates(),
    )
    app.state.web = web
    threading.Thread(target=charts.warm_up, name="chart-warm-up", daemon=True).start()
    return web


async def stop(web: WebRuntime) -> None:
    await web.http.aclose()


def _install_error_pages(app: FastAPI) -> None:
    """Pages get pages for their errors; the API keeps its problem+json."""
    from gateway.web.context import LoginRequired, login_redirect
    from gateway.web.headers import is_web_path

    # The kit's problem+json handlers (install_problem_handlers), all async.
    api_http_error = cast(ExceptionHandler, app.exception_handlers[StarletteHTTPException])
    api_unexpected = cast(ExceptionHandler, app.exception_handlers[Exception])

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        return login_redirect(request, exc.next_url)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if not is_web_path(request.url.path):
            return await api_http_error(request, exc)
        return _error_page(request, exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        response = await api_unexpected(request, exc)  # logs it, with the request id
        if not is_web_path(request.url.path):
            return response
        return _error_page(request, 500)


def _error_page(request: Request, status: int, headers: dict[str, Any] | None = None) -> Response:
    from gateway.web.context import WebContext, public_web_context, request_language

    try:
        web = public_web_context(request)
    except Exception:  # the database itself may be what failed: the page must still answer
        web = WebContext(request, request.app.state.web, None, request_language(request))
    response = web.render("errors/error.html", status=status, status_code=status)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response
