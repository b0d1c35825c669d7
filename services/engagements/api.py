"""HTTP routes for engagements and the thrusts taxonomy: thin — parse, call the service, shape the answer."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response, status

from services.engagements import agreements, queries, service
from services.engagements.deps import (
    CallerTeams,
    Cursor,
    LocalZone,
    SearchLimits,
    StaffReader,
    Writer,
    as_utc,
)
from services.engagements.schemas import (
    AgreementStatus,
    AuditPage,
    Confidentiality,
    EngagementCreate,
    EngagementPage,
    EngagementRead,
    EngagementType,
    EngagementUpdate,
)
from services.engagements.views import engagements_read
from services.kit import sync
from services.kit.app import BlobsDep, CallerDep, SessionDep
from services.kit.edge import Answer, ExpectedVersion, IdempotencyDep, UpdatedSince
from services.kit.inputs import Date, DateTime
from services.kit.openapi_problems import problems
from services.kit.preconditions import etag
from services.kit.thrusts import taxonomy

router = APIRouter(prefix="/api/v1", tags=["engagements"], dependencies=[CallerTeams])
Country = Annotated[str | None, Query(pattern=r"^[A-Z]{2}$")]


def _read(session, engagement) -> EngagementRead:
    return engagements_read(session, [engagement])[0]


@router.get("/engagements", response_model=EngagementPage, response_model_exclude_none=False)
def list_engagements(
    session: SessionDep,
    caller: CallerDep,
    zone: LocalZone,
    limits: SearchLimits,
    q: Annotated[str | None, Query(max_length=500)] = None,
    partner_id: uuid.UUID | None = None,
    thrust: Annotated[str | None, Query(max_length=100)] = None,
    type: EngagementType | None = None,
    country: Country = None,
    region: Annotated[str | None, Query(max_length=32)] = None,
    officer: Annotated[str | None, Query(max_length=200)] = None,
    starts_from: Annotated[DateTime | None, Query(alias="from")] = None,
    starts_to: Annotated[DateTime | None, Query(alias="to")] = None,
    confidentiality: Confidentiality | None = None,
    mission_id: uuid.UUID | None = None,
    agreement_status: AgreementStatus | None = None,
    expiring_before: Annotated[Date | None, Query(description="agreements with expires_on before this day")] = None,
    expires_in: Annotated[
        Literal["year"] | None, Query(description="`year`: agreements expiring this calendar year")
    ] = None,
    drafts: Annotated[bool, Query(description="the caller's drafts (made from e-mails) instead")] = False,
    facets: Annotated[bool | None, Query(description="facet counts; default: when q is given")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Cursor = None,
    updated_since: UpdatedSince = None,
) -> EngagementPage:
    """Newest first. `total` is exact up to a cap (LIAISON_ENGAGEMENTS_SEARCH_TOTAL_CAP), estimated beyond
    (`total_is_estimate`, and then the facets are estimates too, counted on a sample)."""
    position = sync.since(updated_since=updated_since, cursor=cursor)
    flt = queries.EngagementFilter(
        q=q,
        partner_ids=[partner_id] if partner_id else [],
        thrust=thrust,
        type=type,
        country=country,
        region=region,
        officer=officer,
        starts_from=as_utc(starts_from, zone),
        starts_to=as_utc(starts_to, zone),
        confidentiality=confidentiality,
        mission_id=mission_id,
        agreement_status=agreement_status,
        expires_before=expiring_before,
        drafts=drafts,
    )
    if expires_in == "year":
        start, end = agreements.year_bounds(datetime.now(zone).date())
        flt.expires_from = start
        flt.expires_before = min(end, expiring_before) if expiring_before else end
    # An incremental sync pages by change, never counts facets.
    with_facets = position is None and bool(facets or (facets is None and q))
    page = queries.find(
        session=session,
        caller=caller,
        flt=flt,
        limit=limit,
        cursor=cursor,
        count_total=not with_facets,
        limits=limits,
        position=position,
    )
    if with_facets:
        counts = queries.count(session=session, caller=caller, flt=flt, with_facets=True, limits=limits)
        page.total, page.total_is_estimate = counts.total, counts.is_estimate
    return EngagementPage(
        items=engagements_read(session, page.items),
        next_cursor=page.next_cursor,
        total=page.total,
        total_is_estimate=page.total_is_estimate,
        facets=counts.facets if with_facets else None,
    )


@router.post("/engagements", status_code=status.HTTP_201_CREATED, response_model=EngagementRead)
def log_engagement(
    body: EngagementCreate, session: SessionDep, caller: Writer, zone: LocalZone, idempotency: IdempotencyDep
):
    def write() -> Answer:
        engagement = service.log_engagement(session=session, caller=caller, data=body, zone=zone)
        headers = {"Location": f"/api/v1/engagements/{engagement.id}", "ETag": etag(engagement.version)}
        return _read(session, engagement), headers

    return idempotency.run(body=body, write=write)


@router.get("/engagements/{engagement_id}", response_model=EngagementRead)
def get_engagement(
    engagement_id: uuid.UUID, session: SessionDep, caller: CallerDep, response: Response
) -> EngagementRead:
    engagement = service.get_engagement(session=session, caller=caller, engagement_id=engagement_id)
    response.headers["ETag"] = etag(engagement.version)
    return _read(session, engagement)


@router.patch("/engagements/{engagement_id}", response_model=EngagementRead)
def update_engagement(
    engagement_id: uuid.UUID,
    body: EngagementUpdate,
    session: SessionDep,
    caller: Writer,
    zone: LocalZone,
    response: Response,
    expected: ExpectedVersion,
) -> EngagementRead:
    engagement = service.update_engagement(
        session=session, caller=caller, engagement_id=engagement_id, data=body, expected_version=expected, zone=zone
    )
    response.headers["ETag"] = etag(engagement.version)
    return _read(session, engagement)


@router.post(
    "/engagements/{engagement_id}/confirm",
    response_model=EngagementRead,
    responses=problems(409),  # not a draft (any more)
)
def confirm_draft(
    engagement_id: uuid.UUID,
    session: SessionDep,
    caller: Writer,
    zone: LocalZone,
    response: Response,
    expected: ExpectedVersion,
) -> EngagementRead:
    """A draft made from an e-mail becomes a normal engagement (its author only; If-Match optional)."""
    engagement = service.confirm_draft(
        session=session, caller=caller, engagement_id=engagement_id, expected_version=expected, zone=zone
    )
    response.headers["ETag"] = etag(engagement.version)
    return _read(session, engagement)


@router.delete(
    "/engagements/{engagement_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(409),  # a mission that still holds engagements
)
def delete_engagement(
    engagement_id: uuid.UUID, session: SessionDep, blobs: BlobsDep, caller: Writer, expected: ExpectedVersion
) -> Response:
    service.delete_engagement(
        session=session, blobs=blobs, caller=caller, engagement_id=engagement_id, expected_version=expected
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/engagements/{engagement_id}/audit", response_model=AuditPage)
def engagement_audit(
    engagement_id: uuid.UUID,
    session: SessionDep,
    caller: StaffReader,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Cursor = None,
) -> AuditPage:
    """Who changed it or its follow-ups, when, each field before and after (newest first)."""
    items, next_cursor = service.audit_trail(
        session=session, caller=caller, engagement_id=engagement_id, limit=limit, cursor=cursor
    )
    return AuditPage(items=items, next_cursor=next_cursor)


@router.get("/thrusts", tags=["thrusts"])
def list_thrusts() -> dict[str, Any]:
    items = [{"code": t.code, "parent": t.parent, "en": t.en, "fr": t.fr, "objective": t.objective} for t in taxonomy()]
    return {
        "items": items,
        "next_cursor": None,
        "total": len(items),
        "objectives": list(taxonomy().objectives.values()),
    }
