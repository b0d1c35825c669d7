"""Files kept beside a service's database (attachments): one small interface, put / open / delete by key.

`FileBlobs` keeps them in a directory (the default, under var/); `S3Blobs` in any S3-compatible store
(production). A blob is written before the row that names it commits: `forget_on_rollback` removes it
if that transaction fails, and `delete_after_commit` removes blobs only once their rows are gone for
good, so a failed transaction never loses a file nor leaves one nobody names.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import IO, Any, Protocol

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger("liaison.blobs")
CHUNK = 64 * 1024
_KEY = re.compile(r"^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*$")


class Blobs(Protocol):
    def put(self, key: str, file: IO[bytes]) -> None: ...

    def open(self, key: str) -> Iterator[bytes]: ...

    def delete(self, key: str) -> None: ...

    # A worker of the service (kit/app.py): built in the lifespan; nothing to run.
    def start(self) -> None: ...

    def stop(self) -> None: ...


def _checked(key: str) -> str:
    # Keys are made by the services (ids), never from input: anything else is a bug, not a path to follow.
    if not _KEY.match(key):
        raise ValueError(f"not a blob key: {key!r}")
    return key


class FileBlobs:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / _checked(key)

    def put(self, key: str, file: IO[bytes]) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside then renamed: a reader never sees half a file, a crash leaves no partial one named.
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := file.read(CHUNK):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def open(self, key: str) -> Iterator[bytes]:
        with self._path(key).open("rb") as file:
            while chunk := file.read(CHUNK):
                yield chunk

    def delete(self, key: str) -> None:
        path = self._path(key)
        path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # the record's folder, once empty
            path.parent.rmdir()

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass


class S3Blobs:
    """Any S3-compatible store (AWS S3, MinIO, Ceph...). `client`: a boto3 S3 client."""

    def __init__(self, client: Any, *, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    def put(self, key: str, file: IO[bytes]) -> None:
        self.client.upload_fileobj(file, self.bucket, self.prefix + _checked(key))

    def open(self, key: str) -> Iterator[bytes]:
        body = self.client.get_object(Bucket=self.bucket, Key=self.prefix + _checked(key))["Body"]
        try:
            yield from body.iter_chunks(CHUNK)
        finally:
            body.close()

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.prefix + _checked(key))

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass


def s3_client(*, endpoint_url: str | None, region: str | None, access_key_id: str | None, secret: str | None) -> Any:
    # Not in requirements.txt: only a deployment on S3 installs it (pip install boto3).
    import boto3  # type: ignore[import-not-found]  # optional, and untyped

    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret,
    )


_WRITTEN, _DOOMED = "liaison.blobs.written", "liaison.blobs.doomed"


def _hooks(session: Session) -> tuple[list[Callable[[], None]], list[Callable[[], None]]]:
    if _WRITTEN not in session.info:
        session.info[_WRITTEN], session.info[_DOOMED] = [], []

        def committed(session: Session) -> None:
            session.info[_WRITTEN].clear()
            _run(session.info[_DOOMED])

        def rolled_back(session: Session) -> None:
            session.info[_DOOMED].clear()
            _run(session.info[_WRITTEN])

        event.listen(session, "after_commit", committed)
        event.listen(session, "after_rollback", rolled_back)
    return session.info[_WRITTEN], session.info[_DOOMED]


def _run(removals: list[Callable[[], None]]) -> None:
    # The transaction is decided: a store that fails now leaves an orphan file (logged), never an error.
    for remove in removals:
        try:
            remove()
        except Exception:
            log.exception("could not remove a blob")
    removals.clear()


def forget_on_rollback(session: Session, blobs: Blobs, key: str) -> None:
    """`key` was just written for a row of this transaction: removed again if the transaction fails."""
    _hooks(session)[0].append(partial(blobs.delete, key))


def delete_after_commit(session: Session, blobs: Blobs, keys: list[str]) -> None:
    """Their rows are deleted in this transaction: the blobs go once it commits (kept if it fails)."""
    doomed = _hooks(session)[1]
    for key in keys:
        doomed.append(partial(blobs.delete, key))
