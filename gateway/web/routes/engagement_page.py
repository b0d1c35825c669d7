"""The engagement page: everything about one engagement, its follow-ups (complete, reassign, reopen
in one click: htmx swaps the row, a plain POST comes back to the page), edit (If-Match: a change
made meanwhile by someone else is shown for review, never overwritten unseen) and delete (confirmed).

`{engagement_id:uuid}` keeps /engagements/new and the form's fragments to their own routes.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse, Response

from gateway.web import attachments_view
from gateway.web import engagement_data as data
from gateway.web.context import Web, WebContext, WebForm
from gateway.web.engagement_form import (
    CONFIDENTIALITY_LABELS,
    OWED_BY,
    OWED_BY_LABELS,
    TYPE_LABELS,
    EngagementForm,
    body_of,
    errors_of,
    follow_up_bodies,
    speaking,
)
from gateway.web.i18n import Text
from gateway.web.i18n import lazy_gettext as _l
from gateway.web.partner_access import EDITORS, STAFF
from gateway.web.routes.engagements import form_page

router = APIRouter()
AUDIT_SHOWN = 20  # the latest changes; the API pages through the rest
AUDIT_ACTIONS = {
    "logged": _l("Engagement logged"),
    "updated": _l("Engagement updated"),
    "deleted": _l("Engagement deleted"),
    "follow_up_added": _l("Follow-up added"),
    "follow_up_updated": _l("Follow-up updated"),
    "partner_merged": _l("Partner merged into another"),
    "contact_erased": _l("Contact erased"),
}
FOLLOW_UP_STATUSES = {"open": _l("Open"), "done": _l("Done"), "cancelled": _l("Cancelled")}
AUDIT_FIELDS = {
    "title": _l("Title"),
    "type": _l("Type"),
    "starts_at": _l("Starts"),
    "ends_at": _l("Ends"),
    "partner_ids": _l("Partners"),
    "contact_ids": _l("Contacts"),
    "officers": _l("Officers"),
    "thrusts": _l("Policy thrusts"),
    "summary": _l("Summary"),
    "notes": _l("Notes"),
    "discussion_points": _l("Discussion points"),
    "outcome": _l("Outcome"),
    "confidentiality": _l("Confidentiality"),
    "location": _l("Location"),
    "mission_id": _l("Mission"),
    "description": _l("What"),
    "assignee": _l("Who"),
    "due_on": _l("Due"),
    "owed_by": _l("Owed by"),
    "status": _l("Status"),
}
_ETAG = re.compile(r'"(\d+)"')
COMPARED = ("type", "title", "starts_at", "ends_at", "summary", "notes", "outcome", "confidentiality")
STALE = _l("Someone changed this follow-up meanwhile: here it is now. Try again if it still needs it.")
CHANGED = _l(
    "Someone else changed this engagement since you opened it. Their version is shown beside your changes: "
    "review them, then save again to keep yours."
)


def version_of(headers: Mapping[str, str]) -> str:
    match = _ETAG.search(headers.get("etag", ""))
    return match.group(1) if match else ""


async def _engagement(web: WebContext, engagement_id: uuid.UUID) -> tuple[dict[str, Any], str]:
    answer = await web.api.get(f"/engagements/{engagement_id}")
    if answer.status == 404:
        raise HTTPException(status_code=404)
    if not answer.ok:
        raise HTTPException(status_code=502)
    return answer.json, version_of(answer.headers)


@router.get("/engagements/{engagement_id:uuid}")
async def engagement_page(
    engagement_id: uuid.UUID,
    web: Web,
    logged: str = "",
    follow_ups_failed: str = "",
    problem: str = "",
    done: str = "",
) -> HTMLResponse:
    return await show_engagement(
        web,
        engagement_id,
        logged=bool(logged),
        follow_ups_failed=bool(follow_ups_failed),
        stale=problem == "stale",
        attachment_notice=attachments_view.notice(web, done),
    )


async def show_engagement(
    web: WebContext, engagement_id: uuid.UUID, *, status: int = 200, **shown: Any
) -> HTMLResponse:
    """The page; `shown`: its notices (logged, follow_ups_failed, stale, attachment_notice,
    attachment_problem), so a refused upload comes back to the page itself with its reason."""
    engagement, version = await _engagement(web, engagement_id)
    mission_id = engagement.get("mission_id")
    # The trail names colleagues: people read it (an integration's login does not).
    staff = bool(STAFF & set(web.roles))
    # Beside the six reads below (gather types six at most): the directory and the attached files.
    people = asyncio.create_task(data.people(web))
    files = asyncio.create_task(web.api.get(f"/engagements/{engagement_id}/attachments"))
    follow_ups, contacts, (_, thrust_labels), mission, meetings, audit = await asyncio.gather(
        web.api.get(f"/engagements/{engagement_id}/follow-ups", params={"limit": 200}),
        data.contacts(web, [str(c) for c in engagement["contact_ids"]]),
        data.thrust_groups(web),
        web.api.get(f"/engagements/{mission_id}") if mission_id else asyncio.sleep(0, None),
        web.api.get("/engagements", params={"mission_id": str(engagement_id), "limit": 100, "facets": "false"})
        if engagement["type"] == "mission"
        else asyncio.sleep(0, None),
        web.api.get(f"/engagements/{engagement_id}/audit", params={"limit": AUDIT_SHOWN})
        if staff
        else asyncio.sleep(0, None),
    )
    attached = await files
    return web.render(
        "engagements/show.html",
        status=status,
        engagement=engagement,
        version=version,
        partners=[{"id": str(p["id"]), "label": data.partner_name(p, web.lang)} for p in engagement["partners"]],
        follow_ups=follow_ups.json["items"] if follow_ups.ok else [],
        contacts=contacts,
        thrust_labels=thrust_labels,
        mission=mission.json if mission is not None and mission.ok else None,
        meetings=meetings.json["items"] if meetings is not None and meetings.ok else [],
        people=await people,
        type_labels=TYPE_LABELS,
        confidentiality_labels=CONFIDENTIALITY_LABELS,
        owed_by=[(o, OWED_BY_LABELS[o]) for o in OWED_BY],
        owed_by_labels=OWED_BY_LABELS,
        attachments=attached.json["items"] if attached.ok else None,
        may_attach=bool(EDITORS & set(web.roles)),
        size_text=attachments_view.size_text,
        attachment_accept=attachments_view.ACCEPT,
        audit=audit.json["items"] if audit is not None and audit.ok else None,
        audit_actions=AUDIT_ACTIONS,
        audit_fields=AUDIT_FIELDS,
        follow_up_statuses=FOLLOW_UP_STATUSES,
        partner_names={str(p["id"]): data.partner_name(p, web.lang) for p in engagement["partners"]},
        **{"logged": False, "follow_ups_failed": False, "stale": False, "attachment_problem": None, **shown},
    )


@router.get("/engagements/{engagement_id:uuid}/edit")
async def edit_engagement(engagement_id: uuid.UUID, web: Web) -> HTMLResponse:
    engagement, version = await _engagement(web, engagement_id)
    return await form_page(web, EngagementForm.from_engagement(engagement, version), engagement=engagement)


@router.post("/engagements/{engagement_id:uuid}")
async def save_engagement(engagement_id: uuid.UUID, web: Web, posted: WebForm) -> Response:
    engagement, _ = await _engagement(web, engagement_id)
    form = EngagementForm.from_posted(posted)
    action = posted.get("action")
    if action in ("find_partners", "show_contacts", "preview"):
        query = posted.get("partner_q") if action == "find_partners" else ""
        return await form_page(web, form, engagement=engagement, partner_query=query if isinstance(query, str) else "")
    with speaking(web.lang):
        body, errors = body_of(form, for_update=True)
    if errors:
        return await form_page(web, form, errors=errors, status=422, engagement=engagement)
    answer = await web.api.patch(
        f"/engagements/{engagement_id}", json=body, headers={"If-Match": f'W/"{form.version or 0}"'}
    )
    if answer.status == 412:
        current, version = await _engagement(web, engagement_id)
        theirs = EngagementForm.from_engagement(current, version)
        differences = {name: getattr(theirs, name) for name in COMPARED if getattr(theirs, name) != getattr(form, name)}
        form.version = version  # saving again now is a choice made with their change in view
        return await form_page(
            web,
            form,
            general=CHANGED,
            status=409,
            engagement=current,
            conflict={"fields": differences, "by": current.get("updated_by") or current.get("created_by")},
        )
    if not answer.ok:
        with speaking(web.lang):
            field_errors, general = errors_of(answer.problem)
        return await form_page(
            web, form, errors=field_errors, general=general, status=answer.status, engagement=engagement
        )
    return web.redirect(f"/engagements/{engagement_id}")


@router.get("/engagements/{engagement_id:uuid}/delete")
async def confirm_delete(engagement_id: uuid.UUID, web: Web) -> HTMLResponse:
    engagement, version = await _engagement(web, engagement_id)
    return web.render("engagements/delete.html", engagement=engagement, version=version, problem=None)


@router.post("/engagements/{engagement_id:uuid}/delete")
async def delete_engagement(engagement_id: uuid.UUID, web: Web, posted: WebForm) -> Response:
    version = posted.get("version") or ""
    answer = await web.api.delete(f"/engagements/{engagement_id}", headers={"If-Match": f'W/"{version or 0}"'})
    if answer.ok or answer.status == 404:
        return web.redirect("/?deleted=1")
    engagement, current = await _engagement(web, engagement_id)
    problem = {
        412: _l("Someone changed this engagement since you opened it: look at it again before deleting it."),
        409: _l("This mission still holds engagements: move or delete them first."),
        403: _l("Only its author or an administrator may delete this engagement."),
    }.get(answer.status, _l("The engagement could not be deleted."))
    return web.render(
        "engagements/delete.html", status=answer.status, engagement=engagement, version=current, problem=problem
    )


@router.post("/engagements/{engagement_id:uuid}/confirm")
async def confirm_draft(engagement_id: uuid.UUID, web: Web, posted: WebForm) -> Response:
    """A draft made from an e-mail becomes an engagement; one still missing partners or thrusts
    opens its form, where the API's refusal is what remains to fill in."""
    del posted  # read for its CSRF check
    answer = await web.api.post(f"/engagements/{engagement_id}/confirm")
    if answer.ok or answer.status == 409:  # 409: confirmed already
        return web.redirect(f"/engagements/{engagement_id}?logged=1")
    if answer.status == 404:
        raise HTTPException(status_code=404)
    return web.redirect(f"/engagements/{engagement_id}/edit")


@router.post("/engagements/{engagement_id:uuid}/follow-ups")
async def add_follow_up(engagement_id: uuid.UUID, web: Web, posted: WebForm) -> Response:
    form = EngagementForm.from_posted(posted)
    with speaking(web.lang):
        bodies, errors = follow_up_bodies(form, user=web.username)
    if bodies and not errors:
        await web.api.post(f"/engagements/{engagement_id}/follow-ups", json=bodies[0])
    return web.redirect(f"/engagements/{engagement_id}#follow-ups")


@router.post("/engagements/{engagement_id:uuid}/follow-ups/{follow_up_id:uuid}")
async def change_follow_up(engagement_id: uuid.UUID, follow_up_id: uuid.UUID, web: Web, posted: WebForm) -> Response:
    action = posted.get("action")
    assignee = posted.get("assignee")
    changes = {
        "complete": {"status": "done"},
        "reopen": {"status": "open"},
        "reassign": {"assignee": assignee.strip() if isinstance(assignee, str) else ""},
    }.get(action if isinstance(action, str) else "")
    if changes is None:
        raise HTTPException(status_code=400)
    version = posted.get("version") or "0"
    answer = await web.api.patch(f"/follow-ups/{follow_up_id}", json=changes, headers={"If-Match": f'W/"{version}"'})
    problem: Text | None = None
    if not answer.ok:
        problem = STALE if answer.status == 412 else _l("This change could not be made: %(reason)s")
        if answer.status != 412:
            with speaking(web.lang):
                fields, general = errors_of(answer.problem)
                problem = str(problem) % {"reason": next(iter(fields.values()), general)}
        answer = await web.api.get(f"/follow-ups/{follow_up_id}")
        if not answer.ok:
            raise HTTPException(status_code=answer.status if answer.status == 404 else 502)
    if not web.is_htmx:
        suffix = "?problem=stale" if problem else ""
        return web.redirect(f"/engagements/{engagement_id}{suffix}#fu-{follow_up_id}")
    return web.render(
        "engagements/_follow_up.html",
        engagement={"id": str(engagement_id)},
        fu=answer.json,
        version=version_of(answer.headers) or answer.json["version"],
        owed_by_labels=OWED_BY_LABELS,
        problem=problem,
        status=200,
    )
