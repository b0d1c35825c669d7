"""Log an engagement: the one form (GET /engagements/new, POST /engagements) and the fragments its
htmx parts ask for (partner suggestions, the chosen partners' contacts, the notes' preview).

Without JavaScript the same form works by round trips: its "find partners" and "show their
contacts" buttons post the form back and get it again, everything kept, with what they asked for.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from gateway.web import engagement_data as data
from gateway.web.client import ApiResponse
from gateway.web.context import Web, WebForm
from gateway.web.engagement_form import (
    CONFIDENTIALITY,
    CONFIDENTIALITY_LABELS,
    OWED_BY,
    OWED_BY_LABELS,
    TYPE_LABELS,
    TYPES,
    EngagementForm,
    body_of,
    errors_of,
    follow_up_bodies,
    speaking,
)
from gateway.web.i18n import Text
from gateway.web.i18n import lazy_gettext as _l
from services.kit.markdown import render_notes
from services.kit.problems import ProblemType

router = APIRouter()
CONFLICT_RETRIES = 20  # a second submit racing the first waits for its answer (409 while it is handled)
ROUND_TRIPS = {"find_partners", "show_contacts", "preview"}
ALREADY_SENT = _l(
    "This form was already sent with other content. Check the engagements you logged; "
    "send it again to log it as a new engagement."
)


async def form_page(
    web: Web,
    form: EngagementForm,
    *,
    errors: dict[str, str] | None = None,
    general: Text | None = None,
    status: int = 200,
    engagement: dict[str, Any] | None = None,
    partner_query: str = "",
    conflict: dict[str, Any] | None = None,
) -> HTMLResponse:
    """The form as it stands, with what it needs from the API (thrusts, missions, partners, contacts)."""
    (groups, labels), missions, chosen, people, teams = await asyncio.gather(
        data.thrust_groups(web),
        data.missions(web),
        data.partners(web, form.partner_ids),
        data.people(web),
        data.teams(web),
    )
    contact_groups, found = await asyncio.gather(
        data.contacts_by_partner(web, chosen),
        data.suggest(web, partner_query, form.partner_ids) if partner_query else asyncio.sleep(0, []),
    )
    return web.render(
        "engagements/form.html",
        status=status,
        form=form,
        errors=errors or {},
        general=general,
        engagement=engagement,
        conflict=conflict,
        thrust_groups=groups,
        thrust_labels=labels,
        missions=[m for m in missions if not engagement or m["id"] != engagement["id"]],
        chosen_partners=chosen,
        people=people,
        teams=teams,
        contact_groups=contact_groups,
        partner_query=partner_query,
        partner_results=found,
        notes_preview=render_notes(form.notes) if form.notes.strip() else None,
        types=[(t, TYPE_LABELS[t]) for t in TYPES],
        confidentiality=[(c, CONFIDENTIALITY_LABELS[c]) for c in CONFIDENTIALITY],
        owed_by=[(o, OWED_BY_LABELS[o]) for o in OWED_BY],
    )


@router.get("/engagements/new")
async def new_engagement(web: Web, mission_id: str = "") -> HTMLResponse:
    form = EngagementForm.blank(user=web.username, mission_id=mission_id if data.is_id(mission_id) else "")
    return await form_page(web, form)


async def _post_with_key(web: Web, path: str, body: dict[str, Any], key: str) -> ApiResponse:
    """POST under an Idempotency-Key; a 409 means the same key is being handled: wait for its answer."""
    for attempt in range(CONFLICT_RETRIES):
        answer = await web.api.post(path, json=body, headers={"Idempotency-Key": key})
        if answer.status != 409:
            return answer
        await asyncio.sleep(0.1 * (attempt + 1))
    return answer


@router.post("/engagements")
async def log_engagement(web: Web, posted: WebForm) -> Response:
    form = EngagementForm.from_posted(posted)
    action = posted.get("action")
    if action in ROUND_TRIPS:
        query = posted.get("partner_q") if action == "find_partners" else ""
        return await form_page(web, form, partner_query=query if isinstance(query, str) else "")
    if not form.idempotency_key:
        form.idempotency_key = EngagementForm.blank(user=web.username).idempotency_key
    with speaking(web.lang):
        body, errors = body_of(form)
        follow_ups, follow_up_errors = follow_up_bodies(form, user=web.username)
    errors |= follow_up_errors
    if errors:
        return await form_page(web, form, errors=errors, status=422)
    answer = await _post_with_key(web, "/engagements", body, form.idempotency_key)
    if answer.status == 422 and answer.problem_type == ProblemType.IDEMPOTENCY_KEY_REUSED:
        # This form was sent before with other content: a new key makes the next submit a new engagement.
        form.idempotency_key = EngagementForm.blank(user=web.username).idempotency_key
        return await form_page(web, form, general=ALREADY_SENT, status=422)
    if not answer.ok:
        with speaking(web.lang):
            field_errors, general = errors_of(answer.problem)
        return await form_page(web, form, errors=field_errors, general=general, status=_page_status(answer.status))
    engagement_id = answer.json["id"]
    # Each follow-up has its own key, made from the form's: a resubmission adds only those missing.
    results = await asyncio.gather(
        *(
            _post_with_key(web, f"/engagements/{engagement_id}/follow-ups", fu, f"{form.idempotency_key}.fu{i}")
            for i, fu in enumerate(follow_ups)
        )
    )
    if any(not r.ok for r in results):
        return web.redirect(f"/engagements/{engagement_id}?logged=1&follow_ups_failed=1")
    return web.redirect(f"/engagements/{engagement_id}?logged=1")


def _page_status(api_status: int) -> int:
    return api_status if api_status in (400, 403, 404, 409, 412, 422) else 502


@router.get("/engagements/partner-suggest")
async def partner_suggest(
    web: Web,
    q: Annotated[str, Query(max_length=300)] = "",
    partner_q: Annotated[str, Query(max_length=300)] = "",
    partner_ids: Annotated[list[str], Query()] = [],  # noqa: B006 (FastAPI reads the default, never mutates it)
) -> HTMLResponse:
    query = q or partner_q
    found = await data.suggest(web, query, partner_ids)
    return web.render("engagements/_suggestions.html", partners=found, query=query)


@router.get("/engagements/partner-contacts")
async def partner_contacts(
    web: Web,
    partner_ids: Annotated[list[str], Query()] = [],  # noqa: B006
    contact_ids: Annotated[list[str], Query()] = [],  # noqa: B006
) -> HTMLResponse:
    chosen = await data.partners(web, partner_ids[:50])
    groups = await data.contacts_by_partner(web, chosen)
    return web.render(
        "engagements/_contacts.html", contact_groups=groups, form=EngagementForm(contact_ids=contact_ids), errors={}
    )


@router.post("/engagements/preview")
async def preview_notes(web: Web, posted: WebForm) -> HTMLResponse:
    notes = posted.get("notes")
    html = render_notes(notes) if isinstance(notes, str) and notes.strip() else None
    return web.render("engagements/_preview.html", notes_preview=html)
