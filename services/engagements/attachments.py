"""Files attached to an engagement: read by whoever may read it, added and removed by whoever may change it.

The file is in the blob store (`kit/blobs.py`) under `engagements/<engagement id>/<attachment id>`;
its type is what its bytes are (`kit/attachments.py` `checked_type`), never its name nor the client's word.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlmodel import Session, col

from services.engagements.access import ensure_may_change
from services.engagements.models import Attachment, Engagement
from services.engagements.service import get_engagement
from services.kit import attachments as kept
from services.kit.blobs import Blobs
from services.kit.identity import Caller
from services.kit.problems import NotFound
from services.kit.uploads import Upload


def may_attach(*, session: Session, caller: Caller, engagement_id: uuid.UUID) -> Engagement:
    """Checked before the file is even received: an outsider's upload is never read."""
    engagement = get_engagement(session=session, caller=caller, engagement_id=engagement_id)
    ensure_may_change(caller, engagement, fields=set())
    return engagement


def attach(*, session: Session, blobs: Blobs, caller: Caller, engagement_id: uuid.UUID, upload: Upload) -> Attachment:
    engagement = may_attach(session=session, caller=caller, engagement_id=engagement_id)
    return attach_to(session=session, blobs=blobs, engagement=engagement, upload=upload, uploaded_by=caller.user)


def attach_to(
    *, session: Session, blobs: Blobs, engagement: Engagement, upload: Upload, uploaded_by: str
) -> Attachment:
    """The file checked (its type by its bytes) and kept; who may is the caller's to check."""
    kind = kept.checked_type(upload)
    return kept.keep(
        session=session,
        blobs=blobs,
        model=Attachment,
        owner={"engagement_id": engagement.id},
        folder=f"engagements/{engagement.id}",
        upload=upload,
        uploaded_by=uploaded_by,
        kind=kind,
    )


def attachments_of(*, session: Session, caller: Caller, engagement_id: uuid.UUID) -> list[Attachment]:
    get_engagement(session=session, caller=caller, engagement_id=engagement_id)
    return list(
        session.scalars(
            select(Attachment)
            .where(col(Attachment.engagement_id) == engagement_id)
            .order_by(col(Attachment.uploaded_at), col(Attachment.id))
        )
    )


def get_attachment(
    *, session: Session, caller: Caller, engagement_id: uuid.UUID, attachment_id: uuid.UUID
) -> tuple[Engagement, Attachment]:
    engagement = get_engagement(session=session, caller=caller, engagement_id=engagement_id)
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or attachment.engagement_id != engagement.id:
        raise NotFound(f"No attachment has the id {attachment_id} on this engagement.")
    return engagement, attachment


def detach(
    *, session: Session, blobs: Blobs, caller: Caller, engagement_id: uuid.UUID, attachment_id: uuid.UUID
) -> None:
    engagement, attachment = get_attachment(
        session=session, caller=caller, engagement_id=engagement_id, attachment_id=attachment_id
    )
    ensure_may_change(caller, engagement, fields=set())
    kept.discard(session=session, blobs=blobs, rows=[attachment])
