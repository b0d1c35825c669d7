"""Inbox: my notifications (read / unread, mark one or all, pages), what I follow (subscriptions:
partner, thrust, region or type; inbox, email or webhook; immediately or in a daily digest) and my
language and email preferences. The language is the one the header's switch remembers."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any
from urllib.parse import urlencode
from zoneinfo import available_timezones

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from gateway.web import vocab
from gateway.web.context import LANG_COOKIE, Web, WebContext, WebForm, uses_tls
from gateway.web.dashboard import local_link
from gateway.web.preferences import remember_language
from gateway.web.sessions import LANGUAGES
from services.kit.roles import EDITORS

router = APIRouter()
PAGE_SIZE = 20
PARTNER_CHOICES = 8


# --- notifications ------------------------------------------------------------------------------------


@router.get("/inbox")
async def inbox(
    web: Web,
    unread: str | None = None,
    cursor: str | None = Query(default=None, max_length=500),
    marked: str | None = None,
) -> HTMLResponse:
    only_unread = unread == "1"
    params: dict[str, Any] = {"limit": PAGE_SIZE, "unread": "true" if only_unread else "false"}
    response = await web.api.get("/notifications", params=params | ({"cursor": cursor} if cursor else {}))
    if not response.ok and cursor:  # a stale cursor: the first page rather than an error
        response = await web.api.get("/notifications", params=params)
    page = response.json if response.ok else None
    base = {"unread": "1"} if only_unread else {}
    return web.render(
        "inbox/index.html",
        page=page,
        only_unread=only_unread,
        here="/inbox" + (f"?{web.request.url.query}" if web.request.url.query else ""),
        next_query=urlencode(base | {"cursor": page["next_cursor"]}) if page and page["next_cursor"] else None,
        first_query=urlencode(base) if cursor else None,
        marked=marked if marked in ("one", "all", "error") else None,
        local_link=local_link,
    )


@router.post("/inbox/read-all")
async def read_all(web: Web, _: WebForm) -> Response:
    response = await web.api.post("/notifications/read-all")
    return web.redirect("/inbox?marked=" + ("all" if response.ok else "error"))


@router.post("/inbox/{notification_id}/read")
async def read_one(notification_id: uuid.UUID, web: Web, form: WebForm) -> Response:
    response = await web.api.post(f"/notifications/{notification_id}/read")
    if web.is_htmx and response.ok:
        return web.render("inbox/_item.html", n=response.json, local_link=local_link, here="/inbox", just_read=True)
    back = str(form.get("next") or "/inbox")
    back = back if back.startswith("/inbox") else "/inbox"
    return web.redirect(back + ("&" if "?" in back else "?") + "marked=" + ("one" if response.ok else "error"))


# --- subscriptions ------------------------------------------------------------------------------------


async def _thrusts(web: WebContext) -> list[dict[str, Any]]:
    response = await web.api.get("/thrusts")
    return response.json["items"] if response.ok else []


def _target_name(
    web: WebContext, subscription: dict[str, Any], thrusts: dict[str, Any], partners: dict[str, Any]
) -> str:
    kind, target = subscription["kind"], subscription["target"]
    label = subscription.get("target_label") or {}
    if kind == "partner" and label.get(web.lang):
        return str(label[web.lang])
    if kind == "partner":
        partner = partners.get(target)
        return vocab.partner_name(partner, web.lang) if partner else web.gettext("Partner no longer available")
    if kind == "thrust":
        return vocab.thrust_label(thrusts[target], web.lang) if target in thrusts else str(target)
    if kind == "region":
        return str(vocab.label(vocab.REGIONS, target))
    return str(vocab.label(vocab.ENGAGEMENT_TYPES, target))


async def _subscriptions_page(
    web: WebContext, *, form: dict[str, Any] | None = None, errors: dict[str, Any] | None = None, **more: Any
) -> HTMLResponse:
    can_follow = bool(web.roles & EDITORS)
    subscriptions, thrusts = None, await _thrusts(web)
    if can_follow:
        response = await web.api.get("/subscriptions", params={"limit": 200})
        subscriptions = response.json["items"] if response.ok else None
    # The list names the partners it knows; only those it has not heard of yet are asked for.
    partner_ids = [s["target"] for s in subscriptions or [] if s["kind"] == "partner" and not s.get("target_label")]
    found = await asyncio.gather(*(web.api.get(f"/partners/{p}") for p in partner_ids))
    partners = {p: r.json for p, r in zip(partner_ids, found, strict=True) if r.ok}
    by_code = {t["code"]: t for t in thrusts}
    rows = [
        s | {"target_name": _target_name(web, s, by_code, partners)} for s in subscriptions or [] if isinstance(s, dict)
    ]
    return web.render(
        "inbox/subscriptions.html",
        status=400 if errors else 200,
        can_follow=can_follow,
        subscriptions=rows if subscriptions is not None else None,
        thrust_options=[
            (t["code"], ("— " if t.get("parent") else "") + vocab.thrust_label(t, web.lang)) for t in thrusts
        ],
        region_options=[(code, name) for code, name in vocab.REGIONS.items() if code != "unknown"],
        form=form or {"kind": "partner", "channels": ["inbox"], "rhythm": "immediate"},
        errors=errors or {},
        vocab=vocab,
        **more,
    )


@router.get("/inbox/subscriptions")
async def subscriptions(web: Web, done: str | None = None) -> HTMLResponse:
    return await _subscriptions_page(web, done=done if done in ("added", "removed", "error") else None)


TARGET_FIELDS = {"partner": "partner", "thrust": "thrust", "region": "region", "engagement_type": "engagement_type"}


async def _partner_target(
    web: WebContext, form: dict[str, Any], errors: dict[str, Any]
) -> tuple[str | None, list[Any]]:
    """The partner a person named: an id chosen among several matches, or the one match of their text."""
    chosen = form.get("partner_id", "")
    if chosen:
        return chosen, []
    text = form.get("partner", "").strip()
    if not text:
        errors["partner"] = web.gettext("Name the partner to follow.")
        return None, []
    try:
        return str(uuid.UUID(text)), []
    except ValueError:
        pass
    response = await web.api.get("/partners", params={"q": text, "limit": PARTNER_CHOICES})
    matches = response.json["items"] if response.ok else []
    if len(matches) == 1:
        return matches[0]["id"], []
    if not matches:
        errors["partner"] = web.gettext("No partner matches this name.")
    else:
        errors["partner"] = web.gettext("Several partners match: choose one.")
    return None, [(m["id"], vocab.partner_name(m, web.lang), m.get("country")) for m in matches]


@router.post("/inbox/subscriptions")
async def add_subscription(web: Web, form: WebForm) -> Response:
    values: dict[str, Any] = {
        "kind": str(form.get("kind") or ""),
        "partner": str(form.get("partner") or ""),
        "partner_id": str(form.get("partner_id") or ""),
        "thrust": str(form.get("thrust") or ""),
        "region": str(form.get("region") or ""),
        "engagement_type": str(form.get("engagement_type") or ""),
        "channels": [str(c) for c in form.getlist("channels")],
        "rhythm": str(form.get("rhythm") or "immediate"),
    }
    errors: dict[str, str] = {}
    choices: list[Any] = []
    kind = values["kind"]
    target = None
    if kind not in vocab.SUBSCRIPTION_KINDS:
        errors["kind"] = web.gettext("Choose what to follow.")
    elif kind == "partner":
        target, choices = await _partner_target(web, values, errors)
    else:
        target = values[TARGET_FIELDS[kind]] or None
        if not target:
            errors[TARGET_FIELDS[kind]] = web.gettext("Choose one.")
    if not values["channels"]:
        errors["channels"] = web.gettext("Choose at least one way to be told.")
    if not errors:
        body = {"kind": kind, "target": target, "channels": values["channels"], "rhythm": values["rhythm"]}
        response = await web.api.post("/subscriptions", json=body)
        if response.ok:
            return web.redirect("/inbox/subscriptions?done=added")
        for field, message in response.field_errors.items():
            name = field.split(".")[0]
            errors[TARGET_FIELDS.get(kind, "kind") if name in ("target", "_", "") else name] = message
        problem = response.problem or {}
        if not errors and problem.get("field") == "channels":  # e.g. e-mail with no address on file
            errors["channels"] = problem.get("detail") or web.gettext("The subscription could not be added.")
        if not errors:
            errors["_"] = problem.get("detail") or web.gettext("The subscription could not be added.")
    return await _subscriptions_page(web, form=values, errors=errors, partner_choices=choices)


@router.post("/inbox/subscriptions/{subscription_id}/delete")
async def remove_subscription(subscription_id: uuid.UUID, web: Web, _: WebForm) -> Response:
    response = await web.api.delete(f"/subscriptions/{subscription_id}")
    return web.redirect("/inbox/subscriptions?done=" + ("removed" if response.ok else "error"))


# --- preferences --------------------------------------------------------------------------------------


@router.get("/inbox/preferences")
async def preferences(web: Web, saved: str | None = None) -> HTMLResponse:
    response = await web.api.get("/notifications/preferences")
    current = response.json if response.ok else {}
    form = {"email": current.get("email") or "", "language": web.lang, "timezone": current.get("timezone") or ""}
    return web.render(
        "inbox/preferences.html",
        form=form,
        errors={},
        saved=saved == "1",
        unavailable=not response.ok,
        zones=_zones(web),
    )


def _zones(web: Web) -> list[tuple[str, str]]:
    """The IANA zones to choose from; none chosen means Liaison's own."""
    return [("", web.gettext("Liaison's time zone")), *((z, z) for z in sorted(available_timezones()))]


@router.post("/inbox/preferences")
async def save_preferences(web: Web, form: WebForm) -> Response:
    values = {
        "email": str(form.get("email") or "").strip(),
        "language": str(form.get("language") or ""),
        "timezone": str(form.get("timezone") or ""),
    }
    errors: dict[str, str] = {}
    if values["language"] not in LANGUAGES:
        errors["language"] = web.gettext("Choose French or English.")
    if not errors:
        body = {
            "email": values["email"] or None,
            "language": values["language"],
            "timezone": values["timezone"] or None,
        }
        response = await web.api.put("/notifications/preferences", json=body)
        if not response.ok:
            errors = {k.split(".")[0]: v for k, v in response.field_errors.items()} or {
                "_": web.gettext("Your preferences could not be saved. Try again.")
            }
    if errors:
        return web.render(
            "inbox/preferences.html", status=400, form=values, errors=errors, saved=False, zones=_zones(web)
        )
    # The same remembered choice as the header's language switch: the person's row and the cookie.
    remember_language(web, values["language"])
    answer = web.redirect("/inbox/preferences?saved=1")
    answer.set_cookie(
        LANG_COOKIE, values["language"], max_age=365 * 24 * 3600, samesite="lax", secure=uses_tls(web.request)
    )
    return answer
