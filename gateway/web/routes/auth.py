"""Logging in (local users; OIDC when configured), logging out, and the language switch."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from gateway import accounts
from gateway.settings import GatewaySettings
from gateway.web import sessions
from gateway.web.context import (
    CSRF_FIELD,
    LANG_COOKIE,
    SESSION_COOKIE,
    PublicWeb,
    Web,
    WebContext,
    checked_form,
    csrf_matches,
    safe_next,
    uses_tls,
)
from gateway.web.i18n import Text
from gateway.web.i18n import lazy_gettext as _l
from gateway.web.preferences import share_language
from services.kit.db import unit_of_work

router = APIRouter()
LOGIN_CSRF_COOKIE = "liaison_login_csrf"
ONE_YEAR = 365 * 24 * 3600

# Lazy: shown in the language of the page they appear on.
BAD_CREDENTIALS = _l("Unknown user name or wrong password, or the account is disabled.")
FORM_EXPIRED = _l("The form had expired. Please try again.")
MISSING = _l("Enter your user name and your password.")


def set_cookie(
    response: Response, request: Request, name: str, value: str, *, max_age: int | None = None, path: str = "/"
) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path=path, httponly=True, samesite="lax", secure=uses_tls(request)
    )


def oidc_button(settings: GatewaySettings) -> str | None:
    """The issuer's name on the "Sign in with" button, None when OIDC sign-in is not configured."""
    if not settings.oidc_web_login:
        return None
    return settings.oidc_display_name or urlsplit(settings.oidc_issuer or "").hostname or "SSO"


def login_page(
    web: WebContext, *, next_url: str, username: str = "", error: Text | None = None, status: int = 200
) -> Response:
    # Login CSRF: the form carries a token that must match a cookie only this site could have set.
    token = secrets.token_urlsafe(32)
    response = web.render(
        "auth/login.html",
        status=status,
        next_url=next_url,
        username=username,
        error=error,
        login_csrf=token,
        oidc_name=oidc_button(web.runtime.settings),
    )
    set_cookie(response, web.request, LOGIN_CSRF_COOKIE, token)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/login")
def login_form(web: PublicWeb, next: str = "/") -> Response:
    next_url = safe_next(next)
    if web.session is not None:
        return web.redirect(next_url)
    return login_page(web, next_url=next_url)


@router.post("/login")
async def log_in(request: Request, web: PublicWeb) -> Response:
    form = await request.form()
    username = str(form.get("username") or "").strip()
    password = str(form.get("password") or "")
    next_url = safe_next(str(form.get("next") or "/"))
    if not csrf_matches(request.cookies.get(LOGIN_CSRF_COOKIE, ""), str(form.get(CSRF_FIELD) or "")):
        return login_page(web, next_url=next_url, username=username, error=FORM_EXPIRED, status=403)
    if not username or not password:
        return login_page(web, next_url=next_url, username=username, error=MISSING, status=422)
    runtime = request.app.state.runtime
    client = request.client.host if request.client else "?"
    wait = runtime.login_backoff.wait(username, client)
    if wait:
        seconds = max(1, round(wait))
        error = web.gettext("Too many failed attempts for this account. Try again in %(seconds)d seconds.") % {
            "seconds": seconds
        }
        response = login_page(web, next_url=next_url, username=username, error=error, status=429)
        response.headers["Retry-After"] = str(seconds)
        return response
    session_id = await asyncio.to_thread(
        _authenticate_and_open, web, username=username, password=password, old=request.cookies.get(SESSION_COOKIE)
    )
    if session_id is None:
        runtime.login_backoff.failed(username, client)
        return login_page(web, next_url=next_url, username=username, error=BAD_CREDENTIALS, status=401)
    runtime.login_backoff.succeeded(username, client)
    response = RedirectResponse(next_url, status_code=303)
    start_session_cookie(response, request, session_id)
    return response


def _authenticate_and_open(web: WebContext, *, username: str, password: str, old: str | None) -> str | None:
    runtime = web.runtime
    for db in unit_of_work(runtime.sessions):
        user = accounts.authenticate(session=db, username=username, password=password)
        if user is None:
            return None
        session_id = open_web_session(db, web, username=user.username, roles=list(user.roles), via="local", old=old)
    return session_id


def open_web_session(
    db: Session, web: WebContext, *, username: str, roles: list[str], via: str, old: str | None
) -> str:
    """A fresh session id (never the one the browser came with: no fixation); the previous one ends."""
    runtime = web.runtime
    if old:
        sessions.end_session_by_id(session=db, settings=runtime.settings, session_id=old)
    session_id, _row = sessions.open_session(
        session=db, settings=runtime.settings, username=username, roles=roles, via=via
    )
    # The language chosen before logging in becomes the person's, unless they chose one before.
    chosen = web.request.cookies.get(LANG_COOKIE)
    if chosen in sessions.LANGUAGES and sessions.get_language(session=db, username=username) is None:
        sessions.set_language(session=db, username=username, lang=chosen)
    return session_id


def start_session_cookie(response: Response, request: Request, session_id: str) -> None:
    set_cookie(response, request, SESSION_COOKIE, session_id)  # a browser-session cookie: no max-age
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")


@router.post("/logout", dependencies=[Depends(checked_form)])  # a link from elsewhere cannot log anyone out
async def log_out(request: Request, web: Web) -> Response:
    session_id = request.cookies.get(SESSION_COOKIE)
    if session_id:
        family = await asyncio.to_thread(_end, web, session_id)
        if family is not None:
            request.app.state.runtime.authenticator.revoked_token_ids(family.hex)
    web.runtime.tokens.drop(web.signed_in.id_hash)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _end(web: WebContext, session_id: str) -> uuid.UUID | None:
    family: uuid.UUID | None = None
    # Not returned from inside the loop: the unit of work commits when the loop ends.
    for db in unit_of_work(web.runtime.sessions):
        family = sessions.end_session_by_id(session=db, settings=web.runtime.settings, session_id=session_id)
    return family


@router.get("/language/{lang}")
async def switch_language(lang: str, web: PublicWeb, next: str = "/") -> Response:
    """A plain link (works without JavaScript): remembered for the person, and in a cookie before login."""
    if lang not in sessions.LANGUAGES:
        return web.redirect(safe_next(next))
    if web.session is not None:
        for db in unit_of_work(web.runtime.sessions):
            sessions.set_language(session=db, username=web.session.username, lang=lang)
        await share_language(web, lang)  # their emails and notifications follow the same choice
    response = RedirectResponse(safe_next(next), status_code=303)
    set_cookie(response, web.request, LANG_COOKIE, lang, max_age=ONE_YEAR)
    return response
