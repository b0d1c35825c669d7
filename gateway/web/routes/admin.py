"""Administration: the overview page, and what the other admin_* modules share (who may come in,
the one-line notices that follow a redirect).

Every action goes through the API as the logged-in administrator, so the gateway's policy table and
the services decide; the pages only refuse non-administrators early with a readable 403 page.
"""

from __future__ import annotations

import asyncio
import uuid
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from gateway.web import i18n
from gateway.web.context import Web, WebContext
from gateway.web.i18n import lazy_gettext as _l

router = APIRouter()

# The partners demo directory's ids are uuid5(this namespace, handle) (services/partners/demo.py), and
# its loader signs as `demo-loader`: one look-up tells whether `make up` loaded the demo data here.
DEMO_NAMESPACE = uuid.UUID("6f0c7d2e-3a41-4c59-9d7a-4b1f3e2a9c10")
DEMO_PARTNER = uuid.uuid5(DEMO_NAMESPACE, "fr")
DEMO_LOADER = "demo-loader"

# Notices after a redirect: the URL names one of these (never free text, so it cannot inject anything).
NOTICES = {
    "user-added": _l("The user was added."),
    "role-changed": _l("The role was changed."),
    "user-disabled": _l("The user was disabled: their sessions have ended and they can no longer log in."),
    "user-enabled": _l("The user was enabled again."),
    "key-revoked": _l("The API key was revoked: it no longer opens the API."),
    "replayed": _l("The delivery was queued for a new round of attempts."),
    "dismissed": _l("The pair was dismissed: the queue will not propose it again."),
    "merged": _l("The partners were merged: the duplicate's address now leads to the partner kept."),
}


def tr(web: WebContext, text: i18n.Text) -> str:
    """A lazy message in the page's language (outside a template, where no language is set yet)."""
    token = i18n.current_language.set(web.lang)
    try:
        return str(text)
    finally:
        i18n.current_language.reset(token)


def forbidden(web: WebContext) -> HTMLResponse:
    return web.render("admin/forbidden.html", status=403)


def notice(web: WebContext) -> str | None:
    found = NOTICES.get(web.request.query_params.get("done", ""))
    return tr(web, found) if found else None


def with_notice(path: str, done: str, **params: str) -> str:
    return f"{path}?{urlencode({**params, 'done': done})}"


async def demo_data_loaded(web: WebContext) -> bool:
    answer = await web.api.get(f"/partners/{DEMO_PARTNER}")
    return answer.ok and isinstance(answer.json, dict) and answer.json.get("created_by") == DEMO_LOADER


@router.get("/admin", response_class=HTMLResponse)
async def admin_home(web: Web) -> HTMLResponse:
    if not web.is_admin:
        return forbidden(web)
    demo, failed = await asyncio.gather(
        demo_data_loaded(web), web.api.get("/deliveries", params={"status": "failed", "channel": "webhook", "limit": 1})
    )
    return web.render(
        "admin/index.html",
        demo=demo,
        failed_deliveries=failed.json.get("total", 0) if failed.ok and isinstance(failed.json, dict) else None,
        section="home",
    )
