"""A file uploaded as multipart/form-data, read as it streams in and refused as soon as it is too large.

The size limit is enforced on the bytes received, never on what the client declares alone: a body
is never read whole past the limit. The file is spooled (memory, then a temporary file) for the
content check (`file_types.sniff`) and the store.
"""

from __future__ import annotations

import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any, TypeVar

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from services.kit.problems import Problem

# Room for the multipart framing and the part's headers around the file itself.
FRAMING_BYTES = 64 * 1024
MAX_FILENAME = 255
T = TypeVar("T")


class TooLarge(Problem):
    status = 413
    title = "Content too large"


class InvalidUpload(Problem):
    status = 422
    title = "Invalid upload"


def too_large(max_bytes: int) -> TooLarge:
    return TooLarge(f"A file may be at most {max_bytes} bytes.", max_bytes=max_bytes)


@dataclass
class Upload:
    filename: str
    file: IO[bytes]
    size: int = 0
    client_type: str | None = None  # what the client said: recorded nowhere, decided on by nobody

    def close(self) -> None:
        self.file.close()


def clean_filename(raw: str) -> str:
    """The name without any path, control characters or NUL (refused: it ends names in C)."""
    if "\x00" in raw:
        raise InvalidUpload("A file name cannot contain a NUL character.", field="file")
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in unicodedata.normalize("NFC", name) if unicodedata.category(c)[0] != "C").strip()
    if name in ("", ".", ".."):
        raise InvalidUpload("The file needs a name.", field="file")
    if len(name) > MAX_FILENAME:
        raise InvalidUpload(f"A file name is at most {MAX_FILENAME} characters.", field="file")
    return name


class _Reader:
    """The parser's callbacks: keeps the one file part, counting its bytes as they arrive."""

    def __init__(self, upload: Upload, *, field_name: str, max_bytes: int) -> None:
        self.upload, self.field_name, self.max_bytes = upload, field_name, max_bytes
        self.headers: dict[bytes, bytes] = {}
        self.header, self.value = b"", b""
        self.found = self.in_file = False

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self.headers.clear,
            "on_header_field": lambda data, start, end: self._add("header", data[start:end]),
            "on_header_value": lambda data, start, end: self._add("value", data[start:end]),
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
        }

    def _add(self, name: str, data: bytes) -> None:
        setattr(self, name, getattr(self, name) + data)

    def on_header_end(self) -> None:
        self.headers[self.header.lower()] = self.value
        self.header = self.value = b""

    def on_headers_finished(self) -> None:
        _, disposition = parse_options_header(self.headers.get(b"content-disposition", b""))
        is_file = disposition.get(b"name") == self.field_name.encode() and b"filename" in disposition
        if is_file and self.found:
            raise InvalidUpload("Send one file at a time.", field=self.field_name)
        self.in_file = is_file
        if is_file:
            self.found = True
            self.upload.filename = clean_filename(disposition[b"filename"].decode("utf-8", "replace"))
            self.upload.client_type = self.headers.get(b"content-type", b"").decode("latin-1") or None

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.in_file:
            self.upload.size += end - start
            if self.upload.size > self.max_bytes:
                raise too_large(self.max_bytes)
            self.upload.file.write(data[start:end])

    def on_part_end(self) -> None:
        self.in_file = False


async def receive_file(request: Request, *, field_name: str, max_bytes: int) -> Upload:
    """The one file sent under `field_name` (other fields are ignored). The caller closes it."""
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise Problem(
            "Send the file as multipart/form-data, in the field 'file'.", status=415, title="Unsupported media type"
        )
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes + FRAMING_BYTES:
        raise too_large(max_bytes)
    spool = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)  # noqa: SIM115 - handed to Upload
    upload = Upload(filename="", file=spool)
    reader = _Reader(upload, field_name=field_name, max_bytes=max_bytes)
    parser = MultipartParser(boundary, reader.callbacks())  # type: ignore[arg-type]  # its TypedDict of callbacks
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > max_bytes + FRAMING_BYTES:
                raise too_large(max_bytes)
            parser.write(chunk)
        parser.finalize()
    except Problem:
        spool.close()
        raise
    except Exception as error:  # the parser's own errors: a malformed body
        spool.close()
        raise InvalidUpload(f"The multipart body cannot be read: {error}", field=field_name) from None
    if not reader.found:
        spool.close()
        raise InvalidUpload(f"No file was sent in the field '{field_name}'.", field=field_name)
    spool.seek(0)
    return upload


async def receive_and_store(request: Request, *, max_bytes: int, store: Callable[[Upload], T]) -> T:
    """The file of the field `file` received, then handed to `store` (the service's database and blob
    work, on a worker thread); the spooled file is closed whatever happens."""
    upload = await receive_file(request, field_name="file", max_bytes=max_bytes)
    try:
        return await run_in_threadpool(store, upload)
    finally:
        upload.close()


# An upload route's request body in the OpenAPI document (the route reads the stream itself).
FILE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}
