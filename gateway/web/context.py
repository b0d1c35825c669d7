"""What a page route gets: `web: Web` (who, in which language, the API as them, how to answer) and,
for a POST, `form: WebForm` (the form, its CSRF token checked).

    @router.get("/partners/{pid}")
    async def partner(pid: str, web: Web) -> HTMLResponse:
        r = await web.api.get(f"/partners/{pid}")
        return web.render("partners/show.html", partner=r.json)

Not logged in: 303 to /login?next=<path> (for htmx, an HX-Redirect there).
"""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import quote

import httpx
import jinja2
from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from gateway.models import User
from gateway.settings import GatewaySettings
from gateway.tokens import issue_access_token
from gateway.web import i18n
from gateway.web.client import ApiClient, TokenCache
from gateway.web.sessions import DEFAULT_LANGUAGE, LANGUAGES, OpenSession, load_session
from services.kit.db import unit_of_work
from services.kit.logging import request_id_var
from services.kit.roles import Role

SESSION_COOKIE = "liaison_session"
LANG_COOKIE = "liaison_lang"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


class LoginRequired(Exception):
    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


@dataclass
class WebRuntime:
    """Built in the gateway's lifespan: what every page request uses."""

    settings: GatewaySettings
    sessions: Any  # sessionmaker
    http: httpx.AsyncClient  # bound to the front door
    templates: jinja2.Environment
    tokens: TokenCache = field(default_factory=TokenCache)

    def access_token(self, open_session: OpenSession) -> str:
        # Keyed by the roles too: an administrator's change of this person's roles applies at the next page.
        key = open_session.id_hash + ":" + ",".join(sorted(open_session.roles))
        token = self.tokens.get(key)
        if token is None:
            # Only names the token's subject and roles; never stored, and no password is involved.
            person = User(username=open_session.username, roles=sorted(open_session.roles), password_hash="")
            token = issue_access_token(settings=self.settings, user=person, family_id=open_session.family_id)
            self.tokens.put(key, token, time.time() + self.settings.access_token_seconds)
        return token


def safe_next(url: str | None, default: str = "/") -> str:
    """A local path to go back to; anything else (another site, a scheme) becomes `default`."""
    if not url or not url.startswith("/") or url.startswith("//") or "\\" in url or "\n" in url or "\r" in url:
        return default
    return url


def request_language(request: Request, remembered: str | None = None) -> str:
    if remembered in LANGUAGES:
        return remembered
    cookie = request.cookies.get(LANG_COOKIE)
    return cookie if cookie in LANGUAGES else DEFAULT_LANGUAGE


def uses_tls(request: Request) -> bool:
    return request.url.scheme == "https"


@dataclass
class WebContext:
    request: Request
    runtime: WebRuntime
    session: OpenSession | None
    lang: str

    @property
    def user(self) -> str | None:
        return self.session.username if self.session else None

    @property
    def signed_in(self) -> OpenSession:
        """The session of the signed-in person: pages behind `Web` always have one."""
        if self.session is None:
            raise RuntimeError("no one is signed in on this page")
        return self.session

    @property
    def username(self) -> str:
        """The signed-in person: pages behind `Web` always have one."""
        if self.session is None:
            raise RuntimeError("no one is signed in on this page")
        return self.session.username

    @property
    def display_name(self) -> str | None:
        return (self.session.display_name or self.session.username) if self.session else None

    @property
    def roles(self) -> frozenset[str]:
        return self.session.roles if self.session else frozenset()

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN.value in self.roles

    @property
    def csrf(self) -> str:
        return self.session.csrf_token if self.session else ""

    @property
    def is_htmx(self) -> bool:
        return self.request.headers.get("HX-Request") == "true"

    @property
    def api(self) -> ApiClient:
        if self.session is None:
            raise RuntimeError("web.api needs a logged-in person")
        return ApiClient(
            self.runtime.http,
            self.runtime.access_token(self.session),
            request_id=request_id_var.get() or None,
            language=self.lang,
        )

    def gettext(self, message: str) -> str:
        token = i18n.current_language.set(self.lang)
        try:
            return i18n.gettext(message)
        finally:
            i18n.current_language.reset(token)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        token = i18n.current_language.set(self.lang)
        try:
            return i18n.ngettext(singular, plural, n)
        finally:
            i18n.current_language.reset(token)

    def render_string(self, template: str, **variables: Any) -> str:
        request = self.request
        query = request.url.query
        context = {
            "web": self,
            "request": request,
            "user": self.user,
            "roles": self.roles,
            "is_admin": self.is_admin,
            "lang": self.lang,
            "other_lang": "en" if self.lang == "fr" else "fr",
            "csrf": self.csrf,
            "csrf_field": CSRF_FIELD,
            "current_path": request.url.path + (f"?{query}" if query else ""),
            **variables,
        }
        token = i18n.current_language.set(self.lang)
        try:
            return self.runtime.templates.get_template(template).render(context)
        finally:
            i18n.current_language.reset(token)

    def render(self, template: str, status: int = 200, **variables: Any) -> HTMLResponse:
        headers = {"Content-Language": self.lang, "Vary": "Cookie, HX-Request"}
        if self.session is not None:
            headers["Cache-Control"] = "private, no-store"  # a person's page stays out of shared caches
        return HTMLResponse(self.render_string(template, **variables), status_code=status, headers=headers)

    def redirect(self, url: str) -> Response:
        if self.is_htmx:
            # htmx would follow a 303 inside the XHR and swap the next page into a fragment.
            return Response(status_code=200, headers={"HX-Redirect": url})
        return RedirectResponse(url, status_code=303)


def _runtime(request: Request) -> WebRuntime:
    runtime: WebRuntime = request.app.state.web
    return runtime


def _load(request: Request, runtime: WebRuntime) -> OpenSession | None:
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id:
        return None
    for db in unit_of_work(runtime.sessions):
        found = load_session(session=db, settings=runtime.settings, session_id=session_id)
    return found


def public_web_context(request: Request) -> WebContext:
    """For pages anyone may see (login, errors): the session when there is one, else none."""
    runtime = _runtime(request)
    session = _load(request, runtime)
    return WebContext(request, runtime, session, request_language(request, session.lang if session else None))


def web_context(request: Request) -> WebContext:
    web = public_web_context(request)
    if web.session is None:
        query = request.url.query
        raise LoginRequired(request.url.path + (f"?{query}" if query else ""))
    return web


Web = Annotated[WebContext, Depends(web_context)]
PublicWeb = Annotated[WebContext, Depends(public_web_context)]


def csrf_matches(expected: str, presented: str | None) -> bool:
    if not expected or not presented:
        return False
    return hmac.compare_digest(expected.encode(), presented.encode())


async def checked_form(request: Request, web: Web) -> FormData:
    """The POSTed form, once its CSRF token (field `csrf_token` or header X-CSRF-Token) matches the session's."""
    form = await request.form()
    presented = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER)
    if not isinstance(presented, str) or not csrf_matches(web.csrf, presented):
        raise HTTPException(status_code=403, detail="csrf")
    return form


WebForm = Annotated[FormData, Depends(checked_form)]


def login_redirect(request: Request, next_url: str) -> Response:
    target = "/login?next=" + quote(safe_next(next_url), safe="/")
    if request.headers.get("HX-Request") == "true":
        return Response(status_code=200, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)
