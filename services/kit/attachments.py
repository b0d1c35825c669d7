"""Files attached to a record (an engagement, a partner): what every service's attachments share.

One way to do each thing: the store's settings (`AttachmentSettings`, mixed into a service's settings)
and the store built from them (`attachment_store`, a worker of the service); the row's columns
(`AttachmentColumns`); the type check by the bytes (`checked_type`: unknown 415, a name whose extension
says another type 422); the file written before its row commits (`keep`); the download's headers.
The service owns who may attach to what, and the table (its foreign key names its own record).
"""

import uuid
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Protocol, Self, TypeVar

from pydantic import BaseModel, Field, SecretStr, model_validator
from sqlmodel import Field as Column
from sqlmodel import Session, SQLModel

from services.kit import blobs as blob_store
from services.kit import file_types
from services.kit.blobs import Blobs, FileBlobs, S3Blobs, s3_client
from services.kit.file_types import FileType
from services.kit.headers import content_disposition
from services.kit.problems import Problem
from services.kit.settings import VAR_DIR, ServiceSettings
from services.kit.types import UTCDateTime, utcnow
from services.kit.uploads import Upload


class AttachmentSettings(ServiceSettings):
    """A service's settings that keep files: LIAISON_<SERVICE>_ATTACHMENT_MAX_BYTES, _ATTACHMENT_STORE, ..."""

    # The largest file taken (refused while it streams in, 413), and where files are kept.
    attachment_max_bytes: int = Field(default=25 * 1000 * 1000, ge=1024)
    attachment_store: Literal["filesystem", "s3"] = "filesystem"
    attachment_dir: Path | None = None  # none: var/attachments/<service>
    attachment_s3_bucket: str | None = None
    attachment_s3_prefix: str = ""
    attachment_s3_endpoint_url: str | None = None  # MinIO, Ceph...: any S3-compatible store
    attachment_s3_region: str | None = None
    attachment_s3_access_key_id: str | None = None
    attachment_s3_secret_access_key: SecretStr | None = None  # none: boto3's own chain (role, env)

    @model_validator(mode="after")
    def _s3_needs_a_bucket(self) -> Self:
        if self.attachment_store == "s3" and not self.attachment_s3_bucket:
            prefix = str(self.model_config.get("env_prefix", ""))
            raise ValueError(f"{prefix}ATTACHMENT_S3_BUCKET is required with attachment_store=s3")
        return self


def attachment_store(state: Any) -> Blobs:
    """The `blobs` worker of a service whose settings are AttachmentSettings (kit/app.py `workers`)."""
    settings = state.settings
    assert isinstance(settings, AttachmentSettings)
    if settings.attachment_store == "filesystem":
        return FileBlobs(settings.attachment_dir or VAR_DIR / "attachments" / settings.service_name)
    secret = settings.attachment_s3_secret_access_key
    client = s3_client(
        endpoint_url=settings.attachment_s3_endpoint_url,
        region=settings.attachment_s3_region,
        access_key_id=settings.attachment_s3_access_key_id,
        secret=secret.get_secret_value() if secret else None,
    )
    return S3Blobs(client, bucket=settings.attachment_s3_bucket or "", prefix=settings.attachment_s3_prefix)


class AttachmentColumns(SQLModel):
    """The columns every attachments table has beside its record's foreign key."""

    id: uuid.UUID = Column(default_factory=uuid.uuid4, primary_key=True)
    filename: str = Column(max_length=255)
    content_type: str = Column(max_length=100)
    size: int
    storage_key: str = Column(max_length=200)
    uploaded_by: str = Column(max_length=200)
    uploaded_at: datetime = Column(default_factory=utcnow, sa_type=UTCDateTime)


class AttachmentFields(BaseModel):
    """What an attachment's answer says (the service adds its record's id)."""

    id: uuid.UUID
    filename: str
    content_type: str
    size: int
    uploaded_by: str
    uploaded_at: datetime


class UnsupportedType(Problem):
    status = 415
    title = "Unsupported attachment type"


class MismatchedName(Problem):
    status = 422
    title = "File name does not match its content"


ACCEPTED = "Attach a PDF, an Office document (Word, Excel, PowerPoint) or an image (PNG, JPEG, GIF, WebP)."


def checked_type(upload: Upload) -> FileType:
    """What the file is by its bytes; refused if none we take, or if its name says another type."""
    kind = file_types.sniff(upload.file)
    if kind is None:
        raise UnsupportedType(ACCEPTED, field="file")
    if not file_types.matches_name(kind, upload.filename):
        raise MismatchedName(
            f"{upload.filename} holds a {kind.content_type} file: name it {kind.extensions[0]}.",
            field="file",
            content_type=kind.content_type,
        )
    return kind


class Attached(Protocol):
    filename: str
    size: int
    storage_key: str


A = TypeVar("A", bound=AttachmentColumns)


def keep(
    *,
    session: Session,
    blobs: Blobs,
    model: type[A],
    owner: dict[str, uuid.UUID],
    folder: str,
    upload: Upload,
    uploaded_by: str,
    kind: FileType,
) -> A:
    """A new row of the service's attachments table (`owner`: its record's column and id), its file
    under `<folder>/<row id>`: written now, removed again if the transaction fails; the row added."""
    attachment_id = uuid.uuid4()
    row = model(
        id=attachment_id,
        filename=upload.filename,
        content_type=kind.content_type,
        size=upload.size,
        storage_key=f"{folder}/{attachment_id}",
        uploaded_by=uploaded_by,
        uploaded_at=utcnow(),
        **owner,
    )
    blobs.put(row.storage_key, upload.file)
    blob_store.forget_on_rollback(session, blobs, row.storage_key)
    session.add(row)
    session.flush()
    return row


def discard(*, session: Session, blobs: Blobs, rows: Sequence[AttachmentColumns]) -> None:
    """The rows deleted in this transaction, their files once it commits (kept if it fails)."""
    for row in rows:
        session.delete(row)
    blob_store.delete_after_commit(session, blobs, [row.storage_key for row in rows])


def download_headers(attachment: Attached) -> dict[str, str]:
    return {
        "Content-Disposition": content_disposition(attachment.filename),
        "Content-Length": str(attachment.size),
        # The type was decided from the bytes: no browser guesses another (an HTML page in disguise).
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
    }
