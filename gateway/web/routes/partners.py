"""The partner pages: browse the directory, one partner's page (everything we know, in one place),
follow / unfollow, and its printable briefing.

Every part of the page comes from the service that owns it, asked as the person reading (so what a
person may not see is simply not there); a part whose service fails is named on the page, the rest
still shows. Creating, editing and merging are in `partner_forms.py` (which sorts, and so routes, before this module:
its `/partners/new` must come before `/partners/{partner_id}`).
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from gateway.web import partner_labels as labels
from gateway.web.client import ApiResponse
from gateway.web.context import Web, WebForm
from gateway.web.i18n import lazy_gettext as _l
from gateway.web.partner_access import STAFF, may_edit, not_found, same_id, valid_id
from gateway.web.routes.partner_attachments import outcome as files_outcome

router = APIRouter()
BROWSE_PAGE = 25
HISTORY_PAGE = 10
AUDIT_PAGE = 10


# --- the directory ---------------------------------------------------------------------------


@router.get("/partners")
async def browse(
    web: Web,
    q: str | None = None,
    kind: str | None = None,
    region: str | None = None,
    country: str | None = None,
    status: str | None = None,
    cursor: str | None = None,
) -> Response:
    asked = {"q": q, "kind": kind, "region": region, "country": country, "status": status}
    chosen = {k: v.strip() for k, v in asked.items() if v and v.strip()}
    errors = {}
    for name, table in (("kind", labels.KINDS), ("region", labels.REGIONS), ("status", labels.STATUSES)):
        if name in chosen and chosen[name] not in table:
            errors[name] = str(_l("Choose a value from the list."))
            chosen.pop(name)
    if "country" in chosen:
        chosen["country"] = chosen["country"].upper()
        if not labels.is_country(chosen["country"]):
            errors["country"] = str(_l("Choose a country from the list."))
            chosen.pop("country")
    params = {**chosen, "limit": BROWSE_PAGE}
    if cursor:
        params["cursor"] = cursor
    answer = await web.api.get("/partners", params=params)
    body = answer.json if answer.ok and isinstance(answer.json, dict) else {}
    problem = None if answer.ok else ((answer.problem or {}).get("detail") or str(_l("The list could not be fetched.")))
    base = "/partners" + (f"?{urlencode(chosen)}" if chosen else "")
    next_url = None
    if body.get("next_cursor"):
        next_url = base + ("&" if chosen else "?") + urlencode({"cursor": body["next_cursor"]})
    return web.render(
        "partners/list.html",
        chosen=chosen,
        errors=errors,
        items=body.get("items", []),
        total=body.get("total"),
        problem=problem,
        first_url=base if cursor else None,
        next_url=next_url,
        country_choices=labels.countries(),
        can_create=may_edit(web),
        L=labels.names(),
    )


# --- one partner -----------------------------------------------------------------------------


def _day(value: str | None) -> tuple[str, str | None]:
    """(the date to use as an ISO string or "", an error to show) from the "as of" box."""
    if not value:
        return "", None
    try:
        return date.fromisoformat(value.strip()).isoformat(), None
    except ValueError:
        return "", str(_l("Give a date like 2025-03-31."))


async def following(web: Web, partner_id: str) -> dict[str, Any]:
    """{"can": may this person follow, "id": their subscription to this partner or None}."""
    if not may_edit(web):
        return {"can": False, "id": None}
    cursor = None
    for _ in range(20):  # a person follows a few hundred things at most
        params = {"kind": "partner", "limit": 200, **({"cursor": cursor} if cursor else {})}
        answer = await web.api.get("/subscriptions", params=params)
        if not answer.ok:
            return {"can": False, "id": None}
        body = answer.json or {}
        for item in body.get("items", []):
            if item.get("target") == partner_id:
                return {"can": True, "id": item["id"]}
        cursor = body.get("next_cursor")
        if not cursor:
            break
    return {"can": True, "id": None}


def _items(answer: ApiResponse | None) -> list[Any]:
    if answer is None or not answer.ok or not isinstance(answer.json, dict):
        return []
    items: list[Any] = answer.json.get("items", [])
    return items


def _missing(parts: list[Any]) -> list[str]:
    return [str(name) for name, answer in parts if answer is not None and not answer.ok]


@router.get("/partners/{partner_id}")
async def partner_page(
    web: Web,
    partner_id: str,
    as_of: str | None = None,
    members: str | None = None,
    hcursor: str | None = None,
    acursor: str | None = None,
    done: str | None = None,
    files: str | None = None,
) -> Response:
    if not valid_id(partner_id):
        return not_found(web, partner_id)
    answer = await web.api.get(f"/partners/{partner_id}")
    if answer.status == 404:
        return not_found(web, partner_id)
    if not answer.ok:
        return web.render("partners/unavailable.html", status=502 if answer.status >= 500 else answer.status)
    partner = answer.json
    if not same_id(partner["id"], partner_id):
        # A merged duplicate: its page is its survivor's.
        return web.redirect(f"/partners/{partner['id']}")
    as_of_day, as_of_error = _day(as_of)
    include_members = members in ("1", "on", "true")
    staff = bool(STAFF & set(web.roles))
    history_params = {"limit": HISTORY_PAGE, **({"include": "members"} if include_members else {})}
    if hcursor:
        history_params["cursor"] = hcursor
    audit_params = {"limit": AUDIT_PAGE, **({"cursor": acursor} if acursor else {})}

    async def skip() -> None:
        return None

    # Two gathers in one: asyncio.gather is typed for six awaitables at most.
    team_id = partner.get("owner_team_id")
    (relationships, contacts, attachments, team), history, commitments, audit, follow = await asyncio.gather(
        asyncio.gather(
            web.api.get(f"/partners/{partner_id}/relationships", params={"as_of": as_of_day} if as_of_day else None),
            web.api.get(f"/partners/{partner_id}/contacts", params={"limit": 100}),
            web.api.get(f"/partners/{partner_id}/attachments"),
            web.api.get(f"/teams/{team_id}") if team_id else skip(),
        ),
        web.api.get(f"/partners/{partner_id}/history", params=history_params),
        web.api.get("/follow-ups", params={"partner_id": partner_id, "status": "open", "limit": 200}),
        web.api.get(f"/partners/{partner_id}/audit", params=audit_params) if staff else skip(),
        following(web, partner_id),
    )
    open_items = _items(commitments)
    history_body = history.json if history.ok and isinstance(history.json, dict) else {}
    audit_body = audit.json if audit is not None and audit.ok else {}
    parts = [
        (_l("Relationships"), relationships),
        (_l("Contacts"), contacts),
        (_l("Files"), attachments),
        (_l("History"), history),
        (_l("Open commitments"), commitments),
        (_l("Audit trail"), audit),
    ]
    return web.render(
        "partners/page.html",
        p=partner,
        etag=answer.headers.get("etag", ""),
        relationships=_items(relationships),
        as_of=as_of_day,
        as_of_raw=as_of or "",
        as_of_error=as_of_error,
        contacts=_items(contacts),
        attachments=_items(attachments),
        owner_team=team.json.get("name") if team is not None and team.ok else None,
        files_outcome=files_outcome(files),
        history=history_body.get("items", []),
        history_total=history_body.get("total", 0),
        history_next=_page_url(partner_id, as_of_day, include_members, hcursor=history_body.get("next_cursor")),
        history_first=_page_url(partner_id, as_of_day, include_members) if hcursor else None,
        include_members=include_members,
        owed_by_us=[f for f in open_items if f.get("owed_by") != "partner"],
        owed_by_them=[f for f in open_items if f.get("owed_by") == "partner"],
        audit=audit_body.get("items", []) if audit_body else [],
        audit_shown=audit is not None and audit.ok,
        audit_next=_page_url(partner_id, as_of_day, include_members, acursor=audit_body.get("next_cursor"))
        if audit_body
        else None,
        follow=follow,
        missing=_missing(parts),
        can_edit=may_edit(web) and not partner.get("merged_into"),
        is_admin=web.is_admin,
        done=done or "",
        L=labels.names(),
    )


def _page_url(partner_id: str, as_of: str, members: bool, **cursor: str | None) -> str | None:
    """The page with the same choices; None when the cursor asked for is absent (no next page)."""
    if cursor and not any(cursor.values()):
        return None
    params = {**({"as_of": as_of} if as_of else {}), **({"members": "1"} if members else {})}
    params.update({k: v for k, v in cursor.items() if v})
    return f"/partners/{partner_id}" + (f"?{urlencode(params)}" if params else "")


# --- follow / unfollow -----------------------------------------------------------------------


async def _follow_answer(web: Web, partner_id: str, error: str | None = None) -> Response:
    if web.is_htmx:
        return web.render(
            "partners/_follow.html", p={"id": partner_id}, follow=await following(web, partner_id), follow_error=error
        )
    suffix = "?done=follow-failed" if error else ""
    return web.redirect(f"/partners/{partner_id}{suffix}#follow")


@router.post("/partners/{partner_id}/follow")
async def follow_partner(web: Web, _checked: WebForm, partner_id: str) -> Response:
    if not valid_id(partner_id):
        return not_found(web, partner_id)
    answer = await web.api.post(
        "/subscriptions", json={"kind": "partner", "target": partner_id, "channels": ["inbox"], "rhythm": "immediate"}
    )
    # 409: already followed (another tab, a double click); the button shows the truth either way.
    error = None if answer.ok or answer.status == 409 else str(_l("Following failed; try again."))
    return await _follow_answer(web, partner_id, error)


@router.post("/partners/{partner_id}/unfollow")
async def unfollow_partner(web: Web, form: WebForm, partner_id: str) -> Response:
    if not valid_id(partner_id):
        return not_found(web, partner_id)
    subscription = str(form.get("subscription_id") or "")
    error = None
    if valid_id(subscription):
        answer = await web.api.delete(f"/subscriptions/{subscription}")
        if not answer.ok and answer.status != 404:
            error = str(_l("Unfollowing failed; try again."))
    return await _follow_answer(web, partner_id, error)


# --- the printable briefing ------------------------------------------------------------------


@router.get("/partners/{partner_id}/briefing")
async def briefing(web: Web, partner_id: str, lang: str = "fr") -> Response:
    """The gateway's briefing note, fetched as the person reading (the browser has no API token)."""
    if not valid_id(partner_id):
        return not_found(web, partner_id)
    lang = lang if lang in ("fr", "en") else web.lang
    answer = await web.api.get(f"/partners/{partner_id}/briefing", params={"lang": lang})
    if answer.status == 404:
        return not_found(web, partner_id)
    if not answer.ok:
        return web.render("partners/unavailable.html", status=502 if answer.status >= 500 else answer.status)
    # The note is a document of its own with its print styles inline; it runs no script at all.
    policy = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'"
    return HTMLResponse(
        answer.text,
        headers={"Cache-Control": "private, no-store", "Content-Security-Policy": policy, "Content-Language": lang},
    )
