"""Administration: the duplicate review queue of the partners service (`/api/v1/partners/duplicates`).

Each likely pair with its score and why; "not duplicates" dismisses it for good; "review and merge"
shows the two side by side with a choice for each field where they differ, and merges the duplicate
into the survivor (`POST /partners/{survivor}/merge`, If-Match the survivor's version as shown, so a
change made meanwhile is reviewed, not overwritten). The service's refusals, in the page's language,
are shown above the form; nothing is merged unless it says so.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from gateway.web import duplicates as dup
from gateway.web import partner_labels as labels
from gateway.web.client import ApiResponse
from gateway.web.context import Web, WebContext, WebForm
from gateway.web.engagement_form import speaking
from gateway.web.i18n import Text
from gateway.web.i18n import lazy_gettext as _l
from gateway.web.routes.admin import forbidden, notice, tr, with_notice

router = APIRouter()
PAGE_SIZE = 25
GONE = _l("One of these partners no longer exists, or was merged already: the queue below is up to date.")
CHANGED = _l(
    "Someone changed one of these partners since you opened this page: here they are now. "
    "Check your choices, then merge again."
)
NOT_MERGED = _l("The partners service refused the merge; nothing was changed.")
NOT_DISMISSED = _l("The pair could not be dismissed; nothing was changed.")


async def queue_page(
    web: WebContext, *, cursor: str | None = None, failure: Text | None = None, status: int = 200
) -> HTMLResponse:
    params: dict[str, Any] = {"limit": PAGE_SIZE, **({"cursor": cursor} if cursor else {})}
    answer = await web.api.get("/partners/duplicates", params=params)
    listing = answer.json if answer.ok and isinstance(answer.json, dict) else None
    if listing is None and failure is None:
        failure = (answer.problem or {}).get("detail") or _l("The duplicate queue could not be read.")
    return web.render(
        "admin/duplicates.html",
        status=status,
        section="duplicates",
        pairs=(listing or {}).get("items", []),
        total=(listing or {}).get("total"),
        next_cursor=(listing or {}).get("next_cursor"),
        failure=tr(web, failure) if failure is not None else None,
        done=notice(web),
        reason_text=dup.reason_text,
        L=labels.names(),
    )


@router.get("/admin/duplicates", response_class=HTMLResponse)
async def duplicate_queue(web: Web, cursor: Annotated[str | None, Query(max_length=500)] = None) -> HTMLResponse:
    if not web.is_admin:
        return forbidden(web)
    return await queue_page(web, cursor=cursor)


def _ids(form: Any, *names: str) -> list[str] | None:
    found = []
    for name in names:
        value = form.get(name)
        try:
            found.append(str(uuid.UUID(value if isinstance(value, str) else "")))
        except ValueError:
            return None
    return found


@router.post("/admin/duplicates/dismiss", response_class=HTMLResponse)
async def dismiss_pair(web: Web, form: WebForm) -> Response:
    if not web.is_admin:
        return forbidden(web)
    ids = _ids(form, "first", "second")
    if ids is None:
        return await queue_page(web, failure=NOT_DISMISSED, status=400)
    answer = await web.api.post("/partners/duplicates/dismissals", json={"partner_ids": ids})
    if answer.ok:
        return web.redirect(with_notice("/admin/duplicates", "dismissed"))
    failure: Text = GONE if answer.status == 404 else (answer.problem or {}).get("detail") or NOT_DISMISSED
    return await queue_page(web, failure=failure, status=answer.status if answer.status < 500 else 502)


async def _pair(web: WebContext, survivor_id: str, duplicate_id: str) -> tuple[ApiResponse, ApiResponse]:
    return await asyncio.gather(web.api.get(f"/partners/{survivor_id}"), web.api.get(f"/partners/{duplicate_id}"))


def _live(answer: ApiResponse, asked: str) -> bool:
    # A merged partner's address answers with its survivor: that one is not the partner asked for.
    return answer.ok and isinstance(answer.json, dict) and str(answer.json.get("id")) == asked


async def merge_page(
    web: WebContext,
    survivor_id: str,
    duplicate_id: str,
    *,
    posted: dict[str, str] | None = None,
    problem: Text | None = None,
    field_errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    survivor, duplicate = await _pair(web, survivor_id, duplicate_id)
    if not (_live(survivor, survivor_id) and _live(duplicate, duplicate_id)):
        return await queue_page(web, failure=GONE, status=404)
    with speaking(web.lang):  # the rows' labels and values are words of the page's language
        rows = dup.merge_rows(survivor.json, duplicate.json, posted or {})
        united = dup.united_rows(survivor.json, duplicate.json)
    return web.render(
        "admin/duplicate_merge.html",
        status=status,
        section="duplicates",
        survivor=survivor.json,
        duplicate=duplicate.json,
        version=str(survivor.json.get("version", "")),
        rows=rows,
        united=united,
        problem=tr(web, problem) if problem is not None else None,
        field_errors=field_errors or {},
        L=labels.names(),
    )


@router.get("/admin/duplicates/merge", response_class=HTMLResponse)
async def merge_form(web: Web, survivor: uuid.UUID, duplicate: uuid.UUID) -> HTMLResponse:
    if not web.is_admin:
        return forbidden(web)
    return await merge_page(web, str(survivor), str(duplicate))


@router.post("/admin/duplicates/merge", response_class=HTMLResponse)
async def merge(web: Web, form: WebForm) -> Response:
    if not web.is_admin:
        return forbidden(web)
    ids = _ids(form, "survivor", "duplicate")
    if ids is None:
        return await queue_page(web, failure=GONE, status=400)
    survivor_id, duplicate_id = ids
    keep = {name: value for name in dup.CHOSEN if (value := form.get(f"keep.{name}")) in dup.KEEP}
    version = form.get("version")
    answer = await web.api.post(
        f"/partners/{survivor_id}/merge",
        json={"duplicate_id": duplicate_id, "keep": keep},
        headers={"If-Match": f'W/"{version if isinstance(version, str) and version.isdigit() else 0}"'},
    )
    if answer.ok:
        return web.redirect(with_notice("/admin/duplicates", "merged"))
    if answer.status == 404:
        return await queue_page(web, failure=GONE, status=404)
    problem: Text = CHANGED if answer.status == 412 else (answer.problem or {}).get("detail") or NOT_MERGED
    fields = {key.removeprefix("keep."): message for key, message in answer.field_errors.items()}
    status = answer.status if answer.status < 500 else 502
    return await merge_page(
        web, survivor_id, duplicate_id, posted=keep, problem=problem, field_errors=fields, status=status
    )
