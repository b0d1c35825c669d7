"""Files attached to an engagement: read by whoever may read it, added and removed by whoever may change it.

The file is in the blob store (`kit/blobs.py`) under `engagements/<engagement id>/<attachment id>`;
its type is what its bytes are (`kit/file_types.py`), never its name nor the client's word.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlmodel import Session, col

from services.engagements.access import ensure_may_change
from services.engagements.models import Attachment, Engagement
from services.engagements.service import get_engagement
from services.kit import blobs as blob_store
from services.kit import file_types
from services.kit.blobs import Blobs
from services.kit.identity import Caller
from services.kit.problems import NotFound, Problem
from services.kit.types import utcnow
from services.kit.uploads import Upload


class UnsupportedType(Problem):
    status = 415
    title = "Unsupported attachment type"


class MismatchedName(Problem):
    status = 422
    title = "File name does not match its content"


def may_attach(*, session: Session, caller: Caller, engagement_id: uuid.UUID) -> Engagement:
    """Checked before the file is even received: an outsider's upload is never read."""
    engagement = get_engagement(session=session, caller=caller, engagement_id=engagement_id)
    ensure_may_change(caller, engagement, fields=set())
    return engagement


def attach(*, session: Session, blobs: Blobs, caller: Caller, engagement_id: uuid.UUID, upload: Upload) -> Attachment:
    engagement = may_attach(session=session, caller=caller, engagement_id=engagement_id)
    kind = file_types.sniff(upload.file)
    if kind is None:
        raise UnsupportedType(
            "Attach a PDF, an Office document (Word, Excel, PowerPoint) or an image (PNG, JPEG, GIF, WebP).",
            field="file",
        )
    if not file_types.matches_name(kind, upload.filename):
        raise MismatchedName(
            f"{upload.filename} holds a {kind.content_type} file: name it {kind.extensions[0]}.",
            field="file",
            content_type=kind.content_type,
        )
    attachment = Attachment(
        id=uuid.uuid4(),
        engagement_id=engagement.id,
        filename=upload.filename,
        content_type=kind.content_type,
        size=upload.size,
        storage_key="",
        uploaded_by=caller.user,
        uploaded_at=utcnow(),
    )
    attachment.storage_key = f"engagements/{engagement.id}/{attachment.id}"
    blobs.put(attachment.storage_key, upload.file)
    blob_store.forget_on_rollback(session, blobs, attachment.storage_key)
    session.add(attachment)
    session.flush()
    return attachment


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
    session.delete(attachment)
    blob_store.delete_after_commit(session, blobs, [attachment.storage_key])
