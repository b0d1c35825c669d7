"""Files attached to a partner (minutes, agreements, presentations): read by whoever may read the
directory, added and removed by its editors; each addition and removal is in the partner's audit.

The file is in the blob store (`kit/blobs.py`) under `partners/<partner id>/<attachment id>`; its
type is what its bytes are (`kit/attachments.py`). A merged duplicate's id leads to its survivor,
which the merge gave the duplicate's files (`move`); a partner is archived, never deleted, so its
files stay with it.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select, update
from sqlmodel import Session, col

from services.kit import attachments as kept
from services.kit.blobs import Blobs
from services.kit.identity import Caller
from services.kit.problems import NotFound
from services.kit.uploads import Upload
from services.partners import audit
from services.partners.models import Partner, PartnerAttachment
from services.partners.service import live_partner, resolve_partner


def may_attach(*, session: Session, partner_id: uuid.UUID) -> Partner:
    """Checked before the file is even received: an unknown (404) or merged (409) partner's upload is never read."""
    return live_partner(session=session, partner_id=partner_id)


def attach(
    *, session: Session, blobs: Blobs, caller: Caller, partner_id: uuid.UUID, upload: Upload
) -> PartnerAttachment:
    partner = may_attach(session=session, partner_id=partner_id)
    kind = kept.checked_type(upload)
    row = kept.keep(
        session=session,
        blobs=blobs,
        model=PartnerAttachment,
        owner={"partner_id": partner.id},
        folder=f"partners/{partner.id}",
        upload=upload,
        uploaded_by=caller.user,
        kind=kind,
    )
    _audit(session, row, "attachment_added", caller, {"filename": {"before": None, "after": row.filename}})
    return row


def attachments_of(*, session: Session, partner_id: uuid.UUID) -> list[PartnerAttachment]:
    partner = resolve_partner(session=session, partner_id=partner_id)
    return list(
        session.scalars(
            select(PartnerAttachment)
            .where(col(PartnerAttachment.partner_id) == partner.id)
            .order_by(col(PartnerAttachment.uploaded_at), col(PartnerAttachment.id))
        )
    )


def get_attachment(*, session: Session, partner_id: uuid.UUID, attachment_id: uuid.UUID) -> PartnerAttachment:
    partner = resolve_partner(session=session, partner_id=partner_id)
    attachment = session.get(PartnerAttachment, attachment_id)
    if attachment is None or attachment.partner_id != partner.id:
        raise NotFound(f"No attachment has the id {attachment_id} on this partner.")
    return attachment


def detach(*, session: Session, blobs: Blobs, caller: Caller, partner_id: uuid.UUID, attachment_id: uuid.UUID) -> None:
    attachment = get_attachment(session=session, partner_id=partner_id, attachment_id=attachment_id)
    kept.discard(session=session, blobs=blobs, rows=[attachment])
    _audit(
        session, attachment, "attachment_removed", caller, {"filename": {"before": attachment.filename, "after": None}}
    )


def move(*, session: Session, survivor_id: uuid.UUID, duplicate_id: uuid.UUID) -> None:
    """A merge: the duplicate's files are the survivor's now (their keys, and so the files, stay)."""
    session.execute(
        update(PartnerAttachment)
        .where(col(PartnerAttachment.partner_id) == duplicate_id)
        .values(partner_id=survivor_id)
        .execution_options(synchronize_session="fetch")
    )


def _audit(session: Session, row: PartnerAttachment, action: str, caller: Caller, changes: dict[str, object]) -> None:
    audit.record(
        session=session,
        partner_id=row.partner_id,
        entity_type="attachment",
        entity_id=row.id,
        action=action,
        actor=caller.user,
        changes=changes,
    )
