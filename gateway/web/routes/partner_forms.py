"""Writing partners from the web: create, edit (with the ETag, so no change is overwritten unseen),
and merge a duplicate (administrators, after a confirmation step).

The form sends only what the person changed: the values they started from ride along in a hidden
field, so a save never reverts someone else's change to a field this person did not touch. When
someone else saved first (412), the page shows their version beside this person's, keeps every
value typed, and offers to save again over the new version.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from starlette.datastructures import FormData

from gateway.web import engagement_data
from gateway.web import partner_labels as labels
from gateway.web.client import ApiResponse
from gateway.web.context import Web, WebForm
from gateway.web.i18n import lazy_gettext as _l
from gateway.web.partner_access import may_edit, not_found, same_id, valid_id

router = APIRouter()
TEXT_FIELDS = ("name_fr", "name_en", "subdivision", "website", "description_fr", "description_en", "owner")
CHOICE_FIELDS = ("kind", "country", "region", "owner_team_id")
LIST_FIELDS = ("acronyms", "aliases", "thrusts")
EDITABLE = tuple(labels.FIELDS)


def values_of(partner: dict[str, Any]) -> dict[str, Any]:
    """The editable fields of an API partner, as the form holds them (thrusts in the taxonomy's order,
    as the form's list sends them back, so that an untouched list never counts as a change)."""
    values = {
        name: partner.get(name) if name not in LIST_FIELDS else list(partner.get(name) or []) for name in EDITABLE
    }
    order = {code: i for i, (code, _) in enumerate(labels.thrust_choices())}
    values["thrusts"] = sorted(values["thrusts"] or [], key=lambda code: order.get(code, len(order)))
    return values


def values_from(form: FormData) -> dict[str, Any]:
    """The editable fields as typed: blanks are None (which clears), lists split and trimmed."""
    values: dict[str, Any] = {}
    for name in TEXT_FIELDS + CHOICE_FIELDS:
        text = str(form.get(name) or "").strip()
        values[name] = text or None
    if values["country"]:
        values["country"] = values["country"].upper()
    if values["subdivision"]:
        values["subdivision"] = values["subdivision"].upper()
    values["acronyms"] = [a.strip() for a in str(form.get("acronyms") or "").split(",") if a.strip()]
    values["aliases"] = [a.strip() for a in str(form.get("aliases") or "").splitlines() if a.strip()]
    values["thrusts"] = [str(t) for t in form.getlist("thrusts") if str(t).strip()]
    return values


def field_errors(answer: ApiResponse) -> tuple[dict[str, str], list[str]]:
    """A refusal's messages: those about one field (shown beside it), the rest (shown on top)."""
    by_field: dict[str, str] = {}
    general: list[str] = []
    for path, message in (answer.field_errors or {}).items():
        parts = [p for p in str(path).split(".") if p and p != "body"]
        name = parts[0] if parts else ""
        if name in EDITABLE:
            by_field.setdefault(name, message)
        else:
            general.append(message)
    if not by_field and not general:
        general.append((answer.problem or {}).get("detail") or str(_l("The partner could not be saved.")))
    return by_field, general


async def _form_page(web: Web, template: str, *, status: int = 200, **context: Any) -> Response:
    team_choices = [(str(t["id"]), str(t["name"])) for t in await engagement_data.teams(web)]
    chosen = (context.get("values") or {}).get("owner_team_id")
    if chosen and chosen not in dict(team_choices):  # the list could not be read: keep what is there
        team_choices.append((chosen, chosen))
    return web.render(
        template,
        status=status,
        team_choices=team_choices,
        country_choices=labels.countries(),
        thrust_choices=labels.thrust_choices(),
        L=labels.names(),
        **context,
    )


def _refused(web: Web) -> Response:
    return web.render("partners/forbidden.html", status=403)


# --- create ----------------------------------------------------------------------------------


@router.get("/partners/new")
async def new_partner(web: Web) -> Response:
    if not may_edit(web):
        return _refused(web)
    return await _form_page(web, "partners/new.html", values=values_of({"kind": "other"}), errors={}, general=[])


@router.post("/partners/new")
async def create_partner(web: Web, form: WebForm) -> Response:
    if not may_edit(web):
        return _refused(web)
    values = values_from(form)
    body = {k: v for k, v in values.items() if v not in (None, [])}
    allow = form.get("allow_duplicate") == "1"
    answer = await web.api.post("/partners" + ("?allow_duplicate=true" if allow else ""), json=body)
    if answer.ok:
        return web.redirect(f"/partners/{answer.json['id']}?done=created")
    duplicates = (answer.problem or {}).get("candidates") if answer.status == 409 else None
    errors: dict[str, str]
    general: list[str]
    if duplicates:
        errors, general = {}, []
    else:
        errors, general = field_errors(answer)
    return await _form_page(
        web,
        "partners/new.html",
        status=409 if duplicates else 422 if answer.status in (400, 422) else answer.status,
        values=values,
        errors=errors,
        general=general,
        duplicates=duplicates or [],
    )


# --- edit ------------------------------------------------------------------------------------


@router.get("/partners/{partner_id}/edit")
async def edit_partner(web: Web, partner_id: str) -> Response:
    if not valid_id(partner_id):
        return not_found(web, partner_id)
    if not may_edit(web):
        return _refused(web)
    answer = await web.api.get(f"/partners/{partner_id}")
    if not answer.ok:
        return not_found(web, partner_id)
    if not same_id(answer.json["id"], partner_id):
        return web.redirect(f"/partners/{answer.json['id']}/edit")
    values = values_of(answer.json)
    return await _form_page(
        web,
        "partners/edit.html",
        p=answer.json,
        values=values,
        original=json.dumps(values),
        etag=answer.headers.get("etag", ""),
        errors={},
        general=[],
    )


def _original(form: FormData) -> dict[str, Any] | None:
    try:
        original = json.loads(str(form.get("original") or ""))
    except ValueError:
        return None
    return original if isinstance(original, dict) else None


@router.post("/partners/{partner_id}/edit")
async def save_partner(web: Web, form: WebForm, partner_id: str) -> Response:
    if not valid_id(partner_id):
        return not_found(web, partner_id)
    if not may_edit(web):
        return _refused(web)
    mine = values_from(form)
    original = _original(form)
    # Without the starting values (a hand-made request), every field counts as changed.
    changes = {k: v for k, v in mine.items() if original is None or original.get(k) != v}
    etag = str(form.get("etag") or "")
    if not changes:
        return web.redirect(f"/partners/{partner_id}")
    answer = await web.api.patch(f"/partners/{partner_id}", json=changes, headers={"If-Match": etag or "*"})
    if answer.ok:
        return web.redirect(f"/partners/{partner_id}?done=saved")
    if answer.status in (409, 412, 428):
        return await _conflict(web, partner_id, changes)
    if answer.status == 404:
        return not_found(web, partner_id)
    errors, general = field_errors(answer)
    current = await web.api.get(f"/partners/{partner_id}")
    return await _form_page(
        web,
        "partners/edit.html",
        status=422 if answer.status in (400, 422) else answer.status,
        p=current.json if current.ok else {"id": partner_id},
        values=mine,
        original=json.dumps(original) if original is not None else "",
        etag=etag,
        errors=errors,
        general=general,
    )


async def _conflict(web: Web, partner_id: str, changes: dict[str, Any]) -> Response:
    """Someone saved first: their version beside this person's changes; the form keeps them all."""
    current = await web.api.get(f"/partners/{partner_id}")
    if not current.ok:
        return not_found(web, partner_id)
    if not same_id(current.json["id"], partner_id):
        # Merged meanwhile: the changes would go to the survivor; let the person look first.
        return web.render("partners/merged_meanwhile.html", status=409, survivor=current.json, L=labels.names())
    theirs = values_of(current.json)
    rows = [
        {"name": name, "label": labels.FIELDS[name], "theirs": theirs[name], "mine": changes[name]}
        for name in EDITABLE
        if name in changes
    ]
    # The new form starts from their version with this person's changes on top, and remembers
    # their version as the starting point, so saving again sends only this person's changes.
    merged = {**theirs, **changes}
    return await _form_page(
        web,
        "partners/conflict.html",
        status=412,
        p=current.json,
        rows=rows,
        values=merged,
        original=json.dumps(theirs),
        etag=current.headers.get("etag", ""),
        errors={},
        general=[],
        changed_by=current.json.get("updated_by"),
        changed_at=current.json.get("updated_at"),
    )


# --- merge (administrators) ------------------------------------------------------------------


@router.get("/partners/{partner_id}/merge")
async def merge_form(web: Web, partner_id: str, q: str | None = None) -> Response:
    if not valid_id(partner_id):
        return not_found(web, partner_id)
    if "admin" not in web.roles:
        return _refused(web)
    answer = await web.api.get(f"/partners/{partner_id}")
    if not answer.ok:
        return not_found(web, partner_id)
    survivor = answer.json
    query = (q or "").strip() or labels.partner_name(survivor)
    found = await web.api.get("/partners", params={"q": query, "limit": 20})
    candidates = [c for c in (found.json or {}).get("items", []) if c["id"] != survivor["id"]] if found.ok else []
    return web.render("partners/merge.html", p=survivor, q=query, candidates=candidates, error=None, L=labels.names())


@router.post("/partners/{partner_id}/merge")
async def merge_step(web: Web, form: WebForm, partner_id: str) -> Response:
    """Two steps: `confirm` shows both partners side by side; `merge` does it."""
    if not valid_id(partner_id):
        return not_found(web, partner_id)
    if "admin" not in web.roles:
        return _refused(web)
    duplicate_id = str(form.get("duplicate_id") or "")
    survivor = await web.api.get(f"/partners/{partner_id}")
    if not survivor.ok:
        return not_found(web, partner_id)
    if not valid_id(duplicate_id) or same_id(duplicate_id, partner_id):
        return web.render(
            "partners/merge.html",
            status=422,
            p=survivor.json,
            q=str(form.get("q") or ""),
            candidates=[],
            error=_l("Choose the duplicate to merge into this partner."),
            L=labels.names(),
        )
    duplicate = await web.api.get(f"/partners/{duplicate_id}")
    if not duplicate.ok or not same_id(duplicate.json["id"], duplicate_id):
        return web.render(
            "partners/merge.html",
            status=422,
            p=survivor.json,
            q="",
            candidates=[],
            error=_l("That partner no longer exists, or was merged already."),
            L=labels.names(),
        )
    if form.get("step") != "merge":
        return web.render(
            "partners/merge_confirm.html",
            p=survivor.json,
            d=duplicate.json,
            etag=survivor.headers.get("etag", ""),
            L=labels.names(),
        )
    answer = await web.api.post(
        f"/partners/{partner_id}/merge",
        json={"duplicate_id": duplicate_id},
        headers={"If-Match": str(form.get("etag") or "*")},
    )
    if answer.ok:
        return web.redirect(f"/partners/{partner_id}?done=merged")
    return web.render(
        "partners/merge_confirm.html",
        status=answer.status,
        p=survivor.json,
        d=duplicate.json,
        etag=survivor.headers.get("etag", ""),
        error=(answer.problem or {}).get("detail") or _l("The merge failed; nothing was changed."),
        L=labels.names(),
    )
