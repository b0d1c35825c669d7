"""HTTP routes for the duplicate review queue (administrators): likely pairs, best first, and
dismissing a pair; merging one is `POST /partners/{id}/merge`."""

from __future__ import annotations

from fastapi import APIRouter, status

from services.kit.app import SessionDep
from services.kit.openapi_problems import problems
from services.partners import duplicates
from services.partners.deps import Admin, Limit
from services.partners.models import Partner
from services.partners.schemas import (
    DismissalRead,
    DismissRequest,
    DuplicatePair,
    DuplicatePartner,
    Page,
)

router = APIRouter(prefix="/api/v1", tags=["duplicates"])


def _summary(partner: Partner) -> DuplicatePartner:
    return DuplicatePartner.model_validate(partner, from_attributes=True)


@router.get("/partners/duplicates", response_model=Page[DuplicatePair])
def duplicate_queue(session: SessionDep, _: Admin, limit: Limit = 50, cursor: str | None = None) -> Page[DuplicatePair]:
    """Likely duplicate pairs not dismissed, best first, each with its score (0-100) and why."""
    pairs, next_cursor, total = duplicates.page(session=session, limit=limit, cursor=cursor)
    items = [
        DuplicatePair(
            first=_summary(pair.first),
            second=_summary(pair.second),
            score=pair.score,
            reasons=pair.reasons,
            merge=f"/api/v1/partners/{pair.first.id}/merge",
        )
        for pair in pairs
    ]
    return Page[DuplicatePair](items=items, next_cursor=next_cursor, total=total)


@router.post(
    "/partners/duplicates/dismissals",
    status_code=status.HTTP_201_CREATED,
    response_model=DismissalRead,
    responses=problems(404),
)
def dismiss_pair(body: DismissRequest, session: SessionDep, caller: Admin) -> DismissalRead:
    """These two are not duplicates: the queue will not propose them again."""
    row = duplicates.dismiss(session=session, partner_ids=body.partner_ids, caller=caller)
    return DismissalRead.model_validate(row, from_attributes=True)
