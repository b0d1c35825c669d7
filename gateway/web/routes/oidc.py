"""Sign in with the issuer (OIDC): authorization code flow with PKCE (S256), by Authlib.

/login/oidc sends the browser to the issuer with a fresh state, nonce and code challenge, kept in a
short-lived HttpOnly cookie; /login/oidc/callback checks the state, trades the code (with the
verifier) for tokens over the back channel, checks the ID token against the issuer's JWKS (issuer,
audience = our client id, expiry, nonce), then opens a web session like a local login does.
Shown only when the settings name a client and the issuer's endpoints (`oidc_web_login`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import warnings

from authlib.deprecate import AuthlibDeprecationWarning
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from gateway.oidc import OidcError
from gateway.settings import GatewaySettings
from gateway.web.context import SESSION_COOKIE, PublicWeb, WebContext, safe_next
from gateway.web.i18n import lazy_gettext as _l
from gateway.web.routes.auth import login_page, open_web_session, set_cookie, start_session_cookie
from services.kit.db import unit_of_work

with warnings.catch_warnings():
    # Authlib 1.9 prefers the httpx2 fork and warns when it falls back to httpx, which it fully supports.
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.common.security import generate_token
    from authlib.integrations.httpx_client import AsyncOAuth2Client

router = APIRouter()
log = logging.getLogger("liaison.gateway.web.oidc")
FLOW_COOKIE = "liaison_oidc"
FLOW_SECONDS = 600
CALLBACK = "/login/oidc/callback"
SIGN_IN_FAILED = _l("Signing in with your organisation's account did not work. Please try again.")
NO_ROLE = _l("Your organisation's account holds no role in Liaison. Ask an administrator for access.")


def _settings(request: Request) -> GatewaySettings:
    settings: GatewaySettings = request.app.state.runtime.settings
    if not settings.oidc_web_login:
        raise HTTPException(status_code=404)
    return settings


def _client(settings: GatewaySettings, request: Request) -> AsyncOAuth2Client:
    secret = settings.oidc_client_secret.get_secret_value() if settings.oidc_client_secret else None
    return AsyncOAuth2Client(
        client_id=settings.oidc_client_id,
        client_secret=secret,
        token_endpoint_auth_method="client_secret_basic" if secret else "none",
        scope=settings.oidc_scopes,
        redirect_uri=str(request.base_url).rstrip("/") + CALLBACK,
        code_challenge_method="S256",
        timeout=10.0,
    )


@router.get("/login/oidc")
async def start(request: Request, next: str = "/") -> Response:
    settings = _settings(request)
    verifier, nonce = generate_token(64), generate_token(32)
    async with _client(settings, request) as client:
        url, state = client.create_authorization_url(
            settings.oidc_authorize_url, state=generate_token(32), code_verifier=verifier, nonce=nonce
        )
    response = RedirectResponse(url, status_code=303)
    # Only this browser's own flow: the verifier never leaves it except to the issuer's token endpoint,
    # through us; a tampered cookie can only fail the state or nonce check.
    flow = {"state": state, "verifier": verifier, "nonce": nonce, "next": safe_next(next)}
    set_cookie(response, request, FLOW_COOKIE, json.dumps(flow), max_age=FLOW_SECONDS, path="/login/oidc")
    return response


@router.get(CALLBACK)
async def callback(request: Request, web: PublicWeb) -> Response:
    settings = _settings(request)
    try:
        flow = json.loads(request.cookies.get(FLOW_COOKIE, ""))
    except ValueError:
        flow = None
    params = request.query_params
    if not isinstance(flow, dict) or not secrets.compare_digest(str(flow.get("state", "")), params.get("state", "")):
        return _failed(web, "state mismatch or expired flow", status=403)
    next_url = safe_next(flow.get("next"))
    if "error" in params or "code" not in params:
        return _failed(web, f"issuer error {params.get('error')!r}", next_url=next_url)
    try:
        async with _client(settings, request) as client:
            token = await client.fetch_token(
                settings.oidc_token_url, code=params["code"], code_verifier=flow["verifier"]
            )
    except Exception as exc:  # the issuer refused or did not answer: a login page, not a 500
        return _failed(web, f"token request failed: {exc!r}", next_url=next_url)
    verifier = request.app.state.runtime.authenticator.oidc
    try:
        claims = await verifier.decode(token.get("id_token", ""), audience=settings.oidc_client_id)
    except OidcError as exc:
        return _failed(web, f"ID token refused: {exc}", next_url=next_url)
    if not secrets.compare_digest(str(claims.get("nonce", "")), str(flow["nonce"])):
        return _failed(web, "nonce mismatch", next_url=next_url)
    username = claims.get(settings.oidc_user_claim)
    roles = verifier.map_roles(claims)
    if not username:
        return _failed(web, f"no {settings.oidc_user_claim!r} claim", next_url=next_url)
    if not roles:
        return login_page(web, next_url=next_url, error=NO_ROLE, status=403)
    session_id = await asyncio.to_thread(_open, web, str(username), sorted(roles), request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse(next_url, status_code=303)
    start_session_cookie(response, request, session_id)
    response.delete_cookie(FLOW_COOKIE, path="/login/oidc")
    return response


def _open(web: WebContext, username: str, roles: list[str], old: str | None) -> str:
    for db in unit_of_work(web.runtime.sessions):
        session_id = open_web_session(db, web, username=username, roles=roles, via="oidc", old=old)
    return session_id


def _failed(web: WebContext, why: str, *, next_url: str = "/", status: int = 401) -> Response:
    log.warning("OIDC sign-in refused", extra={"reason": why})
    response = login_page(web, next_url=next_url, error=SIGN_IN_FAILED, status=status)
    response.delete_cookie(FLOW_COOKIE, path="/login/oidc")
    return response
