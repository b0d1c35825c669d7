"""My follow-ups: filters (open / done, owed by us / to us, overdue), complete or reopen in one click
(htmx swaps the row; without JavaScript the form posts and the page comes back), and the calendar
link to paste into Outlook (served here: see calendar_links.py)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import select
from starlette.datastructures import FormData

from gateway import calendar_feeds
from gateway.models import User
from gateway.web import calendar_links, vocab
from gateway.web.context import Web, WebContext, WebForm, safe_next
from gateway.web.i18n import TIMEZONE
from services.kit.db import unit_of_work
from services.kit.roles import EDITORS

router = APIRouter()
PAGE_SIZE = 25
STATUSES = ("open", "done")
OWED = {"us": "quebec", "them": "partner"}


def _filters(status: str | None, owed: str | None, overdue: str | None) -> dict[str, Any]:
    return {
        "status": status if status in STATUSES else "open",
        "owed": owed if owed in OWED else "",
        "overdue": overdue == "1",
    }


def _query(filters: dict[str, Any], **more: Any) -> str:
    shown = {"status": filters["status"], "owed": filters["owed"], "overdue": "1" if filters["overdue"] else ""}
    return urlencode({k: v for k, v in (shown | more).items() if v})


async def _titles(web: WebContext, follow_ups: list[dict[str, Any]]) -> dict[str, Any]:
    ids = list(dict.fromkeys(f["engagement_id"] for f in follow_ups))
    found = await asyncio.gather(*(web.api.get(f"/engagements/{i}") for i in ids))
    return {i: r.json["title"] for i, r in zip(ids, found, strict=True) if r.ok}


def feed_url(web: WebContext) -> str:
    token = calendar_links.feed_token(web.runtime.settings.token_key(), web.username)
    return f"{str(web.request.base_url).rstrip('/')}/calendar/{token}.ics"


@router.get("/follow-ups")
async def my_follow_ups(
    web: Web,
    status: str | None = None,
    owed: str | None = None,
    overdue: str | None = None,
    cursor: str | None = Query(default=None, max_length=500),
    changed: str | None = None,
) -> HTMLResponse:
    filters = _filters(status, owed, overdue)
    params: dict[str, Any] = {"assignee": "me", "status": filters["status"], "limit": PAGE_SIZE}
    if filters["owed"]:
        params["owed_by"] = OWED[filters["owed"]]
    if filters["overdue"] and filters["status"] == "open":
        params["due_before"] = datetime.now(TIMEZONE).date().isoformat()
    if cursor:
        params["cursor"] = cursor
    response = await web.api.get("/follow-ups", params=params)
    page = response.json if response.ok else None
    if page is None and cursor:  # a stale or altered cursor: the first page rather than an error
        params.pop("cursor")
        response = await web.api.get("/follow-ups", params=params)
        page = response.json if response.ok else None
    items = page["items"] if page else []
    return web.render(
        "followups/index.html",
        page=page,
        items=items,
        titles=await _titles(web, items),
        filters=filters,
        next_query=_query(filters, cursor=page["next_cursor"]) if page and page["next_cursor"] else None,
        first_query=_query(filters) if cursor else None,
        here="/follow-ups" + (f"?{web.request.url.query}" if web.request.url.query else ""),
        can_write=bool(web.roles & EDITORS),
        feed_url=feed_url(web),
        changed=changed if changed in ("done", "open", "conflict", "error") else None,
        vocab=vocab,
    )


@router.post("/follow-ups/{follow_up_id}/complete")
async def complete(follow_up_id: uuid.UUID, web: Web, form: WebForm) -> Response:
    return await _set_status(web, form, follow_up_id, "done")


@router.post("/follow-ups/{follow_up_id}/reopen")
async def reopen(follow_up_id: uuid.UUID, web: Web, form: WebForm) -> Response:
    return await _set_status(web, form, follow_up_id, "open")


async def _set_status(web: WebContext, form: FormData, follow_up_id: uuid.UUID, status: str) -> Response:
    """A version from the form: a follow-up changed by someone else since the page was shown is not
    overwritten unseen (412 -> the row comes back as it is now, with a note)."""
    back = safe_next(str(form.get("next") or ""), "/follow-ups")
    version = str(form.get("version") or "")
    headers = {"If-Match": f'W/"{version}"'} if version.isdigit() else {"If-Match": "*"}
    response = await web.api.patch(f"/follow-ups/{follow_up_id}", json={"status": status}, headers=headers)
    outcome = status if response.ok else ("conflict" if response.status == 412 else "error")
    if web.is_htmx:
        follow_up = response.json if response.ok else (await web.api.get(f"/follow-ups/{follow_up_id}")).json
        if not isinstance(follow_up, dict) or "id" not in follow_up:
            return web.redirect(_with(back, changed=outcome))
        return web.render(
            "followups/_row.html",
            f=follow_up,
            titles=await _titles(web, [follow_up]),
            here=back,
            can_write=True,
            outcome=outcome,
            vocab=vocab,
        )
    return web.redirect(_with(back, changed=outcome))


def _with(url: str, **params: str) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(params)


@router.get("/calendar/{token}.ics")
async def calendar_feed(token: str, request: Request) -> Response:
    runtime = request.app.state.web
    settings = runtime.settings
    username = calendar_links.feed_user(settings.token_key(), token)
    if username is not None:
        for db in unit_of_work(runtime.sessions):
            account = db.exec(select(User).where(User.username == username)).first()
        if account is not None and account.disabled:
            username = None
    if username is None:
        return Response("Unknown calendar link.\n", status_code=404, media_type="text/plain; charset=utf-8")
    body = await calendar_feeds.read_calendar(http=runtime.http, settings=settings, username=username)
    if body is None:
        return Response("The calendar is unavailable for now.\n", status_code=503, media_type="text/plain")
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "private, max-age=300", "Content-Disposition": 'inline; filename="liaison.ics"'},
    )
