"""HTTP routes for partners: thin — parse, check the role, call the rules, shape the answer.

A merged partner B answers `GET /partners/B` with 200 and the body of the partner it was merged
into (A, so `id` is A's), plus `Content-Location: /api/v1/partners/A` saying where it now lives.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status
from starlette.concurrency import run_in_threadpool

from services.kit import sync
from services.kit.app import SessionDep
from services.kit.edge import ExpectedVersion, UpdatedSince
from services.kit.inputs import Date
from services.kit.openapi_problems import problems
from services.kit.preconditions import etag
from services.partners import audit, csv_io, listing, resync, service
from services.partners.deps import Admin, Editor, Limit, Operator, Reader, StaffReader
from services.partners.merge import merge_partners
from services.partners.schemas import (
    ArchivedFilter,
    AuditEntryRead,
    MergeRequest,
    Page,
    PartnerCreate,
    PartnerKind,
    PartnerRead,
    PartnerStatus,
    PartnerUpdate,
    Region,
    ResyncBatch,
)

router = APIRouter(prefix="/api/v1", tags=["partners"])


def location(partner_id: uuid.UUID) -> str:
    return f"/api/v1/partners/{partner_id}"


def _answer(partner, response: Response) -> PartnerRead:
    response.headers["ETag"] = etag(partner.version)
    return service.read(partner)


def _filters(
    q: str | None = Query(None, max_length=300),
    kind: PartnerKind | None = None,
    country: str | None = Query(None, pattern="^[A-Z]{2}$"),
    region: Region | None = None,
    thrust: str | None = None,
    status: PartnerStatus | None = None,
    member_of: uuid.UUID | None = None,
    as_of: Date | None = None,
    owner: str | None = None,
    owner_team: Annotated[
        uuid.UUID | None,
        Query(description="Partners owned by this team (its id in the directory, gateway /api/v1/teams)."),
    ] = None,
    archived: Annotated[
        ArchivedFilter, Query(description="Archived partners are left out unless `include` or `only`.")
    ] = ArchivedFilter.EXCLUDE,
    include_archived: bool = False,
) -> listing.PartnerFilters:
    return listing.PartnerFilters(
        q=q,
        kind=kind,
        country=country,
        region=region,
        thrust=thrust,
        status=status,
        member_of=member_of,
        as_of=as_of,
        owner=owner,
        owner_team=owner_team,
        archived=ArchivedFilter.INCLUDE if include_archived and archived == ArchivedFilter.EXCLUDE else archived,
    )


Filters = Annotated[listing.PartnerFilters, Depends(_filters)]


@router.get("/partners", response_model=Page[PartnerRead])
def list_partners(
    session: SessionDep,
    _: Reader,
    filters: Filters,
    limit: Limit = 50,
    cursor: str | None = None,
    updated_since: UpdatedSince = None,
) -> Page[PartnerRead]:
    position = sync.since(updated_since=updated_since, cursor=cursor)
    items, next_cursor, total = listing.list_partners(
        session=session, filters=filters, limit=limit, cursor=cursor, position=position
    )
    return Page[PartnerRead](items=[service.read(p) for p in items], next_cursor=next_cursor, total=total)


@router.post("/partners", status_code=status.HTTP_201_CREATED, response_model=PartnerRead, responses=problems(409))
def create_partner(
    body: PartnerCreate, session: SessionDep, caller: Editor, response: Response, allow_duplicate: bool = False
) -> PartnerRead:
    partner = service.create_partner(session=session, data=body, caller=caller, allow_duplicate=allow_duplicate)
    response.headers["Location"] = location(partner.id)
    return _answer(partner, response)


@router.get(
    "/partners/export.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 with BOM, `;`-separated"}},
)
def export_partners(session: SessionDep, _: Reader, filters: Filters) -> Response:
    body = "".join(csv_io.export_rows(listing.all_matching(session=session, filters=filters)))
    return Response(
        body.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="partners.csv"'},
    )


@router.get("/partners/{partner_id}", response_model=PartnerRead)
async def get_partner(partner_id: uuid.UUID, session: SessionDep, _: Reader, response: Response) -> PartnerRead:
    # The hottest read (issue 12): async with one worker-thread hop for the database, where a sync
    # route takes two (the route, then FastAPI's check of its answer).
    partner = await run_in_threadpool(service.resolve_partner, session=session, partner_id=partner_id)
    if partner.id != partner_id:
        response.headers["Content-Location"] = location(partner.id)
    return _answer(partner, response)


@router.patch("/partners/{partner_id}", response_model=PartnerRead)
def update_partner(
    partner_id: uuid.UUID,
    body: PartnerUpdate,
    session: SessionDep,
    caller: Editor,
    response: Response,
    expected: ExpectedVersion,
) -> PartnerRead:
    partner = service.update_partner(
        session=session, partner_id=partner_id, data=body, expected_version=expected, caller=caller
    )
    return _answer(partner, response)


@router.post("/partners/{partner_id}/archive", response_model=PartnerRead)
def archive_partner(
    partner_id: uuid.UUID, session: SessionDep, caller: Admin, response: Response, expected: ExpectedVersion
) -> PartnerRead:
    partner = service.archive_partner(session=session, partner_id=partner_id, expected_version=expected, caller=caller)
    return _answer(partner, response)


@router.post("/partners/{partner_id}/restore", response_model=PartnerRead, responses=problems(409))
def restore_partner(
    partner_id: uuid.UUID, session: SessionDep, caller: Admin, response: Response, expected: ExpectedVersion
) -> PartnerRead:
    """Bring an archived partner back: listed, found and namable on engagements again."""
    partner = service.restore_partner(session=session, partner_id=partner_id, expected_version=expected, caller=caller)
    return _answer(partner, response)


@router.post("/partners/{partner_id}/merge", response_model=PartnerRead)
def merge_partner(
    partner_id: uuid.UUID,
    body: MergeRequest,
    session: SessionDep,
    caller: Admin,
    response: Response,
    expected: ExpectedVersion,
) -> PartnerRead:
    """Merge `duplicate_id` INTO this partner; the duplicate becomes a redirect here. `keep` picks,
    field by field, whose value survives (`survivor` or `duplicate`); names, acronyms, aliases and
    thrusts are united; relationships, memberships and contacts move here."""
    partner = merge_partners(
        session=session,
        survivor_id=partner_id,
        duplicate_id=body.duplicate_id,
        expected_version=expected,
        caller=caller,
        keep=body.keep,
    )
    return _answer(partner, response)


@router.get("/partners/{partner_id}/audit", response_model=Page[AuditEntryRead])
def partner_audit(
    partner_id: uuid.UUID, session: SessionDep, _: StaffReader, limit: Limit = 50, cursor: str | None = None
) -> Page[AuditEntryRead]:
    service.get_partner(session=session, partner_id=partner_id)
    rows, next_cursor = audit.entries(session=session, partner_id=partner_id, limit=limit, cursor=cursor)
    return Page[AuditEntryRead](
        items=[AuditEntryRead.model_validate(r, from_attributes=True) for r in rows], next_cursor=next_cursor
    )


@router.post("/admin/partners/resync", response_model=ResyncBatch, tags=["operations"])
def resync_partners(
    session: SessionDep,
    _: Operator,
    cursor: str | None = Query(None, max_length=200),
    limit: int = Query(200, ge=1, le=resync.MAX_BATCH),
) -> ResyncBatch:
    """Queue a `liaison.partner.snapshot` for each of the next `limit` partners (one transaction); call
    again with `next_cursor` until it is null. Consumers rebuild their copies from them (`liaison resync`)."""
    published, next_cursor = resync.publish_snapshots(session=session, cursor=cursor, limit=limit)
    return ResyncBatch(published=published, next_cursor=next_cursor)
