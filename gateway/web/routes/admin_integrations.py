"""Administration: integrations' API keys (created with their secret shown once, revoked) and webhooks
(their deliveries, and a new round of attempts for a failed one)."""

from __future__ import annotations

import base64
import binascii
import json
import os
import uuid
from typing import Annotated, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse, Response

from gateway.web.client import ApiResponse
from gateway.web.context import Web, WebContext, WebForm, safe_next, uses_tls
from gateway.web.i18n import lazy_gettext as _l
from gateway.web.routes.admin import forbidden, notice, tr, with_notice

router = APIRouter()

SCOPES = {"read": _l("Read (GET) the API"), "webhooks": _l("Manage its webhooks and read their deliveries")}
KEY_ID = Annotated[str, Path(max_length=64, pattern=r"^[a-z0-9]+$")]
# The new key's secret rides from the POST to the page after it (so a reload neither shows it again nor
# makes a second key) in a cookie sealed for this session, deleted by the page that shows it.
NEW_KEY_COOKIE = "liaison_new_key"
NEW_KEY_PATH = "/admin/keys"
STATUSES = {
    "pending": _l("Pending"),
    "in_progress": _l("Sending"),
    "held": _l("Held for the digest"),
    "digested": _l("Sent in a digest"),
    "sent": _l("Sent"),
    "failed": _l("Failed"),
}


def _cipher(web: WebContext) -> AESGCM:
    secret = web.runtime.settings.token_key().encode()
    return AESGCM(HKDF(SHA256(), 32, salt=None, info=b"liaison web: new API key").derive(secret))


def _session_bound(web: WebContext) -> bytes:
    """What a sealed value is bound to: the admin's session (the page is behind `Web`, so there is one)."""
    if web.session is None:
        raise RuntimeError("no one is signed in on this page")
    return web.session.id_hash.encode()


def seal(web: WebContext, payload: dict[str, Any]) -> str:
    nonce = os.urandom(12)
    sealed = _cipher(web).encrypt(nonce, json.dumps(payload).encode(), _session_bound(web))
    return base64.urlsafe_b64encode(nonce + sealed).decode()


def unseal(web: WebContext, value: str | None) -> dict[str, Any] | None:
    """The payload, or None for no cookie or one that is not this session's (or was tampered with)."""
    if not value:
        return None
    try:
        raw = base64.urlsafe_b64decode(value.encode())
        payload: dict[str, Any] = json.loads(_cipher(web).decrypt(raw[:12], raw[12:], _session_bound(web)))
        return payload
    except (binascii.Error, InvalidTag, ValueError):
        return None


async def keys_page(
    web: WebContext,
    *,
    form: dict[str, Any] | None = None,
    errors: dict[str, Any] | None = None,
    created: dict[str, Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    answer = await web.api.get("/keys", params={"limit": 200})
    keys = answer.json["items"] if answer.ok else []
    return web.render(
        "admin/keys.html",
        status=status,
        section="keys",
        keys=sorted(keys, key=lambda k: k["created_at"], reverse=True),
        failure=None if answer.ok else web.gettext("The list of API keys could not be read."),
        form=form or {"scopes": ["read"]},
        errors=errors or {},
        scope_options=[(k, tr(web, v)) for k, v in SCOPES.items()],
        created=created,
        done=notice(web),
    )


@router.get("/admin/keys", response_class=HTMLResponse)
async def list_keys(web: Web) -> HTMLResponse:
    if not web.is_admin:
        return forbidden(web)
    created = unseal(web, web.request.cookies.get(NEW_KEY_COOKIE))
    response = await keys_page(web, created=created)
    if NEW_KEY_COOKIE in web.request.cookies:
        response.delete_cookie(NEW_KEY_COOKIE, path=NEW_KEY_PATH)
    return response


@router.post("/admin/keys", response_class=HTMLResponse)
async def create_key(web: Web, form: WebForm) -> Response:
    if not web.is_admin:
        return forbidden(web)
    posted_name = form.get("name")
    name = posted_name.strip() if isinstance(posted_name, str) else ""
    scopes = [s for s in form.getlist("scopes") if s in SCOPES]
    errors = {}
    if not name or len(name) > 200:
        errors["name"] = web.gettext("Name the key (at most 200 characters): who or what will use it.")
    if not scopes:
        errors["scopes"] = web.gettext("Choose at least one permission.")
    if not errors:
        answer = await web.api.post("/keys", json={"name": name, "scopes": scopes})
        if answer.ok:
            response = web.redirect(NEW_KEY_PATH)
            created = {"id": answer.json["id"], "name": answer.json["name"], "key": answer.json["key"]}
            response.set_cookie(
                NEW_KEY_COOKIE,
                seal(web, created),
                max_age=300,
                path=NEW_KEY_PATH,
                httponly=True,
                samesite="strict",
                secure=uses_tls(web.request),
            )
            return response
        errors = {"_": (answer.problem or {}).get("detail") or web.gettext("The key could not be created.")}
    return await keys_page(web, form={"name": name, "scopes": scopes}, errors=errors, status=422)


@router.post("/admin/keys/{key_id}/revoke", response_class=HTMLResponse)
async def revoke_key(key_id: KEY_ID, web: Web, _: WebForm) -> Response:
    if not web.is_admin:
        return forbidden(web)
    answer = await web.api.delete(f"/keys/{key_id}")
    if answer.ok:
        return web.redirect(with_notice(NEW_KEY_PATH, "key-revoked"))
    return await keys_page(web, errors={"_": web.gettext("This API key does not exist.")}, status=404)


def delivery_rows(answer: ApiResponse) -> list[dict[str, Any]]:
    return answer.json["items"] if answer.ok and isinstance(answer.json, dict) else []


@router.get("/admin/webhooks", response_class=HTMLResponse)
async def list_webhooks(web: Web) -> HTMLResponse:
    if not web.is_admin:
        return forbidden(web)
    hooks = await web.api.get("/webhooks", params={"limit": 100})
    failed = await web.api.get("/deliveries", params={"channel": "webhook", "status": "failed", "limit": 50})
    return web.render(
        "admin/webhooks.html",
        section="webhooks",
        webhooks=delivery_rows(hooks),
        failed=delivery_rows(failed),
        failed_total=failed.json.get("total", 0) if failed.ok else 0,
        failure=None if hooks.ok and failed.ok else web.gettext("The webhooks could not be read."),
        statuses={k: tr(web, v) for k, v in STATUSES.items()},
        done=notice(web),
    )


@router.get("/admin/webhooks/{webhook_id}", response_class=HTMLResponse)
async def webhook_deliveries(
    webhook_id: uuid.UUID,
    web: Web,
    status: Annotated[str | None, Query(max_length=20)] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> HTMLResponse:
    if not web.is_admin:
        return forbidden(web)
    hooks = await web.api.get("/webhooks", params={"limit": 200})
    hook = next((h for h in delivery_rows(hooks) if h["id"] == str(webhook_id)), None)
    if hook is None:
        return web.render("admin/not_found.html", status=404, section="webhooks")
    params = {"recipient": f"webhook:{webhook_id}", "limit": 50}
    if status in STATUSES:
        params["status"] = status
    if cursor:
        params["cursor"] = cursor
    deliveries = await web.api.get("/deliveries", params=params)
    return web.render(
        "admin/webhook.html",
        section="webhooks",
        webhook=hook,
        deliveries=delivery_rows(deliveries),
        total=deliveries.json.get("total", 0) if deliveries.ok else 0,
        next_cursor=deliveries.json.get("next_cursor") if deliveries.ok else None,
        chosen_status=status if status in STATUSES else "",
        status_options=[("", web.gettext("All")), *((k, tr(web, v)) for k, v in STATUSES.items())],
        statuses={k: tr(web, v) for k, v in STATUSES.items()},
        done=notice(web),
    )


@router.get("/admin/deliveries/{delivery_id}", response_class=HTMLResponse)
async def delivery_detail(delivery_id: uuid.UUID, web: Web) -> HTMLResponse:
    if not web.is_admin:
        return forbidden(web)
    answer = await web.api.get(f"/deliveries/{delivery_id}")
    if not answer.ok:
        return web.render("admin/not_found.html", status=404, section="webhooks")
    return web.render(
        "admin/delivery.html",
        section="webhooks",
        delivery=answer.json,
        statuses={k: tr(web, v) for k, v in STATUSES.items()},
        done=notice(web),
    )


@router.post("/admin/deliveries/{delivery_id}/replay", response_class=HTMLResponse)
async def replay_delivery(delivery_id: uuid.UUID, web: Web, form: WebForm) -> Response:
    if not web.is_admin:
        return forbidden(web)
    posted_next = form.get("next")
    back = safe_next(posted_next if isinstance(posted_next, str) else None, "/admin/webhooks")
    back = back.split("?", 1)[0]
    answer = await web.api.post(f"/deliveries/{delivery_id}/replay")
    if answer.ok:
        return web.redirect(with_notice(back, "replayed"))
    message = (
        web.gettext("Only a failed delivery can be replayed; this one is not failed any more.")
        if answer.status == 409
        else web.gettext("This delivery does not exist.")
    )
    return web.render("admin/replay_refused.html", status=answer.status, section="webhooks", message=message, back=back)
